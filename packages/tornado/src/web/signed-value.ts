/**
 * Signed values (tornado/web.py `create_signed_value`, `decode_signed_value`,
 * `get_signature_key_version`): a value with a timestamp and an HMAC, so that a value the
 * server handed out (a signed cookie, an XSRF token) can be trusted when it comes back. The
 * value is signed, not encrypted: anyone can read it (it is only base64).
 *
 * Two formats, both tornado's byte for byte, so that tornado and this read each other's:
 *
 * ```
 * v1  dmFsdWU=|1300000000|31c934969f53e48164c50768b40cbd7e2daaaa4f
 *     base64(value) | timestamp | hex HMAC-SHA1(secret, name + base64(value) + timestamp)
 *
 * v2  2|1:0|10:1300000000|3:key|8:dmFsdWU=|3d4e60b996ff9c5d5788e333a0cba6f238a22c6c0f9478887…
 *     2 | key version | timestamp | name | base64(value) | hex HMAC-SHA256 of all before it
 * ```
 *
 * In v2 each field but the first and the signature is `length:content`, and the signature
 * covers the separators, so no byte can move from one field to the next. v1 hashes its parts
 * with nothing between them: digits can be moved from the end of the payload to the front of
 * the timestamp without changing the signature, which is why a v1 timestamp must not start
 * with `0` nor lie more than 31 days ahead. v2 also names the key that signed it, so that keys
 * can be rotated: `secret` may be `{ [keyVersion]: key }`, with `keyVersion` choosing the one
 * to sign with (v2 only).
 *
 * Timestamps in the value are whole seconds since the epoch, as tornado writes them. The
 * `clock` option, like the rest of this package, gives milliseconds (`Date.now` is the
 * default): a test passes `() => 1_300_000_000_000` where tornado's passes
 * `lambda: 1300000000`.
 *
 * Signatures are compared in constant time (`crypto.timingSafeEqual`); only their length can
 * leak, as with Python's `hmac.compare_digest`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { formatValue } from '@aio/selector/internal';
import { genLog } from '../log';
import { optionTypeError, optionValueError } from '../log/errors';

/** The newest version `decodeSignedValue` reads. */
export const MAX_SUPPORTED_SIGNED_VALUE_VERSION = 2;
/** The version `createSignedValue` writes unless told otherwise. */
export const DEFAULT_SIGNED_VALUE_VERSION = 2;
/** The oldest version `decodeSignedValue` accepts unless told otherwise. */
export const DEFAULT_SIGNED_VALUE_MIN_VERSION = 1;

/**
 * The key that signs: a string or bytes, or (v2 only) keys by key version, so that values
 * signed with an older key are still read while new ones are signed with the newest.
 */
export type SignedValueSecret = string | Uint8Array | Readonly<Record<number, string | Uint8Array>>;

/** Options of `createSignedValue`. */
export interface CreateSignedValueOptions {
  /** The format: 1 (HMAC-SHA1, no key versions) or 2 (the default). */
  readonly version?: number;
  /** Now, in milliseconds since the epoch (`Date.now` by default); the value records seconds. */
  readonly clock?: () => number;
  /**
   * The key version written into a v2 value (0 by default). With a `secret` of several keys,
   * it is required and chooses the key that signs.
   */
  readonly keyVersion?: number | null;
}

/** Options of `decodeSignedValue`. */
export interface DecodeSignedValueOptions {
  /** How old a value may be, in days (31 by default; fractions allowed). */
  readonly maxAgeDays?: number;
  /** Now, in milliseconds since the epoch (`Date.now` by default). */
  readonly clock?: () => number;
  /** The oldest format to accept (1 by default): 2 refuses v1 values. */
  readonly minVersion?: number;
}

const DAY_SECONDS = 86_400;
const SEPARATOR = 0x7c; // |

/**
 * Signs `value` under `name` (the cookie's name: a value signed for one name does not decode
 * under another).
 * @example
 * ```ts
 * const clock = () => 1_300_000_000_000;
 * createSignedValue("It's a secret to everybody", 'key', 'value', { clock }).toString();
 * // '2|1:0|10:1300000000|3:key|8:dmFsdWU=|3d4e60b996ff9c5d5788e333a0cba6f238a22c6c0f94788870e1a9ecd482e152'
 * createSignedValue({ 0: 'old key', 1: 'new key' }, 'session', userId, { keyVersion: 1 });
 * ```
 * @returns the signed value, ASCII bytes
 * @throws TypeError for an argument or option of the wrong type, or a key-version `secret`
 *   without `keyVersion`; RangeError for a version other than 1 and 2, a key-version `secret`
 *   with version 1, a `keyVersion` the secret has no key for, or a clock that is not finite
 */
export function createSignedValue(
  secret: SignedValueSecret,
  name: string,
  value: string | Uint8Array,
  options: CreateSignedValueOptions = {},
): Buffer {
  const where = 'createSignedValue()';
  checkSecret(where, secret);
  if (typeof name !== 'string') throw optionTypeError(where, 'name', 'a string', name);
  const bytes = bytesArgument(where, 'value', value);
  const version = options.version ?? DEFAULT_SIGNED_VALUE_VERSION;
  const keyVersion = keyVersionOption(where, options.keyVersion);
  const seconds = Math.trunc(clockReading(where, options.clock) / 1000);
  // BigInt writes every digit, as Python's str(int) does, where String() turns to 1e+21.
  const timestamp = Buffer.from(BigInt(seconds).toString(), 'latin1');
  const payload = Buffer.from(bytes.toString('base64'), 'latin1');
  if (version === 1) {
    if (isKeyVersions(secret)) {
      throw optionValueError(where, 'secret', 'a string or bytes for version 1', secret);
    }
    const signature = signatureV1(secret, [Buffer.from(name, 'utf8'), payload, timestamp]);
    return Buffer.concat([payload, BAR, timestamp, BAR, signature]);
  }
  if (version === 2) {
    let key: string | Uint8Array;
    if (isKeyVersions(secret)) {
      if (keyVersion === null) {
        throw optionTypeError(where, 'keyVersion', 'a key version of secret', keyVersion);
      }
      const chosen = keyOf(secret, keyVersion);
      if (chosen === undefined) {
        throw optionValueError(where, 'keyVersion', 'a key version of secret', keyVersion);
      }
      key = chosen;
    } else {
      key = secret;
    }
    // #region signed-value-v2
    // tornado writes the name's length in characters (code points) and the name in UTF-8:
    // the two agree only for an ASCII name, as a cookie's name is. A value signed under any
    // other name is written all the same, and neither tornado nor this can read it back.
    const toSign = Buffer.concat([
      Buffer.from('2|', 'latin1'),
      field(String(keyVersion ?? 0)),
      field(timestamp),
      field(name, Array.from(name).length),
      field(payload),
    ]);
    return Buffer.concat([toSign, signatureV2(key, toSign)]);
    // #endregion signed-value-v2
  }
  throw optionValueError(where, 'version', '1 or 2', version);
}

/**
 * Checks a signed value and returns what was signed, or null when it is not a value signed
 * under `name` with `secret`, has expired, or is older than `minVersion`.
 * @example
 * ```ts
 * const signed = createSignedValue(secret, 'session', 'alice');
 * decodeSignedValue(secret, 'session', signed)?.toString(); // 'alice'
 * decodeSignedValue(secret, 'other', signed); // null
 * decodeSignedValue(secret, 'session', signed, { maxAgeDays: 0, clock: () => Date.now() + 1000 }); // null
 * ```
 * A v1 value that fails is logged (as tornado logs it) on `tornado.general`. A v1 value met
 * with a `secret` of several keys is null, where tornado fails an assertion (v1 has no key
 * versions, and the value comes from the client).
 * @throws TypeError for an argument or option of the wrong type; RangeError for a
 *   `minVersion` above 2, a NaN `maxAgeDays`, or a clock that is not finite
 */
export function decodeSignedValue(
  secret: SignedValueSecret,
  name: string,
  value: string | Uint8Array | null | undefined,
  options: DecodeSignedValueOptions = {},
): Buffer | null {
  const where = 'decodeSignedValue()';
  checkSecret(where, secret);
  if (typeof name !== 'string') throw optionTypeError(where, 'name', 'a string', name);
  const maxAgeDays = options.maxAgeDays ?? 31;
  if (typeof maxAgeDays !== 'number') {
    throw optionTypeError(where, 'maxAgeDays', 'a number', maxAgeDays);
  }
  if (Number.isNaN(maxAgeDays)) throw optionValueError(where, 'maxAgeDays', 'a number', maxAgeDays);
  const minVersion = options.minVersion ?? DEFAULT_SIGNED_VALUE_MIN_VERSION;
  if (typeof minVersion !== 'number') {
    throw optionTypeError(where, 'minVersion', 'a number', minVersion);
  }
  if (!(minVersion <= MAX_SUPPORTED_SIGNED_VALUE_VERSION)) {
    throw optionValueError(where, 'minVersion', 'at most 2', minVersion);
  }
  if (value === null || value === undefined || value.length === 0) return null;
  const text = bytesArgument(where, 'value', value).toString('latin1');
  const nowSeconds = clockReading(where, options.clock) / 1000;
  const oldest = nowSeconds - maxAgeDays * DAY_SECONDS;

  const version = versionOf(text);
  if (version < minVersion) return null;
  if (version === 1) {
    if (isKeyVersions(secret)) return null;
    return decodeV1(secret, name, text, oldest, nowSeconds);
  }
  if (version === 2) return decodeV2(secret, name, text, oldest);
  return null;
}

/**
 * The key version a v2 value says it was signed with (not checked: the signature is not
 * verified), or null for a v1 value or one that is malformed.
 * @example
 * ```ts
 * getSignatureKeyVersion('2|1:1|10:1300000000|3:key|8:dmFsdWU=|…'); // 1
 * ```
 * @throws TypeError for anything but a string or bytes
 */
export function getSignatureKeyVersion(value: string | Uint8Array): number | null {
  const text = bytesArgument('getSignatureKeyVersion()', 'value', value).toString('latin1');
  if (versionOf(text) < 2) return null;
  return fieldsV2(text)?.keyVersion ?? null;
}

// ─── Reading ────────────────────────────────────────────────────────────────────────────────────
// The value is handled as a latin1 string: one character per byte, so slices and lengths are
// the bytes', and `Buffer.from(part, 'latin1')` gives a part's bytes back.

/**
 * The format of a value: a v2 (or later) value starts with its version, a decimal number
 * without a leading zero, and `|`. A v1 value starts with base64, which can look like that too,
 * but only as a number of 4, 8, … digits: so any number above 999 means v1.
 */
function versionOf(text: string): number {
  const match = /^([1-9][0-9]*)\|/.exec(text);
  // Python's `^…\|(.*)$` also wants no newline after the `|`, but one at the very end.
  if (match === null) return 1;
  const newline = text.indexOf('\n', match[0].length);
  if (newline !== -1 && newline !== text.length - 1) return 1;
  const version = Number(match[1]);
  return version > 999 ? 1 : version;
}

function decodeV1(
  secret: string | Uint8Array,
  name: string,
  text: string,
  oldest: number,
  nowSeconds: number,
): Buffer | null {
  const parts = text.split('|');
  if (parts.length !== 3) return null;
  const [payload, timestampText, passed] = parts as [string, string, string];
  const bytesOfPart = (part: string): Buffer => Buffer.from(part, 'latin1');
  const expected = signatureV1(secret, [
    Buffer.from(name, 'utf8'),
    bytesOfPart(payload),
    bytesOfPart(timestampText),
  ]);
  if (!sameBytes(bytesOfPart(passed), expected)) {
    genLog.warn(`Invalid cookie signature ${formatValue(text)}`);
    return null;
  }
  // Only a value signed here gets this far, so its timestamp is ours, but for digits moved
  // across the boundary (see the module's notes). tornado's int() would raise on anything else.
  const timestamp = pythonInt(timestampText);
  if (timestamp === null) return null;
  if (timestamp < oldest) {
    genLog.warn(`Expired cookie ${formatValue(text)}`);
    return null;
  }
  if (timestamp > nowSeconds + 31 * DAY_SECONDS) {
    genLog.warn(`Cookie timestamp in future; possible tampering ${formatValue(text)}`);
    return null;
  }
  if (timestampText.startsWith('0')) {
    genLog.warn(`Tampered cookie ${formatValue(text)}`);
    return null;
  }
  return pythonBase64Decode(payload);
}

function decodeV2(
  secret: SignedValueSecret,
  name: string,
  text: string,
  oldest: number,
): Buffer | null {
  const fields = fieldsV2(text);
  if (fields === null) return null;
  const { keyVersion, timestamp, name: signedName, payload, signature } = fields;
  // As Python's value[:-len(sig)]: with no signature at all, that is the empty string.
  const signed = signature.length === 0 ? '' : text.slice(0, -signature.length);
  const key = isKeyVersions(secret) ? keyOf(secret, keyVersion) : secret;
  if (key === undefined) return null;
  const expected = signatureV2(key, Buffer.from(signed, 'latin1'));
  if (!sameBytes(Buffer.from(signature, 'latin1'), expected)) return null;
  if (signedName !== Buffer.from(name, 'utf8').toString('latin1')) return null;
  const seconds = pythonInt(timestamp);
  if (seconds === null || seconds < oldest) return null;
  return pythonBase64Decode(payload);
}

interface FieldsV2 {
  readonly keyVersion: number;
  readonly timestamp: string;
  readonly name: string;
  readonly payload: string;
  readonly signature: string;
}

/**
 * Splits a v2 value into its fields, or null when it is malformed: a length that is not a
 * number, or a field not followed by `|`. Lengths are read with Python's slicing, whose
 * negative indices `String.slice` shares.
 */
function fieldsV2(text: string): FieldsV2 | null {
  const taken: string[] = [];
  let rest = text.slice(2);
  for (let i = 0; i < 4; i++) {
    const colon = rest.indexOf(':');
    const length = pythonInt(colon === -1 ? rest : rest.slice(0, colon));
    if (length === null) return null;
    const after = colon === -1 ? '' : rest.slice(colon + 1);
    if (after.slice(length, length + 1) !== '|') return null;
    taken.push(after.slice(0, length));
    rest = after.slice(length + 1);
  }
  const [keyVersionText, timestamp, name, payload] = taken as [string, string, string, string];
  const keyVersion = pythonInt(keyVersionText);
  if (keyVersion === null) return null;
  return { keyVersion, timestamp, name, payload, signature: rest };
}

/**
 * Python's `int()` of ASCII bytes: whitespace around, a sign, digits with single underscores
 * between them (`1_000`); null where Python raises ValueError.
 */
function pythonInt(text: string): number | null {
  if (!/^[ \t\n\v\f\r]*[+-]?[0-9]+(?:_[0-9]+)*[ \t\n\v\f\r]*$/.test(text)) return null;
  return Number(text.replaceAll('_', '').trim());
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Python's `base64.b64decode` (`binascii.a2b_base64`, not strict): characters outside the
 * alphabet are skipped; a pad that completes a quad ends the data (what follows is ignored);
 * null (Python's binascii.Error) when the data ends inside a quad. `Buffer.from(…, 'base64')`
 * never fails and stops at the first `=`, so it would accept what tornado refuses.
 */
function pythonBase64Decode(text: string): Buffer | null {
  const out: number[] = [];
  let quad = 0;
  let pads = 0;
  let left = 0;
  for (const char of text) {
    if (char === '=') {
      pads++;
      if (quad >= 2 && quad + pads >= 4) return Buffer.from(out);
      continue;
    }
    const sextet = BASE64_ALPHABET.indexOf(char);
    if (sextet === -1) continue;
    pads = 0;
    if (quad === 0) left = sextet;
    else if (quad === 1) out.push(((left << 2) | (sextet >> 4)) & 0xff);
    else if (quad === 2) out.push(((left << 4) | (sextet >> 2)) & 0xff);
    else out.push(((left << 6) | sextet) & 0xff);
    if (quad === 1) left = sextet & 0x0f;
    else if (quad === 2) left = sextet & 0x03;
    quad = (quad + 1) % 4;
  }
  return quad === 0 ? Buffer.from(out) : null;
}

// ─── Signing ────────────────────────────────────────────────────────────────────────────────────

const BAR = Buffer.from([SEPARATOR]);

/** A v2 field, `length:content|`; the length is the content's bytes unless given. */
function field(content: string | Buffer, length?: number): Buffer {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return Buffer.concat([Buffer.from(`${length ?? bytes.length}:`, 'latin1'), bytes, BAR]);
}

function signatureV1(secret: string | Uint8Array, parts: readonly Buffer[]): Buffer {
  const hmac = createHmac('sha1', secret);
  for (const part of parts) hmac.update(part);
  return Buffer.from(hmac.digest('hex'), 'latin1');
}

function signatureV2(secret: string | Uint8Array, toSign: Buffer): Buffer {
  return Buffer.from(createHmac('sha256', secret).update(toSign).digest('hex'), 'latin1');
}

/** `hmac.compare_digest`: false for different lengths, constant time for equal ones. */
function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

// ─── Arguments ──────────────────────────────────────────────────────────────────────────────────

function isKeyVersions(
  secret: SignedValueSecret,
): secret is Readonly<Record<number, string | Uint8Array>> {
  return typeof secret === 'object' && !(secret instanceof Uint8Array);
}

/** The key for `keyVersion` (an own property only: the numbers come from the client). */
function keyOf(
  secret: Readonly<Record<number, string | Uint8Array>>,
  keyVersion: number,
): string | Uint8Array | undefined {
  const property = String(keyVersion);
  return Object.hasOwn(secret, property) ? secret[keyVersion] : undefined;
}

function checkSecret(where: string, secret: unknown): void {
  const expected = 'a string, bytes, or an object of them by key version';
  if (typeof secret === 'string' || secret instanceof Uint8Array) return;
  if (typeof secret !== 'object' || secret === null) {
    throw optionTypeError(where, 'secret', expected, secret);
  }
  const proto = Object.getPrototypeOf(secret) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    throw optionTypeError(where, 'secret', expected, secret);
  }
  for (const [version, key] of Object.entries(secret)) {
    if (!/^(?:0|-?[1-9][0-9]*)$/.test(version)) {
      throw optionValueError(where, 'secret', 'keyed by integer key versions', secret);
    }
    if (typeof key !== 'string' && !(key instanceof Uint8Array)) {
      throw optionTypeError(where, `secret[${version}]`, 'a string or bytes', key);
    }
  }
}

function bytesArgument(where: string, option: string, value: unknown): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  throw optionTypeError(where, option, 'a string or bytes', value);
}

function keyVersionOption(where: string, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number') throw optionTypeError(where, 'keyVersion', 'an integer', value);
  if (!Number.isSafeInteger(value)) {
    throw optionValueError(where, 'keyVersion', 'an integer', value);
  }
  return value;
}

/** The clock's reading, in milliseconds. */
function clockReading(where: string, clock: (() => number) | undefined): number {
  if (clock === undefined) return Date.now();
  if (typeof clock !== 'function') throw optionTypeError(where, 'clock', 'a function', clock);
  const now: unknown = clock();
  if (typeof now !== 'number') {
    throw optionTypeError(where, 'clock()', 'a number of milliseconds', now);
  }
  if (!Number.isFinite(now)) {
    throw optionValueError(where, 'clock()', 'a finite number of milliseconds', now);
  }
  return now;
}
