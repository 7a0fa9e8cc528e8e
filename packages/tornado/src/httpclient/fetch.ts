/**
 * One request's exchange: tornado's `_HTTPConnection` (tornado/simple_httpclient.py). It finds a
 * connection (an idle one from the pool, or a new one: TCP, a proxy's `CONNECT` tunnel, TLS),
 * writes the request on an `HTTP1Connection`, is that connection's delegate while the response
 * comes, and ends in exactly one `HTTPResponse` handed to its callback — or, for a redirect it
 * follows, in a new request through the client.
 *
 * One deadline bounds it, as tornado's timer does: until connected, `min(connectTimeout,
 * requestTimeout)` from the start; then `requestTimeout` from the start. The client's `Timeouts`
 * watches the deadlines of all its requests on one loop timer (timeouts.ts).
 */
import { Future } from '@aio/future';
import type { EventLoop } from '@aio/loop';
import { CERT_NONE, SSLCertVerificationError } from '@aio/selector/ssl';
import { TimeoutError } from '../gen';
import { convertYielded } from '../gen/convert';
import { HTTP1Connection } from '../http1connection';
import { connectionParams, type ConnectionParams } from '../http1connection/params';
import { HTTPInputError } from '../httputil/errors';
import { HTTPHeaders } from '../httputil/headers';
import { RequestStartLine, type ResponseStartLine } from '../httputil/start-line';
import type { HTTPMessageDelegate, MaybeAwaitable } from '../httputil/delegate';
import { IOStream, StreamClosedError } from '../iostream';
import type { SSLOptions, SSLOptionsDict } from '../netutil/ssl';
import { SSLContext } from '@aio/selector/ssl';
import { AF_INET, AF_UNSPEC } from '@aio/selector';
import type { TCPClient } from '../tcpclient';
import type { ConnectionPool } from './pool';
import { openTunnel } from './proxy';
import type { Expiring, Timeouts } from './timeouts';
import { HTTPRequest, type Settled } from './request';
import { HTTPResponse, HTTPStreamClosedError, HTTPTimeoutError } from './response';

/** The methods sent without `allowNonstandardMethods`. */
const SUPPORTED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
/** Methods a request may be sent again for, when a reused connection turned out closed. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
/** Headers that carry credentials: dropped when a redirect leaves the origin. */
const CREDENTIAL_HEADERS = ['Authorization', 'Cookie', 'Proxy-Authorization'];
/** Headers about a body: dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = ['Content-Length', 'Content-Type', 'Content-Encoding', 'Transfer-Encoding'];
const USER_AGENT = 'aio-tornado';

/**
 * @internal The HTTP1Connection parameters of a client's requests: with or without a body kept
 * in memory (`streaming`), decompressed or not. Made once per client: checking them anew for each
 * connection (and recording them as checked) was 1.5% of the CPU of a keep-alive fetch.
 */
export interface Http1Params {
  readonly buffered: { readonly plain: ConnectionParams; readonly gzip: ConnectionParams };
  readonly streaming: { readonly plain: ConnectionParams; readonly gzip: ConnectionParams };
}

/** @internal The Http1Params of a client with these limits. */
export function http1Params(
  maxHeaderSize: number,
  maxBodySize: number,
  maxBufferSize: number,
): Http1Params {
  const make = (limit: number, decompress: boolean): ConnectionParams =>
    connectionParams({ maxHeaderSize, maxBodySize: limit, decompress }, 'AsyncHTTPClient');
  const buffered = Math.min(maxBodySize, maxBufferSize);
  return {
    buffered: { plain: make(buffered, false), gzip: make(buffered, true) },
    streaming: { plain: make(maxBodySize, false), gzip: make(maxBodySize, true) },
  };
}

/** @internal What a fetch needs of its client. */
export interface ClientParts {
  readonly loop: EventLoop;
  readonly tcpClient: TCPClient;
  readonly pool: ConnectionPool;
  readonly maxBufferSize: number;
  readonly maxHeaderSize: number;
  readonly maxBodySize: number;
  readonly keepAlive: boolean;
  /** The deadlines of the client's requests, on one timer. */
  readonly timeouts: Timeouts;
  http1Params(): Http1Params;
  /** Counts the connections made (for `stats`). */
  connected(): void;
  /** Sends a redirect's request through the client (its queue, its limits). */
  redirect(request: HTTPRequest, original: HTTPRequest): Future<HTTPResponse>;
}

/** @internal A URL taken apart. Shared by every request for the same URL (see `targets`): never changed. */
export interface Target {
  readonly url: URL;
  readonly https: boolean;
  /** The host to connect to (an IPv6 address without brackets). */
  readonly host: string;
  readonly port: number;
  /** The request line's target (origin-form: path and query). */
  readonly path: string;
}

/**
 * The last URLs parsed, by their text. A client fetches the same few URLs again and again, and
 * parsing one (`new URL`, then reading its parts through the URL's getters) was 2% of the CPU and
 * 400 bytes of a keep-alive fetch in `pnpm bench httpclient`. Bounded: when full, the oldest
 * entry goes (a Map keeps insertion order), so a crawl of distinct URLs only churns it.
 */
const targets = new Map<string, Target>();
const MAX_TARGETS = 256;

/** A URL the client can send, or the error saying why not. */
export function parseTarget(raw: string): Target {
  let target = targets.get(raw);
  if (target === undefined) {
    target = Object.freeze(parseTargetUncached(raw));
    if (targets.size >= MAX_TARGETS) targets.delete(targets.keys().next().value!);
    targets.set(raw, target);
  }
  return target;
}

function parseTargetUncached(raw: string): Target {
  // The WHATWG parser drops tabs and newlines silently: refuse them (and every other control
  // character or space) instead, so that what is sent is what was asked for.
  // eslint-disable-next-line no-control-regex -- the characters a request line cannot carry
  if (/[\x00-\x20\x7f]/.test(raw)) {
    throw Object.assign(
      new TypeError(
        `Invalid URL ${JSON.stringify(raw)}: spaces and control characters must be percent-encoded`,
      ),
      { code: 'ERR_INVALID_URL' },
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw Object.assign(new TypeError(`Invalid URL ${JSON.stringify(raw)}`), {
      code: 'ERR_INVALID_URL',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw Object.assign(new TypeError(`Unsupported url scheme: ${raw}`), {
      code: 'ERR_INVALID_URL_SCHEME',
    });
  }
  const https = url.protocol === 'https:';
  let host = url.hostname;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = url.port === '' ? (https ? 443 : 80) : Number(url.port);
  return { url, https, host, port, path: `${url.pathname || '/'}${url.search}` };
}

/** Fetch.#poolKey's last answer (see there). */
const lastPoolKey: {
  target: Target | null;
  settled: Settled | null;
  tlsKey: string;
  key: string;
} = {
  target: null,
  settled: null,
  tlsKey: '',
  key: '',
};

function poolKeyOf(target: Target, s: Settled, tlsKey: string): string {
  const { host, port, https } = target;
  let key = `${https ? 'https' : 'http'}://${host}:${String(port)}`;
  if (https) key += `|${tlsKey}`;
  if (s.proxyHost !== null) {
    const proxy = `|proxy=${s.proxyHost}:${String(s.proxyPort)}:${s.proxyUsername ?? ''}:${s.proxyPassword}`;
    // Plain requests share the connection to the proxy whatever their origin.
    key = https ? key + proxy : `http-proxy${proxy}`;
  }
  if (s.networkInterface !== null) key += `|from=${s.networkInterface}`;
  if (!s.allowIpv6) key += '|v4';
  return key;
}

/** The origin a redirect is compared with: scheme, host and port. */
function originOf(target: Target): string {
  return `${target.url.protocol}//${target.host}:${String(target.port)}`;
}

const contextIds = new WeakMap<SSLContext, number>();
let nextContextId = 1;
/** Client TLS dictionaries made from requests' options, one per distinct set (contexts cached). */
const tlsDicts = new Map<string, SSLOptionsDict>();

/** The TLS settings of a request, and a key that tells them apart. */
function tlsOf(settled: Settled): [options: SSLOptions, key: string] {
  const given = settled.sslOptions;
  if (given instanceof SSLContext) {
    let id = contextIds.get(given);
    if (id === undefined) contextIds.set(given, (id = nextContextId++));
    return [given, `ctx${String(id)}`];
  }
  if (given !== null) return [given, `dict${JSON.stringify(Object.entries(given).sort())}`];
  const dict: SSLOptionsDict = {};
  if (settled.caCerts !== null) dict.caCerts = settled.caCerts;
  if (settled.clientCert !== null) dict.certfile = settled.clientCert;
  if (settled.clientKey !== null) dict.keyfile = settled.clientKey;
  if (!settled.validateCert) dict.certReqs = CERT_NONE;
  const key = `opts${JSON.stringify(dict)}`;
  let cached = tlsDicts.get(key);
  if (cached === undefined) tlsDicts.set(key, (cached = dict));
  return [cached, key];
}

/** `Basic base64(user:password)`. */
function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** The server's `Keep-Alive: timeout=N`, in ms, or null. */
function keepAliveTimeout(headers: HTTPHeaders): number | null {
  const value = headers.get('Keep-Alive');
  if (value === undefined) return null;
  const match = /(?:^|[,;\s])timeout\s*=\s*(\d+)/i.exec(value);
  return match === null ? null : Number(match[1]) * 1000;
}

/** A `Connection` header's `close` token, and its `keep-alive` token (one of a comma-separated list). */
const CLOSE = /(?:^|,)[ \t]*close[ \t]*(?:,|$)/i;
const KEEP_ALIVE = /(?:^|,)[ \t]*keep-alive[ \t]*(?:,|$)/i;

/** True when `headers`' `Connection` lists `token` (a test, where splitting made three arrays). */
function hasConnectionToken(headers: HTTPHeaders, token: RegExp): boolean {
  const value = headers.get('Connection');
  return value !== undefined && token.test(value);
}

/**
 * @internal What takes over a connection answered `101 Switching Protocols` (a WebSocket
 * client): the stream, detached from HTTP, and the response's headers. If it throws, the fetch
 * fails with what it threw (and the stream is closed).
 */
export type UpgradeHandler = (stream: IOStream, headers: HTTPHeaders) => void;

/**
 * One request, from finding a connection to its response. `callback` gets exactly one
 * HTTPResponse (its `error` set if it failed); `release(fetch)` is called once, when the request no
 * longer counts against `maxClients`. With `upgrade`, a 101 answer ends the fetch without a
 * response: the connection is `upgrade`'s (tornado's WebSocketClientConnection does this in its
 * `headers_received`).
 */
export class Fetch implements HTTPMessageDelegate, Expiring {
  readonly #client: ClientParts;
  readonly #request: HTTPRequest;
  readonly #original: HTTPRequest;
  readonly #settled: Settled;
  readonly #queueMs: number;
  #release: ((fetch: Fetch) => void) | null;
  #callback: ((response: HTTPResponse) => void) | null;
  readonly #upgrade: UpgradeHandler | null;
  readonly #startTime = Date.now();
  readonly #start: number;
  /** @internal When the request times out (`loop.time()` ms; Infinity: no timeout armed). */
  deadline = Infinity;
  #phase = '';

  #target!: Target;
  #key = '';
  #stream: IOStream | null = null;
  #connection: HTTP1Connection | null = null;
  #reused = false;
  #retried = false;
  #connectMs = 0;
  #firstByteMs = 0;

  #startLine: ResponseStartLine | null = null;
  #headers: HTTPHeaders | null = null;
  /**
   * The body's first piece, and the pieces after it once there are any. Most bodies come in one
   * piece; pushing it onto an empty array allocated the array's backing store, 150 bytes a fetch.
   */
  #body: Buffer | null = null;
  #moreBody: Buffer[] | null = null;
  #finished = false;

  constructor(
    client: ClientParts,
    request: HTTPRequest,
    original: HTTPRequest,
    settled: Settled,
    queueMs: number,
    release: (fetch: Fetch) => void,
    callback: (response: HTTPResponse) => void,
    upgrade: UpgradeHandler | null = null,
  ) {
    this.#client = client;
    this.#request = request;
    this.#original = original;
    this.#settled = settled;
    this.#queueMs = queueMs;
    this.#release = release;
    this.#callback = callback;
    this.#upgrade = upgrade;
    this.#start = client.loop.time();
  }

  /** Starts the exchange; everything after goes to the callback. */
  run(): void {
    try {
      this.#prepare();
    } catch (error) {
      return this.#fail(error);
    }
    this.#connect();
  }

  // ─── Before anything is sent ───────────────────────────────────────────────────────────────

  /** Checks the request and sets the headers it is sent with (on its own copy of them). */
  #prepare(): void {
    const request = this.#request;
    const settled = this.#settled;
    const target = (this.#target = parseTarget(request.url));
    const method = request.method;
    if (!SUPPORTED_METHODS.has(method) && !settled.allowNonstandardMethods) {
      throw Object.assign(
        new TypeError(`unknown method ${method} (allowNonstandardMethods: true to send it)`),
        { code: 'ERR_INVALID_ARG_VALUE' },
      );
    }
    const headers = request.headers;
    if (!settled.allowNonstandardMethods) {
      const bodyExpected = method === 'POST' || method === 'PATCH' || method === 'PUT';
      const bodyPresent = request.body !== null || request.bodyProducer !== null;
      if (bodyExpected !== bodyPresent) {
        throw Object.assign(
          new TypeError(
            `Body must ${bodyExpected ? 'not ' : ''}be null for method ${method} (unless allowNonstandardMethods is true)`,
          ),
          { code: 'ERR_INVALID_ARG_VALUE' },
        );
      }
    }
    if (!this.#client.keepAlive && !headers.has('Connection')) headers.set('Connection', 'close');
    if (!headers.has('Host')) headers.set('Host', target.url.host);
    let username: string | null = null;
    let password = '';
    if (target.url.username !== '' || target.url.password !== '') {
      username = decode(target.url.username);
      password = decode(target.url.password);
    } else if (settled.authUsername !== null) {
      username = settled.authUsername;
      password = settled.authPassword ?? '';
    }
    if (username !== null) headers.set('Authorization', basic(username, password));
    if (settled.userAgent !== null) headers.set('User-Agent', settled.userAgent);
    else if (!headers.has('User-Agent')) headers.set('User-Agent', USER_AGENT);
    if (request.expect100Continue) headers.set('Expect', '100-continue');
    if (request.body !== null) headers.set('Content-Length', String(request.body.length));
    if (method === 'POST' && !headers.has('Content-Type')) {
      headers.set('Content-Type', 'application/x-www-form-urlencoded');
    }
    if (settled.decompressResponse) headers.set('Accept-Encoding', 'gzip');
    if (settled.proxyHost !== null) {
      if (settled.proxyPort === null) {
        throw Object.assign(new TypeError('proxyHost needs a proxyPort'), {
          code: 'ERR_INVALID_ARG_VALUE',
        });
      }
      // Plain HTTP through a proxy: it is told whom to ask in the request line, and who we are.
      if (!target.https && settled.proxyUsername !== null) {
        headers.set('Proxy-Authorization', basic(settled.proxyUsername, settled.proxyPassword));
      }
    }
  }

  /**
   * What connections are pooled under: everything that makes two interchangeable. The last key
   * made is kept with what it was made of (a Target and a Settled are never changed): a client
   * fetching from one origin builds it once, not twice a string per request.
   */
  #poolKey(tlsKey: string): string {
    const target = this.#target;
    const s = this.#settled;
    if (
      lastPoolKey.target === target &&
      lastPoolKey.settled === s &&
      lastPoolKey.tlsKey === tlsKey
    ) {
      return lastPoolKey.key;
    }
    const key = poolKeyOf(target, s, tlsKey);
    lastPoolKey.target = target;
    lastPoolKey.settled = s;
    lastPoolKey.tlsKey = tlsKey;
    lastPoolKey.key = key;
    return key;
  }

  // ─── The connection ────────────────────────────────────────────────────────────────────────

  #connect(): void {
    const settled = this.#settled;
    const { host, port, https } = this.#target;
    let tls: SSLOptions | undefined;
    let tlsKey = '';
    if (https) [tls, tlsKey] = tlsOf(settled);
    this.#key = this.#poolKey(tlsKey);
    // #region take-or-connect
    const pooled = this.#retried ? null : this.#client.pool.take(this.#key, this.#mayRetry());
    if (pooled !== null) {
      // Connected at once: only the request's deadline is set (in #onConnected), not a connect
      // deadline first that would be dropped at once.
      this.#reused = true;
      return this.#onConnected(pooled);
    }
    this.#reused = false;
    // #endregion take-or-connect
    // The connect deadline, from the start. A retry keeps the request's (if it has one).
    if (!this.#retried) {
      const { connectTimeout, requestTimeout } = settled;
      const timeout =
        connectTimeout > 0 && requestTimeout > 0
          ? Math.min(connectTimeout, requestTimeout)
          : connectTimeout || requestTimeout;
      if (timeout > 0) {
        this.#arm(
          Math.max(0, this.#start + timeout - this.#client.loop.time()),
          'while connecting',
        );
      }
    }
    const options = {
      af: settled.allowIpv6 ? AF_UNSPEC : AF_INET,
      maxBufferSize: this.#client.maxBufferSize,
      ...(settled.networkInterface === null ? {} : { sourceIp: settled.networkInterface }),
    };
    let connecting: Future<IOStream>;
    try {
      if (settled.proxyHost !== null) {
        connecting = https
          ? openTunnel(this.#client.tcpClient, {
              proxyHost: settled.proxyHost,
              proxyPort: settled.proxyPort!,
              proxyUsername: settled.proxyUsername,
              proxyPassword: settled.proxyPassword,
              host,
              port,
              sslOptions: tls!,
              connectOptions: options,
              maxHeaderSize: this.#client.maxHeaderSize,
            })
          : this.#client.tcpClient.connect(settled.proxyHost, settled.proxyPort!, options);
      } else {
        connecting = this.#client.tcpClient.connect(host, port, {
          ...options,
          ...(tls === undefined ? {} : { sslOptions: tls }),
        });
      }
    } catch (error) {
      return this.#fail(error);
    }
    this.#pendingConnect = connecting;
    connecting.addDoneCallback((done) => {
      this.#pendingConnect = null;
      if (done.cancelled()) return; // we gave up on it (a timeout); it closed its attempts
      const error = done.exception();
      if (error !== undefined) return this.#fail(error);
      const stream = done.result();
      if (this.#callback === null) return stream.close(); // answered meanwhile (a timeout)
      this.#client.connected();
      this.#onConnected(stream);
    });
  }

  #pendingConnect: Future<IOStream> | null = null;

  #onConnected(stream: IOStream): void {
    this.#stream = stream;
    this.#connectMs = this.#reused ? 0 : this.#client.loop.time() - this.#start;
    stream.setCloseCallback(this.#onStreamClose);
    this.#disarm();
    const { requestTimeout } = this.#settled;
    if (requestTimeout > 0) {
      const left = this.#start + requestTimeout - this.#client.loop.time();
      this.#arm(Math.max(0, left), 'during request');
    }
    try {
      this.#send(stream);
    } catch (error) {
      this.#fail(error);
    }
  }

  #send(stream: IOStream): void {
    // Once per connection: a kept one has it already (a setsockopt call saved per request).
    if (!this.#reused && stream instanceof IOStream && stream.constructor === IOStream) {
      stream.setNodelay(true);
    }
    const request = this.#request;
    const client = this.#client;
    const params =
      client.http1Params()[request.streamingCallback === null ? 'buffered' : 'streaming'];
    // #region send
    const connection = new HTTP1Connection(
      stream,
      true,
      this.#settled.decompressResponse ? params.gzip : params.plain,
    );
    this.#connection = connection;
    const { url, https } = this.#target;
    // Through a plain-HTTP proxy the request line names the whole URL (RFC 9112 §3.2.2).
    const viaProxy = this.#settled.proxyHost !== null && !https;
    const path = viaProxy
      ? `${url.protocol}//${url.host}${url.pathname}${url.search}`
      : this.#target.path;
    const line = new RequestStartLine(request.method, path, 'HTTP/1.1');
    if (request.expect100Continue) {
      void connection.writeHeaders(line, request.headers);
    } else if (request.body !== null) {
      void connection.writeHeaders(line, request.headers, request.body);
      connection.finish();
    } else if (request.bodyProducer !== null) {
      void connection.writeHeaders(line, request.headers);
      this.#produceBody(connection);
    } else {
      void connection.writeHeaders(line, request.headers);
      connection.finish();
    }
    // The connection's callback, not readResponse's future: the future and the loop callback
    // that handed its result on were a Future, a Handle and a turn per request.
    connection.readMessage(this, this.#onResponseRead);
    // #endregion send
  }

  /** Runs the body producer, then finishes the request. */
  #produceBody(connection: HTTP1Connection): void {
    const write = (chunk: Uint8Array | string): Future<void> => connection.write(chunk);
    let produced: unknown;
    try {
      produced = this.#request.bodyProducer!(write);
    } catch (error) {
      return this.#fail(error);
    }
    const finish = (): void => {
      try {
        connection.finish();
      } catch (error) {
        this.#fail(error);
      }
    };
    if (produced === undefined || produced === null) return finish();
    const future = toFuture(this.#client.loop, produced);
    future.addDoneCallback((done) => {
      const error = done.cancelled() ? new StreamClosedError() : done.exception();
      if (error !== undefined) return this.#fail(error);
      finish();
    });
  }

  // ─── The response (HTTPMessageDelegate) ────────────────────────────────────────────────────

  headersReceived(startLine: unknown, headers: HTTPHeaders): MaybeAwaitable {
    const line = startLine as ResponseStartLine;
    if (this.#firstByteMs === 0) this.#firstByteMs = this.#client.loop.time() - this.#start;
    if (line.code === 101 && this.#upgrade !== null) return this.#upgraded(headers);
    if (line.code >= 100 && line.code < 200) {
      // 100 Continue: the body may go now. Other 1xx (103 Early Hints) are only heard.
      if (line.code === 100 && this.#request.expect100Continue && this.#connection !== null) {
        this.#writeBodyAfterContinue(this.#connection);
      }
      return undefined;
    }
    this.#startLine = line;
    this.#headers = headers;
    if (this.#shouldFollowRedirect()) return undefined;
    const callback = this.#request.headerCallback;
    if (callback !== null) {
      callback(`${line.version} ${String(line.code)} ${line.reason}\r\n`);
      for (const [name, value] of headers.getAll()) callback(`${name}: ${value}\r\n`);
      callback('\r\n');
    }
    return undefined;
  }

  /** A 101 with an upgrade handler: the stream is the handler's; HTTP ends here. */
  #upgraded(headers: HTTPHeaders): undefined {
    const stream = this.#stream;
    if (this.#callback === null || this.#connection === null || stream === null) return undefined;
    this.#disarm();
    this.#connection.detach(); // gives back `stream`, the connection's
    stream.setCloseCallback(null);
    this.#stream = null;
    try {
      this.#upgrade!(stream, headers);
    } catch (error) {
      stream.close();
      this.#fail(error);
      return undefined;
    }
    this.#callback = null;
    this.#doRelease();
    return undefined;
  }

  #continued = false;
  #writeBodyAfterContinue(connection: HTTP1Connection): void {
    if (this.#continued) return;
    this.#continued = true;
    const request = this.#request;
    if (request.body !== null) {
      void connection.write(request.body);
      connection.finish();
    } else if (request.bodyProducer !== null) {
      this.#produceBody(connection);
    } else {
      connection.finish();
    }
  }

  dataReceived(chunk: Buffer): MaybeAwaitable {
    if (this.#shouldFollowRedirect()) return undefined; // its body is dropped
    const streaming = this.#request.streamingCallback;
    if (streaming !== null) return streaming(chunk) as MaybeAwaitable;
    if (this.#body === null) this.#body = chunk;
    else (this.#moreBody ??= []).push(chunk);
    return undefined;
  }

  finish(): void {
    this.#finished = true;
  }

  onConnectionClose(): void {
    // readResponse fails or ends; #onResponseRead says what happened.
  }

  #shouldFollowRedirect(): boolean {
    const code = this.#startLine?.code;
    return (
      this.#settled.followRedirects &&
      (code === 301 || code === 302 || code === 303 || code === 307 || code === 308) &&
      this.#settled.maxRedirects > 0 &&
      this.#headers?.get('Location') !== undefined
    );
  }

  /**
   * The connection read the response (`keepGoing`: it may carry another), or failed to (its
   * `readError`, what readResponse's future would fail with).
   */
  readonly #onResponseRead = (keepGoing: boolean): void => {
    if (this.#callback === null) return; // answered already (a timeout, the client closing)
    const error = this.#connection?.readError ?? null;
    if (error !== null) {
      // #region retry
      // A reused connection the server closed just as the request went out: nothing of the
      // response came, so an idempotent request is sent once more, on a new connection. (Not a
      // byte: the start of a status line left unread in the buffer is a response cut short.)
      if (
        this.#reused &&
        !this.#retried &&
        this.#startLine === null &&
        this.#firstByteMs === 0 &&
        (this.#stream?.bufferedBytes ?? 0) === 0 &&
        error instanceof StreamClosedError &&
        this.#mayRetry() &&
        this.#callback !== null
      ) {
        this.#retried = true;
        this.#closeStream();
        this.#connection = null;
        return this.#connect();
      }
      // #endregion retry
      return this.#fail(error);
    }
    if (!this.#finished || this.#startLine === null || this.#callback === null) {
      return this.#fail(new HTTPStreamClosedError('Connection closed'));
    }
    this.#disarm();
    this.#keepOrClose(keepGoing);
    if (this.#shouldFollowRedirect()) return this.#followRedirect();
    // A body that came in one piece is that piece: each read's bytes are handed over by the
    // stream, nobody else's, so they need no copy (Buffer.concat copies even one).
    const first = this.#body;
    const more = this.#moreBody;
    const body =
      first === null ? Buffer.alloc(0) : more === null ? first : Buffer.concat([first, ...more]);
    const response = new HTTPResponse(this.#original, this.#startLine.code, {
      reason: this.#startLine.reason,
      headers: this.#headers!,
      buffer: this.#request.streamingCallback === null ? body : null,
      effectiveUrl: this.#request.url,
      requestTime: this.#client.loop.time() - this.#start,
      startTime: this.#startTime,
      timeInfo: this.#timeInfo(),
    });
    this.#body = null;
    this.#moreBody = null;
    this.#deliver(response);
  };

  /** Whether the request may be sent again on a new connection when a reused one was closed. */
  #mayRetry(): boolean {
    return IDEMPOTENT.has(this.#request.method) && this.#request.bodyProducer === null;
  }

  /** After a whole response: the connection back to the pool if it may carry another, else closed. */
  #keepOrClose(keepGoing: boolean): void {
    const stream = this.#stream;
    const connection = this.#connection;
    this.#stream = null;
    this.#connection = null;
    if (stream === null || connection === null) return;
    stream.setCloseCallback(null);
    const headers = this.#headers!;
    // #region keep-or-close
    const reusable =
      keepGoing &&
      this.#client.keepAlive &&
      connection.stream === stream &&
      !stream.closed() &&
      !hasConnectionToken(this.#request.headers, CLOSE) &&
      !hasConnectionToken(headers, CLOSE) &&
      (this.#startLine!.version !== 'HTTP/1.0' || hasConnectionToken(headers, KEEP_ALIVE));
    if (!reusable) {
      stream.close();
      return;
    }
    connection.detach();
    this.#client.pool.give(this.#key, stream, keepAliveTimeout(headers));
    // #endregion keep-or-close
  }

  #timeInfo(): Record<string, number> {
    return {
      queue: this.#queueMs,
      connect: this.#connectMs,
      firstByte: this.#firstByteMs,
      total: this.#client.loop.time() - this.#start,
    };
  }

  // ─── Redirects ─────────────────────────────────────────────────────────────────────────────

  #followRedirect(): void {
    const request = this.#request;
    const code = this.#startLine!.code;
    const location = this.#headers!.get('Location')!;
    let next: URL;
    try {
      next = new URL(location, request.url);
    } catch {
      return this.#fail(
        new HTTPInputError(`Redirect to an invalid Location ${JSON.stringify(location)}`),
      );
    }
    const redirected = copyRequest(request);
    redirected.url = next.href;
    redirected.maxRedirects = this.#settled.maxRedirects - 1;
    redirected.headers.delete('Host');
    let sameOrigin = false;
    try {
      sameOrigin = originOf(parseTarget(this.#original.url)) === originOf(parseTarget(next.href));
    } catch {
      // an unsupported scheme: the fetch of it fails, naming it
    }
    if (!sameOrigin) {
      // Credentials go to the origin they were given for, never further (curl drops
      // Authorization and Cookie; Proxy-Authorization and the URL's own credentials too).
      redirected.authUsername = null;
      redirected.authPassword = null;
      for (const name of CREDENTIAL_HEADERS) redirected.headers.delete(name);
      if (next.username !== '' || next.password !== '') {
        next.username = '';
        next.password = '';
        redirected.url = next.href;
      }
    }
    // RFC 9110 §15.4: 303 is a GET (but HEAD stays HEAD); 301 and 302 turn a POST into a GET,
    // as every browser does; 307 and 308 keep the method and the body.
    if (
      (code === 303 && request.method !== 'HEAD') ||
      ((code === 301 || code === 302) && request.method === 'POST')
    ) {
      redirected.method = 'GET';
      redirected.body = null;
      redirected.bodyProducer = null;
      redirected.expect100Continue = false;
      for (const name of BODY_HEADERS) redirected.headers.delete(name);
    }
    redirected.headers.delete('Expect');
    const callback = this.#callback!;
    this.#callback = null;
    this.#doRelease();
    this.#client.redirect(redirected, this.#original).addDoneCallback((done) => {
      const error = done.exception();
      callback(
        error === undefined
          ? done.result()
          : new HTTPResponse(this.#original, 599, { error: error as Error }),
      );
    });
  }

  // ─── Endings ───────────────────────────────────────────────────────────────────────────────

  /** Times the request out in `ms` (through the client's Timeouts: see timeouts.ts). */
  #arm(ms: number, phase: string): void {
    this.deadline = this.#client.loop.time() + ms;
    this.#phase = phase;
    this.#client.timeouts.add(this);
  }

  #disarm(): void {
    if (this.deadline === Infinity) return;
    this.deadline = Infinity;
    this.#client.timeouts.delete(this);
  }

  /** @internal Its deadline passed (called by the client's Timeouts). */
  expire(): void {
    this.deadline = Infinity;
    this.#fail(new HTTPTimeoutError(`Timeout ${this.#phase}`));
  }

  readonly #onStreamClose = (): void => {
    // A read or write waiting fails too; this covers a close while nothing waits. (Not a close
    // heard late, of a stream let go already: a kept one closed as it was reused, the request
    // being sent again on a new one.)
    if (this.#callback !== null && this.#connection === null && this.#stream !== null) {
      this.#fail(new HTTPStreamClosedError('Connection closed'));
    }
  };

  /** The request failed: a 599 response with `error`, and the connection closed. */
  #fail(error: unknown): void {
    if (this.#callback === null) return;
    this.#disarm();
    let reason = error;
    if (error instanceof StreamClosedError) {
      reason =
        error.realError === null
          ? new HTTPStreamClosedError('Connection closed', { cause: error })
          : error.realError;
    } else if (error instanceof TimeoutError) {
      reason = new HTTPTimeoutError('Timeout while connecting');
    }
    if (reason instanceof SSLCertVerificationError && this.#target !== undefined) {
      // OpenSSL says what failed, not where: name the server whose certificate it was.
      const where = ` (https://${this.#target.url.host})`;
      if (!reason.message.endsWith(where)) reason.message += where;
    }
    this.#pendingConnect?.cancel();
    this.#closeStream();
    this.#deliver(
      new HTTPResponse(this.#original, 599, {
        error: reason instanceof Error ? reason : new Error(String(reason)),
        requestTime: this.#client.loop.time() - this.#start,
        startTime: this.#startTime,
        timeInfo: this.#timeInfo(),
        effectiveUrl: this.#request.url,
      }),
    );
  }

  /** Gives up at once (the client is closing): a 599, the connection closed. */
  abort(why: string): void {
    this.#fail(new HTTPStreamClosedError(why));
  }

  #closeStream(): void {
    const stream = this.#stream;
    this.#stream = null;
    if (stream !== null) {
      stream.setCloseCallback(null);
      stream.close();
    }
  }

  #deliver(response: HTTPResponse): void {
    const callback = this.#callback;
    this.#callback = null;
    this.#doRelease();
    if (callback !== null) callback(response);
  }

  #doRelease(): void {
    const release = this.#release;
    this.#release = null;
    release?.(this);
  }
}

/** A copy of `request` that the copy's changes leave alone (its headers copied too). */
export function copyRequest(request: HTTPRequest): HTTPRequest {
  // A spread copies the ~30 fields into one allocation; Object.assign onto an empty object grew
  // its property store field by field (15% of the bytes a keep-alive fetch allocated, and 10% of
  // its CPU in `pnpm bench httpclient`). HTTPRequest has no accessors for assign to go through.
  // eslint-disable-next-line @typescript-eslint/no-misused-spread -- the prototype is set back
  const copy = Object.setPrototypeOf({ ...request }, HTTPRequest.prototype) as HTTPRequest;
  copy.headers = request.headers.copy();
  return copy;
}

function toFuture(loop: EventLoop, value: unknown): Future {
  if (value instanceof Future) return value;
  // A generator object (a generator function as bodyProducer) runs as a coroutine, as a
  // streamingCallback's does; Promise.resolve would take it for a value and send no body.
  if (typeof (value as { then?: unknown }).then !== 'function') {
    return convertYielded(value) as Future;
  }
  const future = new Future<unknown>(loop);
  Promise.resolve(value as PromiseLike<unknown>).then(
    (result) => {
      if (!future.done()) future.setResult(result);
    },
    (error: unknown) => {
      if (!future.done()) future.setException(error);
    },
  );
  return future;
}
