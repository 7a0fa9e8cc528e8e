/**
 * tornado's `Event`: a flag coroutines wait for. Built on the coroutine layer's `Event`, with
 * tornado's `timeout` on `wait()`.
 */
import { inspect } from 'node:util';
import type { Future } from '@aio/future';
import { resolvedVoid } from '@aio/future/internal';
import { Event as CoroutineEvent } from '@aio/coroutine';
import type { Timeout } from '../internal/timeout';
import { deadlineOrNull } from './deadline';
import { TimedWait } from './timed-wait';

/**
 * A flag coroutines wait for — tornado's `locks.Event`. `set()` wakes every waiter, and `wait()`
 * does not wait while the flag is set; `clear()` makes it wait again.
 * @example
 * ```ts
 * const ready = new Event();
 * // in a generator task:
 * yield* ready.wait(timedelta({ seconds: 5 })); // TimeoutError if not set within 5 s
 * // elsewhere:
 * ready.set();
 * ```
 */
export class Event {
  readonly #flag = new CoroutineEvent();

  /** True while the flag is set. */
  isSet(): boolean {
    return this.#flag.isSet();
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    this.#flag.set();
  }

  /** Clears the flag: `wait()` waits again. */
  clear(): void {
    this.#flag.clear();
  }

  /**
   * Waits until the flag is set: a Future (`yield*` or `await` it), done at once if it is set.
   * With a `timeout` (a deadline in `loop.time()` ms, or a Timedelta), fails with TimeoutError
   * if the flag is not set by then.
   * @throws TypeError for a timeout that is neither
   */
  wait(timeout?: Timeout | null): Future<void> {
    const deadline = deadlineOrNull(timeout, 'Event.wait');
    const inner = this.#flag.wait();
    if (inner.done()) return resolvedVoid(inner.getLoop());
    return new TimedWait<true, void>({
      inner,
      deadline,
      map: () => undefined,
      what: 'Event.wait()',
    });
  }

  /** `<Event set>`, `<Event clear>` (tornado's words) */
  toString(): string {
    return `<Event ${this.isSet() ? 'set' : 'clear'}>`;
  }

  get [Symbol.toStringTag](): string {
    return 'Event';
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
