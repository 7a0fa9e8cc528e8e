/**
 * The first line of an HTTP/1 message (tornado/httputil.py): a request's
 * `METHOD SP request-target SP HTTP-version` and a response's `HTTP-version SP status SP reason`,
 * parsed strictly (RFC 9112 §3 and §4).
 */
import { HTTPInputError } from './errors';
import { TOKEN, TOKEN_CHARS } from './headers';

/** A request line: `GET /path?q HTTP/1.1`. (tornado's `path` is the whole target.) */
export class RequestStartLine {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly version: string,
  ) {}

  toString(): string {
    return `${this.method} ${this.path} ${this.version}`;
  }
}

/** A status line: `HTTP/1.1 200 OK`. */
export class ResponseStartLine {
  constructor(
    readonly version: string,
    readonly code: number,
    readonly reason: string,
  ) {}

  toString(): string {
    return `${this.version} ${String(this.code)} ${this.reason}`;
  }
}

/** `HTTP/d.d` (RFC 9112 §2.3). */
const VERSION = /^HTTP\/[0-9]\.[0-9]$/;
/** A request-target's bytes: visible ASCII only (no SP, no controls, no DEL, no obs-text). */
const TARGET = /^[\x21-\x7e]+$/;
/** A reason phrase: HTAB, SP, visible ASCII and obs-text. */
const REASON = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Parses a request line, strictly: one SP between the three parts, the method a token, the
 * target visible ASCII without a `#fragment`, the version `HTTP/1.d`.
 * @example
 * ```ts
 * parseRequestStartLine('GET /foo HTTP/1.1'); // RequestStartLine { method: 'GET', path: '/foo', version: 'HTTP/1.1' }
 * ```
 * @throws HTTPInputError (status 400; 505 for a well-formed version other than HTTP/1.x)
 */
export function parseRequestStartLine(line: string): RequestStartLine {
  const wellFormed = scanRequestLine(line);
  if (wellFormed !== null) return wellFormed;
  // Not the common shape: the checks one by one, to say what is wrong.
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 === -1 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 === -1 || line.indexOf(' ', sp2 + 1) !== -1) {
    throw new HTTPInputError('Malformed HTTP request line');
  }
  const method = line.slice(0, sp1);
  const target = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  if (!TOKEN.test(method)) throw new HTTPInputError('Malformed HTTP request line: bad method');
  if (!TARGET.test(target)) {
    throw new HTTPInputError('Malformed HTTP request line: bad request target');
  }
  if (target.includes('#')) {
    throw new HTTPInputError('Malformed HTTP request line: a fragment in the request target');
  }
  checkVersion(version);
  return new RequestStartLine(method, target, version);
}

/**
 * A well-formed HTTP/1.x request line (the common case), read by char codes — a token, SP, a
 * target of visible ASCII but `#`, SP, `HTTP/1.d` — or null for anything else, which the checks
 * one by one then refuse by name. The usual methods and versions come out as the literals the
 * server compares and looks up (a string cut from the line is new each time, hashed anew by
 * every Map it is looked up in).
 */
function scanRequestLine(line: string): RequestStartLine | null {
  let sp1 = 0;
  let code = line.charCodeAt(0);
  while (code < 128 && TOKEN_CHARS[code] === 1) code = line.charCodeAt(++sp1);
  if (sp1 === 0 || code !== 0x20) return null;
  let sp2 = sp1 + 1;
  code = line.charCodeAt(sp2);
  while (code > 0x20 && code < 0x7f && code !== 0x23 /* # */) code = line.charCodeAt(++sp2);
  if (sp2 === sp1 + 1 || code !== 0x20 || line.length !== sp2 + 9) return null;
  if (!line.startsWith('HTTP/1.', sp2 + 1)) return null;
  const minor = line.charCodeAt(sp2 + 8);
  let version: string;
  if (minor === 0x31) version = 'HTTP/1.1';
  else if (minor === 0x30) version = 'HTTP/1.0';
  else if (minor > 0x31 && minor <= 0x39) version = line.slice(sp2 + 1);
  else return null;
  return new RequestStartLine(methodOf(line.slice(0, sp1)), line.slice(sp1 + 1, sp2), version);
}

/** `method`, as its literal when it is one of the usual ones. */
function methodOf(method: string): string {
  switch (method) {
    case 'GET':
      return 'GET';
    case 'POST':
      return 'POST';
    case 'HEAD':
      return 'HEAD';
    case 'PUT':
      return 'PUT';
    case 'DELETE':
      return 'DELETE';
    case 'PATCH':
      return 'PATCH';
    case 'OPTIONS':
      return 'OPTIONS';
    default:
      return method;
  }
}

/**
 * Parses a status line: `HTTP/1.d`, a three-digit code, and a reason (possibly empty; the SP
 * before it may be missing when it is).
 * @throws HTTPInputError
 */
export function parseResponseStartLine(line: string): ResponseStartLine {
  const version = line.slice(0, 8);
  const code = line.slice(9, 12);
  if (line.charCodeAt(8) !== 0x20 || !/^[0-9]{3}$/.test(code)) {
    throw new HTTPInputError('Error parsing response start line');
  }
  if (line.length > 12 && line.charCodeAt(12) !== 0x20) {
    throw new HTTPInputError('Error parsing response start line');
  }
  const reason = line.slice(13);
  if (!REASON.test(reason)) throw new HTTPInputError('Error parsing response start line: reason');
  checkVersion(version);
  return new ResponseStartLine(version, Number(code), reason);
}

function checkVersion(version: string): void {
  if (!VERSION.test(version)) throw new HTTPInputError('Malformed HTTP version');
  if (version.charCodeAt(5) !== 0x31) {
    throw new HTTPInputError(`Unsupported HTTP version ${version}`, 505);
  }
}
