/**
 * routing's two errors: a URL pattern this port cannot take (tornado's `re.error` and its
 * "groups must either be all named or all positional" assertion), and a URL that cannot be
 * rebuilt from a pattern (tornado's `ValueError` and its argument-count assertion).
 */

/**
 * A URL or host pattern that cannot be used: invalid as a regex, written in Python regex syntax
 * that has no JavaScript equivalent (the message names the construct), or mixing named and
 * positional groups.
 */
export class RoutePatternError extends SyntaxError {
  override name = 'RoutePatternError';
  readonly code = 'ERR_AIO_ROUTE_PATTERN';
  /** The pattern as given. */
  readonly pattern: string;

  constructor(message: string, pattern: string, options?: { cause?: unknown }) {
    super(message, options);
    this.pattern = pattern;
  }
}

/**
 * `reverse()` or `reverseUrl()` cannot build the URL: the pattern is too complex to reverse (a
 * group inside a group, a `(` that opens no group, an escape such as `\d` outside a group), or
 * the number of arguments is not the pattern's number of groups.
 */
export class RouteReverseError extends Error {
  override name = 'RouteReverseError';
  readonly code = 'ERR_AIO_ROUTE_REVERSE';
}
