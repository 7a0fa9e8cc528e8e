/**
 * `ensureFuture(x)`: anything awaitable as a Future — asyncio's `ensure_future`.
 */
import { getRunningLoop, type EventLoop } from '@aio/loop';
import { Future, isFuture, wrapPromise } from '@aio/future';
import { formatValue } from './format';
import { isRelinquish } from './sleep';
import { Task, isCoroutine, isThenable, type TaskSource } from './task';

/** An awaitable in aio's sense: a Future (or Task), a generator, an async task function, a promise. */
export type Awaitable<T> = Future<T> | TaskSource<T>;

/**
 * A Future stays itself; a generator or a task function becomes a Task; a promise or thenable is
 * wrapped; `sleep(0)` becomes a future that resolves on the next iteration.
 */
export function ensureFuture<T>(awaitable: Awaitable<T>, loop?: EventLoop): Future<T> {
  if (isFuture(awaitable)) return awaitable;
  loop ??= getRunningLoop('ensureFuture()');
  if (isRelinquish(awaitable)) {
    const future = new Future<T>(loop);
    loop.callSoon(() => {
      if (!future.done()) future.setResult(awaitable.value as T);
    });
    return future;
  }
  if (isCoroutine(awaitable) || typeof awaitable === 'function')
    return new Task<T>(awaitable, { loop });
  if (isThenable(awaitable)) return wrapPromise(awaitable, loop);
  throw new TypeError(
    `an awaitable (Future, Task, generator, async function or promise) is required, got ${formatValue(awaitable)}`,
  );
}

/**
 * The loop a function of awaitables works on: that of the first Future among them (asyncio's
 * gather does the same), else the running loop.
 * @throws NoRunningLoopError naming `what` if there is neither
 */
export function loopOf(awaitables: Iterable<unknown>, what: string): EventLoop {
  for (const aw of awaitables) if (isFuture(aw)) return aw.getLoop();
  return getRunningLoop(what);
}
