/**
 * Stream connections: asyncio's `open_connection()` and `start_server()`, with its `Server`.
 *
 * **Connecting** resolves the host off the main thread (getaddrinfo on a worker, as
 * `sockConnect` does; a numeric address skips it) and tries each address in turn, as asyncio's
 * `create_connection` does without happy eyeballs.
 *
 * **Serving.** Each listening socket has a loop reader that accepts up to `backlog` connections
 * per readiness (asyncio's `_accept_connection`). Each connection gets a reader, a transport and
 * a writer, and the handler runs as a Task of its own; a handler that throws is reported through
 * `loop.callExceptionHandler` and its connection closed, and the server goes on. When a handler
 * returns, its connection is closed after what it wrote is flushed (asyncio leaves that to the
 * garbage collector, which here would leak the fd).
 *
 * **Unix sockets** (`openUnixConnection`, `startUnixServer`) follow asyncio's
 * `create_unix_server`: a socket file left at the path by an earlier server is unlinked before
 * bind (only a socket: any other file is an error, never removed), and `close()` unlinks the file
 * again if it is still the one this server bound (same device and inode; Python 3.13's
 * `cleanup_socket`). A path starting with NUL is Linux's abstract namespace: no file to manage.
 *
 * **TLS** (`ssl`, as asyncio's). A client wraps its connected socket (SNI and the certificate
 * checked against `serverHostname`, by default `host`) and runs the handshake before it gives the
 * reader and writer; a server runs each accepted connection's handshake before its handler. Both
 * within `sslHandshakeTimeout` (asyncio's 60 s by default), through `waitFor`: past it, the
 * handshake stops, the socket is closed and the client gets `TimeoutError` (where asyncio raises
 * ConnectionAbortedError or TimeoutError depending on the version: here one class for every
 * timeout). A server's handshake runs as a task of its own and counts as a connection:
 * `waitClosed()` waits for it, `closeClients()` and `abortClients()` end it. One that fails or
 * times out costs only its connection, and is reported (through the loop's exception handler)
 * only in debug mode: asyncio logs it at debug level, as any peer that speaks no TLS, or leaves
 * midway, would otherwise fill the log.
 *
 * **Running out of fds.** accept() failing with EMFILE, ENFILE, ENOBUFS or ENOMEM would fail
 * again at once: the listening socket stays readable, so a level-triggered loop would spin on
 * it. Instead the server stops accepting for ACCEPT_RETRY_DELAY_MS (asyncio waits 1 s), while the
 * connections it has go on, and then listens again.
 */
import { statSync, unlinkSync, type Stats } from 'node:fs';
import { isIP } from 'node:net';
import { constants as osConstants } from 'node:os';
import { inspect } from 'node:util';
import { getRunningLoop, type EventLoop, type TimerHandle } from '@aio/loop';
import {
  Future,
  TimeoutError,
  getaddrinfo,
  isCancelledError,
  sockConnect,
  sslDoHandshake,
} from '@aio/future';
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  AF_UNSPEC,
  AI_PASSIVE,
  IPPROTO_IPV6,
  IPV6_V6ONLY,
  OSError,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_REUSEADDR,
  SO_REUSEPORT,
  Socket,
  type AddrInfo,
  type Address,
} from '@aio/selector';
import { SSLContext, createDefaultContext, type SSLSocket } from '@aio/selector/ssl';
import { createTask, isCoroutine, type Coroutine, type Task } from '../task';
import { formatAddress, formatValue, isThenable } from '@aio/selector/internal';
import { waitFor } from '../wait-for';
import { StreamReader } from './reader';
import { SocketTransport, type StreamEndpoint } from './transport';
import { StreamWriter } from './writer';

/** How long (ms) a server stops accepting after accept() ran out of fds or memory. */
export const ACCEPT_RETRY_DELAY_MS = 100;

/** What a server runs per connection: a generator function or an async function. */
export type ConnectionHandler = (
  reader: StreamReader,
  writer: StreamWriter,
) => Coroutine | PromiseLike<unknown> | void;

/** Options of `openConnection()` and `openUnixConnection()`. */
export interface OpenConnectionOptions {
  /** The reader's limit (see StreamReader). Default 64 KiB. */
  limit?: number;
  /** Default: the running loop, else the current one. */
  loop?: EventLoop;
  /**
   * Speak TLS (asyncio's `ssl`): a client SSLContext (`createDefaultContext()`, or one with
   * `loadVerifyLocations` for a private CA), or `true` for the default one (the system's CA
   * store, the hostname checked; made once and shared). Default: plain TCP.
   */
  ssl?: SSLContext | boolean | null;
  /**
   * With `ssl`: the name sent as SNI and checked against the server's certificate. Default:
   * `host`; `openUnixConnection()` has no host, and needs it. Unlike asyncio, `''` does not turn
   * the check off: use a context with `checkHostname = false`.
   */
  serverHostname?: string | null;
  /**
   * With `ssl`: how long (ms) the TLS handshake may take; past it the connection is closed
   * and `TimeoutError` thrown. Default 60 000, as asyncio.
   */
  sslHandshakeTimeout?: number | null;
}

/** Options of `startUnixServer()`. */
export interface StartUnixServerOptions extends Pick<OpenConnectionOptions, 'limit' | 'loop'> {
  /** listen()'s backlog, and the most connections accepted per readiness. Default 100. */
  backlog?: number;
  /**
   * Serve TLS (asyncio's `ssl`): a server SSLContext (`new SSLContext('server')` with
   * `loadCertChain`). Each connection's handshake runs before its handler. Default: plain.
   */
  ssl?: SSLContext | null;
  /**
   * With `ssl`: how long (ms) a client's TLS handshake may take; past it the connection is
   * closed, and the server goes on. Default 60 000, as asyncio.
   */
  sslHandshakeTimeout?: number | null;
}

/** Options of `startServer()`. */
export interface StartServerOptions extends StartUnixServerOptions {
  /** SO_REUSEPORT: several servers share the port. Default false. */
  reuseport?: boolean;
}

/** asyncio's `SSL_HANDSHAKE_TIMEOUT`: 60 s. */
const DEFAULT_SSL_HANDSHAKE_TIMEOUT = 60_000;

const OUT_OF_RESOURCES = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM']);
/** The peer gave up before we accepted: nothing to report, accept the next one. */
const ACCEPT_TRANSIENT = new Set(['ECONNABORTED', 'EPROTO', 'EPERM']);

/**
 * Connects to `host`:`port` and returns the connection's reader and writer (asyncio's
 * `open_connection`). With `ssl`, the TLS handshake is done first: it fails with the
 * `SSLError` (`SSLCertVerificationError` for a certificate not trusted or not for
 * `serverHostname`), or `TimeoutError` past `sslHandshakeTimeout`, and the socket is closed.
 * @example
 * ```ts
 * const [reader, writer] = yield* openConnection('127.0.0.1', 8888);
 * writer.write('ping\n');
 * console.log((yield* reader.readline()).toString());
 * writer.close();
 *
 * // TLS: the server's certificate checked against the system's CA store and 'example.com'.
 * const [tlsReader, tlsWriter] = yield* openConnection('example.com', 443, { ssl: true });
 * ```
 */
export function openConnection(
  host: string,
  port: number,
  options: OpenConnectionOptions = {},
): Task<[StreamReader, StreamWriter]> {
  const loop = options.loop ?? getRunningLoop('openConnection()');
  const limit = options.limit;
  new StreamReader({ limit }); // validates the limit now, with a clear error
  const tls = clientTls('openConnection', options, host);
  return createTask(
    function* (): Coroutine<[StreamReader, StreamWriter]> {
      const infos = yield* resolve(loop, host, port, 0);
      let lastError: unknown = null;
      for (const [family, type, proto, , address] of infos) {
        let sock: Socket | null = null;
        try {
          sock = new Socket(family, type, proto);
          sock.setBlocking(false);
          yield* sockConnect(loop, sock, address);
        } catch (error) {
          sock?.close();
          if (isCancelledError(error)) throw error;
          lastError = error;
          continue;
        }
        // Connected: a handshake that fails now is final (asyncio tries no other address).
        return yield* connectOver(loop, sock, limit, tls, `${host}:${port}`);
      }
      if (lastError !== null) throw lastError as Error; // as the socket or resolver threw it
      throw new Error(`openConnection() found no address for ${host}:${port}`);
    },
    { loop, name: `openConnection(${host}:${port})` },
  );
}

/**
 * Listens on `host`:`port` (every interface when host is null or '') and runs
 * `handler(reader, writer)` as a task for each connection (asyncio's `start_server`). Port 0
 * picks a free port: see `server.addresses()`. With `ssl` (a server SSLContext) each connection
 * does its TLS handshake before its handler runs; one that fails or takes longer than
 * `sslHandshakeTimeout` is closed, and the server goes on.
 * @example
 * ```ts
 * const server = yield* startServer(function* (reader, writer) {
 *   for (let line; (line = yield* reader.readline()).length > 0; ) {
 *     writer.write(line);
 *     yield* writer.drain();
 *   }
 * }, '127.0.0.1', 0);
 * const [, port] = server.addresses()[0] as [string, number];
 * ```
 */
export function startServer(
  handler: ConnectionHandler,
  host: string | null,
  port: number,
  options: StartServerOptions = {},
): Task<Server> {
  if (typeof handler !== 'function')
    throw new TypeError(`startServer() expected a handler function, got ${formatValue(handler)}`);
  const loop = options.loop ?? getRunningLoop('startServer()');
  const { backlog = 100, reuseport = false, limit } = options;
  checkBacklog('startServer', backlog);
  new StreamReader({ limit }); // validates the limit now, with a clear error
  const tls = serverTls('startServer', options);
  return createTask(
    function* (): Coroutine<Server> {
      const infos = yield* resolve(loop, host === '' ? null : host, port, AI_PASSIVE);
      const sockets: Socket[] = [];
      try {
        const seen = new Set<string>();
        for (const [family, type, proto, , address] of infos) {
          const key = `${family} ${JSON.stringify(address)}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const sock = new Socket(family, type, proto);
          sockets.push(sock);
          sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
          if (reuseport) sock.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
          // As asyncio: the IPv6 socket leaves IPv4 to the IPv4 one.
          if (family === AF_INET6) sock.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1);
          sock.bind(address);
          sock.listen(backlog);
          sock.setBlocking(false);
        }
      } catch (error) {
        for (const sock of sockets) sock.close();
        throw error;
      }
      if (sockets.length === 0)
        throw new Error(`startServer() found no address for ${String(host)}:${port}`);
      const server = new Server(loop, sockets, handler, { backlog, limit, tls });
      server.startServing();
      return server;
    },
    { loop, name: `startServer(${String(host)}:${port})` },
  );
}

/**
 * Connects to the Unix socket at `path` and returns the connection's reader and writer (asyncio's
 * `open_unix_connection`). TLS (`ssl`) works as over TCP, with `serverHostname` given.
 * @example
 * ```ts
 * const [reader, writer] = yield* openUnixConnection('/run/app.sock');
 * writer.write('ping\n');
 * console.log((yield* reader.readline()).toString());
 * writer.close();
 * ```
 */
export function openUnixConnection(
  path: string,
  options: OpenConnectionOptions = {},
): Task<[StreamReader, StreamWriter]> {
  checkPath('openUnixConnection', path);
  const loop = options.loop ?? getRunningLoop('openUnixConnection()');
  const limit = options.limit;
  new StreamReader({ limit }); // validates the limit now, with a clear error
  const tls = clientTls('openUnixConnection', options, null);
  return createTask(
    function* (): Coroutine<[StreamReader, StreamWriter]> {
      const sock = new Socket(AF_UNIX, SOCK_STREAM);
      try {
        sock.setBlocking(false);
        yield* sockConnect(loop, sock, path);
      } catch (error) {
        sock.close();
        throw error;
      }
      return yield* connectOver(loop, sock, limit, tls, path);
    },
    { loop, name: `openUnixConnection(${path})` },
  );
}

/**
 * Listens on the Unix socket at `path` and runs `handler(reader, writer)` as a task for each
 * connection (asyncio's `start_unix_server`). A socket file already at `path` is replaced; any
 * other file there is an error (EADDRINUSE). `close()` removes the socket file. TLS (`ssl`)
 * works as over TCP.
 * @example
 * ```ts
 * const server = yield* startUnixServer(function* (reader, writer) {
 *   writer.write(yield* reader.readline());
 * }, '/run/app.sock');
 * yield* server.serveForever();
 * ```
 */
export function startUnixServer(
  handler: ConnectionHandler,
  path: string,
  options: StartUnixServerOptions = {},
): Task<Server> {
  if (typeof handler !== 'function')
    throw new TypeError(
      `startUnixServer() expected a handler function, got ${formatValue(handler)}`,
    );
  checkPath('startUnixServer', path);
  const loop = options.loop ?? getRunningLoop('startUnixServer()');
  const { backlog = 100, limit } = options;
  checkBacklog('startUnixServer', backlog);
  new StreamReader({ limit }); // validates the limit now, with a clear error
  const tls = serverTls('startUnixServer', options);
  return createTask(
    // eslint-disable-next-line require-yield -- no lookup to wait for, but a Task as startServer()'s
    function* (): Coroutine<Server> {
      const abstract = path.startsWith('\0');
      if (!abstract) removeStaleSocket(path);
      const sock = new Socket(AF_UNIX, SOCK_STREAM);
      let bound: UnixSocketFile | undefined;
      try {
        sock.bind(path);
        if (!abstract) {
          const stats = statSync(path);
          bound = { path, dev: stats.dev, ino: stats.ino };
        }
        sock.listen(backlog);
        sock.setBlocking(false);
      } catch (error) {
        sock.close();
        if (bound !== undefined) unlinkIfOurs(bound);
        throw error;
      }
      const server = new Server(loop, [sock], handler, {
        backlog,
        limit,
        tls,
        socketFile: bound,
      });
      server.startServing();
      return server;
    },
    { loop, name: `startUnixServer(${path})` },
  );
}

/** The file a Unix server bound, to remove on close if nobody replaced it since. */
interface UnixSocketFile {
  path: string;
  dev: number;
  ino: number;
}

/** As asyncio: a socket file at `path` is left from an earlier server; anything else stays. */
function removeStaleSocket(path: string): void {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!stats.isSocket()) {
    throw new OSError(
      osConstants.errno.EADDRINUSE,
      'startUnixServer',
      path,
      'EADDRINUSE',
      'the path exists and is not a socket; not removing it',
    );
  }
  unlinkSync(path);
}

function unlinkIfOurs(file: UnixSocketFile): void {
  try {
    const stats = statSync(file.path);
    if (stats.dev === file.dev && stats.ino === file.ino) unlinkSync(file.path);
  } catch {
    // Already gone, or no longer ours to remove.
  }
}

function checkPath(caller: string, path: unknown): asserts path is string {
  if (typeof path !== 'string' || path.length === 0)
    throw new TypeError(`${caller}() expected a socket path, got ${formatValue(path)}`);
}

function checkBacklog(caller: string, backlog: number): void {
  if (!Number.isInteger(backlog) || backlog < 0)
    throw new RangeError(`${caller}() expected backlog >= 0, got ${formatValue(backlog)}`);
}

// ─── TLS ─────────────────────────────────────────────────────────────────────────────────────

/** A call's `ssl` options, checked up front (see clientTls and serverTls). */
interface Tls {
  context: SSLContext;
  /** A client's: the name sent as SNI and checked; null for a server. */
  serverHostname: string | null;
  /** The handshake's time limit, in ms. */
  timeout: number;
}

/** `ssl: true`'s context, made on first use: loading the system's CA store takes tens of ms. */
let defaultClientContext: SSLContext | null = null;

/** A client's `ssl`, `serverHostname` and `sslHandshakeTimeout`, checked; null for plain. */
function clientTls(
  caller: string,
  options: OpenConnectionOptions,
  host: string | null,
): Tls | null {
  const { ssl = null, serverHostname = null, sslHandshakeTimeout = null } = options;
  if (ssl === null || ssl === false) {
    // As asyncio's ValueErrors: a TLS option without TLS is a mistake, not something to ignore.
    if (serverHostname !== null)
      throw new TypeError(
        `${caller}() takes serverHostname only with ssl, got ${formatValue(serverHostname)} and no ssl`,
      );
    checkNoHandshakeTimeout(caller, sslHandshakeTimeout);
    return null;
  }
  let context: SSLContext;
  if (ssl === true) {
    context = defaultClientContext ??= createDefaultContext();
  } else if (ssl instanceof SSLContext) {
    // Python refuses a PROTOCOL_TLS_SERVER context on the client side too.
    if (ssl.role !== 'client')
      throw new TypeError(
        `${caller}() expected ssl to be a client SSLContext (createDefaultContext()), got ${formatValue(ssl)}`,
      );
    context = ssl;
  } else {
    throw new TypeError(
      `${caller}() expected ssl to be an SSLContext or true, got ${formatValue(ssl)}`,
    );
  }
  if (serverHostname !== null && (typeof serverHostname !== 'string' || serverHostname === ''))
    throw new TypeError(
      `${caller}() expected serverHostname to be a non-empty string, got ${formatValue(serverHostname)}`,
    );
  const name = serverHostname ?? host;
  if (name === null)
    throw new TypeError(
      `${caller}() with ssl needs serverHostname: a Unix socket has no host name`,
    );
  return {
    context,
    serverHostname: name,
    timeout: checkHandshakeTimeout(caller, sslHandshakeTimeout),
  };
}

/** A server's `ssl` and `sslHandshakeTimeout`, checked; null for plain. */
function serverTls(caller: string, options: StartUnixServerOptions): Tls | null {
  const { ssl = null, sslHandshakeTimeout = null } = options;
  if (ssl === null) {
    checkNoHandshakeTimeout(caller, sslHandshakeTimeout);
    return null;
  }
  if (!(ssl instanceof SSLContext) || ssl.role !== 'server')
    throw new TypeError(
      `${caller}() expected ssl to be a server SSLContext (new SSLContext('server') with loadCertChain), got ${formatValue(ssl)}`,
    );
  return {
    context: ssl,
    serverHostname: null,
    timeout: checkHandshakeTimeout(caller, sslHandshakeTimeout),
  };
}

function checkNoHandshakeTimeout(caller: string, ms: unknown): void {
  if (ms !== null)
    throw new TypeError(
      `${caller}() takes sslHandshakeTimeout only with ssl, got ${formatValue(ms)} and no ssl`,
    );
}

function checkHandshakeTimeout(caller: string, ms: unknown): number {
  if (ms === null) return DEFAULT_SSL_HANDSHAKE_TIMEOUT;
  if (typeof ms !== 'number')
    throw new TypeError(
      `${caller}() expected sslHandshakeTimeout in milliseconds, got ${formatValue(ms)}`,
    );
  if (!(ms > 0 && Number.isFinite(ms)))
    throw new RangeError(`${caller}() expected sslHandshakeTimeout > 0 ms, got ${ms}`);
  return ms;
}

/**
 * The TLS handshake of `tls` within `ms` (asyncio's `ssl_handshake_timeout`): past it the
 * handshake stops and TimeoutError is thrown. Closing the socket, whatever happens, is the
 * caller's.
 */
function* handshake(loop: EventLoop, tls: SSLSocket, ms: number, peer: string): Coroutine<void> {
  const handshaking = sslDoHandshake(loop, tls);
  try {
    yield* waitFor(handshaking, ms);
  } catch (error) {
    // waitFor's own timeout (not an ETIMEDOUT from the socket): say what took too long.
    if (error instanceof TimeoutError && handshaking.cancelled())
      throw new TimeoutError(`the TLS handshake with ${peer} took longer than ${ms} ms`, {
        cause: error,
      });
    throw error;
  }
}

/**
 * A listening server (asyncio's `Server`): `close()` stops listening, `waitClosed()` waits for
 * its connections to end too.
 */
export class Server {
  readonly #loop: EventLoop;
  #sockets: Socket[];
  readonly #handler: ConnectionHandler;
  readonly #backlog: number;
  readonly #limit: number | undefined;
  readonly #tls: Tls | null;
  /** A Unix server's socket file, removed on close. */
  readonly #socketFile: UnixSocketFile | undefined;
  #serving = false;
  #closed = false;
  /** Accepting is off for a while after accept() ran out of resources. */
  #backoff: TimerHandle | null = null;
  readonly #connections = new Set<SocketTransport<StreamEndpoint>>();
  /**
   * A TLS server's connections still in their handshake, each as its task, with its socket.
   * They count as connections: waitClosed() waits for them, closeClients() ends them.
   */
  readonly #handshakes = new Map<Task<void>, SSLSocket>();
  /** asyncio's `Server._detach`: a connection ended (one function for all of them). */
  readonly #detach = (transport: SocketTransport<StreamEndpoint>): void => {
    this.#connections.delete(transport);
    this.#wakeCloseWaiters();
  };
  #closeWaiters: Future<void>[] = [];
  #serveForever: Future<void> | null = null;

  /** Use `startServer()` or `startUnixServer()`. */
  constructor(
    loop: EventLoop,
    sockets: Socket[],
    handler: ConnectionHandler,
    options: {
      backlog: number;
      limit?: number | undefined;
      tls?: Tls | null;
      socketFile?: UnixSocketFile | undefined;
    },
  ) {
    this.#loop = loop;
    this.#sockets = sockets;
    this.#handler = handler;
    this.#backlog = options.backlog;
    this.#limit = options.limit;
    this.#tls = options.tls ?? null;
    this.#socketFile = options.socketFile;
  }

  /** The listening sockets (empty once closed). */
  get sockets(): readonly Socket[] {
    return this.#sockets;
  }

  /** The addresses it listens on (`['127.0.0.1', 40123]` …). */
  addresses(): Address[] {
    return this.#sockets.map((sock) => sock.getsockname());
  }

  /** The connections open now (with a TLS server's still in their handshake). */
  get connectionCount(): number {
    return this.#connections.size + this.#handshakes.size;
  }

  isServing(): boolean {
    return this.#serving && !this.#closed;
  }

  /** Starts accepting (startServer() does). */
  startServing(): void {
    if (this.#serving || this.#closed) return;
    this.#serving = true;
    this.#listen();
  }

  /**
   * Accepts until cancelled; cancelling it closes the server. Also ends (cancelled) if the
   * server is closed.
   */
  serveForever(): Future<void> {
    if (this.#closed) throw new ServerClosedError('serveForever() on a closed server');
    if (this.#serveForever !== null)
      throw new ServerClosedError('serveForever() is already running');
    this.startServing();
    const forever = new Future<void>(this.#loop);
    this.#serveForever = forever;
    forever.addDoneCallback(() => {
      this.#serveForever = null;
      this.close();
    });
    return forever;
  }

  /**
   * Stops listening and closes the listening sockets (a Unix server removes its socket file);
   * open connections go on (see closeClients). Closing twice is harmless.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#serving = false;
    this.#unlisten();
    for (const sock of this.#sockets) sock.close();
    this.#sockets = [];
    if (this.#socketFile !== undefined) unlinkIfOurs(this.#socketFile);
    this.#serveForever?.cancel();
    this.#wakeCloseWaiters();
  }

  /** Closes every open connection (flushing what is buffered), and ends pending handshakes. */
  closeClients(): void {
    this.#endHandshakes();
    for (const transport of [...this.#connections]) transport.close();
  }

  /** Closes every open connection at once, and ends pending handshakes. */
  abortClients(): void {
    this.#endHandshakes();
    for (const transport of [...this.#connections]) transport.abort();
  }

  /** Ends the connections still in their TLS handshake: they have nothing to flush. */
  #endHandshakes(): void {
    for (const [task, tls] of this.#handshakes) {
      if (task.cancel()) continue; // its done callback closes the socket
      // Done, its callback not yet run: nothing watches the socket any more; close it here.
      this.#handshakes.delete(task);
      tls.close();
    }
    this.#wakeCloseWaiters();
  }

  /** Done once the server is closed and its connections have all ended. */
  waitClosed(): Future<void> {
    const waiter = new Future<void>(this.#loop);
    this.#closeWaiters.push(waiter);
    this.#wakeCloseWaiters();
    return waiter;
  }

  #wakeCloseWaiters(): void {
    if (!this.#closed || this.#connections.size > 0 || this.#handshakes.size > 0) return;
    const waiters = this.#closeWaiters;
    this.#closeWaiters = [];
    for (const waiter of waiters) if (!waiter.done()) waiter.setResult();
  }

  #listen(): void {
    for (const sock of this.#sockets) this.#loop.addReader(sock, Server.#onAcceptable, this, sock);
  }

  #unlisten(): void {
    this.#backoff?.cancel();
    this.#backoff = null;
    for (const sock of this.#sockets) this.#loop.removeReader(sock);
  }

  static #onAcceptable(this: void, server: Server, sock: Socket): void {
    for (let i = 0; i < Math.max(server.#backlog, 1); i++) {
      if (!server.isServing()) return;
      let accepted: [Socket, Address] | null;
      try {
        accepted = sock.tryAccept();
      } catch (error) {
        const code = error instanceof OSError ? error.code : '';
        if (ACCEPT_TRANSIENT.has(code)) continue;
        server.#loop.callExceptionHandler({
          message: OUT_OF_RESOURCES.has(code)
            ? `accept() ran out of resources; not accepting for ${ACCEPT_RETRY_DELAY_MS} ms`
            : `accept() failed; not accepting for ${ACCEPT_RETRY_DELAY_MS} ms`,
          exception: error,
          socket: sock,
        });
        // Readiness is level-triggered: listening on would fail again at once, in a spin.
        server.#unlisten();
        server.#backoff = server.#loop.callLater(ACCEPT_RETRY_DELAY_MS, () => {
          server.#backoff = null;
          if (server.isServing()) server.#listen();
        });
        return;
      }
      if (accepted === null) return;
      server.#serve(accepted[0], accepted[1]);
    }
  }

  /** A new connection: its handler runs now, or after its TLS handshake. */
  #serve(conn: Socket, address: Address): void {
    if (this.#tls === null) this.#runHandler(conn);
    else this.#startHandshake(conn, address, this.#tls);
  }

  /**
   * Runs a TLS connection's handshake as a task, then its handler. One that fails or times out
   * is closed, and reported only in debug mode (see the header).
   */
  #startHandshake(conn: Socket, address: Address, { context, timeout }: Tls): void {
    const loop = this.#loop;
    let tls: SSLSocket;
    try {
      tls = context.wrapSocket(conn, { serverSide: true });
    } catch (error) {
      conn.close();
      loop.callExceptionHandler({ message: 'Error setting up a connection', exception: error });
      return;
    }
    // A Unix client's socket is usually unnamed: its address is ''.
    const peer = formatAddress(address) || 'a client';
    const task = createTask(handshake(loop, tls, timeout, peer), {
      loop,
      name: `TLS handshake with ${peer}`,
    });
    this.#handshakes.set(task, tls);
    task.addDoneCallback(() => {
      const error = task.cancelled() ? null : task.exception(); // retrieved in every case
      if (!this.#handshakes.delete(task)) return; // closeClients() closed it already
      if (error === undefined) {
        this.#runHandler(tls);
        return;
      }
      if (error !== null && loop.getDebug()) {
        loop.callExceptionHandler({
          message: 'TLS handshake failed',
          exception: error,
          socket: tls,
          peername: address,
        });
      }
      tls.close();
      this.#wakeCloseWaiters();
    });
  }

  /** Runs the handler on a connection (over TLS: its handshake done). */
  #runHandler(conn: Socket | SSLSocket): void {
    const loop = this.#loop;
    let reader: StreamReader;
    let writer: StreamWriter;
    try {
      [reader, writer] = connect(loop, conn, this.#limit, this.#detach);
    } catch (error) {
      conn.close();
      loop.callExceptionHandler({ message: 'Error setting up a connection', exception: error });
      return;
    }
    const transport = writer.transport;
    this.#connections.add(transport);
    const handler = this.#handler;
    const task = createTask(
      () => {
        // A plain function is a handler too (asyncio's client_connected_cb may be one).
        const outcome = handler(reader, writer);
        return isCoroutine(outcome) || isThenable(outcome) ? outcome : Promise.resolve(outcome);
      },
      { loop },
    );
    transportOf.set(task, transport);
    task.addDoneCallback(onHandlerDone);
  }

  /** `<Server sockets=[127.0.0.1:40123] serving connections=2>` (`tls` for a TLS server) */
  toString(): string {
    const addresses = this.#sockets.map((sock) => {
      try {
        return formatAddress(sock.getsockname());
      } catch {
        return '?';
      }
    });
    const state = this.#closed ? 'closed' : this.#serving ? 'serving' : 'idle';
    const tls = this.#tls === null ? '' : ' tls';
    return `<Server sockets=[${addresses.join(', ')}] ${state}${tls} connections=${this.connectionCount}>`;
  }

  get [Symbol.toStringTag](): string {
    return 'Server';
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * Each connection handler's task → its transport, for `onHandlerDone`: one shared callback and a
 * table entry cost an idle connection less than a closure over both.
 */
const transportOf = new WeakMap<Task, SocketTransport<StreamEndpoint>>();

/** A connection handler ended: report what it threw, and close its connection. */
function onHandlerDone(task: Task): void {
  const transport = transportOf.get(task)!;
  transportOf.delete(task);
  if (!task.cancelled()) {
    const error = task.exception();
    if (error !== undefined) {
      task.getLoop().callExceptionHandler({
        message: 'Unhandled exception in a connection handler',
        exception: error,
        task,
        transport,
      });
    }
  }
  transport.close();
}

/** serveForever() on a server that cannot serve forever now. */
export class ServerClosedError extends Error {
  override name = 'ServerClosedError';
  readonly code = 'ERR_AIO_SERVER_CLOSED';
}

/**
 * A client's connected socket as a reader and a writer, after the TLS handshake with `tls`.
 * On any failure or cancellation the socket is closed.
 */
function* connectOver(
  loop: EventLoop,
  sock: Socket,
  limit: number | undefined,
  tls: Tls | null,
  peer: string,
): Coroutine<[StreamReader, StreamWriter]> {
  let endpoint: Socket | SSLSocket = sock;
  try {
    if (tls !== null) {
      const { context, serverHostname, timeout } = tls;
      endpoint = context.wrapSocket(sock, { serverSide: false, serverHostname });
      yield* handshake(loop, endpoint, timeout, peer);
    }
    return connect(loop, endpoint, limit);
  } catch (error) {
    endpoint.close(); // an SSLSocket closes its socket too
    throw error;
  }
}

/** A connected socket (or TLS connection) as a reader and a writer. */
function connect(
  loop: EventLoop,
  sock: Socket | SSLSocket,
  limit: number | undefined,
  onConnectionLost?: (transport: SocketTransport<StreamEndpoint>) => void,
): [StreamReader, StreamWriter] {
  const reader = new StreamReader({ limit, loop });
  const transport = new SocketTransport(loop, sock, reader, { onConnectionLost });
  return [reader, new StreamWriter(transport, reader, loop)];
}

/** getaddrinfo for stream sockets, off the main thread; a numeric host needs no lookup. */
function* resolve(
  loop: EventLoop,
  host: string | null,
  port: number,
  flags: number,
): Coroutine<AddrInfo[]> {
  const family = host === null ? 0 : isIP(host);
  if (family !== 0) {
    return [[family === 6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0, '', [host!, port]]];
  }
  const infos = yield* getaddrinfo(loop, host, port, AF_UNSPEC, SOCK_STREAM, 0, flags);
  if (infos.length === 0)
    throw new Error(`getaddrinfo() found no address for ${String(host)}:${port}`);
  return infos;
}
