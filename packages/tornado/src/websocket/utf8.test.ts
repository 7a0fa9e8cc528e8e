import { describe, expect, it } from 'vitest';
import { isUtf8 } from 'node:buffer';
import { Utf8Validator } from './utf8';

/** The validator's verdict on `bytes` fed in the pieces split at `cuts`. */
function validate(bytes: Buffer, cuts: number[] = []): { ok: boolean; failedIn: number } {
  const validator = new Utf8Validator();
  let start = 0;
  const ends = [...cuts, bytes.length];
  for (let piece = 0; piece < ends.length; piece++) {
    if (!validator.feed(bytes, start, ends[piece])) return { ok: false, failedIn: piece };
    start = ends[piece]!;
  }
  return { ok: validator.complete, failedIn: -1 };
}

const VALID = [
  'hello',
  'κόσμε',
  '€ and 𝄞 and 中文',
  '\u007f\u0080\u07ff\u0800\uffff',
  '\u{10000}\u{10ffff}',
  '\ud7ff\ue000',
].map((text) => Buffer.from(text, 'utf8'));

const INVALID: [string, number[]][] = [
  ['overlong 2-byte NUL', [0xc0, 0x80]],
  ['overlong 2-byte', [0xc1, 0xbf]],
  ['overlong 3-byte', [0xe0, 0x9f, 0xbf]],
  ['overlong 4-byte', [0xf0, 0x8f, 0xbf, 0xbf]],
  ['high surrogate', [0xed, 0xa0, 0x80]],
  ['low surrogate', [0xed, 0xbf, 0xbf]],
  ['past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ['F5 lead', [0xf5, 0x80, 0x80, 0x80]],
  ['FF byte', [0xff]],
  ['lone continuation', [0x80]],
  ['lead then ASCII', [0xe2, 0x82, 0x41]],
];

describe('Utf8Validator', () => {
  it('accepts valid text split at every byte position', () => {
    for (const bytes of VALID) {
      for (let cut = 0; cut <= bytes.length; cut++) {
        expect(validate(bytes, [cut]).ok, `${bytes.toString('hex')} cut at ${String(cut)}`).toBe(
          true,
        );
      }
      for (let a = 0; a <= bytes.length; a++) {
        for (let b = a; b <= bytes.length; b++) expect(validate(bytes, [a, b]).ok).toBe(true);
      }
    }
  });

  it('refuses overlongs, surrogates and code points past U+10FFFF at the byte that makes them so', () => {
    for (const [name, raw] of INVALID) {
      const bytes = Buffer.from([0x61, ...raw, 0x62]);
      expect(validate(bytes).ok, name).toBe(false);
      expect(isUtf8(bytes), name).toBe(false);
      // Fed a byte at a time: it fails on one of the bad sequence's bytes, never later.
      const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
      const { ok, failedIn } = validate(bytes, cuts);
      expect(ok, name).toBe(false);
      expect(failedIn, name).toBeGreaterThanOrEqual(1);
      expect(failedIn, name).toBeLessThanOrEqual(raw.length);
    }
  });

  it('fails fast: E0 80 is refused on its second byte, before the text ends', () => {
    const validator = new Utf8Validator();
    expect(validator.feed(Buffer.from([0x61, 0xe0]))).toBe(true);
    expect(validator.complete).toBe(false);
    expect(validator.feed(Buffer.from([0x80]))).toBe(false);
    expect(validator.feed(Buffer.from('ok'))).toBe(false); // spent until reset
    validator.reset();
    expect(validator.feed(Buffer.from('ok'))).toBe(true);
    expect(String(validator)).toBe('<Utf8Validator complete>');
  });

  it('a text cut inside a character is incomplete, not invalid', () => {
    const euro = Buffer.from('€', 'utf8');
    const validator = new Utf8Validator();
    expect(validator.feed(euro.subarray(0, 2))).toBe(true);
    expect(validator.complete).toBe(false);
    expect(String(validator)).toBe('<Utf8Validator need=1>');
  });

  it('agrees with buffer.isUtf8 on every 1- and 2-byte sequence and a sample of 3- and 4-byte ones', () => {
    const check = (bytes: Buffer): void => {
      expect(validate(bytes).ok, bytes.toString('hex')).toBe(isUtf8(bytes));
    };
    for (let a = 0; a < 256; a++) {
      check(Buffer.from([a]));
      for (let b = 0; b < 256; b++) check(Buffer.from([a, b]));
    }
    for (const lead of [0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf4, 0xf5]) {
      for (let b = 0x70; b < 0xd0; b += 3) {
        for (let c = 0x70; c < 0xd0; c += 7) {
          check(Buffer.from([lead, b, c]));
          check(Buffer.from([lead, b, c, 0x80]));
          check(Buffer.from([lead, b, c, 0xbf]));
        }
      }
    }
  });
});
