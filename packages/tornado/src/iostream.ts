/**
 * `@aio/tornado/iostream`: tornado's `IOStream` (tornado/iostream.py) — a connected socket with
 * tornado's reads (`readUntil`, `readUntilRegex`, `readBytes`, `readInto`, `readUntilClose`) and
 * write futures, on @aio/coroutine's socket transport — and its errors.
 *
 * `PipeIOStream` does the same on a pipe. `SSLIOStream` and `startTls` are not here yet.
 *
 * @module @aio/tornado/iostream
 */
export {
  BaseIOStream,
  IOStream,
  PipeIOStream,
  type IOStreamOptions,
  type PartialReadOptions,
} from './iostream/stream';
export {
  StreamBufferFullError,
  StreamClosedError,
  UnsatisfiableReadError,
} from './iostream/errors';
