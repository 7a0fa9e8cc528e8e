/**
 * tornado's `IOStream` (tornado/iostream.py) on @aio/coroutine's `SocketTransport`.
 *
 * One socket state machine serves both asyncio-style streams and tornado's: the transport reads,
 * writes, buffers what the kernel does not take and closes; the IOStream is the consumer it feeds
 * (a `StreamSink`), with tornado's read buffer and read modes on top — `readUntil`,
 * `readUntilRegex`, `readBytes`, `readInto`, `readUntilClose` — and tornado's write futures,
 * each settled once the bytes up to its write have left for the kernel.
 *
 * **Reading.** One read at a time. A read the buffer can answer is done at once; otherwise it
 * waits, and the transport reads for it. With no read waiting the transport stops reading once
 * the buffer holds anything (the kernel's window then holds the peer back, as tornado leaves the
 * socket unread); an idle stream with an empty buffer keeps reading, so that a peer's close is
 * seen (tornado's error listener). The buffer grows only for a waiting read, and past
 * `maxBufferSize` the stream is closed with a StreamBufferFullError.
 *
 * **No lost bytes.** A read's future is a handoff (@aio/future/internal): if the task that waits
 * is cancelled in the moment it is woken, its bytes go back to the front of the buffer for the
 * next read. A read cancelled while it waits leaves the buffer as it is.
 *
 * **Closing.** EOF closes the stream (tornado has no half-close), after finishing a read the
 * buffer can still answer; bytes left in the buffer can still be read. `close()` closes the
 * socket at once, dropping unsent bytes. Then every waiting read and write fails with
 * StreamClosedError (`realError`: what closed it), a `readUntilClose` gets the buffer, and the
 * close callback runs on the loop.
 */
import { constants } from 'node:os';
import { inspect } from 'node:util';
import type { EventLoop } from '@aio/loop';
import { Future, sockConnect } from '@aio/future';
import { Handoff, failedFuture, resolvedVoid, type HandoffHooks } from '@aio/future/internal';
import {
  ConcurrentReadError,
  SocketTransport,
  type ReadTransport,
  type StreamEndpoint,
  type StreamSink,
} from '@aio/coroutine';
import {
  BrokenPipeError,
  ConnectionAbortedError,
  ConnectionResetError,
  IPPROTO_TCP,
  Socket,
  PipeEnd,
  TCP_NODELAY,
  osError,
  type Address,
} from '@aio/selector';
import { IOLoop } from '../ioloop';
import { genLog } from '../log';
import { checkInteger, optionTypeError } from '../log/errors';
import { ReadBuffer, type MatchEndScanner } from './read-buffer';
import { sslOptionsToContext, type SSLOptions } from '../netutil/ssl';
import type { SSLIOStream, SSLIOStreamOptions } from './ssl-stream';
import {
  StreamBufferFullError,
  StreamClosedError,
  UnsatisfiableReadError,
  describeError,
} from './errors';

/** IOStream's constructor token for SSLIOStream: do not start a transport on a connected socket. */
export const DEFER_TRANSPORT: unique symbol = Symbol('deferTransport');

/** How `startTls` makes an SSLIOStream (set by ssl-stream.ts, which imports this module). */
let startTlsHook: ((socket: Socket, options: SSLIOStreamOptions) => Future<SSLIOStream>) | null =
  null;
/** @internal */
export function setStartTlsHook(
  hook: (socket: Socket, options: SSLIOStreamOptions) => Future<SSLIOStream>,
): void {
  startTlsHook = hook;
}

/** Options of `new IOStream()`. */
export interface IOStreamOptions {
  /** The most bytes the read buffer holds for a waiting read. Default 100 MiB, as tornado's. */
  maxBufferSize?: number;
  /** The most unsent bytes `write()` buffers; over it, write() throws. Default: no limit. */
  maxWriteBufferSize?: number;
  /**
   * The most bytes one read takes from the socket: default 64 KiB, and never more than half of
   * `maxBufferSize` (as tornado: a small buffer is not overrun by one read).
   */
  readChunkSize?: number;
}

/** `readBytes` and `readInto` options. */
export interface PartialReadOptions {
  /** Done as soon as any bytes are there (up to the size asked for), not when all are. */
  partial?: boolean;
}

const DEFAULT_MAX_BUFFER_SIZE = 100 * 1024 * 1024;
const { EBADF } = constants.errno;
/** tornado's default `read_chunk_size`, and the most the transport reads at once. */
const DEFAULT_READ_CHUNK_SIZE = 64 * 1024;

/** What a read waits for. */
const BYTES = 0;
const INTO = 1;
const UNTIL = 2;
const REGEX = 3;
const TO_CLOSE = 4;
type ReadKind = typeof BYTES | typeof INTO | typeof UNTIL | typeof REGEX | typeof TO_CLOSE;

/**
 * Byte scanners of patterns on hot paths (HTTP's header end), by pattern: `readUntilRegex` with
 * one of these patterns finds its match on the buffered bytes in place, with the scanner,
 * instead of running the RegExp on a latin1 copy of them. The RegExp stays the contract.
 */
const SCANNERS = new WeakMap<RegExp, MatchEndScanner>();

/**
 * @internal Makes `readUntilRegex(pattern)` search with `scanner`, which must find the end of
 * exactly the match `pattern.exec` finds in the bytes read as latin1 (test it against the
 * pattern). Returns `pattern`.
 */
export function scanWith(pattern: RegExp, scanner: MatchEndScanner): RegExp {
  SCANNERS.set(pattern, scanner);
  return pattern;
}

interface PendingRead {
  readonly kind: ReadKind;
  readonly future: ReadFuture<Buffer> | ReadFuture<number>;
  /** BYTES: how many; INTO: the target's length. */
  readonly size: number;
  readonly partial: boolean;
  readonly target: Uint8Array | null;
  readonly delimiter: Buffer | null;
  readonly regex: RegExp | null;
  /** REGEX: the pattern's byte scanner, if it has one (`scanWith`). */
  readonly scanner: MatchEndScanner | null;
  readonly maxBytes: number | null;
  /** UNTIL: where the next search starts (bytes searched before hold no delimiter). */
  scanFrom: number;
}

/** How a ReadFuture reaches its stream (set in IOStream's static block). */
let streamInternals: { readCancelled(stream: BaseIOStream, future: Future): void };

/** A read's future: a handoff, and cancelling it while it waits frees the stream for a new read. */
class ReadFuture<T> extends Handoff<T> {
  constructor(
    loop: EventLoop,
    readonly stream: BaseIOStream,
  ) {
    super(loop);
  }

  override cancel(message?: string): boolean {
    if (!super.cancel(message)) return false;
    streamInternals.readCancelled(this.stream, this);
    return true;
  }
}

const GIVE_BACK_BYTES = Symbol('giveBackBytes');

/** Bytes a read took, given back to the front of the buffer when its task could not take them. */
const BYTES_HOOKS: HandoffHooks<Buffer, ReadFuture<Buffer>> = {
  givenBack: (bytes, future) => future.stream[GIVE_BACK_BYTES](bytes),
};

/**
 * tornado's BaseIOStream: the reads, writes and closing every stream has, over a socket
 * (`IOStream`) or a pipe (`PipeIOStream`).
 */
export class BaseIOStream implements StreamSink {
  /** The IOLoop the stream runs on: the current one when it was made. */
  readonly ioloop: IOLoop;
  /** The socket or pipe; an SSLIOStream's becomes its SSLSocket when the handshake starts. */
  #endpoint: StreamEndpoint;
  /** What closed the stream, when something did: a socket error, a full buffer, a bad read. */
  error: unknown = null;
  readonly maxBufferSize: number;
  readonly maxWriteBufferSize: number | null;
  /** The most bytes one read takes: `min(readChunkSize, maxBufferSize / 2)`. */
  readonly readChunkSize: number;

  readonly #loop: EventLoop;
  /** Null until the socket is connected (see `connect`). */
  #transport: SocketTransport<StreamEndpoint> | null = null;
  /** Writes made while connecting, sent once connected. */
  #unsentWhileConnecting: Buffer[] | null = null;
  #connecting: Future<void> | null = null;
  #connectResult: Future<this> | null = null;
  readonly #buffer = new ReadBuffer();
  #read: PendingRead | null = null;
  #closed = false;
  #closeCallback: (() => unknown) | null = null;
  /** Bytes given to write() so far, and the futures waiting for the kernel to take them. */
  #written = 0;
  readonly #writeFutures: [end: number, future: Future<void>][] = [];

  static {
    streamInternals = {
      readCancelled: (stream, future) => {
        if (stream.#read?.future !== future) return;
        stream.#read = null;
        stream.#updateReading();
      },
    };
  }

  /**
   * For the subclasses: `endpoint` is the stream's from now on; `connected` starts it at once
   * (else `connectSocket` does).
   */
  protected constructor(
    endpoint: StreamEndpoint,
    options: IOStreamOptions,
    where: string,
    connected: boolean,
  ) {
    if (typeof options !== 'object' || options === null) {
      throw optionTypeError(where, 'options', 'an object', options);
    }
    this.maxBufferSize = checkInteger(
      where,
      'maxBufferSize',
      options.maxBufferSize ?? DEFAULT_MAX_BUFFER_SIZE,
      1,
    );
    this.maxWriteBufferSize =
      options.maxWriteBufferSize === undefined
        ? null
        : checkInteger(where, 'maxWriteBufferSize', options.maxWriteBufferSize, 0);
    this.readChunkSize = Math.max(
      1,
      Math.min(
        checkInteger(where, 'readChunkSize', options.readChunkSize ?? DEFAULT_READ_CHUNK_SIZE, 1),
        DEFAULT_READ_CHUNK_SIZE,
        Math.floor(this.maxBufferSize / 2),
      ),
    );
    if (endpoint.getBlocking()) endpoint.setBlocking(false);
    this.ioloop = IOLoop.current();
    this.#loop = this.ioloop.asyncioLoop;
    this.#endpoint = endpoint;
    if (connected) this.#attach();
  }

  /** Starts the transport on the connected socket. */
  #attach(): void {
    this.#transport = new SocketTransport(this.#loop, this.#endpoint, this, {
      onWritten: () => this.#settleWrites(),
      readSize: this.readChunkSize,
    });
    const waiting = this.#unsentWhileConnecting;
    this.#unsentWhileConnecting = null;
    if (waiting !== null) {
      for (const bytes of waiting) {
        try {
          this.#transport.write(bytes);
        } catch {
          return; // the transport closed, and told us
        }
      }
      this.#settleWrites();
    }
    this.#updateReading();
  }

  /** For IOStream.connect: connects `socket` (the stream's own) to `address`. */
  protected connectSocket(socket: Socket, address: Address): Future<this> {
    return this.connectWith(() => sockConnect(this.#loop, socket, address), 'connect()');
  }

  /**
   * For the subclasses: `start()` begins what makes the stream ready (connecting, a TLS
   * handshake), and the stream starts its transport when that is done; until then reads wait
   * and writes are kept. The future is the stream; if `start` fails, the stream closes and the
   * future fails with a StreamClosedError whose `realError` says why. Closing the stream
   * meanwhile cancels what `start` began.
   * @throws TypeError if the stream is connected or connecting already
   */
  protected connectWith(start: () => Future<void>, where: string): Future<this> {
    this.#checkClosed();
    if (this.#transport !== null || this.#connecting !== null) {
      throw new TypeError(`${where}: ${String(this)} is connected or connecting already`);
    }
    const result = new Future<this>(this.#loop);
    let connecting: Future<void>;
    try {
      connecting = start();
    } catch (error) {
      this.close(error);
      if (!result.done()) result.setException(new StreamClosedError(error));
      return result;
    }
    this.#connecting = connecting;
    this.#connectResult = result;
    connecting.addDoneCallback((done) => {
      this.#connecting = null;
      if (done.cancelled()) return; // closed meanwhile: close() failed the result
      // Taken even when the stream was closed meanwhile (after `connecting` was done, before this
      // callback ran): else it would be reported as never retrieved.
      const error = done.exception();
      if (this.#closed) return;
      if (error !== undefined) {
        this.close(error); // fails the result, with the cause
        return;
      }
      this.#connectResult = null;
      // The connect future first, then the writes kept meanwhile (their futures settle as they
      // go out): their callbacks run in that order, as tornado's (test_write_while_connecting).
      if (!result.done()) result.setResult(this);
      this.#attach();
    });
    return result;
  }

  /** For SSLIOStream: the endpoint is now `endpoint` (wrapping the old one), before any transport. */
  protected setEndpoint(endpoint: StreamEndpoint): void {
    if (this.#transport !== null) throw new TypeError('setEndpoint() after the transport started');
    this.#endpoint = endpoint;
  }

  /**
   * For `startTls`: ends this stream without closing its socket, and gives the socket back. The
   * stream must be idle: no read waiting, nothing buffered either way.
   * @throws StreamClosedError if closed; TypeError if connecting or not idle
   */
  protected detachEndpoint(where: string): StreamEndpoint {
    this.#checkClosed();
    const transport = this.#transport;
    if (transport === null) throw new TypeError(`${where}: ${String(this)} is not connected yet`);
    if (this.#read !== null || this.#buffer.size > 0 || this.#unsent() > 0) {
      throw new TypeError(
        `${where}: ${String(this)} is not idle (a read waits, or bytes are buffered); cannot convert to TLS`,
      );
    }
    transport.detach();
    this.#closed = true;
    this.#closeCallback = null;
    this.#transport = null;
    return this.#endpoint;
  }

  // ─── Reading ───────────────────────────────────────────────────────────────────────────────

  /**
   * The bytes up to and including `delimiter`. With `maxBytes`, a delimiter not found within
   * that many bytes is an unsatisfiable read: the stream closes, and the read fails with a
   * StreamClosedError whose `realError` is an UnsatisfiableReadError.
   * @throws StreamClosedError if the stream is closed and the buffer cannot answer
   */
  readUntil(delimiter: Uint8Array | string, maxBytes?: number): Future<Buffer> {
    const bytes =
      typeof delimiter === 'string'
        ? delimiterBytes(delimiter)
        : delimiter instanceof Uint8Array
          ? Buffer.from(delimiter) // a copy: the caller's may change
          : null;
    if (bytes === null || bytes.byteLength === 0) {
      throw optionTypeError(
        'readUntil()',
        'delimiter',
        'a non-empty string or Uint8Array',
        delimiter,
      );
    }
    return this.#startRead(UNTIL, {
      delimiter: bytes,
      maxBytes: this.#maxBytes('readUntil()', maxBytes),
    }) as Future<Buffer>;
  }

  /**
   * The bytes up to the end of the first match of `pattern`. The pattern sees the bytes as latin1
   * text (one character per byte), as a Python bytes pattern does; its `g` and `y` flags are
   * ignored. `maxBytes` as for `readUntil`.
   */
  readUntilRegex(pattern: RegExp | string, maxBytes?: number): Future<Buffer> {
    let regex: RegExp;
    if (typeof pattern === 'string') regex = new RegExp(pattern);
    else if (pattern instanceof RegExp)
      // Without `g` or `y`, exec() keeps no state in the pattern: the caller's is used as is.
      regex =
        pattern.global || pattern.sticky
          ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''))
          : pattern;
    else throw optionTypeError('readUntilRegex()', 'pattern', 'a RegExp or a string', pattern);
    return this.#startRead(REGEX, {
      regex,
      maxBytes: this.#maxBytes('readUntilRegex()', maxBytes),
    }) as Future<Buffer>;
  }

  /**
   * `n` bytes; with `{ partial: true }`, as soon as there are any (at most `n`).
   * @throws StreamClosedError if the stream is closed and the buffer cannot answer
   */
  readBytes(n: number, options: PartialReadOptions = {}): Future<Buffer> {
    const size = checkInteger('readBytes()', 'n', n, 0);
    return this.#startRead(BYTES, {
      size,
      partial: partialOf('readBytes()', options),
    }) as Future<Buffer>;
  }

  /**
   * Fills `target`; with `{ partial: true }`, as soon as any bytes are there. The future is the
   * count of bytes written into `target`.
   */
  readInto(target: Uint8Array, options: PartialReadOptions = {}): Future<number> {
    if (!(target instanceof Uint8Array)) {
      throw optionTypeError('readInto()', 'target', 'a Uint8Array or Buffer', target);
    }
    return this.#startRead(INTO, {
      size: target.byteLength,
      target,
      partial: partialOf('readInto()', options),
    }) as Future<number>;
  }

  /** Everything until the stream closes (at once, if it is closed). */
  readUntilClose(): Future<Buffer> {
    return this.#startRead(TO_CLOSE, {}) as Future<Buffer>;
  }

  #maxBytes(where: string, maxBytes: number | undefined): number | null {
    return maxBytes === undefined || maxBytes === null
      ? null
      : checkInteger(where, 'maxBytes', maxBytes, 0);
  }

  #startRead(
    kind: ReadKind,
    spec: Partial<
      Pick<PendingRead, 'size' | 'partial' | 'target' | 'delimiter' | 'regex' | 'maxBytes'>
    >,
  ): ReadFuture<Buffer> | ReadFuture<number> {
    if (this.#read !== null) {
      this.#checkClosed();
      throw new ConcurrentReadError(
        `Already reading: ${String(this)} has a read waiting; wait for it before the next`,
      );
    }
    const future = new ReadFuture<Buffer | number>(this.#loop, this) as
      ReadFuture<Buffer> | ReadFuture<number>;
    const read: PendingRead = {
      kind,
      future,
      size: spec.size ?? 0,
      partial: spec.partial ?? false,
      target: spec.target ?? null,
      delimiter: spec.delimiter ?? null,
      regex: spec.regex ?? null,
      scanner: spec.regex ? (SCANNERS.get(spec.regex) ?? null) : null,
      maxBytes: spec.maxBytes ?? null,
      scanFrom: 0,
    };
    this.#read = read;
    let pos: number | null;
    try {
      pos = this.#findReadPos(read);
    } catch (error) {
      if (!(error instanceof UnsatisfiableReadError)) {
        this.#read = null;
        throw error;
      }
      genLog.info(`Unsatisfiable read, closing connection: ${error.message}`);
      this.close(error); // fails the read, with the cause
      return future;
    }
    if (pos !== null) {
      this.#finishRead(read, pos);
      return future;
    }
    if (this.#closed) {
      this.#read = null;
      if (kind === TO_CLOSE) {
        this.#finishRead(read, this.#buffer.size);
        return future;
      }
      throw new StreamClosedError(this.error);
    }
    if (this.#transport !== null && this.#endpoint.closed) {
      // Its socket was closed under the stream: the read fails now (tornado's inline read error),
      // not when the loop finds the fd gone.
      this.close(osError(EBADF, 'recv', 'the socket was closed under the stream'));
      return future;
    }
    this.#updateReading();
    return future;
  }

  // #region find-read-pos
  /** Where the buffer satisfies `read` (the byte count it takes), or null. */
  #findReadPos(read: PendingRead): number | null {
    const size = this.#buffer.size;
    switch (read.kind) {
      case BYTES:
      case INTO:
        if (size >= read.size || (read.partial && size > 0)) return Math.min(read.size, size);
        return null;
      case UNTIL: {
        const delimiter = read.delimiter!;
        const at = this.#buffer.indexOf(delimiter, read.scanFrom);
        if (at !== -1) {
          this.#checkMaxBytes(read, at + delimiter.length);
          return at + delimiter.length;
        }
        this.#checkMaxBytes(read, size);
        read.scanFrom = Math.max(0, size - delimiter.length + 1);
        return null;
      }
      case REGEX: {
        if (size === 0) return null;
        // A match must end within maxBytes: the bytes past it need not be searched (nor copied).
        const limit = read.maxBytes === null ? size : Math.min(size, read.maxBytes);
        const scanner = read.scanner;
        let end: number;
        if (scanner !== null) end = this.#buffer.scan(scanner, limit);
        else {
          const match = read.regex!.exec(this.#buffer.latin1(limit));
          end = match === null ? -1 : match.index + match[0].length;
        }
        if (end !== -1) {
          this.#checkMaxBytes(read, end);
          return end;
        }
        this.#checkMaxBytes(read, size);
        return null;
      }
      default:
        return null; // TO_CLOSE: only the close answers it
    }
  }
  // #endregion find-read-pos

  #checkMaxBytes(read: PendingRead, size: number): void {
    if (read.maxBytes !== null && size > read.maxBytes) {
      const what =
        read.kind === UNTIL
          ? `delimiter ${JSON.stringify(read.delimiter!.toString('latin1'))}`
          : `pattern ${String(read.regex)}`;
      throw new UnsatisfiableReadError(`${what} not found within ${read.maxBytes} bytes`);
    }
  }

  /** Takes `pos` bytes for `read` and hands them over. */
  #finishRead(read: PendingRead, pos: number): void {
    if (this.#read === read) this.#read = null;
    if (read.kind === INTO) {
      this.#buffer.takeInto(read.target!, pos);
      const copy = Buffer.from(read.target!.subarray(0, pos));
      (read.future as ReadFuture<number>).handOver(pos, {
        givenBack: () => this[GIVE_BACK_BYTES](copy),
      });
    } else {
      (read.future as ReadFuture<Buffer>).handOver(this.#buffer.take(pos), BYTES_HOOKS);
    }
    this.#updateReading();
  }

  /** For BYTES_HOOKS: a read's bytes back to the front of the buffer. */
  [GIVE_BACK_BYTES](bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#buffer.unshift(bytes);
    this.#updateReading();
  }

  // #region update-reading
  /** Reads while a read waits, or while the buffer is empty (to see the peer close). */
  #updateReading(): void {
    if (this.#closed) return;
    const want = this.#read !== null || this.#buffer.size === 0;
    const transport = this.#transport;
    if (transport === null) return; // connecting: reading starts once connected
    if (want) transport.resumeReading();
    else transport.pauseReading();
  }
  // #endregion update-reading

  // ─── What the transport feeds (StreamSink) ─────────────────────────────────────────────────

  /** @internal The transport is ours already. */
  setTransport(_transport: ReadTransport): void {}

  // #region feed-data
  /** @internal Bytes from the socket. */
  feedData(chunk: Uint8Array): void {
    if (this.#closed) return;
    this.#buffer.append(chunk);
    if (this.#buffer.size > this.maxBufferSize) {
      genLog.error(
        `Reached maximum read buffer size (${this.maxBufferSize} bytes) on ${String(this)}`,
      );
      this.close(
        new StreamBufferFullError(`Reached maximum read buffer size (${this.maxBufferSize} bytes)`),
      );
      return;
    }
    const read = this.#read;
    if (read !== null) {
      let pos: number | null;
      try {
        pos = this.#findReadPos(read);
      } catch (error) {
        if (!(error instanceof UnsatisfiableReadError)) throw error;
        genLog.info(`Unsatisfiable read, closing connection: ${error.message}`);
        this.close(error);
        return;
      }
      if (pos !== null) {
        this.#finishRead(read, pos);
        return;
      }
    }
    this.#updateReading();
  }
  // #endregion feed-data

  /** @internal The peer closed: so does the stream. */
  feedEof(): void {
    if (!this.#closed) this.close();
  }

  /** @internal The connection failed. */
  setException(error: unknown): void {
    if (this.#closed) return;
    if (!isConnReset(error)) genLog.warn(`Error on ${String(this)}: ${describeError(error)}`);
    this.close(error);
  }

  // ─── Writing ───────────────────────────────────────────────────────────────────────────────

  /**
   * Sends `data` (a string as UTF-8). The future is done once this write's bytes and all before
   * them have gone to the kernel; it fails with StreamClosedError if the stream closes first.
   * `data` is the caller's again when `write` returns: what the kernel did not take at once is
   * copied (by the transport, or here while connecting), so a buffer may be reused for the next
   * write (`HTTP1Connection` builds every write in one).
   * @throws StreamClosedError if the stream is closed
   * @throws StreamBufferFullError if the unsent bytes would pass `maxWriteBufferSize`
   */
  write(data: Uint8Array | string): Future<void> {
    this.#checkClosed();
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (!(bytes instanceof Uint8Array)) {
      throw optionTypeError('write()', 'data', 'a Uint8Array, Buffer or string', data);
    }
    if (
      this.maxWriteBufferSize !== null &&
      this.#unsent() + bytes.length > this.maxWriteBufferSize
    ) {
      throw new StreamBufferFullError(
        `Reached maximum write buffer size (${this.maxWriteBufferSize} bytes)`,
      );
    }
    this.#written += bytes.length;
    const transport = this.#transport;
    if (transport === null) {
      // Connecting: sent once connected.
      (this.#unsentWhileConnecting ??= []).push(Buffer.from(bytes));
      return this.#writeFuture();
    }
    try {
      transport.write(bytes);
    } catch (error) {
      // The send failed: the transport closed, and told us (setException).
      const failed = failedFuture<void>(this.#loop, new StreamClosedError(this.error ?? error));
      failed.exception(); // as the others: a write nobody waits for fails without a complaint
      return failed;
    }
    // The usual case: the kernel took it all (and all before it: the buffer drains in order, and
    // the futures of earlier writes were settled as it did). The loop's one resolved future,
    // rather than a new one per write.
    if (transport.getWriteBufferSize() === 0) return resolvedVoid(this.#loop);
    return this.#writeFuture();
  }

  /** A future for the write just counted in `#written`, settled once the kernel has it. */
  #writeFuture(): Future<void> {
    const future = new Future<void>(this.#loop);
    this.#writeFutures.push([this.#written, future]);
    return future;
  }

  /** Settles the write futures whose bytes the kernel has now taken. */
  #settleWrites(): void {
    if (this.#closed) return;
    const sent = this.#written - this.#unsent();
    const futures = this.#writeFutures;
    let done = 0;
    while (done < futures.length && futures[done]![0] <= sent) {
      const future = futures[done++]![1];
      if (!future.done()) future.setResult();
    }
    if (done > 0) futures.splice(0, done);
  }

  // ─── Closing and state ─────────────────────────────────────────────────────────────────────

  /**
   * Runs `callback` on the loop once the stream is closed (replaces any earlier one; null
   * removes it). tornado's `set_close_callback`.
   */
  setCloseCallback(callback: (() => unknown) | null): void {
    if (callback !== null && typeof callback !== 'function') {
      throw optionTypeError('setCloseCallback()', 'callback', 'a function or null', callback);
    }
    this.#closeCallback = callback;
    if (callback !== null && this.#closed) this.#signalClosed();
  }

  /**
   * Closes the stream at once (unsent bytes are dropped). `error`, if given, becomes the
   * stream's `error` and the `realError` of the StreamClosedErrors its waiters get. A read the
   * buffer can answer is answered first; a `readUntilClose` gets the whole buffer.
   */
  close(error?: unknown): void {
    if (!this.#closed) {
      if (error !== undefined && error !== null) this.error = error;
      const read = this.#read;
      if (read !== null) {
        if (read.kind === TO_CLOSE) {
          this.#finishRead(read, this.#buffer.size);
        } else {
          let pos: number | null = null;
          try {
            pos = this.#findReadPos(read);
          } catch {
            // unsatisfiable: it fails below
          }
          if (pos !== null) this.#finishRead(read, pos);
        }
      }
      this.#closed = true;
      this.#unsentWhileConnecting = null;
      this.#connecting?.cancel();
      if (this.#transport !== null) this.#transport.abort();
      else this.#endpoint.close();
    }
    this.#signalClosed();
  }

  #signalClosed(): void {
    const failure = (): StreamClosedError => new StreamClosedError(this.error);
    const read = this.#read;
    this.#read = null;
    const futures: Future[] = this.#writeFutures.splice(0).map(([, future]) => future);
    if (this.#connectResult !== null) futures.push(this.#connectResult);
    this.#connectResult = null;
    if (read !== null) futures.unshift(read.future);
    for (const future of futures) {
      if (future.done()) continue;
      future.setException(failure());
      // As tornado: a write nobody waits for may fail unobserved without a complaint.
      future.exception();
    }
    const callback = this.#closeCallback;
    this.#closeCallback = null;
    if (callback !== null) this.ioloop.addCallback(callback);
  }

  #checkClosed(): void {
    if (this.#closed) throw new StreamClosedError(this.error);
  }

  /** Bytes read from the transport that no read has taken yet. */
  get bufferedBytes(): number {
    return this.#buffer.size;
  }

  /** True once the stream is closed. */
  closed(): boolean {
    return this.#closed;
  }

  /** True while a read waits. */
  reading(): boolean {
    return this.#read !== null;
  }

  /** True while written bytes wait for the kernel to take them. */
  writing(): boolean {
    return !this.#closed && this.#unsent() > 0;
  }

  /** Bytes written and not yet with the kernel. */
  #unsent(): number {
    if (this.#transport !== null) return this.#transport.getWriteBufferSize();
    let size = 0;
    for (const bytes of this.#unsentWhileConnecting ?? []) size += bytes.byteLength;
    return size;
  }

  /** The fd. */
  fileno(): number {
    return this.#endpoint.fileno();
  }

  /** `<IOStream fd=12 open reading buffered=0 writing=0 peer=127.0.0.1:4000>` */
  toString(): string {
    const parts = [this[Symbol.toStringTag]];
    if (this.#closed) parts.push('closed');
    else {
      parts.push(`fd=${this.#endpoint.fileno()}`, 'open');
      if (this.#read !== null) parts.push('reading');
      parts.push(`buffered=${this.#buffer.size}`);
      if (this.#transport === null) parts.push('connecting');
      const unsent = this.#unsent();
      if (unsent > 0) parts.push(`unsent=${unsent}`);
      const peer = this.#transport?.getExtraInfo('peername');
      if (Array.isArray(peer)) parts.push(`peer=${String(peer[0])}:${String(peer[1])}`);
    }
    return `<${parts.join(' ')}>`;
  }

  get [Symbol.toStringTag](): string {
    return 'BaseIOStream';
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * A socket as tornado's IOStream: connected already, or connected with `connect()`.
 * @example
 * ```ts
 * const stream = new IOStream(sock);
 * yield* stream.write(Buffer.from('GET / HTTP/1.0\r\nHost: example.com\r\n\r\n'));
 * const header = yield* stream.readUntil('\r\n\r\n');
 * const body = yield* stream.readUntilClose();
 * ```
 */
export class IOStream extends BaseIOStream {
  /** The socket, owned by the stream (closed with it). */
  readonly socket: Socket;

  /**
   * @param socket a stream socket, connected or not (then call `connect`); made non-blocking.
   *   The stream owns it from now on.
   * @throws TypeError unless `socket` is an open aio Socket
   */
  constructor(socket: Socket, options?: IOStreamOptions);
  /** @internal SSLIOStream's: the transport waits for the handshake. */
  constructor(socket: Socket, options: IOStreamOptions, deferred: typeof DEFER_TRANSPORT);
  constructor(socket: Socket, options: IOStreamOptions = {}, deferred?: typeof DEFER_TRANSPORT) {
    const where = deferred === DEFER_TRANSPORT ? 'new SSLIOStream()' : 'new IOStream()';
    if (!(socket instanceof Socket))
      throw optionTypeError(where, 'socket', 'an aio Socket', socket);
    if (socket.closed) throw optionTypeError(where, 'socket', 'an open socket', socket);
    super(socket, options, where, deferred !== DEFER_TRANSPORT && isConnected(socket));
    this.socket = socket;
  }

  /**
   * Upgrades the connection to TLS (STARTTLS): this stream ends, without closing the socket, and
   * the future is a new SSLIOStream on it once the handshake is done. The stream must be idle —
   * no read waiting, nothing buffered — so do it right after the exchange that agrees to it, on
   * both sides. A client should give `serverHostname` (SNI, and the name its certificate must
   * carry). If the handshake fails, the future fails with a StreamClosedError whose `realError`
   * is the SSLError (an SSLCertVerificationError for a bad certificate). Cancelling the future
   * closes the new stream. `handshakeTimeout` (ms) bounds the handshake.
   * @throws TypeError if the stream is not idle or not connected
   */
  startTls(
    serverSide: boolean,
    sslOptions: SSLOptions = {},
    serverHostname: string | null = null,
    options: { handshakeTimeout?: number } = {},
  ): Future<SSLIOStream> {
    if (startTlsHook === null) throw new TypeError('startTls(): import @aio/tornado/iostream');
    const where = 'startTls()';
    if (typeof serverSide !== 'boolean')
      throw optionTypeError(where, 'serverSide', 'a boolean', serverSide);
    // Check the options before the stream is given up: a bad one leaves the stream as it was.
    sslOptionsToContext(sslOptions, serverSide);
    const socket = this.detachEndpoint(where) as Socket;
    return startTlsHook(socket, {
      sslOptions,
      serverSide,
      serverHostname,
      maxBufferSize: this.maxBufferSize,
      readChunkSize: this.readChunkSize,
      ...(this.maxWriteBufferSize === null ? {} : { maxWriteBufferSize: this.maxWriteBufferSize }),
      ...(options.handshakeTimeout === undefined
        ? {}
        : { handshakeTimeout: options.handshakeTimeout }),
    });
  }

  /**
   * Connects the stream's socket to `address` (a `[host, port]` — a host name is resolved off the
   * loop's thread — or a Unix path), without blocking. Reads and writes may be started meanwhile:
   * writes are sent once connected. The future is the stream; if the connection fails, the
   * stream closes and the future fails with a StreamClosedError whose `realError` says why
   * (`ConnectionRefusedError`, …).
   * @throws TypeError if the stream was made connected, or is connecting already
   * @example
   * ```ts
   * const stream = new IOStream(new Socket(AF_INET, SOCK_STREAM));
   * yield* stream.connect(['127.0.0.1', 8888]);
   * ```
   */
  connect(address: Address): Future<this> {
    return this.connectSocket(this.socket, address);
  }

  /**
   * Sets `TCP_NODELAY` (no Nagle delay for small writes). It is on from the start, as asyncio's
   * transports set it; tornado's HTTP server turns it on for its responses.
   */
  setNodelay(value: boolean): void {
    if (this.closed()) return;
    try {
      this.socket.setsockopt(IPPROTO_TCP, TCP_NODELAY, value ? 1 : 0);
    } catch (error) {
      // Not a TCP socket (a Unix one), or a connection already reset: nothing to set.
      if (!(error instanceof Error)) throw error;
    }
  }

  override get [Symbol.toStringTag](): string {
    return 'IOStream';
  }
}

/**
 * A pipe (or any stream fd that is not a socket: a FIFO, a tty) as tornado's PipeIOStream: one
 * end, read or written, as its mode allows. `Subprocess` gives its child's stdio as these.
 * @example
 * ```ts
 * const [r, w] = pipe();
 * const reader = new PipeIOStream(r);
 * new PipeIOStream(w).write('hello\n');
 * const line = yield* reader.readUntil('\n');
 * ```
 */
export class PipeIOStream extends BaseIOStream {
  /** The fd, owned by the stream (closed with it). */
  readonly fd: number;

  /**
   * @param fd an open fd, or a PipeEnd (@aio/selector); made non-blocking, and owned by the
   *   stream from now on
   */
  constructor(fd: number | PipeEnd, options: IOStreamOptions = {}) {
    const where = 'new PipeIOStream()';
    let end: PipeEnd;
    if (fd instanceof PipeEnd) end = fd;
    else if (typeof fd === 'number') end = new PipeEnd(fd);
    else throw optionTypeError(where, 'fd', 'an fd or a PipeEnd', fd);
    if (end.closed) throw optionTypeError(where, 'fd', 'an open pipe end', end);
    super(end, options, where, true);
    this.fd = end.fileno();
  }

  override get [Symbol.toStringTag](): string {
    return 'PipeIOStream';
  }
}

function partialOf(where: string, options: PartialReadOptions): boolean {
  if (typeof options !== 'object' || options === null) {
    throw optionTypeError(where, 'options', 'an object', options);
  }
  const partial = options.partial ?? false;
  if (typeof partial !== 'boolean') throw optionTypeError(where, 'partial', 'a boolean', partial);
  return partial;
}

/** A reset or broken connection: not worth a warning (tornado's `_is_connreset`). */
export function isConnReset(error: unknown): boolean {
  return (
    error instanceof ConnectionResetError ||
    error instanceof BrokenPipeError ||
    error instanceof ConnectionAbortedError
  );
}

/** True if `socket` is connected to a peer (getpeername answers). */
export function isConnected(socket: Socket): boolean {
  try {
    socket.getpeername();
    return true;
  } catch {
    return false;
  }
}

/** The bytes of a string delimiter (latin1), made once per delimiter: `'\n'`, `'\r\n\r\n'`, … */
const delimiters = new Map<string, Buffer>();
function delimiterBytes(delimiter: string): Buffer {
  let bytes = delimiters.get(delimiter);
  if (bytes === undefined) {
    bytes = Buffer.from(delimiter, 'latin1');
    if (delimiters.size < 64) delimiters.set(delimiter, bytes);
  }
  return bytes;
}
