/**
 * OpenSSL, reached through koffi: the only module of `@aio/selector/ssl` that touches the FFI.
 *
 * **Which OpenSSL.** The one Node itself runs on, when the process exports it (official Node
 * binaries link OpenSSL statically and export its symbols; a Node linked to the system's
 * `libssl` has it loaded already): then there is one OpenSSL in the process, not two that could
 * bind each other's symbols. Else the system's `libssl.so.3` / `libssl.3.dylib`. The environment
 * variable `AIO_OPENSSL` names a library to load instead. OpenSSL 3 is required.
 *
 * The library is loaded the first time something asks for it (`openssl()`), so importing the
 * module costs nothing on a machine that never makes a TLS connection.
 *
 * Pointers to OpenSSL's objects (`SSL_CTX *`, `SSL *`) are koffi externals, passed back as they
 * came; buffers are Buffers the caller owns. The macros of `ssl.h` (`SSL_set_mode`,
 * `SSL_set_tlsext_host_name`, `SSL_CTX_set_min_proto_version` …) are their `*_ctrl` calls.
 */
import koffi from 'koffi';
import type * as Koffi from 'koffi';

/** An OpenSSL object: a koffi external (`SSL_CTX *`, `SSL *`, `X509 *`). */
export type Pointer = object;

// #region constants
export const SSL_ERROR_NONE = 0;
export const SSL_ERROR_SSL = 1;
export const SSL_ERROR_WANT_READ = 2;
export const SSL_ERROR_WANT_WRITE = 3;
export const SSL_ERROR_SYSCALL = 5;
export const SSL_ERROR_ZERO_RETURN = 6;

export const SSL_VERIFY_NONE = 0;
export const SSL_VERIFY_PEER = 1;
export const SSL_VERIFY_FAIL_IF_NO_PEER_CERT = 2;
export const SSL_FILETYPE_PEM = 1;

export const SSL_CTRL_MODE = 33;
export const SSL_CTRL_SET_READ_AHEAD = 41;
export const SSL_CTRL_SET_SESS_CACHE_MODE = 44;
export const SSL_CTRL_SET_TLSEXT_HOSTNAME = 55;
export const SSL_CTRL_SET_MIN_PROTO_VERSION = 123;
export const SSL_CTRL_SET_MAX_PROTO_VERSION = 124;
export const SSL_CTRL_GET_MIN_PROTO_VERSION = 130;
export const SSL_CTRL_GET_MAX_PROTO_VERSION = 131;
export const TLSEXT_NAMETYPE_HOST_NAME = 0;

/** `SSL_write` may send part of a buffer, and a retry may pass the rest from another address. */
export const SSL_MODE_ENABLE_PARTIAL_WRITE = 0x1;
export const SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER = 0x2;
/** Idle connections give their read and write buffers back (a C10k server holds thousands). */
export const SSL_MODE_RELEASE_BUFFERS = 0x10;

export const SSL_OP_NO_COMPRESSION = 1 << 17;
export const SSL_OP_CIPHER_SERVER_PREFERENCE = 1 << 22;
export const SSL_OP_NO_RENEGOTIATION = 1 << 30;

export const SSL_SESS_CACHE_SERVER = 0x2;

export const TLS1_VERSION = 0x0301;
export const TLS1_1_VERSION = 0x0302;
export const TLS1_2_VERSION = 0x0303;
export const TLS1_3_VERSION = 0x0304;

/** `X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS`: `*.example.com`, never `f*.example.com` (as Python). */
export const X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS = 0x4;

/** ERR_GET_LIB / ERR_GET_REASON of OpenSSL 3 (macros there). */
export const errLib = (code: number): number => Math.floor(code / 2 ** 23) & 0xff;
export const errReason = (code: number): number => code & 0x7fffff;
/** `SSL_R_UNEXPECTED_EOF_WHILE_READING`: the peer closed without close_notify. */
export const SSL_R_UNEXPECTED_EOF_WHILE_READING = 294;
export const ERR_LIB_SSL = 20;
// #endregion constants

function bind(lib: Koffi.LibraryHandle) {
  const f = (decl: string) => lib.func(decl);
  const p = 'void *';
  const AlpnSelect = koffi.proto(
    `int aio_alpn_select_cb(${p} ssl, ${p} out, ${p} outlen, ${p} in, unsigned int inlen, ${p} arg)`,
  );
  return {
    AlpnSelect,
    OpenSSL_version_num: f('unsigned long OpenSSL_version_num()'),
    OpenSSL_version: f('const char *OpenSSL_version(int)'),
    TLS_method: f(`${p} TLS_method()`),
    SSL_CTX_new: f(`${p} SSL_CTX_new(${p})`),
    SSL_CTX_free: f(`void SSL_CTX_free(${p})`),
    SSL_CTX_ctrl: f(`long SSL_CTX_ctrl(${p}, int, long, ${p})`),
    SSL_CTX_set_options: f(`uint64_t SSL_CTX_set_options(${p}, uint64_t)`),
    SSL_CTX_set_verify: f(`void SSL_CTX_set_verify(${p}, int, ${p})`),
    SSL_CTX_set_default_verify_paths: f(`int SSL_CTX_set_default_verify_paths(${p})`),
    SSL_CTX_load_verify_locations: f(
      `int SSL_CTX_load_verify_locations(${p}, const char *, const char *)`,
    ),
    SSL_CTX_use_certificate_chain_file: f(
      `int SSL_CTX_use_certificate_chain_file(${p}, const char *)`,
    ),
    SSL_CTX_use_PrivateKey_file: f(`int SSL_CTX_use_PrivateKey_file(${p}, const char *, int)`),
    SSL_CTX_check_private_key: f(`int SSL_CTX_check_private_key(${p})`),
    SSL_CTX_set_cipher_list: f(`int SSL_CTX_set_cipher_list(${p}, const char *)`),
    SSL_CTX_set_alpn_protos: f(`int SSL_CTX_set_alpn_protos(${p}, ${p}, unsigned int)`),
    SSL_CTX_set_alpn_select_cb: f(
      `void SSL_CTX_set_alpn_select_cb(${p}, aio_alpn_select_cb *, ${p})`,
    ),
    SSL_select_next_proto: f(
      `int SSL_select_next_proto(${p}, ${p}, ${p}, unsigned int, ${p}, unsigned int)`,
    ),
    SSL_new: f(`${p} SSL_new(${p})`),
    SSL_free: f(`void SSL_free(${p})`),
    SSL_set_fd: f(`int SSL_set_fd(${p}, int)`),
    SSL_set_connect_state: f(`void SSL_set_connect_state(${p})`),
    SSL_set_accept_state: f(`void SSL_set_accept_state(${p})`),
    SSL_ctrl: f(`long SSL_ctrl(${p}, int, long, ${p})`),
    SSL_set1_host: f(`int SSL_set1_host(${p}, const char *)`),
    SSL_get0_param: f(`${p} SSL_get0_param(${p})`),
    X509_VERIFY_PARAM_set1_ip_asc: f(`int X509_VERIFY_PARAM_set1_ip_asc(${p}, const char *)`),
    X509_VERIFY_PARAM_set_hostflags: f(`void X509_VERIFY_PARAM_set_hostflags(${p}, unsigned int)`),
    SSL_do_handshake: f(`int SSL_do_handshake(${p})`),
    SSL_read: f(`int SSL_read(${p}, ${p}, int)`),
    SSL_write: f(`int SSL_write(${p}, ${p}, int)`),
    SSL_get_error: f(`int SSL_get_error(${p}, int)`),
    SSL_shutdown: f(`int SSL_shutdown(${p})`),
    SSL_get_verify_result: f(`long SSL_get_verify_result(${p})`),
    X509_verify_cert_error_string: f('const char *X509_verify_cert_error_string(long)'),
    SSL_get0_alpn_selected: f(`void SSL_get0_alpn_selected(${p}, ${p}, ${p})`),
    SSL_get_version: f(`const char *SSL_get_version(${p})`),
    SSL_get_servername: f(`const char *SSL_get_servername(${p}, int)`),
    SSL_has_pending: f(`int SSL_has_pending(${p})`),
    SSL_get_current_cipher: f(`${p} SSL_get_current_cipher(${p})`),
    SSL_CIPHER_get_name: f(`const char *SSL_CIPHER_get_name(${p})`),
    SSL_CIPHER_get_bits: f(`int SSL_CIPHER_get_bits(${p}, ${p})`),
    SSL_get1_peer_certificate: f(`${p} SSL_get1_peer_certificate(${p})`),
    X509_free: f(`void X509_free(${p})`),
    i2d_X509: f(`int i2d_X509(${p}, ${p})`),
    i2d_X509_alloc: f(`int i2d_X509(${p}, _Out_ ${p} *)`),
    CRYPTO_free: f(`void CRYPTO_free(${p}, const char *, int)`),
    ERR_peek_error: f('unsigned long ERR_peek_error()'),
    X509_get_subject_name: f(`${p} X509_get_subject_name(${p})`),
    X509_get_issuer_name: f(`${p} X509_get_issuer_name(${p})`),
    X509_NAME_oneline: f(`char *X509_NAME_oneline(${p}, ${p}, int)`),
    ERR_get_error: f('unsigned long ERR_get_error()'),
    ERR_clear_error: f('void ERR_clear_error()'),
    ERR_error_string_n: f(`void ERR_error_string_n(unsigned long, ${p}, size_t)`),
    ERR_lib_error_string: f('const char *ERR_lib_error_string(unsigned long)'),
    ERR_reason_error_string: f('const char *ERR_reason_error_string(unsigned long)'),
  } as unknown as OpenSSL;
}

/** The bound functions (typed loosely: koffi functions take and return what the C ones do). */
export interface OpenSSL {
  /** koffi's prototype of an ALPN select callback, for `koffi.register`. */
  AlpnSelect: Koffi.TypeObject;
  /** Where the library came from: 'process' (Node's own) or the file loaded. */
  source: string;
  OpenSSL_version_num(): number;
  OpenSSL_version(type: number): string;
  TLS_method(): Pointer;
  SSL_CTX_new(method: Pointer): Pointer | null;
  SSL_CTX_free(ctx: Pointer): void;
  SSL_CTX_ctrl(ctx: Pointer, cmd: number, larg: number, parg: null): number;
  SSL_CTX_set_options(ctx: Pointer, options: number | bigint): bigint;
  SSL_CTX_set_verify(ctx: Pointer, mode: number, cb: null): void;
  SSL_CTX_set_default_verify_paths(ctx: Pointer): number;
  SSL_CTX_load_verify_locations(ctx: Pointer, file: string | null, dir: string | null): number;
  SSL_CTX_use_certificate_chain_file(ctx: Pointer, file: string): number;
  SSL_CTX_use_PrivateKey_file(ctx: Pointer, file: string, type: number): number;
  SSL_CTX_check_private_key(ctx: Pointer): number;
  SSL_CTX_set_cipher_list(ctx: Pointer, list: string): number;
  SSL_CTX_set_alpn_protos(ctx: Pointer, wire: Uint8Array, len: number): number;
  SSL_CTX_set_alpn_select_cb(ctx: Pointer, cb: unknown, arg: null): void;
  SSL_select_next_proto(
    out: Pointer,
    outlen: Pointer,
    server: Uint8Array,
    serverLen: number,
    client: Pointer,
    clientLen: number,
  ): number;
  SSL_new(ctx: Pointer): Pointer | null;
  SSL_free(ssl: Pointer): void;
  SSL_set_fd(ssl: Pointer, fd: number): number;
  SSL_set_connect_state(ssl: Pointer): void;
  SSL_set_accept_state(ssl: Pointer): void;
  SSL_ctrl(ssl: Pointer, cmd: number, larg: number, parg: string | null): number;
  SSL_set1_host(ssl: Pointer, host: string): number;
  SSL_get0_param(ssl: Pointer): Pointer;
  X509_VERIFY_PARAM_set1_ip_asc(param: Pointer, ip: string): number;
  X509_VERIFY_PARAM_set_hostflags(param: Pointer, flags: number): void;
  SSL_do_handshake(ssl: Pointer): number;
  SSL_read(ssl: Pointer, buf: Uint8Array, len: number): number;
  SSL_write(ssl: Pointer, buf: Uint8Array, len: number): number;
  SSL_get_error(ssl: Pointer, ret: number): number;
  SSL_shutdown(ssl: Pointer): number;
  SSL_get_verify_result(ssl: Pointer): number;
  X509_verify_cert_error_string(code: number): string;
  SSL_get0_alpn_selected(ssl: Pointer, data: Uint8Array, len: Uint8Array): void;
  SSL_get_version(ssl: Pointer): string;
  SSL_get_servername(ssl: Pointer, type: number): string | null;
  SSL_has_pending(ssl: Pointer): number;
  SSL_get_current_cipher(ssl: Pointer): Pointer | null;
  SSL_CIPHER_get_name(cipher: Pointer): string;
  SSL_CIPHER_get_bits(cipher: Pointer, alg: null): number;
  SSL_get1_peer_certificate(ssl: Pointer): Pointer | null;
  X509_free(x509: Pointer): void;
  i2d_X509(x509: Pointer, out: null): number;
  i2d_X509_alloc(x509: Pointer, out: [Pointer | null]): number;
  CRYPTO_free(pointer: Pointer, file: null, line: number): void;
  ERR_peek_error(): number;
  X509_get_subject_name(x509: Pointer): Pointer;
  X509_get_issuer_name(x509: Pointer): Pointer;
  X509_NAME_oneline(name: Pointer, buf: Uint8Array, size: number): string;
  ERR_get_error(): number;
  ERR_clear_error(): void;
  ERR_error_string_n(code: number, buf: Uint8Array, len: number): void;
  ERR_lib_error_string(code: number): string | null;
  ERR_reason_error_string(code: number): string | null;
}

/** The libraries tried after the process itself, in order. */
const LIBRARY_NAMES = [
  'libssl.so.3',
  'libssl.3.dylib',
  '/opt/homebrew/opt/openssl@3/lib/libssl.3.dylib',
  '/usr/local/opt/openssl@3/lib/libssl.3.dylib',
  'libssl.so',
];

let loaded: OpenSSL | undefined;
let loadError: Error | undefined;

/** A TLS layer that cannot start: no OpenSSL 3 could be loaded. */
export class OpenSSLUnavailableError extends Error {
  override name = 'OpenSSLUnavailableError';
  readonly code = 'ERR_AIO_OPENSSL_UNAVAILABLE';
}

function tryLoad(path: string | null): OpenSSL | null {
  let lib: Koffi.LibraryHandle;
  try {
    lib = koffi.load(path);
    // Present in OpenSSL 3 only: a process or library without it is not one we can use.
    lib.func('int SSL_get_error(void *, int)');
    lib.func('void *SSL_get1_peer_certificate(void *)');
  } catch {
    return null;
  }
  const bound = bind(lib);
  bound.source = path ?? 'process';
  return bound;
}

/**
 * The OpenSSL functions, loaded on first use.
 * @throws OpenSSLUnavailableError if no OpenSSL 3 is in the process or on the library path
 */
export function openssl(): OpenSSL {
  if (loaded !== undefined) return loaded;
  if (loadError !== undefined) throw loadError;
  const override = process.env.AIO_OPENSSL;
  const candidates = override ? [override] : [null, ...LIBRARY_NAMES];
  for (const candidate of candidates) {
    const lib = tryLoad(candidate);
    if (lib === null) continue;
    if (lib.OpenSSL_version_num() < 0x30000000) continue;
    loaded = lib;
    return lib;
  }
  loadError = new OpenSSLUnavailableError(
    override
      ? `@aio/selector/ssl could not load OpenSSL 3 from AIO_OPENSSL=${override}`
      : `@aio/selector/ssl needs OpenSSL 3: this Node does not export it, and none of ${LIBRARY_NAMES.join(', ')} loads (install libssl3, or set AIO_OPENSSL to the library's path)`,
  );
  throw loadError;
}

/** koffi's `register` and `unregister`, for the ALPN callback (kept here: the FFI stays in this file). */
export const registerCallback = (fn: (...args: never[]) => number, type: Koffi.TypeObject) =>
  koffi.register(fn, koffi.pointer(type));
export const unregisterCallback = (cb: bigint): void => koffi.unregister(cb);
/** A C pointer read from a `void **` out-parameter buffer. */
export const decodePointer = (buf: Uint8Array): Pointer | null =>
  koffi.decode(buf, 'void *') as Pointer | null;
/** `len` bytes at a C pointer, copied. */
export const copyBytes = (pointer: Pointer, len: number): Buffer =>
  Buffer.from(new Uint8Array(koffi.view(pointer, len)));
/** Writes a byte at a C pointer (the ALPN callback's `outlen`). */
export const encodeByte = (pointer: Pointer, value: number): void =>
  koffi.encode(pointer, 'uint8_t', value);
