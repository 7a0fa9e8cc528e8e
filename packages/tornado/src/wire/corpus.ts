/**
 * Test support (never imported by the library): reads llhttp's markdown test corpus
 * (`tooling/fixtures/llhttp/`, see its README.md) into cases — the input bytes and what llhttp
 * reported for them: the messages it completed, and how it stopped (an error, an upgrade, or
 * waiting for more).
 *
 * Spans in a log are taken from the input by their offset and length, not from the quoted text
 * in the log (which shows UTF-8 text as is, and other bytes as their latin1 character).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The corpus directory: `<repo>/tooling/fixtures/llhttp`. */
export const CORPUS_DIR = fileURLToPath(
  new URL('../../../../tooling/fixtures/llhttp/', import.meta.url),
);

/** A header field as a parser reports it: name and value, latin1 strings of the wire bytes. */
export type HeaderPair = [name: string, value: string];

/** One message a parser completed. Strings are latin1 (one character per wire byte). */
export interface ParsedMessage {
  method: string;
  url: string;
  /** `1.1`, `1.0`… */
  version: string;
  headers: HeaderPair[];
  /** Fields after a chunked body (llhttp reports them as headers after the body). */
  trailers: HeaderPair[];
  body: Buffer;
  /** llhttp decided the connection is upgraded (CONNECT, or `Connection: upgrade` + `Upgrade`). */
  upgrade: boolean;
  /** llhttp would read another message on the connection after this one. */
  keepAlive: boolean;
  /** A response's status code and reason (request messages have neither). */
  status?: number;
  reason?: string;
  /** A response whose body ends with the connection (no framing; llhttp_message_needs_eof). */
  needsEof?: boolean;
}

/** Where and why llhttp stopped with an error. */
export interface ParseError {
  code: number;
  /** `HPE_…` */
  name: string;
  reason: string;
  /** Offset in the input of the byte it stopped at. */
  offset: number;
}

/**
 * What a parser made of an input:
 * - `complete`: every byte read into complete messages (CRLFs between them allowed);
 * - `incomplete`: complete messages, then a valid prefix of another: more bytes are awaited;
 * - `error`: complete messages, then an error (`error` says which);
 * - `upgrade`: complete messages, the last one switching protocols: the rest is not HTTP/1.
 */
export type Outcome = 'complete' | 'incomplete' | 'error' | 'upgrade';

export interface ParseResult {
  outcome: Outcome;
  messages: ParsedMessage[];
  error: ParseError | null;
}

export interface CorpusMeta {
  type: string;
  noScan?: boolean;
  pause?: string;
  skipBody?: boolean;
  mode?: string;
  [key: string]: unknown;
}

/** Where a message the log shows begun has its request line, and whether it has a `Host`. */
export interface MessageStart {
  /** Offset of the message's first byte (llhttp's `message begin`). */
  begin: number;
  /** Offset just past its last byte (llhttp's `message complete`), or -1 if it never completed. */
  end: number;
  /** Offset of the CRLF that ends the request line (-1: the log has no complete request line). */
  lineEnd: number;
  /** The version span (`1.1`), or '' if none. */
  version: string;
  /** `Host` fields among the headers the log shows for it. */
  hosts: number;
}

export interface CorpusCase extends ParseResult {
  /** `request/sample.md#Simple request` (a repeated name gets ` (2)`, ` (3)`…). */
  id: string;
  /** Relative to the corpus: `request/sample.md`. */
  file: string;
  /** The heading above the case. */
  name: string;
  meta: CorpusMeta;
  input: Buffer;
  /** The log's lines, as written. */
  log: string[];
  /** Every message the log shows begun (complete or not), in order. */
  starts: MessageStart[];
  /** The message begun and not completed where the log ends (what came of it so far), or null. */
  partial: ParsedMessage | null;
}

/** llhttp's error codes (llhttp.h `llhttp_errno`). */
export const LLHTTP_ERRORS: Readonly<Record<number, string>> = {
  0: 'HPE_OK',
  1: 'HPE_INTERNAL',
  2: 'HPE_STRICT',
  3: 'HPE_LF_EXPECTED',
  4: 'HPE_UNEXPECTED_CONTENT_LENGTH',
  5: 'HPE_CLOSED_CONNECTION',
  6: 'HPE_INVALID_METHOD',
  7: 'HPE_INVALID_URL',
  8: 'HPE_INVALID_CONSTANT',
  9: 'HPE_INVALID_VERSION',
  10: 'HPE_INVALID_HEADER_TOKEN',
  11: 'HPE_INVALID_CONTENT_LENGTH',
  12: 'HPE_INVALID_CHUNK_SIZE',
  13: 'HPE_INVALID_STATUS',
  14: 'HPE_INVALID_EOF_STATE',
  15: 'HPE_INVALID_TRANSFER_ENCODING',
  16: 'HPE_CB_MESSAGE_BEGIN',
  17: 'HPE_CB_HEADERS_COMPLETE',
  18: 'HPE_CB_MESSAGE_COMPLETE',
  19: 'HPE_CB_CHUNK_HEADER',
  20: 'HPE_CB_CHUNK_COMPLETE',
  21: 'HPE_PAUSED',
  22: 'HPE_PAUSED_UPGRADE',
  23: 'HPE_PAUSED_H2_UPGRADE',
  24: 'HPE_USER',
  25: 'HPE_CR_EXPECTED',
  26: 'HPE_CB_URL_COMPLETE',
  27: 'HPE_CB_STATUS_COMPLETE',
  28: 'HPE_CB_METHOD_COMPLETE',
  29: 'HPE_CB_VERSION_COMPLETE',
  30: 'HPE_UNEXPECTED_SPACE',
};

/** The "errors" that are llhttp handing the connection over, not rejecting the input. */
export const UPGRADE_CODES: ReadonlySet<number> = new Set([22, 23]);

/** llhttp's `flags` bits (llhttp.h `llhttp_flags`). */
const F_CONNECTION_KEEP_ALIVE = 0x1;
const F_CONNECTION_CLOSE = 0x2;
const F_CONNECTION_UPGRADE = 0x4;
const F_UPGRADE = 0x10;
const F_CHUNKED = 0x8;
const F_CONTENT_LENGTH = 0x20;
const F_SKIPBODY = 0x40;
const F_TRANSFER_ENCODING = 0x200;
const METHOD_CONNECT = 5;

/**
 * The input bytes of an `http` block (README: drop the final newline, newlines become CRLF, then
 * `\r`, `\n`, `\t`, `\f` and `\xNN` are expanded), encoded as UTF-8. A line ending in a
 * backslash continues on the next without a newline (llhttp's test/md-test.ts removes `\` and
 * the newline before it normalises newlines; the logs' offsets count that way). `\xNN` is the character
 * U+00NN, so `\xff` is the two bytes C3 BF: that is what llhttp's own harness fed its parser, as
 * the offsets in the logs show (`255 ASCII in header value` has `len=8` for `\xffValue2`).
 */
export function decodeInput(block: string): Buffer {
  const text = block
    .replace(/\n$/, '')
    .replace(/\\\n/g, '')
    .replace(/\n/g, '\r\n')
    .replace(/\\(?:([rntf])|x([0-9a-fA-F]{2}))/g, (_all, simple?: string, hex?: string) =>
      simple !== undefined
        ? { r: '\r', n: '\n', t: '\t', f: '\f' }[simple]!
        : String.fromCharCode(parseInt(hex!, 16)),
    );
  return Buffer.from(text, 'utf8');
}

/** llhttp's `llhttp_message_needs_eof` for a response: its body ends only with the connection. */
function responseNeedsEof(status: number, flags: number): boolean {
  if (Math.floor(status / 100) === 1 || status === 204 || status === 304) return false;
  if ((flags & F_SKIPBODY) !== 0) return false;
  if ((flags & F_TRANSFER_ENCODING) !== 0 && (flags & F_CHUNKED) === 0) return true;
  return (flags & (F_CHUNKED | F_CONTENT_LENGTH)) === 0;
}

/** llhttp's `llhttp_should_keep_alive` for a request (which never needs EOF to end). */
function shouldKeepAlive(major: number, minor: number, flags: number): boolean {
  if (major > 0 && minor > 0) return (flags & F_CONNECTION_CLOSE) === 0;
  return (flags & F_CONNECTION_KEEP_ALIVE) !== 0;
}

interface Building {
  message: ParsedMessage;
  start: MessageStart;
  headersDone: boolean;
  field: 'name' | 'value' | null;
}

/** Interprets a log against its input. */
export function interpretLog(
  input: Buffer,
  log: readonly string[],
): ParseResult & { starts: MessageStart[]; partial: ParsedMessage | null } {
  const messages: ParsedMessage[] = [];
  const starts: MessageStart[] = [];
  let current: Building | null = null;
  let error: ParseError | null = null;
  const latin1 = (off: number, len: number): string =>
    input.subarray(off, off + len).toString('latin1');

  for (const line of log) {
    const match = /^off=(\d+|NULL) (.*)$/.exec(line);
    if (match === null) throw new Error(`unreadable log line ${JSON.stringify(line)}`);
    const off = match[1] === 'NULL' ? -1 : Number(match[1]);
    const event = match[2]!;
    if (event === 'message begin') {
      current = {
        message: {
          method: '',
          url: '',
          version: '',
          headers: [],
          trailers: [],
          body: Buffer.alloc(0),
          upgrade: false,
          keepAlive: false,
        },
        start: { begin: off, end: -1, lineEnd: -1, version: '', hosts: 0 },
        headersDone: false,
        field: null,
      };
      starts.push(current.start);
      continue;
    }
    const span = /^len=(\d+) span\[(\w+)\]=/.exec(event);
    if (span !== null) {
      if (current === null) throw new Error(`span outside a message: ${line}`);
      const text = latin1(off, Number(span[1]));
      const m = current.message;
      const list = current.headersDone ? m.trailers : m.headers;
      switch (span[2]) {
        case 'method':
          m.method += text;
          break;
        case 'url':
          m.url += text;
          break;
        case 'version':
          m.version += text;
          break;
        case 'header_field':
          if (current.field !== 'name') list.push(['', '']);
          list[list.length - 1]![0] += text;
          current.field = 'name';
          break;
        case 'header_value':
          list[list.length - 1]![1] += text;
          current.field = 'value';
          break;
        case 'body':
          m.body = Buffer.concat([m.body, input.subarray(off, off + Number(span[1]))]);
          break;
        case 'status':
          m.reason = (m.reason ?? '') + text;
          break;
        default: // protocol, chunk extensions
          break;
      }
      continue;
    }
    if (event === 'header_value complete' && current !== null) {
      current.field = 'value';
      continue;
    }
    if (event === 'header_field complete' && current !== null && !current.headersDone) {
      const headers = current.message.headers;
      if (headers[headers.length - 1]?.[0].toLowerCase() === 'host') current.start.hosts++;
      continue;
    }
    if (event === 'version complete' && current !== null) {
      current.start.version = current.message.version;
      if (input[off] === 0x0d && input[off + 1] === 0x0a) current.start.lineEnd = off;
      continue;
    }
    const headers = /^headers complete method=(\d+) v=(\d+)\/(\d+) flags=([0-9a-f]+)/.exec(event);
    if (headers !== null && current !== null) {
      const [method, major, minor, flags] = [
        Number(headers[1]),
        Number(headers[2]),
        Number(headers[3]),
        parseInt(headers[4]!, 16),
      ];
      current.headersDone = true;
      current.field = null;
      current.message.version = `${String(major)}.${String(minor)}`;
      current.message.upgrade =
        method === METHOD_CONNECT ||
        ((flags & F_UPGRADE) !== 0 && (flags & F_CONNECTION_UPGRADE) !== 0);
      current.message.keepAlive = shouldKeepAlive(major, minor, flags);
      continue;
    }
    const response = /^headers complete status=(\d+) v=(\d+)\/(\d+) flags=([0-9a-f]+)/.exec(event);
    if (response !== null && current !== null) {
      const [status, major, minor, flags] = [
        Number(response[1]),
        Number(response[2]),
        Number(response[3]),
        parseInt(response[4]!, 16),
      ];
      const m = current.message;
      current.headersDone = true;
      current.field = null;
      m.version = `${String(major)}.${String(minor)}`;
      m.status = status;
      m.reason ??= '';
      m.needsEof = responseNeedsEof(status, flags);
      m.upgrade = (flags & F_UPGRADE) !== 0 && (flags & F_CONNECTION_UPGRADE) !== 0;
      m.keepAlive = !m.needsEof && shouldKeepAlive(major, minor, flags);
      continue;
    }
    if (event === 'message complete') {
      if (current === null) throw new Error(`message complete outside a message: ${line}`);
      current.start.end = off;
      messages.push(current.message);
      current = null;
      continue;
    }
    const failed = /^error code=(\d+) reason="(.*)"$/.exec(event);
    if (failed !== null) {
      const code = Number(failed[1]);
      error = {
        code,
        name: LLHTTP_ERRORS[code] ?? `HPE_${String(code)}`,
        reason: failed[2]!,
        offset: off,
      };
      continue;
    }
    if (
      /^header_value complete|^\w+ complete|^reset|^pause|^skip body|^chunk |^finish=/.test(event)
    )
      continue;
    throw new Error(`unknown log event ${JSON.stringify(line)}`);
  }

  const partial = current?.message ?? null;
  if (error !== null && UPGRADE_CODES.has(error.code)) {
    return { outcome: 'upgrade', messages, error, starts, partial };
  }
  if (error !== null) return { outcome: 'error', messages, error, starts, partial };
  return {
    outcome: current === null ? 'complete' : 'incomplete',
    messages,
    error: null,
    starts,
    partial,
  };
}

/** The field line the `+Host` variants add. */
export const INJECTED_HOST: HeaderPair = ['Host', 'x'];

/**
 * The case with `Host: x` added after the request line of each HTTP/1.1 message the log shows
 * without one — for a server that answers such a message 400 (RFC 9112 §3.2), the same case
 * with what it is really about left to judge. What llhttp says of it is derived: the same
 * verdict, each such message with the field first in its headers (adding a valid field line
 * changes nothing else; the differential suite checks that with Node's llhttp, error names
 * aside: the error may be found at another byte). Null when no message needs one.
 */
export function withHost(c: CorpusCase): { input: Buffer; result: ParseResult } | null {
  // The HTTP/2 preface (`PRI * HTTP/1.1` + `SM`) has no fields to add one to.
  if (c.error?.code === 23) return null;
  const at = c.starts
    .map((start, index) => ({ start, index }))
    .filter(({ start }) => start.lineEnd >= 0 && start.version === '1.1' && start.hosts === 0);
  if (at.length === 0) return null;
  const line = Buffer.from(`\r\n${INJECTED_HOST[0]}: ${INJECTED_HOST[1]}`, 'latin1');
  const parts: Buffer[] = [];
  let last = 0;
  for (const { start } of at) {
    parts.push(c.input.subarray(last, start.lineEnd), line);
    last = start.lineEnd;
  }
  parts.push(c.input.subarray(last));
  const injected = new Set(at.map(({ index }) => index));
  const messages = c.messages.map((m, index) =>
    injected.has(index) ? { ...m, headers: [[...INJECTED_HOST] as HeaderPair, ...m.headers] } : m,
  );
  return {
    input: Buffer.concat(parts),
    result: {
      outcome: c.outcome,
      messages,
      error: c.error === null ? null : { ...c.error, offset: -1 },
    },
  };
}

/** Reads one corpus markdown file (`file` relative to the corpus directory). */
export function readCorpusFile(file: string, dir = CORPUS_DIR): CorpusCase[] {
  const lines = readFileSync(join(dir, file), 'utf8').split('\n');
  const cases: CorpusCase[] = [];
  const seen = new Map<string, number>();
  let heading = '';
  let meta: CorpusMeta | null = null;
  let input: Buffer | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const title = /^#{1,6} (.*)$/.exec(line);
    if (title !== null) {
      heading = title[1]!.trim();
      continue;
    }
    const comment = /^<!-- meta=(.*) -->$/.exec(line);
    if (comment !== null) {
      meta = JSON.parse(comment[1]!) as CorpusMeta;
      input = null;
      continue;
    }
    const fence = /^```(\w+)$/.exec(line);
    if (fence === null) continue;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    if (meta === null) continue; // a block outside a case (prose examples)
    if (fence[1] === 'http') {
      input = decodeInput(`${body.join('\n')}\n`);
    } else if (fence[1] === 'log') {
      if (input === null) throw new Error(`${file}: a log without its http block at ${heading}`);
      const count = (seen.get(heading) ?? 0) + 1;
      seen.set(heading, count);
      const name = count === 1 ? heading : `${heading} (${String(count)})`;
      const log = body.filter((l) => l.trim() !== '');
      cases.push({
        id: `${file}#${name}`,
        file,
        name,
        meta,
        input,
        log,
        ...interpretLog(input, log),
      });
      meta = null;
      input = null;
    }
  }
  return cases;
}

/** Every case of the corpus's `kind` directory (`request` or `response`), file by file. */
export function readCorpus(kind: 'request' | 'response', dir = CORPUS_DIR): CorpusCase[] {
  return readdirSync(join(dir, kind))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .flatMap((name) => readCorpusFile(`${kind}/${name}`, dir));
}

/** A case a strict server replays: a request case not of llhttp's opt-in lenient modes. */
export function isStrictRequestCase(c: CorpusCase): boolean {
  return (
    c.meta.type.startsWith('request') &&
    !c.meta.type.includes('lenient') &&
    !c.file.split('/').pop()!.startsWith('lenient-')
  );
}
