/**
 * tornado's `timeout` arguments: an absolute deadline on the loop's clock, or a duration from
 * now (Python's `datetime.timedelta`). Milliseconds, as everywhere in aio.
 */
import type { EventLoop } from '@aio/loop';

/** A duration: Python's `datetime.timedelta`, in milliseconds. Make one with `timedelta()`. */
export class Timedelta {
  /** @throws RangeError unless `ms` is a finite number */
  constructor(readonly ms: number) {
    if (typeof ms !== 'number' || !Number.isFinite(ms))
      throw new RangeError(`Timedelta expected a finite number of milliseconds, got ${String(ms)}`);
  }

  toString(): string {
    return `Timedelta(${this.ms} ms)`;
  }
}

/** The parts of a duration, added up as Python's `timedelta(days=…, seconds=…)` does. */
export interface TimedeltaParts {
  days?: number;
  hours?: number;
  minutes?: number;
  seconds?: number;
  milliseconds?: number;
}

const MS_PER: Record<keyof TimedeltaParts, number> = {
  days: 86_400_000,
  hours: 3_600_000,
  minutes: 60_000,
  seconds: 1_000,
  milliseconds: 1,
};

/**
 * A duration for a `timeout` argument: `timedelta({ seconds: 1.5 })`.
 * @throws TypeError for an unknown part, RangeError for a part that is not a finite number
 */
export function timedelta(parts: TimedeltaParts): Timedelta {
  let ms = 0;
  for (const [name, value] of Object.entries(parts)) {
    const factor = MS_PER[name as keyof TimedeltaParts] as number | undefined;
    if (factor === undefined)
      throw new TypeError(
        `timedelta() got an unknown part ${JSON.stringify(name)} (expected days, hours, minutes, seconds or milliseconds)`,
      );
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new RangeError(
        `timedelta() expected ${name} to be a finite number, got ${String(value)}`,
      );
    ms += value * factor;
  }
  return new Timedelta(ms);
}

/**
 * tornado's timeout: a deadline in `loop.time()` milliseconds (as `IOLoop.time()` gives), or a
 * `Timedelta` from now.
 */
export type Timeout = number | Timedelta;

/**
 * The deadline `timeout` means on `loop`'s clock.
 * @throws TypeError unless `timeout` is a finite number or a Timedelta
 */
export function deadlineOf(loop: EventLoop, timeout: Timeout, method: string): number {
  if (timeout instanceof Timedelta) return loop.time() + timeout.ms;
  if (typeof timeout === 'number' && !Number.isNaN(timeout)) return timeout;
  throw new TypeError(
    `${method}() expected a timeout as a deadline (loop.time() milliseconds) or a Timedelta, got ${typeof timeout === 'object' ? JSON.stringify(timeout) : String(timeout)}`,
  );
}
