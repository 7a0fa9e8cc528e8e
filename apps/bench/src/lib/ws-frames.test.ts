/**
 * The load client's framing: frames it builds are what RFC 6455 says, and its reader finds every
 * frame however the bytes are split into reads, keeping only the payloads it was asked for.
 */
import { deflateRawSync, constants } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  acceptKey,
  clientFrame,
  compressMessage,
  FrameReader,
  inflateStream,
  OPCODE_BINARY,
  OPCODE_TEXT,
  unmask,
  type FrameInfo,
} from './ws-frames';
import { binaryMessages, textMessages } from './ws-messages';

/** A server's frame: final, unmasked. */
function serverFrame(payload: Buffer, opcode: number, rsv1 = false): Buffer {
  const n = payload.length;
  const head =
    n < 126
      ? Buffer.from([0x80 | (rsv1 ? 0x40 : 0) | opcode, n])
      : n < 0x10000
        ? Buffer.from([0x80 | opcode, 126, n >> 8, n & 0xff])
        : Buffer.concat([Buffer.from([0x80 | opcode, 127]), Buffer.alloc(8)]);
  if (n >= 0x10000) head.writeBigUInt64BE(BigInt(n), 2);
  return Buffer.concat([head, payload]);
}

describe('ws-frames', () => {
  it("answers RFC 6455's example key with its example accept value", () => {
    expect(acceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('builds masked frames with the 7-, 16- and 64-bit lengths', () => {
    for (const [size, head] of [
      [5, 2],
      [1024, 4],
      [65536, 10],
    ] as const) {
      const payload = Buffer.alloc(size, 0x61);
      const frame = clientFrame(payload, { opcode: OPCODE_TEXT });
      expect(frame[0]).toBe(0x81);
      expect(frame[1]! & 0x80).toBe(0x80);
      expect(frame.length).toBe(head + 4 + size);
      const mask = frame.subarray(head, head + 4);
      expect(unmask(frame.subarray(head + 4), mask).equals(payload)).toBe(true);
    }
  });

  it('finds every frame when reads split headers and payloads anywhere, and keeps the asked ones', () => {
    const messages = [...textMessages(3, 1024), ...binaryMessages(2, 70_000), Buffer.from('x')];
    const stream = Buffer.concat(
      messages.map((m, i) => serverFrame(m, i >= 3 && i < 5 ? OPCODE_BINARY : OPCODE_TEXT)),
    );
    for (const step of [1, 3, 7, 1000, stream.length]) {
      const seen: FrameInfo[] = [];
      const reader = new FrameReader((frame) => {
        seen.push(frame);
        reader.keepNext();
      });
      reader.keepNext();
      for (let at = 0; at < stream.length; at += step) reader.push(stream.subarray(at, at + step));
      expect(seen.map((f) => f.length)).toEqual(messages.map((m) => m.length));
      expect(seen.every((f, i) => f.payload?.equals(messages[i]!) === true)).toBe(true);
    }
  });

  it('unmasks kept payloads of masked frames (the raw echo of its own frames)', () => {
    const message = textMessages(1, 300)[0]!;
    const seen: FrameInfo[] = [];
    const reader = new FrameReader((frame) => seen.push(frame));
    reader.keepNext();
    reader.push(clientFrame(message, { opcode: OPCODE_TEXT }));
    expect(seen[0]!.payload!.equals(message)).toBe(true);
  });

  it('compressed messages inflate back, alone or as one stream with context kept', () => {
    const messages = textMessages(4, 1024);
    const alone = messages.map((m) => compressMessage(m));
    expect(alone.every((c) => c.length < 700)).toBe(true);
    expect(inflateStream(alone).equals(Buffer.concat(messages))).toBe(true);
    // A sender with context takeover: one deflate stream, sync-flushed after each message.
    const whole = deflateRawSync(messages[0]!, { finishFlush: constants.Z_SYNC_FLUSH });
    expect(inflateStream([whole.subarray(0, -4)]).equals(messages[0]!)).toBe(true);
  });
});
