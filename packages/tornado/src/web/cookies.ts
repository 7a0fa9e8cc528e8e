/**
 * Outgoing cookies (tornado/web.py `set_cookie`, and the `http.cookies.Morsel` it fills): each
 * `Set-Cookie` header a handler sends is a `Morsel`, written as Python writes it, so that a
 * response's cookies are the bytes tornado sends:
 *
 * ```
 * name=value; Domain=example.com; expires=Sun, 27 Jan 2013 18:43:20 GMT; HttpOnly; Max-Age=10; Path=/; SameSite=Lax; Secure
 * ```
 *
 * The attributes come sorted by their lower-case name (Python's `sorted(morsel.items())`),
 * `expires` stays lower-case as Python spells it, and a value that is not all token characters
 * is quoted, with `"` and `\` escaped by a backslash and any other byte outside the printable
 * set (`;`, `,`, controls, 0x7F–0xFF) written `\ooo` in octal (`a;b` → `"a\073b"`), as
 * CPython's `_quote` does. The request side (`parseCookie`) is in httputil.
 *
 * What is refused, and where: a name that is not a cookie token or is one of the attribute
 * names, a value with a control character or a space (tornado's legacy check), and a domain,
 * path or samesite with a control character or `;` (tornado 6.5.5's check) — each a
 * `CookieError` from `setCookie` itself, before anything is written.
 */
import { inspect } from 'node:util';
import { formatTimestamp } from '../httputil/url';
import { CookieError } from './errors';

/** The options of `setCookie` (tornado's keyword arguments, camelCased). */
export interface CookieOptions {
  /** The `Domain` attribute. */
  readonly domain?: string | null;
  /**
   * When the cookie expires: a `Date`, or milliseconds since the epoch (`Date.now()`'s unit).
   * Wins over `expiresDays` when both are given.
   */
  readonly expires?: Date | number | null;
  /** The `Path` attribute. Default `/`; null or `''` for none. */
  readonly path?: string | null;
  /** When the cookie expires, in days from now (fractions allowed). */
  readonly expiresDays?: number | null;
  /**
   * The `Max-Age` attribute, in **seconds** as the attribute counts. As in tornado, 0 (or
   * null) writes no `Max-Age`: to delete a cookie, use `clearCookie`.
   */
  readonly maxAge?: number | null;
  /** The `HttpOnly` flag. */
  readonly httponly?: boolean;
  /** The `Secure` flag. */
  readonly secure?: boolean;
  /** The `SameSite` attribute: `'Strict'`, `'Lax'` or `'None'`. */
  readonly samesite?: string | null;
}

/** Python's `http.cookies._LegalChars`: what a name, and an unquoted value, may be made of. */
const LEGAL = /^[A-Za-z0-9!#$%&'*+\-.^_`|~:]+$/;
/** Printable characters a quoted value keeps as they are (`_UnreservedChars`). */
const UNRESERVED = /[A-Za-z0-9!#$%&'*+\-.^_`|~: ()/<=>?@[\]{}]/;
/** What tornado refuses in a name and in the domain, path and samesite attributes. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const FORBIDDEN_ATTRIBUTE = /[\x00-\x20;\x7f]/;
/** What tornado's legacy check refuses in a value. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const FORBIDDEN_VALUE = /[\x00-\x20]/;
/** The attribute names Python's Morsel reserves: none may be a cookie's name. */
const RESERVED = new Set([
  'expires',
  'path',
  'comment',
  'domain',
  'max-age',
  'secure',
  'httponly',
  'version',
  'samesite',
]);
const DAY_MS = 86_400_000;

/** One outgoing cookie: a name, a value, and its attributes (Python's `Morsel`). */
export class Morsel {
  readonly name: string;
  readonly value: string;
  /** The value as written: quoted and escaped when it is not all token characters. */
  readonly codedValue: string;
  readonly domain: string | null;
  /** `expires`, formatted as an HTTP date. */
  readonly expires: string | null;
  readonly path: string | null;
  readonly maxAge: string | null;
  readonly httponly: boolean;
  readonly secure: boolean;
  readonly samesite: string | null;

  constructor(
    name: string,
    value: string,
    attributes: {
      domain?: string | null;
      expires?: string | null;
      path?: string | null;
      maxAge?: string | null;
      httponly?: boolean;
      secure?: boolean;
      samesite?: string | null;
    } = {},
  ) {
    this.name = name;
    this.value = value;
    this.codedValue = quoteCookieValue(value);
    this.domain = attributes.domain ?? null;
    this.expires = attributes.expires ?? null;
    this.path = attributes.path ?? null;
    this.maxAge = attributes.maxAge ?? null;
    this.httponly = attributes.httponly ?? false;
    this.secure = attributes.secure ?? false;
    this.samesite = attributes.samesite ?? null;
  }

  /** The `Set-Cookie` value (Python's `Morsel.OutputString()`). */
  toString(): string {
    const parts = [`${this.name}=${this.codedValue}`];
    // Sorted by the attributes' lower-case names, as Python sorts the Morsel's items.
    if (this.domain) parts.push(`Domain=${this.domain}`);
    if (this.expires) parts.push(`expires=${this.expires}`);
    if (this.httponly) parts.push('HttpOnly');
    if (this.maxAge) parts.push(`Max-Age=${this.maxAge}`);
    if (this.path) parts.push(`Path=${this.path}`);
    if (this.samesite) parts.push(`SameSite=${this.samesite}`);
    if (this.secure) parts.push('Secure');
    return parts.join('; ');
  }

  [inspect.custom](): string {
    return `<Morsel ${this.toString()}>`;
  }
}

/**
 * The Morsel `setCookie(name, value, options)` sends, checked as tornado checks it.
 * @param now milliseconds since the epoch, for `expiresDays`
 * @throws CookieError for a name, value or attribute tornado refuses (see the module's notes)
 */
export function makeMorsel(
  name: string,
  value: string | Uint8Array,
  options: CookieOptions = {},
  now = Date.now(),
): Morsel {
  if (typeof name !== 'string') {
    throw new CookieError(`setCookie() expected a string name, got ${inspect(name)}`);
  }
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value instanceof Uint8Array) text = Buffer.from(value).toString('utf8');
  else throw new CookieError(`setCookie() expected a string or bytes value, got ${inspect(value)}`);
  if (FORBIDDEN_VALUE.test(text)) {
    throw new CookieError(`Invalid cookie ${inspect(name)}: ${inspect(text)}`);
  }
  const { domain = null, path = '/', samesite = null } = options;
  for (const [attribute, attributeValue] of [
    ['name', name],
    ['domain', domain],
    ['path', path],
    ['samesite', samesite],
  ] as const) {
    if (attributeValue !== null && FORBIDDEN_ATTRIBUTE.test(attributeValue)) {
      throw new CookieError(
        `Invalid cookie attribute ${attribute}=${inspect(attributeValue)} for cookie ${inspect(name)}`,
      );
    }
  }
  if (RESERVED.has(name.toLowerCase())) {
    throw new CookieError(`Attempt to set a reserved key ${inspect(name)}`);
  }
  if (!LEGAL.test(name)) throw new CookieError(`Illegal key ${inspect(name)}`);

  let expires = options.expires ?? null;
  if (options.expiresDays !== undefined && options.expiresDays !== null && !expires) {
    expires = now + options.expiresDays * DAY_MS;
  }
  const maxAge = options.maxAge;
  return new Morsel(name, text, {
    domain: domain || null,
    expires: expires
      ? formatTimestamp(expires instanceof Date ? expires : new Date(expires))
      : null,
    path: path || null,
    maxAge: maxAge ? String(maxAge) : null,
    httponly: options.httponly === true,
    secure: options.secure === true,
    samesite: samesite || null,
  });
}

/**
 * A value as Python's `http.cookies._quote` writes it: as it is when it is all token
 * characters, else in double quotes with `"` and `\` backslashed and each other character from
 * 0x00 to 0xFF outside the printable set as a three-digit octal escape.
 */
export function quoteCookieValue(value: string): string {
  if (LEGAL.test(value)) return value;
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (code > 0xff || UNRESERVED.test(char)) out += char;
    else out += `\\${code.toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
}
