/**
 * tornado's `Lock`, on the coroutine layer's (which hands the lock straight to the first waiter,
 * so a newcomer never takes it first), with tornado's `timeout` on `acquire()`.
 */
import { inspect } from 'node:util';
import type { Future } from '@aio/future';
import { Lock as CoroutineLock } from '@aio/coroutine';
import type { Timeout } from '../internal/timeout';
import { acquireWithin } from './acquire';
import type { Releaser } from './releaser';

/**
 * A lock for coroutines — tornado's `locks.Lock`. Not owned: any code may release it. Waiters
 * get it in the order they asked.
 * @example
 * ```ts
 * const lock = new Lock();
 * // tornado's `async with lock:`
 * yield* withLock(lock, function* () { yield* update(); });
 * // tornado's `with (yield lock.acquire(timeout)):`
 * {
 *   using _held = yield* lock.acquire(timedelta({ seconds: 1 }));
 *   yield* update();
 * }
 * ```
 */
export class Lock {
  readonly #inner = new CoroutineLock();

  /**
   * Takes the lock: a Future (`yield*` or `await` it) of a `Releaser`, done at once if the lock
   * is free. With a `timeout` (a deadline in `loop.time()` ms, or a Timedelta) it fails with
   * TimeoutError if the lock did not come by then, and then does not hold it.
   * @throws TypeError for a timeout that is neither
   */
  acquire(timeout?: Timeout | null): Future<Releaser> {
    return acquireWithin(this.#inner, this, timeout, 'Lock.acquire');
  }

  /**
   * Unlocks; the first waiter in line gets the lock.
   * @throws LockNotHeldError if the lock is not locked (tornado's RuntimeError)
   */
  release(): void {
    this.#inner.release();
  }

  /** True while someone holds the lock. */
  locked(): boolean {
    return this.#inner.locked();
  }

  /** `<Lock unlocked>`, `<Lock locked waiters=1>` */
  toString(): string {
    return String(this.#inner);
  }

  get [Symbol.toStringTag](): string {
    return 'Lock';
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
