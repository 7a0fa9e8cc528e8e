/**
 * `HTTP1ConnectionParameters` (tornado/http1connection.py), checked once. Times are in
 * milliseconds, as every time in aio (tornado's are seconds).
 */
import { checkInteger, optionTypeError } from '../log/errors';

export interface HTTP1ConnectionParameters {
  /** Close the connection after each request. Default false. */
  noKeepAlive?: boolean;
  /** Most bytes handed to a delegate's `dataReceived` at once. Default 64 KiB. */
  chunkSize?: number;
  /** Most bytes of a start line and headers together (and of a chunked body's trailers). Default 64 KiB. */
  maxHeaderSize?: number;
  /** Milliseconds to wait for a request's headers, idle time before it included. Default: none. */
  headerTimeout?: number | null;
  /** Largest body accepted (after decompression, with `decompress`). Default 100 MiB. */
  maxBodySize?: number;
  /** Milliseconds a body may take to arrive, from the end of its headers. Default: none. */
  bodyTimeout?: number | null;
  /** Decompress `Content-Encoding: gzip` request bodies. Default false. */
  decompress?: boolean;
}

/** The parameters with every default filled in. */
export interface ConnectionParams {
  readonly noKeepAlive: boolean;
  readonly chunkSize: number;
  readonly maxHeaderSize: number;
  readonly headerTimeout: number | null;
  readonly maxBodySize: number;
  readonly bodyTimeout: number | null;
  readonly decompress: boolean;
}

export const DEFAULT_CHUNK_SIZE = 64 * 1024;
export const DEFAULT_MAX_HEADER_SIZE = 64 * 1024;
export const DEFAULT_MAX_BODY_SIZE = 100 * 1024 * 1024;

/** The parameters `connectionParams` made: checked already, passed on as they are. */
const checked = new WeakSet<ConnectionParams>();

/**
 * Checks `params` (naming `where` in its errors) and fills in the defaults; parameters it made
 * before (a server's, shared by its connections) come back as they are.
 */
export function connectionParams(
  params: HTTP1ConnectionParameters | ConnectionParams | undefined,
  where: string,
): ConnectionParams {
  if (params === undefined || params === null) params = {};
  if (checked.has(params as ConnectionParams)) return params as ConnectionParams;
  if (typeof params !== 'object') throw optionTypeError(where, 'params', 'an object', params);
  const timeout = (name: 'headerTimeout' | 'bodyTimeout'): number | null => {
    const value = params[name];
    return value === undefined || value === null ? null : checkInteger(where, name, value, 1);
  };
  const flag = (name: 'noKeepAlive' | 'decompress'): boolean => {
    const value = params[name] ?? false;
    if (typeof value !== 'boolean') throw optionTypeError(where, name, 'a boolean', value);
    return value;
  };
  const result: ConnectionParams = Object.freeze({
    noKeepAlive: flag('noKeepAlive'),
    chunkSize: checkInteger(where, 'chunkSize', params.chunkSize ?? DEFAULT_CHUNK_SIZE, 1),
    maxHeaderSize: checkInteger(
      where,
      'maxHeaderSize',
      params.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE,
      64,
    ),
    headerTimeout: timeout('headerTimeout'),
    maxBodySize: checkInteger(where, 'maxBodySize', params.maxBodySize ?? DEFAULT_MAX_BODY_SIZE, 0),
    bodyTimeout: timeout('bodyTimeout'),
    decompress: flag('decompress'),
  });
  checked.add(result);
  return result;
}
