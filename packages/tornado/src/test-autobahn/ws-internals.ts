/**
 * The parts of npm `ws` the fuzzing peer borrows: permessage-deflate (its negotiation and its
 * zlib contexts, with window bits and context takeover honoured) and the extension header's
 * parser and formatter. `ws` exports them from its root but @types/ws does not describe them,
 * so they are typed here, only as far as the fuzzer uses them. `ws` passes the Autobahn suite,
 * which is why its deflate is trusted as the reference against which our server's is judged.
 */
import * as ws from 'ws';

/** Parameters of one extension offer or response, as `ws`'s parser returns them. */
export type ExtensionParams = Record<string, (string | true)[]>;
/** Parameters after negotiation (`client_max_window_bits: 9`, `server_no_context_takeover: true`). */
export type DeflateParams = Record<string, string | number | true>;

export interface PerMessageDeflateOptions {
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  serverMaxWindowBits?: boolean | number;
  clientMaxWindowBits?: boolean | number;
  isServer?: boolean;
  maxPayload?: number;
}

export interface PerMessageDeflate {
  params: DeflateParams | null;
  offer(): DeflateParams;
  accept(configurations: DeflateParams[] | ExtensionParams[]): DeflateParams;
  compress(
    data: Buffer,
    fin: boolean,
    callback: (error: Error | null, result?: Buffer) => void,
  ): void;
  decompress(
    data: Buffer,
    fin: boolean,
    callback: (error: Error | null, result?: Buffer) => void,
  ): void;
  cleanup(): void;
}

interface WsInternals {
  PerMessageDeflate: new (options?: PerMessageDeflateOptions) => PerMessageDeflate;
  extension: {
    parse(this: void, header: string): Record<string, ExtensionParams[]>;
    format(this: void, extensions: Record<string, DeflateParams | DeflateParams[]>): string;
  };
}

// The ESM entry exports them by name (its default export is the WebSocket class alone).
const internals = ws as unknown as WsInternals;

export const PerMessageDeflate = internals.PerMessageDeflate;
export const parseExtensions = internals.extension.parse;
export const formatExtensions = internals.extension.format;

/** `deflate.compress` as a promise. */
export function compress(deflate: PerMessageDeflate, data: Buffer, fin = true): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    deflate.compress(data, fin, (error, result) => {
      if (error !== null) reject(error);
      else resolve(result!);
    });
  });
}

/** `deflate.decompress` as a promise. */
export function decompress(deflate: PerMessageDeflate, data: Buffer, fin = true): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    deflate.decompress(data, fin, (error, result) => {
      if (error !== null) reject(error);
      else resolve(result!);
    });
  });
}
