/**
 * Header values with parameters (tornado/httputil.py `_parse_header` and `_encode_header`):
 * `form-data; name="files"; filename*=UTF-8''%C3%A1b.txt` is the value `form-data` and the
 * parameters `name` and `filename`. Multipart bodies read their parts' `Content-Disposition`
 * with it, and the websocket module its extension offers.
 *
 * tornado's `_parse_header` comes from Python 2's `cgi.py` through `email.utils`, and this port
 * keeps what that chain does, quirks included, because a server that reads parameters
 * differently from tornado reads a different file name:
 *
 * - A `;` inside a quoted string does not end a parameter. "Inside" is counted as cgi counted
 *   it: a `"` preceded by a backslash is not a quote, even when that backslash is itself
 *   escaped.
 * - A parameter without `=` is dropped; names are lower-cased; a quoted value is unquoted
 *   (`\\` and `\"` unescaped), and so is a value in angle brackets (`<x>` is `x`).
 * - RFC 2231: `name*=charset'lang'pct-encoded` and its numbered sections `name*0`, `name*1*`,
 *   … are joined, percent-decoded and decoded from their charset; such a parameter wins over a
 *   plain one of the same name wherever it stands. As in `email.utils`, a backslash or a quote
 *   in the decoded text comes out escaped (`a\b` is `a\\b`).
 *
 * tornado's `_parseparam` rescanned the rest of the header for every `;` inside quotes, which
 * made a header of many quoted semicolons quadratic (fixed in tornado 6.5.3, CVE-2025-67726,
 * following cpython PR 136072). Here one pass over the text decides every boundary.
 */
import { optionTypeError } from '../log/errors';
import { HTTPInputError } from './errors';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SEMICOLON = 0x3b;

/**
 * Splits a header value into its value and its parameters.
 * @example
 * ```ts
 * parseHeaderParams('form-data; name="files"; filename="a;b.txt"');
 * // ['form-data', { name: 'files', filename: 'a;b.txt' }]
 * parseHeaderParams("attachment; filename*=UTF-8''T%C3%A4st");
 * // ['attachment', { filename: 'Täst' }]
 * ```
 * The parameters are a null-prototype object (names come from the peer: `__proto__` is a name
 * like any other).
 * @throws HTTPInputError when an RFC 2231 parameter has both numbered and unnumbered sections
 *   (`t*=a; t*0=b`), which Python fails to sort (a `TypeError` from tornado)
 */
export function parseHeaderParams(line: string): [value: string, params: Record<string, string>] {
  if (typeof line !== 'string')
    throw optionTypeError('parseHeaderParams()', 'line', 'a string', line);
  const [value = '', ...rest] = splitParamSegments(line);
  const params = Object.create(null) as Record<string, string>;
  for (const [name, decoded] of decodeParams(rest)) {
    // tornado's own last step, after email.utils has unquoted: a value still in quotes loses them.
    params[name] =
      decoded.length >= 2 && decoded.startsWith('"') && decoded.endsWith('"')
        ? decoded.slice(1, -1)
        : decoded;
  }
  return [value, params];
}

/**
 * The inverse of `parseHeaderParams`, as tornado's `_encode_header`: the value, then each
 * parameter in sorted order, `name=value`, or the bare name when its value is `null` (or
 * `undefined`). Values are written as given, never quoted.
 * @example
 * ```ts
 * encodeHeaderParams('permessage-deflate', {
 *   client_max_window_bits: 15,
 *   client_no_context_takeover: null,
 * }); // 'permessage-deflate; client_max_window_bits=15; client_no_context_takeover'
 * ```
 */
export function encodeHeaderParams(
  value: string,
  params: Readonly<Record<string, string | number | null | undefined>>,
): string {
  const where = 'encodeHeaderParams()';
  if (typeof value !== 'string') throw optionTypeError(where, 'value', 'a string', value);
  if (typeof params !== 'object' || params === null) {
    throw optionTypeError(where, 'params', 'an object', params);
  }
  const out = [value];
  for (const name of Object.keys(params).sort()) {
    const param = params[name];
    out.push(param === null || param === undefined ? name : `${name}=${String(param)}`);
  }
  return out.join('; ');
}

/**
 * The `;`-separated pieces of `line`, stripped, where a `;` between an odd number of quotes
 * belongs to the piece it is in. The first piece is the value; empty pieces are kept.
 */
function splitParamSegments(line: string): string[] {
  const segments: string[] = [];
  let start = 0;
  let quotes = 0;
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (code === QUOTE) {
      if (line.charCodeAt(i - 1) !== BACKSLASH) quotes++;
    } else if (code === SEMICOLON && quotes % 2 === 0) {
      segments.push(stripWhitespace(line.slice(start, i)));
      start = i + 1;
      quotes = 0;
    }
  }
  segments.push(stripWhitespace(line.slice(start)));
  return segments;
}

/** One section of an RFC 2231 parameter: `title*1*=…` is number 1, percent-encoded. */
interface Section {
  readonly number: number | null;
  readonly text: string;
  readonly encoded: boolean;
}

/** `name*`, `name*0`, `name*0*`: ASCII word characters, then a star and an optional number. */
const RFC2231_NAME = /^([A-Za-z0-9_]+)\*(?:([0-9]+)\*?)?$/;

/**
 * `email.utils.decode_params` then `collapse_rfc2231_value` over `name=value` segments: the
 * plain parameters in order, then each RFC 2231 parameter, its sections joined and decoded.
 */
function decodeParams(segments: readonly string[]): [string, string][] {
  const plain: [string, string][] = [];
  const extended = new Map<string, Section[]>();
  for (const segment of segments) {
    const eq = segment.indexOf('=');
    if (eq === -1) continue;
    const name = stripWhitespace(segment.slice(0, eq)).toLowerCase();
    const text = emailUnquote(stripWhitespace(segment.slice(eq + 1)));
    const match = RFC2231_NAME.exec(name);
    if (match === null) {
      plain.push([name, text]);
      continue;
    }
    const base = match[1]!;
    const section = {
      number: match[2] === undefined ? null : Number(match[2]),
      text,
      encoded: name.endsWith('*'),
    };
    const sections = extended.get(base);
    if (sections === undefined) extended.set(base, [section]);
    else sections.push(section);
  }
  for (const [name, sections] of extended) plain.push([name, joinSections(name, sections)]);
  return plain;
}

/**
 * Joins the sections of one RFC 2231 parameter in number order. If any was percent-encoded,
 * the whole is `charset'language'text` and is decoded from the charset.
 */
function joinSections(name: string, sections: Section[]): string {
  const numbered = sections.filter((section) => section.number !== null).length;
  if (numbered !== 0 && numbered !== sections.length) {
    throw new HTTPInputError(
      `Header parameter ${JSON.stringify(name)} mixes numbered and unnumbered RFC 2231 sections`,
    );
  }
  // Python sorts the (number, text, encoded) tuples: by number, then text, then encoded.
  sections.sort(
    (a, b) =>
      (a.number ?? 0) - (b.number ?? 0) ||
      (a.text < b.text ? -1 : a.text > b.text ? 1 : 0) ||
      Number(a.encoded) - Number(b.encoded),
  );
  let joined = '';
  let isExtended = false;
  for (const section of sections) {
    if (section.encoded) {
      joined += percentDecodeLatin1(section.text);
      isExtended = true;
    } else {
      joined += section.text;
    }
  }
  if (!isExtended) return joined;
  // email.utils escapes the text, then splits off charset and language, then decodes it with
  // the quotes and escapes still in (which is why a backslash comes out doubled).
  const quoted = emailQuote(joined);
  const firstTick = quoted.indexOf("'");
  const secondTick = firstTick === -1 ? -1 : quoted.indexOf("'", firstTick + 1);
  if (secondTick === -1) {
    // Not charset'language'text: the octets are read as ASCII.
    return decodeOctets(`"${quoted}"`, 'ascii')!;
  }
  const charset = quoted.slice(0, firstTick);
  const text = `"${quoted.slice(secondTick + 1)}"`;
  // An unknown charset leaves the text as it is, unquoted.
  return decodeOctets(text, charset) ?? emailUnquote(text);
}

/**
 * `email.utils.unquote`: strips one pair of double quotes (unescaping `\\` then `\"`) or of
 * angle brackets.
 */
function emailUnquote(text: string): string {
  if (text.length > 1) {
    if (text.startsWith('"') && text.endsWith('"')) {
      return text.slice(1, -1).replaceAll('\\\\', '\\').replaceAll('\\"', '"');
    }
    if (text.startsWith('<') && text.endsWith('>')) return text.slice(1, -1);
  }
  return text;
}

/** `email.utils.quote`: escapes backslashes and double quotes (no surrounding quotes). */
function emailQuote(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
}

/** `%XX` → the character with code XX (an octet, as latin1); other text is left alone. */
function percentDecodeLatin1(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/**
 * Decodes `text`, whose characters stand for octets, from `charset` (as Python's
 * `bytes(text, 'raw-unicode-escape').decode(charset, 'replace')`), or undefined for a charset
 * Python would not know. UTF-8, latin1 and ASCII by their Python names and aliases; other
 * charsets by their WHATWG labels, through TextDecoder.
 */
function decodeOctets(text: string, charset: string): string | undefined {
  const octets = rawUnicodeEscape(text);
  switch (pythonCodec(charset)) {
    case 'utf-8':
      return new TextDecoder('utf-8', { ignoreBOM: true }).decode(octets);
    case 'latin1':
      return octets.toString('latin1');
    case 'ascii':
      return octets.toString('latin1').replace(/[\x80-\xff]/g, '\ufffd');
    default:
      try {
        return new TextDecoder(charset, { ignoreBOM: true }).decode(octets);
      } catch {
        return undefined;
      }
  }
}

type Codec = 'utf-8' | 'latin1' | 'ascii';

/** Python's names for the codecs it has under several (`encodings.aliases`), normalized. */
const CODEC_ALIASES: ReadonlyMap<string, Codec> = new Map([
  ...aliases('utf-8', 'utf_8 utf8 u8 utf utf8_ucs2 utf8_ucs4 cp65001'),
  ...aliases(
    'latin1',
    'latin_1 latin1 latin l1 iso_8859_1 iso8859_1 iso8859 8859 cp819 ibm819 csisolatin1 ' +
      'iso_8859_1_1987 iso_ir_100',
  ),
  ...aliases(
    'ascii',
    'ascii us_ascii us 646 ansi_x3.4_1968 ansi_x3_4_1968 ansi_x3.4_1986 cp367 csascii ibm367 ' +
      'iso646_us iso_646.irv_1991 iso_ir_6',
  ),
]);

function aliases(codec: Codec, names: string): [string, Codec][] {
  return names.split(' ').map((name) => [name, codec]);
}

/** The codec Python's `codecs.lookup` finds for `charset`, among the three it matters for. */
function pythonCodec(charset: string): Codec | undefined {
  const normalized = charset
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return CODEC_ALIASES.get(normalized);
}

/**
 * Python's `raw-unicode-escape` encoding: a character below U+0100 is its octet; any other is
 * written out as `\uXXXX` (or `\UXXXXXXXX`).
 */
function rawUnicodeEscape(text: string): Buffer {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code < 0x100) out += char;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return Buffer.from(out, 'latin1');
}

/** What Python's `str.isspace()` calls whitespace: `str.strip()` with no argument strips it. */
function isPythonWhitespace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    (code >= 0x1c && code <= 0x20) ||
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

/**
 * @internal Python's `str.strip()`: trims what `isspace()` calls whitespace (which is not
 * quite JavaScript's `trim()`: it includes U+001C–U+001F and U+0085, not U+FEFF). Shared with
 * the cookie parser; not part of httputil's API.
 */
export function stripWhitespace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isPythonWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isPythonWhitespace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}
