/**
 * tornado's `WebSocketProtocol13` (tornado/websocket.py): RFC 6455 on a detached IOStream, for
 * either side. The handler (server) or the client connection is its delegate: it hears messages,
 * pings, pongs and the end; the protocol reads and writes frames, answers pings, runs the
 * closing handshake and the keep-alive pings.
 *
 * ```
 * open ──(peer's close frame)──→ close echoed, stream closed ──→ ended (onWsConnectionClose)
 *   │                                                               ↑
 *   ├──(close() by us)──→ close sent ──(peer's close)──→ stream closed
 *   │                         └──(5 s, no answer: tornado's close timeout)──→ aborted
 *   ├──(protocol error)──→ close 1002/1007/1009 sent, stream closed ──→ ended
 *   └──(stream lost)──→ ended
 * ```
 * `closeReceived` and `closeSent` are tornado's `client_terminated` and `server_terminated`,
 * named for what they say on either side. The delegate hears the end exactly once.
 *
 * **Reading.** Frames are parsed from what one read of the stream brings (a partial
 * `readBytes`, everything buffered up to the stream's chunk size), not from a read per header
 * field: one future per socket read rather than four per frame. Payloads are unmasked in place
 * (the bytes read are the protocol's own). A frame cut by the end of a read keeps its start
 * until the next read; a frame larger than a read (64 KiB) gets a buffer of its size, which the
 * stream fills with `readInto`. While the delegate's `onMessage` (or `open`, before the first
 * read) has not finished, nothing more is parsed: messages are delivered one at a time, in order.
 *
 * **Writing.** A frame goes out in one write: header and payload built in one buffer shared by
 * every connection (the stream sends it or copies what the kernel does not take before `write`
 * returns, as HTTP1Connection's writes), or for a large unmasked payload the header and the
 * payload as two writes, without a copy.
 */
import { isUtf8 } from 'node:buffer';
import { inspect } from 'node:util';
import type { TimerHandle } from '@aio/loop';
import { Future } from '@aio/future';
import type { BaseIOStream } from '../iostream';
import { StreamClosedError } from '../iostream/errors';
import { awaitableOf } from '../web/handler';
import { WebSocketClosedError } from './errors';
import {
  CORRUPT,
  TOO_LARGE,
  type CompressionOptions,
  type DeflateParams,
  type PerMessageCompressor,
  type PerMessageDecompressor,
  createCompressors,
} from './deflate';
import {
  FIN,
  MASK_BIT,
  MAX_CONTROL_PAYLOAD,
  MAX_HEADER,
  OPCODE_MASK,
  OP_BINARY,
  OP_CLOSE,
  OP_CONTINUATION,
  OP_PING,
  OP_PONG,
  OP_TEXT,
  RSV1,
  RSV_MASK,
  headerLength,
  isValidCloseCode,
  maskKeys,
  nextMaskKey,
  writeHeader,
} from './frame';
import { applyMask } from './mask';
import { Utf8Validator } from './utf8';

/** What the protocol tells its owner (tornado's `_WebSocketDelegate`). */
export interface WebSocketDelegate {
  onMessage(message: string | Buffer): unknown;
  onPing(data: Buffer): unknown;
  onPong(data: Buffer): unknown;
  /** The connection ended (once), with the peer's close code and reason if it sent them. */
  onWsConnectionClose(closeCode: number | null, closeReason: string | null): void;
  logException(error: unknown): void;
}

/** tornado's `_WebSocketParams`; times in seconds, as tornado's settings. */
export interface WebSocketParams {
  readonly pingInterval: number | null;
  readonly pingTimeout: number | null;
  readonly maxMessageSize: number;
  readonly compressionOptions: CompressionOptions | null;
}

/** tornado's default `websocket_max_message_size`: 10 MiB. */
export const DEFAULT_MAX_MESSAGE_SIZE = 10 * 1024 * 1024;
/** How long a close we sent waits for the peer's before the connection is dropped (tornado: 5 s). */
export const CLOSE_TIMEOUT_MS = 5000;
/** A frame at most this long is gathered across reads; a longer one gets a buffer of its own. */
const GATHER_MAX = 64 * 1024;
/** Frames up to this size are built in the shared buffer; larger ones in one of their own. */
const SHARED_WRITE_MAX = 64 * 1024;
/** What `#frame` returns when the connection is ending: stop reading. */
const STOP: unique symbol = Symbol('stop');
const EMPTY = Buffer.alloc(0);

let sharedWrite: Buffer | null = null;

/**
 * RFC 6455 on a stream, for a `WebSocketHandler` (server) or a `WebSocketClientConnection`
 * (client): their `wsConnection` and `protocol`. Made by them, not by hand; its public fields
 * say how the connection stands (`closeCode`, `selectedSubprotocol`, the byte counters).
 */
export class WebSocketProtocol {
  readonly handler: WebSocketDelegate;
  readonly maskOutgoing: boolean;
  readonly params: WebSocketParams;
  stream: BaseIOStream | null = null;
  /** The peer's close frame came (tornado's `client_terminated` on a server). */
  closeReceived = false;
  /** We sent a close frame (tornado's `server_terminated` on a server). */
  closeSent = false;
  closeCode: number | null = null;
  closeReason: string | null = null;
  selectedSubprotocol: string | null = null;
  /** Bytes of the messages received and sent, before compression (text as UTF-8); for tests. */
  messageBytesIn = 0;
  messageBytesOut = 0;
  /** Bytes read and written on the wire: frames, compressed, with their headers; for tests. */
  wireBytesIn = 0;
  wireBytesOut = 0;

  #compressor: PerMessageCompressor | null = null;
  #decompressor: PerMessageDecompressor | null = null;

  // Reading: the bytes of the last read not parsed yet, and the frame filled by readInto.
  #chunk: Buffer | null = null;
  #pos = 0;
  #bigFirst = 0;
  #bigPayload: Buffer | null = null;
  #bigKey: Buffer | null = null;
  #onReadCallback: ((future: Future<Buffer>) => void) | null = null;

  // The fragmented message being received.
  #fragments: Buffer[] | null = null;
  #fragmentOpcode = 0;
  #fragmentSize = 0;
  #fragmentCompressed = false;
  #utf8: Utf8Validator | null = null;

  #started = false;
  #ended = false;
  #closeTimer: TimerHandle | null = null;
  #pingTimer: TimerHandle | null = null;
  #receivedPong = false;
  #pingTime = 0;

  constructor(handler: WebSocketDelegate, maskOutgoing: boolean, params: WebSocketParams) {
    this.handler = handler;
    this.maskOutgoing = maskOutgoing;
    this.params = params;
  }

  /** @internal Compression agreed on `side` with `params` (see deflate.ts). */
  setCompression(side: 'server' | 'client', params: DeflateParams): void {
    [this.#compressor, this.#decompressor] = createCompressors(
      side,
      params,
      this.params.compressionOptions ?? {},
      this.params.maxMessageSize,
    );
  }

  /** Whether messages are compressed. */
  get compressed(): boolean {
    return this.#compressor !== null;
  }

  /**
   * @internal Takes `stream` (detached from HTTP): the stream's close ends the connection from
   * now on.
   */
  attach(stream: BaseIOStream): void {
    this.stream = stream;
    stream.setCloseCallback(() => this.#lost());
  }

  /** @internal Starts reading frames (after `open`). */
  startReading(): void {
    if (this.#started) return;
    this.#started = true;
    this.#readMore();
  }

  // ─── Writing ───────────────────────────────────────────────────────────────────────────────

  /**
   * Sends a text (a string) or binary message; the future is done once its bytes have gone to
   * the kernel, and fails with WebSocketClosedError if the connection closes first.
   * @throws WebSocketClosedError if the stream is closed
   */
  writeMessage(message: string | Uint8Array, binary: boolean): Future<void> {
    let first = FIN | (binary ? OP_BINARY : OP_TEXT);
    if (this.#compressor !== null) {
      const data = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
      this.messageBytesOut += data.length;
      first |= RSV1;
      return closedAsWebSocketError(this.#writeFrame(first, this.#compressor.compress(data)));
    }
    return closedAsWebSocketError(this.#writeFrame(first, message, true));
  }

  /** Sends a ping (at most 125 bytes of data). */
  writePing(data: Uint8Array): void {
    this.#writeFrame(FIN | OP_PING, data);
  }

  /**
   * One frame, in one write when it is small (see the module's notes).
   * @throws WebSocketClosedError if the stream is closed; RangeError for a control frame over 125 bytes
   */
  #writeFrame(first: number, data: string | Uint8Array, counted = false): Future<void> {
    const stream = this.stream;
    if (stream === null || stream.closed()) throw new WebSocketClosedError();
    const masked = this.maskOutgoing;
    const keys = masked ? maskKeys() : null;
    const keyAt = masked ? nextMaskKey() : 0;
    try {
      // A string small enough for the shared buffer even at 3 bytes a character is encoded
      // straight into it, after room for the longest header, and its header written just
      // before it: no Buffer of its own, and no pass to measure it first.
      if (typeof data === 'string' && data.length * 3 <= SHARED_WRITE_MAX - MAX_HEADER) {
        const out = (sharedWrite ??= Buffer.allocUnsafeSlow(SHARED_WRITE_MAX));
        const length = out.write(data, MAX_HEADER, 'utf8');
        const start = MAX_HEADER - headerLength(length, masked);
        writeHeader(out, first, length, keys, keyAt, start);
        if (keys !== null) applyMask(out, keys, keyAt, MAX_HEADER, MAX_HEADER + length);
        if (counted) this.messageBytesOut += length;
        this.wireBytesOut += MAX_HEADER + length - start;
        return stream.write(out.subarray(start, MAX_HEADER + length));
      }
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      const length = bytes.length;
      if (counted) this.messageBytesOut += length;
      if ((first & 0x08) !== 0 && length > MAX_CONTROL_PAYLOAD) {
        throw new RangeError(
          `control frame payloads may not exceed ${String(MAX_CONTROL_PAYLOAD)} bytes, got ${String(length)}`,
        );
      }
      const head = headerLength(length, masked);
      const total = head + length;
      this.wireBytesOut += total;
      if (total <= SHARED_WRITE_MAX) {
        const out = (sharedWrite ??= Buffer.allocUnsafeSlow(SHARED_WRITE_MAX));
        const at = writeHeader(out, first, length, keys, keyAt);
        out.set(bytes, at);
        if (keys !== null) applyMask(out, keys, keyAt, at, at + length);
        return stream.write(out.subarray(0, total));
      }
      if (keys !== null) {
        const out = Buffer.allocUnsafe(total);
        const at = writeHeader(out, first, length, keys, keyAt);
        out.set(bytes, at);
        applyMask(out, keys, keyAt, at, total);
        return stream.write(out);
      }
      const header = Buffer.allocUnsafe(head);
      writeHeader(header, first, length, null);
      const headerWritten = stream.write(header);
      // A send that fails (the peer reset the connection) closes the stream and fails its
      // future, as tornado's IOStream.write does: that future is this frame's too.
      if (stream.closed()) return headerWritten;
      return stream.write(bytes);
    } catch (error) {
      if (error instanceof StreamClosedError)
        throw new WebSocketClosedError(undefined, { cause: error });
      throw error;
    }
  }

  // ─── Closing ───────────────────────────────────────────────────────────────────────────────

  /**
   * Starts or completes the closing handshake (tornado's `close`): sends a close frame with
   * `code` and `reason` (1000 when only a reason is given), then closes the stream once the
   * peer's close has come, or after CLOSE_TIMEOUT_MS without it.
   */
  close(code: number | null = null, reason: string | null = null): void {
    const stream = this.stream;
    if (!this.closeSent) {
      if (stream !== null && !stream.closed()) {
        if (code === null && reason !== null) code = 1000;
        let payload = EMPTY;
        if (code !== null) {
          const text = reason === null ? EMPTY : Buffer.from(reason, 'utf8');
          payload = Buffer.allocUnsafe(2 + text.length);
          payload.writeUInt16BE(code, 0);
          payload.set(text, 2);
        }
        try {
          void this.#writeFrame(FIN | OP_CLOSE, payload);
        } catch (error) {
          if (!(error instanceof WebSocketClosedError)) throw error;
          this.abort();
        }
      }
      this.closeSent = true;
    }
    if (this.closeReceived) {
      this.#closeTimer?.cancel();
      this.#closeTimer = null;
      stream?.close();
    } else if (this.#closeTimer === null && stream !== null && !stream.closed()) {
      // Give the peer a few seconds to answer, then drop the connection.
      this.#closeTimer = stream.ioloop.asyncioLoop.callLater(CLOSE_TIMEOUT_MS, () => {
        this.#closeTimer = null;
        this.abort();
      });
    }
    this.#stopPinging();
  }

  /** Drops the connection at once (tornado's `_abort`). */
  abort(): void {
    this.closeReceived = true;
    this.closeSent = true;
    this.stream?.close();
    this.close();
  }

  /**
   * Fails the connection (RFC 6455 §7.1.7): a close frame with `code` (unless one was sent), then
   * the stream closed once the frame has left. Reading stops; the delegate hears the end when
   * the stream is closed.
   */
  #fail(code: number, reason: string): typeof STOP {
    const stream = this.stream;
    const alreadySent = this.closeSent;
    this.closeReceived = true;
    this.closeSent = true;
    this.#stopPinging();
    if (stream === null || stream.closed()) return STOP;
    if (alreadySent) {
      stream.close();
      return STOP;
    }
    let sent: Future<void>;
    try {
      const payload = Buffer.allocUnsafe(2 + Buffer.byteLength(reason));
      payload.writeUInt16BE(code, 0);
      payload.write(reason, 2, 'utf8');
      sent = this.#writeFrame(FIN | OP_CLOSE, payload);
    } catch {
      stream.close();
      return STOP;
    }
    if (sent.done()) {
      stream.close();
      return STOP;
    }
    // The kernel did not take it all: closed once it has, or after the close timeout.
    this.#closeTimer?.cancel();
    this.#closeTimer = stream.ioloop.asyncioLoop.callLater(CLOSE_TIMEOUT_MS, () => {
      this.#closeTimer = null;
      stream.close();
    });
    sent.addDoneCallback(() => stream.close());
    return STOP;
  }

  /** True once either side started closing, or the stream is gone (tornado's `is_closing`). */
  isClosing(): boolean {
    return this.stream === null || this.stream.closed() || this.closeReceived || this.closeSent;
  }

  /** The stream closed: the end, if the delegate has not heard of it. */
  #lost(): void {
    this.closeReceived = true;
    this.closeSent = true;
    this.close();
    this.#end();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#closeTimer?.cancel();
    this.#closeTimer = null;
    this.#stopPinging();
    this.#compressor?.close();
    this.#decompressor?.close();
    this.#chunk = null;
    this.#fragments = null;
    this.handler.onWsConnectionClose(this.closeCode, this.closeReason);
  }

  // ─── Pings ─────────────────────────────────────────────────────────────────────────────────

  /** Seconds between keep-alive pings (0: none). */
  get pingInterval(): number {
    return this.params.pingInterval ?? 0;
  }

  /** Seconds a ping waits for its pong: at most the interval (tornado 6.5), the interval by default. */
  get pingTimeout(): number {
    const timeout = this.params.pingTimeout;
    const interval = this.pingInterval;
    if (timeout === null) return interval;
    return interval > 0 && timeout > interval ? interval : timeout;
  }

  /** Starts the keep-alive pings, if `pingInterval` asks for them (tornado's `start_pinging`). */
  startPinging(): void {
    if (this.#pingTimer !== null || this.pingInterval <= 0 || this.stream === null) return;
    this.#pingTimer = this.stream.ioloop.asyncioLoop.callLater(this.pingInterval * 1000, () =>
      this.#ping(),
    );
  }

  /** tornado's `periodic_ping`: a ping, its timeout, the next one an interval after it. */
  #ping(): void {
    const stream = this.stream;
    if (stream === null || this.isClosing()) return;
    const loop = stream.ioloop.asyncioLoop;
    this.#receivedPong = false;
    this.#pingTime = loop.time();
    try {
      this.writePing(EMPTY);
    } catch {
      return;
    }
    const timeout = this.pingTimeout;
    this.#pingTimer = loop.callLater(timeout * 1000, () => {
      if (timeout > 0 && !this.#receivedPong) {
        this.#pingTimer = null;
        this.close(null, 'ping timed out');
        return;
      }
      const wait = Math.max(0, this.#pingTime + this.pingInterval * 1000 - loop.time());
      this.#pingTimer = loop.callLater(wait, () => this.#ping());
    });
  }

  #stopPinging(): void {
    this.#pingTimer?.cancel();
    this.#pingTimer = null;
  }

  // ─── Reading ───────────────────────────────────────────────────────────────────────────────

  /** Asks the stream for what it has (up to a chunk), to parse. */
  #readMore(): void {
    const stream = this.stream;
    if (stream === null || this.closeReceived || this.#ended) return;
    let read: Future<Buffer>;
    try {
      read = stream.readBytes(stream.readChunkSize, { partial: true });
    } catch (error) {
      if (error instanceof StreamClosedError) return this.#lost();
      throw error;
    }
    read.addDoneCallback((this.#onReadCallback ??= (done) => this.#onRead(done)));
  }

  #onRead(done: Future<Buffer>): void {
    if (done.cancelled()) return;
    if (done.exception() !== undefined) return this.#lost(); // the stream closed
    const data = done.result();
    this.wireBytesIn += data.length;
    const rest = this.#chunk;
    if (rest !== null && this.#pos < rest.length) {
      this.#chunk = Buffer.concat([rest.subarray(this.#pos), data]);
    } else {
      this.#chunk = data;
    }
    this.#pos = 0;
    this.#parse();
  }

  /**
   * Handles the frames in `#chunk` from `#pos`: until one is incomplete (then reads more), a
   * message's handling must be waited for (then resumes when it is done), or the connection
   * ends.
   */
  #parse(): void {
    for (;;) {
      if (this.closeReceived || this.#ended) return;
      const chunk = this.#chunk!;
      const pos = this.#pos;
      const available = chunk.length - pos;
      if (available < 2) break;
      const first = chunk[pos]!;
      const second = chunk[pos + 1]!;
      const masked = (second & MASK_BIT) !== 0;
      const len7 = second & 0x7f;
      const head = (len7 < 126 ? 2 : len7 === 126 ? 4 : 10) + (masked ? 4 : 0);
      if (available < head) break;
      let length = len7;
      if (len7 === 126) length = chunk.readUInt16BE(pos + 2);
      else if (len7 === 127) {
        const high = chunk.readUInt32BE(pos + 2);
        // Past 2^53 a length cannot even be counted: too big for any limit.
        if (high > 0x1f_ffff) return void this.#fail(1009, 'message too big');
        length = high * 0x1_0000_0000 + chunk.readUInt32BE(pos + 6);
      }
      const refused = this.#checkHeader(first, masked, length);
      if (refused !== null) return;
      const start = pos + head;
      if (available - head < length) {
        if (head + length <= GATHER_MAX) break; // the rest comes with the next read
        this.#readBig(chunk, pos, first, masked, head, length);
        return;
      }
      const payload = chunk.subarray(start, start + length);
      if (masked) applyMask(payload, chunk, start - 4);
      this.#pos = start + length;
      const wait = this.#frame(first, payload);
      if (wait === STOP) return;
      if (wait !== null) {
        wait.addDoneCallback(() => this.#resume());
        return;
      }
    }
    // What is left is the start of a frame: kept (a copy, not to hold the whole read) for the
    // next read to complete.
    const chunk = this.#chunk!;
    if (this.#pos >= chunk.length) this.#chunk = null;
    else if (this.#pos > 0) this.#chunk = Buffer.from(chunk.subarray(this.#pos));
    this.#pos = 0;
    this.#readMore();
  }

  /** After a message's handling was waited for: on with the frames already read. */
  #resume(): void {
    if (this.#chunk === null) this.#readMore();
    else this.#parse();
  }

  /**
   * A frame longer than GATHER_MAX: a buffer of its size, its start copied in, the rest read
   * into it by the stream.
   */
  #readBig(
    chunk: Buffer,
    pos: number,
    first: number,
    masked: boolean,
    head: number,
    length: number,
  ): void {
    const payload = Buffer.allocUnsafe(length);
    const start = pos + head;
    const have = chunk.length - start;
    chunk.copy(payload, 0, start);
    this.#bigFirst = first;
    this.#bigPayload = payload;
    this.#bigKey = masked ? Buffer.from(chunk.subarray(start - 4, start)) : null;
    this.#chunk = null;
    this.#pos = 0;
    let read: Future<number>;
    try {
      read = this.stream!.readInto(payload.subarray(have));
    } catch (error) {
      if (error instanceof StreamClosedError) return this.#lost();
      throw error;
    }
    read.addDoneCallback((done) => {
      if (done.cancelled()) return;
      if (done.exception() !== undefined) return this.#lost();
      const data = this.#bigPayload!;
      this.wireBytesIn += done.result();
      const key = this.#bigKey;
      this.#bigPayload = null;
      this.#bigKey = null;
      if (key !== null) applyMask(data, key);
      const wait = this.#frame(this.#bigFirst, data);
      if (wait === STOP) return;
      if (wait !== null) wait.addDoneCallback(() => this.#resume());
      else this.#readMore();
    });
  }

  // #region check-header
  /**
   * Refuses a header that breaks the protocol (RFC 6455 §5.2, §5.5, RFC 7692 §6): reserved bits
   * nobody agreed on, unknown opcodes, control frames fragmented or over 125 bytes, continuation
   * without a message or a new message inside one, a frame masked the wrong way for its side,
   * and a message past `maxMessageSize` (1009). Returns null if it is fine, else STOP (the
   * connection failed).
   */
  #checkHeader(first: number, masked: boolean, length: number): typeof STOP | null {
    const opcode = first & OPCODE_MASK;
    let rsv = first & RSV_MASK;
    if (
      (rsv & RSV1) !== 0 &&
      this.#decompressor !== null &&
      (opcode === OP_TEXT || opcode === OP_BINARY)
    ) {
      rsv &= ~RSV1; // a compressed message: its first frame says so
    }
    if (rsv !== 0) return this.#fail(1002, 'reserved bits set');
    if (masked === this.maskOutgoing) {
      return this.#fail(
        1002,
        masked ? 'masked frame from the server' : 'unmasked frame from the client',
      );
    }
    if ((opcode & 0x08) !== 0) {
      if (opcode !== OP_CLOSE && opcode !== OP_PING && opcode !== OP_PONG) {
        return this.#fail(1002, `unknown opcode ${String(opcode)}`);
      }
      if ((first & FIN) === 0) return this.#fail(1002, 'fragmented control frame');
      if (length > MAX_CONTROL_PAYLOAD) return this.#fail(1002, 'control frame too long');
      return null;
    }
    if (opcode === OP_CONTINUATION) {
      if (this.#fragments === null) return this.#fail(1002, 'continuation frame without a message');
    } else if (opcode === OP_TEXT || opcode === OP_BINARY) {
      if (this.#fragments !== null) return this.#fail(1002, 'new message inside a fragmented one');
    } else {
      return this.#fail(1002, `unknown opcode ${String(opcode)}`);
    }
    const size = opcode === OP_CONTINUATION ? this.#fragmentSize + length : length;
    if (size > this.params.maxMessageSize) return this.#fail(1009, 'message too big');
    return null;
  }
  // #endregion check-header

  /**
   * Handles a frame whose header passed `#checkHeader`: control frames at once, data frames
   * into the message they belong to, delivered when whole. Returns what to wait for before the
   * next frame, null, or STOP.
   */
  #frame(first: number, payload: Buffer): Future | null | typeof STOP {
    const opcode = first & OPCODE_MASK;
    const fin = (first & FIN) !== 0;
    if ((opcode & 0x08) !== 0) return this.#control(opcode, payload);
    if (opcode === OP_CONTINUATION) {
      this.#fragments!.push(payload);
      this.#fragmentSize += payload.length;
      if (this.#utf8 !== null && !this.#utf8.feed(payload)) {
        return this.#fail(1007, 'invalid UTF-8 in a text message');
      }
      if (!fin) return null;
      const parts = this.#fragments!;
      this.#fragments = null;
      const compressed = this.#fragmentCompressed;
      const text = this.#fragmentOpcode === OP_TEXT;
      if (this.#utf8 !== null && !this.#utf8.complete) {
        return this.#fail(1007, 'invalid UTF-8 in a text message');
      }
      const checked = this.#utf8 !== null;
      if (compressed) return this.#message(text, null, parts, true, false);
      return this.#message(text, Buffer.concat(parts, this.#fragmentSize), null, false, checked);
    }
    const compressed = (first & RSV1) !== 0;
    if (!fin) {
      // The first fragment: a copy (the read's buffer is parsed on, and reused by nothing, but
      // a small fragment should not hold a 64 KiB read alive).
      this.#fragments = [Buffer.from(payload)];
      this.#fragmentOpcode = opcode;
      this.#fragmentSize = payload.length;
      this.#fragmentCompressed = compressed;
      if (opcode === OP_TEXT && !compressed) {
        (this.#utf8 ??= new Utf8Validator()).reset();
        if (!this.#utf8.feed(payload)) return this.#fail(1007, 'invalid UTF-8 in a text message');
      } else {
        this.#utf8 = null;
      }
      return null;
    }
    if (compressed) return this.#message(opcode === OP_TEXT, null, [payload], true, false);
    return this.#message(opcode === OP_TEXT, payload, null, false, false);
  }

  /** A whole message to the delegate (tornado's `_handle_message` for data). */
  #message(
    text: boolean,
    data: Buffer | null,
    parts: Buffer[] | null,
    compressed: boolean,
    utf8Checked: boolean,
  ): Future | null | typeof STOP {
    if (this.closeReceived) return null;
    if (compressed) {
      const inflated = this.#decompressor!.decompress(parts!);
      if (inflated === TOO_LARGE) return this.#fail(1009, 'message too big after decompression');
      if (inflated === CORRUPT) return this.#fail(1007, 'invalid compressed data');
      data = inflated;
    }
    this.messageBytesIn += data!.length;
    let message: string | Buffer;
    if (text) {
      if (!utf8Checked && !isUtf8(data!))
        return this.#fail(1007, 'invalid UTF-8 in a text message');
      message = data!.toString('utf8');
    } else {
      // A binary message sliced from a read is copied: the delegate may keep it, and must not
      // keep the whole read alive (nor see it change).
      message = parts === null && !compressed ? Buffer.from(data!) : data!;
    }
    return this.#run('onMessage', message);
  }

  /** Close, ping and pong frames. */
  #control(opcode: number, payload: Buffer): Future | null | typeof STOP {
    if (opcode === OP_CLOSE) {
      this.closeReceived = true;
      if (payload.length === 1) return this.#fail(1002, 'close frame with a 1-byte payload');
      if (payload.length >= 2) {
        const code = payload.readUInt16BE(0);
        if (!isValidCloseCode(code)) return this.#fail(1002, `invalid close code ${String(code)}`);
        const reason = payload.subarray(2);
        if (!isUtf8(reason)) return this.#fail(1007, 'invalid UTF-8 in the close reason');
        this.closeCode = code;
        this.closeReason = payload.length > 2 ? reason.toString('utf8') : null;
      }
      // Echo the code received, if any (RFC 6455 §5.5.1), and close.
      this.close(this.closeCode);
      this.#end();
      return STOP;
    }
    const data = Buffer.from(payload);
    if (opcode === OP_PING) {
      try {
        this.#writeFrame(FIN | OP_PONG, data);
      } catch {
        this.abort();
        return STOP;
      }
      this.#run('onPing', data);
      return null;
    }
    this.#receivedPong = true;
    return this.#run('onPong', data);
  }

  /**
   * Runs a delegate method (tornado's `_run_callback`): what it returns is waited for. An
   * exception, thrown or in what it returned, is logged and fails the connection with 1011.
   */
  #run(
    method: 'onMessage' | 'onPing' | 'onPong',
    arg: string | Buffer,
  ): Future | null | typeof STOP {
    let waiting: Future | null;
    try {
      waiting = awaitableOf(
        (this.handler[method] as (arg: string | Buffer) => unknown)(arg),
        this.handler,
        method,
      );
    } catch (error) {
      return this.#handlerFailed(error);
    }
    if (waiting === null || waiting.done()) {
      if (waiting !== null) {
        const error = waiting.cancelled() ? null : waiting.exception();
        if (error !== undefined && error !== null) return this.#handlerFailed(error);
      }
      return null;
    }
    const done = new Future<void>(this.stream!.ioloop.asyncioLoop);
    waiting.addDoneCallback((finished) => {
      const error = finished.cancelled() ? undefined : finished.exception();
      if (error !== undefined) this.#handlerFailed(error);
      done.setResult();
    });
    return done;
  }

  /** An exception from the delegate: logged, and the connection failed with 1011. */
  #handlerFailed(error: unknown): typeof STOP {
    this.handler.logException(error);
    return this.#fail(1011, 'internal error');
  }

  /** @internal Runs `open` and starts reading when it is done; 1011 if it fails. */
  runThenRead(result: () => unknown): void {
    let waiting: Future | null;
    try {
      waiting = awaitableOf(result(), this.handler, 'open');
    } catch (error) {
      this.#handlerFailed(error);
      return;
    }
    if (waiting === null) {
      this.startReading();
      return;
    }
    waiting.addDoneCallback((done) => {
      const error = done.cancelled() ? undefined : done.exception();
      if (error !== undefined) {
        this.#handlerFailed(error);
        return;
      }
      this.startReading();
    });
  }

  toString(): string {
    const state = this.#ended
      ? 'closed'
      : this.closeSent || this.closeReceived
        ? 'closing'
        : 'open';
    const parts = [`WebSocketProtocol ${this.maskOutgoing ? 'client' : 'server'} ${state}`];
    if (this.#compressor !== null) parts.push('deflate');
    if (this.closeCode !== null) parts.push(`code=${String(this.closeCode)}`);
    parts.push(String(this.stream));
    return `<${parts.join(' ')}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** A write's future, failing with WebSocketClosedError rather than StreamClosedError. */
function closedAsWebSocketError(write: Future<void>): Future<void> {
  if (write.done() && !write.cancelled() && write.exception() === undefined) return write;
  const result = new Future<void>(write.getLoop());
  write.addDoneCallback((done) => {
    const error = done.cancelled() ? new WebSocketClosedError() : done.exception();
    if (error === undefined) result.setResult();
    else {
      result.setException(
        error instanceof StreamClosedError
          ? new WebSocketClosedError(undefined, { cause: error })
          : error,
      );
      result.exception(); // a write nobody waits for may fail quietly, as the stream's
    }
  });
  return result;
}
