/**
 * `Executor`: Python's `concurrent.futures.Executor` as aio needs it, and the worker function, the
 * way a pool is told which code to run.
 *
 * JavaScript threads and processes share no heap, so a pool cannot run a closure: it runs a
 * function that a worker can import, named by its module and its export. `workerFunction()`
 * makes such a name; its type parameter carries the function's type, so that `submit()` checks
 * the arguments and types the result.
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Future } from '@aio/future';
import { formatValue } from '@aio/selector/internal';
import { InvalidWorkerFunctionError } from './errors';

/** Any function, as a type bound (`never[]` parameters admit every function). */
export type AnyFunction = (...args: never[]) => unknown;

declare const functionType: unique symbol;

/**
 * A function a worker thread or child process can load: the module's URL (`file:` URL string)
 * and the name of the export. Plain data; `F` only types it.
 */
export interface WorkerFunction<F extends AnyFunction = AnyFunction> {
  /** The module's absolute `file:` URL. */
  readonly module: string;
  /** The export to call (`'default'` for the default export). */
  readonly name: string;
  /** Type-level only: the function's type. Never set. */
  readonly [functionType]?: F;
}

/**
 * Names the export `name` of the module at `module` (`import.meta.url`, a `file:` URL or an
 * absolute path) as a function a pool can run.
 *
 * The worker imports that module, so its top-level code runs in every worker: keep worker
 * functions in a module without side effects, or guard the main program with `isMainThread`
 * (threads) — as Python's `if __name__ == '__main__'`.
 * @example
 * ```ts
 * // jobs.ts
 * export function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
 * // main.ts
 * import type { fib } from './jobs';
 * const fibJob = workerFunction<typeof fib>(new URL('./jobs.js', import.meta.url), 'fib');
 * const result = await pool.submit(fibJob, 30); // Future<number>
 * ```
 * @throws InvalidWorkerFunctionError if `module` is not absolute or `name` is empty
 */
export function workerFunction<F extends AnyFunction = AnyFunction>(
  module: string | URL,
  name = 'default',
): WorkerFunction<F> {
  return toWorkerFunction({ module, name }, 'workerFunction()') as WorkerFunction<F>;
}

/** True for a worker function (`{ module, name }`, made by `workerFunction()` or by hand). */
export function isWorkerFunction(value: unknown): value is WorkerFunction {
  if (typeof value !== 'object' || value === null) return false;
  const { module, name } = value as { module?: unknown; name?: unknown };
  return (typeof module === 'string' || module instanceof URL) && typeof name === 'string';
}

/**
 * `value` as a normalized worker function (its module a `file:` URL string).
 * @throws InvalidWorkerFunctionError saying what `where` expected and what it got
 */
export function toWorkerFunction(value: unknown, where: string): WorkerFunction {
  if (!isWorkerFunction(value)) {
    const hint =
      typeof value === 'function'
        ? ': a pool runs code in another thread or process, which cannot call a closure — export the function from a module and pass workerFunction(moduleUrl, name)'
        : '';
    throw new InvalidWorkerFunctionError(
      `${where} expected a worker function ({ module, name }), got ${describe(value)}${hint}`,
    );
  }
  const module = moduleUrl(value.module);
  if (module === null) {
    throw new InvalidWorkerFunctionError(
      `${where} expected the module as a file: URL or an absolute path (import.meta.url, new URL('./jobs.js', import.meta.url)), got ${describe(value.module)}`,
    );
  }
  if (value.name === '') {
    throw new InvalidWorkerFunctionError(
      `${where} expected the name of an export of ${module}, got ""`,
    );
  }
  return Object.freeze({ module, name: value.name });
}

function moduleUrl(module: string | URL): string | null {
  if (module instanceof URL) return module.protocol === 'file:' ? module.href : null;
  if (module.startsWith('file:')) return new URL(module).href;
  return isAbsolute(module) ? pathToFileURL(module).href : null;
}

function describe(value: unknown): string {
  if (typeof value === 'function') return `the function ${value.name || '<anonymous>'}`;
  return formatValue(value, 200);
}

/** `shutdown()`'s options, as Python's `Executor.shutdown(wait, cancel_futures)`. */
export interface ShutdownOptions {
  /**
   * true (default): the returned promise settles once every job that is not cancelled has
   * finished and every worker thread or child process has exited. false: it settles at once,
   * and the pool winds down the same way in the background.
   */
  wait?: boolean;
  /** Cancel the futures of jobs that have not started (Python 3.9's `cancel_futures`). */
  cancelFutures?: boolean;
}

/**
 * Python's `concurrent.futures.Executor`, returning aio Futures: what `IOLoop.runInExecutor`
 * and `runOnExecutor` call.
 *
 * - `submit(fn, ...args)` schedules `fn(...args)` and returns a Future of its result (an async
 *   function's result is awaited). Cancelling the Future of a job that has not started takes it
 *   off the queue; a job that has started runs to its end, and its outcome is dropped — as in
 *   Python, where `Future.cancel()` of a running job fails.
 * - `shutdown()` stops taking jobs (`submit` then throws `ExecutorShutdownError`) and releases the
 *   executor's threads or processes.
 *
 * `fn` is a plain function for an executor that runs code in this thread (`DummyExecutor`), and a
 * `WorkerFunction` for one that runs it elsewhere (`ThreadPoolExecutor`, `ProcessPoolExecutor`);
 * `DummyExecutor` takes both.
 * @example
 * ```ts
 * const future = executor.submit(fibJob, 30);
 * console.log(await future);
 * await executor.shutdown();
 * ```
 */
export interface Executor {
  submit<F extends AnyFunction>(
    fn: F | WorkerFunction<F>,
    ...args: Parameters<F>
  ): Future<Awaited<ReturnType<F>>>;
  shutdown(options?: ShutdownOptions): Promise<void>;
}
