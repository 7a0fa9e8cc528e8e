/**
 * tornado's `PathMatches` (tornado/routing.py): a rule on the request's path, whose groups
 * become the target's arguments, and which can rebuild a URL from arguments (`reverse`, behind
 * `reverseUrl`).
 *
 * Reversing reads the pattern's source, as tornado's `_find_groups` does: each group is replaced
 * by an argument and the text between groups must be plain (escapes such as `\.` are undone,
 * `\d` cannot be). A pattern where that reading does not hold — a `(` that opens no capturing
 * group (`(?:…)`, `\(`), a group inside a group — is refused when reversed, not guessed at.
 */
import { urlEscape, urlUnescape } from '../escape/url';
import type { HTTPServerRequest } from '../httputil/request';
import { RoutePatternError, RouteReverseError } from './errors';
import { Matcher, anchored, type TargetParams } from './matchers';
import { compilePattern, matchAt } from './python-regex';

/**
 * Matches requests whose `path` matches `pathPattern`: a Python regex (tornado appends `$` to a
 * string without one; see python-regex.ts for the syntax accepted) or a RegExp used as it is,
 * tried from the start. Its groups, all positional or all named, become `pathArgs` or
 * `pathKwargs`: each group's text percent-decoded to octets (`+` stays a `+`), null for a group
 * that did not take part.
 * @example
 * ```ts
 * const m = new PathMatches('/story/([0-9]+)');
 * m.reverse(42); // '/story/42'
 * new PathMatches('/(?P<user>[^/]+)/settings'); // → { pathKwargs: { user: <octets> } }
 * ```
 * @throws RoutePatternError for a pattern that cannot be compiled, or that mixes named and
 *   positional groups
 */
export class PathMatches extends Matcher {
  /** The compiled pattern (sticky: matched from the start). */
  readonly regex: RegExp;
  /** The pattern as tornado keeps it: the string given with its `$`, or the RegExp's source. */
  readonly pattern: string;
  readonly #groups: number;
  readonly #names: readonly string[];
  /** The text around each group, to rebuild a URL from; null when the pattern cannot be reversed. */
  readonly #pieces: readonly string[] | null;

  constructor(pathPattern: string | RegExp) {
    super();
    const source = anchored(pathPattern);
    const compiled = compilePattern(source, 'new PathMatches()');
    this.regex = compiled.regex;
    this.pattern = typeof source === 'string' ? source : source.source;
    if (compiled.names.length !== 0 && compiled.names.length !== compiled.groups) {
      throw new RoutePatternError(
        `groups in url regexes must either be all named or all positional: ${JSON.stringify(this.pattern)}`,
        this.pattern,
      );
    }
    this.#groups = compiled.groups;
    this.#names = compiled.names;
    this.#pieces = findGroups(this.pattern, compiled.groups);
  }

  match(request: HTTPServerRequest): TargetParams | null {
    if (this.#groups === 0) {
      // Nothing to capture: a test, not an exec (whose match array is garbage at once).
      this.regex.lastIndex = 0;
      return this.regex.test(request.path) ? {} : null;
    }
    const match = matchAt(this.regex, request.path);
    if (match === null) return null;
    // Named groups go by name, positional ones by position; never both.
    if (this.#names.length > 0) {
      const named = match.groups!;
      const pathKwargs = Object.fromEntries(
        this.#names.map((name) => [name, unquoteOrNull(named[name])]),
      );
      return { pathArgs: [], pathKwargs };
    }
    return { pathArgs: match.slice(1).map(unquoteOrNull), pathKwargs: {} };
  }

  /**
   * The URL with each group replaced by an argument, in order: a string as its UTF-8 octets,
   * octets as they are, anything else through `String()`; each percent-encoded but for
   * unreserved characters and `/`.
   * @throws RouteReverseError when the pattern cannot be reversed, or the arguments are not one
   *   per group
   */
  override reverse(...args: unknown[]): string {
    const pieces = this.#pieces;
    if (pieces === null) throw new RouteReverseError(`Cannot reverse url regex ${this.pattern}`);
    if (args.length !== this.#groups) {
      throw new RouteReverseError(
        `reverse() of ${JSON.stringify(this.pattern)} expected ${String(this.#groups)} argument(s), one per group, got ${String(args.length)}`,
      );
    }
    let url = pieces[0]!;
    args.forEach((arg, i) => {
      const value = typeof arg === 'string' || arg instanceof Uint8Array ? arg : String(arg);
      url += urlEscape(value, { plus: false }) + pieces[i + 1]!;
    });
    return url;
  }

  override toString(): string {
    return `PathMatches(${JSON.stringify(this.pattern)})`;
  }
}

/**
 * tornado's `_find_groups`: the literal text between the groups of `pattern` (without its
 * leading `^` and trailing `$`), or null when the pattern is too complex to reverse.
 * `/([0-9]{4})/([a-z-]+)/` gives `['/', '/', '/']`.
 */
function findGroups(pattern: string, groups: number): string[] | null {
  let text = pattern.startsWith('^') ? pattern.slice(1) : pattern;
  if (text.endsWith('$')) text = text.slice(0, -1);
  const fragments = text.split('(');
  if (fragments.length - 1 !== groups) return null;
  const pieces: string[] = [];
  let current = '';
  for (const fragment of fragments) {
    const close = fragment.indexOf(')');
    // A fragment with a `)` held a group's body (dropped) and the text after it.
    const literal = reUnescape(close === -1 ? fragment : fragment.slice(close + 1));
    if (literal === null) return null;
    if (close === -1) current += literal;
    else {
      pieces.push(current);
      current = literal;
    }
  }
  pieces.push(current);
  // Nested groups leave fewer slots than groups (tornado's own format would fail then).
  return pieces.length - 1 === groups ? pieces : null;
}

/** tornado's `re_unescape`: `\x` → `x`, or null for an escape of a letter or digit (`\d`). */
function reUnescape(text: string): string | null {
  let ok = true;
  const out = text.replace(/\\([\s\S])/g, (_, char: string) => {
    if (/[A-Za-z0-9]/.test(char)) ok = false;
    return char;
  });
  return ok ? out : null;
}

/** tornado's `_unquote_or_none`: a group's octets (`url_unescape(s, encoding=None, plus=False)`). */
function unquoteOrNull(text: string | undefined): Buffer | null {
  return text === undefined ? null : urlUnescape(text, { encoding: null, plus: false });
}
