/**
 * tornado's `HTTP1Connection` (tornado/http1connection.py): one HTTP/1.x request/response exchange
 * on an IOStream, for a server (it reads a request and writes the response) or a client (it
 * writes a request and reads the response).
 *
 * Reading a message is tornado's `_read_message`, step by step as callbacks rather than one
 * coroutine (a request costs a few read futures, not a Task): `#readHeaders` → `#onHeaders` (the
 * strict parse, `headersReceived`) → `#readBody` (a length, chunks, or until close; each piece
 * to `dataReceived`, waiting on what it returns) → `#onBodyRead` (`finish`) → waiting for the
 * response to be finished → `#end`. Any `HTTPInputError` on the way is answered (a server
 * writes its status, 400 unless more precise) and the connection closed, never reused.
 */
import { Future } from '@aio/future';
import { resolvedVoid } from '@aio/future/internal';
import type { EventLoop } from '@aio/loop';
import { SHUT_WR } from '@aio/selector';
import { STATUS_CODES } from 'node:http';
import { convertYielded } from '../gen/convert';
import { HTTPInputError, HTTPOutputError } from '../httputil/errors';
import { HTTPHeaders, writeLatin1 } from '../httputil/headers';
import type { HTTPConnection, HTTPMessageDelegate } from '../httputil/delegate';
import {
  parseRequestStartLine,
  parseResponseStartLine,
  RequestStartLine,
  ResponseStartLine,
} from '../httputil/start-line';
import { IOStream, type BaseIOStream } from '../iostream';
import { StreamClosedError } from '../iostream/errors';
import { appLog, genLog } from '../log';
import { Deadline } from './deadline';
import {
  CHUNKED,
  NO_BODY,
  UNTIL_CLOSE,
  isTransferEncodingChunked,
  parseChunkSize,
  parseContentLength,
  requestFraming,
  type BodyFraming,
} from './framing';
import { GzipMessageDelegate } from './gzip';
import { HEADER_END } from './header-end';
import { KNOWN_METHODS, REFUSED_METHODS } from './methods';
import { connectionParams, type ConnectionParams, type HTTP1ConnectionParameters } from './params';

/** A chunked body's trailer section: an empty line at once, or fields then an empty line. */
const TRAILER_END = /^\r\n|\r\n\r\n|(?<!\r)\n|\r[^\n]/;
/** Longest chunk-size line taken (size, extensions, CRLF). */
const MAX_CHUNK_LINE = 4096;
/** A `Host` (or absolute-form authority): reg-name, IPv4 or a bracketed IPv6, and a port. */
const HOST = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=%]*|\[[0-9A-Fa-f:.]+\])(?::[0-9]*)?$/;
/** A client's framing for a 1xx interim response: no body, and the response still to come. */
const INTERIM: BodyFraming = Object.freeze({ kind: 'length', length: 0 });
/** How deep reads done when made are followed at once (see `#read`). */
const MAX_INLINE_READS = 16;
/** What a lingering close reads and throws away, at most, before closing. */
const LINGER_BYTES = 1024 * 1024;
const LINGER_MS = 2000;

/** @internal How a message read ended: true if the connection may carry another. */
export type MessageDone = (keepGoing: boolean) => void;

/** @internal What a server connection gives each of its requests' connections. */
export interface SharedConnectionState {
  readonly deadline: Deadline;
  /** The connection is draining: finish this request, then close. */
  readonly draining: () => boolean;
}

/**
 * One HTTP/1.x message exchange on `stream`. A server makes one per request (through
 * `HTTP1ServerConnection`); a client makes one, writes its request with `writeHeaders`, `write`
 * and `finish`, then calls `readResponse`.
 */
export class HTTP1Connection implements HTTPConnection {
  readonly isClient: boolean;
  /** The stream, until `detach()` takes it. */
  stream: BaseIOStream | null;
  readonly params: ConnectionParams;
  /** What the server knows of the connection (`HTTPServer`'s gives `remoteIp` and `protocol`). */
  readonly context: unknown;
  readonly #loop: EventLoop;
  /**
   * The connection's timeout: its server's, or one of its own made when first armed (a client
   * without header or body timeouts never needs one: a Deadline and its closure saved per request).
   */
  #deadline: Deadline | null;
  readonly #shared: SharedConnectionState | null;
  #maxBodySize: number;
  #bodyTimeout: number | null;

  #delegate: HTTPMessageDelegate | null = null;
  #done: MessageDone | null = null;
  /** Once `headersReceived` was called: `finish` or `onConnectionClose` is owed. */
  #delegateOwed = false;
  #readFinished = false;
  #writeFinished = false;
  #disconnectOnFinish = false;
  /** The response is finished and flushed (or the connection closed): reading may go on. */
  #finished = false;
  #waitingForFinish = false;
  #closeCallback: (() => void) | null = null;

  #requestStartLine: RequestStartLine | null = null;
  #responseStartLine: ResponseStartLine | null = null;
  #responseStarted = false;
  #chunkingOutput = false;
  /** Body bytes the output's `Content-Length` still owes; null without one; 0 for no body. */
  #expectedContentRemaining: number | null = null;
  /** A response that must not have a body (HEAD): body bytes written are dropped. */
  #dropBody = false;
  #pendingWrite: Future<void> | null = null;

  #bodyLeft = 0;
  #bodyTotal = 0;
  #readingHeaders = false;
  /** Why a client's read of a response ended early (bad input, a reset, a limit), or null. */
  #readError: unknown = null;

  constructor(
    stream: BaseIOStream,
    isClient: boolean,
    params?: HTTP1ConnectionParameters | ConnectionParams,
    context: unknown = null,
    shared: SharedConnectionState | null = null,
  ) {
    this.stream = stream;
    this.isClient = isClient;
    this.params = connectionParams(params, 'new HTTP1Connection()');
    this.context = context;
    this.#loop = stream.ioloop.asyncioLoop;
    this.#shared = shared;
    this.#deadline = shared?.deadline ?? null;
    this.#maxBodySize = this.params.maxBodySize;
    this.#bodyTimeout = this.params.bodyTimeout;
  }

  // ─── Reading ───────────────────────────────────────────────────────────────────────────────

  /**
   * Reads one message (a response on a client, a request on a server) into `delegate`. The future
   * is true when the connection may carry another message. On a client it fails with what went
   * wrong when the response could not be read: an `HTTPInputError` for a malformed or oversized
   * one, the stream's error (a `StreamClosedError`) for one cut short.
   */
  readResponse(delegate: HTTPMessageDelegate): Future<boolean> {
    const result = new Future<boolean>(this.#loop);
    this.readMessage(delegate, (keepGoing) => {
      if (result.done()) return;
      const error = this.#readError;
      if (this.isClient && error !== null) {
        result.setException(error);
        result.exception(); // a caller that only watches the delegate need not wait for it
      } else result.setResult(keepGoing);
    });
    return result;
  }

  /** @internal Why a client's read of a response ended early, or null (what readResponse fails with). */
  get readError(): unknown {
    return this.#readError;
  }

  /**
   * @internal `readResponse` with a callback: what a server connection calls per request (and
   * a client's fetch). `done` is called as soon as the message ends, from within the connection.
   */
  readMessage(delegate: HTTPMessageDelegate, done: MessageDone): void {
    this.#delegate = this.params.decompress
      ? new GzipMessageDelegate(delegate, this.#maxBodySize)
      : delegate;
    this.#done = done;
    this.#readHeaders();
  }

  // #region read-headers
  #readHeaders(): void {
    const stream = this.stream!;
    if (stream.closed()) return this.#end(false);
    this.#setDeadline(this.params.headerTimeout);
    let read: Future<Buffer>;
    try {
      read = stream.readUntilRegex(HEADER_END, this.params.maxHeaderSize);
    } catch (error) {
      return this.#readFailed(error);
    }
    this.#readingHeaders = true;
    read.addDoneCallback(this.#onHeaderBytes);
  }
  // #endregion read-headers

  /** True while waiting for a message's start line and headers (an idle keep-alive connection). */
  get readingHeaders(): boolean {
    return this.#readingHeaders;
  }

  readonly #onHeaderBytes = (read: Future<Buffer>): void => {
    this.#readingHeaders = false;
    const error = read.exception();
    if (error !== undefined) return this.#readFailed(error);
    try {
      this.#onHeaders(read.result());
    } catch (caught) {
      this.#fail(caught);
    }
  };

  // #region on-headers
  #onHeaders(data: Buffer): void {
    const text = data.toString('latin1');
    // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before a request line.
    let start = 0;
    while (text.startsWith('\r\n', start)) start += 2;
    if (start === text.length) return this.#readHeaders();
    if (!text.endsWith('\r\n\r\n')) {
      throw new HTTPInputError(
        text.endsWith('\n') ? 'Bare LF in the header section' : 'Bare CR in the header section',
      );
    }
    const eol = text.indexOf('\r\n', start);
    const startLineText = text.slice(start, eol);
    const headers = new HTTPHeaders();
    headers.parseBlock(text, eol + 2, text.length);
    let startLine: RequestStartLine | ResponseStartLine;
    let framing: BodyFraming;
    if (this.isClient) {
      const line = parseResponseStartLine(startLineText);
      this.#responseStartLine = startLine = line;
      framing = this.#responseFraming(line, headers);
    } else {
      const line = parseRequestStartLine(startLineText);
      this.#requestStartLine = startLine = line;
      checkRequest(line, headers);
      framing = requestFraming(line.version, headers);
      this.#disconnectOnFinish =
        !this.#canKeepAlive(line, headers) || (this.#shared?.draining() ?? false);
    }
    // #endregion on-headers
    this.#setDeadline(null);
    if (framing === INTERIM) {
      // A 1xx before the response (100 Continue, 103 Early Hints): the delegate hears it, and
      // may start sending the request's body; then the response itself is read.
      this.#afterDelegate(this.#delegate!.headersReceived(startLine, headers), () =>
        this.#readHeaders(),
      );
      return;
    }
    this.#delegateOwed = true;
    this.#afterDelegate(this.#delegate!.headersReceived(startLine, headers), () => {
      if (this.stream === null) {
        // Detached in headersReceived (a WebSocket upgrade): HTTP is over here.
        this.#delegateOwed = false;
        return this.#end(false);
      }
      // Checked now, not before: headersReceived may have changed the limit (setMaxBodySize).
      if (framing.kind === 'length' && framing.length > this.#maxBodySize) {
        throw new HTTPInputError('Content-Length too long', 413);
      }
      if (
        !this.isClient &&
        framing !== NO_BODY &&
        !this.#writeFinished &&
        this.#requestStartLine!.version !== 'HTTP/1.0' &&
        headers.get('Expect')?.toLowerCase() === '100-continue'
      ) {
        this.stream.write('HTTP/1.1 100 Continue\r\n\r\n');
      }
      this.#readBody(framing);
    });
  }

  /** A client's view of the response's body framing (tornado's `_read_body` for responses). */
  #responseFraming(line: ResponseStartLine, headers: HTTPHeaders): BodyFraming {
    const code = line.code;
    if (code >= 100 && code < 200) {
      if (headers.has('Content-Length') || headers.has('Transfer-Encoding')) {
        throw new HTTPInputError(`Response code ${String(code)} cannot have a body`);
      }
      // 101 Switching Protocols ends HTTP on the connection; the others come before a response.
      if (code !== 101) return INTERIM;
    }
    const chunked = isTransferEncodingChunked(headers);
    const length = chunked ? null : parseContentLength(headers);
    if (code === 204 && (chunked || (length !== null && length !== 0))) {
      throw new HTTPInputError('Response with code 204 should not have a body');
    }
    if (
      this.#requestStartLine?.method === 'HEAD' ||
      code === 304 ||
      code === 204 ||
      (code >= 100 && code < 200)
    ) {
      return NO_BODY;
    }
    if (chunked) return CHUNKED;
    if (length !== null) {
      // A client refuses it before its delegate hears of it (a server waits for headersReceived,
      // which may raise the limit).
      if (length > this.#maxBodySize) throw new HTTPInputError('Content-Length too long', 413);
      return length === 0 ? NO_BODY : { kind: 'length', length };
    }
    this.#disconnectOnFinish = true;
    return UNTIL_CLOSE;
  }

  #readBody(framing: BodyFraming): void {
    if (framing === NO_BODY) return this.#onBodyRead();
    this.#setDeadline(this.#bodyTimeout);
    if (framing.kind === 'length') {
      this.#bodyLeft = framing.length;
      this.#readFixedBody();
    } else if (framing.kind === 'chunked') {
      this.#readChunkSize();
    } else {
      this.#read(this.stream!.readUntilClose(), (body) =>
        this.#deliver(body, () => this.#onBodyRead()),
      );
    }
  }

  #readFixedBody(): void {
    if (this.#bodyLeft === 0) return this.#onBodyRead();
    const size = Math.min(this.params.chunkSize, this.#bodyLeft);
    this.#read(this.stream!.readBytes(size, { partial: true }), (chunk) => {
      this.#bodyLeft -= chunk.length;
      this.#deliver(chunk, () => this.#readFixedBody());
    });
  }

  #readChunkSize(): void {
    this.#read(this.stream!.readUntil('\r\n', MAX_CHUNK_LINE), (line) => {
      const size = parseChunkSize(line.toString('latin1'));
      if (size === 0) return this.#readTrailers();
      this.#bodyTotal += size;
      if (this.#bodyTotal > this.#maxBodySize) {
        throw new HTTPInputError('Chunked body too large', 413);
      }
      this.#bodyLeft = size;
      this.#readChunkData();
    });
  }

  #readChunkData(): void {
    if (this.#bodyLeft === 0) {
      this.#read(this.stream!.readBytes(2), (crlf) => {
        if (crlf[0] !== 0x0d || crlf[1] !== 0x0a) {
          throw new HTTPInputError('Chunk data not followed by CRLF');
        }
        this.#readChunkSize();
      });
      return;
    }
    const size = Math.min(this.params.chunkSize, this.#bodyLeft);
    this.#read(this.stream!.readBytes(size, { partial: true }), (chunk) => {
      this.#bodyLeft -= chunk.length;
      this.#deliver(chunk, () => this.#readChunkData());
    });
  }

  /** Trailer fields are read with the header rules and limits, checked, and dropped. */
  #readTrailers(): void {
    this.#read(this.stream!.readUntilRegex(TRAILER_END, this.params.maxHeaderSize), (data) => {
      const text = data.toString('latin1');
      if (text === '\r\n') return this.#onBodyRead();
      if (!text.endsWith('\r\n\r\n')) throw new HTTPInputError('Bare CR or LF in the trailers');
      new HTTPHeaders().parseBlock(text, 0, text.length);
      this.#onBodyRead();
    });
  }

  /**
   * Waits for a body read, then `then(bytes)`; a failure ends the message.
   *
   * A read the buffer already satisfies is done when it is made (a small response's body came in
   * the same recv as its headers): it is taken at once, not through `addDoneCallback`, which
   * would cost a loop callback and a closure. Nested at most MAX_INLINE_READS deep, so a body of
   * many small chunks already buffered does not recurse once per chunk.
   */
  #read(read: Future<Buffer>, then: (bytes: Buffer) => void): void {
    if (read.done() && this.#inlineReads < MAX_INLINE_READS) {
      this.#inlineReads++;
      try {
        this.#onRead(read, then);
      } finally {
        this.#inlineReads--;
      }
      return;
    }
    read.addDoneCallback((done) => this.#onRead(done, then));
  }

  #inlineReads = 0;

  #onRead(done: Future<Buffer>, then: (bytes: Buffer) => void): void {
    const error = done.exception();
    if (error !== undefined) return this.#readFailed(error);
    try {
      then(done.result());
    } catch (caught) {
      this.#fail(caught);
    }
  }

  /** Hands a body chunk to the delegate (unless the response is done), then `then()`. */
  #deliver(chunk: Buffer, then: () => void): void {
    if (this.#writeFinished && !this.isClient) return then();
    this.#afterDelegate(this.#delegate!.dataReceived(chunk), then);
  }

  #onBodyRead(): void {
    this.#setDeadline(null);
    const delegate = this.#delegate;
    if (delegate instanceof GzipMessageDelegate && (!this.#writeFinished || this.isClient)) {
      // Inflated now that it is whole; a body too large or not gzip is answered as bad input.
      return this.#afterDelegate(delegate.complete(), () => this.#onBodyComplete());
    }
    this.#onBodyComplete();
  }

  #onBodyComplete(): void {
    this.#readFinished = true;
    if (!this.#writeFinished || this.isClient) {
      this.#delegateOwed = false;
      try {
        this.#delegate!.finish();
      } catch (error) {
        return this.#delegateFailed(error);
      }
    }
    if (this.isClient) {
      if (this.#disconnectOnFinish) this.close();
      return this.#end(this.stream !== null && !this.stream.closed());
    }
    if (this.#finished) return this.#end(this.stream !== null);
    // The application answers later: watch for the client going away meanwhile.
    this.#waitingForFinish = true;
    this.stream?.setCloseCallback(this.#onConnectionClose);
  }

  /**
   * Runs `then` once what a delegate method returned is done (at once when it returned
   * nothing). A delegate that throws or fails is logged and the connection closed.
   */
  #afterDelegate(result: unknown, then: () => void): void {
    if (result === undefined || result === null) return then();
    let future;
    try {
      future = convertYielded(result);
    } catch (error) {
      return this.#delegateFailed(error);
    }
    if (!(future instanceof Future)) return then();
    future.addDoneCallback((done) => {
      const error = done.cancelled() ? new StreamClosedError() : done.exception();
      if (error !== undefined) return this.#delegateFailed(error);
      try {
        then();
      } catch (caught) {
        this.#fail(caught);
      }
    });
  }

  #delegateFailed(error: unknown): void {
    // Bad input found by the delegate (a malformed multipart body) is answered as the parser's is.
    if (error instanceof HTTPInputError) return this.#fail(error);
    this.#readError ??= error;
    // A client's delegate failing is its caller's to hear of (readResponse fails with it).
    if (!(error instanceof StreamClosedError) && !this.isClient)
      appLog.error(error, 'Uncaught exception');
    this.close();
    this.#end(false);
  }

  /** A read failed: the stream closed (EOF, reset, a timeout) or a limit was passed. */
  #readFailed(error: unknown): void {
    this.#readError ??= error;
    if (!(error instanceof StreamClosedError) && !this.isClient)
      genLog.info(`Error reading HTTP message: ${String(error)}`);
    this.close();
    this.#end(false);
  }

  /**
   * Something went wrong while reading: bad input is answered with its status (a server that
   * has not started its response) and the connection closed; anything else is a bug, logged.
   */
  // #region fail
  #fail(error: unknown): void {
    // The stream closed under a read about to start (a timeout, the application closing it).
    if (error instanceof StreamClosedError) return this.#readFailed(error);
    this.#readError ??= error;
    if (!(error instanceof HTTPInputError)) {
      appLog.error(error, 'Uncaught exception in HTTP1Connection');
      this.close();
      return this.#end(false);
    }
    if (this.isClient) {
      // The caller hears of it: readResponse fails with the error.
      this.close();
      return this.#end(false);
    }
    genLog.info(`Malformed HTTP message from ${String(this.context)}: ${error.message}`);
    if (this.#responseStarted || this.stream === null || this.stream.closed()) {
      this.close();
      return this.#end(false);
    }
    const status = error.status;
    const reason = STATUS_CODES[status] ?? 'Bad Request';
    this.#responseStarted = true;
    this.#lingeringClose(
      `HTTP/1.1 ${String(status)} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    );
  }
  // #endregion fail

  /**
   * Sends a last response, then half-closes and reads (and drops) what the client still sends,
   * for a while, before closing: closing with unread input makes the kernel send a reset, which
   * can destroy the response before the client reads it (RFC 9112 §9.6).
   */
  #lingeringClose(response: string): void {
    const stream = this.stream!;
    // The message ends once the stream has closed (the deadline bounds the wait).
    this.#setDeadline(LINGER_MS);
    stream.setCloseCallback(() => this.#end(false));
    stream.write(response).addDoneCallback((written) => {
      if (written.exception() !== undefined || stream.closed()) return;
      if (!(stream instanceof IOStream) || stream.constructor !== IOStream) return stream.close();
      try {
        stream.socket.shutdown(SHUT_WR);
      } catch {
        return stream.close();
      }
      let left = LINGER_BYTES;
      const drain = (): void => {
        if (stream.closed()) return;
        stream.readBytes(65536, { partial: true }).addDoneCallback((read) => {
          if (read.exception() !== undefined) return stream.close();
          left -= read.result().length;
          if (left <= 0) stream.close();
          else drain();
        });
      };
      drain();
    });
  }

  readonly #onConnectionClose = (): void => {
    const callback = this.#closeCallback;
    this.#closeCallback = null;
    if (callback !== null) callback();
    this.#markFinished();
  };

  /** Arms the timeout `ms` from now; null disarms it. */
  #setDeadline(ms: number | null): void {
    if (ms === null) this.#deadline?.set(null);
    else (this.#deadline ??= new Deadline(this.#loop, () => this.#onTimeout())).set(ms);
  }

  #onTimeout(): void {
    if (this.stream !== null && !this.stream.closed()) {
      genLog.info(`Timeout on HTTP connection from ${String(this.context)}`);
      this.stream.close();
    }
  }

  /** The message is over: owed delegate calls made, then the reader told. */
  #end(keepGoing: boolean): void {
    if (this.#delegateOwed) {
      this.#delegateOwed = false;
      try {
        this.#delegate!.onConnectionClose();
      } catch (error) {
        appLog.error(error, 'Uncaught exception in onConnectionClose');
      }
    }
    this.#clearCallbacks();
    // A server connection's deadline is shared with the next request; a lone one is done.
    if (this.#shared === null) this.#deadline?.cancel();
    const done = this.#done;
    this.#done = null;
    done?.(keepGoing);
  }

  #clearCallbacks(): void {
    this.#closeCallback = null;
    if (this.#waitingForFinish) this.stream?.setCloseCallback(null);
  }

  #canKeepAlive(line: RequestStartLine, headers: HTTPHeaders): boolean {
    if (this.params.noKeepAlive) return false;
    const connection = connectionTokens(headers);
    if (line.version !== 'HTTP/1.0') return !connection.includes('close'); // 1.1 (and 1.2…: RFC 9110 §2.5)
    return connection.includes('keep-alive') && !connection.includes('close');
  }

  /** Called when the client closes the connection while the application is answering. */
  setCloseCallback(callback: (() => void) | null): void {
    this.#closeCallback = callback;
  }

  /** This request's body timeout, in milliseconds (null: none), over the parameters'. */
  setBodyTimeout(timeout: number | null): void {
    this.#bodyTimeout = timeout;
  }

  /** This request's largest body, over the parameters'. */
  setMaxBodySize(maxBodySize: number): void {
    this.#maxBodySize = maxBodySize;
  }

  /** Closes the stream; a message being read ends. */
  close(): void {
    if (this.stream !== null && !this.stream.closed()) this.stream.close();
    this.#markFinished();
  }

  /**
   * Takes the stream, ending HTTP on it (for protocols that start with an HTTP exchange:
   * WebSocket). Only from `headersReceived`.
   */
  detach(): BaseIOStream {
    const stream = this.stream;
    if (stream === null) throw new TypeError('HTTP1Connection.detach(): detached already');
    this.#clearCallbacks();
    this.#setDeadline(null);
    this.stream = null;
    this.#markFinished();
    return stream;
  }

  // ─── Writing ───────────────────────────────────────────────────────────────────────────────

  /**
   * Writes the start line and headers, and `chunk` in the same write. A server's response:
   * `Connection` is set as the request and the connection's state want it, and the body is
   * chunked when it has no `Content-Length` and the client speaks HTTP/1.1.
   * @throws HTTPOutputError for a header, reason or status the wire cannot carry safely
   */
  writeHeaders(
    startLine: RequestStartLine | ResponseStartLine,
    headers: HTTPHeaders,
    chunk?: Uint8Array | string,
  ): Future<void> {
    // A client's head is made as one string (the last one is kept, to send again); a server's is
    // its status line, then `lines` written straight into the buffer that goes out (`putHead`).
    let head: string;
    let lines: HTTPHeaders | null = null;
    if (this.isClient) {
      if (!(startLine instanceof RequestStartLine)) {
        throw new TypeError('HTTP1Connection.writeHeaders(): a client writes a RequestStartLine');
      }
      head = this.#requestHead(startLine, headers);
      if (chunk === undefined || chunk === null) {
        const last = lastRequestHead;
        if (last !== null && last.head === head) {
          return this.#send((last.bytes ??= Buffer.from(head, 'latin1')));
        }
      }
    } else {
      if (!(startLine instanceof ResponseStartLine)) {
        throw new TypeError('HTTP1Connection.writeHeaders(): a server writes a ResponseStartLine');
      }
      head = this.#responseHead(startLine, headers);
      lines = headers;
      if (startLine.code < 200) {
        const size = head.length + headers.wireLength() + 2;
        return this.#send(putHead(Buffer.allocUnsafe(size), head, lines));
      }
    }
    const size = lines === null ? head.length : head.length + lines.wireLength() + 2;
    let data: Uint8Array;
    if (chunk === undefined || chunk === null) {
      data = putHead(writeBuffer(size), head, lines);
    } else if (typeof chunk === 'string' && !this.#chunkingOutput && !this.#dropBody) {
      // The usual small response: head and text encoded straight into one buffer, one write.
      const length = Buffer.byteLength(chunk, 'utf8');
      this.#countBody(length);
      const out = putHead(writeBuffer(size + length), head, lines);
      out.write(chunk, size, 'utf8');
      data = out;
    } else {
      data = this.#withHead(size, head, lines, toBytes(chunk));
    }
    // Started once its head could be written (a header beyond latin1 throws before).
    if (!this.isClient) this.#responseStarted = true;
    return this.#send(data);
  }

  #requestHead(line: RequestStartLine, headers: HTTPHeaders): string {
    this.#requestStartLine = line;
    this.#chunkingOutput =
      (line.method === 'POST' || line.method === 'PUT' || line.method === 'PATCH') &&
      !headers.has('Content-Length') &&
      !headers.has('Transfer-Encoding');
    if (this.#chunkingOutput) headers.set('Transfer-Encoding', 'chunked');
    this.#expectedContentRemaining = outputContentLength(headers);
    const last = lastRequestHead;
    const again = last !== null && last.method === line.method && last.path === line.path;
    if (again && last.pairs !== null && headers.hasPairs(last.pairs)) {
      return last.head; // checked when it was made
    }
    // eslint-disable-next-line no-control-regex -- the bytes HTTP forbids are what it looks for
    if (/[\x00-\x20\x7f]/.test(line.method + line.path)) {
      throw new HTTPOutputError('Illegal characters in the request line');
    }
    const head = `${line.method} ${line.path} HTTP/1.1\r\n${headerLines(headers)}\r\n`;
    // The pairs are recorded only once the same target comes twice in a row: a client fetching
    // a different URL each time (a crawler) does not pay for them.
    const pairs = again ? headers.singlePairs() : null;
    lastRequestHead = { method: line.method, path: line.path, pairs, head, bytes: null };
    return head;
  }

  #responseHead(line: ResponseStartLine, headers: HTTPHeaders): string {
    const request = this.#requestStartLine;
    if (request === null) {
      throw new TypeError('HTTP1Connection.writeHeaders(): no request to answer');
    }
    const code = line.code;
    if (!Number.isInteger(code) || code < 100 || code > 999) {
      throw new HTTPOutputError(`Invalid status code ${String(code)}`);
    }
    if (!REASON_CHARS.test(line.reason)) {
      throw new HTTPOutputError(`Illegal characters in the reason ${JSON.stringify(line.reason)}`);
    }
    if (headers.has('Transfer-Encoding')) {
      throw new HTTPOutputError(
        "Transfer-Encoding is the connection's to set, not the application's",
      );
    }
    const interim = code < 200;
    const bodiless = interim || code === 204 || code === 304;
    if ((interim || code === 204) && headers.has('Content-Length')) {
      throw new HTTPOutputError(`A ${String(code)} response cannot have a Content-Length`);
    }
    if (!interim) {
      this.#responseStartLine = line;
      // A server draining closes after this response: it says so.
      if (this.#shared?.draining() === true) this.#disconnectOnFinish = true;
      const hasLength = headers.has('Content-Length');
      this.#chunkingOutput =
        request.version !== 'HTTP/1.0' && request.method !== 'HEAD' && !bodiless && !hasLength;
      if (this.#chunkingOutput) headers.set('Transfer-Encoding', 'chunked');
      // A body that ends at the close (an HTTP/1.0 client, no length) cannot be kept alive.
      if (!this.#chunkingOutput && !hasLength && !bodiless && request.method !== 'HEAD') {
        this.#disconnectOnFinish = true;
      }
      if (request.version !== 'HTTP/1.0') {
        if (this.#disconnectOnFinish) headers.set('Connection', 'close');
      } else if (!this.#disconnectOnFinish) {
        headers.set('Connection', 'Keep-Alive');
      }
      this.#dropBody = request.method === 'HEAD';
      this.#expectedContentRemaining =
        this.#dropBody || bodiless ? 0 : outputContentLength(headers);
    }
    return statusLine(code, line.reason);
  }

  /** Writes body bytes (chunked when the response is). */
  write(chunk: Uint8Array | string): Future<void> {
    return this.#send(this.#withHead(0, '', null, toBytes(chunk)));
  }

  /**
   * The head (`size` bytes: see `putHead`), then `chunk` as the body goes out — framed as a
   * chunk when the output is chunked, counted against `Content-Length`, nothing for a HEAD — in
   * one buffer for one write; `chunk` itself when there is nothing to add to it.
   */
  #withHead(size: number, head: string, lines: HTTPHeaders | null, chunk: Uint8Array): Uint8Array {
    if (this.#dropBody) chunk = EMPTY;
    else this.#countBody(chunk.length);
    const framed = this.#chunkingOutput && chunk.length > 0;
    if (size === 0 && !framed) return chunk;
    const chunkSize = framed ? chunk.length.toString(16) : '';
    const out = writeBuffer(size + (framed ? chunkSize.length + 4 : 0) + chunk.length);
    putHead(out, head, lines);
    let at = size;
    if (framed) {
      at = writeLatin1(out, at, chunkSize);
      out[at++] = 0x0d;
      out[at++] = 0x0a;
    }
    out.set(chunk, at);
    if (framed) {
      at += chunk.length;
      out[at++] = 0x0d;
      out[at] = 0x0a;
    }
    return out;
  }

  /** Counts `length` body bytes against the response's `Content-Length`, if it has one. */
  #countBody(length: number): void {
    if (this.#expectedContentRemaining !== null) {
      this.#expectedContentRemaining -= length;
      if (this.#expectedContentRemaining < 0) {
        // Close now: the peer must not read what follows as another message.
        this.stream?.close();
        throw new HTTPOutputError(
          this.#responseStartLine !== null && isBodiless(this.#responseStartLine.code)
            ? `A ${String(this.#responseStartLine.code)} response cannot have a body`
            : 'Tried to write more data than Content-Length',
        );
      }
    }
  }

  #send(data: Uint8Array): Future<void> {
    const stream = this.stream;
    if (stream === null || stream.closed()) {
      const failed = new Future<void>(this.#loop);
      failed.setException(new StreamClosedError(stream?.error ?? null));
      failed.exception(); // nobody need wait for it
      return failed;
    }
    if (data.length === 0) return this.#pendingWrite ?? resolvedVoid(this.#loop);
    const write = stream.write(data);
    this.#pendingWrite = write;
    return write;
  }

  /**
   * The message is complete. On a server, once its bytes are flushed, the connection reads the
   * next request, or closes (`Connection: close`, HTTP/1.0, a request not read to its end).
   * @throws HTTPOutputError when fewer bytes were written than `Content-Length` said
   */
  // #region finish
  finish(): void {
    const stream = this.stream;
    if (
      this.#expectedContentRemaining !== null &&
      this.#expectedContentRemaining !== 0 &&
      stream !== null &&
      !stream.closed()
    ) {
      const missing = this.#expectedContentRemaining;
      stream.close();
      throw new HTTPOutputError(`Tried to write ${String(missing)} bytes less than Content-Length`);
    }
    if (this.#chunkingOutput && stream !== null && !stream.closed()) {
      this.#pendingWrite = stream.write(LAST_CHUNK);
    }
    this.#writeFinished = true;
    // Finished while the request is still being read: the rest of it is not read but the
    // connection closed, the only way not to read a whole body nobody wants.
    // (A client finishes its request before reading the response: that is the usual order.)
    if (!this.#readFinished && !this.isClient) this.#disconnectOnFinish = true;
    const pending = this.#pendingWrite;
    if (pending === null || pending.done()) this.#finishRequest();
    else pending.addDoneCallback(() => this.#finishRequest());
  }
  // #endregion finish

  #finishRequest(): void {
    if (!this.isClient && this.#disconnectOnFinish) {
      this.close();
      return;
    }
    this.#markFinished();
  }

  #markFinished(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#waitingForFinish) {
      this.#waitingForFinish = false;
      this.#clearCallbacks();
      this.#end(this.stream !== null && !this.stream.closed());
    }
  }

  toString(): string {
    return `<HTTP1Connection ${this.isClient ? 'client' : 'server'} ${String(this.stream)}>`;
  }
}

/**
 * The last request head a client built, with what it was built of, and its bytes once written
 * without a body. A client sends the same request again and again (the same URL, the same
 * headers): its head is then the same text and the same bytes, never changed once made. Building
 * them anew (the header lines, their latin1 check, the Buffer) was 650 of the 8,900 bytes a
 * keep-alive fetch allocated in `pnpm bench httpclient`.
 */
let lastRequestHead: {
  readonly method: string;
  readonly path: string;
  /** The header pairs it was built of (`singlePairs`), once its target came twice; or null. */
  readonly pairs: readonly string[] | null;
  readonly head: string;
  bytes: Buffer | null;
} | null = null;

const EMPTY = new Uint8Array(0);

/**
 * A buffer of `size` bytes to build one write in (a head and its first body chunk, a chunk and
 * its framing), which goes to the stream's `write` before anything else is built: the stream
 * sends it, or copies what the kernel does not take, before it returns (`BaseIOStream.write`),
 * so one buffer serves every connection's writes in turn. A large write (a 64 KiB chunk of a file
 * and the head before it) had memory of its own each time, fresh pages to fault in and then
 * collect; a small one a slice of Node's 8 KiB pool, a new pool every thirty responses or so.
 * Past `MAX_SHARED_WRITE` a write gets its own buffer, not to keep that much for ever.
 */
function writeBuffer(size: number): Buffer {
  if (size > MAX_SHARED_WRITE) return Buffer.allocUnsafe(size);
  if (sharedWrite.length < size) {
    sharedWrite = Buffer.allocUnsafeSlow(
      Math.min(MAX_SHARED_WRITE, Math.max(size, 2 * sharedWrite.length, 16 * 1024)),
    );
  }
  return sharedWrite.subarray(0, size);
}

const MAX_SHARED_WRITE = 256 * 1024;
let sharedWrite = Buffer.alloc(0);

/** What a reason phrase may hold: HTAB, SP, visible ASCII, obs-text (RFC 9112 §4). */
const REASON_CHARS = /^[\t\x20-\x7e\x80-\xff]*$/;
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

function toBytes(chunk: Uint8Array | string): Uint8Array {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return chunk;
  throw new TypeError(
    `HTTP1Connection: a chunk must be a string or Uint8Array, got ${typeof chunk}`,
  );
}

function isBodiless(code: number): boolean {
  return code < 200 || code === 204 || code === 304;
}

/** `HTTP/1.1 <code> <reason>` and CRLF; made once per status when the reason is the usual one. */
function statusLine(code: number, reason: string): string {
  if (reason !== STATUS_CODES[code]) return `HTTP/1.1 ${String(code)} ${reason}\r\n`;
  let line = STATUS_LINES.get(code);
  if (line === undefined) {
    line = `HTTP/1.1 ${String(code)} ${reason}\r\n`;
    STATUS_LINES.set(code, line);
  }
  return line;
}

const STATUS_LINES = new Map<number, string>();

/**
 * Writes a message's head at the start of `out`: `head`, a byte per character (a client's whole
 * head, or a server's status line), then, for a server, the header `lines` and the empty line.
 * Returns `out`.
 * @throws HTTPOutputError for a header character beyond latin1
 */
function putHead<B extends Uint8Array>(out: B, head: string, lines: HTTPHeaders | null): B {
  let at = writeLatin1(out, 0, head); // checked already: latin1
  if (lines !== null) {
    at = lines.writeWire(out, at);
    if (at === -1) throw new HTTPOutputError(LATIN1_ONLY);
    out[at++] = 0x0d;
    out[at] = 0x0a;
  }
  return out;
}

const LATIN1_ONLY = 'Header values must be latin1 (encode other text first)';

/** The header lines of an outgoing message, each checked for what latin1 cannot carry. */
function headerLines(headers: HTTPHeaders): string {
  const out = headers.wireLines();
  // All ASCII (the usual case) when its UTF-8 length is its length; only otherwise look closer.
  // eslint-disable-next-line no-control-regex -- the bytes HTTP forbids are what it looks for
  if (Buffer.byteLength(out, 'utf8') !== out.length && /[^\x00-\xff]/.test(out)) {
    throw new HTTPOutputError(LATIN1_ONLY);
  }
  return out;
}

/** An outgoing `Content-Length`, which must be digits (one value). */
function outputContentLength(headers: HTTPHeaders): number | null {
  if (!headers.has('Content-Length')) return null; // (getList would make an empty array)
  const values = headers.getList('Content-Length');
  if (values.length === 0) return null;
  if (values.length > 1 || !/^[0-9]{1,15}$/.test(values[0]!)) {
    throw new HTTPOutputError(`Invalid Content-Length ${JSON.stringify(values.join(','))}`);
  }
  return Number(values[0]);
}

/** The `Connection` header's tokens, lowercased. */
function connectionTokens(headers: HTTPHeaders): string[] {
  const value = headers.get('Connection');
  if (value === undefined) return [];
  return value
    .toLowerCase()
    .split(',')
    .map((token) => token.trim());
}

/**
 * A request's checks beyond its syntax: a method this server knows (405 otherwise), and for
 * HTTP/1.1 exactly one valid `Host` (RFC 9112 §3.2), whose value an absolute-form target's
 * authority overrides.
 */
function checkRequest(line: RequestStartLine, headers: HTTPHeaders): void {
  if (!KNOWN_METHODS.has(line.method) || REFUSED_METHODS.has(line.method)) {
    throw new HTTPInputError(`Method ${line.method} not allowed`, 405);
  }
  const target = line.path;
  if (target.charCodeAt(0) !== 0x2f /* / */) {
    if (target === '*') {
      if (line.method !== 'OPTIONS')
        throw new HTTPInputError('Asterisk-form target is for OPTIONS');
    } else if (!/^https?:\/\/[^/?#]*(?:[/?].*)?$/i.test(target)) {
      throw new HTTPInputError('Request target in an unsupported form');
    } else {
      const authority = /^https?:\/\/([^/?#]*)/i.exec(target)![1]!;
      if (authority.includes('@') || !HOST.test(authority) || authority === '') {
        throw new HTTPInputError('Invalid authority in the request target');
      }
    }
  }
  const hosts = headers.getList('Host');
  if (hosts.length > 1) throw new HTTPInputError('More than one Host header');
  if (hosts.length === 0) {
    if (line.version !== 'HTTP/1.0') throw new HTTPInputError('HTTP/1.1 request without Host');
  } else if (!HOST.test(hosts[0]!)) {
    throw new HTTPInputError('Invalid Host header');
  }
}
