import type { Worker, WorkerOptions } from 'node:worker_threads';
export declare function tsWorker(file: URL, options?: WorkerOptions): Worker;
