/**
 * An IOStream's read buffer: one contiguous Buffer with a read position, as tornado's
 * `bytearray` — delimiters and patterns are searched in place, and a read takes its bytes from the
 * front. The storage is compacted when the bytes read leave room enough at its front, and grows
 * by doubling otherwise.
 *
 * Once empty, the storage is dropped: an idle connection (10,000 keep-alive HTTP clients) holds
 * no buffer at all. Bytes that arrive into an empty buffer are copied into storage of just their
 * size, which for small reads Node carves from its shared 8 KiB pool — as cheap as copying into
 * kept storage.
 */
const KEEP = 64 * 1024;
const EMPTY = Buffer.alloc(0);

export class ReadBuffer {
  #data: Buffer = EMPTY;
  #start = 0;
  #end = 0;

  /** Bytes buffered. */
  get size(): number {
    return this.#end - this.#start;
  }

  /** Appends a copy of `chunk` (the caller may reuse it). */
  append(chunk: Uint8Array): void {
    if (this.#end === this.#start && this.#data.length < chunk.length) {
      this.#data = Buffer.allocUnsafe(chunk.length);
      this.#start = this.#end = 0;
    }
    this.#reserve(chunk.length);
    this.#data.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /** Puts `bytes` back at the front: a read handed over and then given back. */
  unshift(bytes: Uint8Array): void {
    if (bytes.length <= this.#start) {
      this.#start -= bytes.length;
      this.#data.set(bytes, this.#start);
      return;
    }
    const rest = this.#data.subarray(this.#start, this.#end);
    const next = Buffer.allocUnsafe(Math.max(KEEP, bytes.length + rest.length));
    next.set(bytes, 0);
    next.set(rest, bytes.length);
    this.#data = next;
    this.#start = 0;
    this.#end = bytes.length + rest.length;
  }

  /** The first `n` bytes, removed from the buffer (a copy, or the storage itself when it is exactly those bytes). */
  take(n: number): Buffer {
    if (this.#start === 0 && n === this.#end && n === this.#data.length) {
      // The whole storage, exactly: handed over as it is (it is dropped when empty anyway).
      const whole = this.#data;
      this.#data = EMPTY;
      this.#end = 0;
      return whole;
    }
    // allocUnsafe: small reads come from Node's pool (one allocation per 8 KiB of them).
    const out = Buffer.allocUnsafe(n);
    this.#data.copy(out, 0, this.#start, this.#start + n);
    this.#advance(n);
    return out;
  }

  /** Copies the first `n` bytes into `target` and removes them. */
  takeInto(target: Uint8Array, n: number): void {
    target.set(this.#data.subarray(this.#start, this.#start + n), 0);
    this.#advance(n);
  }

  /** Where `needle` starts, searching from offset `from` of the buffered bytes; -1 if absent. */
  indexOf(needle: Uint8Array, from: number): number {
    const start = this.#start + from;
    if (this.#end - start < needle.length) return -1;
    // Searched in place (no view made); a match must end within the buffered bytes.
    const at = this.#data.indexOf(needle, start);
    return at === -1 || at + needle.length > this.#end ? -1 : at - this.#start;
  }

  /**
   * The buffered bytes (the first `limit` of them, if given) as a latin1 string: one character
   * per byte, for pattern searches.
   */
  latin1(limit = this.size): string {
    return this.#data.toString('latin1', this.#start, this.#start + Math.min(limit, this.size));
  }

  /**
   * Where `scanner` says its pattern's first match in the buffered bytes (the first `limit` of
   * them) ends, searched in place; -1 if there is none yet.
   */
  scan(scanner: MatchEndScanner, limit = this.size): number {
    const end = scanner(this.#data, this.#start, this.#start + Math.min(limit, this.size));
    return end === -1 ? -1 : end - this.#start;
  }

  #advance(n: number): void {
    this.#start += n;
    if (this.#start === this.#end) {
      this.#start = this.#end = 0;
      this.#data = EMPTY;
    }
  }

  #reserve(extra: number): void {
    const data = this.#data;
    if (this.#end + extra <= data.length) return;
    const size = this.size;
    if (size + extra <= data.length) {
      data.copyWithin(0, this.#start, this.#end); // room enough once compacted
    } else {
      let capacity = Math.max(data.length, 4096);
      while (capacity < size + extra) capacity *= 2;
      const next = Buffer.allocUnsafe(capacity);
      data.copy(next, 0, this.#start, this.#end);
      this.#data = next;
    }
    this.#start = 0;
    this.#end = size;
  }
}

/**
 * Finds where a pattern's first match in `bytes[from, to)` ends (an index into `bytes`), or -1:
 * the pattern's search done on the bytes themselves (registered with `scanWith` in `stream.ts`).
 */
export type MatchEndScanner = (bytes: Uint8Array, from: number, to: number) => number;
