/**
 * tornado's `HTTPServer` (tornado/httpserver.py): a `TCPServer` whose connections speak HTTP/1.x
 * through `HTTP1ServerConnection`, handing each request to a callback or to a delegate
 * (`HTTPServerConnectionDelegate`, as `web.Application` is).
 */
import { Future } from '@aio/future';
import type { Address } from '@aio/selector';
import { HTTP1ServerConnection } from '../http1connection/server-connection';
import { CallableAdapter } from './callable-adapter';
import { connectionParams, type ConnectionParams } from '../http1connection/params';
import type {
  HTTPConnection,
  HTTPMessageDelegate,
  HTTPServerConnectionDelegate,
  MaybeAwaitable,
} from '../httputil/delegate';
import type { HTTPHeaders } from '../httputil/headers';
import { HTTPServerRequest } from '../httputil/request';
import type { RequestStartLine, ResponseStartLine } from '../httputil/start-line';
import { IOLoop } from '../ioloop';
import { SSLIOStream, type IOStream } from '../iostream';
import { checkInteger, optionTypeError } from '../log/errors';
import { isValidIp } from '../netutil/sockets';
import type { SSLOptions } from '../netutil/ssl';
import { TCPServer } from '../tcpserver';

/** A request callback: gets each request once its body is read, and answers through `request.connection`. */
export type RequestCallback = (request: HTTPServerRequest) => unknown;

/** Options of `new HTTPServer()` (tornado's keyword arguments, camelCased; times in milliseconds). */
export interface HTTPServerOptions {
  /** Trust `X-Real-Ip`/`X-Forwarded-For` and `X-Scheme`/`X-Forwarded-Proto` (behind a proxy). Default false. */
  xheaders?: boolean;
  /** Proxy addresses skipped, from the right, in `X-Forwarded-For`. */
  trustedDownstream?: readonly string[];
  /** Serve TLS (as `TCPServer`'s `sslOptions`). */
  sslOptions?: SSLOptions;
  /** With `sslOptions`: milliseconds a client's handshake may take. Default 120 000. */
  handshakeTimeout?: number;
  /** `request.protocol`, over what the stream says (`http`/`https`). */
  protocol?: string;
  /** Decompress `Content-Encoding: gzip` request bodies. Default false. */
  decompressRequest?: boolean;
  /** Most bytes of a request line and headers. Default 64 KiB. */
  maxHeaderSize?: number;
  /** Largest request body (decompressed). Default 100 MiB. */
  maxBodySize?: number;
  /** Each connection's IOStream buffer limit. Default: `maxBodySize`'s and 100 MiB's larger. */
  maxBufferSize?: number;
  /** Most bytes handed to a streaming delegate at once. Default 64 KiB. */
  chunkSize?: number;
  /**
   * Milliseconds a connection may wait for a request's headers, idle time included. Default
   * 3 600 000 (an hour, as tornado).
   */
  idleConnectionTimeout?: number;
  /** Milliseconds a request body may take. Default: no limit. */
  bodyTimeout?: number | null;
  /** Close each connection after its first response. Default false. */
  noKeepAlive?: boolean;
}

const DEFAULT_IDLE_CONNECTION_TIMEOUT = 3_600_000;

/**
 * An HTTP/1.x server: TCP, TLS (`sslOptions`) or a Unix socket (`addSocket(bindUnixSocket(…))`).
 * @example
 * ```ts
 * const server = new HTTPServer((request) => {
 *   const body = `You requested ${request.path}\n`;
 *   request.connection!.writeHeaders(
 *     new ResponseStartLine('HTTP/1.1', 200, 'OK'),
 *     new HTTPHeaders({ 'Content-Length': String(Buffer.byteLength(body)) }),
 *     body,
 *   );
 *   request.connection!.finish();
 * });
 * server.listen(8888);
 * await IOLoop.current().start();
 * ```
 */
export class HTTPServer extends TCPServer implements HTTPServerConnectionDelegate {
  readonly requestCallback: RequestCallback | HTTPServerConnectionDelegate;
  readonly xheaders: boolean;
  readonly protocol: string | null;
  readonly trustedDownstream: ReadonlySet<string>;
  readonly connParams: ConnectionParams;
  readonly #connections = new Set<HTTP1ServerConnection>();
  #drained: Future<void> | null = null;

  constructor(
    requestCallback: RequestCallback | HTTPServerConnectionDelegate,
    options: HTTPServerOptions = {},
  ) {
    if (typeof options !== 'object' || options === null) {
      throw optionTypeError('new HTTPServer()', 'options', 'an object', options);
    }
    const where = 'new HTTPServer()';
    const params = connectionParams(
      {
        decompress: options.decompressRequest ?? false,
        chunkSize: options.chunkSize,
        maxHeaderSize: options.maxHeaderSize,
        headerTimeout: options.idleConnectionTimeout ?? DEFAULT_IDLE_CONNECTION_TIMEOUT,
        maxBodySize: options.maxBodySize,
        bodyTimeout: options.bodyTimeout ?? null,
        noKeepAlive: options.noKeepAlive ?? false,
      },
      where,
    );
    super({
      maxBufferSize:
        options.maxBufferSize === undefined
          ? Math.max(params.maxBodySize, 100 * 1024 * 1024)
          : checkInteger(where, 'maxBufferSize', options.maxBufferSize, 1),
      ...(options.sslOptions === undefined ? {} : { sslOptions: options.sslOptions }),
      ...(options.handshakeTimeout === undefined
        ? {}
        : { handshakeTimeout: options.handshakeTimeout }),
    });
    if (
      typeof requestCallback !== 'function' &&
      (typeof requestCallback !== 'object' ||
        requestCallback === null ||
        typeof requestCallback.startRequest !== 'function')
    ) {
      throw optionTypeError(
        where,
        'requestCallback',
        'a function or an HTTPServerConnectionDelegate',
        requestCallback,
      );
    }
    this.requestCallback = requestCallback;
    this.connParams = params;
    this.xheaders = options.xheaders ?? false;
    if (typeof this.xheaders !== 'boolean') {
      throw optionTypeError(where, 'xheaders', 'a boolean', options.xheaders);
    }
    this.protocol = options.protocol ?? null;
    this.trustedDownstream = new Set(options.trustedDownstream ?? []);
  }

  // #region handle-stream
  override handleStream(stream: IOStream, address: Address): void {
    const context = new HTTPRequestContext(stream, address, this.protocol, this.trustedDownstream);
    const conn = new HTTP1ServerConnection(stream, this.connParams, context);
    this.#connections.add(conn);
    conn.startServing(this);
  }
  // #endregion handle-stream

  /** @internal `HTTPServerConnectionDelegate`: a request has started on `serverConnection`. */
  // #region start-request
  startRequest(serverConnection: object, requestConnection: HTTPConnection): HTTPMessageDelegate {
    const callback = this.requestCallback;
    const delegate =
      typeof callback === 'function'
        ? new CallableAdapter(callback, undefined, requestConnection, serverConnection)
        : callback.startRequest(serverConnection, requestConnection);
    return this.xheaders ? new ProxyAdapter(delegate, requestConnection) : delegate;
  }
  // #endregion start-request

  /** @internal `HTTPServerConnectionDelegate`: a connection has closed. */
  onClose(serverConnection: object): void {
    this.#connections.delete(serverConnection as HTTP1ServerConnection);
    if (this.#connections.size === 0 && this.#drained !== null && !this.#drained.done()) {
      this.#drained.setResult(undefined);
    }
  }

  /** The connections open now. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /**
   * Closes every open connection now (tornado's `close_all_connections`; call `stop()` first so
   * no new ones come). The future settles once each has closed.
   */
  closeAllConnections(): Future<void> {
    const loop = IOLoop.current().asyncioLoop;
    const all = [...this.#connections];
    const done = new Future<void>(loop);
    let left = all.length;
    if (left === 0) done.setResult(undefined);
    for (const conn of all) {
      conn.close().addDoneCallback(() => {
        if (--left === 0 && !done.done()) done.setResult(undefined);
      });
    }
    return done;
  }

  /**
   * Shuts down gracefully: stops accepting, closes the connections waiting for a request, lets
   * each request in progress finish (its response says `Connection: close`), and after
   * `timeout` milliseconds (default 30 000) closes whatever is left. The future settles once
   * every connection has closed.
   */
  drain(timeout = 30_000): Future<void> {
    checkInteger('HTTPServer.drain()', 'timeout', timeout, 0);
    this.stop();
    const loop = IOLoop.current().asyncioLoop;
    const drained = (this.#drained ??= new Future<void>(loop));
    if (this.#connections.size === 0) {
      if (!drained.done()) drained.setResult(undefined);
      return drained;
    }
    for (const conn of [...this.#connections]) conn.drain();
    const timer = loop.callLater(timeout, () => {
      void this.closeAllConnections();
    });
    drained.addDoneCallback(() => timer.cancel());
    return drained;
  }
}

/**
 * What the server knows of one connection: the client's address and the protocol, rewritten per
 * request from a proxy's headers with `xheaders`. `String(context)` is the client's address.
 */
export class HTTPRequestContext {
  readonly address: Address;
  remoteIp: string;
  protocol: string;
  readonly trustedDownstream: ReadonlySet<string>;
  readonly #origRemoteIp: string;
  readonly #origProtocol: string;

  constructor(
    stream: IOStream,
    address: Address,
    protocol: string | null,
    trustedDownstream: ReadonlySet<string>,
  ) {
    this.address = address;
    // A Unix socket has no IP: tornado fakes one.
    this.remoteIp = Array.isArray(address) ? String(address[0]) : '0.0.0.0';
    this.protocol = protocol ?? (stream instanceof SSLIOStream ? 'https' : 'http');
    this.#origRemoteIp = this.remoteIp;
    this.#origProtocol = this.protocol;
    this.trustedDownstream = trustedDownstream;
  }

  /** Rewrites `remoteIp` and `protocol` from a trusted proxy's headers. */
  applyXheaders(headers: HTTPHeaders): void {
    let ip = this.remoteIp;
    const forwarded = headers.get('X-Forwarded-For');
    if (forwarded !== undefined) {
      // The rightmost address that is not one of our own proxies.
      const hops = forwarded.split(',').map((hop) => hop.trim());
      for (let i = hops.length - 1; i >= 0; i--) {
        ip = hops[i]!;
        if (!this.trustedDownstream.has(ip)) break;
      }
    }
    ip = headers.get('X-Real-Ip') ?? ip;
    if (isValidIp(ip)) this.remoteIp = ip;
    let proto = headers.get('X-Scheme') ?? headers.get('X-Forwarded-Proto');
    if (proto !== undefined) {
      proto = proto.split(',').at(-1)!.trim(); // the last proxy's
      if (proto === 'http' || proto === 'https') this.protocol = proto;
    }
  }

  /** Back to the connection's own values: xheaders are per request. */
  unapplyXheaders(): void {
    this.remoteIp = this.#origRemoteIp;
    this.protocol = this.#origProtocol;
  }

  toString(): string {
    return Array.isArray(this.address) ? this.remoteIp : String(this.address);
  }
}

/** With `xheaders`: the proxy's headers rewrite the context for one request. */
class ProxyAdapter implements HTTPMessageDelegate {
  readonly #delegate: HTTPMessageDelegate;
  readonly #context: HTTPRequestContext | null;

  constructor(delegate: HTTPMessageDelegate, connection: HTTPConnection) {
    this.#delegate = delegate;
    const context = (connection as { context?: unknown }).context;
    this.#context = context instanceof HTTPRequestContext ? context : null;
  }

  headersReceived(
    startLine: RequestStartLine | ResponseStartLine,
    headers: HTTPHeaders,
  ): MaybeAwaitable {
    this.#context?.applyXheaders(headers);
    return this.#delegate.headersReceived(startLine, headers);
  }

  dataReceived(chunk: Buffer): MaybeAwaitable {
    return this.#delegate.dataReceived(chunk);
  }

  finish(): void {
    try {
      this.#delegate.finish();
    } finally {
      this.#context?.unapplyXheaders();
    }
  }

  onConnectionClose(): void {
    try {
      this.#delegate.onConnectionClose();
    } finally {
      this.#context?.unapplyXheaders();
    }
  }
}
