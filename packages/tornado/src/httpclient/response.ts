/**
 * tornado's `HTTPResponse` and `HTTPClientError` (tornado/httpclient.py), and the two errors of
 * its simple client that stand for a response that never came: `HTTPTimeoutError` and
 * `HTTPStreamClosedError`, both with tornado's made-up code 599.
 */
import { STATUS_CODES } from 'node:http';
import { HTTPHeaders } from '../httputil/headers';
import type { HTTPRequest } from './request';

const EMPTY = Buffer.alloc(0);

/** What `new HTTPResponse()` takes besides the request and the code. */
export interface HTTPResponseInit {
  headers?: HTTPHeaders;
  /** The body. */
  buffer?: Buffer | null;
  /** The URL answered, after redirects. Default: the request's. */
  effectiveUrl?: string;
  /** Why the request failed; default: an HTTPClientError for a code outside 2xx. */
  error?: Error | null;
  /** ms from the request's start to its end (time queued left out). */
  requestTime?: number;
  timeInfo?: Readonly<Record<string, number>>;
  reason?: string;
  /** When the request started (`Date.now()`). */
  startTime?: number;
}

/**
 * tornado's HTTPResponse: `code`, `reason`, `headers`, `body`, `effectiveUrl`, `error`, and
 * when it happened. `rethrow()` throws the error, if there is one.
 */
export class HTTPResponse {
  readonly request: HTTPRequest;
  readonly code: number;
  readonly reason: string;
  readonly headers: HTTPHeaders;
  /** The body (tornado's BytesIO); null when there is none. */
  readonly buffer: Buffer | null;
  readonly effectiveUrl: string;
  readonly error: Error | null;
  /** ms from the start of the request (its last redirect's) to its end; queueing left out. */
  readonly requestTime: number | null;
  /** When the request started (`Date.now()` ms); null if it timed out in the queue. */
  readonly startTime: number | null;
  /**
   * Where the time went, in ms: `queue` (waiting for a slot under `maxClients`), `connect`
   * (0 on a reused connection), `firstByte` (from the start to the response's first line), `total`.
   */
  readonly timeInfo: Readonly<Record<string, number>>;
  /** @internal The error is only the response's code (raiseError: false keeps the response). */
  readonly errorIsResponseCode: boolean;

  constructor(request: HTTPRequest, code: number, init: HTTPResponseInit = {}) {
    this.request = request;
    this.code = code;
    this.reason = init.reason ?? STATUS_CODES[code] ?? 'Unknown';
    this.headers = init.headers ?? new HTTPHeaders();
    this.buffer = init.buffer ?? null;
    this.effectiveUrl = init.effectiveUrl ?? request.url;
    if (init.error === undefined || init.error === null) {
      this.errorIsResponseCode = code < 200 || code >= 300;
      this.error = this.errorIsResponseCode
        ? new HTTPClientError(code, { message: this.reason, response: this })
        : null;
    } else {
      this.errorIsResponseCode = false;
      this.error = init.error;
    }
    this.requestTime = init.requestTime ?? null;
    this.startTime = init.startTime ?? null;
    this.timeInfo = init.timeInfo ?? {};
  }

  /** The body as bytes (empty when there is none, or a streamingCallback took it). */
  get body(): Buffer {
    return this.buffer ?? EMPTY;
  }

  /** Throws `error`, if the request failed. */
  rethrow(): void {
    if (this.error !== null) throw this.error;
  }

  toString(): string {
    return `<HTTPResponse ${String(this.code)} ${this.reason} ${this.effectiveUrl}>`;
  }
}

/**
 * A request that failed: `code` is the HTTP status (404, …) or 599 when no response came (a
 * timeout, a closed connection); `response` is the response, when there was one. With
 * `followRedirects: false` a redirect is one of these: its `Location` is in
 * `error.response.headers`. (tornado's `HTTPClientError`, also exported as `HTTPError`.)
 */
export class HTTPClientError extends Error {
  override name = 'HTTPClientError';
  /** The HTTP status, or 599 for no response. (A number: not Node's string `code`.) */
  readonly code: number;
  readonly response: HTTPResponse | null;

  constructor(code: number, options: { message?: string; response?: HTTPResponse | null } = {}) {
    const reason = options.message ?? STATUS_CODES[code] ?? 'Unknown';
    super(`HTTP ${String(code)}: ${reason}`);
    this.code = code;
    this.response = options.response ?? null;
  }
}

/** The request took longer than its `connectTimeout` or `requestTimeout` (code 599). */
export class HTTPTimeoutError extends HTTPClientError {
  override name = 'HTTPTimeoutError';
  constructor(message: string) {
    super(599, { message });
    this.message = message;
  }
}

/** The connection closed before the response was complete (code 599). */
export class HTTPStreamClosedError extends HTTPClientError {
  override name = 'HTTPStreamClosedError';
  constructor(message: string, options?: ErrorOptions) {
    super(599, { message });
    this.message = message;
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
