/**
 * tornado's `Condition`: coroutines wait until another one notifies them. Unlike asyncio's (and
 * the coroutine layer's) it has no lock: `wait()` and `notify()` may be called anywhere.
 *
 * Built on a coroutine-layer `Semaphore(0)`, whose queue of waiters is first come first served
 * and drops a cancelled waiter at once: `wait()` queues for a permit, and `notify(n)` releases
 * one permit per waiter it wakes, never more than there are waiters, so the semaphore never
 * holds a permit and a notification with nobody waiting is dropped (a condition does not
 * remember). Timed-out waiters have left the queue already, so they never count against `n`
 * (tornado keeps them in its deque and skips them).
 */
import { inspect } from 'node:util';
import { Future } from '@aio/future';
import { relay } from '@aio/future/internal';
import { Semaphore as CoroutineSemaphore } from '@aio/coroutine';
import type { Timeout } from '../internal/timeout';
import { deadlineOrNull } from './deadline';
import { TimedWait } from './timed-wait';

/**
 * A condition variable without a lock — tornado's `locks.Condition`.
 * @example
 * ```ts
 * const condition = new Condition();
 * // a waiter (generator task):
 * const notified = yield* condition.wait(timedelta({ seconds: 1 })); // false if it timed out
 * // a notifier, anywhere:
 * condition.notify();
 * ```
 */
export class Condition {
  // Invariant: #waiting is the number of waiters queued on #permits, and #permits holds no permit.
  readonly #permits = new CoroutineSemaphore(0);
  #waiting = 0;

  /**
   * Waits for `notify()`: a Future (`yield*` or `await` it) of true once notified, or of false
   * once `timeout` (a deadline in `loop.time()` ms, or a Timedelta) passed first.
   * @throws TypeError for a timeout that is neither
   */
  wait(timeout?: Timeout | null): Future<boolean> {
    const deadline = deadlineOrNull(timeout, 'Condition.wait');
    const inner = this.#permits.acquire();
    this.#waiting++;
    // Marked a relay: it only counts, and must not count as a consumer that takes the permit.
    inner.addDoneCallback(relay(() => void this.#waiting--));
    return new TimedWait<true, boolean>({
      inner,
      deadline,
      map: () => true,
      onTimeout: { value: false },
      // A waiter cancelled as it was notified passes the notification on (or drops it if nobody
      // waits): what a notification is worth, and no more.
      giveBack: () => this.notify(1),
      what: 'Condition.wait()',
    });
  }

  /**
   * Wakes the first `n` waiters (fewer if fewer wait), in the order they started waiting.
   * @throws RangeError unless `n` is a whole number, 0 or more
   */
  notify(n = 1): void {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
      throw new RangeError(
        `Condition.notify() expected a whole number of waiters to wake, 0 or more, got ${inspect(n)}`,
      );
    // Each release wakes the first waiter, whose done-callback counts it out at once.
    for (let i = 0; i < n && this.#waiting > 0; i++) this.#permits.release();
  }

  /** Wakes every waiter. */
  notifyAll(): void {
    this.notify(this.#waiting);
  }

  /** `<Condition>`, `<Condition waiters=2>` */
  toString(): string {
    return `<Condition${this.#waiting > 0 ? ` waiters=${this.#waiting}` : ''}>`;
  }

  get [Symbol.toStringTag](): string {
    return 'Condition';
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
