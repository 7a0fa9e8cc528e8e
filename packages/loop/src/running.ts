/**
 * Which loop is running, and the current loop of this thread: asyncio's `get_running_loop`,
 * `get_event_loop`, `set_event_loop`, `new_event_loop`.
 */
import { NoRunningLoopError } from './errors';
import { EventLoop, type EventLoopOptions } from './event-loop';
import { loopState as state } from './state';

/**
 * The loop that is running now: asyncio's `get_running_loop`, and the loop that work made
 * without an explicit loop binds to (`sleep()`, `createTask()`, a lock's `acquire()` …).
 * @param what the call that needs it, for the error message (`'sleep()'`)
 * @throws NoRunningLoopError when none is
 * @example
 * ```ts
 * const loop = getRunningLoop('myHelper()');
 * ```
 */
export function getRunningLoop(what?: string): EventLoop {
  if (state.running === null) throw new NoRunningLoopError(noRunningLoopMessage(what));
  return state.running;
}

/**
 * What NoRunningLoopError says: the rule (aio work runs only while its loop runs, as in asyncio)
 * and the ways to follow it.
 */
export function noRunningLoopMessage(what?: string): string {
  return (
    `no running event loop${what === undefined ? '' : `: ${what} needs one`}. ` +
    'aio work runs only while its loop runs: start it with run(main) from @aio/coroutine ' +
    '(await run(async () => { … }) or run(function* () { … })), or loop.runUntilComplete(…)'
  );
}

/** The running loop, or null: for code that works with or without one. */
export function getRunningLoopOrNull(): EventLoop | null {
  return state.running;
}

/**
 * The running loop; else the loop set with `setEventLoop`; else a new loop, which becomes the
 * current one (asyncio before 3.12 did this too, without its later deprecation warning).
 */
export function getEventLoop(): EventLoop {
  return state.running ?? (state.current ??= new EventLoop());
}

/** Makes `loop` the current loop (what `getEventLoop` returns when none is running). */
export function setEventLoop(loop: EventLoop | null): void {
  state.current = loop;
}

/** A new loop; it does not become current. */
export function newEventLoop(options?: EventLoopOptions): EventLoop {
  return new EventLoop(options);
}
