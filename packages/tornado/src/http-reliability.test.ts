/**
 * HTTPServer under load and abuse, bounded for CI:
 *
 * 1. A soak: wrk (one thread, 32 keep-alive connections) against the server while other clients
 *    loop over every conformance case — malformed requests (bare LF, CL+TE, bad chunk sizes,
 *    obs-fold, oversized headers…), valid but unusual ones (pipelined, chunked with extensions
 *    and trailers, HTTP/1.0, 100-continue, absolute-form) — and slowloris clients that drip
 *    header bytes. Each case must get its exact answer every time, and each slowloris client the
 *    close at the header timeout; wrk must see no socket error and no non-2xx; the process's fds
 *    must come back to where they were; after a warm-up, RSS and the heap after a full GC must
 *    stay flat (within bounds). 10 s of wrk here; `AIO_SOAK=1` runs it for 2 minutes and prints
 *    what it measured (`AIO_SOAK_SECONDS` sets another length).
 * 2. Stuck clients: clients that stop mid-headers, mid-body, after a response, or never read a
 *    50 MB response each cost one connection, are closed by the right timeout
 *    (idleConnectionTimeout or bodyTimeout) with their fds released; the non-reader is closed by
 *    nobody, but its response waits on flow control rather than piling up in memory; and other
 *    clients are served promptly meanwhile.
 * 3. A connection closed as a body read completes ends quietly.
 *
 * The clients are Node's `net` sockets and wrk, nothing of ours; the server runs on a hosted loop
 * in this process, so Node's sockets and timers run beside it. Times are generous: the VM is noisy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { connect, type Socket as NetSocket } from 'node:net';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { Task, type TaskSource } from '@aio/coroutine';
import { wrapPromise } from '@aio/future';
import { EventLoop } from '@aio/loop';
import { timedelta, withTimeout } from './gen';
import { HTTPServer, type HTTPServerOptions } from './httpserver';
import { HTTP1Connection } from './http1connection';
import {
  HTTPHeaders,
  ResponseStartLine,
  type HTTPConnection,
  type HTTPServerRequest,
} from './httputil';
import { StreamClosedError } from './iostream';
import { bindSockets } from './netutil';
import { closeLoops, main, until } from './locks/test-support';
import { captureAppLog } from './test-log-capture';

const SOAK = process.env.AIO_SOAK === '1';

/** The path of `command` if it is installed, else null. */
function which(command: string): string | null {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) {
    if (existsSync(join(dir, command))) return join(dir, command);
  }
  return null;
}

const wrk = which('wrk');

const running = new Set<ChildProcess>();
const sockets = new Set<NetSocket>();
let appLog: ReturnType<typeof captureAppLog> | null = null;

afterEach(async () => {
  appLog?.stop();
  appLog = null;
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise((resolve) => {
          child.once('close', resolve);
          child.kill('SIGKILL');
        }),
    ),
  );
  closeLoops();
});

// ─── Measuring the process ──────────────────────────────────────────────────────────────────────

/** This process's open sockets and fds in all (Linux: /proc/self/fd). */
function fds(): { sockets: number; total: number } {
  let socketCount = 0;
  let total = 0;
  for (const name of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue; // the fd readdir used
    }
    total++;
    if (target.startsWith('socket:')) socketCount++;
  }
  return { sockets: socketCount, total };
}

/**
 * Waits (up to `ms`) for this process's fds to come back to `before` — Node closes its sockets
 * asynchronously — and returns what it has then.
 */
async function fdsBackTo(
  before: { sockets: number; total: number },
  ms = 5000,
): Promise<{ sockets: number; total: number }> {
  const deadline = Date.now() + ms;
  for (;;) {
    const now = fds();
    if ((now.sockets <= before.sockets && now.total <= before.total) || Date.now() > deadline) {
      return now;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A full garbage collection, where V8 lets us have one (else nothing). */
const gc: (() => void) | null = (() => {
  try {
    setFlagsFromString('--expose_gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
})();

const MB = 1024 * 1024;
const rss = (): number => process.memoryUsage.rss();

function heapAfterGc(): number {
  gc?.();
  return process.memoryUsage().heapUsed;
}

/** What tornado.application logged: nothing, when the server works. */
function unexpectedAppLogs(): string[] {
  return appLog!.records.map((r) => r.message);
}

/**
 * Runs `source` as the main task of a fresh hosted loop, on real time. The soak's loop is a plain
 * EventLoop, not `main()`'s TimerAuditLoop: that one remembers every timer handle until it runs,
 * cancelled ones too, and a cancelled Deadline timer holds its connection's stream — over a long
 * run that would be the test's memory growing, not the server's.
 */
async function onPlainLoop<T>(source: TaskSource<T>): Promise<T> {
  const loop = new EventLoop({ mode: 'hosted' });
  try {
    return await loop.runUntilComplete(new Task<T>(source, { loop }));
  } finally {
    loop.close();
  }
}

// ─── The server ─────────────────────────────────────────────────────────────────────────────────

/** What the `/big` handler did with each response: bytes the kernel took, and how it ended. */
interface Streamed {
  written: number;
  ended: 'finished' | 'closed' | null;
}

const CHUNK = Buffer.alloc(64 * 1024, 0x61);

/**
 * `/hello`: `hello\n`. `/echo`: the body's length. `/big?n=N`: N bytes, 64 KiB at a time, each
 * write waited for (flow control), progress in `streamed`.
 */
function application(streamed: Streamed[]) {
  return async (request: HTTPServerRequest): Promise<void> => {
    const connection = request.connection!;
    const ok = new ResponseStartLine('HTTP/1.1', 200, 'OK');
    if (request.path === '/big') {
      const length = Number(request.queryArguments.n?.[0] ?? 0);
      const progress: Streamed = { written: 0, ended: null };
      streamed.push(progress);
      try {
        await connection.writeHeaders(ok, new HTTPHeaders({ 'Content-Length': String(length) }));
        while (progress.written < length) {
          const piece = CHUNK.subarray(0, Math.min(CHUNK.length, length - progress.written));
          await connection.write(piece);
          progress.written += piece.length;
        }
        connection.finish();
        progress.ended = 'finished';
      } catch (error) {
        if (!(error instanceof StreamClosedError)) throw error;
        progress.ended = 'closed';
      }
      return;
    }
    const body = request.path === '/echo' ? `${request.body.length}\n` : 'hello\n';
    void connection.writeHeaders(
      ok,
      new HTTPHeaders({ 'Content-Type': 'text/plain', 'Content-Length': String(body.length) }),
      body,
    );
    connection.finish();
  };
}

function listen(server: HTTPServer): number {
  const [sock] = bindSockets(0, '127.0.0.1');
  server.addSockets([sock!]);
  return (sock!.getsockname() as [string, number])[1];
}

// ─── Raw clients (Node's net) ───────────────────────────────────────────────────────────────────

/** How a raw exchange went: bytes received, and how the connection ended. */
interface Exchange {
  data: string;
  /** 'eof' (the server's FIN), an error code (ECONNRESET…), or 'timeout' (our guard). */
  end: string;
  /** From the connect call to the end, and when it ended (Date.now()). */
  ms: number;
  at: number;
}

/** Connects, sends `request` (a function sends it step by step), reads until the server ends it. */
function exchange(
  port: number,
  request: string | ((socket: NetSocket) => void),
  guardMs = 15_000,
): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    sockets.add(socket);
    const started = Date.now();
    let data = '';
    let finished = false;
    const finish = (end: string): void => {
      if (finished) return;
      finished = true;
      clearTimeout(guard);
      socket.destroy();
      sockets.delete(socket);
      resolve({ data, end, ms: Date.now() - started, at: Date.now() });
    };
    const guard = setTimeout(() => finish('timeout'), guardMs);
    socket.on('connect', () => {
      if (typeof request === 'string') socket.write(Buffer.from(request, 'latin1'));
      else request(socket);
    });
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('end', () => finish('eof'));
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? String(error)));
    socket.on('close', () => finish('eof'));
  });
}

/** The status codes of the responses in `data`, in order. */
function statuses(data: string): number[] {
  return [...data.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}

// ─── The conformance cases ──────────────────────────────────────────────────────────────────────

const HOST = 'Host: soak\r\n';
const BAD = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/**
 * A case: what is sent, and the answers allowed (each the list of status codes, in order); every
 * case ends with the server closing the connection. `reset`: a reset instead of a FIN is fine
 * (the server closes with the client's bytes unread).
 */
interface Case {
  name: string;
  send: string;
  answers: number[][];
  exact?: string;
  reset?: boolean;
}

const CASES: readonly Case[] = [
  // Malformed: 400 (or the precise status), then the close.
  { name: 'bare LF', send: 'GET / HTTP/1.1\nHost: soak\n\n', answers: [[400]], exact: BAD },
  { name: 'bare CR', send: `GET / HTTP/1.1\r${HOST}\r\n`, answers: [[400]], exact: BAD },
  {
    name: 'Content-Length and Transfer-Encoding',
    send: `POST / HTTP/1.1\r\n${HOST}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    answers: [[400]],
    exact: BAD,
  },
  {
    name: 'two different Content-Lengths',
    send: `POST / HTTP/1.1\r\n${HOST}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`,
    answers: [[400]],
    exact: BAD,
  },
  {
    name: 'Content-Length +5',
    send: `POST / HTTP/1.1\r\n${HOST}Content-Length: +5\r\n\r\nhello`,
    answers: [[400]],
  },
  {
    name: 'Transfer-Encoding: gzip, chunked',
    send: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`,
    answers: [[400]],
  },
  {
    name: 'Transfer-Encoding with a vertical tab',
    send: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: \x0bchunked\r\n\r\n0\r\n\r\n`,
    answers: [[400]],
  },
  {
    name: 'chunk size not hex',
    send: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`,
    answers: [[400]],
    exact: BAD,
  },
  {
    name: 'chunk size 0x5',
    send: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n`,
    answers: [[400]],
  },
  {
    name: 'chunk size of 17 hex digits',
    send: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\nhello\r\n0\r\n\r\n`,
    answers: [[400]],
  },
  {
    name: 'chunk data without its CRLF',
    send: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n`,
    answers: [[400]],
  },
  {
    name: 'chunk larger than maxBodySize',
    send: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\nfffffff\r\nhello`,
    answers: [[413]],
  },
  {
    name: 'obs-fold',
    send: `GET / HTTP/1.1\r\n${HOST}X-Folded: a\r\n b\r\n\r\n`,
    answers: [[400]],
    exact: BAD,
  },
  {
    name: 'space before the colon',
    send: 'GET / HTTP/1.1\r\nHost : soak\r\n\r\n',
    answers: [[400]],
  },
  {
    name: 'NUL in a header value',
    send: `GET / HTTP/1.1\r\n${HOST}X-A: a\x00b\r\n\r\n`,
    answers: [[400]],
  },
  { name: 'no Host (HTTP/1.1)', send: 'GET / HTTP/1.1\r\n\r\n', answers: [[400]] },
  { name: 'two Hosts', send: `GET / HTTP/1.1\r\n${HOST}${HOST}\r\n`, answers: [[400]] },
  { name: 'method not a token', send: `G(T / HTTP/1.1\r\n${HOST}\r\n`, answers: [[400]] },
  { name: 'unknown method', send: `FOO / HTTP/1.1\r\n${HOST}\r\n`, answers: [[405]] },
  { name: 'HTTP/2.0 request line', send: `GET / HTTP/2.0\r\n${HOST}\r\n`, answers: [[505]] },
  { name: 'HTTP/0.9 request line', send: 'GET /\r\n\r\n', answers: [[400]] },
  { name: 'space in the target', send: `GET /a b HTTP/1.1\r\n${HOST}\r\n`, answers: [[400]] },
  {
    name: 'Content-Length over maxBodySize',
    send: `POST / HTTP/1.1\r\n${HOST}Content-Length: 99999999999\r\n\r\n`,
    answers: [[413]],
  },
  {
    name: 'chunked HTTP/1.0',
    send: 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    answers: [[400]],
  },
  {
    name: 'bad trailer field',
    send: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX T: v\r\n\r\n`,
    answers: [[400]],
  },
  {
    // Past maxHeaderSize: closed, unanswered (as tornado); a 431 would be fine too.
    name: 'a header section over maxHeaderSize',
    send: `GET / HTTP/1.1\r\n${HOST}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    answers: [[], [431]],
    reset: true,
  },
  {
    name: '2000 header lines',
    send: `GET / HTTP/1.1\r\n${HOST}${'X-N: v\r\n'.repeat(2000)}\r\n`,
    answers: [[], [431]],
    reset: true,
  },
  // Valid, if unusual: answered, then closed as asked.
  {
    name: 'three pipelined requests, the last Connection: close',
    send: `GET /a HTTP/1.1\r\n${HOST}\r\nGET /b HTTP/1.1\r\n${HOST}\r\nGET /c HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`,
    answers: [[200, 200, 200]],
  },
  {
    name: 'chunked with an extension and a trailer',
    send: `POST /echo HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5;ext="q"\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: v\r\n\r\n`,
    answers: [[200]],
    exact:
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\n11\n',
  },
  { name: 'HTTP/1.0', send: 'GET /hello HTTP/1.0\r\n\r\n', answers: [[200]] },
  {
    name: 'empty lines before the request line',
    send: `\r\n\r\nGET / HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`,
    answers: [[200]],
  },
  {
    name: 'Expect: 100-continue',
    send: `POST /echo HTTP/1.1\r\n${HOST}Expect: 100-continue\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc`,
    answers: [[100, 200]],
  },
  {
    name: 'absolute-form target',
    send: `GET http://soak/x HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`,
    answers: [[200]],
  },
  {
    name: 'OPTIONS *',
    send: `OPTIONS * HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`,
    answers: [[200]],
  },
];

/** Per case: runs, and the first few ways it went wrong. */
type Tally = Map<string, { runs: number; wrong: string[] }>;

function record(tally: Tally, name: string, wrong: string | null): void {
  const entry = tally.get(name) ?? { runs: 0, wrong: [] };
  entry.runs++;
  if (wrong !== null && entry.wrong.length < 3) entry.wrong.push(wrong);
  tally.set(name, entry);
}

/** Whether `got` is what `c` allows; null if so, else why not. */
function check(c: Case, got: Exchange): string | null {
  const codes = statuses(got.data);
  if (!c.answers.some((a) => a.length === codes.length && a.every((s, i) => s === codes[i]))) {
    return `statuses ${JSON.stringify(codes)} (${got.end}): ${JSON.stringify(got.data.slice(0, 200))}`;
  }
  if (c.exact !== undefined && got.data !== c.exact)
    return `not exactly: ${JSON.stringify(got.data)}`;
  if (got.end !== 'eof' && !(c.reset === true && got.end === 'ECONNRESET')) {
    return `ended by ${got.end}`;
  }
  return null;
}

/** Every case in turn, again and again, until `stop.done`. */
async function conformanceLoop(port: number, stop: { done: boolean }, tally: Tally): Promise<void> {
  while (!stop.done) {
    for (const c of CASES) {
      record(tally, c.name, check(c, await exchange(port, c.send)));
    }
  }
}

/**
 * Slowloris: a request's first line and one header, then a header byte every 100 ms, never the
 * blank line. The server must close it once its header timeout passes, without answering.
 */
function slowloris(port: number): Promise<Exchange> {
  return exchange(port, (socket) => {
    socket.write(`GET / HTTP/1.1\r\n${HOST}X-Slow: `);
    const drip = setInterval(() => {
      if (socket.writable) socket.write('a');
    }, 100);
    socket.once('close', () => clearInterval(drip));
  });
}

async function slowlorisLoop(
  port: number,
  stop: { done: boolean },
  tally: Tally,
  headerTimeout: number,
): Promise<void> {
  while (!stop.done) {
    const got = await slowloris(port);
    const wrong =
      got.data !== ''
        ? `answered ${JSON.stringify(got.data)}`
        : got.end !== 'eof' && got.end !== 'ECONNRESET' && got.end !== 'EPIPE'
          ? `ended by ${got.end}`
          : got.ms < headerTimeout - 100 || got.ms > headerTimeout + 5000
            ? `closed after ${got.ms} ms`
            : null;
    record(tally, 'slowloris', wrong);
  }
}

// ─── 1. The soak ────────────────────────────────────────────────────────────────────────────────

/** wrk's summary: requests, and its error lines (none when all went well). */
function parseWrk(stdout: string): { requests: number; errors: string[] } {
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? NaN);
  const errors = stdout
    .split('\n')
    .filter((line) => /Socket errors|Non-2xx/.test(line))
    .map((line) => line.trim());
  return { requests, errors };
}

const WRK_SECONDS = Number(process.env.AIO_SOAK_SECONDS ?? (SOAK ? 120 : 10));
const WARMUP_MS = SOAK ? 20_000 : 3_000;

describe.skipIf(wrk === null)(
  `soak: wrk ${WRK_SECONDS} s beside every conformance case in a loop${wrk === null ? ' [skipped: no /usr/bin/wrk]' : ''}`,
  () => {
    it(
      'wrk: no socket error, no non-2xx; every case answered exactly, every time; slowloris closed by the header timeout; fds back to baseline; RSS and heap flat after warm-up',
      async () => {
        appLog = captureAppLog();
        const headerTimeout = 1500;
        const options: HTTPServerOptions = {
          idleConnectionTimeout: headerTimeout,
          bodyTimeout: 5000,
          maxHeaderSize: 8 * 1024,
          maxBodySize: 1024 * 1024,
        };
        const before = fds();
        const samples: { at: number; rss: number; heap: number; sockets: number }[] = [];
        const tally: Tally = new Map();
        const got = await onPlainLoop(function* () {
          const server = new HTTPServer(application([]), options);
          try {
            const port = listen(server);
            const stop = { done: false };
            const started = Date.now();
            const sampler = setInterval(() => {
              samples.push({
                at: Date.now() - started,
                rss: rss(),
                heap: process.memoryUsage().heapUsed,
                sockets: fds().sockets,
              });
            }, 250);
            const child = spawn(
              wrk!,
              [
                '-t',
                '1',
                '-c',
                '32',
                '-d',
                `${WRK_SECONDS}s`,
                '--timeout',
                '10s',
                `http://127.0.0.1:${port}/hello`,
              ],
              { stdio: ['ignore', 'pipe', 'pipe'] },
            );
            running.add(child);
            let stdout = '';
            let stderr = '';
            child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
            child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
            const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
            const clients = Promise.all([
              conformanceLoop(port, stop, tally),
              conformanceLoop(port, stop, tally),
              ...[0, 1, 2, 3].map(() => slowlorisLoop(port, stop, tally, headerTimeout)),
            ]);
            // Warm-up, then the heap after a full collection, as the reference.
            let warmHeap = 0;
            const warm = new Promise<void>((resolve) =>
              setTimeout(() => {
                warmHeap = heapAfterGc();
                resolve();
              }, WARMUP_MS),
            );
            const code = yield* wrapPromise(exited);
            running.delete(child);
            yield* wrapPromise(warm);
            const endHeap = heapAfterGc();
            stop.done = true;
            yield* wrapPromise(clients);
            clearInterval(sampler);
            // Everyone has gone: the server has closed every connection by itself.
            yield* until(() => server.connectionCount === 0, 10_000);
            return { code, stdout, stderr, warmHeap, endHeap };
          } finally {
            server.stop();
            yield* withTimeout(timedelta({ seconds: 5 }), server.closeAllConnections());
          }
        });
        const after = await fdsBackTo(before);

        expect(got.code, got.stderr).toBe(0);
        const wrkOut = parseWrk(got.stdout);
        expect(wrkOut.errors, got.stdout).toEqual([]);
        expect(wrkOut.requests, got.stdout).toBeGreaterThan(1000);

        const wrong = [...tally].filter(([, t]) => t.wrong.length > 0);
        expect(Object.fromEntries(wrong)).toEqual({});
        for (const c of CASES) expect(tally.get(c.name)?.runs ?? 0, c.name).toBeGreaterThan(0);
        expect(tally.get('slowloris')?.runs ?? 0).toBeGreaterThanOrEqual(4);
        // Bad input is the client's, logged as such: nothing reached tornado.application.
        expect(unexpectedAppLogs()).toEqual([]);

        expect(after.sockets, 'sockets left open').toBeLessThanOrEqual(before.sockets);
        expect(after.total, 'fds left open').toBeLessThanOrEqual(before.total);
        // While it ran: wrk's 32, two conformance and four slowloris clients (both ends each).
        const peakSockets = Math.max(...samples.map((s) => s.sockets));
        expect(peakSockets - before.sockets).toBeLessThan(32 + 2 * 6 + 40);

        const warm = samples.find((s) => s.at >= WARMUP_MS)!;
        const late = samples.filter((s) => s.at >= WARMUP_MS);
        const peakRss = Math.max(...late.map((s) => s.rss));
        const summary = {
          wrk: got.stdout.split('\n').filter((l) => /requests in|Requests\/sec|Latency/.test(l)),
          cases: [...tally.values()].reduce((n, t) => n + t.runs, 0),
          slowloris: tally.get('slowloris')?.runs,
          rssWarmMB: +(warm.rss / MB).toFixed(1),
          rssPeakAfterWarmMB: +(peakRss / MB).toFixed(1),
          heapAfterGcWarmMB: +(got.warmHeap / MB).toFixed(1),
          heapAfterGcEndMB: +(got.endHeap / MB).toFixed(1),
          socketsPeak: peakSockets,
          fdsBefore: before,
          fdsAfter: after,
        };
        if (SOAK) console.log(JSON.stringify(summary, null, 2));
        expect(peakRss - warm.rss, JSON.stringify(summary)).toBeLessThan(96 * MB);
        if (gc !== null) {
          expect(got.endHeap - got.warmHeap, JSON.stringify(summary)).toBeLessThan(16 * MB);
        }
      },
      (WRK_SECONDS + 60) * 1000,
    );
  },
);

// ─── 2. Stuck clients ───────────────────────────────────────────────────────────────────────────

describe('stuck clients: each costs one connection, the right timeout closes it', () => {
  it('silent, mid-headers, idle after a response, mid-body (length and chunked), never reading 50 MB: others served promptly meanwhile', async () => {
    appLog = captureAppLog();
    const HEADER_MS = 1000;
    const BODY_MS = 4000;
    const PER_GROUP = 8;
    const BIG = 50 * 1000 * 1000;
    const before = fds();
    const streamed: Streamed[] = [];
    type Stuck = { group: string; from: number; got: Promise<Exchange> };

    const got = await main(
      function* () {
        const server = new HTTPServer(application(streamed), {
          idleConnectionTimeout: HEADER_MS,
          bodyTimeout: BODY_MS,
        });
        try {
          const port = listen(server);
          const stuck: Stuck[] = [];
          /**
           * Starts a stuck client. Its clock starts before what the server's timer follows:
           * before connecting (the header timeout starts once the server accepts), or, by
           * `mark()`, before the write after which the server arms its timeout. So a close
           * measured from there is never early, however late Node runs our callbacks.
           */
          const add = (group: string, send: (socket: NetSocket, mark: () => void) => void) => {
            const entry: Stuck = { group, from: Date.now(), got: null! };
            entry.got = exchange(
              port,
              (socket) =>
                send(socket, () => {
                  entry.from = Date.now();
                }),
              30_000,
            );
            stuck.push(entry);
          };
          const drip = (socket: NetSocket, byte: string, everyMs: number): void => {
            const timer = setInterval(() => {
              if (socket.writable) socket.write(byte);
            }, everyMs);
            socket.once('close', () => clearInterval(timer));
          };
          for (let i = 0; i < PER_GROUP; i++) {
            add('silent', () => {});
            add('mid-headers', (socket) => {
              socket.write(`GET / HTTP/1.1\r\n${HOST}X-Slow: `);
              drip(socket, 'a', 100);
            });
            // The timeout starts once the response is sent, after the request arrived.
            add('idle after a response', (socket, mark) => {
              mark();
              socket.write(`GET /hello HTTP/1.1\r\n${HOST}\r\n`);
            });
            // The body timeout starts once the headers are read.
            add('mid-body (Content-Length)', (socket, mark) => {
              mark();
              socket.write(`POST /echo HTTP/1.1\r\n${HOST}Content-Length: 100000\r\n\r\nstart`);
              drip(socket, 'b', 100);
            });
            add('mid-body (chunked)', (socket, mark) => {
              mark();
              socket.write(
                `POST /echo HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n100000\r\nonly-part`,
              );
              drip(socket, 'c', 100);
            });
          }
          // Two clients that ask for 50 MB and never read a byte (paused before connecting).
          const nonReaders: NetSocket[] = [];
          const rssBefore = rss();
          for (let i = 0; i < 2; i++) {
            const socket = connect({ port, host: '127.0.0.1' });
            socket.pause();
            sockets.add(socket);
            socket.on('error', () => {});
            socket.on('connect', () => socket.write(`GET /big?n=${BIG} HTTP/1.1\r\n${HOST}\r\n`));
            nonReaders.push(socket);
          }
          const total = stuck.length + nonReaders.length;
          // Each stuck client is one connection, no more (and none has timed out yet).
          yield* until(() => server.connectionCount === total, 5000);

          // Meanwhile others are served: fresh connections, and one keep-alive connection.
          const latencies: number[] = [];
          for (let i = 0; i < 30; i++) {
            const one = yield* wrapPromise(
              exchange(port, `GET /hello HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`),
            );
            if (statuses(one.data).join() !== '200') throw new Error(`not served: ${one.data}`);
            latencies.push(one.ms);
          }
          const pipelined = yield* wrapPromise(
            exchange(
              port,
              `GET /hello HTTP/1.1\r\n${HOST}\r\n`.repeat(29) +
                `GET /hello HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`,
            ),
          );

          const ended = yield* wrapPromise(Promise.all(stuck.map((s) => s.got)));
          // Every timeout has fired: the non-readers are what is left, their responses stalled.
          const stalledAt = streamed.map((s) => s.written);
          yield* wrapPromise(new Promise((resolve) => setTimeout(resolve, 500)));
          const stalledLater = streamed.map((s) => s.written);
          const rssStuck = rss();
          // Every timed-out connection's fd is released: the listener and the two non-readers
          // (both ends) are all the sockets left beyond the baseline.
          const socketsWithNonReaders = (yield* wrapPromise(
            fdsBackTo({ sockets: before.sockets + 1 + 2 * 2, total: Infinity }),
          )).sockets;
          const leftWithNonReaders = server.connectionCount;
          for (const socket of nonReaders) socket.destroy();
          yield* until(() => server.connectionCount === 0, 5000);
          yield* until(() => streamed.every((s) => s.ended !== null), 5000);
          return {
            stuck: stuck.map((s, i) => ({
              group: s.group,
              afterMark: ended[i]!.at - s.from,
              data: ended[i]!.data,
              end: ended[i]!.end,
            })),
            latencies,
            pipelined: statuses(pipelined.data),
            stalledAt,
            stalledLater,
            rssGrowth: rssStuck - rssBefore,
            leftWithNonReaders,
            socketsWithNonReaders,
            streamed: streamed.map((s) => ({ ...s })),
          };
        } finally {
          server.stop();
          yield* withTimeout(timedelta({ seconds: 5 }), server.closeAllConnections());
        }
      },
      'hosted',
      'real',
    );
    closeLoops(); // main()'s loop: its selector's epoll fd and eventfd count too
    const after = await fdsBackTo(before);

    // Served promptly while stuck clients held connections.
    expect(Math.max(...got.latencies), JSON.stringify(got.latencies)).toBeLessThan(1500);
    expect(got.pipelined).toEqual(Array(30).fill(200));

    // Each closed by its own timeout: the header one (idle included), or the body one.
    const window: Record<string, [number, number]> = {
      silent: [HEADER_MS - 100, HEADER_MS + 1800],
      'mid-headers': [HEADER_MS - 100, HEADER_MS + 1800],
      'idle after a response': [HEADER_MS - 100, HEADER_MS + 1800],
      'mid-body (Content-Length)': [BODY_MS - 100, BODY_MS + 4000],
      'mid-body (chunked)': [BODY_MS - 100, BODY_MS + 4000],
    };
    const outside = got.stuck.filter(({ group, afterMark }) => {
      const [low, high] = window[group]!;
      return afterMark < low || afterMark > high;
    });
    expect(outside).toEqual([]);
    for (const s of got.stuck) {
      // Closed by the server (a FIN; a reset if a dripped byte crossed it), never by our guard.
      expect(['eof', 'ECONNRESET', 'EPIPE'], JSON.stringify(s)).toContain(s.end);
      // Closed without an answer, but for the one request that was whole.
      expect(s.data, s.group).toBe(
        s.group === 'idle after a response'
          ? 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n'
          : '',
      );
    }

    // Nobody reads the 50 MB: the writes wait on the kernel, nothing piles up in memory.
    expect(got.leftWithNonReaders).toBe(2);
    expect(got.socketsWithNonReaders - before.sockets).toBe(1 + 2 * 2);
    expect(got.stalledLater).toEqual(got.stalledAt);
    for (const written of got.stalledAt) expect(written).toBeLessThan(24 * MB);
    expect(got.rssGrowth / MB).toBeLessThan(64);
    // Once they go, each response's next write fails, and the handler ends.
    expect(got.streamed.map((s) => s.ended)).toEqual(['closed', 'closed']);

    expect(unexpectedAppLogs()).toEqual([]);
    expect(after.sockets, 'sockets left open').toBeLessThanOrEqual(before.sockets);
    expect(after.total, 'fds left open').toBeLessThanOrEqual(before.total);
  }, 60_000);
});

// ─── A closed connection under a body read ────────────────────────────────────────────────────────────────────────────────

describe('a connection closed as a body read completes', () => {
  it('the application closes the connection in dataReceived: the message ends quietly, nothing logged as uncaught', async () => {
    appLog = captureAppLog();
    const got = await main(
      function* () {
        const calls: string[] = [];
        const server = new HTTPServer({
          startRequest: (_server: object, connection: HTTPConnection) => ({
            headersReceived: () => void calls.push('headers'),
            dataReceived: () => {
              calls.push('data');
              // HTTP1Connection.close(): "a message being read ends"
              if (connection instanceof HTTP1Connection) connection.close();
            },
            finish: () => void calls.push('finish'),
            onConnectionClose: () => void calls.push('close'),
          }),
        });
        try {
          const port = listen(server);
          const end = yield* wrapPromise(
            exchange(port, `POST / HTTP/1.1\r\n${HOST}Content-Length: 10\r\n\r\nabc`),
          );
          yield* until(() => server.connectionCount === 0, 5000);
          return { end, calls };
        } finally {
          server.stop();
          yield* withTimeout(timedelta({ seconds: 5 }), server.closeAllConnections());
        }
      },
      'hosted',
      'real',
    );
    expect(got.end.data).toBe('');
    expect(got.calls).toEqual(['headers', 'data', 'close']);
    expect(appLog.messages()).toEqual([]);
  });
});
