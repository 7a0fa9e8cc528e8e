/**
 * Test support (never imported by the library): runs bytes through Node's own llhttp — the
 * `HTTPParser` of `process.binding('http_parser')`, set up as `_http_server.js` sets it up for a
 * server that is not `insecureHTTPParser`: REQUEST mode, no lenient flags — and reports what it
 * made of them in the corpus's shape (`ParseResult`).
 *
 * The binding's callbacks are the ones `_http_common.js` installs: `kOnHeaders(headers, url)` when
 * more than 32 header lines must be flushed early (and for trailers), `kOnHeadersComplete(major,
 * minor, headers, method, url, status, statusMessage, upgrade, shouldKeepAlive)` (`headers` and
 * `url` undefined when they were flushed), `kOnBody(buffer)`, `kOnMessageComplete()`.
 * `execute(buffer)` returns the bytes it parsed, or an Error with `code` (`HPE_…`), `reason` and
 * `bytesParsed`; after an upgrade it returns the bytes up to the end of the upgrading message.
 */
import { LLHTTP_ERRORS, type HeaderPair, type ParsedMessage, type ParseResult } from './corpus';

interface BindingError extends Error {
  code?: string;
  reason?: string;
  bytesParsed?: number;
}

interface NativeParser {
  initialize(
    type: number,
    resource: object,
    maxHeaderSize: number,
    lenient: number,
    connections?: unknown,
  ): void;
  execute(data: Buffer): number | BindingError;
  finish(): number | BindingError | undefined;
  close(): void;
  free(): void;
  [key: number]: unknown;
}

interface ParserClass {
  new (): NativeParser;
  readonly REQUEST: number;
  readonly kOnMessageBegin: number;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  readonly kOnExecute: number;
  readonly kLenientNone: number;
}

interface Binding {
  HTTPParser: ParserClass;
  allMethods: readonly string[];
}

let binding: Binding | null = null;

/**
 * `process.binding('http_parser')`, without the DEP0111 warning it prints the first time (a
 * deprecation warning is dropped while `process.noDeprecation` is set, checked as it is emitted).
 */
function httpParserBinding(): Binding {
  if (binding !== null) return binding;
  const saved = process.noDeprecation;
  process.noDeprecation = true;
  try {
    binding = (process as unknown as { binding(name: string): Binding }).binding('http_parser');
  } finally {
    process.noDeprecation = saved;
  }
  return binding;
}

/** The llhttp version inside this Node (`process.versions.llhttp`). */
export const NODE_LLHTTP_VERSION: string = process.versions.llhttp ?? 'unknown';

/** Node's default `maxHeaderSize` (`--max-http-header-size`): 16 KiB. */
export const NODE_MAX_HEADER_SIZE = 16 * 1024;

export interface NodeParseOptions {
  /** Feed the bytes in pieces of this size (default: all at once). */
  split?: number;
  /** llhttp's header size limit (`0`: Node's default, 16 KiB). */
  maxHeaderSize?: number;
}

const LLHTTP_CODES: ReadonlyMap<string, number> = new Map(
  Object.entries(LLHTTP_ERRORS).map(([code, name]) => [name, Number(code)]),
);

function pairs(flat: readonly string[]): HeaderPair[] {
  const out: HeaderPair[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

/**
 * Parses `input` as a server's Node would (strict llhttp, REQUEST mode) and says what it made of
 * it: the messages it completed, then `complete`, `incomplete` (a message begun, not finished:
 * `finish()` fails), `error` or `upgrade`.
 */
export function nodeParse(input: Uint8Array, options: NodeParseOptions = {}): ParseResult {
  const { HTTPParser, allMethods } = httpParserBinding();
  const parser = new HTTPParser();
  const messages: ParsedMessage[] = [];
  let flushed: string[] = [];
  let url = '';
  let current: ParsedMessage | null = null;
  let bodyParts: Buffer[] = [];
  let begun = false;

  parser[HTTPParser.kOnMessageBegin] = (): void => {
    begun = true;
  };
  parser[HTTPParser.kOnHeaders] = (headers: string[], part: string): void => {
    flushed.push(...headers);
    url += part;
  };
  parser[HTTPParser.kOnHeadersComplete] = (
    major: number,
    minor: number,
    headers: string[] | undefined,
    method: number,
    target: string | undefined,
    _status: unknown,
    _statusMessage: unknown,
    upgrade: boolean,
    keepAlive: boolean,
  ): number => {
    const all = headers ?? flushed;
    current = {
      method: allMethods[method] ?? `#${String(method)}`,
      url: target ?? url,
      version: `${String(major)}.${String(minor)}`,
      headers: pairs(all),
      trailers: [],
      body: Buffer.alloc(0),
      upgrade,
      keepAlive,
    };
    flushed = [];
    url = '';
    bodyParts = [];
    return 0;
  };
  parser[HTTPParser.kOnBody] = (chunk: Buffer): void => {
    bodyParts.push(Buffer.from(chunk));
  };
  parser[HTTPParser.kOnMessageComplete] = (): void => {
    if (current === null) return;
    current.body = Buffer.concat(bodyParts);
    current.trailers = pairs(flushed);
    flushed = [];
    url = '';
    messages.push(current);
    current = null;
    begun = false;
  };
  parser[HTTPParser.kOnExecute] = undefined;

  parser.initialize(
    HTTPParser.REQUEST,
    {},
    options.maxHeaderSize ?? 0,
    HTTPParser.kLenientNone,
    undefined,
  );

  const data = Buffer.from(input);
  const split = options.split ?? data.length;
  try {
    for (let start = 0; start < data.length; start += Math.max(1, split)) {
      const piece = data.subarray(start, Math.min(data.length, start + Math.max(1, split)));
      const before = messages.length;
      const result = parser.execute(piece);
      if (result instanceof Error) {
        const name = result.code ?? 'HPE_UNKNOWN';
        const code = LLHTTP_CODES.get(name) ?? -1;
        return {
          // The HTTP/2 preface: llhttp hands the connection over, as for an upgrade.
          outcome: name === 'HPE_PAUSED_H2_UPGRADE' ? 'upgrade' : 'error',
          messages,
          error: {
            code,
            name,
            reason: result.reason ?? result.message,
            offset: start + (result.bytesParsed ?? 0),
          },
        };
      }
      const last = messages[messages.length - 1];
      if (messages.length > before && last?.upgrade === true) {
        const h2 = last.method === 'PRI';
        return {
          outcome: 'upgrade',
          messages: h2 ? messages.slice(0, -1) : messages,
          error: {
            code: h2 ? 23 : 22,
            name: h2 ? 'HPE_PAUSED_H2_UPGRADE' : 'HPE_PAUSED_UPGRADE',
            reason: h2 ? 'Pause on PRI/Upgrade' : 'Pause on CONNECT/Upgrade',
            offset: start + result,
          },
        };
      }
    }
    const finished = parser.finish();
    const incomplete = finished instanceof Error || begun;
    return { outcome: incomplete ? 'incomplete' : 'complete', messages, error: null };
  } finally {
    parser.close();
  }
}
