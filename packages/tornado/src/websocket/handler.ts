/**
 * tornado's `WebSocketHandler` (tornado/websocket.py): a `RequestHandler` whose `get` answers
 * the opening handshake, then hands the connection's stream to a `WebSocketProtocol` and hears
 * its messages.
 *
 * ```
 * GET + Upgrade: websocket → checks (400 / 403 / 426) → selectSubprotocol, permessage-deflate
 *   → 101 written, the stream detached from HTTP → open(...pathArgs) (waited for)
 *   → onMessage(message) per message, one at a time (each waited for) … → onClose() once
 * ```
 * Unlike tornado's, `get` returns once the handshake is written: the connection lives on in the
 * protocol and its callbacks, not in a coroutine held for its whole life (10,000 idle
 * connections should cost their sockets and little more).
 */
import { inspect } from 'node:util';
import type { Future } from '@aio/future';
import { jsonEncode } from '../escape/json';
import type { IOStream } from '../iostream';
import { compactHeaders, ownString } from '../httputil/headers';
import type { HTTPServerRequest } from '../httputil/request';
import { genLog } from '../log';
import { RequestHandler, type Chunk, type HeaderValue } from '../web/handler';
import { HandlerStateError } from '../web/errors';
import type { CookieOptions } from '../web/cookies';
import {
  acceptableForUs,
  checkCompressionOptions,
  checkDeflateParams,
  syncZlibAvailable,
  formatExtension,
  parseExtensions,
  type CompressionOptions,
} from './deflate';
import { WebSocketClosedError } from './errors';
import { computeAcceptValue, isValidKey } from './handshake';
import { DEFAULT_MAX_MESSAGE_SIZE, WebSocketProtocol, type WebSocketDelegate } from './protocol';

/** A message `writeMessage` sends: text, bytes, or an object sent as JSON text. */
export type WebSocketMessage = string | Uint8Array | Readonly<Record<string, unknown>>;

/** `writeMessage` options. */
export interface WriteMessageOptions {
  /** Send a binary message (a string as its UTF-8 bytes). Default false: text. */
  readonly binary?: boolean;
}

/**
 * Subclass it for a WebSocket endpoint: override `open`, `onMessage` and `onClose`; send with
 * `writeMessage`; end with `close`.
 * @example
 * ```ts
 * class EchoWebSocket extends WebSocketHandler {
 *   override open() {
 *     console.log('WebSocket opened');
 *   }
 *   override onMessage(message: string | Buffer) {
 *     void this.writeMessage(`You said: ${String(message)}`);
 *   }
 *   override onClose() {
 *     console.log('WebSocket closed', this.closeCode, this.closeReason);
 *   }
 * }
 * new Application([['/websocket', EchoWebSocket]]).listen(8888);
 * ```
 * Application settings read here: `websocketPingInterval` and `websocketPingTimeout` (seconds;
 * see `pingInterval`), `websocketMaxMessageSize` (bytes, default 10 MiB).
 */
export class WebSocketHandler extends RequestHandler implements WebSocketDelegate {
  /** The protocol, from the handshake until `close()` (tornado's `ws_connection`). */
  wsConnection: WebSocketProtocol | null = null;
  /** The close code the peer sent, once it did. */
  closeCode: number | null = null;
  /** The close reason the peer sent, once it did. */
  closeReason: string | null = null;
  protected override autoFinish = false;

  #openArgs: unknown[] = [];
  #selectedSubprotocol: string | null = null;
  #onCloseCalled = false;

  // ─── The handshake ─────────────────────────────────────────────────────────────────────────

  /**
   * The opening handshake (do not override it: override `open`). Refuses with 400 a request that
   * is not an upgrade to WebSocket or lacks a valid key, with 403 one whose `Origin`
   * `checkOrigin` refuses, with 426 (and `Sec-WebSocket-Version: 7, 8, 13`) an unknown version.
   */
  override get(...args: unknown[]): unknown {
    this.#openArgs = args;
    const headers = this.request.headers;
    if ((headers.get('Upgrade') ?? '').toLowerCase() !== 'websocket') {
      return this.#refuse(400, 'Can "Upgrade" only to "WebSocket".');
    }
    // A proxy may add tokens of its own to Connection.
    const connection = (headers.get('Connection') ?? '')
      .split(',')
      .map((token) => token.trim().toLowerCase());
    if (!connection.includes('upgrade')) {
      return this.#refuse(400, '"Connection" must be "Upgrade".');
    }
    // Version 8 clients sent Sec-Websocket-Origin; 13 sends Origin. No origin: not a browser.
    const origin = headers.get('Origin') ?? headers.get('Sec-Websocket-Origin');
    if (origin !== undefined && !this.checkOrigin(origin)) {
      return this.#refuse(403, 'Cross origin websockets not allowed');
    }
    const version = headers.get('Sec-WebSocket-Version');
    if (version !== '7' && version !== '8' && version !== '13') {
      this.setStatus(426, 'Upgrade Required');
      this.setHeader('Sec-WebSocket-Version', '7, 8, 13');
      return this.finish();
    }
    const key = headers.get('Sec-WebSocket-Key');
    if (!headers.get('Host') || key === undefined || !isValidKey(key)) {
      return this.#refuse(400, 'Missing/Invalid WebSocket headers');
    }
    this.#accept(key.trim());
    return undefined;
  }

  #refuse(status: number, message: string): Future<void> {
    this.setStatus(status);
    genLog.debug(message);
    return this.finish(message);
  }

  /** The 101, the stream taken, `open`, then the messages (tornado's `_accept_connection`). */
  #accept(key: string): void {
    const options = this.getCompressionOptions();
    const protocol = new WebSocketProtocol(this, false, {
      pingInterval: this.pingInterval,
      pingTimeout: this.pingTimeout,
      maxMessageSize: this.maxMessageSize,
      compressionOptions:
        options === null ? null : checkCompressionOptions(options, 'getCompressionOptions()'),
    });
    const headers = this.request.headers;
    const offered = headers.get('Sec-WebSocket-Protocol');
    const subprotocols =
      offered === undefined
        ? []
        : offered
            .split(',')
            .map((name) => name.trim())
            .filter((name) => name !== '');
    const selected = this.selectSubprotocol(subprotocols);
    if (selected !== null && selected !== undefined && selected !== '') {
      if (!subprotocols.includes(selected)) {
        throw new TypeError(
          `selectSubprotocol() returned ${JSON.stringify(selected)}, which the client did not offer (${JSON.stringify(subprotocols)})`,
        );
      }
      this.setHeader('Sec-WebSocket-Protocol', selected);
      this.#selectedSubprotocol = protocol.selectedSubprotocol = selected;
    }
    // #region negotiate-deflate
    if (options !== null && !syncZlibAvailable()) {
      genLog.warn('permessage-deflate declined: this Node has no synchronous zlib handle');
    } else if (options !== null) {
      // The first permessage-deflate offer we can honour; the others are declined (RFC 7692 §5).
      for (const { name, params } of parseExtensions(headers.get('Sec-WebSocket-Extensions'))) {
        if (name !== 'permessage-deflate') continue;
        const problem = checkDeflateParams(params, true);
        if (problem !== null) {
          genLog.debug(`Declined permessage-deflate offer: ${problem}`);
          continue;
        }
        if (!acceptableForUs('server', params)) continue;
        // A bare client_max_window_bits only says the client could take a value: not echoed.
        if (params.client_max_window_bits === null) delete params.client_max_window_bits;
        protocol.setCompression('server', params);
        this.setHeader('Sec-WebSocket-Extensions', formatExtension('permessage-deflate', params));
        break;
      }
    }
    // #endregion negotiate-deflate
    this.clearHeader('Content-Type');
    this.setStatus(101);
    this.setHeader('Upgrade', 'websocket');
    this.setHeader('Connection', 'Upgrade');
    this.setHeader('Sec-WebSocket-Accept', computeAcceptValue(key));
    // The 101 is written, not finished: finishing would let the connection read the next request.
    void super.flush();
    this.application.logRequest(this);
    const stream = this.detach();
    detached.add(this);
    // HTTP is over on this connection: its HTTP1Connection and server connection (with their
    // delegates, deadline and callbacks) would otherwise live as long as the WebSocket, about
    // 1 KiB each of 10,000 idle connections. tornado keeps them; nothing uses them after this.
    this.request.connection = null;
    this.request.serverConnection = null;
    compactRequest(this.request);
    this.wsConnection = protocol;
    protocol.attach(stream);
    protocol.startPinging();
    protocol.runThenRead(() => this.open(...this.#openArgs));
  }

  // ─── What a subclass overrides ─────────────────────────────────────────────────────────────

  /**
   * Called once the connection is open, with the URL's path groups (as `get` would be). May be
   * `async` or a generator: `onMessage` is not called before it is done.
   */
  open(..._args: unknown[]): unknown {
    return undefined;
  }

  /**
   * Called with each message: a string for a text message, a Buffer for a binary one. May be
   * `async` or a generator: the next message waits for it. Override it.
   */
  onMessage(_message: string | Buffer): unknown {
    throw new TypeError(`${this.constructor.name}.onMessage() is not implemented`);
  }

  /** Called with the data of each ping received (the pong is sent already). */
  onPing(_data: Buffer): unknown {
    return undefined;
  }

  /** Called with the data of each pong received. */
  onPong(_data: Buffer): unknown {
    return undefined;
  }

  /**
   * Called once when the connection is closed, however it closed. `closeCode` and `closeReason`
   * say what the peer sent, if it sent a close frame.
   */
  onClose(): void {}

  /**
   * Whether to accept a connection from a page of `origin` (the `Origin` header; not called
   * without one). By default only the same host: compares the origin's host and port with the
   * request's `Host`. Cross-origin WebSockets bypass the browser's same-origin policy: accept
   * them only knowing what that exposes (cookie-authenticated endpoints most of all).
   * @example
   * ```ts
   * override checkOrigin(origin: string) {
   *   return new URL(origin).hostname.endsWith('.mydomain.com');
   * }
   * ```
   */
  checkOrigin(origin: string): boolean {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return false;
    }
    // URL drops a scheme's default port, which the Host header may still carry.
    const parsed = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(origin);
    const netloc = (parsed?.[1] ?? host).toLowerCase();
    return netloc === this.request.headers.get('Host');
  }

  /**
   * Picks one of the subprotocols the client offered (none: an empty list), or null for none.
   * Called once per handshake.
   */
  selectSubprotocol(_subprotocols: string[]): string | null {
    return null;
  }

  /**
   * permessage-deflate options, or null (the default) not to compress: an object, even empty,
   * accepts a client's offer. `{ compressionLevel, memLevel }` as zlib takes them.
   */
  getCompressionOptions(): CompressionOptions | null {
    return null;
  }

  /** Seconds between keep-alive pings: the `websocketPingInterval` setting (0 or unset: none). */
  get pingInterval(): number | null {
    return (this.settings.websocketPingInterval as number | undefined) ?? null;
  }

  /**
   * Seconds a ping waits for its pong before the connection is closed: the
   * `websocketPingTimeout` setting, by default (and at most) the interval; 0: never.
   */
  get pingTimeout(): number | null {
    return (this.settings.websocketPingTimeout as number | undefined) ?? null;
  }

  /** The largest message accepted (after decompression): `websocketMaxMessageSize`, 10 MiB. */
  get maxMessageSize(): number {
    return (
      (this.settings.websocketMaxMessageSize as number | undefined) ?? DEFAULT_MAX_MESSAGE_SIZE
    );
  }

  // ─── Talking ───────────────────────────────────────────────────────────────────────────────

  /**
   * Sends a message: a string as text, bytes as binary, an object as JSON text; `binary` sends
   * it as a binary message. The future is done once the bytes have gone to the kernel (for
   * flow control), and fails with WebSocketClosedError if the connection closes first.
   * @throws WebSocketClosedError if the connection is closed or closing
   */
  writeMessage(message: WebSocketMessage, options: WriteMessageOptions = {}): Future<void> {
    const connection = this.wsConnection;
    if (connection === null || connection.isClosing()) throw new WebSocketClosedError();
    return connection.writeMessage(encodeMessage(message), options.binary === true);
  }

  /**
   * Sends a ping with `data` (at most 125 bytes). `onPong` hears the answer.
   * @throws WebSocketClosedError if the connection is closed or closing
   */
  ping(data: string | Uint8Array = ''): void {
    const connection = this.wsConnection;
    if (connection === null || connection.isClosing()) throw new WebSocketClosedError();
    connection.writePing(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  /**
   * Starts the closing handshake: a close frame with `code` (RFC 6455 §7.4.1) and `reason`;
   * the connection closes once the peer answers, or after 5 seconds.
   */
  close(code: number | null = null, reason: string | null = null): void {
    const connection = this.wsConnection;
    if (connection !== null) {
      connection.close(code, reason);
      this.wsConnection = null;
    }
  }

  /** The subprotocol `selectSubprotocol` chose, or null. */
  get selectedSubprotocol(): string | null {
    return this.#selectedSubprotocol;
  }

  /** Turns Nagle's algorithm off (true) or on for the connection (see `IOStream.setNodelay`). */
  setNodelay(value: boolean): void {
    const stream = this.wsConnection?.stream as IOStream | null | undefined;
    stream?.setNodelay?.(value);
  }

  // ─── The end ───────────────────────────────────────────────────────────────────────────────

  /** The connection is gone: `onClose`, once. */
  override onConnectionClose(): void {
    const connection = this.wsConnection;
    if (connection !== null) {
      this.wsConnection = null;
      connection.abort();
    }
    if (!this.#onCloseCalled) {
      this.#onCloseCalled = true;
      try {
        this.onClose();
      } catch (error) {
        this.logException(error);
      }
    }
  }

  /** @internal The protocol ended (WebSocketDelegate). */
  onWsConnectionClose(closeCode: number | null, closeReason: string | null): void {
    this.closeCode = closeCode;
    this.closeReason = closeReason;
    this.onConnectionClose();
  }

  // ─── HTTP methods that no longer apply once the connection is a WebSocket ──────────────────

  override write(chunk: Chunk): void {
    checkHttp(this);
    super.write(chunk);
  }
  override flush(includeFooters?: boolean): Future<void> {
    checkHttp(this);
    return super.flush(includeFooters);
  }
  override finish(chunk?: Chunk | null): Future<void> {
    checkHttp(this);
    return super.finish(chunk);
  }
  override setHeader(name: string, value: HeaderValue): void {
    checkHttp(this);
    super.setHeader(name, value);
  }
  override setStatus(statusCode: number, reason?: string | null): void {
    checkHttp(this);
    super.setStatus(statusCode, reason);
  }
  override setCookie(name: string, value: string | Uint8Array, options?: CookieOptions): void {
    checkHttp(this);
    super.setCookie(name, value, options);
  }
  override redirect(url: string, options?: { permanent?: boolean; status?: number }): void {
    checkHttp(this);
    super.redirect(url, options);
  }

  override toString(): string {
    const connection = this.wsConnection;
    const state = !detached.has(this)
      ? 'handshake'
      : connection === null
        ? 'closed'
        : connection.isClosing()
          ? 'closing'
          : 'open';
    return `<${this.constructor.name} ${this.request.uri} ${state}>`;
  }

  override [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * The handlers whose connection is a WebSocket now. Not a private field: the base constructor
 * calls `setHeader` (through `setDefaultHeaders`) before a subclass's private fields exist.
 */
const detached = new WeakSet<WebSocketHandler>();

/** tornado's `_raise_not_supported_for_websockets`. */
function checkHttp(handler: WebSocketHandler): void {
  if (detached.has(handler)) throw new HandlerStateError('Method not supported for Web Sockets');
}

/** A message as the protocol sends it: an object as tornado's JSON. */
export function encodeMessage(message: WebSocketMessage): string | Uint8Array {
  if (typeof message === 'string' || message instanceof Uint8Array) return message;
  if (typeof message === 'object' && message !== null && !Array.isArray(message)) {
    return jsonEncode(message);
  }
  throw new TypeError(
    `writeMessage() expected a string, bytes or a plain object (JSON), got ${inspect(message)}`,
  );
}

/**
 * A request kept for the connection's life (the handler's `request`, as tornado keeps it): its
 * strings copied out of the request head's text, which would otherwise stay alive through them
 * (see `compactHeaders`).
 */
function compactRequest(request: HTTPServerRequest): void {
  compactHeaders(request.headers);
  request.uri = ownString(request.uri);
  request.path = ownString(request.path);
  request.query = ownString(request.query);
  // Most often the Host header's own value: then the same string, not a second copy.
  const host = request.headers.get('Host');
  request.host = host === request.host ? host : ownString(request.host);
}
