/**
 * tornado's `SSLIOStream`: an IOStream over TLS, on @aio/selector's SSLSocket (OpenSSL on the
 * socket's fd) and the same transport as every other stream.
 *
 * The handshake is part of getting ready, as connecting is: a stream made on a connected socket
 * (a server's accepted connection) starts it at once, `connect()` starts it once the TCP
 * connection is made. Reads wait and writes are kept until it is done; `waitForHandshake()` is
 * its future. If it fails (a bad certificate, a peer that speaks no TLS, one that leaves
 * midway), the stream closes with the SSLError as its `error`; with `handshakeTimeout`, one
 * that takes too long closes it with an SSLHandshakeTimeoutError.
 */
import type { Handle } from '@aio/loop';
import { Future, sockConnect, sslDoHandshake } from '@aio/future';
import type { Address, Socket } from '@aio/selector';
import {
  SSLEOFError,
  type PeerCertificate,
  type SSLContext,
  type SSLSocket,
} from '@aio/selector/ssl';
import { genLog } from '../log';
import { checkInteger, optionTypeError } from '../log/errors';
import { sslOptionsToContext, type SSLOptions } from '../netutil/ssl';
import { SSLHandshakeTimeoutError, describeError } from './errors';
import {
  DEFER_TRANSPORT,
  IOStream,
  isConnReset,
  isConnected,
  setStartTlsHook,
  type IOStreamOptions,
} from './stream';

/** Options of `new SSLIOStream()` (and of `startTls`). */
export interface SSLIOStreamOptions extends IOStreamOptions {
  /** A shared SSLContext, or tornado's dictionary (see `sslOptionsToContext`). Default `{}`: a client trusting the system's CAs. */
  sslOptions?: SSLOptions;
  /** The server side of the handshake (default false). */
  serverSide?: boolean;
  /** A client's SNI name, and the name the server's certificate must carry. */
  serverHostname?: string | null;
  /** Milliseconds the handshake may take; past them the stream closes. Default: no limit. */
  handshakeTimeout?: number;
}

/**
 * tornado's SSLIOStream.
 * @example
 * ```ts
 * const stream = new SSLIOStream(new Socket(AF_INET, SOCK_STREAM));
 * yield* stream.connect(['93.184.215.14', 443], 'example.com');
 * yield* stream.write('GET / HTTP/1.0\r\nHost: example.com\r\n\r\n');
 * ```
 */
export class SSLIOStream extends IOStream {
  /** The context the connection uses. */
  readonly sslContext: SSLContext;
  readonly serverSide: boolean;
  readonly #serverHostname: string | null;
  readonly #handshakeTimeout: number | null;
  #tls: SSLSocket | null = null;
  #handshake: Future<this> | null = null;

  /**
   * @param socket a stream socket: connected (the handshake starts now) or not (then call
   *   `connect`). The stream owns it.
   * @throws TypeError for bad options; SSLConfigError if the context cannot be built
   */
  constructor(socket: Socket, options: SSLIOStreamOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw optionTypeError('new SSLIOStream()', 'options', 'an object', options);
    }
    const {
      sslOptions = {},
      serverSide = false,
      serverHostname = null,
      handshakeTimeout,
      ...rest
    } = options;
    super(socket, rest, DEFER_TRANSPORT);
    try {
      if (typeof serverSide !== 'boolean') {
        throw optionTypeError('new SSLIOStream()', 'serverSide', 'a boolean', serverSide);
      }
      if (
        serverHostname !== null &&
        (typeof serverHostname !== 'string' || serverHostname === '')
      ) {
        throw optionTypeError(
          'new SSLIOStream()',
          'serverHostname',
          'a non-empty string',
          serverHostname,
        );
      }
      this.#handshakeTimeout =
        handshakeTimeout === undefined
          ? null
          : checkInteger('new SSLIOStream()', 'handshakeTimeout', handshakeTimeout, 1);
      this.sslContext = sslOptionsToContext(sslOptions, serverSide);
    } catch (error) {
      this.close();
      throw error;
    }
    this.serverSide = serverSide;
    this.#serverHostname = serverHostname;
    if (isConnected(socket)) {
      this.#handshake = this.connectWith(
        () => this.#startHandshake(serverHostname),
        'new SSLIOStream()',
      );
    }
  }

  /**
   * Connects to `address`, then runs the handshake as a client. `serverHostname` (default: the
   * constructor's, else the host of `address` when it is a name) is sent as SNI and checked
   * against the server's certificate. The future is the stream, once the handshake is done.
   */
  override connect(address: Address, serverHostname: string | null = null): Future<this> {
    const hostname =
      serverHostname ??
      this.#serverHostname ??
      (Array.isArray(address) && typeof address[0] === 'string' ? address[0] : null);
    const loop = this.ioloop.asyncioLoop;
    this.#handshake = this.connectWith(
      () => then(sockConnect(loop, this.socket, address), () => this.#startHandshake(hostname)),
      'connect()',
    );
    return this.#handshake;
  }

  /**
   * The handshake's future: the stream once it is done. Fails (StreamClosedError, `realError`
   * the SSLError) if it fails.
   * @throws TypeError before `connect()` on a stream made unconnected
   */
  waitForHandshake(): Future<this> {
    if (this.#handshake === null) {
      throw new TypeError('waitForHandshake(): the stream is not connected; call connect() first');
    }
    return this.#handshake;
  }

  /** Wraps the socket and runs the handshake, within the timeout. */
  #startHandshake(hostname: string | null): Future<void> {
    const tls = this.sslContext.wrapSocket(this.socket, {
      serverSide: this.serverSide,
      serverHostname: this.serverSide ? null : hostname,
    });
    this.#tls = tls;
    this.setEndpoint(tls);
    // No Nagle delay in the handshake either: its last flight (a server's session tickets, a
    // client's Finished) and the first record right behind it leave at once.
    this.setNodelay(true);
    const loop = this.ioloop.asyncioLoop;
    const handshake = sslDoHandshake(loop, tls);
    const result = new Future<void>(loop);
    let timer: Handle | null = null;
    if (this.#handshakeTimeout !== null) {
      const ms = this.#handshakeTimeout;
      timer = loop.callLater(ms, () => {
        if (result.done()) return;
        handshake.cancel();
        result.setException(
          new SSLHandshakeTimeoutError(`TLS handshake did not finish within ${ms} ms`),
        );
      });
    }
    handshake.addDoneCallback((done) => {
      timer?.cancel();
      if (result.done()) return;
      if (done.cancelled()) {
        result.cancel();
        return;
      }
      const error = done.exception();
      if (error === undefined) {
        result.setResult();
        return;
      }
      // tornado's _do_ssl_handshake: a peer that leaves or resets is not worth a warning.
      if (!(error instanceof SSLEOFError) && !isConnReset(error)) {
        genLog.warn(`SSL Error on ${String(this)}: ${describeError(error)}`);
      }
      result.setException(error);
    });
    result.addDoneCallback((done) => {
      timer?.cancel();
      if (done.cancelled()) handshake.cancel();
    });
    return result;
  }

  /** The TLS connection, once the handshake has started (null before, and once closed). */
  get sslSocket(): SSLSocket | null {
    return this.closed() ? null : this.#tls;
  }

  /** The ALPN protocol agreed ('h2', 'http/1.1'), or null. */
  selectedAlpnProtocol(): string | null {
    return this.sslSocket?.selectedAlpnProtocol() ?? null;
  }

  /** The peer's certificate (subject, issuer, DER), or null. tornado's `get_ssl_certificate`. */
  getPeerCertificate(): PeerCertificate | null {
    return this.sslSocket?.getPeerCertificate() ?? null;
  }

  /** The protocol version agreed ('TLSv1.3'), or null before the handshake. */
  version(): string | null {
    return this.sslSocket?.version() ?? null;
  }

  override get [Symbol.toStringTag](): string {
    return 'SSLIOStream';
  }
}

setStartTlsHook((socket, options) => {
  const stream = new SSLIOStream(socket, options);
  const handshake = stream.waitForHandshake();
  // Whoever cancels the upgrade has no stream to close: close it here.
  handshake.addDoneCallback((done) => {
    if (done.cancelled()) stream.close();
  });
  return handshake;
});

/** `first`, then what `next` starts: one future, cancelling whichever runs. */
function then(first: Future<void>, next: () => Future<void>): Future<void> {
  const result = new Future<void>(first.getLoop());
  let current = first;
  const follow = (done: Future<void>): boolean => {
    if (result.done()) return false;
    if (done.cancelled()) result.cancel();
    else if (done.exception() !== undefined) result.setException(done.exception());
    else return true;
    return false;
  };
  first.addDoneCallback((done) => {
    if (!follow(done)) return;
    try {
      current = next();
    } catch (error) {
      result.setException(error);
      return;
    }
    current.addDoneCallback((second) => {
      if (follow(second)) result.setResult();
    });
  });
  result.addDoneCallback((done) => {
    if (done.cancelled()) current.cancel();
  });
  return result;
}
