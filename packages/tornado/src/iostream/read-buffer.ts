/**
 * An IOStream's read buffer: one contiguous Buffer with a read position, as tornado's
 * `bytearray` — delimiters and patterns are searched in place, and a read takes its bytes from the
 * front. The storage is compacted when the bytes read leave room enough at its front, and grows
 * by doubling otherwise; once empty, storage over 64 KiB is dropped, so a connection that once
 * read a large body does not keep its buffer for ever.
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
    this.#reserve(chunk.byteLength);
    this.#data.set(chunk, this.#end);
    this.#end += chunk.byteLength;
  }

  /** Puts `bytes` back at the front: a read handed over and then given back. */
  unshift(bytes: Uint8Array): void {
    if (bytes.byteLength <= this.#start) {
      this.#start -= bytes.byteLength;
      this.#data.set(bytes, this.#start);
      return;
    }
    const rest = this.#data.subarray(this.#start, this.#end);
    const next = Buffer.allocUnsafe(Math.max(KEEP, bytes.byteLength + rest.length));
    next.set(bytes, 0);
    next.set(rest, bytes.byteLength);
    this.#data = next;
    this.#start = 0;
    this.#end = bytes.byteLength + rest.length;
  }

  /** The first `n` bytes, removed from the buffer (a copy: the storage is reused). */
  take(n: number): Buffer {
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
    if (this.#end - start < needle.byteLength) return -1;
    // Searched in place (no view made); a match must end within the buffered bytes.
    const at = this.#data.indexOf(needle, start);
    return at === -1 || at + needle.byteLength > this.#end ? -1 : at - this.#start;
  }

  /** The buffered bytes as a latin1 string: one character per byte, for pattern searches. */
  latin1(): string {
    return this.#data.toString('latin1', this.#start, this.#end);
  }

  #advance(n: number): void {
    this.#start += n;
    if (this.#start === this.#end) {
      this.#start = this.#end = 0;
      if (this.#data.length > KEEP) this.#data = EMPTY;
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
