/**
 * `sleep(ms, value?)`: asyncio's `sleep`.
 *
 * `sleep(ms)` with `ms > 0` is a Future that a timer resolves (cancelling it cancels the timer).
 * `sleep(0)` gives up exactly one loop iteration, as asyncio's bare `yield` does: in a generator
 * it is a bare yield (the task steps again on the next iteration), and awaited it resolves from a
 * callback scheduled with `callSoon`.
 */
import { getRunningLoop } from '@aio/loop';
import { Future } from '@aio/future';

/** Marks Relinquish objects across copies of this package (ESM and CJS builds in one process). */
const RELINQUISH = Symbol.for('@aio/coroutine.relinquish');

/** What `sleep(0)` returns: one iteration's pause, awaitable both ways. */
export class Relinquish<T>
  implements PromiseLike<T>, Iterable<Relinquish<T>, T>, Iterator<Relinquish<T>, T, unknown>
{
  constructor(readonly value: T) {}

  /** On the prototype, so that making one defines no property. */
  get [RELINQUISH](): true {
    return true;
  }

  /** How far the current `yield*` has got: 0 before it yields, 1 after. */
  #step = 0;

  /**
   * `yield* sleep(0)`: yields this once (the task steps again on the next iteration), then
   * returns the value. The object is its own iterator, so a `sleep(0)` allocates one object.
   * Starting a `yield*` resets it, so one Relinquish may be reused; if two coroutines walk the
   * same one at once, one of them may wait one iteration more, never less.
   */
  [Symbol.iterator](): this {
    this.#step = 0;
    return this;
  }

  next(): IteratorResult<Relinquish<T>, T> {
    if (this.#step !== 0) return { done: true, value: this.value };
    this.#step = 1;
    return { done: false, value: this };
  }

  /**
   * An error thrown in at the pause (a cancellation) goes on up. Without this method `yield*`
   * would turn it into a TypeError ("the iterator does not provide a 'throw' method").
   */
  throw(error: unknown): IteratorResult<Relinquish<T>, T> {
    throw error;
  }

  /** `await sleep(0)`: resolves from a callback on the next loop iteration. */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const loop = getRunningLoop('sleep(0)');
    return new Promise<T>((resolve) => loop.callSoon(resolve, this.value)).then(
      onFulfilled,
      onRejected,
    );
  }
}

export function isRelinquish(value: unknown): value is Relinquish<unknown> {
  return (
    value instanceof Relinquish ||
    (typeof value === 'object' && value !== null && RELINQUISH in value)
  );
}

// #region sleep
/** Waits `ms` milliseconds (on the running loop), then gives `value`. */
export function sleep(ms: number): Future<void> | Relinquish<void>;
export function sleep<T>(ms: number, value: T): Future<T> | Relinquish<T>;
export function sleep<T>(ms: number, value?: T): Future<T | undefined> | Relinquish<T | undefined> {
  if (typeof ms !== 'number' || Number.isNaN(ms)) {
    throw new TypeError(`sleep() expected a delay in milliseconds, got ${String(ms)}`);
  }
  if (ms <= 0) return new Relinquish(value);
  const loop = getRunningLoop('sleep()');
  const future = new Future<T | undefined>(loop);
  const timer = loop.callLater(ms, () => {
    if (!future.done()) future.setResult(value);
  });
  future.addDoneCallback(function cancelTimer() {
    timer.cancel();
  });
  return future;
}
// #endregion sleep
