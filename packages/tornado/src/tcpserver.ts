/**
 * `@aio/tornado/tcpserver`: tornado's `TCPServer` (tornado/tcpserver.py) — a non-blocking,
 * single-threaded TCP server on aio's IOLoop. Subclass it and override `handleStream`, which
 * gets each connection as an `IOStream`; it may be a generator coroutine or an async function,
 * and what it throws is logged to `tornado.application`, never fatal to the server.
 *
 * With `sslOptions` (a shared SSLContext, or tornado's dictionary camelCased: `{ certfile,
 * keyfile }`) every connection is an `SSLIOStream`, its handshake started on accept:
 * `handleStream` gets it at once, and its first read waits for the handshake. A handshake that
 * fails closes just that stream (logged as a warning, as tornado does); one that takes longer
 * than `handshakeTimeout` (default 120 s, as Node's tls) too.
 *
 * @module @aio/tornado/tcpserver
 */
import { inspect } from 'node:util';
import { Socket, type Address } from '@aio/selector';
import { Future } from '@aio/future';
import { convertYielded } from './gen/convert';
import { IOLoop } from './ioloop';
import { IOStream, SSLIOStream } from './iostream';
import { sslOptionsToContext, type SSLOptions } from './netutil/ssl';
import type { SSLContext } from '@aio/selector/ssl';
import { appLog } from './log';
import { checkInteger, optionTypeError } from './log/errors';
import { addAcceptHandler, bindSockets, type BindSocketsOptions } from './netutil';
import { forkProcesses } from './process';

/** Options of `new TCPServer()`. */
export interface TCPServerOptions {
  /** Each connection's IOStream `maxBufferSize`. Default 100 MiB. */
  maxBufferSize?: number;
  /**
   * Serve TLS: a shared SSLContext (`new SSLContext('server')` with `loadCertChain`), or
   * tornado's dictionary camelCased (`{ certfile, keyfile, caCerts, certReqs, ciphers,
   * alpnProtocols }`), built into a context once, here.
   */
  sslOptions?: SSLOptions;
  /** With `sslOptions`: milliseconds a client's handshake may take. Default 120 000. */
  handshakeTimeout?: number;
}

const DEFAULT_HANDSHAKE_TIMEOUT = 120_000;

/**
 * tornado's TCPServer: accepts connections on the current IOLoop and hands each to
 * `handleStream` as an IOStream.
 * @example
 * ```ts
 * class EchoServer extends TCPServer {
 *   override async handleStream(stream: IOStream) {
 *     for (;;) await stream.write(await stream.readUntil('\n'));
 *   }
 * }
 * const server = new EchoServer();
 * server.listen(8888, '127.0.0.1');
 * await IOLoop.current().start();
 * ```
 */
export class TCPServer {
  readonly maxBufferSize: number | undefined;
  /** The TLS context connections are served with, or null for plain TCP. */
  readonly sslContext: SSLContext | null;
  readonly handshakeTimeout: number;
  /** The listening sockets, by fd, and the function that stops accepting on each. */
  readonly #sockets = new Map<number, [Socket, () => void]>();
  /** Bound by `bind()`, listening once `start()` is called. */
  #pending: Socket[] = [];
  #started = false;
  #stopped = false;

  constructor(options: TCPServerOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw optionTypeError('new TCPServer()', 'options', 'an object', options);
    }
    this.maxBufferSize =
      options.maxBufferSize === undefined
        ? undefined
        : checkInteger('new TCPServer()', 'maxBufferSize', options.maxBufferSize, 1);
    this.handshakeTimeout = checkInteger(
      'new TCPServer()',
      'handshakeTimeout',
      options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT,
      1,
    );
    // Built now: a missing certificate fails here, not at the first connection.
    this.sslContext =
      options.sslOptions === undefined || options.sslOptions === null
        ? null
        : sslOptionsToContext(options.sslOptions, true);
  }

  /**
   * Listens on `port` (0: a free one) on `address` (every interface if omitted): `bindSockets`,
   * then `addSockets`. Call it before the loop starts, or from inside it.
   */
  listen(port: number, address: string | null = null, options: BindSocketsOptions = {}): void {
    this.addSockets(bindSockets(port, address, options));
  }

  /** Starts accepting on listening sockets made elsewhere (`bindSockets`, a parent process). */
  addSockets(sockets: Iterable<Socket>): void {
    for (const sock of sockets) {
      if (!(sock instanceof Socket)) {
        throw optionTypeError('addSockets()', 'a socket', 'an aio Socket', sock);
      }
      const stop = addAcceptHandler(sock, (conn, address) => this.#handleConnection(conn, address));
      this.#sockets.set(sock.fileno(), [sock, stop]);
    }
  }

  /** One listening socket: `addSockets([socket])`. */
  addSocket(socket: Socket): void {
    this.addSockets([socket]);
  }

  /**
   * Binds to `port` without accepting yet; `start()` begins. (tornado's two-step start, for
   * several processes; `listen` does both at once.)
   */
  bind(port: number, address: string | null = null, options: BindSocketsOptions = {}): void {
    const sockets = bindSockets(port, address, options);
    if (this.#started) this.addSockets(sockets);
    else this.#pending.push(...sockets);
  }

  /**
   * Starts accepting on the sockets `bind` made. With `numProcesses` other than 1 (0 or null: one
   * per processor), first starts that many worker processes with `forkProcesses`
   * (@aio/tornado/process), each running this program and accepting on the same sockets: in the
   * supervisor the promise never resolves; in each worker it resolves once accepting.
   * @example
   * ```ts
   * const server = new EchoServer();
   * server.bind(8888, '127.0.0.1');
   * await server.start(0); // a worker per processor, from here on
   * await IOLoop.current().start();
   * ```
   * @throws TypeError if started already
   */
  start(numProcesses: number | null = 1, maxRestarts?: number): Promise<void> {
    if (this.#started) throw new TypeError('TCPServer.start(): started already');
    this.#started = true;
    if (numProcesses === 1) {
      this.#acceptPending();
      return Promise.resolve();
    }
    return forkProcesses(numProcesses, maxRestarts === undefined ? {} : { maxRestarts }).then(() =>
      this.#acceptPending(),
    );
  }

  #acceptPending(): void {
    const sockets = this.#pending;
    this.#pending = [];
    this.addSockets(sockets);
  }

  /**
   * Stops listening: no new connection is accepted, and the listening sockets are closed.
   * Connections in progress go on. Calling it twice is fine.
   */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const [sock, stopAccepting] of this.#sockets.values()) {
      stopAccepting();
      sock.close();
    }
    this.#sockets.clear();
    for (const sock of this.#pending.splice(0)) sock.close();
  }

  /**
   * Called for each new connection, with its stream and its peer's address. Override it: a
   * plain method, a generator method (run as a coroutine) or an async method; what it returns
   * is waited for on the loop. If it throws or fails, its stream is closed and the error logged
   * to `tornado.application`; the server goes on. If it returns, the stream stays open: it is
   * the handler's to close (or to hand on).
   */
  handleStream(stream: IOStream, address: Address): unknown;
  handleStream(): unknown {
    throw new TypeError(`${this.constructor.name} does not override handleStream()`);
  }

  // #region handle-connection
  #handleConnection(connection: Socket, address: Address): void {
    let stream: IOStream | null = null;
    try {
      const streamOptions =
        this.maxBufferSize === undefined ? {} : { maxBufferSize: this.maxBufferSize };
      stream =
        this.sslContext === null
          ? new IOStream(connection, streamOptions)
          : new SSLIOStream(connection, {
              ...streamOptions,
              sslOptions: this.sslContext,
              serverSide: true,
              handshakeTimeout: this.handshakeTimeout,
            });
      const result = this.handleStream(stream, address);
      if (result === undefined || result === null) return;
      const future = convertYielded(result);
      if (!(future instanceof Future)) return; // moment: nothing to wait for
      const opened = stream;
      IOLoop.current().addFuture(future, (done) => {
        // A handler that failed is done with its stream: close it, or its fd would stay open
        // (Python's refcounting closes tornado's). Then the failure is logged.
        if (!done.cancelled() && done.exception() !== undefined) opened.close();
        return done.result();
      });
    } catch (error) {
      if (stream !== null) stream.close();
      else if (!connection.closed) connection.close();
      appLog.error(error, 'Error in connection callback');
    }
  }
  // #endregion handle-connection

  /** `<TCPServer listening on 127.0.0.1:8888>` */
  toString(): string {
    const addresses = [...this.#sockets.values()].map(([sock]) => {
      const address = sock.getsockname();
      return Array.isArray(address)
        ? `${String(address[0])}:${String(address[1])}`
        : String(address);
    });
    const state = this.#stopped
      ? 'stopped'
      : addresses.length > 0
        ? `listening on ${addresses.join(', ')}`
        : 'not listening';
    return `<${this.constructor.name} ${state}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
