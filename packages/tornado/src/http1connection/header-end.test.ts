import { describe, expect, it } from 'vitest';
import { HEADER_END, headerEnd } from './header-end';

/** Where HEADER_END's first match in the latin1 text of `bytes[from, to)` ends, or -1. */
function byPattern(bytes: Buffer, from: number, to: number): number {
  const match = HEADER_END.exec(bytes.toString('latin1', from, to));
  return match === null ? -1 : from + match.index + match[0].length;
}

/** Every sequence of `alphabet` bytes of length `length`. */
function* sequences(alphabet: readonly number[], length: number): Generator<number[]> {
  if (length === 0) {
    yield [];
    return;
  }
  for (const rest of sequences(alphabet, length - 1)) {
    for (const byte of alphabet) yield [...rest, byte];
  }
}

describe('headerEnd, the byte search the stream runs for HEADER_END', () => {
  it('finds the match the pattern finds, on every sequence of CR, LF and others up to 8 bytes', () => {
    // CR, LF, a letter, and a byte latin1 reads as a character of its own.
    const alphabet = [0x0d, 0x0a, 0x61, 0xff];
    let compared = 0;
    for (let length = 0; length <= 8; length++) {
      for (const sequence of sequences(alphabet, length)) {
        // Searched at the start of a buffer, and in the middle of one with bytes around it that
        // must not count (a CR before the start, an LF past the end).
        const alone = Buffer.from(sequence);
        expect(headerEnd(alone, 0, alone.length), JSON.stringify(sequence)).toBe(
          byPattern(alone, 0, alone.length),
        );
        const framed = Buffer.from([0x0d, ...sequence, 0x0a]);
        expect(headerEnd(framed, 1, framed.length - 1), JSON.stringify(sequence)).toBe(
          byPattern(framed, 1, framed.length - 1),
        );
        compared++;
      }
    }
    expect(compared).toBe((4 ** 9 - 1) / 3);
  });

  it('ends a whole request head after its blank line, and a bare-LF one at its first LF', () => {
    const head = Buffer.from('GET / HTTP/1.1\r\nHost: example.com\r\n\r\nGET /next');
    expect(headerEnd(head, 0, head.length)).toBe(head.indexOf('GET /next'));
    const bare = Buffer.from('GET / HTTP/1.1\nHost: example.com\n\n');
    expect(headerEnd(bare, 0, bare.length)).toBe('GET / HTTP/1.1\n'.length);
    const cut = Buffer.from('GET / HTTP/1.1\r\nHost: example.com\r\n\r');
    expect(headerEnd(cut, 0, cut.length)).toBe(-1);
  });
});
