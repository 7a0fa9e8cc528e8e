/**
 * `TimedWait`: a wait of the coroutine layer (a Lock's, Semaphore's or Event's waiter, a queue's
 * get, put or join) with tornado's `timeout` added — the future that `acquire(timeout)`,
 * `wait(timeout)`, `get(timeout)`, `put(item, timeout)` and `join(timeout)` hand back.
 *
 * The coroutine layer does the waiting: its queues of waiters are first come first served, a
 * cancelled waiter leaves its queue at once, and a `yield*` of its waiter gives back a wake-up
 * that reached the waiter but not its task. This class adds three things:
 *
 * - **The timer.** At the deadline the inner wait is cancelled (so it leaves its queue) and the
 *   TimedWait fails with TimeoutError (a Condition's resolves to false). Whichever comes first
 *   wins: a wake-up cancels the timer, a timeout withdraws the waiter, in the same step. The
 *   timer is cancelled whenever the wait ends, so nothing is left on the loop.
 * - **Mapping** the inner result to tornado's (a lock's `true` becomes a `Releaser`).
 * - **Both ways of waiting.** Awaited (or yielded bare), the TimedWait settles the moment the inner
 *   wait does: an inline-safe done-callback, so there is no gap between the two. Walked with
 *   `yield*`, it hands the task the inner waiter itself (its own iterator), so the coroutine
 *   layer's lost-wake-up rule holds unchanged: a task cancelled as it is woken passes the wake-up
 *   on. The timer cancels the inner waiter under the task; the CancelledError that arrives is
 *   turned back into the timeout here — unless the task was also cancelled meanwhile, in which
 *   case the cancellation wins.
 *
 * A Condition's waiter is a permit of a private Semaphore(0), whose own give-back would bank a
 * permit if nobody else waited. So a Condition passes its own `giveBack` (a `notify(1)`), and its
 * waiter is walked with the plain Future iterator.
 */
import type { TimerHandle } from '@aio/loop';
import { Future, InvalidStateError, TimeoutError, inlineSafe, isCancelledError } from '@aio/future';
import { currentTask } from '@aio/coroutine';

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
   * Passes on a wake-up the task could not take, for an inner waiter whose own iterator must not
   * (see the module comment). Without it, `yield*` walks the inner waiter's own iterator.
   */
  giveBack?: () => void;
  /** Who waits, for messages: `'Lock.acquire()'`. */
  what: string;
}

export class TimedWait<I, R> extends Future<R> {
  readonly #inner: Future<I>;
  readonly #map: (value: I) => R;
  readonly #onTimeout: { value: R } | undefined;
  readonly #giveBack: (() => void) | undefined;
  readonly #what: string;
  #timer: TimerHandle | null = null;
  /** The timer went off and withdrew the inner wait. */
  #timedOut = false;
  /** A `yield*` walks it: the walk settles it, not the inner wait's callback. */
  #walked = false;

  constructor(options: TimedWaitOptions<I, R>) {
    const { inner, deadline } = options;
    super(inner.getLoop());
    this.#inner = inner;
    this.#map = options.map;
    this.#onTimeout = options.onTimeout;
    this.#giveBack = options.giveBack;
    this.#what = options.what;
    inner.addDoneCallback(inlineSafe((done: Future<I>) => this.#innerDone(done)));
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

  /** Cancelling the wait withdraws it from its queue (and stops its timer). */
  override cancel(message?: string): boolean {
    if (!super.cancel(message)) return false;
    this.#stopTimer();
    this.#inner.cancel(message);
    return true;
  }

  override [Symbol.iterator](): Iterator<Future<R>, R, unknown> {
    if (this.done() || this.#walked) return super[Symbol.iterator]();
    this.#walked = true;
    return this.#walk() as Iterator<Future<R>, R, unknown>;
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

  /** Inline-safe: runs the moment the inner wait is done, and runs no user code. */
  #innerDone(inner: Future<I>): void {
    this.#stopTimer();
    if (this.#walked || this.done()) return;
    if (inner.cancelled()) {
      // Only the timer or cancel() cancel it, and cancel() has settled this already.
      if (this.#timedOut) this.#settleTimedOut();
      return;
    }
    const error = inner.exception();
    if (error !== undefined) super.setException(error);
    else super.setResult(this.#map(inner.result()));
  }

  /** Settles this as timed out: with the timeout value, or TimeoutError (which it returns). */
  #settleTimedOut(): TimeoutError | null {
    if (this.#onTimeout !== undefined) {
      super.setResult(this.#onTimeout.value);
      return null;
    }
    const error = new TimeoutError(`${this.#what} timed out`);
    super.setException(error);
    return error;
  }

  /** `yield*`: the task waits on the inner waiter itself; see the module comment. */
  *#walk(): Generator<unknown, R, unknown> {
    const inner = this.#inner;
    const task = currentTask(this.getLoop());
    const cancellingBefore = task?.cancelling() ?? 0;
    const steps: Iterable<unknown, I> =
      this.#giveBack === undefined
        ? inner
        : { [Symbol.iterator]: () => Future.prototype[Symbol.iterator].call(inner) };
    let delivered = false;
    try {
      const value = yield* steps;
      delivered = true;
      const result = this.#map(value);
      super.setResult(result);
      return result;
    } catch (error) {
      if (
        this.#timedOut &&
        inner.cancelled() &&
        isCancelledError(error) &&
        (task?.cancelling() ?? 0) <= cancellingBefore
      ) {
        // Our own timer's cancellation: the wait timed out (the task was not cancelled).
        delivered = true;
        const timeout = this.#settleTimedOut();
        if (timeout === null) return this.#onTimeout!.value;
        this.exception(); // handed to the walker right here: retrieved
        throw timeout;
      }
      if (!this.done()) {
        if (isCancelledError(error)) super.cancel();
        else {
          super.setException(error);
          this.exception(); // retrieved: the walker gets it
        }
      }
      throw error;
    } finally {
      this.#stopTimer();
      if (!inner.done()) inner.cancel(); // the walk was abandoned (the coroutine was closed)
      if (!delivered && this.#giveBack !== undefined && isGranted(inner)) this.#giveBack();
      if (!this.done()) super.cancel();
    }
  }
}

/** The inner wait ended with a result (its primitive woke it) rather than an error or a cancel. */
function isGranted(inner: Future): boolean {
  return inner.done() && !inner.cancelled() && inner.exception() === undefined;
}
