/**
 * @aio/selector/ssl: TLS on aio's own sockets, as Python's `ssl` module gives it — an
 * `SSLContext` (certificates, CAs, verification, versions, ALPN) and `SSLSocket`, OpenSSL on a
 * socket's fd, non-blocking: the handshake and reads report want-read / want-write to whoever
 * polls the fd. OpenSSL 3 is loaded on first use: Node's own when the process exports it, else
 * the system's `libssl`.
 *
 * @module @aio/selector/ssl
 */
export {
  SSLContext,
  createDefaultContext,
  CERT_NONE,
  CERT_OPTIONAL,
  CERT_REQUIRED,
  TLSVersion,
  type VerifyMode,
  type SSLContextRole,
  type WrapSocketOptions,
  type Purpose,
  type DefaultContextOptions,
} from './ssl/context';
export {
  SSLSocket,
  SSL_ERROR_WANT_READ,
  SSL_ERROR_WANT_WRITE,
  type PeerCertificate,
} from './ssl/socket';
export { SSLError, SSLCertVerificationError, SSLEOFError, SSLConfigError } from './ssl/errors';
export { OpenSSLUnavailableError } from './ssl/openssl';

import { openssl } from './ssl/openssl';
/** OpenSSL's version text ('OpenSSL 3.0.19 27 Jan 2026') and where it was loaded from. */
export function opensslVersion(): { version: string; source: string } {
  const lib = openssl();
  return { version: lib.OpenSSL_version(0), source: lib.source };
}
