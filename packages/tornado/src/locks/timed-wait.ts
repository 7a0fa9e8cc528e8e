/**
 * `TimedWait`: a wait of the coroutine layer (a Lock's, Semaphore's or Event's waiter, a queue's
 * get, put or join) with tornado's `timeout` added — the future that `acquire(timeout)`,
 * `wait(timeout)`, `get(timeout)`, `put(item, timeout)` and `join(timeout)` hand back.
 *
 * The coroutine layer does the waiting: its queues of waiters are first come first served, and
 * a cancelled waiter leaves its queue at once. This class adds three things:
 *
 * - **The timer.** At the deadline the inner wait is cancelled (so it leaves its queue) and the
 *   TimedWait fails with TimeoutError (a Condition's resolves to false). Whichever comes first
 *   wins: a wake-up cancels the timer, a timeout withdraws the waiter, in the same step. The
 *   timer is cancelled whenever the wait ends, so nothing is left on the loop.
 * - **Mapping** the inner result to tornado's (a lock's `true` becomes a `Releaser`).
 * - **Relaying the handoff** (see @aio/future's handoff.ts). The inner waiter hands over a
 *   lock, a permit or an item; the TimedWait passes it on the moment it comes (a relay runs
 *   inline, so there is no gap between the two) and takes or gives it back as its own consumer
 *   does: a task cancelled as it is woken gives the lock to the next waiter, however it waited
 *   (`yield`, `yield*`, `await`, `gen.withTimeout`, `gen.multi` …). A TimedWait cancelled after
 *   its inner wait was served gives that back too.
 *
 * A Condition's waiter is a permit of a private Semaphore(0), whose own give-back would bank a
 * permit if nobody else waited. So a Condition passes its own `giveBack` (a `notify(1)`): the
 * permit counts as taken, and the notification goes on (or is dropped if nobody waits).
 */
import type { TimerHandle } from '@aio/loop';
import { Future, InvalidStateError, TimeoutError } from '@aio/future';
import { GIVE_BACK, Handoff, TAKE, relay, type HandoffHooks } from '@aio/future/internal';

/** What a TimedWait is made of. */
export interface TimedWaitOptions<I, R> {
  /** The coroutine layer's wait, still pending. Only this TimedWait may cancel it. */
  inner: Future<I>;
  /** The deadline in `loop.time()` milliseconds; null (or Infinity) for none. */
  deadline: number | null;
  /** What the caller gets for the inner result. */
  map: (value: I) => R;
  /** What a timeout gives: `{ value }` to resolve with it (a Condition's false); else TimeoutError. */
  onTimeout?: { value: R };
  /**
   * Passes on a wake-up the consumer gave back, in place of the inner waiter's own give-back
   * (see the module comment).
   */
  giveBack?: () => void;
  /** Who waits, for messages: `'Lock.acquire()'`. */
  what: string;
}

export class TimedWait<I, R> extends Handoff<R> {
  readonly #inner: Future<I>;
  readonly #map: (value: I) => R;
  readonly #onTimeout: { value: R } | undefined;
  readonly #hooks: HandoffHooks<R>;
  readonly #what: string;
  #timer: TimerHandle | null = null;
  /** The timer went off and withdrew the inner wait. */
  #timedOut = false;

  constructor(options: TimedWaitOptions<I, R>) {
    const { inner, deadline, giveBack } = options;
    super(inner.getLoop());
    this.#inner = inner;
    this.#map = options.map;
    this.#onTimeout = options.onTimeout;
    this.#what = options.what;
    this.#hooks = {
      taken: () => inner[TAKE](),
      givenBack:
        giveBack === undefined
          ? () => inner[GIVE_BACK]()
          : () => {
              inner[TAKE]();
              giveBack();
            },
    };
    inner.addDoneCallback(relay((done: Future<I>) => this.#innerDone(done)));
    if (deadline !== null && deadline !== Infinity && !inner.done())
      this.#timer = this.getLoop().callAt(deadline, () => this.#expire());
  }

  override setResult(): never {
    throw new InvalidStateError(
      `${this.#what}'s future is settled by its primitive, not by setResult()`,
    );
  }

  override setException(): never {
    throw new InvalidStateError(
      `${this.#what}'s future is settled by its primitive, not by setException()`,
    );
  }

  /**
   * Cancelling the wait withdraws it from its queue (and stops its timer); if it was served
   * already, what it was handed goes back.
   */
  override cancel(message?: string): boolean {
    if (!super.cancel(message)) return false;
    this.#stopTimer();
    if (!this.#inner.cancel(message)) this.#inner[GIVE_BACK]();
    return true;
  }

  #expire(): void {
    this.#timer = null;
    // A wake-up cancels this timer at once; this guard only keeps a settled wait settled.
    if (this.#inner.done()) return;
    this.#timedOut = true;
    this.#inner.cancel(`${this.#what} timed out`);
  }

  #stopTimer(): void {
    this.#timer?.cancel();
    this.#timer = null;
  }

  /** A relay: runs the moment the inner wait is done, and runs no user code. */
  #innerDone(inner: Future<I>): void {
    this.#stopTimer();
    if (this.done()) {
      // Cancelled first: cancel() gave back what it could; this is what came after.
      if (!inner.cancelled()) inner.exception();
      inner[GIVE_BACK]();
      return;
    }
    if (inner.cancelled()) {
      // Only the timer or cancel() cancel it, and cancel() has settled this already.
      if (this.#timedOut) this.#settleTimedOut();
      return;
    }
    const error = inner.exception();
    if (error !== undefined) super.setException(error);
    else this.handOver(this.#map(inner.result()), this.#hooks);
  }

  /** Settles this as timed out: with the timeout value, or TimeoutError. */
  #settleTimedOut(): void {
    if (this.#onTimeout !== undefined) super.setResult(this.#onTimeout.value);
    else super.setException(new TimeoutError(`${this.#what} timed out`));
  }
}
