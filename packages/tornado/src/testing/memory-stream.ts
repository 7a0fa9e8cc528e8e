/**
 * Two connected in-memory streams: what `inject()` runs HTTP over instead of a socket.
 *
 * `HTTP1Connection` (the server's, and the client's) is written against `BaseIOStream`, and
 * uses only a small part of it: `ioloop`, the four reads (`readUntilRegex`, `readUntil`,
 * `readBytes`, `readUntilClose`), `write`, `close`, `closed`, `setCloseCallback` and `error`
 * (and `socket` only after checking `instanceof IOStream`, which a MemoryStream is not). A
 * MemoryStream is that part, with BaseIOStream's semantics (iostream/stream.ts):
 *
 * - one read at a time; a read the buffer can answer is done when it is made, otherwise it waits
 *   for the peer's next write; `maxBytes` passed without a match is an unsatisfiable read, which
 *   closes the stream;
 * - a write goes straight into the peer's buffer; its future is done at once (there is no
 *   kernel buffer to fill, so no flow control);
 * - `close()` is the peer's EOF, and EOF closes the stream (tornado has no half-close); a read
 *   the buffer can still answer is answered, `readUntilClose` gets the buffer, and a read after
 *   the close that the buffer cannot answer throws StreamClosedError; the close callback runs on
 *   the loop.
 *
 * So the HTTP on top is the real one, byte for byte, with no fd and no syscall under it.
 */
import { inspect } from 'node:util';
import { Future } from '@aio/future';
import { resolvedVoid } from '@aio/future/internal';
import { IOLoop } from '../ioloop';
import type { BaseIOStream } from '../iostream';
import { StreamClosedError, UnsatisfiableReadError } from '../iostream/errors';
import { ReadBuffer } from '../iostream/read-buffer';

type Read =
  | { kind: 'bytes'; future: Future<Buffer>; size: number; partial: boolean }
  | { kind: 'until'; future: Future<Buffer>; delimiter: Buffer; maxBytes: number | null }
  | { kind: 'regex'; future: Future<Buffer>; regex: RegExp; maxBytes: number | null }
  | { kind: 'close'; future: Future<Buffer> };

export class MemoryStream {
  readonly ioloop = IOLoop.current();
  /** What closed the stream, when something did (an unsatisfiable read). */
  error: unknown = null;
  #peer: MemoryStream | null = null;
  readonly #buffer = new ReadBuffer();
  #read: Read | null = null;
  #closed = false;
  #closeCallback: (() => unknown) | null = null;
  readonly #name: string;

  private constructor(name: string) {
    this.#name = name;
  }

  /** Two streams, each one's writes the other's reads: `[client, server]`. */
  static pair(): [MemoryStream, MemoryStream] {
    const client = new MemoryStream('client');
    const server = new MemoryStream('server');
    client.#peer = server;
    server.#peer = client;
    return [client, server];
  }

  /**
   * This stream where HTTP1Connection asks for an IOStream: it uses only what a MemoryStream
   * has (see the module comment).
   */
  asIOStream(): BaseIOStream {
    return this as unknown as BaseIOStream;
  }

  // ─── Reading ───────────────────────────────────────────────────────────────────────────────

  readBytes(size: number, options: { partial?: boolean } = {}): Future<Buffer> {
    return this.#start({ kind: 'bytes', future: this.#future(), size, partial: !!options.partial });
  }

  readUntil(delimiter: string | Uint8Array, maxBytes?: number): Future<Buffer> {
    const bytes = typeof delimiter === 'string' ? Buffer.from(delimiter, 'latin1') : delimiter;
    return this.#start({
      kind: 'until',
      future: this.#future(),
      delimiter: Buffer.from(bytes),
      maxBytes: maxBytes ?? null,
    });
  }

  readUntilRegex(regex: RegExp, maxBytes?: number): Future<Buffer> {
    const plain = new RegExp(regex.source, regex.flags.replace(/[gy]/g, ''));
    return this.#start({
      kind: 'regex',
      future: this.#future(),
      regex: plain,
      maxBytes: maxBytes ?? null,
    });
  }

  readUntilClose(): Future<Buffer> {
    return this.#start({ kind: 'close', future: this.#future() });
  }

  #future(): Future<Buffer> {
    return new Future<Buffer>(this.ioloop.asyncioLoop);
  }

  #start(read: Read): Future<Buffer> {
    if (this.#read !== null) throw new TypeError(`${String(this)}: a read is waiting already`);
    this.#read = read;
    let end: number | null;
    try {
      end = this.#find(read);
    } catch (error) {
      this.close(error); // unsatisfiable: fails the read, with the cause
      return read.future;
    }
    if (end !== null) {
      this.#finish(read, end);
    } else if (this.#closed) {
      this.#read = null;
      if (read.kind !== 'close') throw new StreamClosedError(this.error);
      this.#finish(read, this.#buffer.size);
    }
    return read.future;
  }

  /** Where the buffer answers `read` (the bytes it takes), or null. */
  #find(read: Read): number | null {
    const size = this.#buffer.size;
    switch (read.kind) {
      case 'bytes':
        return size >= read.size || (read.partial && size > 0) ? Math.min(read.size, size) : null;
      case 'until': {
        const at = this.#buffer.indexOf(read.delimiter, 0);
        return checked(read.maxBytes, at === -1 ? null : at + read.delimiter.length, size);
      }
      case 'regex': {
        const match = size === 0 ? null : read.regex.exec(this.#buffer.latin1(size));
        return checked(read.maxBytes, match === null ? null : match.index + match[0].length, size);
      }
      case 'close':
        return null; // only the close answers it
    }
  }

  #finish(read: Read, end: number): void {
    if (this.#read === read) this.#read = null;
    read.future.setResult(this.#buffer.take(end));
  }

  // ─── Writing and closing ───────────────────────────────────────────────────────────────────

  /** Hands `data` to the peer. @throws StreamClosedError if the stream is closed */
  write(data: Uint8Array | string): Future<void> {
    if (this.#closed) throw new StreamClosedError(this.error);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const peer = this.#peer;
    if (peer !== null) peer.#feed(bytes);
    return resolvedVoid(this.ioloop.asyncioLoop);
  }

  #feed(bytes: Uint8Array): void {
    if (this.#closed || bytes.byteLength === 0) return;
    this.#buffer.append(bytes);
    const read = this.#read;
    if (read === null) return;
    let end: number | null;
    try {
      end = this.#find(read);
    } catch (error) {
      this.close(error);
      return;
    }
    if (end !== null) this.#finish(read, end);
  }

  setCloseCallback(callback: (() => unknown) | null): void {
    this.#closeCallback = callback;
    if (callback !== null && this.#closed) this.#signalClosed();
  }

  /** Closes this end; the peer sees EOF, and closes too. */
  close(error?: unknown): void {
    if (!this.#closed) {
      if (error !== undefined && error !== null) this.error = error;
      const read = this.#read;
      if (read !== null) {
        let end: number | null = null;
        try {
          end = read.kind === 'close' ? this.#buffer.size : this.#find(read);
        } catch {
          // unsatisfiable: it fails below
        }
        if (end !== null) this.#finish(read, end);
      }
      this.#closed = true;
      this.#peer?.close();
    }
    this.#signalClosed();
  }

  #signalClosed(): void {
    const read = this.#read;
    this.#read = null;
    if (read !== null && !read.future.done()) {
      read.future.setException(new StreamClosedError(this.error));
      read.future.exception(); // as BaseIOStream's: a read nobody waits for fails quietly
    }
    const callback = this.#closeCallback;
    this.#closeCallback = null;
    if (callback !== null) this.ioloop.addCallback(callback);
  }

  closed(): boolean {
    return this.#closed;
  }

  toString(): string {
    const state = this.#closed ? 'closed' : `open buffered=${String(this.#buffer.size)}`;
    return `<MemoryStream ${this.#name} ${state}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** `end` if within `maxBytes`; null if not found (and the buffer still within it). */
function checked(maxBytes: number | null, end: number | null, size: number): number | null {
  if (maxBytes !== null && (end ?? size) > maxBytes) {
    throw new UnsatisfiableReadError(`not found within ${String(maxBytes)} bytes`);
  }
  return end;
}
