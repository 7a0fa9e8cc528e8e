/**
 * Form bodies (tornado/httputil.py `parse_body_arguments` and `parse_multipart_form_data`):
 * `application/x-www-form-urlencoded` and `multipart/form-data`, into the `arguments` and
 * `files` a request handler reads.
 *
 * Every problem with the body is one `HTTPInputError`, thrown at the first problem found, and
 * nothing is logged here: the caller answers the request with one 400 (tornado's
 * `RequestHandler` turns it into `HTTPError(400, "Invalid body: …")`). tornado before
 * 6.5 logged a warning for each malformed part and went on to the next, so one request of
 * many bad parts wrote as many log lines, synchronously, on the event loop (GHSA-7cx3-6m66-7c5m,
 * CVE-2025-47287). Parts parsed before the bad one stay in `arguments` and `files`, as in
 * tornado.
 *
 * Limits (tornado 6.5.5, GHSA-qjxf-f2mg-c6mc): a multipart body may have at most `maxParts`
 * pieces and each part's headers at most `maxPartHeaderSize` bytes, and multipart parsing can
 * be turned off. Each call may pass its own `ParseBodyConfig`; `setParseBodyConfig` changes the
 * default for every call that does not.
 *
 * A part's headers are UTF-8 and read with `HTTPHeaders.parse(text, { utf8: true })`: any
 * character but a control (a CR, a NUL, a backspace…) may appear in a file name, and a control
 * is an error rather than a line break an attacker could use to add a header. Folded lines and
 * bare-LF line ends, which tornado 6.5 still accepts in part headers (deprecated, to be removed
 * in 7.0), are errors here too, as everywhere `HTTPHeaders.parse` reads.
 */
import { inspect } from 'node:util';
import { checkInteger, optionTypeError } from '../log/errors';
import { HTTPInputError } from './errors';
import { HTTPHeaders } from './headers';
import { parseHeaderParams, stripWhitespace } from './params';
import { parseQsBytes } from './url';

/** A file uploaded with a form, as tornado's `HTTPFile`. */
export class HTTPFile {
  /** The name the client gave the file (decoded from RFC 2231 when it sent `filename*=`). */
  readonly filename: string;
  /** The file's content, as sent. */
  readonly body: Buffer;
  /** The part's `Content-Type`, `application/unknown` when it had none. */
  readonly contentType: string;

  constructor(init: { filename: string; body: Buffer; contentType: string }) {
    this.filename = init.filename;
    this.body = init.body;
    this.contentType = init.contentType;
  }

  /** `<HTTPFile filename="a.txt" contentType="text/plain" body=3 bytes>` (never the content). */
  toString(): string {
    return (
      `<HTTPFile filename=${JSON.stringify(this.filename)} ` +
      `contentType=${JSON.stringify(this.contentType)} body=${this.body.length} bytes>`
    );
  }

  get [Symbol.toStringTag](): string {
    return 'HTTPFile';
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** The fields of a `ParseMultipartConfig`, each optional in its constructor. */
export interface ParseMultipartOptions {
  /** False refuses every `multipart/form-data` body (an `HTTPInputError`). Default true. */
  enabled?: boolean;
  /**
   * The most pieces a body may split into at its boundaries. As in tornado the text before the
   * first boundary counts as one (it is empty in a well-formed body), so the default of 100
   * admits 99 parts.
   */
  maxParts?: number;
  /** The most bytes of headers one part may have. Default 10 KiB. */
  maxPartHeaderSize?: number;
}

/**
 * Limits on `multipart/form-data` parsing, as tornado's `ParseMultipartConfig`.
 * @example
 * ```ts
 * setParseBodyConfig(new ParseBodyConfig({ multipart: { maxParts: 1000 } }));
 * ```
 */
export class ParseMultipartConfig {
  readonly enabled: boolean;
  readonly maxParts: number;
  readonly maxPartHeaderSize: number;

  constructor(options: ParseMultipartOptions = {}) {
    const where = 'new ParseMultipartConfig()';
    if (typeof options !== 'object' || options === null) {
      throw optionTypeError(where, 'options', 'an object', options);
    }
    const { enabled = true, maxParts = 100, maxPartHeaderSize = 10 * 1024 } = options;
    if (typeof enabled !== 'boolean') throw optionTypeError(where, 'enabled', 'a boolean', enabled);
    this.enabled = enabled;
    this.maxParts = checkInteger(where, 'maxParts', maxParts, 0);
    this.maxPartHeaderSize = checkInteger(where, 'maxPartHeaderSize', maxPartHeaderSize, 0);
  }

  toString(): string {
    return `<ParseMultipartConfig enabled=${this.enabled} maxParts=${this.maxParts} maxPartHeaderSize=${this.maxPartHeaderSize}>`;
  }
}

/** The fields of a `ParseBodyConfig`. */
export interface ParseBodyOptions {
  /** Limits on `multipart/form-data` bodies (the defaults when left out). */
  multipart?: ParseMultipartConfig | ParseMultipartOptions;
}

/** How request bodies are parsed, as tornado's `ParseBodyConfig`. */
export class ParseBodyConfig {
  readonly multipart: ParseMultipartConfig;

  constructor(options: ParseBodyOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw optionTypeError('new ParseBodyConfig()', 'options', 'an object', options);
    }
    this.multipart = toMultipartConfig(options.multipart, 'new ParseBodyConfig()');
  }

  toString(): string {
    return `<ParseBodyConfig multipart=${String(this.multipart)}>`;
  }
}

let defaultConfig = new ParseBodyConfig();

/**
 * Sets the configuration every `parseBodyArguments` and `parseMultipartFormData` call uses
 * when it is given none: process-wide, as tornado's `set_parse_body_config`, a stopgap for
 * applications that need other limits until the server takes a configuration of its own.
 * @example
 * ```ts
 * setParseBodyConfig(new ParseBodyConfig({ multipart: { enabled: false } }));
 * // … every multipart body is now an HTTPInputError
 * setParseBodyConfig(new ParseBodyConfig()); // back to the defaults
 * ```
 */
export function setParseBodyConfig(config: ParseBodyConfig | ParseBodyOptions): void {
  defaultConfig = toBodyConfig(config, 'setParseBodyConfig()');
}

/** Where names and values go: each name's values, in order. */
export type BodyArguments = Record<string, Buffer[]>;
/** Where uploaded files go: each name's files, in order. */
export type BodyFiles = Record<string, HTTPFile[]>;

/**
 * Parses a form body into `args` (name → values, as octets) and `files` (name → uploads),
 * adding to what they hold. `application/x-www-form-urlencoded` and `multipart/form-data` are
 * parsed; a body of any other type is left alone.
 *
 * A form body with any `Content-Encoding` (even `identity`) is refused, as in tornado 6.5: a
 * connection that decompresses the body (tornado's `decompress_request`) takes the header
 * away, so one still there is an encoding nobody undid.
 * @param contentType the request's `Content-Type` (`''` when it has none)
 * @param headers the request's headers, for `Content-Encoding`
 * @param config the limits for this call (the `setParseBodyConfig` default when left out)
 * @example
 * ```ts
 * const args: BodyArguments = {};
 * const files: BodyFiles = {};
 * parseBodyArguments('application/x-www-form-urlencoded', Buffer.from('a=1&a=2'), args, files);
 * args.a; // [<Buffer 31>, <Buffer 32>]
 * ```
 * @throws HTTPInputError for an encoded body, a multipart type without a boundary, a
 *   malformed multipart body, one over a limit, or any multipart body when it is disabled
 */
export function parseBodyArguments(
  contentType: string,
  body: Uint8Array,
  args: BodyArguments,
  files: BodyFiles,
  headers?: HTTPHeaders | null,
  config?: ParseBodyConfig | ParseBodyOptions,
): void {
  const where = 'parseBodyArguments()';
  if (typeof contentType !== 'string') {
    throw optionTypeError(where, 'contentType', 'a string', contentType);
  }
  checkBody(where, 'body', body);
  checkTarget(where, 'args', args);
  checkTarget(where, 'files', files);
  if (headers !== undefined && headers !== null && !(headers instanceof HTTPHeaders)) {
    throw optionTypeError(where, 'headers', 'HTTPHeaders', headers);
  }
  const { multipart } = config === undefined ? defaultConfig : toBodyConfig(config, where);

  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    refuseContentEncoding(headers);
    // Values stay octets: the application decodes them (tornado's decode_argument).
    for (const [name, values] of Object.entries(parseQsBytes(body, true))) {
      appendTo(args, name, ...values);
    }
  } else if (contentType.startsWith('multipart/form-data')) {
    refuseContentEncoding(headers);
    try {
      const boundary = multipartBoundary(contentType);
      parseMultipartFormData(boundary, body, args, files, multipart);
    } catch (error) {
      throw inputError(`Invalid multipart/form-data: ${errorMessage(error)}`, error);
    }
  }
}

function refuseContentEncoding(headers: HTTPHeaders | null | undefined): void {
  const encoding = headers?.get('Content-Encoding');
  if (encoding !== undefined) throw new HTTPInputError(`Unsupported Content-Encoding: ${encoding}`);
}

/**
 * The `boundary` parameter of a `multipart/form-data` type, as UTF-8 octets. tornado splits the
 * type at every `;` without regard to quotes, and so does this: a boundary may be quoted, but
 * may not hold a `;`.
 */
function multipartBoundary(contentType: string): Buffer {
  const fields = contentType.split(';');
  // `multipart/form-dataxyz` starts like the type, but is not it.
  if (stripWhitespace(fields[0]!) !== 'multipart/form-data') {
    throw new HTTPInputError('Invalid content type');
  }
  for (const field of fields) {
    const text = stripWhitespace(field);
    const eq = text.indexOf('=');
    if (eq !== -1 && text.slice(0, eq) === 'boundary' && eq + 1 < text.length) {
      return Buffer.from(text.slice(eq + 1), 'utf8');
    }
  }
  throw new HTTPInputError('multipart boundary not found');
}

/**
 * Parses a `multipart/form-data` body into `args` (fields) and `files` (parts with a
 * `filename`), adding to what they hold.
 *
 * The body is read as tornado reads it: everything from the last `--boundary--` on is ignored;
 * the rest is split at each `--boundary` CRLF; each part is headers, an empty line, and a value
 * that ends with CRLF. A part's `Content-Disposition` must be `form-data` with a non-empty
 * `name`; a part whose `filename` is not empty is a file.
 * @param boundary the `boundary` parameter of the body's type (its quotes, if any, are removed)
 * @param config the limits for this call (the `setParseBodyConfig` default when left out)
 * @example
 * ```ts
 * const body = Buffer.from(
 *   '--xyz\r\nContent-Disposition: form-data; name="up"; filename="a.txt"\r\n\r\nhello\r\n--xyz--',
 * );
 * const files: BodyFiles = {};
 * parseMultipartFormData('xyz', body, {}, files);
 * files.up![0]!.filename; // 'a.txt'
 * ```
 * @throws HTTPInputError for a body with no final boundary, too many parts, a part without
 *   headers, with headers too large, not UTF-8, malformed (a control character included) or
 *   not `form-data` with a name, a part not ending with CRLF, or when multipart is disabled
 */
export function parseMultipartFormData(
  boundary: Uint8Array | string,
  data: Uint8Array,
  args: BodyArguments,
  files: BodyFiles,
  config?: ParseMultipartConfig | ParseMultipartOptions,
): void {
  const where = 'parseMultipartFormData()';
  if (typeof boundary !== 'string') checkBody(where, 'boundary', boundary);
  checkBody(where, 'data', data);
  checkTarget(where, 'args', args);
  checkTarget(where, 'files', files);
  const limits = config === undefined ? defaultConfig.multipart : toMultipartConfig(config, where);
  if (!limits.enabled) throw new HTTPInputError('multipart/form-data parsing is disabled');

  let mark = typeof boundary === 'string' ? Buffer.from(boundary, 'utf8') : asBuffer(boundary);
  // The boundary may be quoted in the type (RFC 2046 allows it; Google App Engine did it).
  if (mark.length > 0 && mark[0] === 0x22 && mark[mark.length - 1] === 0x22) {
    mark = mark.subarray(1, mark.length - 1);
  }
  const body = asBuffer(data);
  const end = body.lastIndexOf(Buffer.concat([DASHES, mark, DASHES]));
  if (end === -1) throw new HTTPInputError('Invalid multipart/form-data: no final boundary found');
  const pieces = splitBuffer(
    body.subarray(0, end),
    Buffer.concat([DASHES, mark, CRLF]),
    limits.maxParts,
  );
  for (const piece of pieces) {
    if (piece.length > 0) readPart(piece, args, files, limits);
  }
}

const DASHES = Buffer.from('--');
const CRLF = Buffer.from('\r\n');
const END_OF_HEADERS = Buffer.from('\r\n\r\n');
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * `data` split at each `separator` (views, not copies), as Python's `bytes.split`. More than
 * `maxPieces` pieces is an error, found before any part is read and without splitting the rest.
 */
function splitBuffer(data: Buffer, separator: Buffer, maxPieces: number): Buffer[] {
  const pieces: Buffer[] = [];
  let start = 0;
  for (;;) {
    if (pieces.length === maxPieces) {
      throw new HTTPInputError('multipart/form-data has too many parts');
    }
    const at = data.indexOf(separator, start);
    if (at === -1) break;
    pieces.push(data.subarray(start, at));
    start = at + separator.length;
  }
  pieces.push(data.subarray(start));
  return pieces;
}

/** Reads one part: its headers, its disposition, and its value into `args` or `files`. */
function readPart(
  part: Buffer,
  args: BodyArguments,
  files: BodyFiles,
  limits: ParseMultipartConfig,
): void {
  const endOfHeaders = part.indexOf(END_OF_HEADERS);
  if (endOfHeaders === -1) throw new HTTPInputError('multipart/form-data missing headers');
  if (endOfHeaders > limits.maxPartHeaderSize) {
    throw new HTTPInputError('multipart/form-data part header too large');
  }
  const headers = HTTPHeaders.parse(decodeUtf8(part.subarray(0, endOfHeaders)), { utf8: true });
  const [disposition, params] = parseHeaderParams(headers.get('Content-Disposition', ''));
  if (disposition !== 'form-data' || !endsWithCrlf(part)) {
    throw new HTTPInputError('Invalid multipart/form-data');
  }
  const name = params['name'];
  if (name === undefined || name === '') {
    throw new HTTPInputError('multipart/form-data missing name');
  }
  // A copy: a value must not keep the whole body alive, nor change if the body's buffer does.
  // (Empty when the headers' CRLF CRLF is also the part's final CRLF.)
  const value = Buffer.from(part.subarray(endOfHeaders + 4, part.length - 2));
  const filename = params['filename'];
  if (filename !== undefined && filename !== '') {
    const contentType = headers.get('Content-Type', 'application/unknown');
    appendTo(files, name, new HTTPFile({ filename, body: value, contentType }));
  } else {
    appendTo<Buffer>(args, name, value);
  }
}

function decodeUtf8(octets: Buffer): string {
  try {
    return UTF8.decode(octets);
  } catch (error) {
    throw inputError('multipart/form-data part headers are not valid UTF-8', error);
  }
}

function endsWithCrlf(part: Buffer): boolean {
  return part.length >= 2 && part[part.length - 2] === 0x0d && part[part.length - 1] === 0x0a;
}

/**
 * Appends to `target[name]`. `target` is the caller's object and `name` comes from the peer, so
 * only own properties count and a new list is defined, never assigned: `__proto__` and
 * `constructor` are names like any other.
 */
function appendTo<T>(target: Record<string, T[]>, name: string, ...values: T[]): void {
  if (Object.hasOwn(target, name)) {
    target[name]!.push(...values);
  } else {
    Object.defineProperty(target, name, {
      value: values,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
}

function toBodyConfig(config: ParseBodyConfig | ParseBodyOptions, where: string): ParseBodyConfig {
  if (config instanceof ParseBodyConfig) return config;
  if (typeof config !== 'object' || config === null) {
    throw optionTypeError(where, 'config', 'a ParseBodyConfig or its options', config);
  }
  return new ParseBodyConfig(config);
}

function toMultipartConfig(
  config: ParseMultipartConfig | ParseMultipartOptions | undefined,
  where: string,
): ParseMultipartConfig {
  if (config === undefined) return new ParseMultipartConfig();
  if (config instanceof ParseMultipartConfig) return config;
  if (typeof config !== 'object' || config === null) {
    throw optionTypeError(where, 'config', 'a ParseMultipartConfig or its options', config);
  }
  return new ParseMultipartConfig(config);
}

function checkBody(where: string, option: string, value: unknown): void {
  if (!(value instanceof Uint8Array)) {
    throw optionTypeError(where, option, 'a Buffer or Uint8Array', value);
  }
}

function checkTarget(where: string, option: string, value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw optionTypeError(where, option, 'an object', value);
  }
}

function asBuffer(octets: Uint8Array): Buffer {
  return Buffer.isBuffer(octets)
    ? octets
    : Buffer.from(octets.buffer, octets.byteOffset, octets.byteLength);
}

function inputError(message: string, cause: unknown): HTTPInputError {
  const error = new HTTPInputError(message);
  error.cause = cause;
  return error;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
