/**
 * tornado's `HTTPHeaders` (tornado/httputil.py): a case-insensitive, multi-valued map of header
 * fields that keeps `Http-Header-Case` for its names. Each field keeps its list of values; `get`
 * joins them with `,` (computed once, then cached until the field changes), so a thousand
 * repeated `add`s cost a thousand appends, never a thousand growing joins (tornado's quadratic
 * `HTTPHeaders.add`, tornado 6.5.3, GHSA-c98p-7wgm-6p64, CVE-2025-67725).
 */
import { inspect } from 'node:util';
import { HTTPInputError } from './errors';

/** RFC 9110 `token`: a field name or a method. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What a field value must not hold: controls other than HTAB, and DEL (RFC 9110 5.5). */
// eslint-disable-next-line no-control-regex -- the bytes HTTP forbids are what it looks for
export const FORBIDDEN_VALUE_CHARS = /[\x00-\x08\x0a-\x1f\x7f]/;

/**
 * One well-formed field line, matched where the last one ended: a token, a colon, a value of
 * allowed characters (trimmed after), CRLF. Its classes do not overlap, so a line that does not
 * match fails in one pass (no backtracking to blow up on a long run of spaces).
 */
const FIELD_LINE = /([!#$%&'*+\-.^_`|~0-9A-Za-z]+):([\t\x20-\x7e\x80-\xff]*)\r\n/y;

interface Field {
  /** The name in `Http-Header-Case`. */
  readonly name: string;
  readonly values: string[];
  /** The values joined with `,`, once asked for. */
  joined: string | null;
}

/** What `new HTTPHeaders()` copies from. */
export type HTTPHeadersInit =
  | HTTPHeaders
  | Iterable<readonly [string, string]>
  | Readonly<Record<string, string | readonly string[]>>;

const normalized = new Map<string, string>();

/**
 * `content-type` → `Content-Type`, as tornado's `_normalize_header` (cached: a server sees the
 * same few names over and over).
 */
export function normalizeHeaderName(name: string): string {
  let out = normalized.get(name);
  if (out !== undefined) return out;
  out = name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
    .join('-');
  if (normalized.size >= 1000) normalized.clear();
  normalized.set(name, out);
  return out;
}

/**
 * Header fields by case-insensitive name, each with one or more values.
 * @example
 * ```ts
 * const h = new HTTPHeaders({ 'content-type': 'text/html' });
 * h.add('Set-Cookie', 'A=B');
 * h.add('Set-Cookie', 'C=D');
 * h.get('set-cookie'); // 'A=B,C=D'
 * h.getList('set-cookie'); // ['A=B', 'C=D']
 * [...h.keys()]; // ['Content-Type', 'Set-Cookie']
 * ```
 */
export class HTTPHeaders implements Iterable<[string, string]> {
  readonly #fields = new Map<string, Field>();

  constructor(init?: HTTPHeadersInit) {
    if (init === undefined || init === null) return;
    if (init instanceof HTTPHeaders) {
      for (const [name, value] of init.getAll()) this.add(name, value);
    } else if (typeof (init as Iterable<unknown>)[Symbol.iterator] === 'function') {
      for (const pair of init as Iterable<readonly [string, string]>) this.add(pair[0], pair[1]);
    } else if (typeof init === 'object') {
      const fields = init as Readonly<Record<string, string | readonly string[]>>;
      for (const [name, value] of Object.entries(fields)) {
        if (typeof value === 'string') this.add(name, value);
        else for (const each of value) this.add(name, each);
      }
    } else {
      throw new TypeError(
        `new HTTPHeaders(): expected headers, an object or pairs, got ${typeof init}`,
      );
    }
  }

  /**
   * Parses a header block: lines that each end with CRLF (the empty line that ends the block may
   * be there or not). Strict, as the HTTP server is: a line that is not `name: value`, a name
   * that is not a token (so whitespace before the colon), a value with a control character,
   * a bare CR or LF, and a line that starts with whitespace (obs-fold) are `HTTPInputError`s.
   * Only SP and HTAB are trimmed from values.
   *
   * With `{ utf8: true }` the text is characters, not latin1 bytes (multipart part headers):
   * values may hold any non-control character.
   * @throws HTTPInputError for a malformed line
   */
  static parse(text: string, options: { utf8?: boolean } = {}): HTTPHeaders {
    const headers = new HTTPHeaders();
    headers.parseBlock(text, 0, text.length, options.utf8 === true);
    return headers;
  }

  /**
   * @internal Adds the fields of `text[start, end)`: CRLF-terminated lines, as `parse` reads
   * them (the HTTP/1 parser calls it on the bytes after the start line, without a copy).
   */
  parseBlock(text: string, start: number, end: number, utf8 = false): void {
    let pos = start;
    if (!utf8 && end === text.length) pos = this.#parseWellFormed(text, pos);
    while (pos < end) {
      let eol = text.indexOf('\r\n', pos);
      if (eol === -1 || eol > end) eol = end;
      if (eol === pos) {
        if (eol === end) break;
        pos = eol + 2;
        if (pos < end)
          throw new HTTPInputError('Header line after the empty line ending the headers');
        break;
      }
      this.#parseLine(text, pos, eol, utf8);
      pos = eol + 2;
    }
  }

  /**
   * The fast path of `parseBlock` for bytes off the wire: one sticky match per well-formed line,
   * `name:value` ending in CRLF, the value's characters all allowed (HTAB, SP, visible, obs-text),
   * its SP and HTAB trimmed here. Returns where it stopped: the end of the block, or the first
   * line it could not read, which the careful path then reads (and names what is wrong with it).
   */
  #parseWellFormed(text: string, start: number): number {
    let pos = start;
    const end = text.length;
    while (pos < end) {
      if (text.charCodeAt(pos) === 0x0d && pos + 2 === end && text.charCodeAt(pos + 1) === 0x0a) {
        return end; // the empty line that ends the block
      }
      FIELD_LINE.lastIndex = pos;
      const match = FIELD_LINE.exec(text);
      if (match === null) return pos;
      let value = match[2]!;
      let from = 0;
      let to = value.length;
      while (from < to && isSpaceOrTab(value.charCodeAt(from))) from++;
      while (to > from && isSpaceOrTab(value.charCodeAt(to - 1))) to--;
      if (from !== 0 || to !== value.length) value = value.slice(from, to);
      this.#append(match[1]!, value);
      pos = FIELD_LINE.lastIndex;
    }
    return pos;
  }

  #parseLine(text: string, start: number, end: number, utf8: boolean): void {
    const first = text.charCodeAt(start);
    if (first === 0x20 || first === 0x09) {
      throw new HTTPInputError(
        this.#fields.size === 0
          ? 'First header line starts with whitespace'
          : 'Folded header line (obs-fold) is not accepted',
      );
    }
    const colon = text.indexOf(':', start);
    if (colon === -1 || colon >= end) {
      throw new HTTPInputError(
        `No colon in header line ${JSON.stringify(clip(text.slice(start, end)))}`,
      );
    }
    const name = text.slice(start, colon);
    if (!TOKEN.test(name)) {
      throw new HTTPInputError(`Invalid header name ${JSON.stringify(clip(name))}`);
    }
    let from = colon + 1;
    let to = end;
    while (from < to && isSpaceOrTab(text.charCodeAt(from))) from++;
    while (to > from && isSpaceOrTab(text.charCodeAt(to - 1))) to--;
    const value = text.slice(from, to);
    // eslint-disable-next-line no-control-regex -- the bytes HTTP forbids are what it looks for
    if (FORBIDDEN_VALUE_CHARS.test(value) || (!utf8 && /[^\x00-\xff]/.test(value))) {
      throw new HTTPInputError(
        `Invalid character in the value of header ${JSON.stringify(clip(name))}`,
      );
    }
    this.#append(name, value);
  }

  /** Adds a value for `name` (after any it has). */
  add(name: string, value: string): void {
    if (typeof name !== 'string' || !TOKEN.test(name)) {
      throw new HTTPInputError(`Invalid header name ${inspect(name)}`);
    }
    if (typeof value !== 'string' || FORBIDDEN_VALUE_CHARS.test(value)) {
      throw new HTTPInputError(`Invalid value for header ${name}: ${inspect(value)}`);
    }
    this.#append(name, value);
  }

  #append(name: string, value: string): void {
    const key = name.toLowerCase();
    const field = this.#fields.get(key);
    if (field === undefined) {
      this.#fields.set(key, { name: normalizeHeaderName(name), values: [value], joined: value });
    } else {
      field.values.push(value);
      field.joined = null;
    }
  }

  /** Replaces every value of `name` with `value`. */
  set(name: string, value: string | number): this {
    const text = typeof value === 'number' ? String(value) : value;
    if (typeof name !== 'string' || !TOKEN.test(name)) {
      throw new HTTPInputError(`Invalid header name ${inspect(name)}`);
    }
    if (typeof text !== 'string' || FORBIDDEN_VALUE_CHARS.test(text)) {
      throw new HTTPInputError(`Invalid value for header ${name}: ${inspect(value)}`);
    }
    this.#fields.set(name.toLowerCase(), {
      name: normalizeHeaderName(name),
      values: [text],
      joined: text,
    });
    return this;
  }

  /** The values of `name` joined with `,`, or `fallback` (undefined) when it has none. */
  get(name: string): string | undefined;
  get<D>(name: string, fallback: D): string | D;
  get(name: string, fallback?: unknown): unknown {
    const field = this.#fields.get(name.toLowerCase());
    if (field === undefined) return fallback;
    return (field.joined ??= field.values.join(','));
  }

  /** Every value of `name`, in order (empty when it has none). */
  getList(name: string): string[] {
    const field = this.#fields.get(name.toLowerCase());
    return field === undefined ? [] : [...field.values];
  }

  /** Every (name, value) pair; a name with several values comes once per value. */
  *getAll(): IterableIterator<[string, string]> {
    for (const field of this.#fields.values()) {
      for (const value of field.values) yield [field.name, value];
    }
  }

  has(name: string): boolean {
    return this.#fields.has(name.toLowerCase());
  }

  /** Removes `name`; true if it was there. */
  delete(name: string): boolean {
    return this.#fields.delete(name.toLowerCase());
  }

  /** The distinct names, in `Http-Header-Case`. */
  *keys(): IterableIterator<string> {
    for (const field of this.#fields.values()) yield field.name;
  }

  /** (name, joined values) per distinct name, as a Python dict's `items()`. */
  *entries(): IterableIterator<[string, string]> {
    for (const field of this.#fields.values()) {
      yield [field.name, (field.joined ??= field.values.join(','))];
    }
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** The number of distinct names. */
  get size(): number {
    return this.#fields.size;
  }

  copy(): HTTPHeaders {
    return new HTTPHeaders(this);
  }

  /** Plain object, name → joined value (for JSON and logging). */
  toJSON(): Record<string, string> {
    return Object.fromEntries(this.entries());
  }

  /** @internal `Name: value\r\n` per pair: the header lines of a message being written. */
  wireLines(): string {
    let out = '';
    for (const field of this.#fields.values()) {
      const values = field.values;
      for (let i = 0; i < values.length; i++) out += `${field.name}: ${values[i]!}\r\n`;
    }
    return out;
  }

  /** `Name: value\n` per pair, as tornado's `str(headers)`. */
  toString(): string {
    let out = '';
    for (const [name, value] of this.getAll()) out += `${name}: ${value}\n`;
    return out;
  }

  [inspect.custom](): string {
    return `HTTPHeaders ${inspect(this.toJSON())}`;
  }
}

function isSpaceOrTab(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
