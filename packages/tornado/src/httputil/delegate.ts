/**
 * The three interfaces between an HTTP/1 connection and what handles its messages
 * (tornado/httputil.py): the server's `HTTPServerConnectionDelegate` makes an
 * `HTTPMessageDelegate` for each request, which the connection feeds; the application answers
 * through the request's `HTTPConnection`.
 */
import type { Future } from '@aio/future';
import type { HTTPHeaders } from './headers';
import type { RequestStartLine, ResponseStartLine } from './start-line';

/**
 * What a delegate method may return to make the connection wait: nothing (go on at once), an aio
 * Future, a promise, or a generator (run as a tornado coroutine).
 */
export type MaybeAwaitable = void | undefined | null | PromiseLike<unknown> | Future | Generator;

/** Handles the requests of a server's connections (`HTTPServer` is one). */
export interface HTTPServerConnectionDelegate {
  /**
   * A request has started on `serverConnection` (the long-lived TCP connection); `requestConnection`
   * is this request's `HTTPConnection`. Returns the delegate its message is fed to.
   */
  startRequest(serverConnection: object, requestConnection: HTTPConnection): HTTPMessageDelegate;
  /** `serverConnection` has closed. */
  onClose?(serverConnection: object): void;
}

/** Receives one HTTP message: its headers, its body in chunks, then its end. */
export interface HTTPMessageDelegate {
  /**
   * The start line and headers are parsed. May return a future: the body is not read until it is
   * done.
   */
  headersReceived(
    startLine: RequestStartLine | ResponseStartLine,
    headers: HTTPHeaders,
  ): MaybeAwaitable;
  /** A chunk of the body. May return a future: no more is read until it is done (flow control). */
  dataReceived(chunk: Buffer): MaybeAwaitable;
  /** The whole body has been received. */
  finish(): void;
  /**
   * The connection closed before the message was complete. Once `headersReceived` was called,
   * exactly one of `finish` and `onConnectionClose` is.
   */
  onConnectionClose(): void;
}

/** How an application writes a message: a response on a server, a request on a client. */
export interface HTTPConnection {
  /**
   * Writes the start line and headers (and `chunk`, the first body bytes, in the same write).
   * The start line's version is ignored: HTTP/1.1 is sent. The future settles once the kernel has
   * the bytes (flow control).
   */
  writeHeaders(
    startLine: RequestStartLine | ResponseStartLine,
    headers: HTTPHeaders,
    chunk?: Uint8Array | string,
  ): Future<void>;
  /** Writes body bytes; the future settles once the kernel has them. */
  write(chunk: Uint8Array | string): Future<void>;
  /** The body is complete. */
  finish(): void;
}
