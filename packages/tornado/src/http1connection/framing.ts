/**
 * How an HTTP/1 message's body is framed, decided strictly (RFC 9112 §6): what the
 * `Content-Length` and `Transfer-Encoding` headers say, and every combination a parser could
 * read two ways is an `HTTPInputError` — the request-smuggling cases (CL.TE, TE.CL, TE.TE) end
 * in a 400 and a closed connection, never in a guess.
 */
import { HTTPInputError } from '../httputil/errors';
import type { HTTPHeaders } from '../httputil/headers';

/** The body's framing: none, a length, chunked, or (responses only) until the connection closes. */
export type BodyFraming =
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' }
  | { readonly kind: 'close' };

/** Decimal digits only: no sign, no `_`, no `0x`, no spaces, not empty. */
const DIGITS = /^[0-9]+$/;
/** A chunk size: hex digits only (no `0x`, no sign, no `_`), at most 16 once leading zeros go. */
const HEX_SIZE = /^0*[0-9a-fA-F]{1,16}$/;
/**
 * What may follow a chunk size: extensions `;name[=value]`, value a token or a quoted string
 * (RFC 9112 §7.1.1), with optional spaces and tabs around `;` and `=` (BWS).
 */
const CHUNK_EXTENSIONS =
  /^(?:[ \t]*;[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:[ \t]*=[ \t]*(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+|"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"))?)*$/;

/**
 * A message's `Content-Length`: digits only; a comma list of equal values (a proxy's
 * duplication) counts once, unequal ones are an error. Null when there is none.
 * @throws HTTPInputError
 */
export function parseContentLength(headers: HTTPHeaders): number | null {
  const values = headers.getList('Content-Length');
  if (values.length === 0) return null;
  let length: string | null = null;
  for (const value of values) {
    for (const piece of value.split(',')) {
      const digits = piece.replace(/^[ \t]+|[ \t]+$/g, '');
      if (!DIGITS.test(digits)) {
        throw new HTTPInputError(`Invalid Content-Length ${JSON.stringify(value)}`);
      }
      if (length === null) length = digits;
      else if (Number(digits) !== Number(length)) {
        throw new HTTPInputError(
          `Multiple unequal Content-Lengths ${JSON.stringify(values.join(','))}`,
        );
      }
    }
  }
  // More than 15 digits is past any body a server takes (and past exact doubles).
  const trimmed = length!.replace(/^0+(?=.)/, '');
  if (trimmed.length > 15) throw new HTTPInputError('Content-Length too long', 413);
  return Number(trimmed);
}

/**
 * True when `Transfer-Encoding` is exactly `chunked` (case-insensitive, one header, one coding);
 * false without one. Both it and `Content-Length`, any other coding or list of codings (`gzip,
 * chunked`, `chunked, chunked`), and a value padded with anything but SP and HTAB are errors.
 * @throws HTTPInputError
 */
// #region transfer-encoding
export function isTransferEncodingChunked(headers: HTTPHeaders): boolean {
  const values = headers.getList('Transfer-Encoding');
  if (values.length === 0) return false;
  if (headers.has('Content-Length')) {
    throw new HTTPInputError('Message with both Transfer-Encoding and Content-Length');
  }
  if (values.length === 1 && values[0]!.toLowerCase() === 'chunked') return true;
  throw new HTTPInputError(`Unsupported Transfer-Encoding ${JSON.stringify(values.join(', '))}`);
}
// #endregion transfer-encoding

/**
 * A request's body framing. A request without either header has no body; HTTP/1.0 cannot be
 * chunked (RFC 9112 §6.1: faulty framing). (The length is checked against the limit later, once
 * the delegate has had its say.)
 * @throws HTTPInputError
 */
export function requestFraming(version: string, headers: HTTPHeaders): BodyFraming {
  if (!headers.has('Transfer-Encoding') && !headers.has('Content-Length')) return NO_BODY;
  if (isTransferEncodingChunked(headers)) {
    if (version === 'HTTP/1.0')
      throw new HTTPInputError('Transfer-Encoding in an HTTP/1.0 request');
    return CHUNKED;
  }
  const length = parseContentLength(headers) ?? 0;
  return length === 0 ? NO_BODY : { kind: 'length', length };
}

export const NO_BODY: BodyFraming = Object.freeze({ kind: 'length', length: 0 });
export const CHUNKED: BodyFraming = Object.freeze({ kind: 'chunked' });
export const UNTIL_CLOSE: BodyFraming = Object.freeze({ kind: 'close' });

/**
 * The size in a chunk-size line (`1a;ext=v\r\n`, the CRLF included). Extensions are checked
 * and ignored.
 * @throws HTTPInputError
 */
export function parseChunkSize(line: string): number {
  if (!line.endsWith('\r\n')) throw new HTTPInputError('Chunk size line not ended by CRLF');
  const body = line.slice(0, -2);
  const semicolon = body.search(/[ \t;]/);
  const size = semicolon === -1 ? body : body.slice(0, semicolon);
  if (!HEX_SIZE.test(size)) throw new HTTPInputError(`Invalid chunk size ${JSON.stringify(size)}`);
  if (semicolon !== -1 && !CHUNK_EXTENSIONS.test(body.slice(semicolon))) {
    throw new HTTPInputError('Invalid chunk extension');
  }
  return parseInt(size, 16);
}
