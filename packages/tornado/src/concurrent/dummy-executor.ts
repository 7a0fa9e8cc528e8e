/**
 * `DummyExecutor`: tornado's executor that is not one — it runs the function right away, in this
 * thread, and returns a Future that is done already. For tests, and for code written against an
 * `Executor` that sometimes has no reason to leave the thread.
 */
import { Future, wrapPromise } from '@aio/future';
import { isThenable } from '@aio/selector/internal';
import { InvalidWorkerFunctionError } from './errors';
import {
  toWorkerFunction,
  type AnyFunction,
  type Executor,
  type ShutdownOptions,
  type WorkerFunction,
} from './executor';
import { chainFuture } from './futures';

type Call = (...args: unknown[]) => unknown;

/**
 * Runs each submitted function at once, synchronously, in this thread.
 *
 * - A plain function (a closure is fine): its result or exception is in the returned Future,
 *   which is done when `submit` returns. If it returns a promise, the Future follows it.
 * - A `WorkerFunction`: its module is imported first (so the Future completes a moment later),
 *   then it runs here, with its arguments as given (not copied) — a stand-in for a pool in tests.
 *
 * `shutdown()` does nothing, as in tornado: a DummyExecutor has nothing to release.
 * @example
 * ```ts
 * const future = dummyExecutor.submit((a: number, b: number) => a + b, 1, 2);
 * future.done();   // true
 * future.result(); // 3
 * ```
 */
export class DummyExecutor implements Executor {
  // #region dummy-submit
  submit<F extends AnyFunction>(
    fn: F | WorkerFunction<F>,
    ...args: Parameters<F>
  ): Future<Awaited<ReturnType<F>>> {
    type R = Awaited<ReturnType<F>>;
    if (typeof fn === 'function')
      return settle<R>(() => (fn as unknown as Call)(...(args as unknown[])));
    const { module, name } = toWorkerFunction(fn, 'DummyExecutor.submit()');
    const ran = import(module).then((namespace: Record<string, unknown>) => {
      const loaded = namespace[name];
      if (typeof loaded !== 'function') {
        throw new InvalidWorkerFunctionError(
          `worker function ${name} of ${module} ${name in namespace ? `is a ${typeof loaded}, not a function` : 'is not exported'}`,
        );
      }
      return (loaded as Call)(...(args as unknown[]));
    });
    return wrapPromise(ran) as Future<R>;
  }
  // #endregion dummy-submit

  /** Does nothing (there is nothing to release); resolves at once. */
  shutdown(_options?: ShutdownOptions): Promise<void> {
    return Promise.resolve();
  }

  toString(): string {
    return '<DummyExecutor>';
  }
}

// #region settle
function settle<R>(call: () => unknown): Future<R> {
  const future = new Future<R>();
  let value: unknown;
  try {
    value = call();
  } catch (exception) {
    future.setException(exception);
    return future;
  }
  if (isThenable(value)) chainFuture(wrapPromise(value) as Future<R>, future);
  else future.setResult(value as R);
  return future;
}
// #endregion settle

/** tornado's module-level `dummy_executor`. */
export const dummyExecutor = new DummyExecutor();
