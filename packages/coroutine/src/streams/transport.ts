/**
 * `SocketTransport`: asyncio's selector socket transport (`_SelectorSocketTransport`) for a
 * connected, non-blocking stream socket, feeding a StreamReader.
 *
 * **Reading.** While reading is on, the loop calls us when the socket is readable; each call
 * receives once into a shared scratch buffer and feeds the reader (which copies). EOF feeds EOF
 * and stops reading, but keeps the transport open for writing (asyncio's half-close: a stream
 * protocol's `eof_received` returns true). The reader pauses and resumes us for flow control.
 *
 * **Writing.** `write()` sends at once while nothing is buffered (most writes finish there), and
 * buffers only what the kernel did not take, copied, since the caller may reuse its buffer. A
 * non-empty buffer has a loop writer that flushes it. Above the high-water mark writing counts
 * as paused and `drain()` waits until the flush brings the buffer down to the low mark.
 *
 * **Ending.** Every way out goes through `#connectionLost`, which removes the reader and the
 * writer, closes the fd, ends the reader (EOF, or the error) and settles the waiters, exactly
 * once. `close()` gets there after the buffer is flushed, `abort()` and any socket error at once.
 * Sends use MSG_NOSIGNAL, so a write to a reset peer is an error here, never a SIGPIPE.
 *
 * States: `open` → `closing` (close() while the buffer flushes) → `closed`; `open` → `closed`
 * (abort, error, close with an empty buffer).
 */
import { inspect } from 'node:util';
import type { EventLoop } from '@aio/loop';
import { Future } from '@aio/future';
import {
  AF_INET,
  AF_INET6,
  IPPROTO_TCP,
  SHUT_WR,
  SOCK_STREAM,
  TCP_NODELAY,
  WOULD_BLOCK,
  type Address,
  PipeEnd,
  Socket,
} from '@aio/selector';
import { formatValue, recvScratch } from '@aio/selector/internal';
import type { SSLSocket } from '@aio/selector/ssl';
import { resolvedVoid } from '@aio/future/internal';
import { Deque } from '../deque';
import type { ReadTransport } from './reader';

/** A write, drain or EOF on a transport that is closing or closed. `cause`: the connection's error. */
export class TransportClosedError extends Error {
  override name = 'TransportClosedError';
  readonly code = 'ERR_AIO_TRANSPORT_CLOSED';
}

/**
 * What a transport feeds what it reads to: a StreamReader, or another consumer of the same four
 * calls (tornado's IOStream keeps its own read buffer on this transport).
 */
export interface StreamSink {
  /** Given the transport once, for flow control (`pauseReading`, `resumeReading`). */
  setTransport(transport: ReadTransport): void;
  /** Bytes that arrived; `chunk` is only valid during the call (the transport reuses it). */
  feedData(chunk: Uint8Array): void;
  /** The peer will send no more. */
  feedEof(): void;
  /** The connection failed with `error`. */
  setException(error: unknown): void;
}

/**
 * What a transport reads and writes: a connected stream Socket, a pipe end, or a TLS connection
 * whose handshake is done (@aio/selector, @aio/selector/ssl).
 */
export type StreamEndpoint = Socket | PipeEnd | SSLSocket;

/** Options of `new SocketTransport()`. */
export interface SocketTransportOptions<E extends StreamEndpoint = Socket> {
  /** Writing pauses (drain() waits) above this many buffered bytes. Default 64 KiB. */
  highWater?: number;
  /** A waiting drain() is released when the buffer is down to this. Default high / 4. */
  lowWater?: number;
  /**
   * The most bytes one read takes from the socket (tornado's `read_chunk_size`): a reader that
   * must not hold much at once (tornado's IOStream with a small `maxBufferSize`) asks for less.
   * Default and maximum 64 KiB.
   */
  readSize?: number;
  /**
   * Called once when the connection ends, however it ends (close, abort, an error), after the
   * socket is closed and the reader and the drain waiters are told: asyncio's `server._detach`.
   * An exception it throws goes to the loop's exception handler.
   */
  onConnectionLost?: (transport: SocketTransport<E>, error: unknown) => void;
  /**
   * Called each time the loop's writer has sent some of the buffered bytes
   * (`getWriteBufferSize()` tells what is left): tornado's IOStream settles its write futures
   * there.
   */
  onWritten?: (transport: SocketTransport<E>) => void;
}

type TransportState = 'open' | 'closing' | 'closed';

/**
 * A callback the transport keeps, typed as a method (whose parameters TypeScript checks
 * bivariantly) so that keeping it does not make the class invariant in its endpoint: a
 * SocketTransport<Socket> is then a SocketTransport<Socket | SSLSocket>, as a StreamWriter
 * and a Server hold either.
 */
type Kept<A extends unknown[]> = { method(...args: A): void }['method'];

const DEFAULT_HIGH_WATER = 64 * 1024;
/**
 * Reads land in the scratch buffer every package shares (@aio/selector's); the reader copies what
 * it keeps (reads are synchronous: sharing is safe).
 */
const SCRATCH = recvScratch();

/**
 * A connected stream socket as asyncio's transport: reads feed `reader`, writes are buffered
 * with flow control. It owns the socket and closes it.
 * @example
 * ```ts
 * const reader = new StreamReader();
 * const transport = new SocketTransport(loop, sock, reader);
 * transport.write(Buffer.from('PING\r\n'));
 * yield* transport.drain();
 * const reply = yield* reader.readline();
 * transport.close();
 * ```
 */
export class SocketTransport<E extends StreamEndpoint = Socket> implements ReadTransport {
  readonly #loop: EventLoop;
  readonly #sock: E;
  /** False for a write-only pipe end: it is never read. */
  readonly #readable: boolean;
  /** The endpoint when it is a TLS connection: OpenSSL may hold bytes the kernel no longer has. */
  readonly #tls: SSLSocket | null;
  readonly #reader: StreamSink | null;
  /** peername and sockname, read from the socket when first asked for (see getExtraInfo). */
  #info: { peername?: Address; sockname?: Address } | null = null;
  #state: TransportState = 'open';
  readonly #readSize: number;
  #high = DEFAULT_HIGH_WATER;
  #low = DEFAULT_HIGH_WATER / 4;
  // The write buffer: #size bytes in all, the first chunk maybe partly sent. An empty deque
  // keeps no array: an idle connection holds none.
  readonly #chunks = new Deque<Buffer>();
  #size = 0;
  #reading = false;
  #readEof = false;
  #eofRequested = false;
  #eofWritten = false;
  #writePaused = false;
  #drainWaiters: Future<void>[] | null = null;
  /** The error that ended the connection, once it ended with one. */
  #error: unknown = null;
  /** The futures whenClosed() handed out, settled when the connection ends (made on demand). */
  #closeWaiters: Future<void>[] | null = null;
  readonly #onConnectionLost: Kept<[transport: SocketTransport<E>, error: unknown]> | null;
  readonly #onWritten: Kept<[transport: SocketTransport<E>]> | null;

  /**
   * @param sock a connected non-blocking stream socket, now owned by the transport
   * @param reader fed with what arrives (a StreamReader, or another StreamSink); given this
   *   transport for flow control
   */
  constructor(
    loop: EventLoop,
    sock: E,
    reader: StreamSink | null,
    options: SocketTransportOptions<E> = {},
  ) {
    if (sock.getBlocking())
      throw new TypeError(
        'SocketTransport expected a non-blocking socket: call setBlocking(false)',
      );
    this.#loop = loop;
    this.#sock = sock;
    this.#readable = !(sock instanceof PipeEnd) || sock.readable;
    this.#tls = sock instanceof Socket || sock instanceof PipeEnd ? null : sock;
    this.#reader = reader;
    this.setWriteBufferLimits(options.highWater, options.lowWater);
    const { readSize = SCRATCH.length } = options;
    if (!Number.isInteger(readSize) || readSize < 1 || readSize > SCRATCH.length) {
      throw new RangeError(
        `SocketTransport expected readSize to be an integer from 1 to ${SCRATCH.length}, got ${formatValue(readSize)}`,
      );
    }
    this.#readSize = readSize;
    const { onConnectionLost = null } = options;
    if (onConnectionLost !== null && typeof onConnectionLost !== 'function')
      throw new TypeError(
        `SocketTransport expected onConnectionLost to be a function, got ${formatValue(onConnectionLost)}`,
      );
    this.#onConnectionLost = onConnectionLost;
    const { onWritten = null } = options;
    if (onWritten !== null && typeof onWritten !== 'function')
      throw new TypeError(
        `SocketTransport expected onWritten to be a function, got ${formatValue(onWritten)}`,
      );
    this.#onWritten = onWritten;
    const tcp = this.#tls !== null ? this.#tls.socket : sock instanceof Socket ? sock : null;
    if (
      tcp !== null &&
      (tcp.family === AF_INET || tcp.family === AF_INET6) &&
      tcp.type === SOCK_STREAM
    ) {
      try {
        tcp.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1); // as asyncio: a transport sends whole writes
      } catch {
        // Not fatal: only latency.
      }
    }
    reader?.setTransport(this);
    if (this.#readable) this.#startReading();
  }

  // ─── Reading ───────────────────────────────────────────────────────────────────────────────

  /** Stops reading (the reader's buffer is full). */
  pauseReading(): void {
    if (this.#state === 'closed' || !this.#reading) return;
    this.#reading = false;
    this.#loop.removeReader(this.#sock);
  }

  /** Reads again. */
  resumeReading(): void {
    if (this.#state !== 'open' || this.#reading || this.#readEof || !this.#readable) return;
    this.#startReading();
  }

  /** True while the loop reads the socket for us. */
  isReading(): boolean {
    return this.#reading;
  }

  // #region tls-pending
  #startReading(): void {
    this.#reading = true;
    this.#loop.addReader(this.#sock, SocketTransport.#onReadable, this);
    // Bytes OpenSSL already read (with the handshake's last flight, or before a pause) do not
    // make the socket readable again: take them now.
    if (this.#tls?.hasPending() === true) {
      this.#loop.callSoon(SocketTransport.#onReadable, this);
    }
  }
  // #endregion tls-pending

  static #onReadable(this: void, self: SocketTransport<StreamEndpoint>): void {
    if (self.#state === 'closed' || !self.#reading) return;
    let got: number;
    try {
      got = self.#sock.tryRecvInto(SCRATCH, self.#readSize);
    } catch (error) {
      self.#connectionLost(error);
      return;
    }
    if (got === WOULD_BLOCK) return;
    if (got > 0) {
      self.#reader?.feedData(SCRATCH.subarray(0, got));
      // A TLS read fills SCRATCH from what OpenSSL holds; if it filled up, the rest is still
      // there, and the kernel will not say so: read again (unless the reader paused us).
      if (self.#tls !== null && self.#tls.hasPending()) SocketTransport.#onReadable(self);
      return;
    }
    // EOF: the peer will send no more; we may still write (half-close).
    self.#readEof = true;
    self.pauseReading();
    self.#reader?.feedEof();
    if (self.#eofWritten) self.#connectionLost(null); // both directions are done
  }

  // ─── Writing ───────────────────────────────────────────────────────────────────────────────

  /**
   * Sends `data`, buffering (a copy of) what the kernel does not take now.
   * @throws TransportClosedError after close(), abort(), writeEof() or a connection error
   * @throws the socket's error (ConnectionResetError, BrokenPipeError …) if this send fails; the
   *   transport is then closed
   */
  write(data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (!(bytes instanceof Uint8Array))
      throw new TypeError(
        `write() expected a Uint8Array, Buffer or string, got ${formatValue(data)}`,
      );
    this.#checkWritable('write');
    if (bytes.length === 0) return;
    let rest: Uint8Array = bytes;
    if (this.#size === 0) {
      let sent: number;
      try {
        sent = this.#sock.trySend(bytes);
      } catch (error) {
        this.#connectionLost(error);
        throw error;
      }
      if (sent === bytes.length) return;
      if (sent !== WOULD_BLOCK) rest = bytes.subarray(sent);
      this.#loop.addWriter(this.#sock, SocketTransport.#onWritable, this);
    }
    this.#chunks.push(Buffer.from(rest));
    this.#size += rest.length;
    this.#maybePauseWriting();
  }

  /** Writes each buffer in turn. */
  writelines(list: Iterable<Uint8Array | string>): void {
    for (const data of list) this.write(data);
  }

  /** Closes the write side (sends FIN) once the buffer is flushed. Reading goes on. */
  writeEof(): void {
    if (this.#state !== 'open' || this.#eofRequested) return;
    this.#eofRequested = true;
    if (this.#size === 0) this.#shutdownWrite();
  }

  /** Stream sockets can always write EOF. */
  canWriteEof(): boolean {
    return true;
  }

  /** Bytes buffered, not yet sent. */
  getWriteBufferSize(): number {
    return this.#size;
  }

  /** `[low, high]`. */
  getWriteBufferLimits(): [number, number] {
    return [this.#low, this.#high];
  }

  /**
   * Sets the marks (asyncio's rule: low defaults to high / 4, high to 4 × low, else 64 KiB).
   * @throws RangeError unless 0 ≤ low ≤ high
   */
  setWriteBufferLimits(high?: number, low?: number): void {
    if (high === undefined) high = low === undefined ? DEFAULT_HIGH_WATER : 4 * low;
    if (low === undefined) low = Math.floor(high / 4);
    if (!(Number.isFinite(high) && Number.isFinite(low) && low >= 0 && high >= low)) {
      throw new RangeError(
        `setWriteBufferLimits() expected 0 <= low <= high, got high=${formatValue(high)} low=${formatValue(low)}`,
      );
    }
    this.#high = high;
    this.#low = low;
    this.#maybePauseWriting();
    this.#maybeResumeWriting();
  }

  /** True while the buffer is over the high mark (and not yet down to the low one). */
  isWritingPaused(): boolean {
    return this.#writePaused;
  }

  /**
   * Done at once unless writing is paused; then when the buffer is down to the low mark.
   * Fails with the connection's error (or TransportClosedError) if the connection ends first.
   */
  drain(): Future<void> {
    // Nothing to wait for (the usual case, after a write that went out whole): the loop's one
    // resolved future, rather than a new one per write. A done future keeps no callbacks.
    if (this.#state !== 'closed' && !this.#writePaused) return resolvedVoid(this.#loop);
    const waiter = new Future<void>(this.#loop);
    if (this.#state === 'closed') waiter.setException(this.#lostError('drain'));
    else (this.#drainWaiters ??= []).push(waiter);
    return waiter;
  }

  static #onWritable(this: void, self: SocketTransport<StreamEndpoint>): void {
    if (self.#state === 'closed') return;
    const chunks = self.#chunks;
    for (let chunk = chunks.peek(); chunk !== undefined; chunk = chunks.peek()) {
      let sent: number;
      try {
        sent = self.#sock.trySend(chunk);
      } catch (error) {
        self.#connectionLost(error);
        return;
      }
      if (sent === WOULD_BLOCK) break;
      self.#size -= sent;
      if (sent < chunk.length) {
        chunks.replaceFirst(chunk.subarray(sent));
        break;
      }
      chunks.shift();
    }
    self.#maybeResumeWriting();
    if (self.#onWritten !== null) self.#notifyWritten(self.#onWritten);
    // onWritten may have closed us (tornado's write callbacks can close the stream).
    if (self.#size > 0 || self.#lost()) return;
    self.#loop.removeWriter(self.#sock);
    if (self.#state === 'closing') self.#connectionLost(null);
    else if (self.#eofRequested) self.#shutdownWrite();
  }

  #lost(): boolean {
    return this.#state === 'closed';
  }

  #notifyWritten(onWritten: (transport: SocketTransport<E>) => void): void {
    try {
      onWritten(this);
    } catch (exception) {
      this.#loop.callExceptionHandler({
        message: 'Exception in a SocketTransport onWritten callback',
        exception,
        transport: this,
      });
    }
  }

  #shutdownWrite(): void {
    if (this.#eofWritten) return;
    this.#eofWritten = true;
    try {
      this.#sock.shutdown(SHUT_WR);
    } catch (error) {
      this.#connectionLost(error);
      return;
    }
    if (this.#readEof) this.#connectionLost(null);
  }

  #maybePauseWriting(): void {
    if (!this.#writePaused && this.#size > this.#high) this.#writePaused = true;
  }

  #maybeResumeWriting(): void {
    if (!this.#writePaused || this.#size > this.#low) return;
    this.#writePaused = false;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = null;
    if (waiters !== null) for (const waiter of waiters) if (!waiter.done()) waiter.setResult();
  }

  #checkWritable(method: string): void {
    if (this.#state === 'closed') throw this.#lostError(method);
    if (this.#state === 'closing')
      throw new TransportClosedError(`${method}() on a transport that is closing`);
    if (this.#eofRequested)
      throw new TransportClosedError(`${method}() after writeEof() on ${this.toString()}`);
  }

  #lostError(method: string): TransportClosedError {
    return new TransportClosedError(
      this.#error === null
        ? `${method}() on a closed transport`
        : `${method}() on a transport whose connection failed: ${describeError(this.#error)}`,
      this.#error === null ? undefined : { cause: this.#error },
    );
  }

  // ─── Closing ───────────────────────────────────────────────────────────────────────────────

  /** True once close() or abort() was called, or the connection ended. */
  isClosing(): boolean {
    return this.#state !== 'open';
  }

  /** Stops reading, flushes the buffer, then closes the socket. */
  close(): void {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    this.pauseReading();
    if (this.#size === 0) this.#connectionLost(null);
  }

  /** Closes at once, dropping the buffer. */
  abort(): void {
    this.#connectionLost(null);
  }

  /**
   * Ends the transport without closing its endpoint, and gives the endpoint back, open: for an
   * upgrade to TLS on the same connection (STARTTLS; tornado's `IOStream.startTls`). The reader
   * is not told; the transport's close waiters are released.
   * @throws TransportClosedError if the transport is closing or closed, or has unsent bytes
   */
  detach(): E {
    if (this.#state !== 'open')
      throw new TransportClosedError(`detach() on a ${this.#state} transport`);
    if (this.#size > 0) {
      throw new TransportClosedError(
        `detach() with ${this.#size} bytes not yet sent: wait for drain() first`,
      );
    }
    this.#state = 'closed';
    this.#reading = false;
    this.#loop.removeReader(this.#sock);
    this.#loop.removeWriter(this.#sock);
    const closeWaiters = this.#closeWaiters;
    this.#closeWaiters = null;
    if (closeWaiters !== null)
      for (const waiter of closeWaiters) if (!waiter.done()) waiter.setResult();
    return this.#sock;
  }

  /**
   * Done when the socket is closed; failed with the error if the connection ended with one. A
   * fresh future each call, so cancelling one waiter leaves the others.
   */
  whenClosed(): Future<void> {
    const waiter = new Future<void>(this.#loop);
    if (this.#state !== 'closed') (this.#closeWaiters ??= []).push(waiter);
    else if (this.#error === null) waiter.setResult();
    else waiter.setException(this.#error);
    return waiter;
  }

  /** The error the connection ended with, or null. */
  connectionError(): unknown {
    return this.#error;
  }

  /** asyncio's `_call_connection_lost`: runs once, whatever ended the connection. */
  #connectionLost(error: unknown): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#error = error;
    this.#reading = false;
    this.#chunks.clear();
    this.#size = 0;
    this.#loop.removeReader(this.#sock);
    this.#loop.removeWriter(this.#sock);
    try {
      this.#sock.close();
    } catch {
      // The fd is released whatever close() reports.
    }
    const reader = this.#reader;
    if (reader !== null) {
      if (error !== null) reader.setException(error);
      else reader.feedEof();
    }
    const waiters = this.#drainWaiters;
    this.#drainWaiters = null;
    this.#writePaused = false;
    if (waiters !== null) {
      for (const waiter of waiters) {
        if (!waiter.done()) waiter.setException(this.#lostError('drain'));
      }
    }
    const closeWaiters = this.#closeWaiters;
    this.#closeWaiters = null;
    if (closeWaiters !== null) {
      for (const waiter of closeWaiters) {
        if (waiter.done()) continue;
        if (error === null) waiter.setResult();
        else waiter.setException(error);
      }
    }
    if (this.#onConnectionLost !== null) {
      try {
        this.#onConnectionLost(this, error);
      } catch (exception) {
        this.#loop.callExceptionHandler({
          message: 'Exception in a SocketTransport onConnectionLost callback',
          exception,
          transport: this,
        });
      }
    }
  }

  // ─── Info and printing ─────────────────────────────────────────────────────────────────────

  /**
   * asyncio's `get_extra_info`: `'peername'`, `'sockname'`, `'socket'` (the endpoint), or
   * `'sslObject'` (the SSLSocket of a TLS connection), else `fallback`.
   *
   * Unlike asyncio, which reads both addresses when the transport is made, the addresses are
   * read from the socket the first time they are asked for, and kept from then on: an idle
   * connection does not carry them (a C10k server holds ten thousand). Ask before the transport
   * closes if you need them after; once it is closed, an address never asked for is `fallback`.
   */
  getExtraInfo(name: 'peername' | 'sockname'): Address | undefined;
  getExtraInfo(name: 'socket'): E;
  getExtraInfo(name: string, fallback?: unknown): unknown;
  getExtraInfo(name: string, fallback?: unknown): unknown {
    if (name === 'socket') return this.#sock;
    if (name === 'sslObject') return this.#tls ?? fallback;
    if (name !== 'peername' && name !== 'sockname') return fallback;
    const info = (this.#info ??= {});
    if (!(name in info) && this.#state !== 'closed') {
      try {
        info[name] = name === 'peername' ? this.#sock.getpeername() : this.#sock.getsockname();
      } catch {
        info[name] = undefined; // not connected (a peer that already left): absent
      }
    }
    return info[name] ?? fallback;
  }

  /** `<SocketTransport fd=12 open read=polling write=<buffered 12 bytes> peer=127.0.0.1:4000>` */
  toString(): string {
    const parts = ['SocketTransport', `fd=${this.#sock.fileno()}`, this.#state];
    if (this.#state !== 'closed') {
      parts.push(`read=${this.#reading ? 'polling' : 'idle'}`);
      parts.push(`write=${this.#size > 0 ? `<buffered ${this.#size} bytes>` : 'idle'}`);
    }
    const peer = this.#state === 'closed' ? this.#info?.peername : this.getExtraInfo('peername');
    if (Array.isArray(peer)) parts.push(`peer=${String(peer[0])}:${String(peer[1])}`);
    return `<${parts.join(' ')}>`;
  }

  get [Symbol.toStringTag](): string {
    return 'SocketTransport';
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : formatValue(error);
}
