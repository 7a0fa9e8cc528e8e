/**
 * `SSLContext`: Python's `ssl.SSLContext` over OpenSSL's `SSL_CTX` — the settings (certificate,
 * key, trusted CAs, verification, versions, ciphers, ALPN) that every connection wrapped with it
 * shares. Build one per role and reuse it: making a context reads files and parses certificates;
 * wrapping a socket with it is cheap.
 *
 * Defaults are Python's `create_default_context()`: a client context verifies the server's
 * certificate against the system's CA store and checks its hostname; every context speaks
 * TLS 1.2 and 1.3 only, without compression or renegotiation.
 */
import { existsSync } from 'node:fs';
import { inspect } from 'node:util';
import { formatValue } from '../format';
import type { Socket } from '../socket';
import {
  openssl,
  registerCallback,
  encodeByte,
  type Pointer,
  SSL_CTRL_GET_MAX_PROTO_VERSION,
  SSL_CTRL_GET_MIN_PROTO_VERSION,
  SSL_CTRL_MODE,
  SSL_CTRL_SET_MAX_PROTO_VERSION,
  SSL_CTRL_SET_MIN_PROTO_VERSION,
  SSL_CTRL_SET_READ_AHEAD,
  SSL_CTRL_SET_SESS_CACHE_MODE,
  SSL_FILETYPE_PEM,
  SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER,
  SSL_MODE_ENABLE_PARTIAL_WRITE,
  SSL_MODE_RELEASE_BUFFERS,
  SSL_OP_CIPHER_SERVER_PREFERENCE,
  SSL_OP_NO_COMPRESSION,
  SSL_OP_NO_RENEGOTIATION,
  SSL_SESS_CACHE_SERVER,
  SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
  SSL_VERIFY_NONE,
  SSL_VERIFY_PEER,
  TLS1_2_VERSION,
  TLS1_3_VERSION,
  TLS1_VERSION,
  TLS1_1_VERSION,
} from './openssl';
import { SSLConfigError, takeOpenSSLError } from './errors';
import { SSLSocket } from './socket';

/** `verifyMode`: do not ask for (client: do not check) the peer's certificate. */
export const CERT_NONE = 0;
/** `verifyMode`: check a certificate if the peer sends one (server side). */
export const CERT_OPTIONAL = 1;
/** `verifyMode`: the peer must send a certificate that verifies. */
export const CERT_REQUIRED = 2;
export type VerifyMode = typeof CERT_NONE | typeof CERT_OPTIONAL | typeof CERT_REQUIRED;

/** Protocol versions for `minimumVersion` / `maximumVersion` (Python's `ssl.TLSVersion`). */
export const TLSVersion = {
  TLSv1: TLS1_VERSION,
  TLSv1_1: TLS1_1_VERSION,
  TLSv1_2: TLS1_2_VERSION,
  TLSv1_3: TLS1_3_VERSION,
} as const;
export type TLSVersion = (typeof TLSVersion)[keyof typeof TLSVersion];

/** Which side a context serves: Python's `PROTOCOL_TLS_CLIENT` / `PROTOCOL_TLS_SERVER`. */
export type SSLContextRole = 'client' | 'server';

/** Options of `wrapSocket()`. */
export interface WrapSocketOptions {
  /** Wrap as the server side (default: the context's role). */
  serverSide?: boolean;
  /**
   * The name the client asks for (SNI) and, with `checkHostname`, the name the server's
   * certificate must carry. A client context that checks hostnames requires it.
   */
  serverHostname?: string | null;
}

/** CA bundles of the common systems, for an OpenSSL whose own default directory has none. */
const WELL_KNOWN_CA_FILES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Arch, Alpine
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/ssl/cert.pem', // macOS, Alpine, FreeBSD
  '/usr/local/etc/ssl/cert.pem', // FreeBSD ports
];

const contexts = new FinalizationRegistry<Pointer>((ctx) => openssl().SSL_CTX_free(ctx));

/**
 * The shared settings of TLS connections (Python's `ssl.SSLContext`).
 * @example
 * ```ts
 * const server = new SSLContext('server');
 * server.loadCertChain('cert.pem', 'key.pem');
 * const client = createDefaultContext(); // system CAs, hostname checked
 * const tls = client.wrapSocket(sock, { serverHostname: 'example.com' });
 * ```
 */
export class SSLContext {
  /** 'client' or 'server': which side `wrapSocket` wraps by default. */
  readonly role: SSLContextRole;
  /** @internal OpenSSL's SSL_CTX. */
  readonly ctx: Pointer;
  #verifyMode: VerifyMode;
  #checkHostname: boolean;
  /** ALPN protocols in wire form (length-prefixed), kept alive for OpenSSL's callback. */
  #alpnWire: Buffer | null = null;
  #alpnCallback: unknown = null;

  /**
   * @param role `'client'` (verifies the server, checks its hostname) or `'server'` (asks no
   *   certificate of clients)
   */
  constructor(role: SSLContextRole = 'client') {
    if (role !== 'client' && role !== 'server') {
      throw new TypeError(`SSLContext expected 'client' or 'server', got ${formatValue(role)}`);
    }
    const lib = openssl();
    lib.ERR_clear_error();
    const ctx = lib.SSL_CTX_new(lib.TLS_method());
    if (ctx === null) throw takeOpenSSLError('SSL_CTX_new');
    contexts.register(this, ctx);
    this.ctx = ctx;
    this.role = role;
    lib.SSL_CTX_set_options(
      ctx,
      SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE,
    );
    lib.SSL_CTX_ctrl(
      ctx,
      SSL_CTRL_MODE,
      SSL_MODE_ENABLE_PARTIAL_WRITE |
        SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
        SSL_MODE_RELEASE_BUFFERS,
      null,
    );
    // Read whole kernel buffers, not a record header then its body: one recv per event, not two
    // (SSLSocket.tryRecvInto drains what OpenSSL read ahead, so none is left behind).
    lib.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_READ_AHEAD, 1, null);
    lib.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, null);
    if (role === 'server')
      lib.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_SESS_CACHE_MODE, SSL_SESS_CACHE_SERVER, null);
    this.#verifyMode = role === 'client' ? CERT_REQUIRED : CERT_NONE;
    this.#checkHostname = role === 'client';
    this.#applyVerify();
  }

  /** Whether and how the peer's certificate is checked (`CERT_NONE`, `CERT_OPTIONAL`, `CERT_REQUIRED`). */
  get verifyMode(): VerifyMode {
    return this.#verifyMode;
  }
  set verifyMode(mode: VerifyMode) {
    if (mode !== CERT_NONE && mode !== CERT_OPTIONAL && mode !== CERT_REQUIRED) {
      throw new TypeError(
        `verifyMode expected CERT_NONE (0), CERT_OPTIONAL (1) or CERT_REQUIRED (2), got ${formatValue(mode)}`,
      );
    }
    if (mode === CERT_NONE && this.#checkHostname) {
      // Python's rule: turning verification off while hostnames are checked is a mistake.
      throw new SSLConfigError(
        'verifyMode cannot be CERT_NONE while checkHostname is true: set checkHostname = false first',
      );
    }
    this.#verifyMode = mode;
    this.#applyVerify();
  }

  /** Whether a client checks that the server's certificate is for `serverHostname`. */
  get checkHostname(): boolean {
    return this.#checkHostname;
  }
  set checkHostname(value: boolean) {
    if (typeof value !== 'boolean') {
      throw new TypeError(`checkHostname expected a boolean, got ${formatValue(value)}`);
    }
    this.#checkHostname = value;
    // As Python: checking hostnames needs a verified certificate.
    if (value && this.#verifyMode === CERT_NONE) this.verifyMode = CERT_REQUIRED;
  }

  #applyVerify(): void {
    const mode =
      this.#verifyMode === CERT_NONE
        ? SSL_VERIFY_NONE
        : this.#verifyMode === CERT_OPTIONAL
          ? SSL_VERIFY_PEER
          : SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    openssl().SSL_CTX_set_verify(this.ctx, mode, null);
  }

  /** The lowest protocol version spoken (default TLS 1.2). */
  get minimumVersion(): TLSVersion {
    return openssl().SSL_CTX_ctrl(this.ctx, SSL_CTRL_GET_MIN_PROTO_VERSION, 0, null) as TLSVersion;
  }
  set minimumVersion(version: TLSVersion) {
    this.#setVersion(SSL_CTRL_SET_MIN_PROTO_VERSION, 'minimumVersion', version);
  }

  /** The highest protocol version spoken (default: the highest OpenSSL knows, TLS 1.3). */
  get maximumVersion(): TLSVersion {
    const version = openssl().SSL_CTX_ctrl(this.ctx, SSL_CTRL_GET_MAX_PROTO_VERSION, 0, null);
    return (version === 0 ? TLS1_3_VERSION : version) as TLSVersion;
  }
  set maximumVersion(version: TLSVersion) {
    this.#setVersion(SSL_CTRL_SET_MAX_PROTO_VERSION, 'maximumVersion', version);
  }

  #setVersion(cmd: number, name: string, version: TLSVersion): void {
    if (!Object.values(TLSVersion).includes(version)) {
      throw new TypeError(
        `${name} expected a TLSVersion (TLSVersion.TLSv1_2 …), got ${formatValue(version)}`,
      );
    }
    if (openssl().SSL_CTX_ctrl(this.ctx, cmd, version, null) !== 1) {
      throw takeOpenSSLError(`${name} = ${version}`, SSLConfigError);
    }
  }

  /**
   * Loads this side's certificate chain and private key from PEM files (Python's
   * `load_cert_chain`). `keyfile` defaults to `certfile` (one file holding both).
   * @throws SSLConfigError if a file is missing, not PEM, or the key does not match
   */
  loadCertChain(certfile: string, keyfile: string = certfile): void {
    checkPath('loadCertChain()', 'certfile', certfile);
    checkPath('loadCertChain()', 'keyfile', keyfile);
    const lib = openssl();
    lib.ERR_clear_error();
    if (lib.SSL_CTX_use_certificate_chain_file(this.ctx, certfile) !== 1) {
      throw takeOpenSSLError(`loading the certificate chain ${certfile}`, SSLConfigError);
    }
    if (lib.SSL_CTX_use_PrivateKey_file(this.ctx, keyfile, SSL_FILETYPE_PEM) !== 1) {
      throw takeOpenSSLError(`loading the private key ${keyfile}`, SSLConfigError);
    }
    if (lib.SSL_CTX_check_private_key(this.ctx) !== 1) {
      throw takeOpenSSLError(
        `the key ${keyfile} does not match the certificate ${certfile}`,
        SSLConfigError,
      );
    }
  }

  /**
   * Trusts the CA certificates in a PEM file (`cafile`) or a hashed directory (`capath`), as
   * Python's `load_verify_locations`.
   * @throws SSLConfigError if OpenSSL cannot load them
   */
  loadVerifyLocations(locations: { cafile?: string; capath?: string }): void {
    const { cafile, capath } = locations ?? {};
    if (cafile === undefined && capath === undefined) {
      throw new TypeError('loadVerifyLocations() expected { cafile } or { capath }');
    }
    if (cafile !== undefined) checkPath('loadVerifyLocations()', 'cafile', cafile);
    if (capath !== undefined) checkPath('loadVerifyLocations()', 'capath', capath);
    const lib = openssl();
    lib.ERR_clear_error();
    if (lib.SSL_CTX_load_verify_locations(this.ctx, cafile ?? null, capath ?? null) !== 1) {
      throw takeOpenSSLError(`loading the CA certificates ${cafile ?? capath}`, SSLConfigError);
    }
  }

  /**
   * Trusts the system's CA store: OpenSSL's default locations (and `SSL_CERT_FILE` /
   * `SSL_CERT_DIR`), and the first well-known bundle file this system has, since an OpenSSL
   * linked into Node may look for its defaults where this system keeps none.
   */
  loadDefaultCerts(): void {
    const lib = openssl();
    lib.ERR_clear_error();
    lib.SSL_CTX_set_default_verify_paths(this.ctx);
    if (process.env.SSL_CERT_FILE === undefined) {
      const bundle = WELL_KNOWN_CA_FILES.find((file) => existsSync(file));
      if (bundle !== undefined) lib.SSL_CTX_load_verify_locations(this.ctx, bundle, null);
    }
    lib.ERR_clear_error();
  }

  /**
   * Sets the TLS 1.2 cipher list (OpenSSL's cipher string, Python's `set_ciphers`). TLS 1.3's
   * suites are OpenSSL's defaults.
   * @throws SSLConfigError if no cipher in the string is known
   */
  setCiphers(ciphers: string): void {
    if (typeof ciphers !== 'string' || ciphers === '') {
      throw new TypeError(
        `setCiphers() expected an OpenSSL cipher string, got ${formatValue(ciphers)}`,
      );
    }
    const lib = openssl();
    lib.ERR_clear_error();
    if (lib.SSL_CTX_set_cipher_list(this.ctx, ciphers) !== 1) {
      throw takeOpenSSLError(
        `no cipher can be selected from ${JSON.stringify(ciphers)}`,
        SSLConfigError,
      );
    }
  }

  /**
   * The application protocols offered (client) or accepted (server), most preferred first, as
   * Python's `set_alpn_protocols(['h2', 'http/1.1'])`. A server picks its first one the client
   * also offers; with none in common the connection goes on without ALPN.
   */
  setAlpnProtocols(protocols: readonly string[]): void {
    if (!Array.isArray(protocols) || protocols.length === 0) {
      throw new TypeError(
        `setAlpnProtocols() expected a non-empty array of names, got ${formatValue(protocols)}`,
      );
    }
    const parts: Buffer[] = [];
    for (const name of protocols) {
      const bytes = typeof name === 'string' ? Buffer.from(name, 'latin1') : null;
      if (bytes === null || bytes.length === 0 || bytes.length > 255) {
        throw new TypeError(
          `setAlpnProtocols() expected names of 1 to 255 bytes, got ${formatValue(name)}`,
        );
      }
      parts.push(Buffer.from([bytes.length]), bytes);
    }
    const wire = Buffer.concat(parts);
    this.#alpnWire = wire;
    const lib = openssl();
    if (lib.SSL_CTX_set_alpn_protos(this.ctx, wire, wire.length) !== 0) {
      throw takeOpenSSLError('setAlpnProtocols()', SSLConfigError);
    }
    if (this.#alpnCallback === null) {
      // The server side's choice: OpenSSL's SSL_select_next_proto over our list and the client's.
      this.#alpnCallback = registerCallback(
        (_ssl: Pointer, out: Pointer, outlen: Pointer, client: Pointer, clientLen: number) => {
          const ours = this.#alpnWire!;
          const status = lib.SSL_select_next_proto(
            out,
            outlen,
            ours,
            ours.length,
            client,
            clientLen,
          );
          // OPENSSL_NPN_NEGOTIATED (1) → SSL_TLSEXT_ERR_OK (0); no overlap → NOACK (3).
          if (status === 1) return 0;
          encodeByte(outlen, 0);
          return 3;
        },
        lib.AlpnSelect,
      );
      lib.SSL_CTX_set_alpn_select_cb(this.ctx, this.#alpnCallback, null);
    }
  }

  /**
   * Wraps a connected (or connecting) stream socket: the returned SSLSocket owns it. Nothing is
   * sent yet; the handshake runs with `tryDoHandshake()` (non-blocking) or `doHandshake()`.
   * @throws TypeError if a client context that checks hostnames gets no `serverHostname`
   */
  wrapSocket(sock: Socket, options: WrapSocketOptions = {}): SSLSocket {
    return new SSLSocket(
      this,
      sock,
      options.serverSide ?? this.role === 'server',
      options.serverHostname ?? null,
    );
  }

  toString(): string {
    return `<SSLContext ${this.role} verify=${['CERT_NONE', 'CERT_OPTIONAL', 'CERT_REQUIRED'][this.#verifyMode]}${this.#checkHostname ? ' checkHostname' : ''}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function checkPath(where: string, name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${where} expected ${name} to be a file path, got ${formatValue(value)}`);
  }
  if (!existsSync(value)) throw new SSLConfigError(`${where}: ${name} ${value} does not exist`);
}

/** What a default context is for (Python's `ssl.Purpose`). */
export type Purpose = 'serverAuth' | 'clientAuth';

/** Options of `createDefaultContext()`. */
export interface DefaultContextOptions {
  /** Trust these CAs (a PEM file) instead of the system's store. */
  cafile?: string;
  /** Trust this hashed CA directory instead of the system's store. */
  capath?: string;
}

/**
 * Python's `ssl.create_default_context()`: for `'serverAuth'` (the default) a client context
 * that trusts the system's CA store (or `cafile`/`capath`), verifies the server and checks its
 * hostname; for `'clientAuth'` a server context (add `loadCertChain`).
 */
export function createDefaultContext(
  purpose: Purpose = 'serverAuth',
  options: DefaultContextOptions = {},
): SSLContext {
  if (purpose !== 'serverAuth' && purpose !== 'clientAuth') {
    throw new TypeError(
      `createDefaultContext() expected 'serverAuth' or 'clientAuth', got ${formatValue(purpose)}`,
    );
  }
  const context = new SSLContext(purpose === 'serverAuth' ? 'client' : 'server');
  if (options.cafile !== undefined || options.capath !== undefined) {
    context.loadVerifyLocations(options);
  } else if (purpose === 'serverAuth') {
    context.loadDefaultCerts();
  }
  return context;
}
