/**
 * `inject()`: one request through an `HTTPServerConnectionDelegate` (a `web.Application`, a
 * `RuleRouter`, an `HTTPServer`, any delegate, or a request callback) without a socket, as
 * fastify's `light-my-request` does for Node's `http` handlers.
 *
 * The aim is the response a real round trip gives — the same status, headers and body — so the
 * HTTP in between is not imitated but run: the client's `HTTP1Connection` writes the request
 * into a MemoryStream, the server's `HTTP1ServerConnection` reads it from the other end and
 * hands it to the application, whose response goes back through the server's connection (which
 * sets `Transfer-Encoding: chunked` or `Connection: close`, drops a HEAD response's body, checks
 * `Content-Length`, answers bad input with 400) and is read by the client's connection (which
 * de-chunks, and inflates gzip). light-my-request does the same with Node's own
 * `ServerResponse` on a fake socket. Only the socket is missing: no fd, no port, no kernel.
 *
 * The request gets the headers `AsyncHTTPClient.fetch` would give it (see `sendHeaders`), and
 * its target is sent as given (`/a/../b` stays so, where the client's URL parser would
 * normalize it). Nothing is followed: a redirect is the response.
 *
 * `inject` runs on the running IOLoop. Called where none runs (a plain `async` test), it runs
 * one of its own until every injection made meanwhile is done, then closes it: see `Driver`.
 */
import { Future, chainFuture } from '@aio/future';
import type { TimerHandle } from '@aio/loop';
import { convertYielded, moment, type Moment } from '../gen/convert';
import { HTTP1Connection } from '../http1connection/connection';
import { connectionParams, type ConnectionParams } from '../http1connection/params';
import { HTTP1ServerConnection } from '../http1connection/server-connection';
import { HTTPResponse, HTTPStreamClosedError, HTTPTimeoutError } from '../httpclient/response';
import { HTTPRequest, REQUEST_DEFAULTS, type HTTPRequestOptions } from '../httpclient/request';
import { copyRequest, parseTarget } from '../httpclient/fetch';
import { CallableAdapter } from '../httpserver/callable-adapter';
import { HTTPRequestContext, HTTPServer, type RequestCallback } from '../httpserver/server';
import type {
  HTTPMessageDelegate,
  HTTPServerConnectionDelegate,
  MaybeAwaitable,
} from '../httputil/delegate';
import type { HTTPHeaders } from '../httputil/headers';
import { RequestStartLine, type ResponseStartLine } from '../httputil/start-line';
import { IOLoop } from '../ioloop';
import type { IOStream } from '../iostream';
import { StreamClosedError } from '../iostream/errors';
import { appLog } from '../log';
import { optionTypeError, optionValueError } from '../log/errors';
import { MemoryStream } from './memory-stream';

/** What `inject` sends a request to: a delegate (a router, an application, a server) or a callback. */
export type InjectApp = HTTPServerConnectionDelegate | RequestCallback;

/** The request options of `inject(app, method, url, options)`. */
export interface InjectOptions {
  /** Headers to send, over the defaults (`Host`, `User-Agent`, `Accept-Encoding` …). */
  headers?: HTTPRequestOptions['headers'];
  /** The body (text is sent as UTF-8), with its `Content-Length`. */
  body?: Uint8Array | string | null;
  /** A body written as it is sent (chunked without a `Content-Length` header). */
  bodyProducer?: HTTPRequestOptions['bodyProducer'];
  /** Fail with `HTTPClientError` for a status outside 2xx. Default false, as tornado's `self.fetch`. */
  raiseError?: boolean;
  /** Send `Accept-Encoding: gzip` and inflate a gzip body, as AsyncHTTPClient. Default true. */
  decompressResponse?: boolean;
  /** Milliseconds before it fails with `HTTPTimeoutError` (0: no limit). Default 20 000. */
  requestTimeout?: number;
  /** The client's address, as the application sees it (`request.remoteIp`). Default 127.0.0.1. */
  remoteIp?: string;
}

/** `inject(app, { method, url, … })`. */
export interface InjectRequest extends InjectOptions {
  /** Default `GET`. */
  method?: string;
  /** A path (`/search?q=1`, sent as given) or an absolute URL (its host is the `Host`). */
  url: string;
}

/** Options with `inject(app, httpRequest, options)`: the request has the rest. */
export type InjectRequestOptions = Pick<InjectOptions, 'raiseError' | 'remoteIp'>;

/**
 * Runs one request through `app` in memory, and gives the response as `AsyncHTTPClient.fetch`
 * would have from a server with `app` (`HTTPResponse`: code, reason, headers, body).
 *
 * Called on a running IOLoop (a `genTest` body, a coroutine) it runs there: `yield*` its Future.
 * Called where no loop runs it runs on a loop of its own: `await` it.
 * @throws TypeError for an app that is not a delegate or a function, or bad options
 * @example
 * ```ts
 * const response = await inject(router, 'GET', '/story/42');
 * expect(response.code).toBe(200);
 *
 * const posted = await inject(app, { method: 'POST', url: '/login', body: 'user=ann' });
 *
 * // in a genTest body:
 * const page = yield* inject(app, 'GET', '/', { headers: { Cookie: 'a=1' } });
 * ```
 */
export function inject(
  app: InjectApp,
  method: string,
  url: string,
  options?: InjectOptions,
): Future<HTTPResponse>;
export function inject(app: InjectApp, request: InjectRequest): Future<HTTPResponse>;
export function inject(
  app: InjectApp,
  request: HTTPRequest,
  options?: InjectRequestOptions,
): Future<HTTPResponse>;
export function inject(
  app: InjectApp,
  first: string | InjectRequest | HTTPRequest,
  second?: string | InjectRequestOptions,
  third?: InjectOptions,
): Future<HTTPResponse> {
  const delegate = delegateOf(app);
  const prepared = prepare(first, second, third);
  return Driver.run(() => exchange(app, delegate, prepared));
}

// ─── The request ─────────────────────────────────────────────────────────────────────────────

interface Prepared {
  /** What the response's `request` is: the caller's, or one made of the options. */
  readonly original: HTTPRequest;
  /** What is sent: its headers have the defaults added. */
  readonly request: HTTPRequest;
  /** The request-target: the path as given, or the absolute URL's path. */
  readonly target: string;
  readonly https: boolean;
  readonly raiseError: boolean;
  readonly decompress: boolean;
  readonly timeout: number;
  readonly remoteIp: string;
}

const INJECT_KEYS = new Set(['raiseError', 'remoteIp', 'method', 'url']);

function prepare(
  first: string | InjectRequest | HTTPRequest,
  second: string | InjectRequestOptions | undefined,
  third: InjectOptions | undefined,
): Prepared {
  let original: HTTPRequest;
  let request: HTTPRequest;
  let extras: InjectRequestOptions;
  let rawUrl: string;
  if (first instanceof HTTPRequest) {
    extras = checkObject((second ?? {}) as InjectRequestOptions, 'options');
    original = first;
    request = copyRequest(first);
    rawUrl = first.url;
  } else {
    const spec: InjectRequest =
      typeof first === 'string'
        ? { ...checkObject(third ?? {}, 'options'), method: first, url: checkUrl(second) }
        : checkObject(first, 'request');
    rawUrl = checkUrl(spec.url);
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(spec))
      if (!INJECT_KEYS.has(key)) options[key] = value;
    original = request = new HTTPRequest(absolute(rawUrl), {
      ...(options as HTTPRequestOptions),
      method: spec.method ?? 'GET',
    });
    extras = spec;
  }
  for (const option of ['proxyHost', 'clientCert', 'networkInterface'] as const) {
    if (request[option] !== null) {
      const value = request[option];
      throw optionValueError('inject()', option, 'left out (inject() makes no connection)', value);
    }
  }
  const url = absolute(rawUrl);
  const parsed = parseTarget(url);
  const target = rawUrl.startsWith('/') ? rawUrl : parsed.path;
  const decompress = request.decompressResponse ?? REQUEST_DEFAULTS.decompressResponse;
  sendHeaders(request, parsed.url.host, decompress);
  const remoteIp = extras.remoteIp ?? '127.0.0.1';
  if (typeof remoteIp !== 'string')
    throw optionTypeError('inject()', 'remoteIp', 'a string', remoteIp);
  const raiseError = extras.raiseError ?? false;
  if (typeof raiseError !== 'boolean')
    throw optionTypeError('inject()', 'raiseError', 'a boolean', raiseError);
  return {
    original,
    request,
    target,
    https: parsed.https,
    raiseError,
    decompress,
    timeout: request.requestTimeout ?? REQUEST_DEFAULTS.requestTimeout,
    remoteIp,
  };
}

/**
 * The headers `AsyncHTTPClient.fetch` adds to a request (httpclient/fetch.ts, `Fetch#prepare`),
 * so that the application sees what it would see from the client. A test compares the two.
 */
function sendHeaders(request: HTTPRequest, host: string, decompress: boolean): void {
  const headers = request.headers;
  if (!headers.has('Host')) headers.set('Host', host);
  if (request.authUsername !== null) {
    const credentials = `${request.authUsername}:${request.authPassword ?? ''}`;
    headers.set('Authorization', `Basic ${Buffer.from(credentials).toString('base64')}`);
  }
  if (request.userAgent !== null) headers.set('User-Agent', request.userAgent);
  else if (!headers.has('User-Agent')) headers.set('User-Agent', 'aio-tornado');
  if (request.expect100Continue) headers.set('Expect', '100-continue');
  if (request.body !== null) headers.set('Content-Length', String(request.body.length));
  if (request.method === 'POST' && !headers.has('Content-Type')) {
    headers.set('Content-Type', 'application/x-www-form-urlencoded');
  }
  if (decompress) headers.set('Accept-Encoding', 'gzip');
}

/** A path on the default host, or the URL as it is. */
function absolute(url: string): string {
  return url.startsWith('/') ? `http://127.0.0.1${url}` : url;
}

function checkUrl(url: unknown): string {
  if (typeof url !== 'string' || !/^(\/|https?:\/\/)/i.test(url)) {
    throw optionTypeError('inject()', 'url', 'a path (/…) or an http(s) URL', url);
  }
  return url;
}

function checkObject<T>(value: T, name: string): T {
  if (typeof value !== 'object' || value === null) {
    throw optionTypeError('inject()', name, 'an object', value);
  }
  return value;
}

function delegateOf(app: InjectApp): HTTPServerConnectionDelegate {
  if (typeof app === 'function') {
    return {
      startRequest: (serverConnection, requestConnection) =>
        new CallableAdapter(app, undefined, requestConnection, serverConnection),
    };
  }
  if (typeof app === 'object' && app !== null && typeof app.startRequest === 'function') return app;
  throw optionTypeError(
    'inject()',
    'app',
    'an HTTPServerConnectionDelegate or a request callback',
    app,
  );
}

// ─── The exchange ────────────────────────────────────────────────────────────────────────────

/** What a server made without options uses (an app that is not an HTTPServer). */
let defaultServerParams: ConnectionParams | null = null;
/** The client side's, with and without gzip. */
const clientParams: Partial<Record<'gzip' | 'plain', ConnectionParams>> = {};

/** Runs the request through `app` on the running loop. */
function exchange(
  app: InjectApp,
  delegate: HTTPServerConnectionDelegate,
  prepared: Prepared,
): Future<HTTPResponse> {
  const loop = IOLoop.current().asyncioLoop;
  const result = new Future<HTTPResponse>(loop);
  const start = loop.time();
  const startTime = Date.now();
  const [clientEnd, serverEnd] = MemoryStream.pair();

  const server = app instanceof HTTPServer ? app : null;
  const protocol = prepared.https
    ? 'https'
    : (server?.protocol ?? (server !== null && server.sslContext !== null ? 'https' : 'http'));
  // The context reads the stream only to tell TLS, and only when no protocol is given.
  const context = new HTTPRequestContext(
    serverEnd as unknown as IOStream,
    [prepared.remoteIp, 0],
    protocol,
    server?.trustedDownstream ?? new Set(),
  );
  const serving = new HTTP1ServerConnection(
    serverEnd.asIOStream(),
    server?.connParams ?? (defaultServerParams ??= connectionParams({}, 'inject()')),
    context,
  );
  const kind = prepared.decompress ? 'gzip' : 'plain';
  const client = new HTTP1Connection(
    clientEnd.asIOStream(),
    true,
    (clientParams[kind] ??= connectionParams({ decompress: prepared.decompress }, 'inject()')),
  );
  let ended = false;
  let timer: TimerHandle | null = null;
  /** The end: the client leaves, and once the server has seen it go, the result is given. */
  const end = (outcome: HTTPResponse | Error): void => {
    if (ended) return;
    ended = true;
    timer?.cancel();
    clientEnd.close();
    // The server hears the client go as it would (the close callbacks are on the loop already,
    // and run first), then its connection is closed for good.
    loop.callSoon(() =>
      serving.close().addDoneCallback(() => {
        if (!(outcome instanceof HTTPResponse)) result.setException(outcome);
        else if (outcome.error !== null && prepared.raiseError) result.setException(outcome.error);
        else result.setResult(outcome);
      }),
    );
  };
  if (prepared.timeout > 0) {
    timer = loop.callLater(prepared.timeout, () =>
      end(new HTTPTimeoutError('Timeout during request')),
    );
  }
  const collector = new Collector(prepared.request, prepared.target, client, (error) =>
    end(failure(error)),
  );

  try {
    serving.startServing(delegate);
    collector.send();
    client.readMessage(collector, () => {
      const error = client.readError;
      if (error !== null) return end(failure(error));
      const line = collector.startLine;
      if (!collector.finished || line === null) {
        return end(new HTTPStreamClosedError('Connection closed'));
      }
      end(
        new HTTPResponse(prepared.original, line.code, {
          reason: line.reason,
          headers: collector.headers!,
          buffer: prepared.request.streamingCallback === null ? collector.body() : null,
          effectiveUrl: prepared.request.url,
          requestTime: loop.time() - start,
          startTime,
          timeInfo: {
            queue: 0,
            connect: 0,
            firstByte: collector.firstByte - start,
            total: loop.time() - start,
          },
        }),
      );
    });
  } catch (error) {
    end(failure(error));
  }
  return result;
}

/** As the client reports what stopped a request (Fetch#fail). */
function failure(error: unknown): Error {
  if (error instanceof StreamClosedError) {
    if (error.realError === null)
      return new HTTPStreamClosedError('Connection closed', { cause: error });
    error = error.realError;
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** The client's side: sends the request, and keeps the response (Fetch's delegate, in short). */
class Collector implements HTTPMessageDelegate {
  startLine: ResponseStartLine | null = null;
  headers: HTTPHeaders | null = null;
  finished = false;
  firstByte = 0;
  readonly #chunks: Buffer[] = [];
  #continued = false;

  constructor(
    readonly request: HTTPRequest,
    readonly target: string,
    readonly connection: HTTP1Connection,
    readonly fail: (error: unknown) => void,
  ) {}

  /** Writes the request as Fetch#send does. @throws HTTPOutputError for what HTTP cannot carry */
  send(): void {
    const { request, connection } = this;
    const line = new RequestStartLine(request.method, this.target, 'HTTP/1.1');
    if (request.expect100Continue) {
      void connection.writeHeaders(line, request.headers);
    } else if (request.body !== null) {
      void connection.writeHeaders(line, request.headers, request.body);
      connection.finish();
    } else {
      void connection.writeHeaders(line, request.headers);
      this.#sendBody();
    }
  }

  /** The body after the head: bytes, a producer's, or none. */
  #sendBody(): void {
    const { request, connection } = this;
    if (request.body !== null) {
      void connection.write(request.body);
      connection.finish();
      return;
    }
    const producer = request.bodyProducer;
    if (producer === null) {
      connection.finish();
      return;
    }
    let produced: Future | Moment;
    try {
      const value = producer((chunk) => connection.write(chunk));
      produced = value === undefined || value === null ? moment : convertYielded(value);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (produced === moment) {
      connection.finish();
      return;
    }
    (produced as Future).addDoneCallback((done) => {
      const error = done.cancelled() ? new StreamClosedError() : done.exception();
      if (error !== undefined) return this.fail(error);
      try {
        connection.finish();
      } catch (caught) {
        this.fail(caught);
      }
    });
  }

  headersReceived(startLine: unknown, headers: HTTPHeaders): MaybeAwaitable {
    const line = startLine as ResponseStartLine;
    if (this.firstByte === 0) this.firstByte = IOLoop.current().time();
    if (line.code >= 100 && line.code < 200) {
      if (line.code === 100 && this.request.expect100Continue && !this.#continued) {
        this.#continued = true;
        this.#sendBody();
      }
      return undefined;
    }
    this.startLine = line;
    this.headers = headers;
    const callback = this.request.headerCallback;
    if (callback !== null) {
      callback(`${line.version} ${String(line.code)} ${line.reason}\r\n`);
      for (const [name, value] of headers.getAll()) callback(`${name}: ${value}\r\n`);
      callback('\r\n');
    }
    return undefined;
  }

  dataReceived(chunk: Buffer): MaybeAwaitable {
    const streaming = this.request.streamingCallback;
    if (streaming !== null) return streaming(chunk) as MaybeAwaitable;
    this.#chunks.push(chunk);
    return undefined;
  }

  finish(): void {
    this.finished = true;
  }

  onConnectionClose(): void {}

  body(): Buffer {
    return this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
  }
}

// ─── Where no loop runs ──────────────────────────────────────────────────────────────────────

/**
 * Runs injections made while no IOLoop runs: on an IOLoop of its own, started for the first and
 * run until every injection made meanwhile is done (one made from an `await` continuation while
 * it runs joins it), then closed. aio runs one loop at a time per thread, so concurrent
 * injections (`Promise.all`) share it.
 */
class Driver {
  static #current: Driver | null = null;
  readonly ioloop = new IOLoop();
  readonly #inFlight = new Set<Future<HTTPResponse>>();
  #idle: Future<void> | null = null;

  /** `start()` on the running loop, or on the driver's. */
  static run(start: () => Future<HTTPResponse>): Future<HTTPResponse> {
    const running = IOLoop.current({ instance: false });
    if (running !== null) {
      const future = start();
      if (Driver.#current?.ioloop === running) Driver.#current.#track(future);
      return future;
    }
    const fresh = Driver.#current === null;
    const driver = (Driver.#current ??= new Driver());
    const result = new Future<HTTPResponse>(driver.ioloop.asyncioLoop);
    driver.#track(result);
    driver.ioloop.addCallback(() => {
      try {
        chainFuture(start(), result);
      } catch (error) {
        result.setException(error);
      }
    });
    if (fresh) {
      driver.#drive().catch((error: unknown) => {
        appLog.error(error, 'inject(): its loop failed');
      });
    }
    return result;
  }

  #track(future: Future<HTTPResponse>): void {
    this.#inFlight.add(future);
    future.addDoneCallback(() => {
      this.#inFlight.delete(future);
      if (this.#inFlight.size === 0 && this.#idle !== null && !this.#idle.done()) {
        this.#idle.setResult();
      }
    });
  }

  async #drive(): Promise<void> {
    try {
      while (this.#inFlight.size > 0) {
        await this.ioloop.runSync(() => {
          this.#idle = new Future<void>(this.ioloop.asyncioLoop);
          if (this.#inFlight.size === 0) this.#idle.setResult();
          return this.#idle;
        });
      }
    } finally {
      Driver.#current = null;
      this.ioloop.close(true);
    }
  }
}
