/**
 * `StreamReader`: asyncio's buffered reader (Python 3.12 `asyncio.streams.StreamReader`). A
 * producer — a loop reader callback, a protocol — pushes bytes in with `feedData()` and ends
 * with `feedEof()` or `setException()`; a consumer task takes them out with `read()`,
 * `readline()`, `readexactly()` and `readuntil()`, or iterates the lines with `for await`.
 *
 * **The buffer** is a list of chunks (the first maybe partly read) and their total length: a
 * feed copies its chunk once (the producer may reuse its receive buffer) and appends it; a read
 * copies out only what it returns. A separator is searched chunk by chunk, with a short look
 * across each boundary, so a long line fed in small pieces is never concatenated piece by piece.
 *
 * **Waiting.** Each read returns a Future of its bytes, ready at once if the buffer can answer.
 * Otherwise the read waits in the reader's one slot (asyncio's `_waiter`; a second read that
 * must wait fails with ConcurrentReadError) and the feed that can answer it serves it: the bytes
 * leave the buffer and are handed over (a Handoff, see @aio/future's handoff.ts). Whoever waits —
 * a task however it waits, a `waitFor` or `gather` — takes them, or gives them back if its task
 * was cancelled at the moment it was woken: then they go back to the front of the buffer for the
 * next read, as asyncio's coroutine, which takes its bytes only when it resumes, leaves them.
 * Cancelling a read that waits leaves the buffer as it is.
 *
 * **Flow control** (asyncio's): once the buffer holds more than `2 × limit` bytes the transport
 * is paused; a read that brings it down to `limit` or less resumes it, and so does a read that
 * must wait for data while it is paused (else it would wait forever). A read that still waits
 * after a feed keeps the transport reading, where asyncio pauses and resumes it at once.
 */
import { inspect } from 'node:util';
import { getRunningLoop, type EventLoop } from '@aio/loop';
import { Future, InvalidStateError } from '@aio/future';
import { GIVE_BACK, Handoff, type HandoffHooks } from '@aio/future/internal';
import { formatValue } from '@aio/selector/internal';
import { Deque } from '../deque';

// ─── Errors ────────────────────────────────────────────────────────────────────────────────────

/**
 * The stream ended before a read was complete: `partial` holds the bytes read (they have left
 * the buffer), `expected` the byte count asked for (`null` when reading up to a separator).
 */
export class IncompleteReadError extends Error {
  override name = 'IncompleteReadError';
  readonly code = 'ERR_AIO_INCOMPLETE_READ';

  constructor(
    readonly partial: Buffer,
    readonly expected: number | null,
  ) {
    super(
      expected === null
        ? `expected a separator before EOF, got EOF after ${partial.length} bytes`
        : `expected ${expected} bytes before EOF, got ${partial.length}`,
    );
  }
}

/**
 * `readuntil()` did not find the separator within the reader's limit. `consumed` is how many
 * bytes it would have to take (asyncio's name): the data stays in the buffer.
 */
export class LimitOverrunError extends Error {
  override name = 'LimitOverrunError';
  readonly code = 'ERR_AIO_LIMIT_OVERRUN';

  constructor(
    message: string,
    readonly consumed: number,
  ) {
    super(message);
  }
}

/** A read had to wait for data while another read was waiting already (asyncio's RuntimeError). */
export class ConcurrentReadError extends Error {
  override name = 'ConcurrentReadError';
  readonly code = 'ERR_AIO_CONCURRENT_READ';
}

// ─── Public types ──────────────────────────────────────────────────────────────────────────────

/** What the reader asks of its producer for flow control (asyncio's `ReadTransport`, in part). */
export interface ReadTransport {
  /** Stop feeding: the buffer holds more than `2 × limit` bytes. */
  pauseReading(): void;
  /** Feed again: the buffer is down to `limit`, or a read waits for data. */
  resumeReading(): void;
}

/** Options of `new StreamReader()`. */
export interface StreamReaderOptions {
  /**
   * How far `readline()` and `readuntil()` look for a separator, and the flow-control mark
   * (paused above twice this). Default 64 KiB.
   */
  limit?: number;
  /** The loop of the read futures. Default: the running loop, per read. */
  loop?: EventLoop;
}

const DEFAULT_LIMIT = 64 * 1024;

/** What a read wants: `read(0)`, `read(n)`, `read()`, `readexactly(n)`, `readuntil()`, `readline()`. */
type ReadKind = 0 | 1 | 2 | 3 | 4 | 5;
const NOTHING = 0;
const UP_TO = 1;
const TO_EOF = 2;
const EXACTLY = 3;
const UNTIL = 4;
const LINE = 5;
/** A PendingRead's `#walk`: no `yield*` walks it; one does; it has yielded the read. */
const NOT_WALKED = 0;
const WALKED = 1;
const YIELDED = 2;
const METHODS = ['read', 'read', 'read', 'readexactly', 'readuntil', 'readline'] as const;

/** How a PendingRead reaches its reader's private parts (set in StreamReader's static block). */
let readerInternals: {
  leave(read: PendingRead): void;
  unread(read: PendingRead, data: Buffer): void;
};

/**
 * What a served read's bytes do if its consumer gives them back: return to the front of its
 * reader's buffer. One object for every read of every reader (an idle connection holds none).
 */
const READ_HOOKS: HandoffHooks<Buffer, PendingRead> = {
  givenBack: (data, read) => readerInternals.unread(read, data),
};

// ─── StreamReader ──────────────────────────────────────────────────────────────────────────────

/**
 * A byte stream buffered between a producer and one consumer at a time: asyncio's
 * `StreamReader`. Every read returns a Future of a Buffer, to `yield*` in a generator task or
 * `await` in an async function.
 * @example
 * ```ts
 * const reader = new StreamReader();
 * loop.addReader(sock, () => {
 *   const n = sock.tryRecvInto(scratch);
 *   if (n > 0) reader.feedData(scratch.subarray(0, n));
 *   else if (n === 0) { loop.removeReader(sock); reader.feedEof(); }
 * });
 * // in a generator task:
 * const header = yield* reader.readuntil('\r\n\r\n');
 * const body = yield* reader.readexactly(contentLength);
 * // in an async function:
 * for await (const line of reader) console.log(line.toString());
 * ```
 */
export class StreamReader implements AsyncIterable<Buffer> {
  readonly #limit: number;
  readonly #loop: EventLoop | null;
  // The buffer: #chunks in order, #size bytes in all; no chunk is empty. An empty deque keeps
  // no array: an idle connection holds none.
  readonly #chunks = new Deque<Buffer>();
  #size = 0;
  #eof = false;
  #exception: unknown = null;
  #transport: ReadTransport | null = null;
  #paused = false;
  /** The read waiting for data (asyncio's `_waiter`); a woken `yield*` read has left it. */
  #pending: PendingRead | null = null;
  /** Where the last separator search that found nothing got to. */
  #searched = 0;

  /** @throws RangeError unless `limit` is a positive whole number */
  constructor(options: StreamReaderOptions = {}) {
    const { limit = DEFAULT_LIMIT, loop } = options;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit <= 0) {
      throw new RangeError(
        `StreamReader expected limit to be a whole number > 0, got ${formatValue(limit)}`,
      );
    }
    this.#limit = limit;
    this.#loop = loop ?? null;
  }

  /** The separator search limit and flow-control mark, in bytes. */
  get limit(): number {
    return this.#limit;
  }

  /** The error set by `setException()`, or null. */
  exception(): unknown {
    return this.#exception;
  }

  /**
   * Fails the waiting read, and every read from now on, with `error` (buffered data is not
   * read any more).
   */
  setException(error: unknown): void {
    if (error === undefined || error === null)
      throw new TypeError(`setException() expected an error, got ${String(error)}`);
    this.#exception = error;
    this.#serve();
  }

  /**
   * Gives the reader the transport to pause and resume.
   * @throws InvalidStateError if it has one already
   */
  setTransport(transport: ReadTransport): void {
    if (
      typeof (transport as Partial<ReadTransport> | null)?.pauseReading !== 'function' ||
      typeof (transport as Partial<ReadTransport>).resumeReading !== 'function'
    ) {
      throw new TypeError(
        `setTransport() expected an object with pauseReading() and resumeReading(), got ${formatValue(transport)}`,
      );
    }
    if (this.#transport !== null)
      throw new InvalidStateError('setTransport() on a StreamReader that has a transport already');
    this.#transport = transport;
  }

  /**
   * Appends `chunk` (copied: the caller may reuse it) and serves the waiting read.
   * @throws InvalidStateError after `feedEof()`
   */
  feedData(chunk: Uint8Array): void {
    if (this.#eof) throw new InvalidStateError('feedData() after feedEof()');
    if (!(chunk instanceof Uint8Array))
      throw new TypeError(`feedData() expected a Uint8Array or Buffer, got ${formatValue(chunk)}`);
    if (chunk.byteLength === 0) return;
    this.#chunks.push(Buffer.from(chunk));
    this.#size += chunk.byteLength;
    this.#serve();
    this.#maybePauseTransport();
  }

  /** asyncio's flow control in feed_data: pause above `2 × limit`, unless a read still waits. */
  #maybePauseTransport(): void {
    if (
      this.#transport !== null &&
      !this.#paused &&
      this.#pending === null &&
      this.#size > 2 * this.#limit
    ) {
      this.#paused = true;
      this.#transport.pauseReading();
    }
  }

  /** Marks the end of the stream: reads take what is left, then get empty buffers. */
  feedEof(): void {
    this.#eof = true;
    this.#serve();
  }

  /** True once `feedEof()` was called and the buffer is empty. */
  atEof(): boolean {
    return this.#eof && this.#size === 0;
  }

  /**
   * Reads up to `n` bytes: what is buffered (at most `n`), waiting only if nothing is. With
   * `n < 0` (the default), reads until EOF. An empty Buffer means EOF (or `n` was 0).
   * @example
   * ```ts
   * const chunk = yield* reader.read(4096);
   * const all = await reader.read();
   * ```
   */
  read(n = -1): Future<Buffer> {
    checkInteger(n, 'read', 'n');
    if (n === 0) return this.#start(NOTHING, 0, null);
    return n < 0 ? this.#start(TO_EOF, 0, null) : this.#start(UP_TO, n, null);
  }

  /**
   * Reads exactly `n` bytes. Fails with IncompleteReadError, holding what was left, if the
   * stream ends first.
   * @throws RangeError if `n` is negative
   */
  readexactly(n: number): Future<Buffer> {
    checkInteger(n, 'readexactly', 'n');
    if (n < 0) throw new RangeError(`readexactly() expected n >= 0, got ${n}`);
    return this.#start(EXACTLY, n, null);
  }

  /**
   * Reads up to and including `separator` (a string is UTF-8). Fails with
   * IncompleteReadError holding the rest at EOF (the buffer is emptied), and with
   * LimitOverrunError if the separator is not within the first `limit` bytes (the data stays).
   * @throws RangeError if the separator is empty
   */
  readuntil(separator: Uint8Array | string = '\n'): Future<Buffer> {
    return this.#start(UNTIL, 0, toSeparator(separator));
  }

  /**
   * Reads a line, `\n` included; at EOF the last bytes without one, then empty Buffers. A line
   * longer than `limit` is dropped (with the data buffered after it if its end has not arrived
   * yet) and the read fails with LimitOverrunError.
   */
  readline(): Future<Buffer> {
    return this.#start(LINE, 0, NEWLINE);
  }

  /** `for await (const line of reader)`: the lines, as `readline()` gives them, until EOF. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer, undefined> {
    const iterator: AsyncIterableIterator<Buffer, undefined> = {
      next: async () => {
        const line = await this.readline();
        return line.length === 0 ? { done: true, value: undefined } : { done: false, value: line };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  // ─── Reads ─────────────────────────────────────────────────────────────────────────────────

  /** Starts a read: done at once if the buffer can answer, else waiting in the slot. */
  #start(kind: ReadKind, n: number, separator: Buffer | null): Future<Buffer> {
    const loop = this.#loop ?? getRunningLoop(`StreamReader.${METHODS[kind]}()`);
    let data: Buffer | null;
    try {
      data = this.#attempt(kind, n, separator, 0);
      if (data === null) {
        const read = new PendingRead(loop, this, kind, n, separator);
        read.offset = this.#searched;
        this.#wait(read);
        return read;
      }
    } catch (error) {
      const failed = new Future<Buffer>(loop);
      failed.setException(error);
      return failed;
    }
    const done = new Future<Buffer>(loop);
    done.setResult(data);
    return done;
  }

  /** asyncio's `_wait_for_data`: takes the slot, and lets a paused transport feed again. */
  #wait(read: PendingRead): void {
    if (this.#pending !== null) {
      throw new ConcurrentReadError(
        `${read.method}() called while ${this.#pending.method}() is already waiting for data on ${this.toString()}`,
      );
    }
    // In the slot first: a transport may feed as soon as it is resumed.
    this.#pending = read;
    if (this.#paused) {
      this.#paused = false;
      this.#transport!.resumeReading();
    }
  }

  #leave(read: PendingRead): void {
    if (this.#pending === read) this.#pending = null;
  }

  /**
   * Something changed (data, EOF, an error): the waiting read is retried, and served if it can
   * be: its bytes are handed over (see the module comment).
   */
  #serve(): void {
    const read = this.#pending;
    if (read === null) return;
    let data: Buffer | null;
    try {
      data = this.#attemptRead(read);
    } catch (error) {
      this.#pending = null;
      read.fail(error);
      return;
    }
    if (data === null) return;
    this.#pending = null;
    read.handOver(data, READ_HOOKS);
  }

  /**
   * Bytes a read was handed and its consumer gave back: they go back to the front of the buffer,
   * before anything fed since, and a read waiting now is served from them.
   */
  #unread(data: Buffer): void {
    if (data.length === 0) return;
    this.#chunks.unshift(data);
    this.#size += data.length;
    this.#searched = 0;
    this.#serve();
    this.#maybePauseTransport();
  }

  /** One more attempt at a waiting read, keeping its separator search offset. */
  #attemptRead(read: PendingRead): Buffer | null {
    const data = this.#attempt(read.kind, read.n, read.separator, read.offset);
    if (data === null) read.offset = this.#searched;
    return data;
  }

  /**
   * One attempt at a read: its bytes, or null to wait for more data (then `#searched` says how
   * far a separator search got); throws to fail the read.
   */
  #attempt(kind: ReadKind, n: number, separator: Buffer | null, offset: number): Buffer | null {
    this.#raiseException();
    switch (kind) {
      case UP_TO:
        if (this.#size === 0 && !this.#eof) return null;
        return this.#takeAndResume(Math.min(n, this.#size));
      case TO_EOF:
        return this.#eof ? this.#takeAndResume(this.#size) : null;
      case EXACTLY:
        if (this.#size >= n) return this.#takeAndResume(n);
        if (this.#eof) throw new IncompleteReadError(this.#take(this.#size), n);
        return null;
      case UNTIL:
        return this.#until(separator!, offset);
      case LINE:
        try {
          return this.#until(NEWLINE, offset);
        } catch (error) {
          if (error instanceof IncompleteReadError) return error.partial;
          if (error instanceof LimitOverrunError) {
            if (this.#matchesAt(error.consumed, NEWLINE)) this.#take(error.consumed + 1);
            else this.#take(this.#size);
            this.#maybeResumeTransport();
          }
          throw error;
        }
      default:
        return Buffer.alloc(0); // NOTHING: read(0)
    }
  }

  /**
   * `readuntil(separator)`, asyncio's rules: search from `offset`, where the last attempt
   * stopped; not found within `limit`, or found beyond it, is a LimitOverrunError (the data
   * stays); EOF first is an IncompleteReadError with everything left.
   */
  #until(separator: Buffer, offset: number): Buffer | null {
    const seplen = separator.length;
    if (this.#size - offset >= seplen) {
      const at = this.#indexOf(separator, offset);
      if (at >= 0) {
        if (at > this.#limit) {
          throw new LimitOverrunError(
            `readuntil() expected the separator within ${this.#limit} bytes (the limit), found it after ${at}`,
            at,
          );
        }
        return this.#takeAndResume(at + seplen);
      }
      offset = this.#size + 1 - seplen;
      if (offset > this.#limit) {
        throw new LimitOverrunError(
          `readuntil() expected the separator within ${this.#limit} bytes (the limit), got ${offset} bytes without it`,
          offset,
        );
      }
    }
    if (this.#eof) throw new IncompleteReadError(this.#take(this.#size), null);
    this.#searched = offset;
    return null;
  }

  static {
    readerInternals = {
      leave: (read) => read.reader.#leave(read),
      unread: (read, data) => read.reader.#unread(data),
    };
  }

  #raiseException(): void {
    if (this.#exception !== null) throw this.#exception as Error; // as the producer set it
  }

  /** asyncio's `_maybe_resume_transport`. */
  #maybeResumeTransport(): void {
    if (this.#paused && this.#size <= this.#limit) {
      this.#paused = false;
      this.#transport!.resumeReading();
    }
  }

  #takeAndResume(n: number): Buffer {
    const data = this.#take(n);
    this.#maybeResumeTransport();
    return data;
  }

  // ─── The buffer ────────────────────────────────────────────────────────────────────────────

  /** Removes the first `n` bytes (n ≤ size) and returns them in a Buffer of their own. */
  #take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const chunks = this.#chunks;
    const first = chunks.peek()!;
    // A whole chunk is handed over as it is: it is the reader's own copy (feedData copies), so
    // nothing else refers to it. Its memory is its own or a slice of Node's 8 KiB buffer pool;
    // only a small rest of a large copy, which it would keep alive, is copied out below.
    const memory = first.buffer.byteLength;
    if (n === first.length && (memory <= Buffer.poolSize || 2 * n >= memory)) {
      chunks.shift();
      this.#size -= n;
      return first;
    }
    const out = Buffer.allocUnsafe(n);
    for (let filled = 0; filled < n;) {
      const chunk = chunks.peek()!;
      const count = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, count);
      if (count === chunk.length) chunks.shift();
      else chunks.replaceFirst(chunk.subarray(count));
      filled += count;
    }
    this.#size -= n;
    return out;
  }

  /** Where `separator` first starts at or after byte `from`, or -1. */
  #indexOf(separator: Buffer, from: number): number {
    const chunks = this.#chunks;
    let base = 0; // where chunk i starts in the buffer
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks.at(i)!;
      if (base + chunk.length > from) {
        const start = Math.max(0, from - base);
        const at = chunk.indexOf(separator, start);
        if (at >= 0) return base + at;
        // Only a match running into the next chunks can start in the last seplen-1 bytes; any
        // match wholly inside this chunk would have started before them.
        for (let p = Math.max(start, chunk.length - separator.length + 1); p < chunk.length; p++)
          if (this.#matchesFrom(i, p, separator)) return base + p;
      }
      base += chunk.length;
    }
    return -1;
  }

  /** True if `separator` is at byte `offset` of the buffer. */
  #matchesAt(offset: number, separator: Buffer): boolean {
    const chunks = this.#chunks;
    for (let i = 0; i < chunks.length; i++) {
      const length = chunks.at(i)!.length;
      if (offset < length) return this.#matchesFrom(i, offset, separator);
      offset -= length;
    }
    return false;
  }

  /** True if `separator` is at `position` of chunk `index`, maybe running into later chunks. */
  #matchesFrom(index: number, position: number, separator: Buffer): boolean {
    const chunks = this.#chunks;
    let chunk = chunks.at(index)!;
    for (let k = 0; k < separator.length; k++, position++) {
      if (position === chunk.length) {
        if (++index === chunks.length) return false;
        chunk = chunks.at(index)!;
        position = 0;
      }
      if (chunk[position] !== separator[k]) return false;
    }
    return true;
  }

  // ─── Printing ──────────────────────────────────────────────────────────────────────────────

  /** `<StreamReader 12 bytes eof limit=1024 waiter=readline() exception=Error("x") transport paused>` */
  toString(): string {
    const parts: string[] = ['StreamReader'];
    if (this.#size > 0) parts.push(`${this.#size} bytes`);
    if (this.#eof) parts.push('eof');
    if (this.#limit !== DEFAULT_LIMIT) parts.push(`limit=${this.#limit}`);
    if (this.#pending !== null) parts.push(`waiter=${this.#pending.method}()`);
    if (this.#exception !== null) {
      const error = this.#exception;
      parts.push(
        `exception=${error instanceof Error ? `${error.name}(${JSON.stringify(error.message)})` : formatValue(error)}`,
      );
    }
    if (this.#transport !== null) parts.push('transport');
    if (this.#paused) parts.push('paused');
    return `<${parts.join(' ')}>`;
  }

  get [Symbol.toStringTag](): string {
    return 'StreamReader';
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

// ─── Internals ─────────────────────────────────────────────────────────────────────────────────

/**
 * A read waiting for data, as `read()` & co. hand it out. The reader serves it when it can,
 * handing its bytes over (see the module comment); cancelling it gives up its slot.
 */
class PendingRead extends Handoff<Buffer> implements Iterator<Future<Buffer>, Buffer, unknown> {
  /** readuntil()/readline(): no separator starts before this byte. */
  offset = 0;
  /** Whether a `yield*` walks it (NOT_WALKED, WALKED, YIELDED): see `[Symbol.iterator]`. */
  #walk = NOT_WALKED;

  constructor(
    loop: EventLoop,
    readonly reader: StreamReader,
    readonly kind: ReadKind,
    readonly n: number,
    readonly separator: Buffer | null,
  ) {
    super(loop);
  }

  get method(): string {
    return METHODS[this.kind];
  }

  /** Cancelling a waiting read gives up its slot; the buffer is left as it is. */
  override cancel(message?: string): boolean {
    if (!super.cancel(message)) return false;
    readerInternals.leave(this);
    return true;
  }

  override setResult(): never {
    throw new InvalidStateError(
      'a waiting read is settled by its StreamReader, not by setResult()',
    );
  }

  override setException(): never {
    throw new InvalidStateError(
      'a waiting read is settled by its StreamReader, not by setException()',
    );
  }

  /**
   * The first `yield*` of a read walks the read itself, as Handoff's iterator would (it yields
   * the read and returns its result; closed while it waits, it gives up the read): an idle
   * connection's waiting read is one object, not two. Another `yield*` gets an iterator of its own.
   */
  override [Symbol.iterator](): Iterator<Future<Buffer>, Buffer, unknown> {
    if (this.#walk !== NOT_WALKED) return super[Symbol.iterator]();
    this.#walk = WALKED;
    return this;
  }

  next(): IteratorResult<Future<Buffer>, Buffer> {
    if (!this.done()) {
      if (this.#walk === YIELDED)
        throw new InvalidStateError(`yield* of ${this.toString()} resumed before it was done`);
      this.#walk = YIELDED;
      return { done: false, value: this };
    }
    return { done: true, value: this.result() };
  }

  /** An error thrown in at the `yield` (the read's exception, a cancellation) goes on up. */
  throw(error: unknown): never {
    throw error;
  }

  /** The coroutine was closed while it waited: the read is given up, or its bytes given back. */
  return(value?: Buffer): IteratorResult<Future<Buffer>, Buffer> {
    if (!this.cancel()) this[GIVE_BACK]();
    return { done: true, value: value as Buffer };
  }

  /** @internal Fails the read (the stream ended short, or the reader has an error). */
  fail(error: unknown): void {
    super.setException(error);
  }

  protected override describe(): string[] {
    const parts = super.describe();
    parts.splice(1, 0, `read=${this.method}()`);
    return parts;
  }
}

const NEWLINE = Buffer.from('\n');

function toSeparator(separator: Uint8Array | string): Buffer {
  let bytes: Buffer;
  if (typeof separator === 'string') bytes = Buffer.from(separator, 'utf8');
  else if (separator instanceof Uint8Array) bytes = Buffer.from(separator);
  else
    throw new TypeError(
      `readuntil() expected a separator string or Uint8Array, got ${formatValue(separator)}`,
    );
  if (bytes.length === 0)
    throw new RangeError('readuntil() expected a separator of 1 byte or more, got an empty one');
  return bytes;
}

function checkInteger(n: unknown, method: string, name: string): void {
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw new TypeError(`${method}() expected ${name} to be a whole number, got ${formatValue(n)}`);
}
