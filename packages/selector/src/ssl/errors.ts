/**
 * The errors of `@aio/selector/ssl`, named as Python's `ssl` module names them.
 *
 * An `SSLError` carries OpenSSL's own words: `library` ('SSL'), `reason`
 * ('WRONG_VERSION_NUMBER') and the message Python prints (`[SSL: WRONG_VERSION_NUMBER] wrong
 * version number`); `code` is `ERR_SSL_<REASON>` for code that branches on it, as Node's tls
 * errors do.
 */
import {
  openssl,
  errLib,
  errReason,
  ERR_LIB_SSL,
  SSL_R_UNEXPECTED_EOF_WHILE_READING,
} from './openssl';

/** A TLS protocol error (Python's `ssl.SSLError`). */
export class SSLError extends Error {
  override name = 'SSLError';
  /** OpenSSL's library of the error, upper case ('SSL', 'X509', 'PEM'), or '' when unknown. */
  readonly library: string;
  /** OpenSSL's reason, upper snake case ('WRONG_VERSION_NUMBER'), or '' when unknown. */
  readonly reason: string;
  /** `ERR_SSL_<REASON>` (or `ERR_SSL` when OpenSSL gave no reason). */
  readonly code: string;

  constructor(message: string, library = '', reason = '', options?: ErrorOptions) {
    super(message, options);
    this.library = library;
    this.reason = reason;
    this.code = reason === '' ? 'ERR_SSL' : `ERR_SSL_${reason}`;
  }
}

/** The peer's certificate did not verify (Python's `ssl.SSLCertVerificationError`). */
export class SSLCertVerificationError extends SSLError {
  override name = 'SSLCertVerificationError';
  /** OpenSSL's X509 verify result (`X509_V_ERR_*`: 18 is a self-signed certificate). */
  readonly verifyCode: number;
  /** Its text: 'self-signed certificate', "Hostname mismatch, certificate is not valid for 'x'". */
  readonly verifyMessage: string;

  constructor(verifyCode: number, verifyMessage: string, reason: string) {
    super(`[SSL: ${reason}] certificate verify failed: ${verifyMessage}`, 'SSL', reason);
    this.verifyCode = verifyCode;
    this.verifyMessage = verifyMessage;
  }
}

/** The peer closed the connection in the middle of the TLS protocol (Python's `ssl.SSLEOFError`). */
export class SSLEOFError extends SSLError {
  override name = 'SSLEOFError';
  constructor(message = 'EOF occurred in violation of protocol') {
    super(message, 'SSL', 'UNEXPECTED_EOF_WHILE_READING');
  }
}

/** A certificate, key or CA file that OpenSSL refused, or a bad option (raised when configuring). */
export class SSLConfigError extends SSLError {
  override name = 'SSLConfigError';
}

const ERROR_TEXT = Buffer.alloc(256);

function snake(text: string | null): string {
  return text === null
    ? ''
    : text
        .toUpperCase()
        .replace(/[^A-Z0-9]+/g, '_')
        .replace(/^_|_$/g, '');
}

/** One queued OpenSSL error as its parts: `[library, reason, text]`. */
export function describeOpenSSLError(
  code: number,
): [library: string, reason: string, text: string] {
  const lib = openssl();
  const reasonText = lib.ERR_reason_error_string(code);
  let library = snake(lib.ERR_lib_error_string(code));
  if (library === 'SSL_ROUTINES') library = 'SSL';
  if (library === 'X509_CERTIFICATE_ROUTINES') library = 'X509';
  if (library === 'PEM_ROUTINES') library = 'PEM';
  let text = reasonText;
  if (text === null) {
    lib.ERR_error_string_n(code, ERROR_TEXT, ERROR_TEXT.length);
    text = ERROR_TEXT.toString('latin1', 0, ERROR_TEXT.indexOf(0));
  }
  return [library, snake(reasonText), text];
}

/** True if `code` is OpenSSL 3's "unexpected eof while reading": the peer left without close_notify. */
export function isUnexpectedEof(code: number): boolean {
  return errLib(code) === ERR_LIB_SSL && errReason(code) === SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

/**
 * The error OpenSSL queued on this thread, as an SSLError (the queue is emptied). `what` says
 * what was being done when nothing was queued.
 */
export function takeOpenSSLError(what: string, Class: typeof SSLError = SSLError): SSLError {
  const lib = openssl();
  let first = 0;
  for (let code = lib.ERR_get_error(); code !== 0; code = lib.ERR_get_error()) {
    if (first === 0) first = code;
  }
  if (first === 0) return new Class(`${what} failed (OpenSSL gave no reason)`);
  if (isUnexpectedEof(first)) return new SSLEOFError();
  const [library, reason, text] = describeOpenSSLError(first);
  return new Class(
    `[${library || 'SSL'}: ${reason}] ${text}${what ? ` (${what})` : ''}`,
    library,
    reason,
  );
}
