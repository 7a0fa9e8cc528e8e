/**
 * RFC 7692 permessage-deflate: the negotiation (an offer's parameters, the answer), and the
 * per-message compressor and decompressor (tornado's `_PerMessageDeflateCompressor` and
 * `_PerMessageDeflateDecompressor`).
 *
 * A message is compressed as raw deflate ended with a sync flush, whose last four bytes
 * (`00 00 ff ff`) are dropped on the wire and put back before inflating. With context takeover
 * (the default) one zlib stream serves every message, so a message may refer to the ones before
 * it; with `*_no_context_takeover` the stream is reset after each.
 *
 * node:zlib runs a stream's work on the thread pool, calling back later; its one synchronous
 * path (`zlib.inflateRawSync` and friends) makes a new stream per call and closes it after. A
 * message is small and its compression a few microseconds, not worth a trip through the thread
 * pool and back into the loop, and context takeover needs one stream kept for the connection.
 * So the engines below drive the zlib handle of a kept stream synchronously, as Node's own
 * sync functions do (`handle.writeSync` and the stream's `_writeState`), and stop inflating as
 * soon as the output passes the message size limit (a small message that inflates to gigabytes
 * is refused after the first block past the limit, not after all of it).
 */
import zlib from 'node:zlib';
import { WebSocketProtocolError } from './errors';

/** What `getCompressionOptions()` returns (tornado's `compression_level`, `mem_level`). */
export interface CompressionOptions {
  /** zlib's level, 0-9 (default 6, as tornado's GZIP_LEVEL). */
  readonly compressionLevel?: number;
  /** zlib's memLevel, 1-9 (default 8). */
  readonly memLevel?: number;
}

/** The parameters agreed for permessage-deflate (the names of RFC 7692 §7.1). */
export type DeflateParams = Record<string, string | null>;

const MAX_WBITS = 15;
/** The tail a sync flush ends with: dropped on the wire (RFC 7692 §7.2.1). */
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const { Z_SYNC_FLUSH } = zlib.constants;
const ALLOWED = new Set([
  'server_no_context_takeover',
  'client_no_context_takeover',
  'server_max_window_bits',
  'client_max_window_bits',
]);
const EMPTY = Buffer.alloc(0);

/** Where zlib writes; copied out piece by piece (everything here is synchronous). */
let scratch: Buffer | null = null;

/** The zlib internals driven here: Node's own synchronous path uses exactly these. */
interface ZlibInternals {
  _handle: {
    writeSync(
      flush: number,
      input: Uint8Array,
      inOff: number,
      inLen: number,
      out: Uint8Array,
      outOff: number,
      outLen: number,
    ): void;
  } | null;
  _writeState: Uint32Array;
}

/** A message past the size limit once inflated. */
export const TOO_LARGE: unique symbol = Symbol('tooLarge');
/** Compressed bytes zlib could not inflate. */
export const CORRUPT: unique symbol = Symbol('corrupt');

/**
 * Runs `input` through `stream` with a sync flush: the output, or TOO_LARGE once it passes
 * `limit` bytes, or CORRUPT if zlib failed.
 */
function runSync(
  stream: zlib.InflateRaw | zlib.DeflateRaw,
  input: Uint8Array,
  limit: number,
): Buffer | typeof TOO_LARGE | typeof CORRUPT {
  const { _handle: handle, _writeState: state } = stream as unknown as ZlibInternals;
  if (handle === null) return CORRUPT;
  const out = (scratch ??= Buffer.allocUnsafeSlow(64 * 1024));
  let inOff = 0;
  let inLen = input.length;
  let first: Buffer | null = null;
  let more: Buffer[] | null = null;
  let total = 0;
  for (;;) {
    handle.writeSync(Z_SYNC_FLUSH, input, inOff, inLen, out, 0, out.length);
    // An error destroys the stream (synchronously; the 'error' event comes later).
    if (stream.destroyed) return CORRUPT;
    const outLeft = state[0]!;
    const inLeft = state[1]!;
    const have = out.length - outLeft;
    if (have > 0) {
      total += have;
      if (total > limit) return TOO_LARGE;
      const piece = Buffer.from(out.subarray(0, have));
      if (first === null) first = piece;
      else (more ??= []).push(piece);
    }
    // Room left in the output: the input is used up and flushed.
    if (outLeft !== 0) break;
    inOff += inLen - inLeft;
    inLen = inLeft;
  }
  if (first === null) return EMPTY;
  return more === null ? first : Buffer.concat([first, ...more], total);
}

let syncZlib: boolean | null = null;

/**
 * Whether this Node's zlib streams have the internals the engines here drive (every Node from
 * 10 to 24 has them): checked once, by a round trip of a few bytes. Where they are missing,
 * permessage-deflate is declined (server) and not offered (client), instead of failing later.
 */
export function syncZlibAvailable(): boolean {
  if (syncZlib !== null) return syncZlib;
  try {
    const deflate = quiet(zlib.createDeflateRaw());
    const inflate = quiet(zlib.createInflateRaw());
    const internals = [deflate, inflate].map((s) => s as unknown as Partial<ZlibInternals>);
    const shaped = internals.every(
      (i) => typeof i._handle?.writeSync === 'function' && i._writeState instanceof Uint32Array,
    );
    const sample = Buffer.from('permessage-deflate');
    const packed = shaped ? runSync(deflate, sample, Infinity) : CORRUPT;
    const unpacked = Buffer.isBuffer(packed) ? runSync(inflate, packed, Infinity) : CORRUPT;
    syncZlib = Buffer.isBuffer(unpacked) && unpacked.equals(sample);
    deflate.close();
    inflate.close();
  } catch {
    syncZlib = false;
  }
  return syncZlib;
}

/** A zlib stream that is never piped: its errors are seen through `destroyed`. */
function quiet<T extends zlib.InflateRaw | zlib.DeflateRaw>(stream: T): T {
  stream.on('error', ignore);
  return stream;
}
function ignore(): void {}

/** Compresses outgoing messages (tornado's `_PerMessageDeflateCompressor`). */
export class PerMessageCompressor {
  readonly #stream: zlib.DeflateRaw;
  readonly #persistent: boolean;

  constructor(persistent: boolean, maxWbits: number, options: CompressionOptions) {
    this.#persistent = persistent;
    this.#stream = quiet(
      zlib.createDeflateRaw({
        level: options.compressionLevel ?? 6,
        memLevel: options.memLevel ?? 8,
        windowBits: maxWbits,
      }),
    );
  }

  /** The message compressed, without the sync flush's tail. */
  compress(data: Uint8Array): Buffer {
    const out = runSync(this.#stream, data, Infinity);
    if (typeof out === 'symbol') throw new WebSocketProtocolError('zlib failed to compress');
    if (!this.#persistent) this.#stream.reset();
    return out.subarray(0, out.length - TAIL.length);
  }

  close(): void {
    this.#stream.close();
  }

  toString(): string {
    return `<PerMessageCompressor ${this.#persistent ? 'context takeover' : 'no context takeover'}>`;
  }
}

/** Inflates incoming messages (tornado's `_PerMessageDeflateDecompressor`). */
export class PerMessageDecompressor {
  readonly #stream: zlib.InflateRaw;
  readonly #persistent: boolean;
  readonly #maxMessageSize: number;

  constructor(persistent: boolean, maxMessageSize: number) {
    this.#persistent = persistent;
    this.#maxMessageSize = maxMessageSize;
    // Always the largest window: inflating with a larger one than the peer compressed with is
    // correct, and zlib refuses a raw window of 8 bits.
    this.#stream = quiet(zlib.createInflateRaw({ windowBits: MAX_WBITS }));
  }

  // #region decompress
  /** The message inflated from its fragments' payloads; TOO_LARGE or CORRUPT. */
  decompress(parts: readonly Uint8Array[]): Buffer | typeof TOO_LARGE | typeof CORRUPT {
    let out: Buffer | typeof TOO_LARGE | typeof CORRUPT = EMPTY;
    let total = 0;
    const pieces: Buffer[] = [];
    for (const part of [...parts, TAIL]) {
      out = runSync(this.#stream, part, this.#maxMessageSize - total);
      if (typeof out === 'symbol') return out;
      total += out.length;
      if (out.length > 0) pieces.push(out);
    }
    if (!this.#persistent) this.#stream.reset();
    return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, total);
  }
  // #endregion decompress

  close(): void {
    this.#stream.close();
  }

  toString(): string {
    return `<PerMessageDecompressor ${this.#persistent ? 'context takeover' : 'no context takeover'} max=${String(this.#maxMessageSize)}>`;
  }
}

/** One offer or answer of `Sec-WebSocket-Extensions`: its name and parameters. */
export interface Extension {
  readonly name: string;
  readonly params: DeflateParams;
}

/** `Sec-WebSocket-Extensions` taken apart: `a; x=1, b` → [{a, {x: '1'}}, {b, {}}]. */
export function parseExtensions(header: string | undefined): Extension[] {
  if (header === undefined || header.trim() === '') return [];
  return header.split(',').map((offer) => {
    const [name = '', ...rest] = offer.split(';').map((part) => part.trim());
    const params = Object.create(null) as DeflateParams;
    for (const part of rest) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      if (eq === -1) params[part.toLowerCase()] = null;
      else {
        let value = part.slice(eq + 1).trim();
        if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
          value = value.slice(1, -1);
        params[part.slice(0, eq).trim().toLowerCase()] = value;
      }
    }
    return { name: name.toLowerCase(), params };
  });
}

/** The agreed parameters as a header value (tornado's `_encode_header`: sorted, bare names). */
export function formatExtension(name: string, params: DeflateParams): string {
  const out = [name];
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    out.push(value === null || value === undefined ? key : `${key}=${value}`);
  }
  return out.join('; ');
}

/**
 * Checks the parameters of a permessage-deflate offer or answer (RFC 7692 §7.1): known names, no
 * value for the `no_context_takeover` ones, window bits 8-15 (a client's offer may leave
 * `client_max_window_bits` bare). Returns a reason when they are not acceptable.
 */
export function checkDeflateParams(params: DeflateParams, offer: boolean): string | null {
  for (const key of Object.keys(params)) {
    if (!ALLOWED.has(key)) return `unsupported compression parameter ${JSON.stringify(key)}`;
    const value = params[key] ?? null;
    if (key.endsWith('_no_context_takeover')) {
      if (value !== null) return `${key} takes no value`;
    } else if (value === null) {
      if (!(offer && key === 'client_max_window_bits')) return `${key} needs a value`;
    } else if (!/^(?:[89]|1[0-5])$/.test(value)) {
      return `invalid ${key} ${JSON.stringify(value)}`;
    }
  }
  return null;
}

/** A compressor and decompressor for one side (`server` or `client`) of agreed `params`. */
export function createCompressors(
  side: 'server' | 'client',
  params: DeflateParams,
  options: CompressionOptions,
  maxMessageSize: number,
): [PerMessageCompressor, PerMessageDecompressor] {
  const other = side === 'server' ? 'client' : 'server';
  const bits = params[`${side}_max_window_bits`];
  // zlib's raw deflate cannot compress with 8 bits: 9 would break the agreement, so 8 is
  // refused by the negotiation (see `acceptableForUs`).
  const wbits = bits === null || bits === undefined ? MAX_WBITS : Number(bits);
  return [
    new PerMessageCompressor(!(`${side}_no_context_takeover` in params), wbits, options),
    new PerMessageDecompressor(!(`${other}_no_context_takeover` in params), maxMessageSize),
  ];
}

/** False when `params` ask our compressor (on `side`) for a window zlib cannot honour. */
export function acceptableForUs(side: 'server' | 'client', params: DeflateParams): boolean {
  return params[`${side}_max_window_bits`] !== '8';
}

/** Checks compression options as `getCompressionOptions()` or `websocketConnect` give them. */
export function checkCompressionOptions(options: unknown, where: string): CompressionOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where}: compression options must be an object, got ${String(options)}`);
  }
  const { compressionLevel, memLevel } = options as CompressionOptions;
  if (
    compressionLevel !== undefined &&
    (!Number.isInteger(compressionLevel) || compressionLevel < -1 || compressionLevel > 9)
  ) {
    throw new RangeError(
      `${where}: compressionLevel must be an integer -1..9, got ${String(compressionLevel)}`,
    );
  }
  if (memLevel !== undefined && (!Number.isInteger(memLevel) || memLevel < 1 || memLevel > 9)) {
    throw new RangeError(`${where}: memLevel must be an integer 1..9, got ${String(memLevel)}`);
  }
  return options;
}
