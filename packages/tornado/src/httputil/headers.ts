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

/** 1 for the characters of an RFC 9110 `token` (TOKEN's class), by char code below 128. */
export const TOKEN_CHARS = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
  TOKEN_CHARS[c.charCodeAt(0)] = 1;
}

/**
 * A field. One with a single value (`rest` null, `joined` its value) is never changed, and may
 * be shared by copies of a header set; one with more values belongs to one set.
 */
interface Field {
  /** The name lowercased: what lookups compare. */
  readonly key: string;
  /** The name in `Http-Header-Case`. */
  readonly name: string;
  /** The first value. */
  readonly first: string;
  /**
   * The values after the first, once it has any. Most fields have one value: an array for it
   * was 40 bytes a field, a sixth of what parsing a response's headers allocated.
   */
  rest: string[] | null;
  /** The values joined with `,`, once asked for. */
  joined: string | null;
}

/** How many fields a header set holds before it keeps a Map of them by name, beside the list. */
const INDEXED_FROM = 16;

/** What `new HTTPHeaders()` copies from. */
export type HTTPHeadersInit =
  | HTTPHeaders
  | Iterable<readonly [string, string]>
  | Readonly<Record<string, string | readonly string[]>>;

/** What the fields map and the checks need of a name, worked out once per distinct name. */
interface NameInfo {
  /** The name as it was given (written on the wire, for a parsed one). */
  readonly raw: string;
  /** `name.toLowerCase()`: the name's key in the fields map. */
  readonly key: string;
  /** The name in `Http-Header-Case` (tornado's `_normalize_header`). */
  readonly normalized: string;
  /** The name is an RFC 9110 token: one a field may have. */
  readonly token: boolean;
}

const infos = new Map<string, NameInfo>();

/**
 * A name's `NameInfo`, cached. Names are the same few over and over (the parser's, and the
 * constants code asks for: `get('Content-Length')`, `set('Etag', …)`): one lookup stands for a
 * `toLowerCase` (which made a new string for a name with capitals, a dozen per request of a
 * client), the normalized name and the token check (a regex) each call made before.
 */
function infoOf(name: string): NameInfo {
  let info = infos.get(name);
  if (info === undefined) {
    info = {
      raw: name,
      key: name.toLowerCase(),
      normalized: normalizeHeaderName(name),
      token: TOKEN.test(name),
    };
    if (infos.size >= 1000) infos.clear();
    infos.set(name, info);
  }
  return info;
}

/**
 * The `NameInfo` of the name at `text[start, end)` (a header line's, being parsed), found among
 * the names parsed lately by comparing it where it is: no string is cut from the line for it,
 * and none hashed (a Map lookup hashes the key it is given, and a name cut from a request is a
 * new string each time). Requests name the same few headers over and over.
 */
function wireInfoOf(text: string, start: number, end: number): NameInfo {
  const length = end - start;
  const recent = recentNames;
  for (let i = 0; i < recent.length; i++) {
    const info = recent[i]!;
    if (info.raw.length === length && text.startsWith(info.raw, start)) return info;
  }
  const info = infoOf(text.slice(start, end));
  if (recent.length < RECENT_NAMES) recent.push(info);
  else recent[(recentNext = (recentNext + 1) % RECENT_NAMES)] = info;
  return info;
}

/** The names `wireInfoOf` compares first; the oldest replaced in turn once it holds `RECENT_NAMES`. */
const recentNames: NameInfo[] = [];
const RECENT_NAMES = 24;
let recentNext = -1;

/** True when `name` is an RFC 9110 token (a field name), as `TOKEN` tests it; cached per name. */
export function isToken(name: string): boolean {
  return infoOf(name).token;
}

/** A name's key in the fields map. */
function keyOf(name: string): string {
  return infoOf(name).key;
}

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
 * @internal `headers.set(name, value)` without its checks, for a caller that has made stricter
 * ones (the web handler's `setHeader`, tornado's rules): the name a token, the value free of
 * controls. Set by the class's static block.
 */
export let setChecked!: (headers: HTTPHeaders, name: string, value: string) => void;

/**
 * @internal Makes every name and value of `headers` a string of its own. A parsed block's
 * values are slices of the whole block's text, and V8 keeps the whole text alive while any
 * slice of it lives: nothing for a request answered in a moment, a few hundred bytes per
 * connection for one kept for hours (a WebSocket's). Set by the class's static block.
 */
export let compactHeaders!: (headers: HTTPHeaders) => void;

/**
 * @internal A string with its own storage, not a slice of a longer one: copied through its
 * UTF-16 code units (exact for any string). V8 copies a slice shorter than 13 characters already.
 */
export function ownString(text: string): string {
  return text.length < 13 ? text : Buffer.from(text, 'utf16le').toString('utf16le');
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
  /**
   * The fields in the order their names were first added. A message has a handful: a scan of
   * them by key costs less than hashing into a Map, and a Map per message (two per request, the
   * request's and the response's) was a tenth of what serving one allocated.
   */
  readonly #fields: Field[] = [];
  /**
   * Where each field is in `#fields`, by key, once there are more than `INDEXED_FROM` (a scan
   * per lookup would make parsing many names, or a name repeated after many, quadratic).
   */
  #index: Map<string, number> | null = null;

  static {
    setChecked = (headers, name, value) => headers.#put(infoOf(name), value);
    compactHeaders = (headers) => {
      const fields = headers.#fields;
      for (let i = 0; i < fields.length; i++) {
        const field = fields[i]!;
        const first = ownString(field.first);
        headers.#replace(i, {
          key: field.key,
          name: field.name, // from the table of normalized names, shared
          first,
          rest: field.rest === null ? null : field.rest.map(ownString),
          joined: field.rest === null ? first : null,
        });
      }
    };
  }

  constructor(init?: HTTPHeadersInit) {
    if (init === undefined || init === null) return;
    if (init instanceof HTTPHeaders) {
      // Checked when they were added. A field of one value never changes (a second value
      // replaces it), so the copy shares it; one with more has its list of values copied.
      for (const field of init.#fields) {
        this.#insert(
          field.rest === null
            ? field
            : {
                key: field.key,
                name: field.name,
                first: field.first,
                rest: [...field.rest],
                joined: field.joined,
              },
        );
      }
    } else if (typeof (init as Iterable<unknown>)[Symbol.iterator] === 'function') {
      for (const pair of init as Iterable<readonly [string, string]>) this.add(pair[0], pair[1]);
    } else if (typeof init === 'object') {
      // for…in, not Object.entries: no array of pairs made per object (`new HTTPHeaders({…})`
      // is how a request callback often writes its response's headers, once per request).
      const fields = init as Readonly<Record<string, string | readonly string[]>>;
      for (const name in fields) {
        if (!Object.hasOwn(fields, name)) continue;
        const value = fields[name]!;
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
   * The fast path of `parseBlock` for bytes off the wire: each well-formed line, `name:value`
   * ending in CRLF, the name a token, the value's characters all allowed (HTAB, SP, visible,
   * obs-text), its SP and HTAB trimmed here. Returns where it stopped: the end of the block, or
   * the first line it could not read, which the careful path then reads (and names what is wrong
   * with it). A scan by char codes, not a sticky regex: each `exec` made a match array and its
   * captures, 900 of the 11,500 bytes a keep-alive fetch allocated in `pnpm bench httpclient`.
   */
  #parseWellFormed(text: string, start: number): number {
    let pos = start;
    const end = text.length;
    while (pos < end) {
      if (text.charCodeAt(pos) === 0x0d && pos + 2 === end && text.charCodeAt(pos + 1) === 0x0a) {
        return end; // the empty line that ends the block
      }
      let colon = pos;
      let code = text.charCodeAt(colon);
      while (code < 128 && TOKEN_CHARS[code] === 1) code = text.charCodeAt(++colon);
      if (colon === pos || code !== 0x3a /* : */) return pos;
      let eol = colon + 1;
      for (; eol < end; eol++) {
        code = text.charCodeAt(eol);
        if (code < 0x20 ? code !== 0x09 : code === 0x7f || code > 0xff) break;
      }
      if (code !== 0x0d || text.charCodeAt(eol + 1) !== 0x0a) return pos;
      let from = colon + 1;
      let to = eol;
      while (from < to && isSpaceOrTab(text.charCodeAt(from))) from++;
      while (to > from && isSpaceOrTab(text.charCodeAt(to - 1))) to--;
      this.#appendInfo(wireInfoOf(text, pos, colon), text.slice(from, to));
      pos = eol + 2;
    }
    return pos;
  }

  #parseLine(text: string, start: number, end: number, utf8: boolean): void {
    const first = text.charCodeAt(start);
    if (first === 0x20 || first === 0x09) {
      throw new HTTPInputError(
        this.#fields.length === 0
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
    this.#appendInfo(infoOf(name), value);
  }

  /** Adds a value for `name` (after any it has). */
  add(name: string, value: string): void {
    const info = typeof name === 'string' ? infoOf(name) : null;
    if (info === null || !info.token) {
      throw new HTTPInputError(`Invalid header name ${inspect(name)}`);
    }
    if (typeof value !== 'string' || FORBIDDEN_VALUE_CHARS.test(value)) {
      throw new HTTPInputError(`Invalid value for header ${name}: ${inspect(value)}`);
    }
    this.#appendInfo(info, value);
  }

  #appendInfo(info: NameInfo, value: string): void {
    const at = this.#indexOf(info.key);
    if (at === -1) {
      this.#insert({
        key: info.key,
        name: info.normalized,
        first: value,
        rest: null,
        joined: value,
      });
      return;
    }
    const field = this.#fields[at]!;
    if (field.rest === null) {
      // A field of one value may be shared with copies (see the constructor): made anew.
      this.#replace(at, {
        key: field.key,
        name: field.name,
        first: field.first,
        rest: [value],
        joined: null,
      });
    } else {
      field.rest.push(value);
      field.joined = null;
    }
  }

  /** Replaces every value of `name` with `value`. */
  set(name: string, value: string | number): this {
    const info = typeof name === 'string' ? infoOf(name) : null;
    if (info === null || !info.token) {
      throw new HTTPInputError(`Invalid header name ${inspect(name)}`);
    }
    let text: string;
    if (typeof value === 'number') {
      text = String(value); // digits, a sign, a point, an exponent, NaN: never a control
    } else if (typeof value !== 'string' || FORBIDDEN_VALUE_CHARS.test(value)) {
      throw new HTTPInputError(`Invalid value for header ${name}: ${inspect(value)}`);
    } else {
      text = value;
    }
    this.#put(info, text);
    return this;
  }

  #put(info: NameInfo, value: string): void {
    const field: Field = {
      key: info.key,
      name: info.normalized,
      first: value,
      rest: null,
      joined: value,
    };
    const at = this.#indexOf(info.key);
    if (at === -1) this.#insert(field);
    else this.#replace(at, field);
  }

  /** The field named `key` (lowercased), if any. */
  #find(key: string): Field | undefined {
    const at = this.#indexOf(key);
    return at === -1 ? undefined : this.#fields[at];
  }

  /** Where the field named `key` is in `#fields`, or -1. */
  #indexOf(key: string): number {
    if (this.#index !== null) return this.#index.get(key) ?? -1;
    const fields = this.#fields;
    for (let i = 0; i < fields.length; i++) if (fields[i]!.key === key) return i;
    return -1;
  }

  /** Adds a field whose name is not there yet. */
  #insert(field: Field): void {
    const fields = this.#fields;
    fields.push(field);
    if (this.#index !== null) this.#index.set(field.key, fields.length - 1);
    else if (fields.length > INDEXED_FROM) this.#reindex(0);
  }

  /** Puts `field` in the place of the one at `at` (a name keeps its place when it is set again). */
  #replace(at: number, field: Field): void {
    this.#fields[at] = field;
  }

  /** Records in `#index` where the fields from `from` on are. */
  #reindex(from: number): void {
    const fields = this.#fields;
    const index = (this.#index ??= new Map());
    for (let i = from; i < fields.length; i++) index.set(fields[i]!.key, i);
  }

  /** The values of `name` joined with `,`, or `fallback` (undefined) when it has none. */
  get(name: string): string | undefined;
  get<D>(name: string, fallback: D): string | D;
  get(name: string, fallback?: unknown): unknown {
    const field = this.#find(keyOf(name));
    if (field === undefined) return fallback;
    return (field.joined ??= joinValues(field));
  }

  /** Every value of `name`, in order (empty when it has none). */
  getList(name: string): string[] {
    const field = this.#find(keyOf(name));
    if (field === undefined) return [];
    return field.rest === null ? [field.first] : [field.first, ...field.rest];
  }

  /** Every (name, value) pair; a name with several values comes once per value. */
  *getAll(): IterableIterator<[string, string]> {
    for (const field of this.#fields) {
      yield [field.name, field.first];
      if (field.rest !== null) for (const value of field.rest) yield [field.name, value];
    }
  }

  has(name: string): boolean {
    return this.#find(keyOf(name)) !== undefined;
  }

  /** Removes `name`; true if it was there. */
  delete(name: string): boolean {
    const key = keyOf(name);
    const at = this.#indexOf(key);
    if (at === -1) return false;
    this.#fields.splice(at, 1);
    if (this.#index !== null) {
      this.#index.delete(key);
      this.#reindex(at); // the fields after it moved up one
    }
    return true;
  }

  /** The distinct names, in `Http-Header-Case`. */
  *keys(): IterableIterator<string> {
    for (const field of this.#fields) yield field.name;
  }

  /** (name, joined values) per distinct name, as a Python dict's `items()`. */
  *entries(): IterableIterator<[string, string]> {
    for (const field of this.#fields) {
      yield [field.name, (field.joined ??= joinValues(field))];
    }
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** The number of distinct names. */
  get size(): number {
    return this.#fields.length;
  }

  copy(): HTTPHeaders {
    return new HTTPHeaders(this);
  }

  /** Plain object, name → joined value (for JSON and logging). */
  toJSON(): Record<string, string> {
    return Object.fromEntries(this.entries());
  }

  /** @internal The length of `wireLines()` in bytes, a byte per character. */
  wireLength(): number {
    let size = 0;
    for (const field of this.#fields) {
      const line = field.name.length + 4; // ': ' and CRLF
      size += line + field.first.length;
      const rest = field.rest;
      if (rest !== null) for (let i = 0; i < rest.length; i++) size += line + rest[i]!.length;
    }
    return size;
  }

  /**
   * @internal Writes `wireLines()` into `out` from `at`, a byte per character, without making the
   * string (a response's head is written this way: the string, built line by line, was the
   * largest garbage a request left). Returns where it ended, or -1 when a character is beyond
   * latin1, which a header cannot carry.
   */
  writeWire(out: Uint8Array, at: number): number {
    for (const field of this.#fields) {
      at = writeLine(out, at, field.name, field.first);
      const rest = field.rest;
      if (rest !== null)
        for (let i = 0; i < rest.length && at !== -1; i++)
          at = writeLine(out, at, field.name, rest[i]!);
      if (at === -1) return -1;
    }
    return at;
  }

  /** @internal `Name: value\r\n` per pair: the header lines of a message being written. */
  wireLines(): string {
    let out = '';
    for (const field of this.#fields) {
      out += `${field.name}: ${field.first}\r\n`;
      const rest = field.rest;
      if (rest !== null)
        for (let i = 0; i < rest.length; i++) out += `${field.name}: ${rest[i]!}\r\n`;
    }
    return out;
  }

  /**
   * @internal The fields as flat (name, value) pairs when each has one value, else null: what
   * `hasPairs` compares with (a client telling that a request's head is the last one it wrote).
   */
  singlePairs(): string[] | null {
    const pairs: string[] = [];
    for (const field of this.#fields) {
      if (field.rest !== null) return null;
      pairs.push(field.name, field.first);
    }
    return pairs;
  }

  /** @internal True when the fields are exactly `pairs` (from `singlePairs`), in order. */
  hasPairs(pairs: readonly string[]): boolean {
    if (this.#fields.length * 2 !== pairs.length) return false;
    let i = 0;
    for (const field of this.#fields) {
      if (field.rest !== null || field.name !== pairs[i] || field.first !== pairs[i + 1]) {
        return false;
      }
      i += 2;
    }
    return true;
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

/**
 * @internal Writes `text` into `out` from `at`, a byte per character; returns where it ended, or
 * -1 when a character is beyond latin1.
 */
export function writeLatin1(out: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) return -1;
    out[at++] = code;
  }
  return at;
}

/** `name: value` and CRLF into `out` from `at` (see `writeLatin1`); -1 for a wide character. */
function writeLine(out: Uint8Array, at: number, name: string, value: string): number {
  at = writeLatin1(out, at, name);
  if (at === -1) return -1;
  out[at++] = 0x3a; // :
  out[at++] = 0x20;
  at = writeLatin1(out, at, value);
  if (at === -1) return -1;
  out[at++] = 0x0d;
  out[at++] = 0x0a;
  return at;
}

function joinValues(field: Field): string {
  return field.rest === null ? field.first : `${field.first},${field.rest.join(',')}`;
}

function isSpaceOrTab(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
