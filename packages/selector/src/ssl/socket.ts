/**
 * `SSLSocket`: a stream Socket with OpenSSL speaking TLS on its fd — Python's `ssl.SSLSocket` on
 * a non-blocking socket. OpenSSL reads and writes the fd itself (`SSL_set_fd`); every call
 * returns at once, and where it would wait it says what it waits for:
 *
 * - `tryDoHandshake()` returns `SSL_ERROR_WANT_READ` or `SSL_ERROR_WANT_WRITE` (wait for that
 *   readiness, then call again), or 0 when the handshake is done;
 * - `tryRecvInto` and `trySend` return `WOULD_BLOCK`, as a plain Socket's do, so the transports
 *   that serve sockets serve this one unchanged.
 *
 * **Nothing left behind.** OpenSSL reads ahead (whole kernel buffers, not record by record), so
 * it may hold records the kernel no longer reports as readable. `tryRecvInto` therefore drains
 * what OpenSSL holds into the caller's buffer while there is room; `hasPending()` says when
 * bytes are still held (the buffer filled first), and a reader must call again before waiting.
 *
 * **Ending.** A peer's close_notify reads as EOF (0). A peer that just closes the TCP connection
 * reads as EOF too (Python's `suppress_ragged_eofs`), and `raggedEof` says it happened: a
 * protocol that knows its message lengths (HTTP with Content-Length) may not care, one that
 * reads to the close should. `close()` sends close_notify when the connection is healthy (best
 * effort: it never waits), then frees the SSL object and closes the fd.
 */
import { inspect } from 'node:util';
import { isIP } from 'node:net';
import { osError } from '../errors';
import { formatValue } from '../format';
import { errno as lastErrno } from '../libc';
import { Socket, WOULD_BLOCK } from '../socket';
import type { Address } from '../address';
import {
  openssl,
  decodePointer,
  copyBytes,
  type Pointer,
  SSL_CTRL_SET_TLSEXT_HOSTNAME,
  SSL_ERROR_SSL,
  SSL_ERROR_SYSCALL,
  SSL_ERROR_WANT_READ,
  SSL_ERROR_WANT_WRITE,
  SSL_ERROR_ZERO_RETURN,
  TLSEXT_NAMETYPE_HOST_NAME,
  X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
} from './openssl';
import { SSLCertVerificationError, SSLEOFError, SSLError, takeOpenSSLError } from './errors';
import type { SSLContext } from './context';

export { SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE } from './openssl';

/** The peer's certificate, as `getPeerCertificate()` gives it. */
export interface PeerCertificate {
  /** OpenSSL's one-line subject, e.g. `/CN=localhost`. */
  subject: string;
  /** OpenSSL's one-line issuer. */
  issuer: string;
  /** The certificate in DER form (Python's `getpeercert(binary_form=True)`). */
  raw: Buffer;
}

const sslObjects = new FinalizationRegistry<Pointer>((ssl) => openssl().SSL_free(ssl));

const NAME_TEXT = Buffer.alloc(1024);
/** `SSL_get0_alpn_selected`'s out-parameters: a pointer and an unsigned length. */
const ALPN_DATA = Buffer.alloc(8);
const ALPN_LEN = Buffer.alloc(4);
/** X509_V_ERR_HOSTNAME_MISMATCH and X509_V_ERR_IP_ADDRESS_MISMATCH. */
const HOSTNAME_MISMATCH = 62;
const IP_ADDRESS_MISMATCH = 64;

/**
 * A TLS connection on a stream socket (Python's `ssl.SSLSocket`), made by
 * `SSLContext.wrapSocket`. It owns the socket: `close()` closes both.
 * @example
 * ```ts
 * const tls = createDefaultContext().wrapSocket(sock, { serverHostname: 'example.com' });
 * tls.doHandshake(); // a blocking socket; with a non-blocking one, loop on tryDoHandshake()
 * tls.sendall(Buffer.from('GET / HTTP/1.0\r\nHost: example.com\r\n\r\n'));
 * ```
 */
export class SSLSocket {
  /** The context the connection was made with. */
  readonly context: SSLContext;
  /** The TCP socket under the TLS layer. */
  readonly socket: Socket;
  readonly serverSide: boolean;
  /** The name a client asked for (SNI) and checks the certificate against, or null. */
  readonly serverHostname: string | null;
  /** True once the peer closed the TCP connection without a TLS close_notify. */
  raggedEof = false;
  #ssl: Pointer | null;
  #handshakeDone = false;
  /** After a fatal protocol error OpenSSL must not be asked to send close_notify. */
  #failed = false;

  /** @internal Use `SSLContext.wrapSocket`. */
  constructor(
    context: SSLContext,
    sock: Socket,
    serverSide: boolean,
    serverHostname: string | null,
  ) {
    if (!(sock instanceof Socket)) {
      throw new TypeError(`wrapSocket() expected a stream Socket, got ${formatValue(sock)}`);
    }
    if (serverHostname !== null && (typeof serverHostname !== 'string' || serverHostname === '')) {
      throw new TypeError(
        `wrapSocket() expected serverHostname to be a non-empty string, got ${formatValue(serverHostname)}`,
      );
    }
    if (!serverSide && context.checkHostname && serverHostname === null) {
      throw new TypeError(
        'wrapSocket(): this context checks hostnames, so a client needs serverHostname (or set context.checkHostname = false)',
      );
    }
    if (serverSide && serverHostname !== null) {
      throw new TypeError('wrapSocket(): serverHostname is for the client side only');
    }
    const lib = openssl();
    lib.ERR_clear_error();
    const ssl = lib.SSL_new(context.ctx);
    if (ssl === null) throw takeOpenSSLError('SSL_new');
    sslObjects.register(this, ssl, this);
    this.#ssl = ssl;
    this.context = context;
    this.socket = sock;
    this.serverSide = serverSide;
    this.serverHostname = serverHostname;
    try {
      if (lib.SSL_set_fd(ssl, sock.fileno()) !== 1) throw takeOpenSSLError('SSL_set_fd');
      if (serverSide) {
        lib.SSL_set_accept_state(ssl);
      } else {
        lib.SSL_set_connect_state(ssl);
        if (serverHostname !== null) this.#setServerHostname(ssl, serverHostname);
      }
    } catch (error) {
      this.#free();
      throw error;
    }
  }

  #setServerHostname(ssl: Pointer, name: string): void {
    const lib = openssl();
    const ip = isIP(name) !== 0;
    // SNI carries names, never addresses (RFC 6066).
    if (
      !ip &&
      lib.SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_HOST_NAME, name) !== 1
    ) {
      throw takeOpenSSLError(`setting the server name ${name}`);
    }
    if (!this.context.checkHostname) return;
    const param = lib.SSL_get0_param(ssl);
    lib.X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const ok = ip ? lib.X509_VERIFY_PARAM_set1_ip_asc(param, name) : lib.SSL_set1_host(ssl, name);
    if (ok !== 1) throw takeOpenSSLError(`checking the hostname ${name}`);
  }

  #live(method: string): Pointer {
    // A socket closed under us: OpenSSL must not touch its old fd number (it may be reused).
    if (this.#ssl === null || this.socket.closed) {
      throw osError(9 /* EBADF */, method, 'the SSLSocket is closed');
    }
    return this.#ssl;
  }

  // ─── The handshake ─────────────────────────────────────────────────────────────────────────

  /**
   * One step of the handshake on a non-blocking socket: 0 once it is done, else
   * `SSL_ERROR_WANT_READ` / `SSL_ERROR_WANT_WRITE` (call again when the socket is ready so).
   * @throws SSLCertVerificationError if the peer's certificate does not verify
   * @throws SSLEOFError if the peer closes during the handshake
   * @throws SSLError for any other protocol failure (garbage, no common version or cipher)
   * @throws OSError (ConnectionResetError …) if the socket fails
   */
  tryDoHandshake(): number {
    if (this.#handshakeDone) return 0;
    const ssl = this.#live('do_handshake');
    const lib = openssl();
    lib.ERR_clear_error();
    const ret = lib.SSL_do_handshake(ssl);
    if (ret === 1) {
      this.#handshakeDone = true;
      return 0;
    }
    const error = lib.SSL_get_error(ssl, ret);
    if (error === SSL_ERROR_WANT_READ || error === SSL_ERROR_WANT_WRITE) return error;
    this.#failed = true;
    if (error === SSL_ERROR_SSL) {
      const verify = lib.SSL_get_verify_result(ssl);
      if (verify !== 0) {
        lib.ERR_clear_error();
        throw new SSLCertVerificationError(
          verify,
          this.#verifyMessage(verify),
          'CERTIFICATE_VERIFY_FAILED',
        );
      }
    }
    throw this.#failure(error, ret, 'do_handshake');
  }

  #verifyMessage(code: number): string {
    if (code === HOSTNAME_MISMATCH) {
      return `Hostname mismatch, certificate is not valid for '${this.serverHostname}'.`;
    }
    if (code === IP_ADDRESS_MISMATCH) {
      return `IP address mismatch, certificate is not valid for '${this.serverHostname}'.`;
    }
    return openssl().X509_verify_cert_error_string(code);
  }

  /**
   * The whole handshake on a blocking socket (Python's `do_handshake()`).
   * @throws TypeError on a non-blocking socket (use tryDoHandshake with a selector)
   */
  doHandshake(): void {
    if (!this.socket.getBlocking()) {
      throw new TypeError(
        'doHandshake() needs a blocking socket: on a non-blocking one, loop on tryDoHandshake()',
      );
    }
    while (this.tryDoHandshake() !== 0) {
      // A blocking socket never wants: OpenSSL waited in the kernel.
    }
  }

  /** True once the handshake is done. */
  handshakeDone(): boolean {
    return this.#handshakeDone;
  }

  // ─── Reading and writing ───────────────────────────────────────────────────────────────────

  // #region tls-recv
  /**
   * Reads up to `nbytes` (0: the buffer's length) decrypted bytes into `buffer`: the count, 0
   * at EOF, or `WOULD_BLOCK` when nothing is there yet. Drains what OpenSSL read ahead while `buffer` has room (see `hasPending()`).
   * @throws SSLError for a corrupt or forged record, OSError if the socket fails
   */
  tryRecvInto(buffer: Uint8Array, nbytes = 0): number {
    const ssl = this.#live('recv');
    const lib = openssl();
    let got = 0;
    // nbytes 0: the whole buffer, as Socket.tryRecvInto and Python's recv_into.
    const limit = Math.min(nbytes > 0 ? nbytes : buffer.byteLength, buffer.byteLength, 0x7fffffff);
    while (got < limit) {
      lib.ERR_clear_error();
      const target = got === 0 ? buffer : buffer.subarray(got);
      const ret = lib.SSL_read(ssl, target, limit - got);
      if (ret > 0) {
        got += ret;
        // More only if OpenSSL holds some: else the next read would be a syscall for nothing.
        if (lib.SSL_has_pending(ssl) === 0) break;
        continue;
      }
      const error = lib.SSL_get_error(ssl, ret);
      if (error === SSL_ERROR_WANT_READ || error === SSL_ERROR_WANT_WRITE) break;
      if (got > 0) break; // report the bytes now; the EOF or the error comes on the next call
      if (error === SSL_ERROR_ZERO_RETURN) return 0;
      const failure = this.#failure(error, ret, 'recv');
      if (failure instanceof SSLEOFError) {
        // OpenSSL counts it as a failure: no close_notify may follow (the peer is gone anyway).
        this.raggedEof = true;
        this.#failed = true;
        return 0;
      }
      this.#failed = true;
      throw failure;
    }
    return got === 0 ? WOULD_BLOCK : got;
  }
  // #endregion tls-recv

  /** True while OpenSSL holds bytes read from the socket that no `tryRecvInto` has taken. */
  hasPending(): boolean {
    return this.#ssl !== null && openssl().SSL_has_pending(this.#ssl) === 1;
  }

  /**
   * Encrypts and sends from `data`: the count of its bytes sent (a whole record at least), or
   * `WOULD_BLOCK`. After `WOULD_BLOCK`, call again with the same bytes first (OpenSSL may have
   * encrypted some already: it finishes sending them).
   * @throws SSLError, or OSError (BrokenPipeError, ConnectionResetError …) if the socket fails
   */
  trySend(data: Uint8Array): number {
    const ssl = this.#live('send');
    if (data.byteLength === 0) return 0;
    const lib = openssl();
    lib.ERR_clear_error();
    const ret = lib.SSL_write(ssl, data, Math.min(data.byteLength, 0x7fffffff));
    if (ret > 0) return ret;
    const error = lib.SSL_get_error(ssl, ret);
    if (error === SSL_ERROR_WANT_WRITE || error === SSL_ERROR_WANT_READ) return WOULD_BLOCK;
    this.#failed = true;
    throw this.#failure(error, ret, 'send');
  }

  /**
   * Sends all of `data` on a blocking socket.
   * @throws TypeError on a non-blocking socket
   */
  sendall(data: Uint8Array): void {
    if (!this.socket.getBlocking()) throw new TypeError('sendall() needs a blocking socket');
    let sent = 0;
    while (sent < data.byteLength) {
      const n = this.trySend(data.subarray(sent));
      if (n > 0) sent += n;
    }
  }

  /** Reads up to `bufsize` bytes on a blocking socket (an empty Buffer at EOF). */
  recv(bufsize: number): Buffer {
    if (!this.socket.getBlocking())
      throw new TypeError('recv() needs a blocking socket: use tryRecvInto');
    const buffer = Buffer.allocUnsafe(bufsize);
    for (;;) {
      const n = this.tryRecvInto(buffer);
      if (n !== WOULD_BLOCK) return buffer.subarray(0, n);
    }
  }

  #failure(error: number, ret: number, syscall: string): Error {
    const lib = openssl();
    if (error === SSL_ERROR_SYSCALL) {
      const code = lastErrno();
      if (lib.ERR_peek_error() !== 0) return takeOpenSSLError(syscall);
      // ret 0 (OpenSSL 1.1) or errno 0: the peer closed the TCP connection mid-protocol.
      if (ret === 0 || code === 0) return new SSLEOFError();
      return osError(code, syscall);
    }
    if (error === SSL_ERROR_ZERO_RETURN) {
      return new SSLEOFError('TLS/SSL connection has been closed (EOF)');
    }
    if (error === SSL_ERROR_SSL) return takeOpenSSLError('');
    lib.ERR_clear_error();
    return new SSLError(`${syscall}: unexpected SSL_get_error ${error}`);
  }

  // ─── Ending ────────────────────────────────────────────────────────────────────────────────

  /**
   * Shuts down a direction of the connection. Closing the write side sends close_notify first
   * (TLS's own end of data), then the TCP FIN.
   */
  shutdown(how: number): void {
    this.#closeNotify();
    this.socket.shutdown(how);
  }

  #closeNotify(): void {
    const ssl = this.#ssl;
    if (ssl === null || !this.#handshakeDone || this.#failed) return;
    const lib = openssl();
    lib.ERR_clear_error();
    lib.SSL_shutdown(ssl); // sends close_notify; does not wait for the peer's
    lib.ERR_clear_error();
  }

  /** Sends close_notify if the connection is healthy (never waiting), then closes the socket. */
  close(): void {
    if (this.#ssl === null) return;
    this.#closeNotify();
    this.#free();
    this.socket.close();
  }

  #free(): void {
    const ssl = this.#ssl;
    if (ssl === null) return;
    this.#ssl = null;
    sslObjects.unregister(this);
    openssl().SSL_free(ssl);
  }

  /** True once `close()` ran, or the socket under it was closed. */
  get closed(): boolean {
    return this.#ssl === null || this.socket.closed;
  }

  // ─── What was agreed ───────────────────────────────────────────────────────────────────────

  /** The protocol version agreed ('TLSv1.3'), or null before the handshake. */
  version(): string | null {
    if (this.#ssl === null || !this.#handshakeDone) return null;
    return openssl().SSL_get_version(this.#ssl);
  }

  /** `[name, protocol, secretBits]` of the cipher agreed, or null before the handshake. */
  cipher(): [name: string, protocol: string, bits: number] | null {
    if (this.#ssl === null || !this.#handshakeDone) return null;
    const lib = openssl();
    const cipher = lib.SSL_get_current_cipher(this.#ssl);
    if (cipher === null) return null;
    return [
      lib.SSL_CIPHER_get_name(cipher),
      lib.SSL_get_version(this.#ssl),
      lib.SSL_CIPHER_get_bits(cipher, null),
    ];
  }

  /** The application protocol ALPN agreed ('h2', 'http/1.1'), or null. */
  selectedAlpnProtocol(): string | null {
    if (this.#ssl === null || !this.#handshakeDone) return null;
    openssl().SSL_get0_alpn_selected(this.#ssl, ALPN_DATA, ALPN_LEN);
    const len = ALPN_LEN.readUInt32LE(0);
    const data = decodePointer(ALPN_DATA);
    return len === 0 || data === null ? null : copyBytes(data, len).toString('latin1');
  }

  /** On the server side: the name the client asked for (SNI), or null. */
  requestedServerName(): string | null {
    if (this.#ssl === null) return null;
    return openssl().SSL_get_servername(this.#ssl, TLSEXT_NAMETYPE_HOST_NAME);
  }

  /** The peer's certificate, or null if it sent none (or before the handshake). */
  getPeerCertificate(): PeerCertificate | null {
    if (this.#ssl === null || !this.#handshakeDone) return null;
    const lib = openssl();
    const x509 = lib.SSL_get1_peer_certificate(this.#ssl);
    if (x509 === null) return null;
    try {
      const size = lib.i2d_X509(x509, null);
      let raw: Buffer = Buffer.alloc(0);
      if (size > 0) {
        // With *out NULL, i2d_X509 allocates the DER bytes itself.
        const out: [Pointer | null] = [null];
        const written = lib.i2d_X509_alloc(x509, out);
        if (written > 0 && out[0] !== null) {
          raw = copyBytes(out[0], written);
          lib.CRYPTO_free(out[0], null, 0);
        }
      }
      return {
        subject: lib.X509_NAME_oneline(
          lib.X509_get_subject_name(x509),
          NAME_TEXT,
          NAME_TEXT.length,
        ),
        issuer: lib.X509_NAME_oneline(lib.X509_get_issuer_name(x509), NAME_TEXT, NAME_TEXT.length),
        raw,
      };
    } finally {
      lib.X509_free(x509);
    }
  }

  // ─── The socket's own calls ────────────────────────────────────────────────────────────────

  fileno(): number {
    return this.socket.fileno();
  }
  getBlocking(): boolean {
    return this.socket.getBlocking();
  }
  setBlocking(flag: boolean): void {
    this.socket.setBlocking(flag);
  }
  getpeername(): Address {
    return this.socket.getpeername();
  }
  getsockname(): Address {
    return this.socket.getsockname();
  }
  get family(): number {
    return this.socket.family;
  }
  get type(): number {
    return this.socket.type;
  }

  toString(): string {
    if (this.#ssl === null) return '<SSLSocket closed>';
    const version = this.version();
    return `<SSLSocket fd=${this.socket.fileno()} ${this.serverSide ? 'server' : 'client'}${version === null ? ' handshaking' : ` ${version}`}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
