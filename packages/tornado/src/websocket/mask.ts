/**
 * RFC 6455 §5.3 masking: every payload byte XORed with the 4-byte key, byte `i` with
 * `key[i % 4]`. Masking and unmasking are the same operation; done in place.
 *
 * The bytes are XORed a 32-bit word at a time over the part of the buffer that sits on a 4-byte
 * boundary of its ArrayBuffer (a Uint32Array view needs that alignment), and one at a time before
 * and after it. The key is turned into the word that lines up with the aligned part: rotated by
 * the bytes done before it, read in the platform's byte order (the view reads memory the same
 * way). Below WORD_MIN bytes the view is not worth making.
 */

const WORD_MIN = 32;
/** A 4-byte scratch and its word view, to read a rotated key in the platform's byte order. */
const keyBytes = new Uint8Array(4);
const keyWord = new Uint32Array(keyBytes.buffer);

// #region apply-mask
/**
 * XORs `data[start, end)` with `key` (4 bytes from `keyOffset`), in place, the key starting at
 * `data[start]`.
 */
export function applyMask(
  data: Uint8Array,
  key: Uint8Array,
  keyOffset = 0,
  start = 0,
  end = data.length,
): void {
  const k0 = key[keyOffset]!;
  const k1 = key[keyOffset + 1]!;
  const k2 = key[keyOffset + 2]!;
  const k3 = key[keyOffset + 3]!;
  let i = start;
  if (end - start >= WORD_MIN) {
    // Bytes one at a time up to a 4-byte boundary of the underlying memory.
    const misaligned = (data.byteOffset + i) & 3;
    const head = misaligned === 0 ? 0 : 4 - misaligned;
    for (let n = 0; n < head; n++, i++) data[i] = data[i]! ^ keyAt(i - start, k0, k1, k2, k3);
    const words = (end - i) >>> 2;
    // The key as it lines up from here: rotated by the bytes done.
    const r = i - start;
    keyBytes[0] = keyAt(r, k0, k1, k2, k3);
    keyBytes[1] = keyAt(r + 1, k0, k1, k2, k3);
    keyBytes[2] = keyAt(r + 2, k0, k1, k2, k3);
    keyBytes[3] = keyAt(r + 3, k0, k1, k2, k3);
    const word = keyWord[0]!;
    const view = new Uint32Array(data.buffer, data.byteOffset + i, words);
    for (let w = 0; w < words; w++) view[w] = view[w]! ^ word;
    i += words << 2;
  }
  for (; i + 3 < end; i += 4) {
    const r = (i - start) & 3;
    data[i] = data[i]! ^ keyAt(r, k0, k1, k2, k3);
    data[i + 1] = data[i + 1]! ^ keyAt(r + 1, k0, k1, k2, k3);
    data[i + 2] = data[i + 2]! ^ keyAt(r + 2, k0, k1, k2, k3);
    data[i + 3] = data[i + 3]! ^ keyAt(r + 3, k0, k1, k2, k3);
  }
  for (; i < end; i++) data[i] = data[i]! ^ keyAt(i - start, k0, k1, k2, k3);
}
// #endregion apply-mask

/** The key byte for payload position `i`. */
function keyAt(i: number, k0: number, k1: number, k2: number, k3: number): number {
  switch (i & 3) {
    case 0:
      return k0;
    case 1:
      return k1;
    case 2:
      return k2;
    default:
      return k3;
  }
}

/**
 * Writes `source` masked with `key` into `target` at `at` (a copy: the caller's bytes are left
 * alone), for a client's frames.
 */
export function maskInto(
  source: Uint8Array,
  target: Uint8Array,
  at: number,
  key: Uint8Array,
  keyOffset = 0,
): void {
  target.set(source, at);
  applyMask(target, key, keyOffset, at, at + source.length);
}
