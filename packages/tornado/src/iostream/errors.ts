/**
 * tornado's three IOStream errors, and the TLS handshake's timeout (tornado/iostream.py).
 */
import { formatValue } from '@aio/selector/internal';

/**
 * An operation on a closed stream, or a read or write the stream's closing cut short.
 * `realError` is what closed it, when something did (a reset connection, an unsatisfiable read,
 * a full buffer); it is also the `cause`. tornado's is an IOError; this one is a plain Error
 * with a stable `code`.
 */
export class StreamClosedError extends Error {
  override name = 'StreamClosedError';
  readonly code = 'ERR_AIO_STREAM_CLOSED';
  /** What closed the stream, or null (a plain close, or EOF). */
  readonly realError: unknown;

  constructor(realError: unknown = null) {
    super(
      realError === null || realError === undefined
        ? 'Stream is closed'
        : `Stream is closed: ${describeError(realError)}`,
      realError === null || realError === undefined ? undefined : { cause: realError },
    );
    this.realError = realError ?? null;
  }
}

/**
 * A read that cannot be satisfied: its delimiter or pattern was not found within `maxBytes`.
 * The stream is closed; the read fails with a StreamClosedError whose `realError` is this.
 */
export class UnsatisfiableReadError extends Error {
  override name = 'UnsatisfiableReadError';
  readonly code = 'ERR_AIO_UNSATISFIABLE_READ';
}

/**
 * A buffer reached its limit: the read buffer `maxBufferSize` (the stream is closed, and this is
 * its `error`), or the write buffer `maxWriteBufferSize` (thrown by `write()`; the stream stays
 * open).
 */
export class StreamBufferFullError extends Error {
  override name = 'StreamBufferFullError';
  readonly code = 'ERR_AIO_STREAM_BUFFER_FULL';
}

/**
 * A TLS handshake that did not finish within its `handshakeTimeout`: the stream is closed, and
 * this is its `error` (and the `realError` of what waited on it).
 */
export class SSLHandshakeTimeoutError extends Error {
  override name = 'SSLHandshakeTimeoutError';
  readonly code = 'ERR_AIO_SSL_HANDSHAKE_TIMEOUT';
}

/** `Name: message` for an Error, else the value as the messages print values. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : formatValue(error);
}
