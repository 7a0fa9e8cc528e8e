/**
 * `timeout(ms, body)` / `timeoutAt(when, body)`: a deadline for a block — asyncio's `timeout`.
 *
 *   const page = yield* timeout(1000, function* () { return yield* fetch(url); });
 *   const page = await timeout(1000, async (scope) => fetch(url, { signal: scope.signal }));
 *
 * At the deadline the task running the block is cancelled; the block sees CancelledError (a
 * generator at its current yield, an async body through `scope.signal`), and the scope turns it
 * into `TimeoutError`. A cancellation from elsewhere passes through unchanged. The scope can
 * move its deadline: `scope.reschedule(when)`.
 */
import type { EventLoop, Handle } from '@aio/loop';
import { getRunningLoop } from '@aio/loop';
import { TimeoutError, isCancelledError } from '@aio/future';
import { bodyAsGenerator, Scoped, type Body } from './body';
import { currentTask, type Task } from './task';

type State = 'created' | 'entered' | 'expiring' | 'expired' | 'exited';

export class Timeout {
  #state: State = 'created';
  #when: number | null;
  #handle: Handle | null = null;
  #task: Task | null = null;
  readonly #controller = new AbortController();

  constructor(
    when: number | null,
    private readonly loop: EventLoop,
  ) {
    this.#when = when;
  }

  /** Aborted at the deadline. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The deadline in `loop.time()` milliseconds, or null for none. */
  when(): number | null {
    return this.#when;
  }

  /** True once the deadline has passed and cancelled the block. */
  expired(): boolean {
    return this.#state === 'expiring' || this.#state === 'expired';
  }

  /** Moves the deadline (null: none). */
  reschedule(when: number | null): void {
    if (this.#state !== 'entered' && this.#state !== 'created') {
      throw new Error(`Timeout is ${this.#state}: reschedule() only while the block runs`);
    }
    this.#when = when;
    this.#handle?.cancel();
    this.#handle = null;
    if (this.#state === 'entered' && when !== null) this.#arm(when);
  }

  #arm(when: number): void {
    if (when <= this.loop.time()) this.#handle = this.loop.callSoon(() => this.#expire());
    else this.#handle = this.loop.callAt(when, () => this.#expire());
  }

  #expire(): void {
    this.#state = 'expiring';
    this.#controller.abort(new TimeoutError('timeout expired'));
    this.#task?.cancel();
  }

  /** @internal */
  *run<T>(body: Body<Timeout, T>): Generator<unknown, T, unknown> {
    const task = currentTask(this.loop);
    if (task === null)
      throw new Error('timeout() must run inside a task (yield* it in a task, or await it)');
    this.#task = task;
    const cancellingBefore = task.cancelling();
    this.#state = 'entered';
    if (this.#when !== null) this.#arm(this.#when);
    try {
      return yield* bodyAsGenerator(body, this);
    } catch (error) {
      if ((this.#state as State) === 'expiring' && isCancelledError(error)) {
        this.#state = 'expired';
        // Only our own cancellation becomes a TimeoutError; one from outside passes through.
        if (task.uncancel() <= cancellingBefore)
          throw new TimeoutError('the block timed out', { cause: error });
      }
      throw error;
    } finally {
      this.#handle?.cancel();
      if (this.#state === 'entered') this.#state = 'exited';
    }
  }
}

class TimeoutScope<T> extends Scoped<T> {
  constructor(
    private readonly whenAt: () => number | null,
    private readonly body: Body<Timeout, T>,
  ) {
    super('timeout()');
  }

  protected run(): Generator<unknown, T, unknown> {
    return new Timeout(this.whenAt(), getRunningLoop('timeout()')).run(this.body);
  }
}

/** Runs `body` with a deadline `ms` from when it starts (null: none). */
export function timeout<T>(ms: number | null, body: Body<Timeout, T>): Scoped<T> {
  return new TimeoutScope(
    () => (ms === null ? null : getRunningLoop('timeout()').time() + ms),
    body,
  );
}

/** Runs `body` with a deadline at loop time `when` (null: none). */
export function timeoutAt<T>(when: number | null, body: Body<Timeout, T>): Scoped<T> {
  return new TimeoutScope(() => when, body);
}
