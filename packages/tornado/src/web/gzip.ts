/**
 * Output transforms (tornado/web.py `OutputTransform`, `GZipContentEncoding`): what rewrites a
 * response on its way out, chunk by chunk, between the handler's `flush` and the connection.
 * An application makes one of each of its transform classes per request.
 *
 * `GZipContentEncoding` compresses a response for a client that sent `Accept-Encoding: gzip`,
 * when its type is text (or JSON, JavaScript, XML, SVG) and it is either written in several
 * flushes or at least `MIN_LENGTH` bytes. Each flush must go out at once, so the gzip stream is
 * written piece by piece without waiting for the end: a gzip header, then each chunk as raw
 * deflate ended by a sync flush (an empty stored block, which ends on a byte boundary, so the
 * next piece can follow), the last one as the final block, then the CRC-32 and length of the
 * whole. Node's zlib has no synchronous streaming compressor, and `deflateRawSync` with
 * `finishFlush: Z_SYNC_FLUSH` gives exactly such a piece: each chunk is compressed on its own
 * (no back-references into the one before), which costs a little ratio across flushes and
 * nothing for the common response written in one piece.
 */
import { constants, deflateRawSync } from 'node:zlib';
import type { HTTPHeaders } from '../httputil/headers';
import type { HTTPServerRequest } from '../httputil/request';

/**
 * Rewrites a response's status, headers and body chunks. The default leaves them as they are;
 * a subclass overrides the two methods.
 */
export class OutputTransform {
  constructor(readonly request: HTTPServerRequest) {}

  /**
   * The first chunk, with the status and headers (which it may change); `finishing` when it is
   * the whole body.
   */
  transformFirstChunk(
    statusCode: number,
    headers: HTTPHeaders,
    chunk: Buffer,
    _finishing: boolean,
  ): [statusCode: number, headers: HTTPHeaders, chunk: Buffer] {
    return [statusCode, headers, chunk];
  }

  /** Each later chunk; `finishing` for the last. */
  transformChunk(chunk: Buffer, _finishing: boolean): Buffer {
    return chunk;
  }

  toString(): string {
    return `<${this.constructor.name}>`;
  }
}

/** A transform class, as `Application`'s `transforms` lists them. */
export type OutputTransformClass = new (request: HTTPServerRequest) => OutputTransform;

/**
 * gzip for the clients that accept it (the `compressResponse` setting). Adds
 * `Vary: Accept-Encoding` to every response, compressed or not.
 */
export class GZipContentEncoding extends OutputTransform {
  /** Types compressed besides `text/*`. */
  static readonly CONTENT_TYPES: ReadonlySet<string> = new Set([
    'application/javascript',
    'application/x-javascript',
    'application/xml',
    'application/atom+xml',
    'application/json',
    'application/xhtml+xml',
    'image/svg+xml',
  ]);
  /** zlib's level: 6, gzip's own default (Python's GzipFile would use 9). */
  static readonly GZIP_LEVEL = 6;
  /** A body written whole and shorter than this is sent as it is: gzip would not pay. */
  static readonly MIN_LENGTH = 1024;

  #gzipping: boolean;
  #writer: GzipWriter | null = null;

  constructor(request: HTTPServerRequest) {
    super(request);
    this.#gzipping = request.headers.get('Accept-Encoding', '').includes('gzip');
  }

  override transformFirstChunk(
    statusCode: number,
    headers: HTTPHeaders,
    chunk: Buffer,
    finishing: boolean,
  ): [number, HTTPHeaders, Buffer] {
    const vary = headers.get('Vary');
    headers.set('Vary', vary === undefined ? 'Accept-Encoding' : `${vary}, Accept-Encoding`);
    if (this.#gzipping) {
      const type = headers.get('Content-Type', '').split(';')[0]!;
      this.#gzipping =
        this.#compressible(type) &&
        (!finishing || chunk.length >= GZipContentEncoding.MIN_LENGTH) &&
        !headers.has('Content-Encoding');
    }
    if (!this.#gzipping) return [statusCode, headers, chunk];
    headers.set('Content-Encoding', 'gzip');
    this.#writer = new GzipWriter(GZipContentEncoding.GZIP_LEVEL);
    const out = this.transformChunk(chunk, finishing);
    if (headers.has('Content-Length')) {
      // The length given was the uncompressed one: known again only if this is all of it.
      if (finishing) headers.set('Content-Length', String(out.length));
      else headers.delete('Content-Length');
    }
    return [statusCode, headers, out];
  }

  override transformChunk(chunk: Buffer, finishing: boolean): Buffer {
    return this.#writer === null ? chunk : this.#writer.write(chunk, finishing);
  }

  #compressible(type: string): boolean {
    return type.startsWith('text/') || GZipContentEncoding.CONTENT_TYPES.has(type);
  }
}

/** gzip's 10-byte header: magic, deflate, no flags, no mtime, no extra flags, OS Unix. */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

/** A gzip stream written piece by piece (see the module's notes). */
class GzipWriter {
  readonly #level: number;
  #headerWritten = false;
  #crc = 0;
  #size = 0;

  constructor(level: number) {
    this.#level = level;
  }

  write(chunk: Buffer, finishing: boolean): Buffer {
    const parts: Buffer[] = [];
    if (!this.#headerWritten) {
      this.#headerWritten = true;
      parts.push(GZIP_HEADER);
    }
    this.#crc = crc32(chunk, this.#crc);
    this.#size = (this.#size + chunk.length) >>> 0;
    parts.push(
      deflateRawSync(chunk, {
        level: this.#level,
        finishFlush: finishing ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
      }),
    );
    if (finishing) {
      const trailer = Buffer.alloc(8);
      trailer.writeUInt32LE(this.#crc, 0);
      trailer.writeUInt32LE(this.#size, 4);
      parts.push(trailer);
    }
    return Buffer.concat(parts);
  }
}

/** The CRC-32 table (polynomial 0xEDB88320), built once. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** gzip's CRC-32 of `data`, continuing from `crc` (`zlib.crc32` is not in Node 20.11). */
function crc32(data: Uint8Array, crc: number): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
