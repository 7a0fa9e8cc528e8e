/**
 * @aio/loop: asyncio's event loop on @aio/selector, hosted inside Node or blocking like Python.
 *
 * @module @aio/loop
 */
export {
  EventLoop,
  POLL_INTERVAL_MS,
  HOST_SLICE_MS,
  SPIN_MS,
  SPIN_WINDOW_MS,
  FOREIGN_SLICE_MS,
  type EventLoopOptions,
  type ExceptionHandler,
  type FutureLike,
  type LoopMode,
} from './event-loop';
export { FD_AUDIT_BATCH, FD_AUDIT_INTERVAL_MS } from './registrations';
export { Handle, TimerHandle, type Callback } from './handles';
export {
  getRunningLoop,
  getRunningLoopOrNull,
  getEventLoop,
  setEventLoop,
  newEventLoop,
} from './running';
export { formatExceptionContext, type ExceptionContext, type LogSink } from './exceptions';
export {
  LoopError,
  LoopClosedError,
  LoopRunningError,
  NoRunningLoopError,
  LoopStoppedError,
  InvalidArgumentError,
} from './errors';
