/**
 * `ThreadPoolExecutor`: Python's `concurrent.futures.ThreadPoolExecutor` on Node worker threads,
 * through piscina (which starts, reuses and replaces the threads).
 *
 * Unlike Python's threads, each worker thread has its own heap and its own event loop, and runs
 * JavaScript truly in parallel with the main thread (there is no GIL): a CPU-bound job here does
 * not slow the loop down. The price is that a job is a `WorkerFunction`, and its arguments and
 * result are copied (structured clone), not shared.
 */
import { availableParallelism } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { WorkerCrashedError } from './errors';
import { PoolExecutor } from './pool';
import type { JobRequest } from './pool-worker';
import { POOL_WORKER_FILE, workerExecArgv } from './worker-entry';

/** Options of a `ThreadPoolExecutor`. */
export interface ThreadPoolExecutorOptions {
  /** The most threads (and so jobs running at once). Default: `os.availableParallelism()`. */
  maxWorkers?: number;
  /** Node flags for the threads. Default: this process's `execArgv`, as Node's `Worker` does. */
  execArgv?: string[];
  /** The threads' `process.env`. Default: a copy of this process's. */
  env?: Record<string, string | undefined>;
  /** Heap limits for each thread (Node's `Worker` `resourceLimits`). */
  resourceLimits?: ResourceLimits;
}

/**
 * Runs worker functions on a pool of worker threads.
 *
 * Threads start on demand, up to `maxWorkers`, and stay until `shutdown()`; idle ones do not keep
 * the process alive. A thread that dies in a job (`process.exit()` in a worker ends only that
 * thread) fails that job's Future with `WorkerCrashedError`, and a new thread takes its place.
 * @example
 * ```ts
 * const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
 * const fib = workerFunction<(n: number) => number>(new URL('./jobs.js', import.meta.url), 'fib');
 * console.log(await pool.submit(fib, 30)); // the loop keeps running meanwhile
 * await pool.shutdown();
 * ```
 */
export class ThreadPoolExecutor extends PoolExecutor {
  /**
   * The piscina pool underneath, for its metrics (`utilization`, `runTime`, `threads`). Run jobs
   * through `submit`, not on it directly: the executor would not know about them.
   */
  readonly piscina: Piscina<JobRequest, Uint8Array>;

  // #region thread-pool-constructor
  constructor(options: ThreadPoolExecutorOptions = {}) {
    super(options.maxWorkers ?? availableParallelism());
    this.piscina = new Piscina<JobRequest, Uint8Array>({
      filename: POOL_WORKER_FILE,
      maxThreads: this.maxWorkers,
      // On demand, as Python's pool, and kept until shutdown.
      minThreads: 0,
      idleTimeout: Infinity,
      execArgv: workerExecArgv(options.execArgv),
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }),
    });
  }
  // #endregion thread-pool-constructor

  protected runOnWorker(request: JobRequest): Promise<Uint8Array> {
    return this.piscina.run(request).catch((error: unknown) => {
      throw crashed(error);
    });
  }

  protected async release(): Promise<void> {
    await this.piscina.destroy();
  }
}

/**
 * pool-worker never throws, so a rejection from piscina means the thread died under the job:
 * it exited ("worker exited with code: N") or failed outside the job (an uncaught exception
 * from a callback the job left behind).
 */
function crashed(error: unknown): WorkerCrashedError {
  const message = error instanceof Error ? error.message : String(error);
  const exit = /exited with code:? (-?\d+)/.exec(message);
  if (exit !== null) {
    const exitCode = Number(exit[1]);
    return new WorkerCrashedError(
      `the worker thread running the job exited with code ${exitCode} before it finished`,
      { exitCode, cause: error },
    );
  }
  return new WorkerCrashedError(`the worker thread running the job failed: ${message}`, {
    cause: error,
  });
}
