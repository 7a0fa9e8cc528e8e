/**
 * Plain text to HTML with links (tornado/escape.py `linkify`).
 *
 * The text is HTML-escaped first, then each URL in it becomes an `<a>`. The URL pattern is
 * tornado's, written for Python's `re`, where `\w`, `\s` and `\b` are Unicode-aware. JavaScript
 * has no such `\b` and other ideas of `\w` and `\s`, so the pattern spells them out:
 * - `\w` is `[\p{L}\p{N}_]`, what Python's `str.isalnum()` and `_` take (the same set of code
 *   points, checked against CPython 3.11 over all of Unicode, but for characters Unicode 14 did
 *   not have yet);
 * - `\s` is Python's whitespace (`PYTHON_WHITESPACE`);
 * - `\b` is a lookbehind/lookahead pair on that `\w`.
 * The pattern avoids the catastrophic backtracking of the regex it started from
 * (daringfireball.net/2010/07/improved_regex_for_matching_urls): a URL's last character may
 * not be punctuation, and parentheses must pair.
 *
 * Lengths (for `shorten`) are counted in code points, as Python counts a string's length.
 */
import { optionTypeError } from '../log/errors';
import { xhtmlEscape } from './html';
import { PYTHON_WHITESPACE, pythonStrip, textOf } from './text';

/** Options of `linkify`. */
export interface LinkifyOptions {
  /** Shortens a long URL's text (about 30 characters), with the whole URL as the link's title. */
  readonly shorten?: boolean;
  /**
   * Attributes to add to each `<a>`: a string (`'rel="nofollow" class="external"'`), or a
   * function of the link's href that returns one.
   */
  readonly extraParams?: string | ((href: string) => string);
  /** Links only URLs with a protocol; otherwise `www.example.com` is linked too (as http). */
  readonly requireProtocol?: boolean;
  /**
   * The protocols to link, `['http', 'https']` by default. Adding `javascript` (or `data`)
   * would let the text run script in the page.
   */
  readonly permittedProtocols?: readonly string[] | ReadonlySet<string>;
}

const WORD = String.raw`\p{L}\p{N}_`;
const SPACE = PYTHON_WHITESPACE;
/** Python's `\b`: a word character on one side only. */
const BOUNDARY = `(?:(?<![${WORD}])(?=[${WORD}])|(?<=[${WORD}])(?![${WORD}]))`;
/** A URL character: not space, `&` or a parenthesis, or one of the two entities escaping makes. */
const URL_CHAR = `(?:[^${SPACE}&()]|&amp;|&quot;)`;
const URL_PATTERN = new RegExp(
  BOUNDARY +
    `((?:([${WORD}-]+):(/{1,3})|www[.])` +
    `(?:(?:${URL_CHAR}*(?:[^!"#$%&'()*+,.:;<=>?@\\[\\]^\`{|}~${SPACE}]))` +
    `|(?:\\(${URL_CHAR}*\\)))+)`,
  'gu',
);

const MAX_LENGTH = 30;

/**
 * Escapes `text` for HTML and turns the URLs in it into links.
 * @example
 * ```ts
 * linkify('Hello http://tornadoweb.org!');
 * // 'Hello <a href="http://tornadoweb.org">http://tornadoweb.org</a>!'
 * linkify('see www.example.com', { extraParams: 'rel="nofollow"' });
 * // 'see <a href="http://www.example.com" rel="nofollow">www.example.com</a>'
 * linkify('a file:///etc/passwd'); // 'a file:///etc/passwd' (not a permitted protocol)
 * ```
 * @throws TypeError for text that is neither a string nor UTF-8 bytes, an option of the wrong
 *   type, or an `extraParams` function that returns something other than a string
 */
export function linkify(text: string | Uint8Array, options: LinkifyOptions = {}): string {
  const where = 'linkify()';
  const escaped = xhtmlEscape(textOf(where, text));
  const shorten = flag(where, 'shorten', options.shorten);
  const requireProtocol = flag(where, 'requireProtocol', options.requireProtocol);
  const permitted = protocols(where, options.permittedProtocols);
  const extra = options.extraParams ?? '';
  if (typeof extra !== 'string' && typeof extra !== 'function') {
    throw optionTypeError(where, 'extraParams', 'a string or a function', extra);
  }
  const fixedParams = typeof extra === 'string' && extra !== '' ? ` ${pythonStrip(extra)}` : '';

  return escaped.replace(
    URL_PATTERN,
    (_match, url: string, proto: string | undefined, slashes: string | undefined) => {
      if (requireProtocol && !proto) return url;
      if (proto && !permitted.has(proto)) return url;
      const href = proto ? url : `http://${url}`;
      let params = fixedParams;
      if (typeof extra === 'function') {
        const more: unknown = extra(href);
        if (typeof more !== 'string') {
          throw optionTypeError(where, 'what extraParams(href) returns', 'a string', more);
        }
        params = ` ${pythonStrip(more)}`;
      }
      let shown = url;
      if (shorten && codePoints(url).length > MAX_LENGTH) {
        const protoLength = proto ? codePoints(proto).length + 1 + (slashes?.length ?? 0) : 0;
        shown = shortened(url, protoLength);
        if (shown !== url) {
          const [kept, title] = clipped(shown, url);
          shown = kept;
          if (title) params += ` title="${href}"`;
        }
      }
      return `<a href="${href}"${params}>${shown}</a>`;
    },
  );
}

/**
 * The host and the first bit of the path (the rest is seldom telling once cut), then at most
 * 30 characters if that is still over 45.
 */
function shortened(url: string, protoLength: number): string {
  const chars = codePoints(url);
  let shown = url;
  const parts = chars.slice(protoLength).join('').split('/');
  if (parts.length > 1) {
    const firstBit = codePoints(parts[1]!).slice(0, 8).join('').split('?')[0]!.split('.')[0]!;
    shown = `${chars.slice(0, protoLength).join('')}${parts[0]!}/${firstBit}`;
  }
  const shownChars = codePoints(shown);
  return shownChars.length > MAX_LENGTH * 1.5 ? shownChars.slice(0, MAX_LENGTH).join('') : shown;
}

/**
 * `shown` with `...` after it, not cut inside an entity near its end; or the whole `url` if
 * that is no shorter. The second value says whether the text was cut (and so wants a title).
 */
function clipped(shown: string, url: string): [string, boolean] {
  let chars = codePoints(shown);
  const amp = chars.lastIndexOf('&');
  if (amp > MAX_LENGTH - 5) chars = chars.slice(0, amp);
  const text = `${chars.join('')}...`;
  return chars.length + 3 >= codePoints(url).length ? [url, false] : [text, true];
}

function codePoints(text: string): string[] {
  return Array.from(text);
}

function flag(where: string, option: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw optionTypeError(where, option, 'a boolean', value);
  return value;
}

function protocols(where: string, value: unknown): ReadonlySet<string> {
  if (value === undefined) return DEFAULT_PROTOCOLS;
  if (value instanceof Set) return value as ReadonlySet<string>;
  if (Array.isArray(value)) return new Set(value as string[]);
  throw optionTypeError(where, 'permittedProtocols', 'an array or a Set of strings', value);
}

const DEFAULT_PROTOCOLS: ReadonlySet<string> = new Set(['http', 'https']);
