/**
 * tornado's `HTTPRequest` (tornado/httpclient.py), camelCased, with times in milliseconds: what
 * `AsyncHTTPClient.fetch` sends. Every option but the URL is optional; an option left undefined
 * takes the client's default (its `defaults`, then `REQUEST_DEFAULTS`), as tornado's
 * `_RequestProxy` does.
 */
import type { Future } from '@aio/future';
import { HTTPHeaders, type HTTPHeadersInit } from '../httputil/headers';
import { formatTimestamp } from '../httputil/url';
import { checkInteger, optionTypeError, optionValueError } from '../log/errors';
import type { SSLOptions } from '../netutil/ssl';

/**
 * What a `streamingCallback` or `bodyProducer` may return to make the client wait: a Future, a
 * promise, or a generator object (a generator function's: it runs as a coroutine).
 */
export type MaybeFuture =
  void | undefined | null | Future | PromiseLike<unknown> | Generator<unknown, unknown, unknown>;

/** Writes a piece of the request body; the future settles once the kernel took it. */
export type BodyWriter = (chunk: Uint8Array | string) => Future<void>;

/** `new HTTPRequest(url, options)`: tornado's keyword arguments, camelCased. */
export interface HTTPRequestOptions {
  /** `GET` (default), `POST`, … */
  method?: string;
  /** More headers (an HTTPHeaders, an object, or [name, value] pairs). */
  headers?: HTTPHeadersInit;
  /** The body: bytes, or text sent as UTF-8. */
  body?: Uint8Array | string | null;
  /**
   * A body made as it is sent: called with a `write` function, returns when it has written all
   * (a Future or promise). Without a `Content-Length` header the body is sent chunked.
   */
  bodyProducer?: ((write: BodyWriter) => MaybeFuture) | null;
  /** HTTP authentication (`Authorization: Basic …`). */
  authUsername?: string | null;
  authPassword?: string | null;
  /** Only `'basic'` (tornado's simple client's only mode too). */
  authMode?: 'basic' | null;
  /** The most the connection may take, in ms (0: no limit). Default 20 000. */
  connectTimeout?: number;
  /** The most the whole request may take, in ms (0: no limit). Default 20 000. */
  requestTimeout?: number;
  /** Sets `If-Modified-Since`: a Date, or seconds since the epoch (as `formatTimestamp`). */
  ifModifiedSince?: Date | number | null;
  /** Follow 301, 302, 303, 307 and 308 redirects. Default true. */
  followRedirects?: boolean;
  /** How many redirects to follow at most. Default 5. */
  maxRedirects?: number;
  /** The `User-Agent` header. Default `aio-tornado/<version>`. */
  userAgent?: string | null;
  /** Ask for gzip and decompress it (its size limited after decompression). Default true. */
  decompressResponse?: boolean;
  /** Called with each piece of the body as it comes; the response's body is then empty. */
  streamingCallback?: ((chunk: Buffer) => MaybeFuture) | null;
  /** Called with each header line once the headers are in: the status line first, `\r\n` last. */
  headerCallback?: ((line: string) => void) | null;
  /** An HTTP proxy: plain requests go through it, `https` ones through a `CONNECT` tunnel. */
  proxyHost?: string | null;
  proxyPort?: number | null;
  proxyUsername?: string | null;
  proxyPassword?: string | null;
  /** Only `'basic'`. */
  proxyAuthMode?: 'basic' | null;
  /** Allow methods other than GET, HEAD, POST, PUT, DELETE, PATCH and OPTIONS, and a body on any. */
  allowNonstandardMethods?: boolean;
  /** Check the server's certificate (https). Default true. */
  validateCert?: boolean;
  /** A PEM file of CAs to trust instead of the system's. */
  caCerts?: string | null;
  /** Use IPv6 when the host has an IPv6 address. Default true. */
  allowIpv6?: boolean;
  /** A client certificate (PEM) and its key. */
  clientCert?: string | null;
  clientKey?: string | null;
  /** Send `Expect: 100-continue` and the body only after the server's `100 Continue`. */
  expect100Continue?: boolean;
  /** TLS settings: an SSLContext or a dictionary; overrides validateCert, caCerts, clientCert/Key. */
  sslOptions?: SSLOptions | null;
  /** The local address to connect from. */
  networkInterface?: string | null;
}

/** tornado's `HTTPRequest._DEFAULTS`, in milliseconds. */
export const REQUEST_DEFAULTS = Object.freeze({
  connectTimeout: 20_000,
  requestTimeout: 20_000,
  followRedirects: true,
  maxRedirects: 5,
  decompressResponse: true,
  proxyPassword: '',
  allowNonstandardMethods: false,
  validateCert: true,
  allowIpv6: true,
});

/** The options a client's `defaults` may set (every request option but the URL's own). */
export type RequestDefaults = Omit<HTTPRequestOptions, 'headers' | 'body' | 'bodyProducer'>;

const OPTION_NAMES = new Set<string>([
  'method',
  'headers',
  'body',
  'bodyProducer',
  'authUsername',
  'authPassword',
  'authMode',
  'connectTimeout',
  'requestTimeout',
  'ifModifiedSince',
  'followRedirects',
  'maxRedirects',
  'userAgent',
  'decompressResponse',
  'streamingCallback',
  'headerCallback',
  'proxyHost',
  'proxyPort',
  'proxyUsername',
  'proxyPassword',
  'proxyAuthMode',
  'allowNonstandardMethods',
  'validateCert',
  'caCerts',
  'allowIpv6',
  'clientCert',
  'clientKey',
  'expect100Continue',
  'sslOptions',
  'networkInterface',
]);

/** @internal Checks an options object's keys, naming a misspelled or snake_case one. */
export function checkOptionNames(where: string, options: object, extra: readonly string[] = []) {
  for (const key of Object.keys(options)) {
    if (OPTION_NAMES.has(key) || extra.includes(key)) continue;
    const camel = key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    const hint =
      camel !== key && (OPTION_NAMES.has(camel) || extra.includes(camel))
        ? ` (tornado's ${key} is ${camel} here)`
        : '';
    throw Object.assign(new TypeError(`${where}: unknown option ${key}${hint}`), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
  }
}

/**
 * tornado's HTTPRequest.
 * @example
 * ```ts
 * const request = new HTTPRequest('http://127.0.0.1:8888/upload', {
 *   method: 'POST',
 *   body: JSON.stringify({ a: 1 }),
 *   headers: { 'Content-Type': 'application/json' },
 *   requestTimeout: 5_000,
 * });
 * ```
 */
export class HTTPRequest {
  url: string;
  method: string;
  headers: HTTPHeaders;
  /** The body as bytes (text given is UTF-8), or null. */
  body: Buffer | null;
  bodyProducer: ((write: BodyWriter) => MaybeFuture) | null;
  authUsername: string | null;
  authPassword: string | null;
  authMode: 'basic' | null;
  connectTimeout: number | undefined;
  requestTimeout: number | undefined;
  followRedirects: boolean | undefined;
  maxRedirects: number | undefined;
  userAgent: string | null;
  decompressResponse: boolean | undefined;
  streamingCallback: ((chunk: Buffer) => MaybeFuture) | null;
  headerCallback: ((line: string) => void) | null;
  proxyHost: string | null;
  proxyPort: number | null;
  proxyUsername: string | null;
  proxyPassword: string | null | undefined;
  proxyAuthMode: 'basic' | null;
  allowNonstandardMethods: boolean | undefined;
  validateCert: boolean | undefined;
  caCerts: string | null;
  allowIpv6: boolean | undefined;
  clientCert: string | null;
  clientKey: string | null;
  expect100Continue: boolean;
  sslOptions: SSLOptions | null;
  networkInterface: string | null;
  /** When the request was made (`Date.now()`, ms). */
  readonly startTime: number;

  /**
   * @throws TypeError or RangeError for an option of the wrong type or value (an unknown one
   *   too, naming tornado's spelling when it is one), or a URL that is not a string
   * @throws HTTPInputError for a header name or value HTTP cannot carry (CR, LF, …)
   */
  constructor(url: string, options: HTTPRequestOptions = {}) {
    const where = 'new HTTPRequest()';
    if (typeof url !== 'string') throw optionTypeError(where, 'url', 'a string', url);
    if (options === null || typeof options !== 'object') {
      throw optionTypeError(where, 'options', 'an object', options);
    }
    checkOptionNames(where, options);
    this.url = url;
    this.method = options.method ?? 'GET';
    if (typeof this.method !== 'string' || this.method === '') {
      throw optionTypeError(where, 'method', 'a non-empty string', options.method);
    }
    this.headers =
      options.headers === undefined || options.headers === null
        ? new HTTPHeaders()
        : new HTTPHeaders(options.headers);
    this.body = toBody(where, options.body);
    this.bodyProducer = fn(where, 'bodyProducer', options.bodyProducer);
    if (this.body !== null && this.bodyProducer !== null) {
      throw optionValueError(where, 'body', 'left out when there is a bodyProducer', '<bytes>');
    }
    this.authUsername = str(where, 'authUsername', options.authUsername);
    this.authPassword = str(where, 'authPassword', options.authPassword);
    this.authMode = mode(where, 'authMode', options.authMode);
    this.connectTimeout = ms(where, 'connectTimeout', options.connectTimeout);
    this.requestTimeout = ms(where, 'requestTimeout', options.requestTimeout);
    const since = options.ifModifiedSince;
    if (since !== undefined && since !== null) {
      this.headers.set('If-Modified-Since', formatTimestamp(since));
    }
    this.followRedirects = bool(where, 'followRedirects', options.followRedirects);
    this.maxRedirects =
      options.maxRedirects === undefined
        ? undefined
        : checkInteger(where, 'maxRedirects', options.maxRedirects, 0);
    this.userAgent = str(where, 'userAgent', options.userAgent);
    this.decompressResponse = bool(where, 'decompressResponse', options.decompressResponse);
    this.streamingCallback = fn(where, 'streamingCallback', options.streamingCallback);
    this.headerCallback = fn(where, 'headerCallback', options.headerCallback);
    this.proxyHost = str(where, 'proxyHost', options.proxyHost);
    this.proxyPort =
      options.proxyPort === undefined || options.proxyPort === null
        ? null
        : port(where, 'proxyPort', options.proxyPort);
    this.proxyUsername = str(where, 'proxyUsername', options.proxyUsername);
    this.proxyPassword =
      options.proxyPassword === undefined
        ? undefined
        : str(where, 'proxyPassword', options.proxyPassword);
    this.proxyAuthMode = mode(where, 'proxyAuthMode', options.proxyAuthMode);
    this.allowNonstandardMethods = bool(
      where,
      'allowNonstandardMethods',
      options.allowNonstandardMethods,
    );
    this.validateCert = bool(where, 'validateCert', options.validateCert);
    this.caCerts = str(where, 'caCerts', options.caCerts);
    this.allowIpv6 = bool(where, 'allowIpv6', options.allowIpv6);
    this.clientCert = str(where, 'clientCert', options.clientCert);
    this.clientKey = str(where, 'clientKey', options.clientKey);
    this.expect100Continue = bool(where, 'expect100Continue', options.expect100Continue) ?? false;
    const ssl = options.sslOptions;
    if (ssl !== undefined && ssl !== null && typeof ssl !== 'object') {
      throw optionTypeError(where, 'sslOptions', 'an SSLContext or an options object', ssl);
    }
    this.sslOptions = ssl ?? null;
    this.networkInterface = str(where, 'networkInterface', options.networkInterface);
    this.startTime = Date.now();
  }

  toString(): string {
    return `<HTTPRequest ${this.method} ${this.url}>`;
  }
}

function toBody(where: string, body: unknown): Buffer | null {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.isBuffer(body) ? body : Buffer.from(body);
  throw optionTypeError(where, 'body', 'a string or a Uint8Array', body);
}

function str(where: string, name: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw optionTypeError(where, name, 'a string', value);
  return value;
}

function bool(where: string, name: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw optionTypeError(where, name, 'a boolean', value);
  return value;
}

function ms(where: string, name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw optionTypeError(where, name, 'a number of ms', value);
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw optionValueError(where, name, 'a number of ms >= 0 (0: no limit)', value);
  }
  return value;
}

function port(where: string, name: string, value: unknown): number {
  const n = checkInteger(where, name, value, 1);
  if (n > 65535) throw optionValueError(where, name, 'a port from 1 to 65535', value);
  return n;
}

function fn<F>(where: string, name: string, value: F | null | undefined): F | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'function') throw optionTypeError(where, name, 'a function', value);
  return value;
}

function mode(where: string, name: string, value: unknown): 'basic' | null {
  if (value === undefined || value === null) return null;
  if (value !== 'basic') {
    throw optionValueError(where, name, "'basic' (the only mode this client has)", value);
  }
  return value;
}

/** @internal A request's options with the client's defaults filled in: what a fetch uses. */
export interface Settled {
  readonly connectTimeout: number;
  readonly requestTimeout: number;
  readonly followRedirects: boolean;
  readonly maxRedirects: number;
  readonly decompressResponse: boolean;
  readonly allowNonstandardMethods: boolean;
  readonly validateCert: boolean;
  readonly allowIpv6: boolean;
  readonly userAgent: string | null;
  readonly proxyHost: string | null;
  readonly proxyPort: number | null;
  readonly proxyUsername: string | null;
  readonly proxyPassword: string;
  readonly caCerts: string | null;
  readonly clientCert: string | null;
  readonly clientKey: string | null;
  readonly sslOptions: SSLOptions | null;
  readonly authUsername: string | null;
  readonly authPassword: string | null;
  readonly networkInterface: string | null;
}

/** The request's fields that `settle` reads. */
type SettledFields = Partial<Pick<HTTPRequest, keyof Settled>>;

const SETTLED_KEYS: readonly (keyof Settled)[] = [
  'connectTimeout',
  'requestTimeout',
  'followRedirects',
  'maxRedirects',
  'decompressResponse',
  'allowNonstandardMethods',
  'validateCert',
  'allowIpv6',
  'userAgent',
  'proxyHost',
  'proxyPort',
  'proxyUsername',
  'proxyPassword',
  'caCerts',
  'clientCert',
  'clientKey',
  'sslOptions',
  'authUsername',
  'authPassword',
  'networkInterface',
];

/**
 * @internal True when `request` sets none of the options `settle` reads, so that its Settled is
 * the client's defaults' own (`settle({}, defaults)`), which a client makes once: most requests
 * set none, and this saves an object of 20 fields per request.
 */
export function setsNoSettledOption(request: HTTPRequest): boolean {
  for (const key of SETTLED_KEYS) {
    const own = request[key];
    if (own !== undefined && own !== null) return false;
  }
  return true;
}

/** @internal tornado's `_RequestProxy`: the request's own value, else the default's. */
export function settle(request: SettledFields, defaults: Readonly<RequestDefaults>): Settled {
  const pick = <K extends keyof Settled & keyof HTTPRequest>(key: K, fallback: Settled[K]) => {
    const own = request[key] as Settled[K] | null | undefined;
    if (own !== undefined && own !== null) return own;
    const given = (defaults as Record<string, unknown>)[key] as Settled[K] | null | undefined;
    return given !== undefined && given !== null ? given : fallback;
  };
  return {
    connectTimeout: pick('connectTimeout', REQUEST_DEFAULTS.connectTimeout),
    requestTimeout: pick('requestTimeout', REQUEST_DEFAULTS.requestTimeout),
    followRedirects: pick('followRedirects', REQUEST_DEFAULTS.followRedirects),
    maxRedirects: pick('maxRedirects', REQUEST_DEFAULTS.maxRedirects),
    decompressResponse: pick('decompressResponse', REQUEST_DEFAULTS.decompressResponse),
    allowNonstandardMethods: pick(
      'allowNonstandardMethods',
      REQUEST_DEFAULTS.allowNonstandardMethods,
    ),
    validateCert: pick('validateCert', REQUEST_DEFAULTS.validateCert),
    allowIpv6: pick('allowIpv6', REQUEST_DEFAULTS.allowIpv6),
    userAgent: pick('userAgent', null),
    proxyHost: pick('proxyHost', null),
    proxyPort: pick('proxyPort', null),
    proxyUsername: pick('proxyUsername', null),
    proxyPassword: pick('proxyPassword', REQUEST_DEFAULTS.proxyPassword),
    caCerts: pick('caCerts', null),
    clientCert: pick('clientCert', null),
    clientKey: pick('clientKey', null),
    sslOptions: pick('sslOptions', null),
    authUsername: pick('authUsername', null),
    authPassword: pick('authPassword', null),
    networkInterface: pick('networkInterface', null),
  };
}

/** @internal Checks a client's `defaults` as a request's options are checked. */
export function checkDefaults(where: string, defaults: unknown): RequestDefaults {
  if (defaults === undefined || defaults === null) return {};
  if (typeof defaults !== 'object') throw optionTypeError(where, 'defaults', 'an object', defaults);
  for (const key of ['headers', 'body', 'bodyProducer']) {
    if (key in defaults) {
      throw optionValueError(
        where,
        `defaults.${key}`,
        'set on each request, not as a default',
        '…',
      );
    }
  }
  // The request constructor checks each value.
  new HTTPRequest('http://checked.invalid/', defaults);
  return { ...(defaults as RequestDefaults) };
}
