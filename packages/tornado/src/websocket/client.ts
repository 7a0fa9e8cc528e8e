/**
 * tornado's `websocket_connect` and `WebSocketClientConnection` (tornado/websocket.py).
 *
 * The handshake is an HTTP request made by the HTTP client's own exchange (`Fetch`, tornado's
 * `_HTTPConnection`, which tornado's client subclasses): connecting, TLS for `wss://`, the
 * connect timeout, the request written and the response's head read. A `101` hands the stream
 * over (`Fetch`'s upgrade handler, the one extension point this needs); any other answer ends
 * the fetch with its HTTP error, which the connect future fails with, as tornado's does.
 * Redirects are not followed (tornado: "currently unable to"): a 3xx is its HTTPClientError.
 */
import { inspect } from 'node:util';
import { Future } from '@aio/future';
import { failedFuture } from '@aio/future/internal';
import { IOLoop } from '../ioloop';
import type { IOStream } from '../iostream';
import { StreamClosedError } from '../iostream/errors';
import { appLog } from '../log';
import { checkInteger, optionTypeError } from '../log/errors';
import type { Resolver } from '../netutil';
import { Queue } from '../queues';
import { TCPClient } from '../tcpclient';
import type { HTTPHeaders } from '../httputil/headers';
import {
  copyRequest,
  Fetch,
  http1Params,
  type ClientParts,
  type Http1Params,
} from '../httpclient/fetch';
import { ConnectionPool } from '../httpclient/pool';
import { HTTPRequest, settle } from '../httpclient/request';
import type { HTTPResponse } from '../httpclient/response';
import { Timeouts } from '../httpclient/timeouts';
import {
  acceptableForUs,
  checkCompressionOptions,
  checkDeflateParams,
  syncZlibAvailable,
  parseExtensions,
  type CompressionOptions,
} from './deflate';
import { WebSocketClosedError, WebSocketError, WebSocketProtocolError } from './errors';
import { encodeMessage, type WebSocketMessage, type WriteMessageOptions } from './handler';
import { computeAcceptValue, newKey } from './handshake';
import { DEFAULT_MAX_MESSAGE_SIZE, WebSocketProtocol, type WebSocketDelegate } from './protocol';

/** `websocketConnect` options (tornado's keyword arguments). */
export interface WebSocketConnectOptions {
  /**
   * Called with each message (then `readMessage` never gets any), and with null once the
   * connection is closed.
   */
  onMessageCallback?: ((message: string | Buffer | null) => void) | null;
  /** permessage-deflate: offered when given (as `WebSocketHandler.getCompressionOptions`). */
  compressionOptions?: CompressionOptions | null;
  /** Seconds between keep-alive pings (tornado's unit); unset or 0: none. */
  pingInterval?: number | null;
  /** Seconds a ping waits for its pong (default and at most: the interval). */
  pingTimeout?: number | null;
  /** The largest message accepted, in bytes (default 10 MiB). */
  maxMessageSize?: number;
  /** Subprotocols to offer; `selectedSubprotocol` is the server's choice. */
  subprotocols?: readonly string[] | null;
  /** How long connecting may take, in ms (as the HTTP client's option; a URL only). */
  connectTimeout?: number | null;
  /** Resolves the host name (default: a new `Resolver`). */
  resolver?: Resolver | null;
}

const HTTP_LIMITS: Readonly<{ header: number; body: number }> = {
  header: 65_536,
  body: 104_857_600,
};
let params: Http1Params | null = null;

/**
 * A client's WebSocket connection: made by `websocketConnect`, not directly.
 */
export class WebSocketClientConnection implements WebSocketDelegate {
  /** Done with the connection once the server accepted it. */
  readonly connectFuture: Future<WebSocketClientConnection>;
  /** The request sent (its URL the `http(s)://` form of the `ws(s)://` one). */
  readonly request: HTTPRequest;
  /** The protocol, from the handshake until `close()`. */
  protocol: WebSocketProtocol | null = null;
  /** The close code the server sent, once it did. */
  closeCode: number | null = null;
  /** The close reason the server sent, once it did. */
  closeReason: string | null = null;
  /** The headers of the server's 101 (null until then). */
  headers: HTTPHeaders | null = null;

  readonly #url: string;
  readonly #key = newKey();
  readonly #onMessageCallback: ((message: string | Buffer | null) => void) | null;
  readonly #queue: Queue<string | Buffer | null> | null;
  readonly #tcpClient: TCPClient;
  readonly #options: WebSocketConnectOptions;
  readonly #compression: CompressionOptions | null;
  readonly #subprotocols: readonly string[] | null;
  #selectedSubprotocol: string | null = null;
  #closed = false;

  /** @internal Use `websocketConnect`. */
  constructor(request: HTTPRequest, options: WebSocketConnectOptions) {
    const scheme = schemeOf(request.url);
    const loop = IOLoop.current().asyncioLoop;
    this.connectFuture = new Future(loop);
    this.#options = options;
    this.#onMessageCallback = options.onMessageCallback ?? null;
    this.#queue = this.#onMessageCallback === null ? new Queue(1) : null;
    this.#compression =
      options.compressionOptions === undefined || options.compressionOptions === null
        ? null
        : checkCompressionOptions(options.compressionOptions, 'websocketConnect()');
    this.#subprotocols = options.subprotocols ?? null;
    this.#url = request.url;
    request.url = (scheme === 'ws' ? 'http' : 'https') + request.url.slice(scheme.length);
    request.headers.set('Upgrade', 'websocket');
    request.headers.set('Connection', 'Upgrade');
    request.headers.set('Sec-WebSocket-Key', this.#key);
    request.headers.set('Sec-WebSocket-Version', '13');
    if (this.#subprotocols !== null) {
      request.headers.set('Sec-WebSocket-Protocol', this.#subprotocols.join(','));
    }
    if (this.#compression !== null && syncZlibAvailable()) {
      // Always offer to let the server set our window (and accept its no_context_takeover).
      request.headers.set('Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits');
    }
    request.followRedirects = false;
    this.request = request;
    this.#tcpClient = new TCPClient(options.resolver ?? undefined);
    const parts: ClientParts = {
      loop,
      tcpClient: this.#tcpClient,
      pool: new ConnectionPool(loop, 0),
      maxBufferSize: HTTP_LIMITS.body,
      maxHeaderSize: HTTP_LIMITS.header,
      maxBodySize: HTTP_LIMITS.body,
      keepAlive: false,
      timeouts: new Timeouts(loop),
      http1Params: () =>
        (params ??= http1Params(HTTP_LIMITS.header, HTTP_LIMITS.body, HTTP_LIMITS.body)),
      connected: () => {},
      redirect: () => failedFuture(loop, new WebSocketError('redirects are not followed')),
    };
    new Fetch(
      parts,
      request,
      request,
      settle(request, {}),
      0,
      () => {},
      (response) => this.#onHttpResponse(response),
      (stream, headers) => this.#onUpgrade(stream, headers),
    ).run();
  }

  /** The HTTP exchange ended without a 101 (tornado's `_on_http_response`). */
  #onHttpResponse(response: HTTPResponse): void {
    this.#tcpClient.close();
    if (this.connectFuture.done()) return;
    this.connectFuture.setException(response.error ?? new WebSocketError('Non-websocket response'));
  }

  /** The 101: the server's headers checked, the protocol takes the stream. */
  #onUpgrade(stream: IOStream, headers: HTTPHeaders): void {
    const protocol = new WebSocketProtocol(this, true, {
      pingInterval: this.#options.pingInterval ?? null,
      pingTimeout: this.#options.pingTimeout ?? null,
      maxMessageSize: this.#options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      compressionOptions: this.#compression,
    });
    this.#processServerHeaders(protocol, headers);
    this.headers = headers;
    this.protocol = protocol;
    protocol.attach(stream);
    if (this.connectFuture.cancelled()) {
      // Given up on meanwhile: nobody will use it.
      protocol.abort();
      return;
    }
    protocol.startReading();
    protocol.startPinging();
    this.connectFuture.setResult(this);
  }

  /** tornado's `_process_server_headers`. @throws WebSocketProtocolError for a bad answer */
  #processServerHeaders(protocol: WebSocketProtocol, headers: HTTPHeaders): void {
    if ((headers.get('Upgrade') ?? '').toLowerCase() !== 'websocket') {
      throw new WebSocketProtocolError('the server did not answer "Upgrade: websocket"');
    }
    const connection = (headers.get('Connection') ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase());
    if (!connection.includes('upgrade')) {
      throw new WebSocketProtocolError('the server did not answer "Connection: Upgrade"');
    }
    if (headers.get('Sec-WebSocket-Accept') !== computeAcceptValue(this.#key)) {
      throw new WebSocketProtocolError('the server answered a wrong Sec-WebSocket-Accept');
    }
    for (const { name, params: agreed } of parseExtensions(
      headers.get('Sec-WebSocket-Extensions'),
    )) {
      if (name !== 'permessage-deflate' || this.#compression === null) {
        throw new WebSocketProtocolError(`unsupported extension ${JSON.stringify(name)}`);
      }
      const problem =
        checkDeflateParams(agreed, false) ??
        (acceptableForUs('client', agreed) ? null : 'a client window of 8 bits');
      if (problem !== null) throw new WebSocketProtocolError(`permessage-deflate: ${problem}`);
      protocol.setCompression('client', agreed);
    }
    const selected = headers.get('Sec-WebSocket-Protocol') ?? null;
    if (selected !== null && !(this.#subprotocols ?? []).includes(selected)) {
      throw new WebSocketProtocolError(
        `the server chose a subprotocol not offered: ${JSON.stringify(selected)}`,
      );
    }
    this.#selectedSubprotocol = protocol.selectedSubprotocol = selected;
  }

  /**
   * The next message: a string (text) or a Buffer (binary), or null once the connection is
   * closed. With an `onMessageCallback`, messages go there instead and this never resolves.
   */
  readMessage(): Future<string | Buffer | null> {
    if (this.#queue === null) return new Future(IOLoop.current().asyncioLoop);
    return this.#queue.get();
  }

  /**
   * Sends a message (as `WebSocketHandler.writeMessage`).
   * @throws WebSocketClosedError once the connection is closed
   */
  writeMessage(message: WebSocketMessage, options: WriteMessageOptions = {}): Future<void> {
    const protocol = this.protocol;
    if (protocol === null) throw new WebSocketClosedError('Client connection has been closed');
    return protocol.writeMessage(encodeMessage(message), options.binary === true);
  }

  /**
   * Sends a ping (at most 125 bytes of data).
   * @throws WebSocketClosedError once the connection is closed
   */
  ping(data: string | Uint8Array = ''): void {
    const protocol = this.protocol;
    if (protocol === null) throw new WebSocketClosedError();
    protocol.writePing(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  /** Starts the closing handshake (see `WebSocketHandler.close`). */
  close(code: number | null = null, reason: string | null = null): void {
    const protocol = this.protocol;
    if (protocol !== null) {
      protocol.close(code, reason);
      this.protocol = null;
    }
  }

  /** The subprotocol the server chose, or null. */
  get selectedSubprotocol(): string | null {
    return this.#selectedSubprotocol;
  }

  /** @internal A message (WebSocketDelegate): to the callback, or the queue (waited for). */
  onMessage(message: string | Buffer): unknown {
    return this.#deliver(message);
  }

  /** Called with the data of each ping received. */
  onPing(_data: Buffer): unknown {
    return undefined;
  }

  /** Called with the data of each pong received. */
  onPong(_data: Buffer): unknown {
    return undefined;
  }

  /** @internal The connection ended (WebSocketDelegate). */
  onWsConnectionClose(closeCode: number | null, closeReason: string | null): void {
    this.closeCode = closeCode;
    this.closeReason = closeReason;
    this.#onConnectionClose();
  }

  #onConnectionClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.protocol = null;
    if (!this.connectFuture.done()) this.connectFuture.setException(new StreamClosedError());
    void this.#deliver(null);
    this.#tcpClient.close();
  }

  #deliver(message: string | Buffer | null): Future<void> | null {
    const callback = this.#onMessageCallback;
    if (callback !== null) {
      callback(message);
      return null;
    }
    return this.#queue!.put(message);
  }

  /** @internal Logs an exception from a callback (WebSocketDelegate). */
  logException(error: unknown): void {
    appLog.error({ err: error }, `Uncaught exception ${String(error)}`);
  }

  toString(): string {
    const state = !this.connectFuture.done()
      ? 'connecting'
      : this.protocol === null
        ? 'closed'
        : this.protocol.isClosing()
          ? 'closing'
          : 'open';
    return `<WebSocketClientConnection ${this.#url} ${state}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * Opens a WebSocket to `url` (`ws://` or `wss://`, or an HTTPRequest for one, to send headers
 * of your own): a Future of the connection once the server accepted it. It fails with the HTTP
 * client's error for any other answer (an `HTTPClientError` whose `code` is the status: 404,
 * a 3xx, which is not followed), with a StreamClosedError if the connection closed first.
 * @example
 * ```ts
 * const conn = await websocketConnect('ws://127.0.0.1:8888/websocket');
 * void conn.writeMessage('hello');
 * for (;;) {
 *   const message = await conn.readMessage();
 *   if (message === null) break; // closed
 *   console.log(message);
 * }
 * ```
 */
export function websocketConnect(
  url: string | HTTPRequest,
  options: WebSocketConnectOptions = {},
): Future<WebSocketClientConnection> {
  const where = 'websocketConnect()';
  if (typeof options !== 'object' || options === null) {
    throw optionTypeError(where, 'options', 'an object', options);
  }
  if (options.maxMessageSize !== undefined) {
    checkInteger(where, 'maxMessageSize', options.maxMessageSize, 1);
  }
  if (typeof url === 'string' || url instanceof HTTPRequest)
    schemeOf(typeof url === 'string' ? url : url.url);
  let request: HTTPRequest;
  if (url instanceof HTTPRequest) {
    if (options.connectTimeout !== undefined && options.connectTimeout !== null) {
      throw optionTypeError(
        where,
        'connectTimeout',
        'set on the HTTPRequest given',
        options.connectTimeout,
      );
    }
    request = copyRequest(url);
  } else if (typeof url === 'string') {
    request = new HTTPRequest(
      url,
      options.connectTimeout === undefined || options.connectTimeout === null
        ? {}
        : { connectTimeout: options.connectTimeout },
    );
  } else {
    throw optionTypeError(where, 'url', 'a string or an HTTPRequest', url);
  }
  return new WebSocketClientConnection(request, options).connectFuture;
}

/** `ws` or `wss`, the scheme of `url`. @throws TypeError for any other */
function schemeOf(url: string): 'ws' | 'wss' {
  const scheme = /^(wss?):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== 'ws' && scheme !== 'wss') {
    throw Object.assign(new TypeError(`websocketConnect(): unsupported url scheme: ${url}`), {
      code: 'ERR_INVALID_URL_SCHEME',
    });
  }
  return scheme;
}
