/**
 * tornado's `Semaphore` and `BoundedSemaphore`, on the coroutine layer's: its queue of waiters
 * (first come first served, a permit handed straight to the first waiter) with tornado's
 * `timeout` on `acquire()`, which resolves to a `Releaser`.
 */
import { inspect } from 'node:util';
import type { Future } from '@aio/future';
import {
  BoundedSemaphore as CoroutineBoundedSemaphore,
  Semaphore as CoroutineSemaphore,
} from '@aio/coroutine';
import type { Timeout } from '../internal/timeout';
import { acquireWithin } from './acquire';
import type { Releaser } from './releaser';

/**
 * A counter of permits — tornado's `locks.Semaphore`: `acquire()` takes one, waiting while there
 * is none; `release()` gives one back (to the first waiter, if any). Releasing more than was
 * acquired raises the count (use `BoundedSemaphore` to catch that).
 * @example
 * ```ts
 * const slots = new Semaphore(2); // two workers at a time
 * // with a scope (released however the body ends):
 * yield* withLock(slots, function* () { yield* work(); });
 * // or tornado's `with (yield sem.acquire()):`
 * {
 *   using _slot = yield* slots.acquire(timedelta({ seconds: 1 }));
 *   yield* work();
 * }
 * ```
 */
export class Semaphore {
  readonly #inner: CoroutineSemaphore;

  /** @param value the number of permits (default 1) @throws RangeError unless a whole number >= 0 */
  constructor(value = 1) {
    this.#inner = this.makeInner(value);
  }

  /** The coroutine-layer semaphore underneath (called once, from the constructor). */
  protected makeInner(value: number): CoroutineSemaphore {
    return new CoroutineSemaphore(value);
  }

  /**
   * Takes a permit: a Future (`yield*` or `await` it) of a `Releaser`, done at once if a permit
   * is free. With a `timeout` (a deadline in `loop.time()` ms, or a Timedelta) it fails with
   * TimeoutError if no permit came by then, and then holds none.
   * @throws TypeError for a timeout that is neither
   */
  acquire(timeout?: Timeout | null): Future<Releaser> {
    return acquireWithin(this.#inner, this, timeout, `${this.constructor.name}.acquire`);
  }

  /** Gives a permit back, to the first waiter if any. */
  release(): void {
    this.#inner.release();
  }

  /** True when `acquire()` would wait: no permit is free. */
  locked(): boolean {
    return this.#inner.locked();
  }

  /** `<Semaphore unlocked value=1>`, `<Semaphore locked value=0 waiters=2>` */
  toString(): string {
    return String(this.#inner).replace(/^<\w+/, `<${this.constructor.name}`);
  }

  get [Symbol.toStringTag](): string {
    return this.constructor.name;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * A Semaphore that refuses to be released more times than it was acquired — tornado's
 * `locks.BoundedSemaphore` (which raises ValueError; here `SemaphoreOverReleasedError`).
 * @example
 * ```ts
 * const pool = new BoundedSemaphore(2);
 * pool.release(); // throws SemaphoreOverReleasedError: nothing was acquired
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  /** `value` is also the most permits there can be: `release()` beyond it throws. */
  protected override makeInner(value: number): CoroutineSemaphore {
    return new CoroutineBoundedSemaphore(value);
  }
}
