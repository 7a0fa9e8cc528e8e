/**
 * `withLock(primitive, body, timeout?)`: tornado's `async with lock:` — the coroutine layer's
 * `withLock`, plus tornado's `timeout` on the acquire.
 */
import { inspect } from 'node:util';
import type { Future } from '@aio/future';
import { withLock as coroutineWithLock, type Body, type Scoped } from '@aio/coroutine';
import { Timedelta, type Timeout } from '../internal/timeout';

/** What `withLock` holds: a tornado Lock, Semaphore or BoundedSemaphore, or any look-alike. */
export interface TimedAcquirable {
  /** A Future that resolves once the caller holds the primitive, or fails after `timeout`. */
  acquire(timeout?: Timeout | null): Future;
  release(): void;
}

/**
 * Runs `body` holding `primitive`, and releases it however the body ends (a result, an error, a
 * cancellation) — tornado's `async with lock:`. `yield*` it in a generator task, or `await` it.
 * With a `timeout` (a deadline in `loop.time()` ms, or a Timedelta counted from when the scope
 * starts), it fails with TimeoutError if the primitive did not come by then; the body does not
 * run and nothing is released.
 *
 * The body and its cancellation are the coroutine layer's `withLock`: an async body gets an
 * AbortSignal, and the lock stays held until its promise settles.
 * @example
 * ```ts
 * const total = yield* withLock(lock, function* () {
 *   return yield* updateCounter();
 * });
 * await withLock(semaphore, async (signal) => fetch(url, { signal }), timedelta({ seconds: 2 }));
 * ```
 * @throws TypeError for a primitive without acquire() and release(), a body that is not a
 * function, or a timeout that is neither a number nor a Timedelta
 */
export function withLock<T>(
  primitive: TimedAcquirable,
  body: Body<AbortSignal, T>,
  timeout?: Timeout | null,
): Scoped<T> {
  const scope = coroutineWithLock(primitive, body); // checks the primitive and the body
  if (timeout === undefined || timeout === null) return scope;
  if (!(timeout instanceof Timedelta) && (typeof timeout !== 'number' || Number.isNaN(timeout)))
    throw new TypeError(
      `withLock() expected a timeout as a deadline (loop.time() milliseconds) or a Timedelta, got ${inspect(timeout)}`,
    );
  // A Timedelta counts from the acquire, when the scope starts: acquire() reads it then.
  return coroutineWithLock(
    { acquire: () => primitive.acquire(timeout), release: () => primitive.release() },
    body,
  );
}
