/**
 * The WebSocket wire format (RFC 6455) as far as `pnpm bench websocket`'s load client needs it:
 * the opening handshake's key and answer, masked client frames built once before a run, and a
 * reader that finds frame boundaries in a byte stream from their headers alone.
 *
 * The client must cost less per message than any server it measures, so it never parses what it
 * does not have to: a frame's header says how long its payload is, and the reader skips that
 * many bytes without looking at them, except in the frames it was asked to keep (a sample, whose
 * payload is compared with what was sent). Frames are built once, masked with a fixed key: a
 * server unmasks every frame whatever the key is, and RFC 6455's "unpredictable" key protects
 * proxies, of which there are none on loopback.
 *
 *   0               1               2               3
 *   |F|R|R|R| opcode|M| len (7)     | extended len (16 or 64), if len is 126 or 127
 *   |I|S|S|S|  (4)  |A|             | masking key (32), if MASK
 *   |N|V|V|V|       |S|             | payload …
 *   | |1|2|3|       |K|             |
 */
import { createHash } from 'node:crypto';
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';

export const OPCODE_TEXT = 0x1;
export const OPCODE_BINARY = 0x2;
export const OPCODE_CLOSE = 0x8;

/** RFC 6455 §1.3: the GUID a server appends to the client's key before hashing it. */
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The `Sec-WebSocket-Accept` a server must answer to `Sec-WebSocket-Key: key`. */
export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** The masking key of every frame the client sends (see the header: no proxy to protect from). */
const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

/** `data` XORed with `mask` from offset 0: masks and unmasks alike. */
export function unmask(data: Buffer, mask: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ mask[i & 3]!;
  return out;
}

export interface FrameOptions {
  readonly opcode: number;
  /** RSV1: the payload is compressed (permessage-deflate, RFC 7692). */
  readonly rsv1?: boolean;
}

/** One final, masked client frame carrying `payload` as it is (already compressed, if rsv1). */
export function clientFrame(payload: Buffer, { opcode, rsv1 = false }: FrameOptions): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + 4);
  header[0] = 0x80 | (rsv1 ? 0x40 : 0) | opcode;
  if (lengthBytes === 0) {
    header[1] = 0x80 | length;
  } else if (lengthBytes === 2) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  MASK.copy(header, 2 + lengthBytes);
  return Buffer.concat([header, unmask(payload, MASK)]);
}

/**
 * A message compressed as a permessage-deflate sender compresses it (RFC 7692 §7.2.1): raw
 * deflate ending in a sync flush, whose trailing `00 00 ff ff` is removed. Each message is
 * compressed on its own (no context carried over), which every receiver accepts whatever was
 * negotiated; `windowBits` is the `client_max_window_bits` the server answered (15 without one).
 */
export function compressMessage(payload: Buffer, windowBits = 15): Buffer {
  const deflated = deflateRawSync(payload, {
    windowBits: Math.max(windowBits, 9),
    finishFlush: constants.Z_SYNC_FLUSH,
  });
  return deflated.subarray(0, deflated.length - 4);
}

/**
 * What compressed `payloads`, received in order on one connection, inflate to, end to end: the
 * sender may have kept its context from one message to the next (the default, "context
 * takeover"), so they are inflated as the one stream they are, each with its `00 00 ff ff` put
 * back.
 */
export function inflateStream(payloads: readonly Buffer[]): Buffer {
  const tail = Buffer.from([0x00, 0x00, 0xff, 0xff]);
  const stream = Buffer.concat(payloads.flatMap((p) => [p, tail]));
  return inflateRawSync(stream, { finishFlush: constants.Z_SYNC_FLUSH });
}

/** A frame the reader has passed over; `payload` only for the frames it was asked to keep. */
export interface FrameInfo {
  readonly fin: boolean;
  readonly rsv1: boolean;
  readonly opcode: number;
  readonly length: number;
  readonly payload: Buffer | null;
}

/**
 * Finds frames in the bytes a connection receives, fed chunk by chunk (`push`), and calls
 * `onFrame` at the end of each. `keepNext()` asks for the next frame's payload (unmasked, if the
 * peer masked it: the raw TCP echo of the client's own frames does).
 */
export class FrameReader {
  /** The start of a header that a chunk ended inside (a header is at most 14 bytes). */
  readonly #held = Buffer.alloc(14);
  #heldLength = 0;
  /** Payload bytes of the current frame still to come; -1 between frames. */
  #remaining = -1;
  #frame: Omit<FrameInfo, 'payload'> & { mask: Buffer | null } = NO_FRAME;
  /** Whether the next frame's payload is kept; whether the current one's is. */
  #keepNext = false;
  #keeping = false;
  #kept: Buffer[] = [];

  constructor(private readonly onFrame: (frame: FrameInfo) => void) {}

  /** Keep the payload of the next frame whose header has not begun yet. */
  keepNext(): void {
    this.#keepNext = true;
  }

  push(chunk: Buffer): void {
    let at = 0;
    const end = chunk.length;
    while (at < end) {
      if (this.#remaining < 0) {
        at = this.#readHeader(chunk, at);
        if (this.#remaining === 0) this.#finish();
        continue;
      }
      const take = Math.min(this.#remaining, end - at);
      if (this.#keeping) this.#kept.push(Buffer.from(chunk.subarray(at, at + take)));
      at += take;
      this.#remaining -= take;
      if (this.#remaining === 0) this.#finish();
    }
  }

  /**
   * Reads a header from `chunk` at `at`, returning where its payload begins. The common case is a
   * whole header inside the chunk; one split across chunks is gathered byte by byte in `#held`.
   */
  #readHeader(chunk: Buffer, at: number): number {
    if (this.#heldLength === 0) {
      const size = headerSize(chunk, at, chunk.length - at);
      if (size > 0) {
        this.#begin(chunk, at, size);
        return at + size;
      }
    }
    while (at < chunk.length) {
      this.#held[this.#heldLength++] = chunk[at++]!;
      const size = headerSize(this.#held, 0, this.#heldLength);
      if (size > 0) {
        this.#heldLength = 0;
        this.#begin(this.#held, 0, size);
        break;
      }
    }
    return at;
  }

  /** Starts the frame whose `size`-byte header is `source` at `offset`. */
  #begin(source: Buffer, offset: number, size: number): void {
    const b0 = source[offset]!;
    const b1 = source[offset + 1]!;
    let length = b1 & 0x7f;
    const lengthBytes = length === 126 ? 2 : length === 127 ? 8 : 0;
    if (lengthBytes === 2) length = source.readUInt16BE(offset + 2);
    else if (lengthBytes === 8) length = Number(source.readBigUInt64BE(offset + 2));
    const mask =
      (b1 & 0x80) !== 0
        ? Buffer.from(source.subarray(offset + 2 + lengthBytes, offset + size))
        : null;
    this.#frame = {
      fin: (b0 & 0x80) !== 0,
      rsv1: (b0 & 0x40) !== 0,
      opcode: b0 & 0x0f,
      length,
      mask,
    };
    this.#remaining = length;
    this.#keeping = this.#keepNext;
    this.#keepNext = false;
  }

  #finish(): void {
    const { fin, rsv1, opcode, length, mask } = this.#frame;
    let payload: Buffer | null = null;
    if (this.#keeping) {
      payload = Buffer.concat(this.#kept);
      if (mask) payload = unmask(payload, mask);
      this.#kept = [];
      this.#keeping = false;
    }
    this.#remaining = -1;
    this.onFrame({ fin, rsv1, opcode, length, payload });
  }
}

const NO_FRAME = { fin: false, rsv1: false, opcode: 0, length: 0, mask: null };

/** The size of the header at `buffer[offset]` if `available` bytes hold it whole, else -1. */
function headerSize(buffer: Buffer, offset: number, available: number): number {
  if (available < 2) return -1;
  const b1 = buffer[offset + 1]!;
  const len = b1 & 0x7f;
  const size = 2 + (len === 126 ? 2 : len === 127 ? 8 : 0) + ((b1 & 0x80) !== 0 ? 4 : 0);
  return available >= size ? size : -1;
}
