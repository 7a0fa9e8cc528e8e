/**
 * An incremental UTF-8 validator: bytes are fed as they arrive (a text message's fragments) and
 * the first byte that no valid UTF-8 text could contain is caught at once, not when the message
 * ends (RFC 6455 §8.1: fail the connection, 1007, on invalid text; Autobahn 6.x checks that it
 * fails fast). Node's `buffer.isUtf8` checks whole buffers only: a fragment may end inside a
 * character.
 *
 * The state is what the next bytes must be: how many continuation bytes a character still needs,
 * and the range the next one must fall in. The ranges are RFC 3629's table, which is what rejects
 * overlong forms (E0 followed by less than A0, F0 by less than 90), surrogates (ED followed by A0
 * or more) and code points past U+10FFFF (F4 followed by 90 or more, and F5 to FF) on the byte
 * that makes them so:
 *
 * ```
 * 00..7F                       one byte
 * C2..DF  80..BF               two
 * E0      A0..BF 80..BF        three (E1..EC, EE..EF: 80..BF 80..BF; ED: 80..9F 80..BF)
 * F0      90..BF 80..BF 80..BF four  (F1..F3: 80..BF …; F4: 80..8F …)
 * ```
 */
export class Utf8Validator {
  /** Continuation bytes the current character still needs (0: at a character boundary). */
  #need = 0;
  /** The range the next byte must be in, while `#need > 0`. */
  #lo = 0x80;
  #hi = 0xbf;

  // #region feed
  /**
   * Checks `data[start, end)` as the continuation of what was fed before. False as soon as a
   * byte makes the text invalid (the validator is then spent until `reset`).
   */
  feed(data: Uint8Array, start = 0, end = data.length): boolean {
    let need = this.#need;
    let lo = this.#lo;
    let hi = this.#hi;
    if (need < 0) return false;
    let i = start;
    while (i < end) {
      const byte = data[i++]!;
      if (need > 0) {
        if (byte < lo || byte > hi) return this.#fail();
        need--;
        lo = 0x80;
        hi = 0xbf;
        continue;
      }
      if (byte < 0x80) {
        // ASCII, the common case: run through it.
        while (i < end && data[i]! < 0x80) i++;
        continue;
      }
      if (byte < 0xc2) return this.#fail(); // a continuation byte, or an overlong C0/C1 lead
      if (byte < 0xe0) {
        need = 1;
      } else if (byte < 0xf0) {
        need = 2;
        if (byte === 0xe0) lo = 0xa0;
        else if (byte === 0xed) hi = 0x9f;
      } else if (byte < 0xf5) {
        need = 3;
        if (byte === 0xf0) lo = 0x90;
        else if (byte === 0xf4) hi = 0x8f;
      } else {
        return this.#fail();
      }
    }
    this.#need = need;
    this.#lo = lo;
    this.#hi = hi;
    return true;
  }
  // #endregion feed

  /** True when the bytes fed so far end on a character boundary (a whole text). */
  get complete(): boolean {
    return this.#need === 0;
  }

  /** Ready for a new text. */
  reset(): void {
    this.#need = 0;
    this.#lo = 0x80;
    this.#hi = 0xbf;
  }

  #fail(): false {
    this.#need = -1;
    return false;
  }

  toString(): string {
    return this.#need < 0
      ? '<Utf8Validator invalid>'
      : `<Utf8Validator ${this.#need === 0 ? 'complete' : `need=${String(this.#need)}`}>`;
  }
}
