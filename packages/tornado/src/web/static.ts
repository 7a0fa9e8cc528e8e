/**
 * `StaticFileHandler` (tornado/web.py): files from a directory, with the caching HTTP expects —
 * `Last-Modified` and `If-Modified-Since`, an ETag that is a hash of the file's content and
 * `If-None-Match` (weak comparison), byte ranges (`Range: bytes=…`, one range, suffix ranges,
 * 206 and 416), `HEAD`, and versioned URLs (`staticUrl('app.js')` → `/static/app.js?v=<hash>`,
 * served with a ten-year `Cache-Control` since the URL changes with the content).
 *
 * ## The path is the security boundary
 *
 * The path comes from the URL, already percent-decoded by the router (so `%2e%2e` is `..`). It is
 * joined to the root and made absolute (`..` resolved, an absolute path replacing the root, as
 * Python's `os.path.join` does), and anything that does not then lie inside the root is a 403 —
 * whatever spelling got it there. A NUL byte, which no file name can hold, is a 404. A directory
 * is served only through `defaultFilename`, after a redirect that adds the trailing slash; a path
 * starting with `//` is never redirected (a browser reads `//host/…` as another site: the open
 * redirect tornado closed in 6.3). Symbolic links inside the root are followed, as tornado
 * follows them: what the root holds is what it serves.
 *
 * Files are read with blocking reads in 64 KiB chunks, each written and flushed before the next
 * (tornado reads them the same way): the loop waits on the client, not on the disk, and a slow
 * client holds one chunk in memory, not the file. Unless a subclass reads the content its own way
 * (`getContent`), every chunk of every response is read into one buffer, lent to the handler
 * (`writeLent`) and flushed: flushing hands its bytes to the kernel, or the stream copies what
 * the kernel does not take yet, before it returns, so the buffer is free for the next read of
 * any request. A fresh buffer per chunk, and a copy of it in `write`, took 70% of the CPU a
 * 1 MiB response cost (page faults on new memory, and its collection: see `writeLent`).
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { extname, resolve, sep } from 'node:path';
import { formatValue } from '@aio/selector/internal';
import { StreamClosedError } from '../iostream';
import { genLog } from '../log';
import { HTTPError } from './errors';
import { RequestHandler, writeLent } from './handler';
import { ENCODINGS, MODERN, SUFFIXES, TYPES } from './mime-types';
import type { ApplicationSettings } from './settings';

/** Ten years, in seconds: how long a versioned URL (`?v=`) may be cached. */
const CACHE_MAX_AGE = 86400 * 365 * 10;
/** How much of a file is read, written and flushed at a time. */
const CHUNK_SIZE = 64 * 1024;

/** The buffer every response reads its file through (see the module's notes); made on first use. */
let readBuffer: Buffer | null = null;

/** What `staticUrl`, `makeStaticUrl` and `getVersion` read of the application's settings. */
export type StaticSettings = Pick<ApplicationSettings, 'staticPath' | 'staticUrlPrefix'>;

/**
 * Serves the files under a directory. `Application` routes `/static/(.*)` to one when the
 * `staticPath` setting is given; route it yourself for other paths.
 * @example
 * ```ts
 * new Application([
 *   ['/content/(.*)', StaticFileHandler, { path: '/var/www' }],
 *   ['/docs/(.*)', StaticFileHandler, { path: 'site', defaultFilename: 'index.html' }],
 * ]);
 * ```
 * Override its hooks as tornado's subclasses do: `getContentType`, `getCacheTime`,
 * `setExtraHeaders`, `getContentVersion`, `validateAbsolutePath`, `parseUrlPath`.
 */
export class StaticFileHandler extends RequestHandler {
  /** Content hashes by absolute path (null: the file could not be read), for every subclass. */
  static #hashes = new Map<string, string | null>();

  /** The directory served. */
  root = '';
  /** What a directory serves (`index.html`), or null: directories are not served. */
  defaultFilename: string | null = null;
  /** The file's path below the root, from the URL (set by `get`). */
  path = '';
  /** The file's absolute path once validated, or null. */
  absolutePath: string | null = null;
  /** The file's modification time, whole seconds (set by `get`). */
  modified: Date | null = null;
  #stat: Stats | null = null;

  override initialize({
    path,
    defaultFilename = null,
  }: {
    path: string;
    defaultFilename?: string | null;
  }): void {
    if (typeof path !== 'string' || path === '') {
      throw new TypeError(`StaticFileHandler expected a directory path, got ${formatValue(path)}`);
    }
    this.root = path;
    this.defaultFilename = defaultFilename;
  }

  /** Forgets every content hash (tornado's `reset`; the `staticHashCache: false` setting calls it per request). */
  static reset(): void {
    StaticFileHandler.#hashes.clear();
  }

  override head(path: string | null): Promise<void> {
    return this.get(path, false);
  }

  override async get(urlPath: string | null, includeBody = true): Promise<void> {
    this.path = this.parseUrlPath(urlPath ?? '');
    const cls = this.constructor as typeof StaticFileHandler;
    const absolutePath = cls.getAbsolutePath(this.root, this.path);
    this.absolutePath = this.validateAbsolutePath(this.root, absolutePath);
    if (this.absolutePath === null) return;

    this.modified = this.getModifiedTime();
    this.setHeaders();
    if (this.shouldReturn304()) {
      this.setStatus(304);
      return;
    }

    // #region ranges
    const size = this.getContentSize();
    let start: number | null = null;
    let end: number | null = null;
    const rangeHeader = this.request.headers.get('Range');
    const range = rangeHeader ? parseRequestRange(rangeHeader) : null;
    if (range !== null) {
      [start, end] = range;
      if (start !== null && start < 0) start = Math.max(0, start + size);
      if ((start !== null && (start >= size || (end !== null && start >= end))) || end === 0) {
        this.setStatus(416); // Range Not Satisfiable
        this.setHeader('Content-Type', 'text/plain');
        this.setHeader('Content-Range', `bytes */${String(size)}`);
        return;
      }
      if (end !== null && end > size) end = size;
      if (size !== (end ?? size) - (start ?? 0)) {
        this.setStatus(206); // Partial Content
        this.setHeader('Content-Range', contentRange(start, end, size));
      }
    }
    const contentLength =
      start !== null && end !== null ? end - start : end !== null ? end : size - (start ?? 0);
    this.setHeader('Content-Length', contentLength);
    // #endregion ranges

    if (!includeBody) return; // HEAD
    const ownReads = cls.getContent !== StaticFileHandler.getContent;
    const chunks = ownReads
      ? cls.getContent(this.absolutePath, start, end)
      : readChunks(
          this.absolutePath,
          start,
          end,
          (readBuffer ??= Buffer.allocUnsafeSlow(CHUNK_SIZE)),
        );
    for (const chunk of chunks) {
      try {
        if (ownReads) this.write(chunk);
        else writeLent(this, chunk);
        await this.flush();
      } catch (error) {
        if (error instanceof StreamClosedError) return; // the client has gone
        throw error;
      }
    }
  }

  /** The ETag: the content's hash (the same for a whole file and any range of it). */
  override computeEtag(): string | null {
    const cls = this.constructor as typeof StaticFileHandler;
    const hash = cls.getCachedVersion(this.absolutePath!);
    return hash === null ? null : `"${hash}"`;
  }

  /** Sets the content and caching headers. */
  setHeaders(): void {
    this.setHeader('Accept-Ranges', 'bytes');
    this.setEtagHeader();
    if (this.modified !== null) this.setHeader('Last-Modified', this.modified);
    const contentType = this.getContentType();
    if (contentType) this.setHeader('Content-Type', contentType);
    const cacheTime = this.getCacheTime(this.path, this.modified, contentType);
    if (cacheTime > 0) {
      this.setHeader('Expires', new Date(Date.now() + cacheTime * 1000));
      this.setHeader('Cache-Control', `max-age=${String(cacheTime)}`);
    }
    this.setExtraHeaders(this.path);
  }

  /** True when the client's copy is current: `If-None-Match` names the ETag, or (without it) `If-Modified-Since` is not older than the file. */
  shouldReturn304(): boolean {
    if (this.request.headers.get('If-None-Match')) return this.checkEtagHeader();
    const since = this.request.headers.get('If-Modified-Since');
    if (since !== undefined && this.modified !== null) {
      const when = parseHttpDate(since);
      if (when !== null && when >= this.modified.getTime()) return true;
    }
    return false;
  }

  /** `path` below `root`, absolute (`..` resolved; an absolute `path` replaces `root`). */
  static getAbsolutePath(root: string, path: string): string {
    return resolve(root, path);
  }

  /**
   * `absolutePath` if it may be served; else answers (a redirect, returning null) or throws the
   * HTTPError that does: 403 outside the root or for what is not a file, 404 for what is not there.
   */
  // #region validate-path
  validateAbsolutePath(root: string, absolutePath: string): string | null {
    let base = resolve(root);
    if (!base.endsWith(sep)) base += sep;
    if (!(absolutePath + sep).startsWith(base)) {
      throw new HTTPError(403, '%s is not in root static directory', this.path);
    }
    if (absolutePath.includes('\0')) throw new HTTPError(404);
    let stat = statOrNull(absolutePath);
    if (stat?.isDirectory() === true && this.defaultFilename !== null) {
      if (!this.request.path.endsWith('/')) {
        if (this.request.path.startsWith('//')) {
          throw new HTTPError(403, 'cannot redirect path with two initial slashes');
        }
        this.redirect(`${this.request.path}/`, { permanent: true });
        return null;
      }
      absolutePath = resolve(absolutePath, this.defaultFilename);
      stat = statOrNull(absolutePath);
    }
    if (stat === null) throw new HTTPError(404);
    if (!stat.isFile()) throw new HTTPError(403, '%s is not a file', this.path);
    this.#stat = stat;
    return absolutePath;
  }
  // #endregion validate-path

  /** The file's bytes from `start` to `end` (exclusive; null: its start, its end), in chunks. */
  static getContent(
    absolutePath: string,
    start: number | null = null,
    end: number | null = null,
  ): Generator<Buffer, void, undefined> {
    return readChunks(absolutePath, start, end, null);
  }

  /** The version a URL carries: by default a SHA-512 of the content, in hex (tornado's). */
  static getContentVersion(absolutePath: string): string {
    const hash = createHash('sha512');
    for (const chunk of this.getContent(absolutePath)) hash.update(chunk);
    return hash.digest('hex');
  }

  /** The file's size in bytes. */
  getContentSize(): number {
    return this.#statResult().size;
  }

  /** When the file was last modified, to the second (HTTP dates have no finer unit). */
  getModifiedTime(): Date | null {
    return new Date(Math.floor(this.#statResult().mtimeMs / 1000) * 1000);
  }

  /** The `Content-Type`, from the file's extension (see mime-types.ts). */
  getContentType(): string {
    return guessContentType(this.absolutePath!);
  }

  /** For subclasses: headers to add to every answer. */
  setExtraHeaders(_path: string): void {}

  /**
   * Seconds the answer may be cached (`Cache-Control: max-age`); 0 leaves it to the browser. By
   * default ten years for a versioned URL (one with a `v` argument), else 0.
   */
  getCacheTime(_path: string, _modified: Date | null, _contentType: string): number {
    return 'v' in this.request.arguments ? CACHE_MAX_AGE : 0;
  }

  /** The URL of `path` below `staticUrlPrefix` (default `/static/`), with `?v=<hash>` unless `includeVersion` is false or the file cannot be read. */
  static makeStaticUrl(settings: StaticSettings, path: string, includeVersion = true): string {
    const url = (settings.staticUrlPrefix ?? '/static/') + path;
    if (!includeVersion) return url;
    const version = this.getVersion(settings, path);
    return version === null ? url : `${url}?v=${version}`;
  }

  /** The URL's path (below the prefix) as a path below the root. */
  parseUrlPath(urlPath: string): string {
    return sep === '/' ? urlPath : urlPath.replaceAll('/', sep);
  }

  /** The version of the file at `path` below `settings.staticPath`, or null. */
  static getVersion(settings: StaticSettings, path: string): string | null {
    if (typeof settings.staticPath !== 'string') return null;
    return this.getCachedVersion(this.getAbsolutePath(settings.staticPath, path));
  }

  /** `getContentVersion`, remembered per path (a file that cannot be read is logged once, null). */
  static getCachedVersion(absolutePath: string): string | null {
    const hashes = StaticFileHandler.#hashes;
    if (!hashes.has(absolutePath)) {
      let version: string | null;
      try {
        version = this.getContentVersion(absolutePath);
      } catch {
        genLog.error(`Could not open static file ${JSON.stringify(absolutePath)}`);
        version = null;
      }
      hashes.set(absolutePath, version);
    }
    return hashes.get(absolutePath) || null;
  }

  #statResult(): Stats {
    return (this.#stat ??= statSync(this.absolutePath!));
  }
}

/**
 * The bytes of the file at `path` from `start` to `end` (exclusive; null: its start, its end),
 * read in chunks of 64 KiB at most: each into a buffer of its own, or with `into` into `into`
 * (then each chunk is only good until the next is asked for).
 */
function* readChunks(
  path: string,
  start: number | null,
  end: number | null,
  into: Buffer | null,
): Generator<Buffer, void, undefined> {
  const fd = openSync(path, 'r');
  try {
    let position = start ?? 0;
    let remaining = end === null ? Infinity : end - position;
    while (remaining > 0) {
      const size = Math.min(CHUNK_SIZE, remaining);
      const chunk = into === null ? Buffer.allocUnsafe(size) : into.subarray(0, size);
      const n = readSync(fd, chunk, 0, size, position);
      if (n === 0) return;
      position += n;
      remaining -= n;
      yield n === size ? chunk : chunk.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

function statOrNull(path: string): Stats | null {
  return statSync(path, { throwIfNoEntry: false }) ?? null;
}

/** `Content-Type` for a file name, as Python's `mimetypes.guess_type` then tornado decide it. */
export function guessContentType(path: string): string {
  let name = path;
  let ext = extname(name);
  const suffix = SUFFIXES[ext] ?? SUFFIXES[ext.toLowerCase()];
  if (suffix !== undefined) {
    name = name.slice(0, -ext.length) + suffix;
    ext = extname(name);
  }
  const encoding = ENCODINGS[ext] ?? ENCODINGS[ext.toLowerCase()];
  if (encoding !== undefined) {
    return encoding === 'gzip' ? 'application/gzip' : 'application/octet-stream';
  }
  const lower = ext.toLowerCase();
  return MODERN[lower] ?? TYPES[ext] ?? TYPES[lower] ?? 'application/octet-stream';
}

/**
 * A `Range` header's one byte range as slice indexes `[start, end)` (tornado's
 * `_parse_request_range`): `bytes=1-2` → [1, 3], `bytes=6-` → [6, null], `bytes=-6` → [-6, null]
 * (the last 6), `bytes=-0` → [null, 0]; null for another unit, several ranges, or what is not a
 * range at all (which is then ignored: the whole file is sent).
 */
export function parseRequestRange(header: string): [number | null, number | null] | null {
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim() !== 'bytes') return null;
  const value = header.slice(eq + 1).trim();
  const dash = value.indexOf('-');
  const startText = dash < 0 ? value : value.slice(0, dash);
  const endText = dash < 0 ? '' : value.slice(dash + 1);
  const start = intOrNull(startText);
  let end = intOrNull(endText);
  if (start === undefined || end === undefined) return null;
  let from = start;
  if (end !== null) {
    if (from === null) {
      if (end !== 0) {
        from = -end;
        end = null;
      }
    } else {
      end += 1;
    }
  }
  return [from, end];
}

/** A decimal integer as Python's `int()` reads it (spaces around, a sign), null for blank, undefined for anything else. */
function intOrNull(text: string): number | null | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (!/^[+-]?\d+$/.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** `Content-Range` for `[start, end)` of `total` bytes (tornado's `_get_content_range`). */
export function contentRange(start: number | null, end: number | null, total: number): string {
  const first = start ?? 0;
  const last = (end ?? total) - 1;
  return `bytes ${String(first)}-${String(last)}/${String(total)}`;
}

/** An HTTP date (IMF-fixdate, RFC 850 or asctime) in ms, or null. */
function parseHttpDate(text: string): number | null {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}
