/**
 * `@aio/tornado/concurrent`: tornado's `tornado.concurrent` — utilities for futures, and
 * executors that run code off the event loop's thread.
 *
 * - `Future` is the aio Future (the same class; tornado's is asyncio's), with tornado's helpers:
 *   `chainFuture`, `futureSetResultUnlessCancelled`, `futureSetExceptionUnlessCancelled`,
 *   `futureAddDoneCallback`.
 * - `Executor` is Python's `concurrent.futures.Executor` returning aio Futures, with three
 *   implementations: `DummyExecutor` (this thread, at once), `ThreadPoolExecutor` (worker threads,
 *   through piscina) and `ProcessPoolExecutor` (child processes).
 * - `runOnExecutor` makes a method that runs on the object's executor (tornado's
 *   `@run_on_executor`).
 *
 * Pools run a `WorkerFunction` — a module and an export name — since another thread cannot call
 * a closure of this one. See the package README (its `concurrent` section) for what crosses the
 * boundary and what does not.
 *
 * @module @aio/tornado/concurrent
 */
export {
  Future,
  isFuture,
  chainFuture,
  futureAddDoneCallback,
  futureSetResultUnlessCancelled,
  futureSetExceptionUnlessCancelled,
} from './concurrent/futures';
export {
  workerFunction,
  isWorkerFunction,
  type AnyFunction,
  type Executor,
  type ShutdownOptions,
  type WorkerFunction,
} from './concurrent/executor';
export { DummyExecutor, dummyExecutor } from './concurrent/dummy-executor';
export { ThreadPoolExecutor, type ThreadPoolExecutorOptions } from './concurrent/thread-pool';
export { ProcessPoolExecutor, type ProcessPoolExecutorOptions } from './concurrent/process-pool';
export { runOnExecutor, type RunOnExecutorOptions } from './concurrent/run-on-executor';
export {
  ExecutorError,
  ExecutorShutdownError,
  InvalidWorkerFunctionError,
  WorkerCrashedError,
} from './concurrent/errors';
