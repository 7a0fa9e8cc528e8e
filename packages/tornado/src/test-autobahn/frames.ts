/**
 * WebSocket frames (RFC 6455 §5.2) as the fuzzing peer writes and reads them: any FIN, RSV bits,
 * opcode, mask and length, legal or not, because the suite's job is to send what a polite
 * implementation never would and to see exactly what came back.
 *
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-------+-+-------------+-------------------------------+
 *  |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 *  |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 *  |N|V|V|V|       |S|             |                               |
 *  +-+-+-+-+-------+-+-------------+-------------------------------+
 *
 * The reader does not judge: it splits the byte stream into frames and reports each one with
 * its header bits; what is a violation is decided by the endpoint, which knows its role and what
 * was negotiated.
 */
import { randomBytes } from 'node:crypto';

export const OP_CONTINUATION = 0x0;
export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

export interface FrameSpec {
  opcode: number;
  payload?: Buffer | string;
  /** Defaults to true. */
  fin?: boolean;
  /** RSV1..RSV3 as a 3-bit number (4 = RSV1 alone), as Autobahn writes it. */
  rsv?: number;
  /** The payload is repeated up to this many octets (Autobahn's `payload_len`). */
  repeatTo?: number;
}

/** The payload of a spec: a string is UTF-8, and `repeatTo` repeats it to that length. */
export function payloadOf(spec: FrameSpec): Buffer {
  const base =
    typeof spec.payload === 'string' ? Buffer.from(spec.payload, 'utf8') : (spec.payload ?? EMPTY);
  if (spec.repeatTo === undefined) return base;
  const out = Buffer.alloc(spec.repeatTo);
  for (let at = 0; at < out.length; at += base.length) base.copy(out, at);
  return out;
}

const EMPTY = Buffer.alloc(0);

/** One frame's bytes; `masked` frames get a fresh random key (a client's frames, §5.3). */
export function encodeFrame(spec: FrameSpec, masked: boolean): Buffer {
  const payload = payloadOf(spec);
  const length = payload.length;
  const lengthBytes = length > 0xffff ? 8 : length > 125 ? 2 : 0;
  const head = Buffer.alloc(2 + lengthBytes + (masked ? 4 : 0));
  head[0] = ((spec.fin ?? true) ? 0x80 : 0) | (((spec.rsv ?? 0) & 7) << 4) | (spec.opcode & 0xf);
  head[1] = (masked ? 0x80 : 0) | (lengthBytes === 8 ? 127 : lengthBytes === 2 ? 126 : length);
  if (lengthBytes === 2) head.writeUInt16BE(length, 2);
  if (lengthBytes === 8) head.writeBigUInt64BE(BigInt(length), 2);
  if (!masked) return Buffer.concat([head, payload]);
  const key = randomBytes(4);
  key.copy(head, 2 + lengthBytes);
  const body = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) body[i] = payload[i]! ^ key[i & 3]!;
  return Buffer.concat([head, body]);
}

/** A close frame's payload: the code (if any) then the reason's bytes (if any), as Autobahn builds it. */
export function closePayload(code?: number, reason?: Buffer | string): Buffer {
  const parts: Buffer[] = [];
  if (code !== undefined) {
    const head = Buffer.alloc(2);
    head.writeUInt16BE(code);
    parts.push(head);
  }
  if (reason !== undefined)
    parts.push(typeof reason === 'string' ? Buffer.from(reason, 'utf8') : reason);
  return parts.length === 0 ? EMPTY : Buffer.concat(parts);
}

/** A frame as read off the wire, unmasked. */
export interface Frame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/**
 * Splits a byte stream into frames. `header` is called as soon as a frame's header is complete
 * (so a violation there can be acted on before the payload arrives: fail fast), `frame` when its
 * payload is too. Either may return false to stop reading.
 */
export class FrameReader {
  #buffered: Buffer[] = [];
  #length = 0;
  #stopped = false;
  #head: { frame: Omit<Frame, 'payload'>; size: number; length: number } | null = null;

  constructor(
    private readonly header: (frame: Omit<Frame, 'payload'>, length: number) => boolean,
    private readonly frame: (frame: Frame) => boolean,
  ) {}

  stop(): void {
    this.#stopped = true;
    this.#buffered = [];
    this.#length = 0;
  }

  push(chunk: Buffer): void {
    if (this.#stopped) return;
    this.#buffered.push(chunk);
    this.#length += chunk.length;
    while (!this.#stopped) {
      if (this.#head === null) {
        const head = this.#readHeader();
        if (head === null) return;
        this.#head = head;
        if (!this.header(head.frame, head.length)) {
          this.stop();
          return;
        }
      }
      const { frame, size, length } = this.#head;
      if (this.#length < size + length) return;
      const whole = this.#take(size + length);
      this.#head = null;
      const payload = Buffer.from(whole.subarray(size));
      if (frame.masked) {
        const key = whole.subarray(size - 4, size);
        for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ key[i & 3]!;
      }
      if (!this.frame({ ...frame, payload })) {
        this.stop();
        return;
      }
    }
  }

  /** The next frame's header if it is all there: its bits, header size and payload length. */
  #readHeader(): { frame: Omit<Frame, 'payload'>; size: number; length: number } | null {
    if (this.#length < 2) return null;
    const data = this.#peek(Math.min(this.#length, 14));
    const b0 = data[0]!;
    const b1 = data[1]!;
    const masked = (b1 & 0x80) !== 0;
    let length = b1 & 0x7f;
    let size = 2;
    if (length === 126) {
      if (data.length < 4) return null;
      length = data.readUInt16BE(2);
      size = 4;
    } else if (length === 127) {
      if (data.length < 10) return null;
      const big = data.readBigUInt64BE(2);
      length = big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
      size = 10;
    }
    if (masked) {
      if (data.length < size + 4) return null;
      size += 4;
    }
    const frame = { fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0xf, masked };
    return { frame, size, length };
  }

  #peek(n: number): Buffer {
    if (this.#buffered[0]!.length >= n) return this.#buffered[0]!.subarray(0, n);
    const joined = Buffer.concat(this.#buffered);
    this.#buffered = [joined];
    return joined.subarray(0, n);
  }

  #take(n: number): Buffer {
    const joined = this.#buffered.length === 1 ? this.#buffered[0]! : Buffer.concat(this.#buffered);
    this.#buffered = joined.length > n ? [joined.subarray(n)] : [];
    this.#length -= n;
    return joined.subarray(0, n);
  }
}
