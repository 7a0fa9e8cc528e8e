/**
 * Percent-encoding (tornado/escape.py `url_escape`, `url_unescape`), which tornado does with
 * Python's `urllib.parse` (`quote_plus`/`quote`, `unquote_plus`/`unquote`, `unquote_to_bytes`).
 *
 * Unlike urllib, tornado defaults to `plus`: a space is `+`, the form and query-string
 * convention. With `plus: false` a space is `%20` and `/` is left alone, for a URL's path.
 *
 * Escaping keeps only RFC 3986's unreserved characters (`A–Z a–z 0–9 - . _ ~`), where
 * `encodeURIComponent` also keeps `! ' ( ) *`. Unescaping decodes every `%XX`, keeps a `%`
 * that two hex digits do not follow, and decodes the octets as UTF-8 with U+FFFD for each
 * invalid sequence, as urllib does (with `errors='replace'`); characters that are not ASCII
 * pass through undecoded and unencoded.
 */
import { optionTypeError, optionValueError } from '../log/errors';
import { bytesOf, textOf } from './text';

/** Options of `urlEscape`. */
export interface UrlEscapeOptions {
  /** Space as `+` and `/` as `%2F` (the default: query strings and forms), or space as `%20` and `/` kept (paths). */
  readonly plus?: boolean;
}

/** Options of `urlUnescape`. */
export interface UrlUnescapeOptions {
  /** `+` read as a space (the default: query strings and forms), or kept (paths). */
  readonly plus?: boolean;
  /**
   * How the decoded octets are read: `'utf8'` (the default, `'utf-8'` is the same) or
   * `'latin1'`; or `null` to have the octets themselves, as a Buffer.
   */
  readonly encoding?: UrlEncoding | null;
}

/** The encodings `urlUnescape` can decode to text. */
export type UrlEncoding = 'utf8' | 'utf-8' | 'latin1';

/**
 * Percent-encodes `value` (a string is encoded as UTF-8 first; bytes are taken as they are).
 * @example
 * ```ts
 * urlEscape('a b/é+'); // 'a+b%2F%C3%A9%2B'
 * urlEscape('a b/é+', { plus: false }); // 'a%20b/%C3%A9%2B'
 * urlEscape(Buffer.from([0xe9])); // '%E9'
 * ```
 * @throws TypeError for anything but a string or bytes, or an option of the wrong type
 */
export function urlEscape(value: string | Uint8Array, options: UrlEscapeOptions = {}): string {
  const where = 'urlEscape()';
  const plus = booleanOption(where, 'plus', options.plus);
  if (typeof value === 'string' && UNRESERVED_ONLY.test(value)) return value;
  const table = plus ? ESCAPE_PLUS : ESCAPE_PATH;
  let out = '';
  for (const octet of bytesOf(where, value)) out += table[octet]!;
  return out;
}

const UNRESERVED_ONLY = /^[A-Za-z0-9_.~-]*$/;

/** What each octet becomes: itself if unreserved (or `/` in a path), `+` for a space, or `%XX`. */
function escapeTable(plus: boolean): readonly string[] {
  return Array.from({ length: 256 }, (_, octet) => {
    const char = String.fromCharCode(octet);
    if (/^[A-Za-z0-9_.~-]$/.test(char) || (!plus && char === '/')) return char;
    if (plus && char === ' ') return '+';
    return `%${octet.toString(16).toUpperCase().padStart(2, '0')}`;
  });
}

const ESCAPE_PLUS = escapeTable(true);
const ESCAPE_PATH = escapeTable(false);

/**
 * Decodes a percent-encoded `value`, to a string by default, or to its octets with
 * `encoding: null`.
 * @example
 * ```ts
 * urlUnescape('a+b%2F%C3%A9%2B'); // 'a b/é+'
 * urlUnescape('a+b', { plus: false }); // 'a+b'
 * urlUnescape('%C3%A9', { encoding: 'latin1' }); // 'Ã©'
 * urlUnescape('%C3%A9', { encoding: null }); // <Buffer c3 a9>
 * urlUnescape('%E9'); // '\ufffd' (not UTF-8)
 * ```
 * Bytes given as `value` must be UTF-8 (they are read as text first, as tornado reads them),
 * except with `encoding: null, plus: false`, where they are decoded octet by octet.
 * @throws TypeError for anything but a string or bytes, for bytes that are not UTF-8, or an
 *   option of the wrong type; RangeError for an encoding other than utf8 and latin1
 */
export function urlUnescape(
  value: string | Uint8Array,
  options: UrlUnescapeOptions & { readonly encoding: null },
): Buffer;
export function urlUnescape(
  value: string | Uint8Array,
  options?: UrlUnescapeOptions & { readonly encoding?: UrlEncoding },
): string;
export function urlUnescape(
  value: string | Uint8Array,
  options?: UrlUnescapeOptions,
): string | Buffer;
export function urlUnescape(
  value: string | Uint8Array,
  options: UrlUnescapeOptions = {},
): string | Buffer {
  const where = 'urlUnescape()';
  const plus = booleanOption(where, 'plus', options.plus);
  const encoding = options.encoding === undefined ? 'utf8' : options.encoding;
  if (encoding === null) {
    // urllib has no unquote_plus for bytes: tornado makes the spaces in text, then encodes.
    const octets = plus
      ? Buffer.from(textOf(where, value).replaceAll('+', ' '), 'utf8')
      : bytesOf(where, value);
    return percentDecode(octets);
  }
  if (encoding !== 'utf8' && encoding !== 'utf-8' && encoding !== 'latin1') {
    throw optionValueError(where, 'encoding', "'utf8', 'latin1' or null", encoding);
  }
  let text = textOf(where, value);
  if (plus) text = text.replaceAll('+', ' ');
  if (!text.includes('%')) return text;
  // urllib decodes each run of ASCII (where every %XX is) and passes the rest through.
  // eslint-disable-next-line no-control-regex -- ASCII is U+0000–U+007F
  return text.replace(/[\x00-\x7f]+/g, (ascii) =>
    percentDecode(Buffer.from(ascii, 'latin1')).toString(encoding === 'latin1' ? 'latin1' : 'utf8'),
  );
}

const PERCENT = 0x25;

/**
 * `urllib.parse.unquote_to_bytes`: each `%` and two hex digits → that octet; the rest kept.
 * Always new memory, never the caller's Buffer.
 */
function percentDecode(octets: Buffer): Buffer {
  let at = octets.indexOf(PERCENT);
  if (at === -1) return Buffer.from(octets);
  const out = Buffer.allocUnsafe(octets.length);
  let length = 0;
  let from = 0;
  for (; at !== -1; at = octets.indexOf(PERCENT, from)) {
    const high = hexValue(octets[at + 1]);
    const low = hexValue(octets[at + 2]);
    if (high === -1 || low === -1) {
      length += octets.copy(out, length, from, at + 1);
      from = at + 1;
    } else {
      length += octets.copy(out, length, from, at);
      out[length++] = high * 16 + low;
      from = at + 3;
    }
  }
  length += octets.copy(out, length, from);
  return out.subarray(0, length);
}

function hexValue(octet: number | undefined): number {
  if (octet === undefined) return -1;
  if (octet >= 0x30 && octet <= 0x39) return octet - 0x30;
  if (octet >= 0x41 && octet <= 0x46) return octet - 0x41 + 10;
  if (octet >= 0x61 && octet <= 0x66) return octet - 0x61 + 10;
  return -1;
}

function booleanOption(where: string, option: string, value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') throw optionTypeError(where, option, 'a boolean', value);
  return value;
}
