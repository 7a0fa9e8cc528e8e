/**
 * Strings and bytes (tornado/escape.py `utf8`, `to_unicode`, `recursive_unicode`, `squeeze`),
 * and the checks the other escape functions share.
 *
 * Python keeps text (`str`) and bytes apart and converts between them as UTF-8; here text is a
 * string and bytes are a `Buffer` (any `Uint8Array` is accepted). The two directions differ in
 * what they do with what does not convert:
 * - Bytes that are not UTF-8 throw, as Python's strict codec raises `UnicodeDecodeError`:
 *   tornado counts on it to answer 400 to an argument that is not UTF-8.
 * - A string with a lone surrogate (half an emoji, cut by `slice`) is encoded with U+FFFD in
 *   its place, as `Buffer.from`, `TextEncoder` and every web API encode it, where Python
 *   raises `UnicodeEncodeError`. Python's strings rarely hold one; JavaScript's often do.
 */
import { isUtf8 } from 'node:buffer';
import { formatValue } from '@aio/selector/internal';

/**
 * Encodes a string as UTF-8; bytes and null are returned as they are.
 * @example
 * ```ts
 * utf8('é'); // <Buffer c3 a9>
 * utf8(Buffer.from('abc')); // the same Buffer
 * utf8(null); // null
 * ```
 * A `Uint8Array` that is not a `Buffer` comes back as a `Buffer` over the same memory.
 * @throws TypeError for anything but a string, bytes or null
 */
export function utf8(value: string | Uint8Array): Buffer;
export function utf8(value: null): null;
export function utf8(value: string | Uint8Array | null): Buffer | null;
export function utf8(value: string | Uint8Array | null): Buffer | null {
  if (value === null) return null;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return asBuffer(value);
  throw expectedTypeError('utf8()', 'a string, bytes or null', value);
}

/**
 * Decodes UTF-8 bytes to a string; strings and null are returned as they are.
 * @example
 * ```ts
 * toUnicode(Buffer.from([0xc3, 0xa9])); // 'é'
 * toUnicode('abc'); // 'abc'
 * toUnicode(null); // null
 * ```
 * A byte order mark is kept, as Python's `utf-8` codec keeps it.
 * @throws TypeError for anything but a string, bytes or null, and (with code
 *   `ERR_ENCODING_INVALID_ENCODED_DATA`) for bytes that are not UTF-8
 */
export function toUnicode(value: string | Uint8Array): string;
export function toUnicode(value: null): null;
export function toUnicode(value: string | Uint8Array | null): string | null;
export function toUnicode(value: string | Uint8Array | null): string | null {
  if (value === null) return null;
  return textOf('toUnicode()', value, 'a string, bytes or null');
}

/** What `recursiveUnicode` makes of a `T`. */
export type RecursiveUnicode<T> = T extends Uint8Array
  ? string
  : T extends ReadonlyMap<infer K, infer V>
    ? Map<RecursiveUnicode<K>, RecursiveUnicode<V>>
    : T extends readonly unknown[]
      ? { -readonly [I in keyof T]: RecursiveUnicode<T[I]> }
      : T extends Record<string, unknown>
        ? { -readonly [K in keyof T]: RecursiveUnicode<T[K]> }
        : T;

/**
 * Walks arrays, plain objects and Maps, and returns a copy with every bytes value decoded as
 * UTF-8 (tornado's `recursive_unicode`, which walks lists, tuples and dicts).
 * @example
 * ```ts
 * recursiveUnicode({ foo: [Buffer.from('bar')] }); // { foo: ['bar'] }
 * recursiveUnicode(new Map([[Buffer.from('k'), Buffer.from('v')]])); // Map { 'k' => 'v' }
 * ```
 * A Map stands for a dict whose keys are bytes (an object's keys are strings already). Any
 * other value, a class instance included, is returned as it is.
 * @throws TypeError (code `ERR_ENCODING_INVALID_ENCODED_DATA`) for bytes that are not UTF-8
 */
export function recursiveUnicode<T>(obj: T): RecursiveUnicode<T> {
  return walk(obj) as RecursiveUnicode<T>;
}

function walk(obj: unknown): unknown {
  if (obj instanceof Uint8Array) return decodeUtf8('recursiveUnicode()', obj);
  if (Array.isArray(obj)) return obj.map(walk);
  if (obj instanceof Map) {
    return new Map([...(obj as Map<unknown, unknown>)].map(([k, v]) => [walk(k), walk(v)]));
  }
  if (isPlainObject(obj)) {
    const copy: Record<string, unknown> =
      Object.getPrototypeOf(obj) === null ? (Object.create(null) as Record<string, unknown>) : {};
    for (const [key, value] of Object.entries(obj)) copy[key] = walk(value);
    return copy;
  }
  return obj;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Replaces each run of whitespace and control characters (U+0000–U+0020) with one space, and
 * strips the ends.
 * @example
 * ```ts
 * squeeze('  sequences \t of\n whitespace  '); // 'sequences of whitespace'
 * ```
 * The ends are stripped as Python's `str.strip()` strips them, which also takes U+0085 and
 * Unicode's spaces (U+00A0, U+3000, …) but not U+FEFF, where `String.trim` is the other way
 * round.
 * @throws TypeError for anything but a string
 */
export function squeeze(value: string): string {
  if (typeof value !== 'string') throw expectedTypeError('squeeze()', 'a string', value);
  // eslint-disable-next-line no-control-regex -- the control characters are the point
  return pythonStrip(value.replace(/[\x00-\x20]+/g, ' '));
}

// ─── Shared by the escape functions ─────────────────────────────────────────────────────────────

/**
 * What Python's `str.isspace()` (and so `str.strip()` and `\s` in a `re` pattern) counts as
 * whitespace: Unicode's White_Space characters and the four information separators
 * U+001C–U+001F. It differs from JavaScript's `\s` in those four and U+0085, which Python has
 * and JavaScript has not, and in U+FEFF, which JavaScript has and Python has not.
 */
export const PYTHON_WHITESPACE =
  '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const IS_PYTHON_WHITESPACE = new RegExp(`^[${PYTHON_WHITESPACE}]$`);

/** Python's `str.strip()`: whitespace as Python counts it off both ends. */
export function pythonStrip(text: string): string {
  // Two index scans rather than `/^\s+|\s+$/`, which is quadratic on a long inner run.
  let start = 0;
  let end = text.length;
  while (start < end && IS_PYTHON_WHITESPACE.test(text[start]!)) start++;
  while (end > start && IS_PYTHON_WHITESPACE.test(text[end - 1]!)) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/**
 * A TypeError saying what `where` expected and what it got, with Node's code for an argument
 * of the wrong type: `xhtmlEscape() expected a string or bytes, got 42`.
 */
export function expectedTypeError(where: string, expected: string, value: unknown): TypeError {
  return Object.assign(new TypeError(`${where} expected ${expected}, got ${formatValue(value)}`), {
    code: 'ERR_INVALID_ARG_TYPE',
  });
}

/** `value` as text: a string as it is, bytes decoded as UTF-8 (strictly). */
export function textOf(where: string, value: unknown, expected = 'a string or bytes'): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return decodeUtf8(where, value);
  throw expectedTypeError(where, expected, value);
}

/** `value` as bytes: a string encoded as UTF-8, bytes as they are. */
export function bytesOf(where: string, value: unknown): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return asBuffer(value);
  throw expectedTypeError(where, 'a string or bytes', value);
}

/**
 * Strict UTF-8, as Python's codec: `isUtf8` (simdutf) rejects what Python rejects (overlong
 * forms, surrogates, values above U+10FFFF, truncated sequences), and `toString` keeps a BOM.
 */
function decodeUtf8(where: string, bytes: Uint8Array): string {
  if (!isUtf8(bytes)) {
    throw Object.assign(new TypeError(`${where} expected UTF-8 bytes, got ${formatValue(bytes)}`), {
      code: 'ERR_ENCODING_INVALID_ENCODED_DATA',
    });
  }
  return asBuffer(bytes).toString('utf8');
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}
