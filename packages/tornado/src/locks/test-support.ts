/**
 * For the locks and queues tests: a real EventLoop that remembers the timers it was given, so a
 * test can check that a finished wait left none armed, and `main()`, which runs a generator or
 * async function as the main task of a fresh one and checks exactly that when it returns.
 *
 * `main()`'s loop runs on virtual time (the loop package's test-support.ts): a real selector, but
 * a clock that moves only when the loop waits, straight to its next timer. These tests are about
 * order — a 10 ms timeout before a notify at 20 ms, a wake-up and a deadline in one step — and on
 * a real clock a loaded machine can let timers meant for different moments fall due in one
 * iteration. A test that waits for something outside the loop (a Node timer, another thread)
 * while the loop has a timer asks for real time: virtual time would rush to the timer.
 */
import { EventLoop, type Callback, type LoopMode, type TimerHandle } from '@aio/loop';
import { Future, TimeoutError } from '@aio/future';
import { Task, sleep, type TaskSource } from '@aio/coroutine';
import { virtualTime } from '../../../loop/src/test-support';

export class TimerAuditLoop extends EventLoop {
  readonly #armed = new Set<TimerHandle>();

  override callAt<A extends unknown[]>(
    when: number,
    callback: Callback<A>,
    ...args: A
  ): TimerHandle {
    const handle = super.callAt(
      when,
      (...given: A) => {
        this.#armed.delete(handle);
        return callback(...given);
      },
      ...args,
    );
    this.#armed.add(handle);
    return handle;
  }

  override callLater<A extends unknown[]>(
    delayMs: number,
    callback: Callback<A>,
    ...args: A
  ): TimerHandle {
    return this.callAt(this.time() + Math.max(0, delayMs), callback, ...args);
  }

  /** Timers neither run nor cancelled. */
  armedTimers(): TimerHandle[] {
    return [...this.#armed].filter((handle) => !handle.cancelled());
  }
}

const loops: EventLoop[] = [];

/** Closes the loops `main()` made; for `afterEach`. */
export function closeLoops(): void {
  for (const loop of loops.splice(0)) if (!loop.isClosed()) loop.close();
}

/**
 * Runs `source` as the main task of a fresh loop in `mode`, on virtual time unless `time` says
 * `'real'`, then checks that no timer is left armed on it (every timeout of a finished wait was
 * cancelled or ran).
 */
export async function main<T>(
  source: TaskSource<T>,
  mode: LoopMode = 'hosted',
  time: 'virtual' | 'real' = 'virtual',
): Promise<T> {
  const virtual = time === 'virtual' ? virtualTime() : undefined;
  const loop = new TimerAuditLoop(
    virtual ? { mode, clock: virtual.clock, selector: virtual.selector } : { mode },
  );
  loops.push(loop);
  const result = await loop.runUntilComplete(new Task<T>(source, { loop }));
  const armed = loop.armedTimers();
  if (armed.length > 0)
    throw new Error(
      `${armed.length} timer(s) left armed on the loop: ${armed.map(String).join(', ')}`,
    );
  return result;
}

/** Lets every ready task run until it waits again: loop iterations, no clock. */
export function* settle(iterations = 5): Generator<unknown, void, unknown> {
  for (let i = 0; i < iterations; i++) yield* sleep(0);
}

/**
 * Waits until `condition` holds, giving up iterations and a little loop time (timers are
 * involved): at most `limit` sleeps of 1 ms, so at least that many ms of loop time. Counted, not
 * timed, so a loaded machine gets as many tries.
 */
export function* until(condition: () => boolean, limit = 2000): Generator<unknown, void, unknown> {
  for (let i = 0; !condition(); i++) {
    if (i === limit)
      throw new Error(`not reached in ${limit} sleeps of 1 ms: ${String(condition)}`);
    yield* sleep(1);
  }
}

/** How a finished future ended: its result, 'cancelled', 'timeout', or its error's name. */
export function outcome(future: Future): unknown {
  if (!future.done()) return 'pending';
  if (future.cancelled()) return 'cancelled';
  const error = future.exception();
  if (error === undefined) return future.result();
  return error instanceof TimeoutError ? 'timeout' : (error as Error).name;
}

/** What `fn` throws. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected it to throw');
}

export const MODES: readonly LoopMode[] = ['hosted', 'blocking'];
