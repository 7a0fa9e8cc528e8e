/**
 * tornado's `RequestHandler` (tornado/web.py): the class an application's handlers extend. The
 * application makes one per request, and `#execute` (tornado's `_execute`) runs its life:
 *
 * ```
 * new Handler(application, request) → initialize(kwargs)
 *   → #execute: method in SUPPORTED_METHODS (else 405) → body parsed (400 if malformed)
 *     → path groups decoded → XSRF checked (xsrfCookies, not GET/HEAD/OPTIONS)
 *     → an async getCurrentUser resolved → prepare() → [streaming: the body, via dataReceived]
 *     → get()/post()/… → finish() unless it was already
 *   any exception → handleRequestException: logged, then sendError → writeError
 *   finish() → flush (transforms, headers, body) → log → onFinish()
 * ```
 *
 * `prepare`, the HTTP methods, `dataReceived` and `getCurrentUser` may each be a plain method,
 * an `async` method, or a generator method yielding Futures and promises as a tornado
 * `@gen.coroutine` does (`const user = yield db.get(id)`): each is waited for before the next
 * step. `#execute` is itself a generator run by gen's `Runner`, so a handler that never waits
 * runs from the request to `finish()` in one go, with no extra loop turn.
 *
 * Path groups reach the method as tornado passes them: positional groups as arguments
 * (`get(year, month)`), named groups as one object (`get({ year, month })`, tornado's keyword
 * arguments), each decoded by `decodeArgument` (UTF-8, a 400 for bytes that are not), a group
 * that did not take part as null.
 *
 * Beside the life of a request, the class holds what a handler does with it, in tornado's
 * order: output (status, headers, `write`, `flush`, `finish`, errors, ETags), templates
 * (`render`, UI modules), input (arguments, cookies, signed cookies), users, XSRF. The pieces
 * that need no handler are in files of their own: cookies.ts, etag.ts, xsrf.ts, gzip.ts, ui.ts.
 */
import { isUtf8 } from 'node:buffer';
import { inspect } from 'node:util';
import { STATUS_CODES } from 'node:http';
import { Future, isFuture } from '@aio/future';
import { resolvedVoid } from '@aio/future/internal';
import { getEventLoop } from '@aio/loop';
import { isCoroutine } from '@aio/coroutine';
import { formatValue, isThenable } from '@aio/selector/internal';
import { futureSetResultUnlessCancelled } from '../concurrent/futures';
import { xhtmlEscape } from '../escape/html';
import { pythonStrip } from '../escape/text';
import { coroutine } from '../gen';
import { convertYielded } from '../gen/convert';
import { HTTPInputError, HTTPOutputError } from '../httputil/errors';
import { HTTPHeaders, isToken, setChecked } from '../httputil/headers';
import type { HTTPServerRequest } from '../httputil/request';
import { ResponseStartLine } from '../httputil/start-line';
import { formatTimestampNow } from '../httputil/date-header';
import { formatTimestamp } from '../httputil/url';
import { HTTP1Connection } from '../http1connection/connection';
import type { BaseIOStream } from '../iostream';
import { Loader, type BaseLoader, type LoaderOptions } from '../template/loader';
import { StreamClosedError } from '../iostream/errors';
import { hasOwnKeys } from '../internal/objects';
import { appLog, genLog } from '../log';
import type { Application } from './application';
import { makeMorsel, type CookieOptions, type Morsel } from './cookies';
import {
  Finish,
  HandlerStateError,
  HTTPError,
  MissingArgumentError,
  MissingSettingError,
} from './errors';
import { defaultEtag, etagMatches } from './etag';
import { GZipContentEncoding, OutputTransform } from './gzip';
import type { ApplicationSettings } from './settings';
import { templateLoader } from './templates';
import type { UIModule, UIModuleClass } from './ui';
import {
  createSignedValue,
  decodeSignedValue,
  getSignatureKeyVersion,
  type SignedValueSecret,
} from './signed-value';
import {
  decodeXsrfToken,
  encodeXsrfToken,
  newXsrfToken,
  xsrfTokensMatch,
  type RawXsrfToken,
} from './xsrf';

/** The tornado version whose `web` API this follows, as the `Server` header names it. */
export const TORNADO_VERSION = '6.5';
const SERVER = `TornadoServer/${TORNADO_VERSION}`;
/**
 * A detached handler's output buffer and transforms: empty, and frozen, since nothing may be
 * written once HTTP is over on the connection (write() refuses after finish()). Also what a
 * handler starts with before `clear()` and `#execute` give it its own (no transforms, for most).
 */
const NO_CHUNKS = Object.freeze([]) as unknown as Buffer[];
/** @internal Shared with the application's delegate (a request without transforms). */
export const NO_TRANSFORMS = Object.freeze([]) as unknown as OutputTransform[];

/** What `write()` takes: text (UTF-8), bytes, or a plain object (sent as JSON). */
export type Chunk = string | Uint8Array | Readonly<Record<string, unknown>>;

/** What a header value may be given as: text, bytes (latin1), an integer, or a date. */
export type HeaderValue = string | Uint8Array | number | Date;

/** What `sendError` passes on to `writeError`. */
export interface ErrorDetails {
  /** What was thrown, when an exception caused the error (tornado's `exc_info`). */
  readonly error?: unknown;
  /** The reason phrase, over the status's own. */
  readonly reason?: string | null;
  readonly [key: string]: unknown;
}

/** The options of `setSignedCookie`: `setCookie`'s, `expiresDays` 30 unless given, and the format. */
export interface SignedCookieOptions extends CookieOptions {
  /** The signed value's format (1 or 2, the default). */
  readonly version?: number;
}

/** The options of `getSignedCookie`. */
export interface GetSignedCookieOptions {
  /** How old a signature may be, in days (31 by default). */
  readonly maxAgeDays?: number;
  /** The oldest signed-value format accepted (1 by default). */
  readonly minVersion?: number;
}

/** A `RequestHandler` subclass, as an application's rules name it. */
export type RequestHandlerClass = typeof RequestHandler;

/** What the connection offers beyond `HTTPConnection` (an `HTTP1Connection` does). */
interface ConnectionExtras {
  setCloseCallback?(callback: (() => void) | null): void;
  detach?(): BaseIOStream;
}

/** tornado's `_remove_control_chars_regex`: controls in an argument become spaces. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL_CHARS = /[\x00-\x08\x0e-\x1f]/g;
/** RFC 9110 field-value characters (tornado's `_VALID_HEADER_CHARS`). */
const VALID_HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** RFC 9110 reason-phrase characters. */
const VALID_REASON = /^[\t\x20-\x7e\x80-\xff]*$/;
/** The headers a 204 or 304 must not describe a body with (RFC 9110 §8.8.3). */
const REPRESENTATION_HEADERS = ['Content-Encoding', 'Content-Language', 'Content-Type'];
/** The handler method of each HTTP method tornado serves (`toLowerCase` made a string a request). */
const METHOD_NAMES: ReadonlyMap<string, string> = new Map(
  ['GET', 'HEAD', 'POST', 'DELETE', 'PATCH', 'PUT', 'OPTIONS'].map((m) => [m, m.toLowerCase()]),
);
const REQUIRED: unique symbol = Symbol('required');
const EMPTY = Buffer.alloc(0);
const DAY_MS = 86_400_000;

/**
 * `#execute` as a function of the handler, for the application's delegate: `executeHandler`
 * below calls it. The static block in the class sets it, being the one place outside the
 * methods that may touch `#execute`; so the life of a request stays private to the handler
 * without a `_execute` every subclass would see.
 */
let execute!: (
  handler: RequestHandler,
  transforms: OutputTransform[],
  pathArgs: readonly (Buffer | null)[],
  pathKwargs: Readonly<Record<string, Buffer | null>>,
  streaming: StreamingFutures | null,
) => Future<void>;

/** The headers every response starts with, made once a second (`Date` changes): see `clear`. */
let defaults: HTTPHeaders | null = null;

/** A copy of the default headers (tornado's `clear`): `Server`, `Content-Type`, `Date`. */
function defaultHeaders(): HTTPHeaders {
  const date = formatTimestampNow();
  if (defaults?.get('Date') !== date) {
    defaults = new HTTPHeaders();
    defaults.set('Server', SERVER);
    defaults.set('Content-Type', 'text/html; charset=UTF-8');
    defaults.set('Date', date);
  }
  return defaults.copy();
}

/** `#lend` as a function, for `writeLent` below (set by the static block, as `execute` is). */
let lend!: (handler: RequestHandler, chunk: Buffer) => void;

/** What a streaming handler's delegate and `#execute` share (tornado's two futures). */
export interface StreamingFutures {
  /** Done once `prepare` is: the connection reads the body only then. */
  readonly prepared: Future<void>;
  /** Done once the body has been read (failed with StreamClosedError if the client left). */
  readonly body: Future<void>;
}

/**
 * The base class of request handlers: override the methods for the HTTP methods it serves.
 * @example
 * ```ts
 * class StoryHandler extends RequestHandler {
 *   db!: Database;
 *
 *   override initialize({ db }: { db: Database }) {
 *     this.db = db;
 *   }
 *
 *   override async get(storyId: string) {
 *     const story = await this.db.story(storyId);
 *     if (story === null) throw new HTTPError(404);
 *     this.write({ title: story.title }); // JSON
 *   }
 * }
 * new Application([['/story/([0-9]+)', StoryHandler, { db }]]).listen(8888);
 * ```
 * `initialize` is called by the application right after the constructor, with the rule's
 * `targetKwargs` (tornado calls it from `__init__`; here a subclass's field initializers run
 * after the base constructor, and would overwrite what it set there). Do not override the
 * constructor.
 */
export class RequestHandler {
  /** The methods this handler serves; any other is answered 405. Override as a static. */
  static SUPPORTED_METHODS: readonly string[] = [
    'GET',
    'HEAD',
    'POST',
    'DELETE',
    'PATCH',
    'PUT',
    'OPTIONS',
  ];
  /**
   * Stream the request body into `dataReceived` instead of gathering it (tornado's
   * `@stream_request_body`): `static override streamRequestBody = true`, or the
   * `streamRequestBody` class decorator, which sets this. Then `prepare` runs once the headers
   * are in, `dataReceived` gets each chunk (waiting for what it returns), the HTTP method runs
   * once the body is all read, and `request.body` and the body arguments stay empty.
   */
  static streamRequestBody = false;

  readonly application: Application;
  readonly request: HTTPServerRequest;
  /** The positional path groups, decoded (set before `prepare`). */
  pathArgs: (string | null)[] = [];
  /** The named path groups, decoded (set before `prepare`). */
  pathKwargs: Record<string, string | null> = {};
  /** The default of `staticUrl`'s `includeHost`: absolute URLs for static files. */
  includeHost = false;
  /** Finish the response when the HTTP method returns (a WebSocket handler turns it off). */
  protected autoFinish = true;

  /** The response's headers; null once the handler is detached (made again if asked for). */
  #headers: HTTPHeaders | null = null;
  #writeBuffer: Buffer[] = NO_CHUNKS; // clear() gives it its own
  #statusCode = 200;
  #reason = 'OK';
  #headersWritten = false;
  #finished = false;
  #transforms: OutputTransform[] = NO_TRANSFORMS;
  #newCookies: Map<string, Morsel> | null = null;
  #currentUser: { readonly value: unknown } | null = null;
  #xsrfToken: Buffer | null = null;
  #rawXsrfToken: RawXsrfToken | null = null;
  #streaming: StreamingFutures | null = null;
  #ui: Record<string, unknown> | null = null;
  #activeModules: Map<string, UIModule> | null = null;

  static {
    execute = (handler, transforms, pathArgs, pathKwargs, streaming) =>
      runGenerator(handler.#execute(transforms, pathArgs, pathKwargs, streaming));
    lend = (handler, chunk) => handler.#lend(chunk);
  }

  constructor(application: Application, request: HTTPServerRequest) {
    this.application = application;
    this.request = request;
    this.clear();
    const connection = request.connection as ConnectionExtras | null;
    connection?.setCloseCallback?.(() => this.onConnectionClose());
  }

  // ─── Hooks ─────────────────────────────────────────────────────────────────────────────────

  /** Called with the rule's `targetKwargs` once the handler is made (see the class notes). */
  initialize(_kwargs: Record<string, unknown>): void {}

  /** The application's settings. */
  get settings(): ApplicationSettings {
    return this.application.settings;
  }

  /**
   * Called before the HTTP method, whatever it is: the place for what every method needs. May be
   * async or a generator; the method waits for it. Finishing the response here skips the method.
   */
  prepare(): unknown {
    return undefined;
  }

  /**
   * Called once the response has been sent: for cleanup and logging (it may not write). Its
   * counterpart is `prepare`, though an early error can call it when `prepare` was not.
   */
  onFinish(): void {}

  /**
   * Called when the client closes the connection while the handler is still answering (a long
   * poll, a slow coroutine). A proxy may keep the connection open after its client has gone, so
   * this may come late or not at all. A streaming handler that overrides it calls `super`.
   */
  onConnectionClose(): void {
    const body = this.#streaming?.body;
    if (body !== undefined && !body.done()) {
      body.setException(new StreamClosedError());
      body.exception(); // nobody else need look at it
    }
  }

  // The HTTP methods a subclass overrides; each answers 405 until it does.
  head(..._args: unknown[]): unknown {
    throw new HTTPError(405);
  }
  get(..._args: unknown[]): unknown {
    throw new HTTPError(405);
  }
  post(..._args: unknown[]): unknown {
    throw new HTTPError(405);
  }
  delete(..._args: unknown[]): unknown {
    throw new HTTPError(405);
  }
  patch(..._args: unknown[]): unknown {
    throw new HTTPError(405);
  }
  put(..._args: unknown[]): unknown {
    throw new HTTPError(405);
  }
  options(..._args: unknown[]): unknown {
    throw new HTTPError(405);
  }

  /**
   * A chunk of a streamed request body (`streamRequestBody` handlers implement it). May return
   * something to wait for: no more of the body is read until it is done.
   */
  dataReceived(_chunk: Buffer): unknown {
    throw new TypeError(
      `${this.constructor.name}.dataReceived() is not implemented: a streamRequestBody handler needs one`,
    );
  }

  /**
   * Marks the response finished without sending anything: for a handler whose request is
   * answered some other way (`FallbackHandler` hands it to another server). No `finish`, no log.
   */
  #outHeaders(): HTTPHeaders {
    return (this.#headers ??= new HTTPHeaders());
  }

  protected markFinished(): void {
    this.#finished = true;
  }

  // ─── Output ────────────────────────────────────────────────────────────────────────────────

  /** Resets the status, the headers (to the defaults) and the body written so far. */
  clear(): void {
    this.#headers = defaultHeaders();
    this.setDefaultHeaders();
    this.#writeBuffer = [];
    this.#statusCode = 200;
    this.#reason = 'OK';
  }

  /**
   * Override to set headers every response of this handler starts with (a `Server` of its own,
   * say). Headers set later may be reset by an error, these are set again.
   */
  setDefaultHeaders(): void {}

  /**
   * Sets the status, and the reason phrase (by default the status's standard one, or `Unknown`).
   * A reason with characters a status line cannot carry, or a `<`, is replaced by `Unknown`
   * (as tornado does: error pages show it).
   */
  setStatus(statusCode: number, reason?: string | null): void {
    if (!Number.isInteger(statusCode)) {
      throw new TypeError(
        `setStatus() expected an integer status code, got ${inspect(statusCode)}`,
      );
    }
    this.#statusCode = statusCode;
    if (reason !== undefined && reason !== null) {
      this.#reason = reason.includes('<') || !VALID_REASON.test(reason) ? 'Unknown' : reason;
    } else {
      this.#reason = STATUS_CODES[statusCode] ?? 'Unknown';
    }
  }

  /** The response's status. */
  getStatus(): number {
    return this.#statusCode;
  }

  /**
   * Sets a response header, replacing any value it had. A `Date` is written as an HTTP date,
   * bytes as latin1.
   * @throws HTTPOutputError for a name that is not a token or a value with CR, LF or another
   *   control character (which could inject headers); TypeError for a value of another type
   */
  setHeader(name: string, value: HeaderValue): void {
    // Checked by tornado's rules, stricter than the headers' own: set as it is.
    setChecked(this.#outHeaders(), checkHeaderName(name), convertHeaderValue(value));
  }

  /** Adds a value to a response header (which may then have several: `Set-Cookie`). */
  addHeader(name: string, value: HeaderValue): void {
    this.#outHeaders().add(checkHeaderName(name), convertHeaderValue(value));
  }

  /** Removes a response header (every value of it). */
  clearHeader(name: string): void {
    this.#outHeaders().delete(name);
  }

  /**
   * Adds to the response body: a string (as UTF-8), bytes (copied), or a plain object, sent as
   * JSON with `Content-Type: application/json; charset=UTF-8` (set a header after it to send
   * another type). The JSON is `JSON.stringify`'s, in UTF-8, with every `</` written `<\/`: what
   * tornado promises of it, valid JSON that cannot close a `<script>` it is put in. (tornado's
   * bytes are Python's `json.dumps` layout, `, ` and `: ` between items and ASCII only, which
   * `escape.jsonEncode` writes; a client reads the same value from either.) Arrays are refused:
   * a JSON array is a script a page of another site can load (JSON hijacking); wrap it in an
   * object. Nothing is sent before `flush` or `finish`.
   * @throws HandlerStateError after `finish()`; TypeError for any other kind of chunk
   */
  write(chunk: Chunk): void {
    if (this.#finished) throw new HandlerStateError('Cannot write() after finish()');
    if (typeof chunk === 'string') {
      this.#writeBuffer.push(Buffer.from(chunk, 'utf8'));
    } else if (chunk instanceof Uint8Array) {
      this.#writeBuffer.push(Buffer.from(chunk)); // a copy: the caller may reuse theirs
    } else if (isPlainObject(chunk)) {
      this.#writeBuffer.push(jsonBody(chunk));
      this.setHeader('Content-Type', 'application/json; charset=UTF-8');
    } else {
      let message = `write() expected a string, bytes or a plain object (JSON), got ${formatValue(chunk)}`;
      if (Array.isArray(chunk)) {
        message +=
          '. Arrays are not accepted for security reasons; see https://www.tornadoweb.org/en/stable/web.html#tornado.web.RequestHandler.write';
      }
      throw new TypeError(message);
    }
  }

  /** `write(chunk)` without the copy, when nothing on the way to the socket keeps it (`writeLent`). */
  #lend(chunk: Buffer): void {
    if (this.#finished) throw new HandlerStateError('Cannot write() after finish()');
    const keptNowhere =
      this.request.connection?.constructor === HTTP1Connection &&
      this.#transforms.every(usesChunksUp);
    this.#writeBuffer.push(keptNowhere ? chunk : Buffer.from(chunk));
  }

  /** The body written and not yet flushed (what the default `computeEtag` hashes). */
  protected get writeBuffer(): readonly Buffer[] {
    return this.#writeBuffer;
  }

  /**
   * Sends what was written so far: the status and headers the first time (through the output
   * transforms), then the body. The Future is done once the kernel has the bytes (flow control:
   * wait for it before writing more of a large response).
   */
  flush(includeFooters = false): Future<void> {
    const connection = this.#connection();
    const buffer = this.#writeBuffer;
    let chunk =
      buffer.length === 0 ? EMPTY : buffer.length === 1 ? buffer[0]! : Buffer.concat(buffer);
    this.#writeBuffer = [];
    if (!this.#headersWritten) {
      this.#headersWritten = true;
      for (const transform of this.#transforms) {
        [this.#statusCode, this.#headers, chunk] = transform.transformFirstChunk(
          this.#statusCode,
          this.#outHeaders(),
          chunk,
          includeFooters,
        );
      }
      // Only the headers, for a HEAD request.
      if (this.request.method === 'HEAD') chunk = EMPTY;
      // The cookies are kept aside until now, so that a later setCookie of a name replaces it.
      if (this.#newCookies !== null) {
        for (const morsel of this.#newCookies.values())
          this.addHeader('Set-Cookie', morsel.toString());
      }
      const startLine = new ResponseStartLine('', this.#statusCode, this.#reason);
      return connection.writeHeaders(startLine, this.#outHeaders(), chunk);
    }
    for (const transform of this.#transforms)
      chunk = transform.transformChunk(chunk, includeFooters);
    if (this.request.method !== 'HEAD') return connection.write(chunk);
    return resolvedVoid(getEventLoop());
  }

  /**
   * Ends the response (after writing `chunk`, if given). Before anything was flushed, a GET or
   * HEAD answered 200 gets an `Etag` (and becomes a 304 without its body when the request's
   * `If-None-Match` names it), and the response a `Content-Length`. The Future is done once the
   * response is sent, or fails if the connection closed first; waiting for it is optional.
   * @throws HandlerStateError when called twice, or with a body for a 204, 304 or 1xx
   */
  finish(chunk?: Chunk | null): Future<void> {
    if (this.#finished) throw new HandlerStateError('finish() called twice');
    if (chunk !== undefined && chunk !== null) this.write(chunk);
    if (!this.#headersWritten) {
      const method = this.request.method;
      if (
        this.#statusCode === 200 &&
        (method === 'GET' || method === 'HEAD') &&
        !this.#outHeaders().has('Etag')
      ) {
        this.setEtagHeader();
        if (this.checkEtagHeader()) {
          this.#writeBuffer = [];
          this.setStatus(304);
        }
      }
      const status = this.#statusCode;
      if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
        if (bufferLength(this.#writeBuffer) > 0) {
          throw new HandlerStateError(`Cannot send body with ${String(status)}`);
        }
        for (const name of REPRESENTATION_HEADERS) this.clearHeader(name);
      } else if (!this.#outHeaders().has('Content-Length')) {
        // A count: nothing for setHeader to check.
        setChecked(this.#outHeaders(), 'Content-Length', String(bufferLength(this.#writeBuffer)));
      }
    }
    const connection = this.#connection();
    // The connection no longer needs to tell this handler of a close.
    (connection as ConnectionExtras).setCloseCallback?.(null);
    const future = this.flush(true);
    connection.finish();
    this.#log();
    this.#finished = true;
    this.onFinish();
    return future;
  }

  /**
   * Redirects to `url` (which may be relative): 302, or 301 with `permanent`, or `status`.
   * @throws HandlerStateError once the headers are sent; RangeError for a status not 3xx
   */
  redirect(url: string, options: { permanent?: boolean; status?: number } = {}): void {
    if (this.#headersWritten) {
      throw new HandlerStateError('Cannot redirect after headers have been written');
    }
    let status = options.status;
    if (status === undefined) status = options.permanent === true ? 301 : 302;
    else if (!Number.isInteger(status) || status < 300 || status > 399) {
      throw new RangeError(`redirect() expected a 3xx status, got ${inspect(status)}`);
    }
    this.setStatus(status);
    this.setHeader('Location', Buffer.from(url, 'utf8'));
    void this.finish();
  }

  /**
   * Takes the connection's stream and ends HTTP on it (for a protocol that starts with an HTTP
   * exchange: WebSocket). HTTP/1.x only.
   */
  detach(): BaseIOStream {
    const connection = this.#connection() as ConnectionExtras;
    if (connection.detach === undefined) {
      throw new TypeError(`${formatValue(this.request.connection)} cannot be detached`);
    }
    this.#finished = true;
    // Nothing is written through HTTP again: the response's state would only take memory for
    // as long as the handler lives (a WebSocket's, for hours).
    this.#headers = null;
    this.#writeBuffer = NO_CHUNKS;
    this.#transforms = NO_TRANSFORMS;
    return connection.detach();
  }

  /**
   * Answers with an error status: what was written is dropped, the headers reset, and
   * `writeError` writes the page. Once the headers are sent, it can only end the response.
   */
  sendError(statusCode = 500, details: ErrorDetails = {}): void {
    if (this.#headersWritten) {
      genLog.error('Cannot send error response after headers written');
      if (!this.#finished) {
        // The response is most likely broken (its Content-Length not met): try to end it anyway,
        // to free the connection.
        try {
          void this.finish();
        } catch (error) {
          genLog.error({ err: error }, 'Failed to flush partial response');
        }
      }
      return;
    }
    this.clear();
    let reason = details.reason ?? null;
    if (details.error instanceof HTTPError && details.error.reason) reason = details.error.reason;
    this.setStatus(statusCode, reason);
    try {
      if (statusCode !== 304) this.writeError(statusCode, details);
    } catch (error) {
      appLog.error({ err: error }, 'Uncaught exception in writeError');
    }
    if (!this.#finished) void this.finish();
  }

  /**
   * Writes the error page for `sendError`; override it for pages of your own (it may `write`,
   * `render`, `setHeader`…). `details.error` is what was thrown, when an exception caused the
   * error. The default is a one-line HTML page, or the error's stack as text with the
   * `serveTraceback` setting.
   */
  writeError(statusCode: number, details: ErrorDetails = {}): void {
    if (this.settings.serveTraceback === true && 'error' in details) {
      this.setHeader('Content-Type', 'text/plain');
      this.write(formatError(details.error));
      void this.finish();
    } else {
      const message = `${String(statusCode)}: ${xhtmlEscape(this.#reason)}`;
      void this.finish(`<html><title>${message}</title><body>${message}</body></html>`);
    }
  }

  // ─── ETags ─────────────────────────────────────────────────────────────────────────────────

  /**
   * The response's ETag: by default a hash of the body written. Override it for a cheaper or
   * stabler tag, or return null for none.
   */
  computeEtag(): string | null {
    return defaultEtag(this.#writeBuffer);
  }

  /** Sets `Etag` from `computeEtag()` (unless that is null). `finish` calls it. */
  setEtagHeader(): void {
    const etag = this.computeEtag();
    if (etag !== null) this.setHeader('Etag', etag);
  }

  /**
   * True when the request's `If-None-Match` names the response's `Etag` (weak comparison): a 304
   * is due. `finish` checks it; call it earlier (after `setEtagHeader`) to skip the work.
   */
  checkEtagHeader(): boolean {
    return etagMatches(
      this.#outHeaders().get('Etag', ''),
      this.request.headers.get('If-None-Match', ''),
    );
  }

  // ─── Input ─────────────────────────────────────────────────────────────────────────────────

  /**
   * The last value of the argument `name`, from the query string or the body (body values come
   * last, so they win), decoded and stripped. Without `defaultValue` the argument is required.
   * @example
   * ```ts
   * const page = Number(this.getArgument('page', '1'));
   * const q = this.getArgument('q'); // MissingArgumentError (400) when absent
   * const tag = this.getArgument('tag', null); // null when absent
   * ```
   * @throws MissingArgumentError when it is absent and required
   */
  getArgument(name: string): string;
  getArgument<D>(name: string, defaultValue: D, strip?: boolean): string | D;
  getArgument(name: string, defaultValue: unknown = REQUIRED, strip = true): unknown {
    return this.#getArgument(name, defaultValue, this.request.arguments, strip);
  }

  /** Every value of the argument `name` (query and body), decoded; empty when it is absent. */
  getArguments(name: string, strip = true): string[] {
    return this.#getArguments(name, this.request.arguments, strip);
  }

  /** As `getArgument`, from the body only. */
  getBodyArgument(name: string): string;
  getBodyArgument<D>(name: string, defaultValue: D, strip?: boolean): string | D;
  getBodyArgument(name: string, defaultValue: unknown = REQUIRED, strip = true): unknown {
    return this.#getArgument(name, defaultValue, this.request.bodyArguments, strip);
  }

  /** As `getArguments`, from the body only. */
  getBodyArguments(name: string, strip = true): string[] {
    return this.#getArguments(name, this.request.bodyArguments, strip);
  }

  /** As `getArgument`, from the query string only. */
  getQueryArgument(name: string): string;
  getQueryArgument<D>(name: string, defaultValue: D, strip?: boolean): string | D;
  getQueryArgument(name: string, defaultValue: unknown = REQUIRED, strip = true): unknown {
    return this.#getArgument(name, defaultValue, this.request.queryArguments, strip);
  }

  /** As `getArguments`, from the query string only. */
  getQueryArguments(name: string, strip = true): string[] {
    return this.#getArguments(name, this.request.queryArguments, strip);
  }

  #getArgument(
    name: string,
    defaultValue: unknown,
    source: Readonly<Record<string, Buffer[]>>,
    strip: boolean,
  ): unknown {
    const values = this.#getArguments(name, source, strip);
    if (values.length === 0) {
      if (defaultValue === REQUIRED) throw new MissingArgumentError(name);
      return defaultValue;
    }
    return values.at(-1);
  }

  #getArguments(
    name: string,
    source: Readonly<Record<string, Buffer[]>>,
    strip: boolean,
  ): string[] {
    if (typeof strip !== 'boolean') {
      throw new TypeError(`getArguments() expected strip to be a boolean, got ${inspect(strip)}`);
    }
    const raw = Object.hasOwn(source, name) ? source[name]! : [];
    return raw.map((value) => {
      let text: unknown = this.decodeArgument(value, name);
      // A decodeArgument that gives bytes keeps them as they are.
      if (typeof text !== 'string') return text as string;
      text = text.replace(CONTROL_CHARS, ' ');
      return strip ? pythonStrip(text as string) : (text as string);
    });
  }

  /**
   * Decodes an argument or a path group from its bytes (percent-decoding is done already):
   * UTF-8 by default; override it for another encoding. `name` is the argument's (or a named
   * group's), absent for a positional group.
   * @throws HTTPError 400 for bytes that are not UTF-8
   */
  decodeArgument(value: Buffer, name?: string | null): string {
    if (!isUtf8(value)) {
      const what = name || 'url';
      throw new HTTPError(
        400,
        `Invalid unicode in ${what}: ${pythonBytesRepr(value.subarray(0, 40))}`,
      );
    }
    return value.toString('utf8');
  }

  // ─── Templates ─────────────────────────────────────────────────────────────────────────────

  /**
   * Renders the template `templateName` with `kwargs` (over `getTemplateNamespace()`) as the
   * response, with the CSS and JavaScript its UI modules asked for put in the `<head>` and before
   * `</body>`, and finishes. The Future is `finish()`'s.
   * @example
   * ```ts
   * override get() {
   *   return this.render('story.html', { story, comments });
   * }
   * ```
   * @throws HandlerStateError after `finish()`; what the template throws
   */
  render(templateName: string, kwargs: Record<string, unknown> = {}): Future<void> {
    if (this.#finished) throw new HandlerStateError('Cannot render() after finish()');
    let html = this.renderString(templateName, kwargs);
    const jsEmbed: Buffer[] = [];
    const jsFiles: string[] = [];
    const cssEmbed: Buffer[] = [];
    const cssFiles: string[] = [];
    const htmlHeads: Buffer[] = [];
    const htmlBodies: Buffer[] = [];
    for (const module of this.#activeModules?.values() ?? []) {
      const js = module.embeddedJavascript();
      if (js) jsEmbed.push(Buffer.from(js, 'utf8'));
      const jsFile = module.javascriptFiles();
      if (jsFile) jsFiles.push(...(typeof jsFile === 'string' ? [jsFile] : jsFile));
      const css = module.embeddedCss();
      if (css) cssEmbed.push(Buffer.from(css, 'utf8'));
      const cssFile = module.cssFiles();
      if (cssFile) cssFiles.push(...(typeof cssFile === 'string' ? [cssFile] : cssFile));
      const head = module.htmlHead();
      if (head) htmlHeads.push(Buffer.from(head, 'utf8'));
      const body = module.htmlBody();
      if (body) htmlBodies.push(Buffer.from(body, 'utf8'));
    }
    const NL = Buffer.from('\n');
    if (jsFiles.length > 0) {
      html = insertBefore(
        html,
        '</body>',
        [Buffer.from(this.renderLinkedJs(jsFiles), 'utf8'), NL],
        true,
      );
    }
    if (jsEmbed.length > 0)
      html = insertBefore(html, '</body>', [this.renderEmbedJs(jsEmbed), NL], true);
    if (cssFiles.length > 0) {
      html = insertBefore(html, '</head>', [
        Buffer.from(this.renderLinkedCss(cssFiles), 'utf8'),
        NL,
      ]);
    }
    if (cssEmbed.length > 0)
      html = insertBefore(html, '</head>', [this.renderEmbedCss(cssEmbed), NL]);
    if (htmlHeads.length > 0) html = insertBefore(html, '</head>', [...htmlHeads, NL]);
    if (htmlBodies.length > 0) html = insertBefore(html, '</body>', [...htmlBodies, NL]);
    return this.finish(html);
  }

  /** `<script>` tags for the UI modules' JavaScript files, each once, in order. */
  renderLinkedJs(jsFiles: readonly string[]): string {
    return this.#uniquePaths(jsFiles)
      .map((path) => `<script src="${xhtmlEscape(path)}" type="text/javascript"></script>`)
      .join('');
  }

  /** The UI modules' embedded JavaScript, in one `<script>`. */
  renderEmbedJs(jsEmbed: readonly Buffer[]): Buffer {
    return Buffer.concat([
      Buffer.from('<script type="text/javascript">\n//<![CDATA[\n'),
      joinBuffers(jsEmbed, '\n'),
      Buffer.from('\n//]]>\n</script>'),
    ]);
  }

  /** `<link>` tags for the UI modules' stylesheets, each once, in order. */
  renderLinkedCss(cssFiles: readonly string[]): string {
    return this.#uniquePaths(cssFiles)
      .map((path) => `<link href="${xhtmlEscape(path)}" type="text/css" rel="stylesheet"/>`)
      .join('');
  }

  /** The UI modules' embedded CSS, in one `<style>`. */
  renderEmbedCss(cssEmbed: readonly Buffer[]): Buffer {
    return Buffer.concat([
      Buffer.from('<style type="text/css">\n'),
      joinBuffers(cssEmbed, '\n'),
      Buffer.from('\n</style>'),
    ]);
  }

  /** Paths as pages link them (a relative one through `staticUrl`), each once. */
  #uniquePaths(paths: readonly string[]): string[] {
    const unique = new Set<string>();
    for (const path of paths) unique.add(isAbsolutePath(path) ? path : this.staticUrl(path));
    return [...unique];
  }

  /**
   * The URL of the static file at `path` (below the `staticPath` setting): under
   * `staticUrlPrefix`, with `?v=<hash of the content>` so it can be cached for ever, unless
   * `includeVersion` is false; absolute (`http://host/…`) with `includeHost`, whose default is
   * the handler's `includeHost` property.
   * @example
   * ```ts
   * this.staticUrl('app.js'); // '/static/app.js?v=5b8e…'
   * ```
   * @throws MissingSettingError without `staticPath`
   */
  staticUrl(
    path: string,
    options: { includeHost?: boolean; includeVersion?: boolean } = {},
  ): string {
    this.requireSetting('staticPath', 'staticUrl');
    const includeHost = options.includeHost ?? this.includeHost;
    const base = includeHost ? `${this.request.protocol}://${this.request.host}` : '';
    const handlerClass = this.application.staticHandlerClass;
    return base + handlerClass.makeStaticUrl(this.settings, path, options.includeVersion ?? true);
  }

  /**
   * The template `templateName` rendered with `kwargs` (over `getTemplateNamespace()`), as
   * UTF-8 bytes. Templates are loaded from the `templatePath` setting (or `getTemplatePath()`)
   * through `createTemplateLoader`, or by the `templateLoader` setting without a path.
   * @throws MissingSettingError with neither `templatePath` nor `templateLoader`
   */
  renderString(templateName: string, kwargs: Record<string, unknown> = {}): Buffer {
    const templatePath = this.getTemplatePath();
    let loader: BaseLoader;
    if (templatePath !== null && templatePath !== '') {
      loader = templateLoader(templatePath, () => this.createTemplateLoader(templatePath));
    } else {
      // tornado falls back to the calling file's directory; here the loader must be named.
      const given = this.settings.templateLoader;
      if (given === undefined) throw new MissingSettingError('templatePath', 'templates');
      loader = given;
    }
    const template = loader.load(templateName);
    const namespace = this.getTemplateNamespace();
    // defineProperty, not assignment: the namespace's currentUser is a getter.
    for (const [name, value] of Object.entries(kwargs)) {
      Object.defineProperty(namespace, name, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return template.generate(namespace);
  }

  /**
   * The names every template of this handler sees (its `kwargs` go over them): `handler`,
   * `request`, `currentUser` (asked for only if the template uses it), `xsrfFormHtml`,
   * `reverseUrl`, `staticUrl`, and the UI methods and modules (`ui`). Override it to add some.
   */
  getTemplateNamespace(): Record<string, unknown> {
    const namespace: Record<string, unknown> = {
      handler: this,
      request: this.request,
      xsrfFormHtml: () => this.xsrfFormHtml(),
      reverseUrl: (name: string, ...args: unknown[]) => this.reverseUrl(name, ...args),
      staticUrl: (path: string, options?: { includeHost?: boolean; includeVersion?: boolean }) =>
        this.staticUrl(path, options),
    };
    Object.defineProperty(namespace, 'currentUser', {
      get: () => this.currentUser,
      enumerable: true,
      configurable: true,
    });
    return Object.assign(namespace, this.ui);
  }

  /**
   * The loader for `templatePath`, made once per path and kept (see `renderString`): the
   * `templateLoader` setting if there is one, else a `Loader` on the path with the
   * `autoescape` and `templateWhitespace` settings. Override it for a loader of your own.
   */
  createTemplateLoader(templatePath: string): BaseLoader {
    const settings = this.settings;
    if (settings.templateLoader !== undefined) return settings.templateLoader;
    const options: LoaderOptions = {};
    // autoescape: null means no escaping: it is passed only when set.
    if ('autoescape' in settings) options.autoescape = settings.autoescape ?? null;
    if (settings.templateWhitespace !== undefined) options.whitespace = settings.templateWhitespace;
    return new Loader(templatePath, options);
  }

  /**
   * The application's UI methods (bound to this handler) and its UI modules, as templates see
   * them: each method by name, the modules as `modules.Name(…)` (and `_tt_modules`, which
   * `{% module %}` uses).
   */
  get ui(): Readonly<Record<string, unknown>> {
    if (this.#ui === null) {
      const ui: Record<string, unknown> = {};
      for (const [name, method] of Object.entries(this.application.uiMethods)) {
        ui[name] = (...args: never[]) => method(this, ...args);
      }
      const modules: Record<string, (...args: unknown[]) => string> = {};
      for (const [name, moduleClass] of Object.entries(this.application.uiModules)) {
        modules[name] = (...args: unknown[]) => this.#renderModule(name, moduleClass, args);
      }
      ui._tt_modules = modules;
      ui.modules = modules;
      this.#ui = ui;
    }
    return this.#ui;
  }

  /** One module instance per name and request (tornado's `_ui_module`). */
  #renderModule(name: string, moduleClass: UIModuleClass, args: unknown[]): string {
    const active = (this.#activeModules ??= new Map<string, UIModule>());
    let module = active.get(name);
    if (module === undefined) {
      module = new moduleClass(this);
      active.set(name, module);
    }
    const rendered = module.render(...args);
    return typeof rendered === 'string' ? rendered : Buffer.from(rendered).toString('utf8');
  }

  // ─── Cookies ───────────────────────────────────────────────────────────────────────────────

  /** The request's cookies, name → value. */
  get cookies(): Readonly<Record<string, string>> {
    return this.request.cookies;
  }

  /**
   * The value of the request's cookie `name`, or `defaultValue` (null). Cookies set by this
   * response are not seen until the next request.
   */
  getCookie(name: string): string | null;
  getCookie<D>(name: string, defaultValue: D): string | D;
  getCookie(name: string, defaultValue: unknown = null): unknown {
    const cookies = this.request.cookies;
    return Object.hasOwn(cookies, name) ? cookies[name] : defaultValue;
  }

  /**
   * Sets a cookie on the response (a later call for the same name replaces it, attributes and
   * all). The value may be any text: what is not a cookie token is quoted as Python quotes it.
   * @example
   * ```ts
   * this.setCookie('theme', 'dark', { expiresDays: 365, samesite: 'Lax' });
   * ```
   * @throws CookieError for a name that is not a token, a value with a control character or a
   *   space, or a domain, path or samesite with a control character or `;`
   */
  setCookie(name: string, value: string | Uint8Array, options: CookieOptions = {}): void {
    const morsel = makeMorsel(name, value, options);
    const cookies = (this.#newCookies ??= new Map());
    cookies.delete(name); // a new one goes last, as Python's dict puts it
    cookies.set(name, morsel);
  }

  /**
   * Deletes a cookie: sets it empty, expired a year ago. It takes `setCookie`'s options but the
   * expiry ones: the domain and path (and for `SameSite=None` cookies, samesite and secure) must
   * be the ones it was set with.
   * @throws TypeError for `expires`, `expiresDays` or `maxAge`
   */
  clearCookie(name: string, options: CookieOptions = {}): void {
    for (const excluded of ['expires', 'expiresDays', 'maxAge']) {
      if (excluded in options) {
        throw new TypeError(`clearCookie() takes no ${excluded} option: the cookie expires now`);
      }
    }
    this.setCookie(name, '', { ...options, expires: Date.now() - 365 * DAY_MS });
  }

  /**
   * Deletes every cookie the request sent (with the same `options` for each: the browser only
   * forgets a cookie cleared with the domain and path it was set with).
   */
  clearAllCookies(options: CookieOptions = {}): void {
    for (const name of Object.keys(this.request.cookies)) this.clearCookie(name, options);
  }

  /**
   * Sets a cookie signed with the `cookieSecret` setting, so that it cannot be forged (it can
   * be read: it is not encrypted). Read it with `getSignedCookie`. `expiresDays` is 30 unless
   * given (null: a session cookie).
   */
  setSignedCookie(
    name: string,
    value: string | Uint8Array,
    options: SignedCookieOptions = {},
  ): void {
    const { version, ...cookieOptions } = options;
    const signed = this.createSignedValue(name, value, version);
    this.setCookie(name, signed, { expiresDays: 30, ...cookieOptions });
  }

  /**
   * Signs and timestamps `value` under `name` with the `cookieSecret` setting (for a signed
   * value that is not a cookie; `getSignedCookie(name, value)` reads it back).
   * @throws MissingSettingError without `cookieSecret`, or with several keys but no `keyVersion`
   */
  createSignedValue(name: string, value: string | Uint8Array, version?: number): Buffer {
    const secret = this.#cookieSecret();
    let keyVersion: number | null = null;
    if (isKeyVersions(secret)) {
      const setting = this.settings.keyVersion;
      if (setting === undefined || setting === null) {
        throw new MissingSettingError('keyVersion', 'a cookieSecret of several keys');
      }
      keyVersion = setting;
    }
    return createSignedValue(secret, name, value, {
      ...(version === undefined ? {} : { version }),
      keyVersion,
    });
  }

  /**
   * The value of the signed cookie `name` (or of `value`, a signed value given) if its signature
   * is good and it is recent enough, else null. Bytes: a signed value may hold any.
   */
  getSignedCookie(
    name: string,
    value?: string | null,
    options: GetSignedCookieOptions = {},
  ): Buffer | null {
    const secret = this.#cookieSecret();
    const signed = value ?? this.getCookie(name);
    return decodeSignedValue(secret, name, signed, {
      maxAgeDays: options.maxAgeDays ?? 31,
      ...(options.minVersion === undefined ? {} : { minVersion: options.minVersion }),
    });
  }

  /** The key version the signed cookie `name` (or `value`) says it was signed with. */
  getSignedCookieKeyVersion(name: string, value?: string | null): number | null {
    this.#cookieSecret();
    const signed = value ?? this.getCookie(name);
    return signed === null ? null : getSignatureKeyVersion(signed);
  }

  #cookieSecret(): SignedValueSecret {
    this.requireSetting('cookieSecret', 'secure cookies');
    return this.settings.cookieSecret!;
  }

  // ─── Users ─────────────────────────────────────────────────────────────────────────────────

  /**
   * The user the request is from: what `getCurrentUser()` returns, asked once and kept; or what
   * was assigned (from `prepare`, say). An async or generator `getCurrentUser` is resolved before
   * `prepare` runs.
   * @throws TypeError when a plain `getCurrentUser` returned a promise (declare it `async`)
   */
  get currentUser(): unknown {
    if (this.#currentUser === null) {
      const user: unknown = this.getCurrentUser();
      if (isAwaitable(user)) {
        throw new TypeError(
          `${this.constructor.name}.getCurrentUser() returned ${formatValue(user)}: declare it async (or a generator) and it is resolved before prepare()`,
        );
      }
      this.#currentUser = { value: user };
    }
    return this.#currentUser.value;
  }

  set currentUser(value: unknown) {
    this.#currentUser = { value };
  }

  /**
   * Override to say who the user is (from a signed cookie, say): null for nobody. May be `async`
   * or a generator (resolved before `prepare`).
   */
  getCurrentUser(): unknown {
    return null;
  }

  /** Where `@authenticated` sends a user who is not logged in: the `loginUrl` setting. */
  getLoginUrl(): string {
    this.requireSetting('loginUrl', '@authenticated');
    return this.settings.loginUrl!;
  }

  /** The directory templates are loaded from: the `templatePath` setting. */
  getTemplatePath(): string | null {
    return this.settings.templatePath ?? null;
  }

  // ─── XSRF ──────────────────────────────────────────────────────────────────────────────────

  /**
   * The XSRF token of this session, as the page must send it back (`_xsrf` argument or
   * `X-XSRFToken` header), masked anew for each response (format 2). The first call in a request
   * without a token cookie sets one.
   */
  get xsrfToken(): Buffer {
    if (this.#xsrfToken === null) {
      const raw = this.#getRawXsrfToken();
      this.#xsrfToken = encodeXsrfToken(raw, this.settings.xsrfCookieVersion ?? 2);
      if (raw.version === null) {
        const options: { -readonly [K in keyof CookieOptions]: CookieOptions[K] } = {
          ...this.settings.xsrfCookieKwargs,
        };
        if (this.currentUser && !('expiresDays' in options)) options.expiresDays = 30;
        this.setCookie(this.settings.xsrfCookieName ?? '_xsrf', this.#xsrfToken, options);
      }
    }
    return this.#xsrfToken;
  }

  /** The token of the request's cookie, or a new one (tornado's `_get_raw_xsrf_token`). */
  #getRawXsrfToken(): RawXsrfToken {
    if (this.#rawXsrfToken === null) {
      const cookie = this.getCookie(this.settings.xsrfCookieName ?? '_xsrf');
      this.#rawXsrfToken = (cookie ? decodeXsrfToken(cookie) : null) ?? newXsrfToken();
    }
    return this.#rawXsrfToken;
  }

  /**
   * Checks that the request repeats its XSRF cookie's token in the `_xsrf` argument or the
   * `X-XSRFToken` (or `X-CSRFToken`) header. Called before `prepare` for every POST, PUT, PATCH
   * and DELETE when the `xsrfCookies` setting is on.
   * @throws HTTPError 403 when the token is missing, malformed or not the cookie's
   */
  // #region check-xsrf
  checkXsrfCookie(): void {
    const input =
      this.getArgument('_xsrf', null) ||
      this.request.headers.get('X-Xsrftoken') ||
      this.request.headers.get('X-Csrftoken');
    if (!input) throw new HTTPError(403, "'_xsrf' argument missing from POST");
    const given = decodeXsrfToken(input);
    const expected = this.#getRawXsrfToken().token;
    if (given === null || given.token.length === 0) {
      throw new HTTPError(403, "'_xsrf' argument has invalid format");
    }
    if (!xsrfTokensMatch(given.token, expected)) {
      throw new HTTPError(403, 'XSRF cookie does not match POST argument');
    }
  }
  // #endregion check-xsrf

  /** `<input type="hidden" name="_xsrf" value="…"/>`, for every form that POSTs. */
  xsrfFormHtml(): string {
    return `<input type="hidden" name="_xsrf" value="${xhtmlEscape(this.xsrfToken)}"/>`;
  }

  // ─── Application ───────────────────────────────────────────────────────────────────────────

  /** @throws MissingSettingError when the application's setting `name` is not set (or empty). */
  requireSetting(name: string, feature = 'this feature'): void {
    if (!this.settings[name]) throw new MissingSettingError(name, feature);
  }

  /** The application's `reverseUrl`. */
  reverseUrl(name: string, ...args: unknown[]): string {
    return this.application.reverseUrl(name, ...args);
  }

  /** `GET /path?q (127.0.0.1)`: the request, as the logs name it. */
  requestSummary(): string {
    const { method, uri, remoteIp } = this.request;
    return `${method} ${uri} (${String(remoteIp)})`;
  }

  // ─── Errors ────────────────────────────────────────────────────────────────────────────────

  /**
   * What an exception from the handler's methods comes to (tornado's
   * `_handle_request_exception`): `Finish` ends the response; anything else is logged
   * (`logException`) and answered with its status (an `HTTPError`'s, else 500) unless the
   * response is finished already.
   */
  handleRequestException(error: unknown): void {
    if (error instanceof Finish) {
      // Not an error: the response ends as it is.
      if (!this.#finished) void this.finish(error.chunk);
      return;
    }
    try {
      this.logException(error);
    } catch (logError) {
      // Answer anyway, so the connection is not left hanging.
      appLog.error({ err: logError }, 'Error in exception logger');
    }
    if (this.#finished) return; // logged; nothing left to answer
    this.sendError(error instanceof HTTPError ? error.statusCode : 500, { error });
  }

  /**
   * Logs an exception from the handler's methods: an `HTTPError` as a warning on
   * `tornado.general`, without a stack (only when it has a log message); anything else as an
   * error on `tornado.application`, with its stack and the request.
   */
  logException(error: unknown): void {
    if (error instanceof HTTPError) {
      const message = error.getMessage();
      if (message) {
        genLog.warn(`${String(error.statusCode)} ${this.requestSummary()}: ${message}`);
      }
    } else {
      appLog.error(
        { err: error },
        `Uncaught exception ${this.requestSummary()}\n${String(this.request)}`,
      );
    }
  }

  toString(): string {
    const state = this.#finished ? ' finished' : this.#headersWritten ? ' streaming' : '';
    return `<${this.constructor.name} ${this.request.method} ${this.request.uri} ${String(this.#statusCode)}${state}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  // ─── The life of a request ─────────────────────────────────────────────────────────────────

  /** Runs the request (tornado's `_execute`): see the module's notes. */
  *#execute(
    transforms: OutputTransform[],
    args: readonly (Buffer | null)[],
    kwargs: Readonly<Record<string, Buffer | null>>,
    streaming: StreamingFutures | null,
  ): Generator<unknown, void, unknown> {
    this.#transforms = transforms;
    this.#streaming = streaming;
    const handlerClass = this.constructor as RequestHandlerClass;
    try {
      const method = this.request.method;
      if (!handlerClass.SUPPORTED_METHODS.includes(method)) throw new HTTPError(405);
      if (streaming === null) {
        // Parsed here, not when the body arrived, so that a malformed body is this 400.
        try {
          this.request.parseBody();
        } catch (error) {
          if (!(error instanceof HTTPInputError)) throw error;
          throw new HTTPError(400, `Invalid body: ${error.message}`);
        }
      }
      // Without groups (most routes), the empty ones the handler was made with stay.
      if (args.length > 0) {
        this.pathArgs = args.map((arg) => (arg === null ? null : this.decodeArgument(arg)));
      }
      if (hasOwnKeys(kwargs)) {
        this.pathKwargs = {};
        for (const key in kwargs) {
          if (!Object.hasOwn(kwargs, key)) continue;
          const value = kwargs[key]!;
          this.pathKwargs[key] = value === null ? null : this.decodeArgument(value, key);
        }
      }
      // With xsrfCookies, a form submission without the right token is refused.
      if (
        method !== 'GET' &&
        method !== 'HEAD' &&
        method !== 'OPTIONS' &&
        this.settings.xsrfCookies === true
      ) {
        this.checkXsrfCookie();
      }

      if (
        this.#currentUser === null &&
        this.getCurrentUser !== RequestHandler.prototype.getCurrentUser &&
        // eslint-disable-next-line @typescript-eslint/unbound-method -- only its kind is looked at
        isAsyncFunction(this.getCurrentUser)
      ) {
        const pending = awaitableOf(this.getCurrentUser(), this, 'getCurrentUser');
        const user: unknown = pending === null ? null : yield pending;
        this.#currentUser ??= { value: user };
      }

      const prepared = awaitableOf(this.prepare(), this, 'prepare');
      if (prepared !== null) yield prepared;
      // Tell the connection prepare() is done: it may read the body now.
      if (streaming !== null) futureSetResultUnlessCancelled(streaming.prepared, undefined);
      if (this.#finished) return;

      if (streaming !== null) {
        // The body goes to dataReceived; this future says it has all been read.
        try {
          yield streaming.body;
        } catch (error) {
          if (error instanceof StreamClosedError) return;
          throw error;
        }
      }

      // #region call-method
      const methodName = METHOD_NAMES.get(method) ?? method.toLowerCase();
      const fn = (this as unknown as Record<string, unknown>)[methodName];
      if (typeof fn !== 'function') throw new HTTPError(405);
      const result: unknown = hasOwnKeys(this.pathKwargs)
        ? fn.call(this, this.pathKwargs)
        : fn.apply(this, this.pathArgs);
      const done = awaitableOf(result, this, methodName);
      if (done !== null) yield done;
      if (this.autoFinish && !this.#finished) void this.finish();
      // #endregion call-method
    } catch (error) {
      try {
        this.handleRequestException(error);
      } catch (handlerError) {
        appLog.error({ err: handlerError }, 'Exception in exception handler');
      }
      // Failed before prepare() was done: unblock the connection all the same.
      if (streaming !== null && !streaming.prepared.done()) streaming.prepared.setResult(undefined);
    }
  }

  #connection(): NonNullable<HTTPServerRequest['connection']> {
    const connection = this.request.connection;
    if (connection === null) {
      throw new TypeError(`${String(this)}: the request has no connection to answer through`);
    }
    return connection;
  }

  #log(): void {
    this.application.logRequest(this);
  }
}

/**
 * @internal Runs `handler` for its request (the application's delegate calls it): the Future
 * is done when the handler's methods are.
 */
export function executeHandler(
  handler: RequestHandler,
  transforms: OutputTransform[],
  pathArgs: readonly (Buffer | null)[],
  pathKwargs: Readonly<Record<string, Buffer | null>>,
  streaming: StreamingFutures | null = null,
): Future<void> {
  return execute(handler, transforms, pathArgs, pathKwargs, streaming);
}

/**
 * @internal `handler.write(chunk)` without its copy, for a caller that lends `chunk` (a buffer it
 * reuses) and calls `flush()` at once, changing the bytes only after that returns:
 * `StaticFileHandler`, which reads every file through one buffer. Copying each 64 KiB chunk into
 * memory of its own (fresh pages, each faulted in, then collected) took most of the time a 1 MiB
 * file did (`pnpm bench web`: 4,400 µs of CPU per response, 1,400 without).
 *
 * The lent bytes are gone from the handler once `flush` returns when nothing on the way keeps
 * them: the handler's own `write` and `flush` (not overridden), transforms that use each chunk
 * up in the call (`GZipContentEncoding` compresses it), and an `HTTP1Connection`, whose stream
 * sends the bytes or copies what the kernel did not take before `write` returns (see
 * `BaseIOStream.write`). Otherwise `write` gets a copy, as any caller's chunk.
 */
export function writeLent(handler: RequestHandler, chunk: Buffer): void {
  if (handler.write !== RequestHandler.prototype.write) handler.write(Buffer.from(chunk));
  else if (handler.flush !== RequestHandler.prototype.flush) handler.write(chunk);
  else lend(handler, chunk);
}

/** A transform known to be done with a chunk when it returns (see `writeLent`). */
function usesChunksUp(transform: OutputTransform): boolean {
  return transform.constructor === GZipContentEncoding || transform.constructor === OutputTransform;
}

/** True for `RequestHandler` and its subclasses. */
export function isRequestHandlerClass(value: unknown): value is RequestHandlerClass {
  return (
    typeof value === 'function' &&
    (value === RequestHandler || value.prototype instanceof RequestHandler)
  );
}

/** A generator run as a tornado coroutine (gen's Runner): what yields Futures waits for them. */
const runGenerator = coroutine(function runGenerator<T>(
  generator: Generator<unknown, T, unknown>,
): Generator<unknown, T, unknown> {
  return generator;
}) as <T>(generator: Generator<unknown, T, unknown>) => Future<T>;

/**
 * What a method returned, as a Future to wait for, or null for nothing to wait for: a generator
 * is run as a tornado coroutine, a Future or promise waited for. `owner` and `method` name the
 * method in the error (`MainHandler.get()`); the name is made only then, not per request.
 * @internal Shared with the application's delegate (for `dataReceived`).
 * @throws TypeError for anything else (a number, an object), naming the method
 */
export function awaitableOf(result: unknown, owner: object | null, method: string): Future | null {
  if (result === undefined || result === null) return null;
  if (isCoroutine(result)) return runGenerator(result as Generator<unknown, unknown, unknown>);
  if (result instanceof Future || isFuture(result) || isThenable(result)) {
    return convertYielded(result) as Future;
  }
  const where = owner === null ? `${method}()` : `${owner.constructor.name}.${method}()`;
  throw new TypeError(
    `${where} returned ${formatValue(result)}: expected nothing, a Future, a promise or a generator`,
  );
}

function isAwaitable(value: unknown): boolean {
  return isCoroutine(value) || value instanceof Future || isFuture(value) || isThenable(value);
}

/** An `async` function or a generator function (tornado's coroutine kinds). */
function isAsyncFunction(fn: unknown): boolean {
  if (typeof fn !== 'function') return false;
  const kind = (fn as { constructor: { name: string } }).constructor.name;
  return (
    kind === 'AsyncFunction' || kind === 'GeneratorFunction' || kind === 'AsyncGeneratorFunction'
  );
}

function isKeyVersions(secret: SignedValueSecret): boolean {
  return typeof secret === 'object' && !(secret instanceof Uint8Array);
}

/**
 * A plain object as a response body (`write(object)`): `JSON.stringify`'s text with every `</`
 * written `<\/`, in UTF-8. tornado writes `json_encode(chunk)`, Python's `json.dumps` layout
 * (`, `, `: `, ASCII only), which `escape.jsonEncode` reproduces byte for byte for templates and
 * callers; a client reads the same value from either, and the second pass that layout takes
 * more than doubled the cost of encoding a body (1.3 µs more for the object of
 * `pnpm bench web`'s JSON case). `<` is only ever inside a string, where `<\/` reads as `</`.
 * @throws TypeError as `JSON.stringify` throws it (a BigInt, a cycle)
 */
function jsonBody(value: Readonly<Record<string, unknown>>): Buffer {
  let json = JSON.stringify(value) as string | undefined;
  if (json === undefined) {
    throw new TypeError(`write() expected an object JSON can write, got ${formatValue(value)}`);
  }
  if (json.includes('</')) json = json.replaceAll('</', '<\\/');
  return Buffer.from(json, 'utf8');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function bufferLength(buffers: readonly Buffer[]): number {
  let total = 0;
  for (const buffer of buffers) total += buffer.length;
  return total;
}

function checkHeaderName(name: string): string {
  if (typeof name !== 'string' || !isToken(name)) {
    throw new HTTPOutputError(`Invalid header name ${inspect(name)}`);
  }
  return name;
}

/**
 * A header value as text (tornado's `_convert_header_value`), checked: what `setChecked` takes.
 * @throws HTTPOutputError for a character a field value cannot hold; TypeError for a value of
 *   another type
 */
function convertHeaderValue(value: HeaderValue): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value instanceof Uint8Array) text = Buffer.from(value).toString('latin1');
  else if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  else if (value instanceof Date) return formatTimestamp(value);
  else throw new TypeError(`Unsupported header value ${formatValue(value)}`);
  // A CR or LF would let the value inject headers, or split the response.
  if (!VALID_HEADER_VALUE.test(text))
    throw new HTTPOutputError(`Unsafe header value ${inspect(text)}`);
  return text;
}

/** `html` with `parts` inserted before the first (or last) `marker`. */
function insertBefore(
  html: Buffer,
  marker: string,
  parts: readonly Buffer[],
  last = false,
): Buffer {
  const at = last ? html.lastIndexOf(marker) : html.indexOf(marker);
  if (at === -1) {
    throw new TypeError(
      `render(): the page has no ${marker} to put its UI modules' resources before`,
    );
  }
  return Buffer.concat([html.subarray(0, at), ...parts, html.subarray(at)]);
}

function joinBuffers(buffers: readonly Buffer[], separator: string): Buffer {
  const parts: Buffer[] = [];
  buffers.forEach((buffer, i) => {
    if (i > 0) parts.push(Buffer.from(separator));
    parts.push(buffer);
  });
  return Buffer.concat(parts);
}

/** A URL a page can use as it is (tornado's `is_absolute`). */
function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || path.startsWith('http:') || path.startsWith('https:');
}

/** What `serveTraceback` shows: the stack, with the causes. */
function formatError(error: unknown): string {
  return `${inspect(error)}\n`;
}

/** Python's `repr(bytes)`: `b'ab\xe9'`. */
function pythonBytesRepr(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) {
    if (byte === 0x27 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte === 0x09) out += '\\t';
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x0d) out += '\\r';
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `b'${out}'`;
}
