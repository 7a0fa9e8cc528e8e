import { describe, expect, it } from 'vitest';
import { randomFillSync } from 'node:crypto';
import { applyMask, maskInto } from './mask';
import { headerLength, writeHeader } from './frame';

/** The definition (RFC 6455 §5.3), byte by byte. */
function reference(data: Uint8Array, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ key[i % 4]!;
  return out;
}

function random(n: number): Buffer {
  return randomFillSync(Buffer.alloc(n));
}

describe('applyMask', () => {
  it('matches the byte-by-byte definition for every length 0..300 at every alignment', () => {
    const key = Buffer.from([0x12, 0x34, 0xab, 0xcd]);
    for (let length = 0; length <= 300; length++) {
      for (let offset = 0; offset < 8; offset++) {
        const backing = random(length + 16);
        const data = backing.subarray(offset, offset + length);
        const expected = reference(data, key);
        const before = Buffer.from(backing);
        applyMask(data, key);
        expect(Buffer.from(data)).toEqual(Buffer.from(expected));
        // Nothing outside the range is touched.
        expect(backing.subarray(0, offset)).toEqual(before.subarray(0, offset));
        expect(backing.subarray(offset + length)).toEqual(before.subarray(offset + length));
      }
    }
  });

  it('matches the definition for large payloads, random keys and offsets', () => {
    for (const length of [1021, 4096, 65_535, 65_536, 65_537, 1_000_003]) {
      const key = random(4);
      const offset = length % 7;
      const backing = random(length + 8);
      const data = backing.subarray(offset, offset + length);
      const expected = reference(data, key);
      applyMask(data, key);
      expect(Buffer.compare(Buffer.from(data), Buffer.from(expected))).toBe(0);
    }
  });

  it('takes the key at an offset of another buffer, and masks a sub-range from its start', () => {
    const pool = random(64);
    const key = pool.subarray(20, 24);
    for (const [start, end] of [
      [0, 0],
      [3, 40],
      [5, 200],
      [1, 1000],
    ] as const) {
      const data = random(1024);
      const copy = Buffer.from(data);
      applyMask(data, pool, 20, start, end);
      expect(data.subarray(start, end)).toEqual(
        Buffer.from(reference(copy.subarray(start, end), key)),
      );
      expect(data.subarray(0, start)).toEqual(copy.subarray(0, start));
      expect(data.subarray(end)).toEqual(copy.subarray(end));
    }
  });

  it('is its own inverse; maskInto leaves the source alone', () => {
    const key = random(4);
    const source = random(777);
    const target = Buffer.alloc(800);
    maskInto(source, target, 13, key);
    applyMask(target, key, 0, 13, 13 + 777);
    expect(target.subarray(13, 13 + 777)).toEqual(source);
  });
});

describe('frame headers', () => {
  it('writes the 7-bit, 16-bit and 64-bit lengths, and the mask key', () => {
    const out = Buffer.alloc(14);
    expect(writeHeader(out, 0x81, 5, null)).toBe(2);
    expect([...out.subarray(0, 2)]).toEqual([0x81, 5]);
    expect(writeHeader(out, 0x82, 126, null)).toBe(4);
    expect([...out.subarray(0, 4)]).toEqual([0x82, 126, 0, 126]);
    expect(writeHeader(out, 0x82, 65_536, null)).toBe(10);
    expect([...out.subarray(0, 10)]).toEqual([0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect(writeHeader(out, 0x82, 2 ** 32 + 5, null)).toBe(10);
    expect([...out.subarray(2, 10)]).toEqual([0, 0, 0, 1, 0, 0, 0, 5]);
    const key = Buffer.from([9, 8, 7, 6]);
    expect(writeHeader(out, 0x89, 3, key)).toBe(6);
    expect([...out.subarray(0, 6)]).toEqual([0x89, 0x83, 9, 8, 7, 6]);
    expect([headerLength(125, false), headerLength(126, true), headerLength(70_000, true)]).toEqual(
      [2, 8, 14],
    );
  });
});
