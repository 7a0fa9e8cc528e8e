/**
 * The loop's hooks for the layers above it, keyed by symbols so that they stay off the public
 * API (a user's `loop.` completion never offers them) and are shared by every copy of this
 * package in one process (`Symbol.for`: an ESM loop runs a task of the CommonJS build).
 *
 * - `loop[SCHEDULE](runnable)`: puts an object on the ready queue as `callSoon` puts a Handle
 *   there, without allocating one: a Task schedules itself for each of its steps.
 * - `runnable[RUN]()`: what the loop calls when that object's turn comes.
 * - `loop[KEEP_AWAKE_UNTIL](promise)`: a foreign promise will give the loop work when it
 *   settles, so a blocking loop must hand Node turns until it does (`wrapPromise`, a Task that
 *   follows an async function).
 *
 * Exported from `@aio/loop/internal`, never from the main entry point.
 */
export const RUN: unique symbol = Symbol.for('@aio/loop.run');
export const SCHEDULE: unique symbol = Symbol.for('@aio/loop.schedule');
export const KEEP_AWAKE_UNTIL: unique symbol = Symbol.for('@aio/loop.keepAwakeUntil');

/** Anything the loop can run from its ready queue: a Handle, or an object of a layer above. */
export interface Runnable {
  /** Runs it. Must not throw: it reports its own errors through `callExceptionHandler`. */
  [RUN](): void;
  /** When true as its turn comes, the loop skips it. */
  cancelled(): boolean;
  /** How debug mode names it in a slow-callback report. */
  toString(): string;
}
