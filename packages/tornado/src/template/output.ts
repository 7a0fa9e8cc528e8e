/**
 * Where `generate()` renders: the bytes of a template's bytes function (see `./nodes`), which
 * writes its text as UTF-8 straight into `bytes` at `_tt_at`, the text between tags byte by
 * byte, each `{{ value }}` through `utf8()`. `renderBytes` runs it and copies what it wrote
 * into the Buffer it returns. `generateString()` runs the template's text function instead,
 * which builds a string and has no output.
 *
 * **Same bytes as `Buffer.from`.** A value is encoded as `Buffer.from` would encode it: a lone
 * surrogate as U+FFFD. The whole text would pair a high surrogate ending one value with a low
 * surrogate starting the next (`{{ s.slice(0, 1) }}{{ s.slice(1) }}` for an emoji); `utf8()`
 * remembers where the last high surrogate it wrote as U+FFFD ended and writes the pair over it
 * when the next write is such a low surrogate. Text between tags that starts with a low
 * surrogate or ends with a high one is written as a value, so that it is seen too.
 *
 * **One scratch buffer.** The bytes are written into a buffer the process keeps from one render
 * to the next (up to `KEPT_SCRATCH`), so that only the returned copy is memory the kernel has to
 * map. A render that starts while another is under way (a UI module that renders a template)
 * gets an output of its own.
 *
 * **Why bytes.** On tornado's template benchmark (`pnpm bench web`: a 344 KB page, 1,000 rows ×
 * 10 cells), a string built by 40,000 `+=` and encoded by `Buffer.from` took 2.0–2.8 ms of CPU a
 * render, most of it V8 flattening the tree of cons strings into one string of 344 KB (in pages
 * fresh from the kernel at every render, as V8 puts a string that large) and encoding that
 * again. Encoding the string in pieces of 16 K characters as it grew took 0.53–0.85 ms; writing
 * the bytes takes 0.31–0.50 ms (Node 20, alternating runs on a shared machine).
 */

const FIRST_SCRATCH = 64 * 1024;
const KEPT_SCRATCH = 4 * 1024 * 1024;
/**
 * Values up to this many characters are encoded here, longer ones by `Buffer.write`, whose call
 * costs about what encoding 40 characters of mixed scripts here does (Node 20).
 */
const SHORT_VALUE = 64;

/** The output of one render: the bytes, grown as the bytes function asks. */
export class ByteOutput {
  /** Where the bytes go, from 0. The bytes function keeps it in `_tt_bytes`. */
  bytes: Buffer;
  /** Where the last high surrogate written as U+FFFD ends (-1: none), and its code. */
  #highEnd = -1;
  #high = 0;

  constructor(size: number) {
    this.bytes = Buffer.allocUnsafeSlow(size);
  }

  /** Makes room for `needed` more bytes after `at`, and returns the buffer to write into. */
  grow(at: number, needed: number): Buffer {
    let size = this.bytes.length * 2;
    while (size < at + needed) size *= 2;
    const bytes = Buffer.allocUnsafeSlow(size);
    this.bytes.copy(bytes, 0, 0, at);
    this.bytes = bytes;
    return bytes;
  }

  /** Writes `text` as UTF-8 at `at` (growing `bytes` if need be), and returns where it ends. */
  utf8(at: number, text: string): number {
    const length = text.length;
    let bytes = this.bytes;
    // A UTF-16 unit is at most 3 bytes of UTF-8 (a pair, 2 units, is 4); counting exactly
    // costs a pass over the text, so only when that bound does not fit.
    if (at + length * 3 > bytes.length) {
      const needed = Buffer.byteLength(text, 'utf8');
      if (at + needed > bytes.length) bytes = this.grow(at, needed);
    }
    if (length > SHORT_VALUE) return this.encodeLong(bytes, at, text);
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) return this.encodeShort(bytes, at, text, i);
      bytes[at++] = code;
    }
    return at;
  }

  /** Starts over, for the next render. */
  reset(): void {
    this.#highEnd = -1;
  }

  /** `text` from `from` on, at `at`, encoded here: see the module's notes for surrogates. */
  private encodeShort(bytes: Buffer, at: number, text: string, from: number): number {
    const length = text.length;
    for (let i = from; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x80) {
        bytes[at++] = code;
      } else if (code < 0x800) {
        bytes[at++] = 0xc0 | (code >> 6);
        bytes[at++] = 0x80 | (code & 0x3f);
      } else if (code < 0xd800 || code > 0xdfff) {
        bytes[at++] = 0xe0 | (code >> 12);
        bytes[at++] = 0x80 | ((code >> 6) & 0x3f);
        bytes[at++] = 0x80 | (code & 0x3f);
      } else if (code <= 0xdbff && i + 1 < length && isLowSurrogate(text.charCodeAt(i + 1))) {
        at = writePair(bytes, at, code, text.charCodeAt(++i));
      } else if (i === 0 && at === this.#highEnd && code >= 0xdc00) {
        // The pair's 4 bytes replace the U+FFFD written for the high half.
        at = writePair(bytes, at - 3, this.#high, code);
      } else {
        bytes[at++] = 0xef;
        bytes[at++] = 0xbf;
        bytes[at++] = 0xbd;
        if (code <= 0xdbff) {
          this.#highEnd = at;
          this.#high = code;
        }
      }
    }
    return at;
  }

  /** `text`, at `at`, encoded by `Buffer.write`: see the module's notes for surrogates. */
  private encodeLong(bytes: Buffer, at: number, text: string): number {
    if (at === this.#highEnd && isLowSurrogate(text.charCodeAt(0))) {
      // The pair's 4 bytes replace the 3 of the U+FFFD written for the high half and the 3
      // counted for the low one.
      at -= 3;
      text = String.fromCharCode(this.#high) + text;
    }
    at += bytes.write(text, at);
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.#highEnd = at;
      this.#high = last;
    }
    return at;
  }
}

/** Writes the character of a surrogate pair, 4 bytes. */
function writePair(bytes: Buffer, at: number, high: number, low: number): number {
  const code = 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
  bytes[at] = 0xf0 | (code >> 18);
  bytes[at + 1] = 0x80 | ((code >> 12) & 0x3f);
  bytes[at + 2] = 0x80 | ((code >> 6) & 0x3f);
  bytes[at + 3] = 0x80 | (code & 0x3f);
  return at + 4;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

let scratch: ByteOutput | null = null;
let scratchInUse = false;

/** What `render` writes into its output (it returns where it ended), as a Buffer of its own. */
export function renderBytes(render: (output: ByteOutput) => number): Buffer {
  if (scratchInUse) return copyOut(new ByteOutput(FIRST_SCRATCH / 4), render);
  scratchInUse = true;
  try {
    scratch ??= new ByteOutput(FIRST_SCRATCH);
    scratch.reset();
    return copyOut(scratch, render);
  } finally {
    scratchInUse = false;
    if (scratch !== null && scratch.bytes.length > KEPT_SCRATCH) scratch = null;
  }
}

function copyOut(output: ByteOutput, render: (output: ByteOutput) => number): Buffer {
  const end = render(output);
  const bytes = Buffer.allocUnsafe(end);
  output.bytes.copy(bytes, 0, 0, end);
  return bytes;
}
