/**
 * The permessage-deflate engines against node:zlib's own one-shot functions: what one compresses
 * the other inflates, across messages (context takeover) or not, and a message that inflates past
 * the size limit is refused without inflating all of it.
 */
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  CORRUPT,
  PerMessageCompressor,
  PerMessageDecompressor,
  TOO_LARGE,
  syncZlibAvailable,
} from './deflate';

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const text = (n: number) =>
  Buffer.from('permessage-deflate, '.repeat(Math.ceil(n / 20)).slice(0, n));

describe('permessage-deflate engines', () => {
  it('find the zlib internals they drive on this Node (else compression is declined)', () => {
    expect(syncZlibAvailable()).toBe(true);
  });

  it('compress what zlib.inflateRawSync reads back, and read what zlib.deflateRawSync wrote', () => {
    const compressor = new PerMessageCompressor(false, 15, {});
    const decompressor = new PerMessageDecompressor(false, 1 << 20);
    for (const message of [Buffer.alloc(0), text(1), text(1000), randomBytes(70_000)]) {
      const wire = compressor.compress(message);
      const inflated = zlib.inflateRawSync(Buffer.concat([wire, TAIL]), {
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
      });
      expect(inflated).toEqual(message);
      const theirs = zlib.deflateRawSync(message, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      expect(theirs.subarray(-4)).toEqual(TAIL);
      expect(decompressor.decompress([theirs.subarray(0, -4)])).toEqual(message);
    }
    compressor.close();
    decompressor.close();
  });

  it('with context takeover, a repeated message refers back and shrinks; each still inflates', () => {
    const compressor = new PerMessageCompressor(true, 15, {});
    const decompressor = new PerMessageDecompressor(true, 1 << 20);
    const message = randomBytes(512);
    const first = compressor.compress(message);
    const second = compressor.compress(message);
    expect(second.length).toBeLessThan(first.length / 4);
    expect(decompressor.decompress([first])).toEqual(message);
    expect(decompressor.decompress([second.subarray(0, 3), second.subarray(3)])).toEqual(message);
    compressor.close();
    decompressor.close();
  });

  it('refuse a message that inflates past the limit, and bytes that are not deflate', () => {
    const bomb = zlib.deflateRawSync(Buffer.alloc(64 << 20), {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
    expect(bomb.length).toBeLessThan(100_000); // 64 MiB of zeros, in ~64 KiB on the wire
    const decompressor = new PerMessageDecompressor(false, 1 << 20);
    expect(decompressor.decompress([bomb.subarray(0, -4)])).toBe(TOO_LARGE);
    decompressor.close();
    const garbage = new PerMessageDecompressor(false, 1 << 20);
    expect(garbage.decompress([Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff])])).toBe(CORRUPT);
    garbage.close();
  });
});
