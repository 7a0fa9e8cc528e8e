/**
 * `@aio/tornado/tcpclient`: tornado's `TCPClient` (tornado/tcpclient.py) — a non-blocking TCP
 * connection factory: resolves the host off the loop's thread, then connects with "Happy
 * Eyeballs" (the first address's family first, the other 300 ms later or as soon as an attempt
 * fails; the first connection made wins), and gives the connection as an IOStream.
 *
 * With `sslOptions` the connection is then upgraded to TLS (`startTls`, with `host` as the
 * server name checked and sent as SNI), within the same `timeout`, and the stream is an
 * SSLIOStream. `sslOptions: {}` is a client that trusts the system's CA store.
 *
 * @module @aio/tornado/tcpclient
 */
import { Future } from '@aio/future';
import { createTask } from '@aio/coroutine';
import { AF_INET6, AF_UNSPEC, SOCK_STREAM, Socket, type Address } from '@aio/selector';
import { TimeoutError, withTimeout } from './gen';
import { IOLoop, Timedelta } from './ioloop';
import { IOStream, SSLHandshakeTimeoutError, StreamClosedError } from './iostream';
import { sslOptionsToContext, type SSLOptions } from './netutil/ssl';
import { checkInteger, optionTypeError, optionValueError } from './log/errors';
import { Resolver, type ResolvedAddress } from './netutil';
import { Connector } from './tcpclient/connector';

/** Options of `TCPClient.connect`. */
export interface ConnectOptions {
  /** `AF_INET` or `AF_INET6` to use one family only. Default `AF_UNSPEC`: whatever resolves. */
  af?: number;
  /** The stream's `maxBufferSize`. Default 100 MiB. */
  maxBufferSize?: number;
  /** The local address to connect from. */
  sourceIp?: string;
  /** The local port to connect from (with no `sourceIp`: from the loopback address). */
  sourcePort?: number;
  /**
   * The most the whole connect may take — resolving, then connecting — in milliseconds from now,
   * or a Timedelta: then TimeoutError, and every attempt is closed.
   */
  timeout?: number | Timedelta;
  /**
   * Connect with TLS: a shared SSLContext, or tornado's dictionary camelCased (`{}` for the
   * defaults: the system's CAs, hostname checked; `{ caCerts }` to trust others).
   */
  sslOptions?: SSLOptions;
}

/**
 * tornado's TCPClient.
 * @example
 * ```ts
 * const client = new TCPClient();
 * const stream = yield* client.connect('localhost', 8888, { timeout: 5_000 });
 * yield* stream.write('hello\n');
 * ```
 */
export class TCPClient {
  readonly resolver: Resolver;
  readonly #ownResolver: boolean;

  /** @param resolver how names are resolved; default `new Resolver()` (closed by `close()`) */
  constructor(resolver?: Resolver) {
    if (resolver !== undefined && !(resolver instanceof Resolver)) {
      throw optionTypeError('new TCPClient()', 'resolver', 'a Resolver', resolver);
    }
    this.#ownResolver = resolver === undefined;
    this.resolver = resolver ?? new Resolver();
  }

  /** Closes the resolver, if the client made it. */
  close(): void {
    if (this.#ownResolver) this.resolver.close();
  }

  /**
   * Connects to `host` and `port`. The future is the connected IOStream; it fails with the last
   * connection error (`ConnectionRefusedError`, …) if every address failed, a GaiError if the
   * host does not resolve, TimeoutError past `timeout`.
   * @throws TypeError or RangeError for bad arguments
   */
  connect(host: string, port: number, options: ConnectOptions = {}): Future<IOStream> {
    const where = 'TCPClient.connect()';
    if (typeof host !== 'string' || host === '') {
      throw optionTypeError(where, 'host', 'a non-empty string', host);
    }
    checkInteger(where, 'port', port, 0);
    if (port > 65535) throw optionValueError(where, 'port', 'an integer from 0 to 65535', port);
    if (typeof options !== 'object' || options === null) {
      throw optionTypeError(where, 'options', 'an object', options);
    }
    const { sslOptions } = options;
    // Built (or found) now: bad options fail before anything connects.
    if (sslOptions !== undefined && sslOptions !== null) sslOptionsToContext(sslOptions, false);
    const af = checkInteger(where, 'af', options.af ?? AF_UNSPEC, 0);
    const { maxBufferSize, sourceIp, sourcePort } = options;
    if (sourceIp !== undefined && typeof sourceIp !== 'string') {
      throw optionTypeError(where, 'sourceIp', 'a string', sourceIp);
    }
    if (sourcePort !== undefined) checkInteger(where, 'sourcePort', sourcePort, 0);
    const ioloop = IOLoop.current();
    let deadline: number | null = null;
    if (options.timeout !== undefined) {
      const { timeout } = options;
      if (timeout instanceof Timedelta) deadline = ioloop.time() + timeout.ms;
      else if (typeof timeout === 'number' && Number.isFinite(timeout) && timeout >= 0) {
        deadline = ioloop.time() + timeout;
      } else {
        throw optionTypeError(where, 'timeout', 'milliseconds (>= 0) or a Timedelta', timeout);
      }
    }
    const resolver = this.resolver;
    const createStream = (family: number, address: Address): [IOStream, Future<IOStream>] =>
      this.#createStream(family, address, maxBufferSize, sourceIp, sourcePort);
    return createTask(function* connect(): Generator<unknown, IOStream, unknown> {
      const resolving = resolver.resolve(host, port, af);
      const addrinfo: ResolvedAddress[] =
        deadline === null ? yield* resolving : yield* withTimeout(deadline, resolving);
      const connector = new Connector(addrinfo, createStream);
      let connected = false;
      let stream: IOStream;
      try {
        [, , stream] = yield* connector.start(undefined, deadline);
        connected = true;
      } finally {
        // Cancelled while connecting: stop trying, and close every attempt (a winner too).
        if (!connected) connector.abort();
      }
      if (sslOptions === undefined || sslOptions === null) return stream;
      // The rest of the time, if any, is the handshake's: past it the stream closes itself.
      const handshakeTimeout =
        deadline === null ? undefined : Math.max(1, Math.ceil(deadline - ioloop.time()));
      try {
        return yield* stream.startTls(false, sslOptions, host, { handshakeTimeout });
      } catch (error) {
        if (
          error instanceof StreamClosedError &&
          error.realError instanceof SSLHandshakeTimeoutError
        ) {
          throw new TimeoutError('Timeout');
        }
        throw error;
      }
    });
  }

  #createStream(
    family: number,
    address: Address,
    maxBufferSize: number | undefined,
    sourceIp: string | undefined,
    sourcePort: number | undefined,
  ): [IOStream, Future<IOStream>] {
    const sock = new Socket(family, SOCK_STREAM);
    const port = sourcePort ?? 0;
    // A source port with no source address: from the loopback address of the family.
    const ip = sourceIp ?? (port !== 0 ? (family === AF_INET6 ? '::1' : '127.0.0.1') : undefined);
    if (ip !== undefined) {
      try {
        sock.bind([ip, port]);
      } catch (error) {
        sock.close();
        throw error; // loudly: the source address cannot be used
      }
    }
    const stream = new IOStream(sock, maxBufferSize === undefined ? {} : { maxBufferSize });
    // The attempt fails with what failed it (ConnectionRefusedError, …), not the stream's
    // StreamClosedError around it: that is the error connect() reports when all attempts fail.
    const attempt = new Future<IOStream>(stream.ioloop.asyncioLoop);
    stream.connect(address).addDoneCallback((done) => {
      if (attempt.done()) return;
      if (done.cancelled()) attempt.cancel();
      else {
        const error = done.exception();
        if (error === undefined) attempt.setResult(done.result());
        else
          attempt.setException(
            error instanceof StreamClosedError && error.realError !== null
              ? error.realError
              : error,
          );
      }
    });
    return [stream, attempt];
  }
}
