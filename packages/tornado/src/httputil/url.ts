/**
 * URL and query-string helpers of tornado/httputil.py (and `parse_qs_bytes` of tornado/escape.py):
 * `urlConcat`, `parseQsBytes`, `qsToQsl`, `splitHostAndPort`, and `formatTimestamp` for the
 * dates HTTP headers carry.
 *
 * Query strings are read as Python's `urllib.parse.parse_qsl` reads them: `&` separates fields
 * (`;` does not, as in Python since 3.9.2), `+` is a space, `%XX` an octet, a malformed `%` is
 * kept as it is, and an empty field is skipped.
 */
import { optionTypeError, optionValueError } from '../log/errors';

/** What HTTP calls whitespace inside a header line (RFC 9110 OWS): space and tab only. */
export const HTTP_WHITESPACE = ' \t';

/** The arguments `urlConcat` appends: an object, or [name, value] pairs (names may repeat). */
export type UrlConcatArgs =
  Readonly<Record<string, string | number>> | ReadonlyArray<readonly [string, string | number]>;

/**
 * Appends query arguments to `url`, after any it has already, before its `#fragment`.
 * @example
 * ```ts
 * urlConcat('http://example.com/foo', { c: 'd' }); // 'http://example.com/foo?c=d'
 * urlConcat('http://example.com/foo?a=b', [['c', 'd'], ['c', 'd2']]);
 * // 'http://example.com/foo?a=b&c=d&c=d2'
 * ```
 * The query is rebuilt, as tornado rebuilds it: the arguments already there are decoded and
 * encoded again (`?x` becomes `?x=`, `%2f` becomes `%2F`), and an empty `?` or `#` is dropped.
 * The rest of the URL is kept as given, where tornado's round trip through `urlparse` would
 * also touch some odd URLs (`http:path`, a path ending in `;`, tabs and newlines).
 * @throws TypeError when `args` is neither an object, an array of pairs, null nor undefined
 */
export function urlConcat(url: string, args: UrlConcatArgs | null | undefined): string {
  const where = 'urlConcat()';
  if (typeof url !== 'string') throw optionTypeError(where, 'url', 'a string', url);
  if (args === null || args === undefined) return url;
  const added = argumentPairs(where, args);
  let rest = url;
  let fragment = '';
  const hash = rest.indexOf('#');
  if (hash !== -1) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  let query = '';
  const question = rest.indexOf('?');
  if (question !== -1) {
    query = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }
  const pairs: [string, string][] = splitQuery(query, true).map(([name, value]) => [
    percentDecodeUtf8(name),
    percentDecodeUtf8(value),
  ]);
  pairs.push(...added);
  const newQuery = pairs.map(([name, value]) => `${quotePlus(name)}=${quotePlus(value)}`).join('&');
  return rest + (newQuery === '' ? '' : `?${newQuery}`) + (fragment === '' ? '' : `#${fragment}`);
}

/** `args` as [name, value] string pairs, checked. */
function argumentPairs(where: string, args: unknown): [string, string][] {
  if (Array.isArray(args)) {
    return args.map((pair: unknown, index) => {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw optionTypeError(where, `args[${index}]`, 'a [name, value] pair', pair);
      }
      return [
        argumentText(where, `args[${index}][0]`, pair[0]),
        argumentText(where, `args[${index}][1]`, pair[1]),
      ];
    });
  }
  if (isPlainObject(args)) {
    return Object.entries(args).map(([name, value]) => [
      name,
      argumentText(where, `args.${name}`, value),
    ]);
  }
  throw optionTypeError(where, 'args', 'an object, an array of [name, value] pairs, or null', args);
}

function argumentText(where: string, option: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw optionTypeError(where, option, 'a string or a number', value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Parses a query string (or a form body) into name → values, as tornado's `parse_qs_bytes`:
 * the values are the octets the client sent, percent-decoded, for the application to decode
 * (tornado's `RequestHandler.decode_argument`); the names are those octets read as latin1.
 * With `keepBlankValues`, `a=` and `a` give `a: [<empty>]`; without, they are left out.
 * @example
 * ```ts
 * parseQsBytes('a=1&b=%C3%A9&a=3'); // { a: [<31>, <33>], b: [<c3 a9>] }
 * ```
 * The result is a null-prototype object (names come from the peer).
 * @throws RangeError when `qs` is a string with characters above U+00FF (a string stands for
 *   latin1 octets, as the request line's are)
 */
export function parseQsBytes(
  qs: string | Uint8Array,
  keepBlankValues = false,
): Record<string, Buffer[]> {
  const where = 'parseQsBytes()';
  let text: string;
  if (typeof qs === 'string') {
    if (/[\u0100-\uffff]/.test(qs)) {
      throw optionValueError(where, 'qs', 'latin1 text (characters up to U+00FF) or bytes', qs);
    }
    text = qs;
  } else if (qs instanceof Uint8Array) {
    text = Buffer.from(qs.buffer, qs.byteOffset, qs.byteLength).toString('latin1');
  } else {
    throw optionTypeError(where, 'qs', 'a string or bytes', qs);
  }
  if (typeof keepBlankValues !== 'boolean') {
    throw optionTypeError(where, 'keepBlankValues', 'a boolean', keepBlankValues);
  }
  const result = Object.create(null) as Record<string, Buffer[]>;
  for (const [name, value] of splitQuery(text, keepBlankValues)) {
    const key = percentDecodeLatin1(name);
    const octets = Buffer.from(percentDecodeLatin1(value), 'latin1');
    const values = result[key];
    if (values === undefined) result[key] = [octets];
    else values.push(octets);
  }
  return result;
}

/**
 * The (name, value) pairs of a `parse_qs` result, as tornado's `qs_to_qsl`.
 * @example
 * ```ts
 * [...qsToQsl({ a: ['1', '3'], b: ['2'] })]; // [['a', '1'], ['a', '3'], ['b', '2']]
 * ```
 */
export function* qsToQsl<T>(
  qs: Readonly<Record<string, readonly T[]>>,
): Generator<[string, T], void, undefined> {
  if (typeof qs !== 'object' || qs === null)
    throw optionTypeError('qsToQsl()', 'qs', 'an object', qs);
  for (const [name, values] of Object.entries(qs)) {
    for (const value of values) yield [name, value];
  }
}

/**
 * The fields of a query, still encoded, with `+` already made a space: `parse_qsl` without
 * its decoding step. A field without `=` has an empty value, kept only with `keepBlankValues`
 * (as is a field with an empty value).
 */
function splitQuery(query: string, keepBlankValues: boolean): [string, string][] {
  const fields: [string, string][] = [];
  if (query === '') return fields;
  for (const field of query.split('&')) {
    if (field === '') continue;
    const eq = field.indexOf('=');
    const name = eq === -1 ? field : field.slice(0, eq);
    const value = eq === -1 ? '' : field.slice(eq + 1);
    if (value === '' && !keepBlankValues) continue;
    fields.push([name.replaceAll('+', ' '), value.replaceAll('+', ' ')]);
  }
  return fields;
}

/** `%XX` → the character U+00XX (its octet, read as latin1); a malformed `%` is kept. */
function percentDecodeLatin1(text: string): string {
  if (!text.includes('%')) return text;
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/**
 * Each run of `%XX` → its octets decoded as UTF-8, an invalid sequence as U+FFFD (Python's
 * `unquote(errors='replace')`). ASCII ends any invalid sequence, so decoding run by run gives
 * what decoding the whole would.
 */
function percentDecodeUtf8(text: string): string {
  if (!text.includes('%')) return text;
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) =>
    Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8'),
  );
}

/** Octets that `quote_plus` leaves as they are: RFC 3986's unreserved characters. */
const UNRESERVED = /^[A-Za-z0-9_.~-]$/;

/** Python's `quote_plus(text, safe='')`: UTF-8, unreserved kept, space as `+`, others `%XX`. */
function quotePlus(text: string): string {
  let out = '';
  for (const octet of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(octet);
    if (UNRESERVED.test(char)) out += char;
    else if (octet === 0x20) out += '+';
    else out += `%${octet.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const NETLOC = /^(.+):(\d+)$/;

/**
 * `host:port` → [host, port], or [netloc, null] without a port, as tornado's
 * `split_host_and_port`. The last colon followed only by digits splits; brackets stay on an
 * IPv6 literal.
 * @example
 * ```ts
 * splitHostAndPort('example.com:8080'); // ['example.com', 8080]
 * splitHostAndPort('[::1]:80'); // ['[::1]', 80]
 * splitHostAndPort('example.com'); // ['example.com', null]
 * ```
 */
export function splitHostAndPort(netloc: string): [host: string, port: number | null] {
  if (typeof netloc !== 'string') {
    throw optionTypeError('splitHostAndPort()', 'netloc', 'a string', netloc);
  }
  const match = NETLOC.exec(netloc);
  return match === null ? [netloc, null] : [match[1]!, Number(match[2])];
}

/** The earliest and latest instants a four-digit year can write (0001-01-01, 9999-12-31). */
const MIN_SECONDS = -62135596800;
const MAX_SECONDS = 253402300799;

/**
 * Formats a time as HTTP dates are written (RFC 9110 IMF-fixdate), always in GMT.
 * @param ts seconds since the epoch, as `time.time()` gives them (fractions are dropped), or a
 *   `Date`
 * @example
 * ```ts
 * formatTimestamp(1359312200); // 'Sun, 27 Jan 2013 18:43:20 GMT'
 * formatTimestamp(new Date(Date.UTC(2013, 0, 27, 18, 43, 20))); // the same
 * ```
 * @throws RangeError for NaN, an invalid Date, or a time outside the years 1 to 9999
 */
export function formatTimestamp(ts: number | Date): string {
  const where = 'formatTimestamp()';
  let seconds: number;
  if (typeof ts === 'number') {
    // Python goes through a datetime, which rounds to microseconds before the seconds are taken.
    seconds = Math.floor(Math.round(ts * 1e6) / 1e6);
  } else if (ts instanceof Date) {
    seconds = Math.floor(ts.getTime() / 1000);
  } else {
    throw optionTypeError(where, 'ts', 'a number of seconds or a Date', ts);
  }
  if (!(seconds >= MIN_SECONDS && seconds <= MAX_SECONDS)) {
    throw optionValueError(where, 'ts', 'a time between the years 1 and 9999', ts);
  }
  // toUTCString() is specified as exactly this format: `Sun, 27 Jan 2013 18:43:20 GMT`.
  return new Date(seconds * 1000).toUTCString();
}
