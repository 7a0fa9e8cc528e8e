/**
 * The errors @aio/loop throws. Each is a named class with a stable `code`, and each message says
 * what was expected and what was found, as asyncio's RuntimeErrors do.
 */
export { InvalidArgumentError } from '@aio/selector';

export abstract class LoopError extends Error {
  abstract readonly code: string;
}

/** Any use of a loop after `close()`: asyncio's "Event loop is closed". */
export class LoopClosedError extends LoopError {
  override name = 'LoopClosedError';
  readonly code = 'ERR_AIO_LOOP_CLOSED';
}

/** Running a loop that runs already, running two loops at once, or closing a running loop. */
export class LoopRunningError extends LoopError {
  override name = 'LoopRunningError';
  readonly code = 'ERR_AIO_LOOP_RUNNING';
}

/** `getRunningLoop()` with no loop running. */
export class NoRunningLoopError extends LoopError {
  override name = 'NoRunningLoopError';
  readonly code = 'ERR_AIO_NO_RUNNING_LOOP';
}

/** `runUntilComplete()` saw the loop stop before its future was done. */
export class LoopStoppedError extends LoopError {
  override name = 'LoopStoppedError';
  readonly code = 'ERR_AIO_LOOP_STOPPED';
}
