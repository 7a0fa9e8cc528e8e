/**
 * The process-wide loop state: which loop is running and which is current.
 *
 * It lives on `globalThis` under a registered symbol, so that if both the ESM and the CJS build of
 * this package end up loaded in one process they still agree on which loop is running.
 */
import type { EventLoop } from './event-loop';

export interface LoopState {
  running: EventLoop | null;
  current: EventLoop | null;
}

const KEY = Symbol.for('@aio/loop.state');
const globals = globalThis as unknown as Record<symbol, LoopState | undefined>;

export const loopState: LoopState = (globals[KEY] ??= { running: null, current: null });
