/**
 * `@aio/tornado/iostream`: tornado's `IOStream` (tornado/iostream.py) — a connected socket with
 * tornado's reads (`readUntil`, `readUntilRegex`, `readBytes`, `readInto`, `readUntilClose`) and
 * write futures, on @aio/coroutine's socket transport — and its errors.
 *
 * `PipeIOStream` does the same on a pipe; `SSLIOStream` over TLS (OpenSSL on the socket, through
 * `@aio/selector/ssl`), and `IOStream.startTls` upgrades a plain stream to one.
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
export { SSLIOStream, type SSLIOStreamOptions } from './iostream/ssl-stream';
export {
  SSLHandshakeTimeoutError,
  StreamBufferFullError,
  StreamClosedError,
  UnsatisfiableReadError,
} from './iostream/errors';
