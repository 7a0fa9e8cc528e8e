/**
 * web's errors (tornado/web.py): `HTTPError`, which a handler throws to answer with an error
 * status; `Finish`, which ends a response early without an error; `MissingArgumentError`, what
 * `getArgument` throws for an argument the request lacks (a 400); and `CookieError`, a cookie
 * name or attribute `setCookie` refuses (Python's `http.cookies.CookieError`).
 */
import { STATUS_CODES } from 'node:http';
import { inspect } from 'node:util';

/** What `new HTTPError()` takes after its arguments. */
export interface HTTPErrorOptions {
  /**
   * The reason phrase of the status line (the `Not Found` of `404 Not Found`), for a status
   * without a standard one. Not a message for the user.
   */
  readonly reason?: string | null;
}

/**
 * An exception that becomes an HTTP error response: throwing it ends the handler's method, and
 * the application answers with `statusCode` (through `writeError`, which a handler may
 * override). `logMessage` goes to the log (`tornado.general`, as a warning) and not to the
 * client, unless `serveTraceback` is on; it may hold `%s`-style placeholders filled from the
 * arguments after it, as tornado's does.
 * @example
 * ```ts
 * throw new HTTPError(404);
 * throw new HTTPError(403, 'user %s may not see %s', user.id, path);
 * throw new HTTPError(682, null, { reason: 'Teapot Overflow' });
 * ```
 * The last argument is taken as the options when it is a plain object with no other key than
 * `reason`.
 */
export class HTTPError extends Error {
  override name = 'HTTPError';
  readonly code: string = 'ERR_AIO_WEB_HTTP';
  /** The response's status. */
  readonly statusCode: number;
  /** The reason phrase given, or null for the status's standard one. */
  readonly reason: string | null;
  /** The arguments `logMessage`'s placeholders are filled from. */
  readonly args: readonly unknown[];
  readonly #logMessage: string | null;

  constructor(
    statusCode = 500,
    logMessage: string | null = null,
    ...rest: [...args: unknown[]] | [...args: unknown[], options: HTTPErrorOptions]
  ) {
    super();
    if (!Number.isInteger(statusCode)) {
      throw new TypeError(
        `new HTTPError() expected an integer status code, got ${inspect(statusCode)}`,
      );
    }
    const last = rest.at(-1);
    const options = isOptions(last) ? last : null;
    this.statusCode = statusCode;
    this.#logMessage = logMessage;
    this.args = options === null ? rest : rest.slice(0, -1);
    this.reason = options?.reason ?? null;
    this.message = this.toString();
  }

  /**
   * The log message as given, with each `%` doubled when there are no arguments (so that it can
   * be formatted again): tornado's backwards-compatible `log_message`.
   */
  get logMessage(): string | null {
    if (this.#logMessage !== null && this.#logMessage !== '' && this.args.length === 0) {
      return this.#logMessage.replaceAll('%', '%%');
    }
    return this.#logMessage;
  }

  /** The log message with its placeholders filled (tornado's `get_message`). */
  getMessage(): string | null {
    const message = this.#logMessage;
    if (message !== null && message !== '' && this.args.length > 0) {
      return percentFormat(message, this.args);
    }
    return message;
  }

  /** `HTTP 404: Not Found (the log message)`, as tornado's `str(HTTPError)`. */
  override toString(): string {
    const reason = this.reason ?? STATUS_CODES[this.statusCode] ?? 'Unknown';
    const message = `HTTP ${String(this.statusCode)}: ${reason}`;
    const logMessage = this.getMessage();
    return logMessage ? `${message} (${logMessage})` : message;
  }

  [inspect.custom](): string {
    return `${this.name}: ${this.toString()}${this.stack?.replace(/^[^\n]*/, '') ?? ''}`;
  }
}

/**
 * Ends the request without an error response: the handler's `finish` is called (with `chunk`,
 * when given) unless it was already, and `writeError` is not. tornado's `Finish`.
 * @example
 * ```ts
 * if (this.currentUser === null) {
 *   this.setStatus(401);
 *   this.setHeader('WWW-Authenticate', 'Basic realm="something"');
 *   throw new Finish();
 * }
 * ```
 */
export class Finish extends Error {
  override name = 'Finish';
  readonly code: string = 'ERR_AIO_WEB_FINISH';
  /** What `finish()` is called with, if anything. */
  readonly chunk: string | Uint8Array | Record<string, unknown> | undefined;

  constructor(chunk?: string | Uint8Array | Record<string, unknown>) {
    super(
      chunk === undefined ? 'finish the response' : `finish the response with ${inspect(chunk)}`,
    );
    this.chunk = chunk;
  }
}

/**
 * An argument the request lacks, from `getArgument` without a default: an `HTTPError` 400, so
 * that, uncaught, it answers 400 rather than 500 (and logs no stack).
 */
export class MissingArgumentError extends HTTPError {
  override name = 'MissingArgumentError';
  override readonly code: string = 'ERR_AIO_WEB_MISSING_ARGUMENT';
  /** The argument's name. */
  readonly argName: string;

  constructor(argName: string) {
    super(400, `Missing argument ${argName}`);
    this.argName = argName;
  }
}

/**
 * A cookie `setCookie` refuses: a name that is not a token, a value with a control character
 * or a space, an attribute (domain, path, samesite) with a control character or `;`.
 */
export class CookieError extends Error {
  override name = 'CookieError';
  readonly code: string = 'ERR_AIO_WEB_COOKIE';
}

function isOptions(value: unknown): value is HTTPErrorOptions {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key === 'reason');
}

/**
 * Python's `message % args` for the conversions log messages use: `%s`, `%r`, `%d`/`%i`, `%f`
 * and `%%`. A placeholder without an argument is left as written.
 */
export function percentFormat(message: string, args: readonly unknown[]): string {
  let next = 0;
  return message.replace(/%([%sdirf])/g, (whole, conversion: string) => {
    if (conversion === '%') return '%';
    if (next >= args.length) return whole;
    const arg = args[next++];
    switch (conversion) {
      case 'd':
      case 'i':
        return String(Math.trunc(Number(arg)));
      case 'f':
        return Number(arg).toFixed(6);
      case 'r':
        return inspect(arg);
      default:
        return typeof arg === 'string' ? arg : String(arg);
    }
  });
}

/**
 * A handler method called when the response is past allowing it: `write()` or `render()` after
 * `finish()`, `finish()` twice, `redirect()` once the headers are out, a body with a 204 or 304
 * (tornado's `RuntimeError`s and assertions).
 */
export class HandlerStateError extends Error {
  override name = 'HandlerStateError';
  readonly code: string = 'ERR_AIO_WEB_HANDLER_STATE';
}

/** A feature used without the application setting it needs (`cookieSecret`, `loginUrl`, …). */
export class MissingSettingError extends Error {
  override name = 'MissingSettingError';
  readonly code: string = 'ERR_AIO_WEB_MISSING_SETTING';
  /** The setting's name. */
  readonly setting: string;

  constructor(setting: string, feature = 'this feature') {
    super(`You must define the '${setting}' setting in your application to use ${feature}`);
    this.setting = setting;
  }
}
