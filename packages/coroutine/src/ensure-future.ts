/**
 * `ensureFuture(x)`: anything awaitable as a Future — asyncio's `ensure_future`.
 */
import { getRunningLoop, type EventLoop } from '@aio/loop';
import { isFuture, type Future } from '@aio/future';
import { toFuture, type TaskSource } from './task';

/** An awaitable in aio's sense: a Future (or Task), a generator, an async task function, a promise. */
export type Awaitable<T> = Future<T> | TaskSource<T>;

/**
 * A Future stays itself; a generator or a task function becomes a Task (on `loop`, default the
 * running loop); a promise or thenable is wrapped; `sleep(0)` becomes a future that resolves on
 * the next iteration.
 * @example
 * ```ts
 * const future = ensureFuture(fetchPage('/')); // a Task running the generator
 * ```
 */
export function ensureFuture<T>(awaitable: Awaitable<T>, loop?: EventLoop): Future<T> {
  if (isFuture(awaitable)) return awaitable;
  return toFuture(awaitable, loop ?? getRunningLoop('ensureFuture()'));
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
