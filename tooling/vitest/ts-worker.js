// @ts-check
/**
 * Starts a worker thread on a TypeScript file, resolving `@aio/*` to source, the way vitest runs
 * tests: tests and tools can put real code on a real second thread without a build step.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const tsxApi = createRequire(import.meta.url).resolve('tsx/esm/api');

/**
 * @param {URL} file the worker's .ts module
 * @param {import('node:worker_threads').WorkerOptions} [options]
 */
export function tsWorker(file, options = {}) {
  const bootstrap = `require(${JSON.stringify(tsxApi)}).register(); import(${JSON.stringify(file.href)});`;
  return new Worker(bootstrap, {
    ...options,
    eval: true,
    execArgv: ['--conditions=@aio/source', ...(options.execArgv ?? [])],
  });
}
