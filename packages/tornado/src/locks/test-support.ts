/**
 * For the locks and queues tests: a real EventLoop that remembers the timers it was given, so a
 * test can check that a finished wait left none armed, and `main()`, which runs a generator or
 * async function as the main task of a fresh one and checks exactly that when it returns.
 */
import { EventLoop, type Callback, type LoopMode, type TimerHandle } from '@aio/loop';
import { Future, TimeoutError } from '@aio/future';
import { Task, sleep, type TaskSource } from '@aio/coroutine';

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
 * Runs `source` as the main task of a fresh loop in `mode`, then checks that no timer is left
 * armed on it (every timeout of a finished wait was cancelled or ran).
 */
export async function main<T>(source: TaskSource<T>, mode: LoopMode = 'hosted'): Promise<T> {
  const loop = new TimerAuditLoop({ mode });
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

/** Waits until `condition` holds, giving up iterations (and a little time: timers are involved). */
export function* until(
  condition: () => boolean,
  limitMs = 2000,
): Generator<unknown, void, unknown> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > limitMs)
      throw new Error(`not reached in ${limitMs} ms: ${String(condition)}`);
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
