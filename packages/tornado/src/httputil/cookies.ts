/**
 * The `Cookie` request header (tornado/httputil.py `parse_cookie`), read the way browsers write
 * it rather than the way the cookie RFCs describe it: every `;` ends a cookie, even inside
 * quotes; a piece without `=` is a cookie with an empty name; the last cookie of a name wins.
 *
 * A quoted value is unquoted as Python's `http.cookies` does (`\"` is `"`, `\012` is a
 * newline). Python's own unquoting once rebuilt the value for every escape it met, which made a
 * value of many backslashes quadratic (tornado 6.4.2, GHSA-8w49-h785-mj3c, CVE-2024-52804);
 * here one pass from backslash to backslash copies the text between them once. (A
 * `String.replace` with a callback is as linear, but 5–7 times slower on 100k escapes.)
 */
import { optionTypeError } from '../log/errors';
import { stripWhitespace } from './params';

/**
 * Parses a `Cookie` header into name → value.
 * @example
 * ```ts
 * parseCookie('chips=ahoy; vienna=finger'); // { chips: 'ahoy', vienna: 'finger' }
 * parseCookie('a="b=\\"c\\""'); // { a: 'b="c"' }
 * ```
 * The result is a null-prototype object: cookie names come from the client.
 */
export function parseCookie(header: string): Record<string, string> {
  if (typeof header !== 'string') {
    throw optionTypeError('parseCookie()', 'header', 'a string', header);
  }
  const cookies = Object.create(null) as Record<string, string>;
  for (const chunk of header.split(';')) {
    const eq = chunk.indexOf('=');
    // A chunk without `=` is a value with an empty name, as Firefox reads it
    // (https://bugzilla.mozilla.org/show_bug.cgi?id=169091).
    const name = eq === -1 ? '' : stripWhitespace(chunk.slice(0, eq));
    const value = stripWhitespace(eq === -1 ? chunk : chunk.slice(eq + 1));
    if (name !== '' || value !== '') cookies[name] = unquoteCookieValue(value);
  }
  return cookies;
}

const NEWLINE = 0x0a;

/**
 * Removes the quotes around a quoted value and its escapes, as `http.cookies._unquote`: a
 * backslash and three octal digits (the first 0–3, so at most \377) is that character; a
 * backslash and any other character but a newline is that character; a backslash before a
 * newline or at the end stays. A value that is not quoted is kept as it is.
 */
function unquoteCookieValue(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value;
  const text = value.slice(1, -1);
  let out = '';
  let from = 0;
  for (let at = text.indexOf('\\'); at !== -1; at = text.indexOf('\\', from)) {
    out += text.slice(from, at);
    if (isOctalEscape(text, at + 1)) {
      out += String.fromCharCode(Number.parseInt(text.slice(at + 1, at + 4), 8));
      from = at + 4;
    } else if (at + 1 < text.length && text.charCodeAt(at + 1) !== NEWLINE) {
      out += text[at + 1]!;
      from = at + 2;
    } else {
      out += '\\';
      from = at + 1;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Three octal digits at `at`, the first 0–3 (so at most \377). */
function isOctalEscape(text: string, at: number): boolean {
  return (
    isDigitUpTo(text.charCodeAt(at), 3) &&
    isDigitUpTo(text.charCodeAt(at + 1), 7) &&
    isDigitUpTo(text.charCodeAt(at + 2), 7)
  );
}

function isDigitUpTo(code: number, max: number): boolean {
  return code >= 0x30 && code <= 0x30 + max;
}
