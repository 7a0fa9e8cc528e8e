/**
 * RFC 6455 §5.2 frame headers: the bits of the first two bytes, the opcodes, the header's
 * length, and writing one. Reading one is the protocol's (protocol.ts), from the bytes read.
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-------+-+-------------+-------------------------------+
 * |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 * |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 * |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 * | |1|2|3|       |K|             |                               |
 * +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 * |     Extended payload length continued, if payload len == 127  |
 * + - - - - - - - - - - - - - - - +-------------------------------+
 * |                               |Masking-key, if MASK set to 1  |
 * +-------------------------------+-------------------------------+
 * | Masking-key (continued)       |          Payload Data         |
 * +-------------------------------- - - - - - - - - - - - - - - - +
 * ```
 */
import { randomFillSync } from 'node:crypto';

export const FIN = 0x80;
export const RSV1 = 0x40;
export const RSV_MASK = 0x70;
export const OPCODE_MASK = 0x0f;
export const MASK_BIT = 0x80;

export const OP_CONTINUATION = 0x0;
export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

/** The largest payload of a control frame (RFC 6455 §5.5). */
export const MAX_CONTROL_PAYLOAD = 125;

/** The longest header: 64-bit length and a mask key. */
export const MAX_HEADER = 14;

/** The bytes of a header for a payload of `length`, masked or not: 2 to 14. */
export function headerLength(length: number, masked: boolean): number {
  return (length < 126 ? 2 : length <= 0xffff ? 4 : 10) + (masked ? 4 : 0);
}

// #region write-header
/**
 * Writes a header at `out[start]`: `first` is FIN | RSV | opcode; the mask key, when given, is
 * the 4 bytes of `key` from `keyOffset`. Returns where the payload starts.
 */
export function writeHeader(
  out: Uint8Array,
  first: number,
  length: number,
  key: Uint8Array | null,
  keyOffset = 0,
  start = 0,
): number {
  out[start] = first;
  const mask = key === null ? 0 : MASK_BIT;
  let at = start;
  if (length < 126) {
    out[at + 1] = mask | length;
    at += 2;
  } else if (length <= 0xffff) {
    out[at + 1] = mask | 126;
    out[at + 2] = length >>> 8;
    out[at + 3] = length & 0xff;
    at += 4;
  } else {
    out[at + 1] = mask | 127;
    const high = Math.floor(length / 0x1_0000_0000);
    const low = length >>> 0;
    out[at + 2] = high >>> 24;
    out[at + 3] = (high >>> 16) & 0xff;
    out[at + 4] = (high >>> 8) & 0xff;
    out[at + 5] = high & 0xff;
    out[at + 6] = low >>> 24;
    out[at + 7] = (low >>> 16) & 0xff;
    out[at + 8] = (low >>> 8) & 0xff;
    out[at + 9] = low & 0xff;
    at += 10;
  }
  if (key !== null) {
    out[at] = key[keyOffset]!;
    out[at + 1] = key[keyOffset + 1]!;
    out[at + 2] = key[keyOffset + 2]!;
    out[at + 3] = key[keyOffset + 3]!;
    at += 4;
  }
  return at;
}
// #endregion write-header

/**
 * Mask keys for a client's frames (RFC 6455 §5.3: unpredictable, one per frame), drawn from a
 * pool filled by one `randomFillSync` per 1,024 keys rather than a call per frame.
 */
const KEY_POOL = 4096;
const keys = Buffer.allocUnsafeSlow(KEY_POOL);
let nextKey = KEY_POOL;

/** The offset in `maskKeys()` of a fresh 4-byte key (valid until the next call). */
export function nextMaskKey(): number {
  if (nextKey === KEY_POOL) {
    randomFillSync(keys);
    nextKey = 0;
  }
  const at = nextKey;
  nextKey += 4;
  return at;
}

/** The pool `nextMaskKey` offsets point into. */
export function maskKeys(): Buffer {
  return keys;
}

/** True for a close code a peer may send (RFC 6455 §7.4; 1004-1006 and 1015 never on the wire). */
export function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}
