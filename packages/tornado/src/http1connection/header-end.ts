/**
 * Where an HTTP/1.1 header block ends, as the connection reads it: a RegExp, which is the
 * contract (`HEADER_END`), and the same search on bytes (`headerEnd`), which the stream runs in
 * its place on every request head (`scanWith`): no latin1 copy of the bytes for the RegExp.
 * `header-end.test.ts` checks the two agree on every sequence of CR, LF and other bytes up to
 * a length, at every offset.
 */
import { scanWith } from '../iostream/stream';

// #region header-end
/**
 * Where a header block ends — or where it stops being one a strict parser reads: the first
 * CRLF CRLF, the first LF without its CR, or the first CR followed by anything but LF. The
 * parser then sees a block that does not end in CRLF CRLF and answers 400 at once, rather than
 * waiting for a blank line a bare-LF client never sends.
 */
export const HEADER_END = scanWith(/\r\n\r\n|(?<!\r)\n|\r[^\n]/, headerEnd);
// #endregion header-end

/**
 * `HEADER_END`'s first match in `bytes[from, to)` (read as latin1, from `from`): the index just
 * past it, or -1. A byte loop: the head of a request is short, and this costs less than making
 * the string the RegExp needs.
 */
export function headerEnd(bytes: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const byte = bytes[i];
    if (byte === 0x0a) {
      // An LF reached here has no CR before it (a CR's LF is stepped over below).
      return i + 1;
    }
    if (byte === 0x0d) {
      if (i + 1 === to) return -1; // what follows the CR is not here yet
      if (bytes[i + 1] !== 0x0a) return i + 2; // a CR without its LF
      if (i + 3 < to && bytes[i + 2] === 0x0d && bytes[i + 3] === 0x0a) return i + 4;
      i++; // CR LF, then something else: the next line
    }
  }
  return -1;
}
