/**
 * httputil's two errors (tornado/httputil.py): what a peer sent that HTTP does not allow, and what
 * the application tried to send that it does not allow.
 */

/**
 * Bad input from the peer: a malformed or ambiguous message, or one over a limit. The server
 * answers it with `code` (400 unless a more precise status applies: 413, 431, 501, 505) and
 * closes the connection, never reusing it.
 */
export class HTTPInputError extends Error {
  override name = 'HTTPInputError';
  readonly code = 'ERR_AIO_HTTP_INPUT';
  /** The status a server answers this input with. */
  readonly status: number;

  constructor(message: string, status = 400) {
    super(message);
    this.status = status;
  }
}

/**
 * Bad output from the application: a header or reason with CR, LF or another control character,
 * a body longer or shorter than its `Content-Length`, a body where none may be sent.
 */
export class HTTPOutputError extends Error {
  override name = 'HTTPOutputError';
  readonly code = 'ERR_AIO_HTTP_OUTPUT';
}
