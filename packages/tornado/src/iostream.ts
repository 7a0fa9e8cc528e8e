/**
 * `@aio/tornado/iostream`: tornado's `IOStream` (tornado/iostream.py) — a connected socket with
 * tornado's reads (`readUntil`, `readUntilRegex`, `readBytes`, `readInto`, `readUntilClose`) and
 * write futures, on @aio/coroutine's socket transport — and its errors.
 *
 * `SSLIOStream`, `PipeIOStream` and `connect()` are not here yet.
 *
 * @module @aio/tornado/iostream
 */
export { IOStream, type IOStreamOptions, type PartialReadOptions } from './iostream/stream';
export {
  StreamBufferFullError,
  StreamClosedError,
  UnsatisfiableReadError,
} from './iostream/errors';
