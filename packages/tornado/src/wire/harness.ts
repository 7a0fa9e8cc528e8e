/**
 * Test support for the wire suites (never imported by the library): an echo `HTTPServer` on its
 * own hosted aio loop, a raw-socket client (Node's `net`) that sends bytes whole, one byte per
 * write, or with a pipelined request after them, a reader of the responses that come back, and
 * the judge that says whether they are what a parser's verdict (llhttp's log, Node's llhttp, or
 * a policy) implies.
 */
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { EventLoop } from '@aio/loop';
import type { Address } from '@aio/selector';
import { HTTPServer } from '../httpserver/server';
import { HTTPHeaders } from '../httputil/headers';
import type { HTTPServerRequest } from '../httputil/request';
import { ResponseStartLine } from '../httputil/start-line';
import type { IOStream } from '../iostream';
import type { HeaderPair, ParsedMessage, ParseResult } from './corpus';

// ─── The server ─────────────────────────────────────────────────────────────────────────────

/** What the echo server answers for each request it accepts (the 200 body, as JSON). */
export interface Echo {
  method: string;
  uri: string;
  version: string;
  headers: HeaderPair[];
  /** latin1: one character per body byte. */
  body: string;
}

/** Answers 200 with the request as JSON (and, for HEAD, the same JSON base64 in `X-Echo`). */
export function echoCallback(request: HTTPServerRequest): void {
  const echo: Echo = {
    method: request.method,
    uri: request.uri,
    version: request.version,
    headers: [...request.headers.getAll()],
    body: request.body.toString('latin1'),
  };
  const body = Buffer.from(JSON.stringify(echo), 'utf8');
  const headers = new HTTPHeaders({
    'Content-Type': 'application/json',
    'Content-Length': String(body.length),
  });
  if (request.method === 'HEAD') headers.set('X-Echo', body.toString('base64'));
  request.connection!.writeHeaders(new ResponseStartLine('HTTP/1.1', 200, 'OK'), headers, body);
  request.connection!.finish();
}

export interface RunningServer {
  readonly port: number;
  /** Connections the server has open now. */
  connectionCount(): number;
  /**
   * Resolves true once the server's stream for the client at local port `clientPort` has
   * taken in `total` bytes; false if it has not within `timeoutMs`.
   */
  received(clientPort: number, total: number, timeoutMs: number): Promise<boolean>;
  /** Forgets `clientPort` (its connection is over). */
  forget(clientPort: number): void;
  /** Stops the server, closes its connections, stops and closes its loop (once; then a no-op). */
  stop(): Promise<void>;
}

interface Intake {
  bytes: number;
  wake: (() => void) | null;
}

/**
 * The echo server, counting the bytes each connection's stream takes in (by the client's port),
 * so a client can send one byte, wait until the server has read it, and send the next: each
 * byte a read of its own.
 */
class WireServer extends HTTPServer {
  readonly intake = new Map<number, Intake>();

  intakeOf(port: number): Intake {
    let entry = this.intake.get(port);
    if (entry === undefined) this.intake.set(port, (entry = { bytes: 0, wake: null }));
    return entry;
  }

  override handleStream(stream: IOStream, address: Address): void {
    const port = Array.isArray(address) ? Number(address[1]) : -1;
    const feed = stream.feedData.bind(stream);
    stream.feedData = (chunk: Uint8Array): void => {
      const entry = this.intakeOf(port);
      entry.bytes += chunk.length;
      feed(chunk);
      const wake = entry.wake;
      entry.wake = null;
      wake?.();
    };
    super.handleStream(stream, address);
  }
}

/**
 * Starts an echo `HTTPServer` on 127.0.0.1 on a fresh hosted loop, running until `stop()`:
 * Node's own sockets (the test's clients) and the aio loop take turns on this thread.
 */
export async function startEchoServer(
  options: ConstructorParameters<typeof HTTPServer>[1] = {},
): Promise<RunningServer> {
  const loop = new EventLoop({ mode: 'hosted' });
  let server: WireServer | null = null;
  let port = 0;
  let setupError: unknown = null;
  loop.callSoon(() => {
    try {
      server = new WireServer(echoCallback, options);
      server.listen(0, '127.0.0.1');
      const match = /127\.0\.0\.1:(\d+)/.exec(String(server));
      if (match === null) throw new Error(`${String(server)} does not listen on 127.0.0.1`);
      port = Number(match[1]);
    } catch (error) {
      setupError = error;
    }
    loop.stop();
  });
  await loop.runForever();
  if (setupError !== null) {
    loop.close();
    throw setupError instanceof Error
      ? setupError
      : new Error('starting the echo server failed', { cause: setupError });
  }
  const running = loop.runForever();
  const s: WireServer = server!;
  let stopped: Promise<void> | null = null;
  return {
    port,
    connectionCount: () => s.connectionCount,
    received(clientPort: number, total: number, timeoutMs: number): Promise<boolean> {
      const entry = s.intakeOf(clientPort);
      if (entry.bytes >= total) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          entry.wake = null;
          resolve(false);
        }, timeoutMs);
        const check = (): void => {
          if (entry.bytes >= total) {
            clearTimeout(timer);
            resolve(true);
          } else {
            entry.wake = check;
          }
        };
        entry.wake = check;
      });
    },
    forget: (clientPort: number) => void s.intake.delete(clientPort),
    stop(): Promise<void> {
      stopped ??= (async () => {
        loop.callSoon(() => {
          s.stop();
          s.closeAllConnections().addDoneCallback(() => loop.stop());
        });
        await running;
        loop.close();
      })();
      return stopped;
    },
  };
}

/** The process's open file descriptors (Linux). */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

// ─── The client ─────────────────────────────────────────────────────────────────────────────

/** What came back on one connection. */
export interface Exchange {
  /** Everything the server sent. */
  data: Buffer;
  /** The server closed its side (FIN) within the wait. */
  closed: boolean;
  /** The connection was reset (ECONNRESET, EPIPE). */
  reset: boolean;
  /** Paced writes only: the server stopped reading before the last piece (the rest went unpaced). */
  paceLost: boolean;
}

export interface ExchangeOptions {
  /** After the last write or the last byte received, wait this long for more (ms). */
  idleMs: number;
  /**
   * Once what arrived satisfies this (all the responses expected), wait only `graceMs` more
   * for anything else (an extra response, a close) instead of `idleMs`.
   */
  enough?: (data: Buffer) => boolean;
  graceMs?: number;
  /** Give up after this long in all (ms). */
  capMs?: number;
  /**
   * Before each write after the first, wait (up to `paceMs`) until this server has read every
   * byte written so far: one read per piece. Once a wait times out (the server stopped
   * reading), the rest is written without waiting.
   */
  pace?: { server: RunningServer; paceMs: number };
}

/**
 * Connects to 127.0.0.1:`port`, writes `pieces` one write each (paced by `options.pace`), and
 * reads until the server closes or nothing has arrived for `idleMs`.
 */
export function exchange(
  port: number,
  pieces: readonly Buffer[],
  options: ExchangeOptions,
): Promise<Exchange> {
  const { idleMs, capMs = 5_000, pace, enough, graceMs = idleMs } = options;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let closed = false;
    let reset = false;
    let paceLost = false;
    let done = false;
    let idle: NodeJS.Timeout | null = null;
    let allSent = false;
    const socket: Socket = connect({ port, host: '127.0.0.1', noDelay: true });
    const finish = (): void => {
      if (done) return;
      done = true;
      if (idle !== null) clearTimeout(idle);
      clearTimeout(cap);
      if (pace !== undefined && socket.localPort !== undefined)
        pace.server.forget(socket.localPort);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), closed, reset, paceLost });
    };
    const cap = setTimeout(finish, capMs);
    /** (Re)starts the idle wait, once everything is written: until then only the cap ends it. */
    const arm = (): void => {
      if (done || !allSent) return;
      if (idle !== null) clearTimeout(idle);
      const satisfied = enough !== undefined && enough(Buffer.concat(chunks));
      idle = setTimeout(finish, satisfied ? graceMs : idleMs);
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      arm();
    });
    socket.on('end', () => {
      closed = true;
      finish();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') reset = true;
      closed = true;
      finish();
    });
    socket.on('close', finish);
    socket.on('connect', () => {
      let next = 0;
      let written = 0;
      let pacing = pace !== undefined;
      const writeNext = (): void => {
        if (done || socket.destroyed) return;
        if (next === pieces.length) {
          allSent = true;
          return arm();
        }
        const piece = pieces[next++]!;
        written += piece.length;
        socket.write(piece, (error) => {
          if (error !== undefined && error !== null) return;
          if (!pacing || next === pieces.length) return writeNext();
          void pace!.server.received(socket.localPort!, written, pace!.paceMs).then((read) => {
            if (!read) pacing = false;
            paceLost ||= !read;
            writeNext();
          });
        });
      };
      writeNext();
    });
  });
}

/** A response the server sent. */
export interface Response {
  status: number;
  headers: HeaderPair[];
  body: Buffer;
  /** The echo, for a 200 that carries one. */
  echo: Echo | null;
}

/** The responses in `data`, and what followed them that is not a whole response. */
export function parseResponses(data: Buffer): { responses: Response[]; rest: Buffer } {
  const responses: Response[] = [];
  let pos = 0;
  for (;;) {
    const end = data.indexOf('\r\n\r\n', pos, 'latin1');
    if (end === -1) break;
    const head = data.subarray(pos, end).toString('latin1').split('\r\n');
    const status = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(head[0]!);
    if (status === null) break;
    const headers = head.slice(1).map((line): HeaderPair => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon), line.slice(colon + 1).trim()];
    });
    const get = (name: string): string | undefined =>
      headers.find(([n]) => n.toLowerCase() === name)?.[1];
    const code = Number(status[1]);
    const headEcho = get('x-echo');
    const length = code < 200 || headEcho !== undefined ? 0 : Number(get('content-length') ?? 0);
    if (end + 4 + length > data.length) break;
    const body = data.subarray(end + 4, end + 4 + length);
    pos = end + 4 + length;
    if (code < 200) continue; // 100 Continue
    let echo: Echo | null = null;
    if (code === 200) {
      const json =
        headEcho === undefined
          ? body.toString('utf8')
          : Buffer.from(headEcho, 'base64').toString('utf8');
      echo = JSON.parse(json) as Echo;
    }
    responses.push({ status: code, headers, body, echo });
  }
  return { responses, rest: data.subarray(pos) };
}

// ─── Judging ────────────────────────────────────────────────────────────────────────────────

/**
 * What the server must do with some bytes: echo these messages, then
 * - `open`: nothing more, the connection stays open (waiting for more);
 * - `close`: nothing more, and close;
 * - `reject`: one response with a status in `status` (a range), then close;
 * - `any`: not checked after the echoes (the connection was upgraded: the rest is not HTTP/1).
 */
export interface Expectation {
  echoes: ParsedMessage[];
  /**
   * Instead of `echoes`: `METHOD target` or `METHOD target body` per message answered 200 (a
   * policy that accepts what the parser rejects says what the server makes of it this way).
   */
  patterns?: readonly string[];
  then: 'open' | 'close' | 'reject' | 'any';
  /** For `reject`: the statuses allowed, `[low, high]` inclusive. */
  status?: readonly [number, number];
}

/** What a parser's verdict on the bytes sent means for the server. */
export function expectationOf(result: ParseResult): Expectation {
  const echoes = result.messages;
  switch (result.outcome) {
    case 'complete': {
      const last = echoes[echoes.length - 1];
      return { echoes, then: last === undefined || last.keepAlive ? 'open' : 'close' };
    }
    case 'incomplete':
      return { echoes, then: 'open' };
    case 'upgrade':
      return { echoes, then: 'any' };
    case 'error':
      // Bytes after a message that said `Connection: close`: not read, the connection closed.
      if (result.error!.name === 'HPE_CLOSED_CONNECTION') return { echoes, then: 'close' };
      return { echoes, then: 'reject', status: [400, 499] };
  }
}

/** SP and HTAB around a field value are not part of it (RFC 9110 §5.5); llhttp's spans keep trailing ones. */
function trimValue(value: string): string {
  return value.replace(/^[ \t]+|[ \t]+$/g, '');
}

/**
 * Header fields as `HTTPHeaders.getAll()` lists them: by lowercased name in order of first
 * appearance, each name's values in order. A parser's list is put in that order to compare.
 */
export function groupHeaders(pairs: readonly HeaderPair[]): [string, string][] {
  const groups = new Map<string, string[]>();
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    let list = groups.get(key);
    if (list === undefined) groups.set(key, (list = []));
    list.push(trimValue(value));
  }
  return [...groups].flatMap(([name, values]) => values.map((v): [string, string] => [name, v]));
}

function describeMessage(m: ParsedMessage): string {
  return `${m.method} ${m.url} HTTP/${m.version} headers=${JSON.stringify(groupHeaders(m.headers))} body=${JSON.stringify(m.body.toString('latin1'))}`;
}

function describeEcho(e: Echo): string {
  return `${e.method} ${e.uri} ${e.version} headers=${JSON.stringify(groupHeaders(e.headers))} body=${JSON.stringify(e.body)}`;
}

/** How an exchange ended, in a few words (for reports). */
export function describeExchange(got: Exchange): string {
  const { responses, rest } = parseResponses(got.data);
  const parts = responses.map((r) =>
    r.echo === null ? String(r.status) : `200 ${describeEcho(r.echo)}`,
  );
  if (rest.length > 0)
    parts.push(`unparsed ${JSON.stringify(rest.toString('latin1').slice(0, 80))}`);
  parts.push(got.reset ? 'reset' : got.closed ? 'closed' : 'open');
  return parts.join(' | ');
}

/** What is wrong with `got` for `expected` (empty: nothing). */
export function judge(expected: Expectation, got: Exchange): string[] {
  const problems: string[] = [];
  const { responses, rest } = parseResponses(got.data);
  if (rest.length > 0) {
    problems.push(
      `unparseable bytes from the server: ${JSON.stringify(rest.toString('latin1').slice(0, 80))}`,
    );
  }
  const patterns = expected.patterns;
  const n = patterns?.length ?? expected.echoes.length;
  for (let i = 0; i < n && patterns !== undefined; i++) {
    const response = responses[i];
    if (response?.echo === null || response === undefined) {
      problems.push(
        `message ${String(i + 1)}: ${response === undefined ? 'no response' : `status ${String(response.status)}`}, expected 200 for ${patterns[i]!}`,
      );
      return problems;
    }
    const echo = response.echo;
    const short = `${echo.method} ${echo.uri}`;
    if (patterns[i] !== short && patterns[i] !== `${short} ${echo.body}`) {
      problems.push(
        `message ${String(i + 1)}: echoed ${describeEcho(echo)}, expected ${patterns[i]!}`,
      );
    }
  }
  for (let i = 0; i < n && patterns === undefined; i++) {
    const want = expected.echoes[i]!;
    const response = responses[i];
    if (response === undefined) {
      problems.push(
        `message ${String(i + 1)}: no response, expected the echo of ${describeMessage(want)}`,
      );
      return problems;
    }
    if (response.echo === null) {
      problems.push(
        `message ${String(i + 1)}: status ${String(response.status)}, expected the echo of ${describeMessage(want)}`,
      );
      return problems;
    }
    const echo = response.echo;
    const same =
      echo.method === want.method &&
      echo.uri === want.url &&
      echo.version === `HTTP/${want.version}` &&
      JSON.stringify(groupHeaders(echo.headers)) === JSON.stringify(groupHeaders(want.headers)) &&
      echo.body === want.body.toString('latin1');
    if (!same) {
      problems.push(
        `message ${String(i + 1)}: echoed ${describeEcho(echo)}, expected ${describeMessage(want)}`,
      );
    }
  }
  const extra = responses.slice(n);
  const ending = got.reset ? 'reset' : got.closed ? 'closed' : 'open';
  switch (expected.then) {
    case 'any':
      break;
    case 'open':
      if (extra.length > 0)
        problems.push(`unexpected response(s) ${extra.map((r) => r.status).join(', ')}`);
      if (got.closed) problems.push(`connection ${ending}, expected it to stay open`);
      break;
    case 'close':
      if (extra.length > 0)
        problems.push(`unexpected response(s) ${extra.map((r) => r.status).join(', ')}`);
      if (!got.closed) problems.push('connection left open, expected a close');
      break;
    case 'reject': {
      const [low, high] = expected.status ?? [400, 499];
      const range = low === high ? String(low) : `${String(low)}–${String(high)}`;
      if (extra.length === 0) problems.push(`no rejection, expected a ${range} and a close`);
      else if (extra.length > 1 || extra[0]!.status < low || extra[0]!.status > high) {
        problems.push(
          `answered ${extra.map((r) => r.status).join(', ')}, expected one ${range} and a close`,
        );
      }
      if (!got.closed) problems.push('connection left open after the rejection');
      break;
    }
  }
  return problems;
}

// ─── Running many ───────────────────────────────────────────────────────────────────────────

/** Runs `tasks` with at most `concurrency` at a time; results in order. */
export async function pool<T>(
  tasks: readonly (() => Promise<T>)[],
  concurrency: number,
): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  return results;
}

/**
 * Bytewise: how long to wait for the server to read a byte before sending the next (ms). It
 * reads at once unless it has stopped reading; a stalled machine can take a while, though.
 */
export const PACE_MS = 250;

/** How long to wait for anything extra once every response expected has come (ms). */
export const GRACE_MS = 25;

/** The bytes, split as a mode sends them. */
export type SendMode = 'whole' | 'bytewise' | 'pipelined';

/** The request pipelined after a case's bytes in `pipelined` mode. */
export const SECOND_REQUEST = Buffer.from('GET /second HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1');

export function piecesFor(input: Buffer, mode: SendMode): Buffer[] {
  if (mode === 'bytewise') return [...input].map((byte) => Buffer.from([byte]));
  if (mode === 'pipelined') return [Buffer.concat([input, SECOND_REQUEST])];
  return [input];
}

/**
 * Sends `input` in `mode` (`bytewise`: each byte read by the server before the next is sent)
 * and judges what comes back against `expected`. A verdict that fails
 * is tried once more with a long wait (a loaded machine can be slower than the short one), and
 * the second try is the one reported.
 */
export async function check(
  server: RunningServer,
  input: Buffer,
  mode: SendMode,
  expected: Expectation,
  idleMs: number,
): Promise<{ problems: string[]; got: Exchange }> {
  const pieces = piecesFor(input, mode);
  const pace = mode === 'bytewise' ? { server, paceMs: PACE_MS } : undefined;
  // Once every echo expected is in, a short grace catches anything extra; waiting the whole
  // idle time is for inputs that must get no answer at all.
  const count = expected.patterns?.length ?? expected.echoes.length;
  const enough =
    count > 0 && (expected.then === 'open' || expected.then === 'any')
      ? (data: Buffer): boolean => parseResponses(data).responses.length >= count
      : undefined;
  let got = await exchange(server.port, pieces, { idleMs, pace, enough, graceMs: GRACE_MS });
  let problems = judge(expected, got);
  if (problems.length > 0) {
    const slow = { idleMs: Math.max(idleMs * 10, 1000), capMs: 10_000, pace };
    got = await exchange(server.port, pieces, slow);
    problems = judge(expected, got);
  }
  return { problems, got };
}
