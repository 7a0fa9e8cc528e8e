/**
 * AsyncHTTPClient against servers that misbehave, on real loopback sockets:
 *
 * 1. llhttp's response corpus (`tooling/fixtures/llhttp/response/`), each case served byte for
 *    byte by a bare IOStream server — message by message, one per request, so a case of several
 *    responses is several fetches on one kept connection — then closed (a body framed by the
 *    close ends there) or kept open. Every case llhttp rejects must fail the fetch with an
 *    HTTPInputError or an HTTPClientError (never a timeout, never a success); every case it
 *    accepts must give its code, reason, headers and body. Where the client differs on purpose,
 *    `DIFFERENCES` says so and why; llhttp's lenient modes are skipped.
 * 2. Faults, each costing one request and never the client: a stall (requestTimeout on time), a
 *    reset, garbage, a short body, a long one (the extra bytes never read as the next
 *    response), a kept connection closed while idle or as it is reused, 204 with a body,
 *    duplicate Content-Lengths, a gzip bomb, a bare CR. A normal fetch follows each.
 * 3. Nothing left behind: the process's fds come back after `close()`, and `main()` checks that
 *    no timer is left armed on the loop (idle connections' timers, requests' timeouts).
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { createGzip } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTask, sleep, type Task } from '@aio/coroutine';
import type { LoopMode } from '@aio/loop';
import { SOL_SOCKET, SO_LINGER } from '@aio/selector';
import {
  AsyncHTTPClient,
  HTTPClientError,
  HTTPStreamClosedError,
  HTTPTimeoutError,
  type AsyncHTTPClientOptions,
  type HTTPResponse,
} from './httpclient';
import { FRESH_MS } from './httpclient/pool';
import { HTTPInputError } from './httputil';
import { IOStream, StreamClosedError } from './iostream';
import { MODES, closeLoops, main, until } from './locks/test-support';
import { addAcceptHandler, bindSockets } from './netutil';
import { closeLeftovers, respond, withServer } from './test-http';
import { readCorpus, type CorpusCase, type ParsedMessage } from './wire/corpus';

afterEach(() => {
  closeLeftovers();
  closeLoops();
});

// ─── A bare server ──────────────────────────────────────────────────────────────────────────────

interface RawServer {
  readonly port: number;
  /** Connections accepted so far. */
  connections: number;
}

/**
 * A listener on 127.0.0.1 whose every connection runs `serve(stream, index)` as a task; `body`
 * runs meanwhile. Afterwards every stream is closed and every task waited for; a task that failed
 * with anything but a closed stream fails the test.
 */
function* withRawServer<T>(
  serve: (stream: IOStream, index: number) => Generator<unknown, void, unknown>,
  body: (server: RawServer) => Generator<unknown, T, unknown>,
): Generator<unknown, T, unknown> {
  const [listener] = bindSockets(0, '127.0.0.1');
  const server: RawServer = {
    port: (listener!.getsockname() as [string, number])[1],
    connections: 0,
  };
  const streams: IOStream[] = [];
  const tasks: Task<void>[] = [];
  const stop = addAcceptHandler(listener!, (sock) => {
    const stream = new IOStream(sock);
    const index = server.connections++;
    streams.push(stream);
    tasks.push(
      createTask(function* () {
        try {
          yield* serve(stream, index);
        } catch (error) {
          if (!(error instanceof StreamClosedError)) throw error;
        }
      }),
    );
  });
  let result: T;
  try {
    result = yield* body(server);
  } finally {
    stop();
    listener!.close();
    for (const stream of streams) stream.close();
    yield* until(() => tasks.every((task) => task.done()));
  }
  for (const task of tasks) if (task.exception() !== undefined) throw task.exception();
  return result;
}

/** Reads a request's head (and its body, by Content-Length): its method and target. */
function* readRequest(
  stream: IOStream,
): Generator<unknown, { method: string; path: string }, unknown> {
  const head = (yield* stream.readUntil('\r\n\r\n')).toString('latin1');
  const [method = '', path = ''] = head.split(' ');
  const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
  if (length !== null && Number(length[1]) > 0) yield* stream.readBytes(Number(length[1]));
  return { method, path };
}

/** Waits for the client to close (what it sends meanwhile is dropped). */
function* untilClosed(stream: IOStream): Generator<unknown, void, unknown> {
  yield* stream.readUntilClose();
}

/** A client of its own (closed however `body` ends) on a fresh loop in `mode`, real time. */
function withClient<T>(
  mode: LoopMode,
  body: (client: AsyncHTTPClient) => Generator<unknown, T, unknown>,
  options: AsyncHTTPClientOptions = {},
): Promise<T> {
  return main(
    function* () {
      const client = new AsyncHTTPClient({ forceInstance: true, ...options });
      try {
        return yield* body(client);
      } finally {
        client.close();
      }
    },
    mode,
    'real',
  );
}

/** How a fetch ended: its response, or what it threw. */
type Ended = { response: HTTPResponse; error?: undefined } | { response?: undefined; error: Error };

function* attempt(
  client: AsyncHTTPClient,
  ...args: Parameters<AsyncHTTPClient['fetch']>
): Generator<unknown, Ended, unknown> {
  try {
    return { response: yield* client.fetch(...args) };
  } catch (error) {
    return { error: error as Error };
  }
}

/** A refusal as the client should make one: bad input, or a response that never came whole. */
function isRefusal(error: Error | undefined): boolean {
  if (error === undefined || error instanceof HTTPTimeoutError) return false;
  return (
    error instanceof HTTPInputError ||
    error instanceof HTTPClientError ||
    (error as { code?: unknown }).code === 'ECONNRESET'
  );
}

const describeEnded = (ended: Ended): string =>
  ended.error === undefined
    ? `${String(ended.response.code)} ${JSON.stringify(ended.response.body.toString('latin1'))}`
    : `${ended.error.name}: ${ended.error.message}`;

// ─── 1. llhttp's response corpus ────────────────────────────────────────────────────────────────

/**
 * Where the client decides otherwise than llhttp, on purpose. `refused`: llhttp accepts (or
 * hands the connection over), the client fails the fetch; `accepted`: llhttp reports an error
 * in bytes the client never reads.
 */
const DIFFERENCES: Readonly<Record<string, { verdict: 'refused' | 'accepted'; why: string }>> = {
  'response/sample.md#RTSP response': {
    verdict: 'refused',
    why: 'RTSP is not HTTP: an HTTP client takes HTTP/1.x status lines only (llhttp parses RTSP and ICE too)',
  },
  'response/sample.md#ICE response': {
    verdict: 'refused',
    why: 'ICE is not HTTP (as RTSP)',
  },
  'response/sample.md#HTTP version 0.9': {
    verdict: 'refused',
    why: 'HTTP/0.9 has no status line; a status line claiming 0.9 is malformed (RFC 9112 §2.3)',
  },
  'response/transfer-encoding.md#`chunked` before other transfer-encoding': {
    verdict: 'refused',
    why: 'a transfer coding the client cannot undo (deflate): read to the close, as llhttp does, the body would be handed over still encoded',
  },
  'response/transfer-encoding.md#multiple transfer-encoding where chunked is not the last one': {
    verdict: 'refused',
    why: 'chunked then identity: framing that one reader takes as chunked and another as read-to-close is refused, never guessed (RFC 9112 §6.3, the smuggling cases)',
  },
  'response/transfer-encoding.md#`chunkedchunked` transfer-encoding does not enable chunked enconding':
    {
      verdict: 'refused',
      why: 'an unknown transfer coding: refused rather than read to the close still encoded',
    },
  'response/connection.md#HTTP 101 response with Upgrade and Content-Length header': {
    verdict: 'refused',
    why: 'a 101 the client never asked for (it sends no Upgrade), and a 1xx with Content-Length is malformed: what follows is not HTTP',
  },
  'response/connection.md#HTTP 101 response with Upgrade and Transfer-Encoding header': {
    verdict: 'refused',
    why: 'as above, with Transfer-Encoding',
  },
  'response/connection.md#HTTP/1.1 with keep-alive disabled and 204 status': {
    verdict: 'accepted',
    why: 'llhttp reads on past `Connection: close` and reports the bytes there; the client closes the connection after the response and never reads them',
  },
  'response/connection.md#HTTP/1.1 with keep-alive disabled, content-length': {
    verdict: 'accepted',
    why: 'as above: the bytes after the 5-byte body of a `Connection: close` response are never read',
  },
};

/** One fetch of a case: the bytes served for it, and what the client must make of them. */
interface Exchange {
  bytes: Buffer;
  /** The message llhttp read (a success: its code, reason, headers and body), or null: refused. */
  expected: ParsedMessage | null;
}

interface Plan {
  exchanges: Exchange[];
  /** The server closes the connection after the last exchange (else it waits for the client). */
  close: boolean;
  /** HEAD for llhttp's skipBody cases (a response to HEAD has no body whatever it says). */
  method: 'GET' | 'HEAD';
  /** Connections the exchanges take: a new one after each response llhttp would not keep. */
  connections: number;
}

/** Why a case is not replayed, or null. */
function skipReason(c: CorpusCase): string | null {
  if (c.meta.type.includes('lenient')) {
    return `llhttp's opt-in lenient mode (${c.meta.type}): a strict client has none`;
  }
  if (!c.meta.type.startsWith('response')) return 'not a response case';
  return null;
}

/**
 * The exchanges of a case: each complete response (with the 1xx before it) is one fetch; what
 * follows the last complete one — a response cut short, bad bytes — is one more.
 */
function planFor(c: CorpusCase): Plan {
  const exchanges: Exchange[] = [];
  let from = 0;
  c.messages.forEach((message, i) => {
    const status = message.status!;
    if (status >= 100 && status < 200 && status !== 101) return; // interim: heard with the next
    const end = c.starts[i]!.end;
    exchanges.push({ bytes: c.input.subarray(from, end), expected: message });
    from = end;
  });
  const tail = c.input.subarray(from);
  const difference = DIFFERENCES[c.id];
  const partial = c.partial;
  if (c.outcome === 'incomplete') {
    // A body framed by the close is whole once the server closes; anything else is cut short.
    const whole = partial !== null && partial.status !== undefined && partial.needsEof === true;
    exchanges.push({ bytes: tail, expected: whole ? partial : null });
  } else if (
    c.outcome === 'error' &&
    (difference?.verdict !== 'accepted' || exchanges.length === 0)
  ) {
    exchanges.push({ bytes: tail, expected: null });
  } else if (tail.length > 0) {
    // CRLFs after the last response, an upgrade's other protocol, bytes after a close.
    const last = exchanges[exchanges.length - 1]!;
    last.bytes = Buffer.concat([last.bytes, tail]);
  }
  if (difference?.verdict === 'refused') exchanges[exchanges.length - 1]!.expected = null;
  let connections = 1;
  for (const exchange of exchanges.slice(0, -1)) {
    if (exchange.expected !== null && !exchange.expected.keepAlive) connections++;
  }
  return {
    exchanges,
    close: c.outcome !== 'complete',
    method: c.meta.skipBody === true ? 'HEAD' : 'GET',
    connections,
  };
}

/** What the client got, in the terms of llhttp's log: code, reason, headers (OWS trimmed), body. */
function asLogged(response: HTTPResponse): unknown {
  return {
    status: response.code,
    reason: response.reason,
    headers: [...response.headers.getAll()].map(([name, value]) => [name.toLowerCase(), value]),
    body: response.body.toString('latin1'),
  };
}

function expectedLogged(message: ParsedMessage): unknown {
  return {
    status: message.status,
    reason: message.reason,
    headers: message.headers.map(([name, value]) => [
      name.toLowerCase(),
      value.replace(/^[ \t]+|[ \t]+$/g, ''),
    ]),
    body: message.body.toString('latin1'),
  };
}

/** Serves `plan` and fetches each exchange: how each fetch ended, and connections used. */
function* replay(
  client: AsyncHTTPClient,
  plan: Plan,
): Generator<unknown, { ended: Ended[]; connections: number }, unknown> {
  let next = 0;
  return yield* withRawServer(
    function* serve(stream) {
      while (next < plan.exchanges.length) {
        yield* readRequest(stream);
        const exchange = plan.exchanges[next++]!;
        yield* stream.write(exchange.bytes);
        if (next === plan.exchanges.length && plan.close) return stream.close();
      }
      yield* untilClosed(stream);
    },
    function* (server) {
      const ended: Ended[] = [];
      for (let i = 0; i < plan.exchanges.length; i++) {
        ended.push(
          yield* attempt(client, `http://127.0.0.1:${server.port}/case/${String(i)}`, {
            method: plan.method,
            raiseError: false,
            followRedirects: false,
            decompressResponse: false,
            requestTimeout: 10_000,
          }),
        );
      }
      return { ended, connections: server.connections };
    },
  );
}

const CORPUS = readCorpus('response');
const REPLAYED = CORPUS.filter((c) => skipReason(c) === null);

describe("llhttp's response corpus, served byte for byte to AsyncHTTPClient", () => {
  it('has the cases this file expects, and every DIFFERENCES entry names one', () => {
    expect(CORPUS.length).toBeGreaterThan(70);
    const ids = new Set(CORPUS.map((c) => c.id));
    expect(Object.keys(DIFFERENCES).filter((id) => !ids.has(id))).toEqual([]);
    const refused = REPLAYED.filter((c) =>
      planFor(c).exchanges.some((exchange) => exchange.expected === null),
    );
    const skipped = CORPUS.filter((c) => skipReason(c) !== null);
    console.log(
      `llhttp response corpus: ${String(CORPUS.length)} cases, ${String(REPLAYED.length)} replayed (${String(refused.length)} with a refusal), ${String(skipped.length)} skipped (lenient modes), ${String(Object.keys(DIFFERENCES).length)} by DIFFERENCES`,
    );
  });

  for (const c of CORPUS.filter((c) => skipReason(c) !== null)) {
    it.skip(`${c.id} [${skipReason(c)!}]`, () => {});
  }

  describe.each(MODES)('%s mode', (mode: LoopMode) => {
    it.each(REPLAYED.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
      const plan = planFor(c);
      const { ended, connections } = await withClient(mode, (client) => replay(client, plan));
      const why = DIFFERENCES[c.id]?.why;
      plan.exchanges.forEach((exchange, i) => {
        const got = ended[i]!;
        const label = `${c.id}, fetch ${String(i + 1)} of ${String(plan.exchanges.length)}: ${describeEnded(got)}${why === undefined ? '' : ` (${why})`}`;
        if (exchange.expected === null) {
          expect(isRefusal(got.error), label).toBe(true);
        } else {
          expect(got.error, label).toBeUndefined();
          expect(asLogged(got.response!), label).toEqual(expectedLogged(exchange.expected));
        }
      });
      expect(connections, `${c.id}: connections`).toBe(plan.connections);
    });
  });
});

// ─── 2. Faults ──────────────────────────────────────────────────────────────────────────────────

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

/**
 * A server that answers `/ok` with `ok` (kept alive) and anything else with `fault(stream)`;
 * when `fault` returns, the connection goes on (it may have closed it).
 */
function faultServer(fault: (stream: IOStream) => Generator<unknown, void, unknown>) {
  return function* serve(stream: IOStream): Generator<unknown, void, unknown> {
    while (!stream.closed()) {
      const { path } = yield* readRequest(stream);
      if (path === '/ok') yield* stream.write(OK);
      else yield* fault(stream);
    }
  };
}

/** Writes `bytes`, then waits for the client to close. */
const writeAndWait = (bytes: string | Buffer) =>
  function* (stream: IOStream): Generator<unknown, void, unknown> {
    yield* stream.write(bytes);
    yield* untilClosed(stream);
  };

/** Writes `bytes`, then closes. */
const writeAndClose = (bytes: string | Buffer) =>
  function* (stream: IOStream): Generator<unknown, void, unknown> {
    yield* stream.write(bytes);
    stream.close();
  };

/** Writes `bytes`, then resets the connection (SO_LINGER 0: close sends RST). */
const writeAndReset = (bytes: string | Buffer) =>
  function* (stream: IOStream): Generator<unknown, void, unknown> {
    yield* stream.write(bytes);
    stream.socket.setsockopt(SOL_SOCKET, SO_LINGER, Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]));
    stream.close();
  };

/** 200 MiB of zeros, gzipped (about 200 KiB), made a piece at a time. */
let bomb: Buffer;
const BOMB_SIZE = 200 * 1024 * 1024;

beforeAll(async () => {
  const gzip = createGzip();
  const parts: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => parts.push(chunk));
  const done = new Promise((resolve) => gzip.once('end', resolve));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < BOMB_SIZE / zeros.length; i++) {
    if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await done;
  bomb = Buffer.concat(parts);
}, 60_000);

interface Fault {
  name: string;
  fault: (stream: IOStream) => Generator<unknown, void, unknown>;
  /** What the fetch must fail with (a check of the error). */
  check: (error: Error) => void;
  options?: AsyncHTTPClientOptions;
}

const FAULTS: readonly Fault[] = [
  {
    name: 'a reset mid-body: ECONNRESET or HTTPStreamClosedError',
    fault: writeAndReset(`HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n${'x'.repeat(100)}`),
    check: (error) =>
      expect(
        error instanceof HTTPStreamClosedError ||
          (error as { code?: unknown }).code === 'ECONNRESET',
        String(error),
      ).toBe(true),
  },
  {
    name: 'garbage where the status line should be (connection left open): HTTPInputError',
    fault: writeAndWait('\x16\x03\x01\x00\xa5garbage\xff\r\nmore: garbage\r\n\r\n'),
    check: (error) => expect(error).toBeInstanceOf(HTTPInputError),
  },
  {
    name: 'a Content-Length longer than what comes before the close: HTTPStreamClosedError',
    fault: writeAndClose(`HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n${'x'.repeat(50)}`),
    check: (error) => expect(error).toBeInstanceOf(HTTPStreamClosedError),
  },
  {
    name: '204 with Content-Length: 5: HTTPInputError',
    fault: writeAndWait('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello'),
    check: (error) => expect(error).toBeInstanceOf(HTTPInputError),
  },
  {
    name: 'two unequal Content-Lengths: HTTPInputError',
    fault: writeAndWait('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'),
    check: (error) => expect(error).toBeInstanceOf(HTTPInputError),
  },
  {
    name: 'a bare CR in a header value: HTTPInputError',
    fault: writeAndWait('HTTP/1.1 200 OK\r\nX-Evil: a\rb\r\nContent-Length: 2\r\n\r\nok'),
    check: (error) => expect(error).toBeInstanceOf(HTTPInputError),
  },
  {
    name: 'a gzip bomb (200 MiB of zeros in ~200 KiB) against maxBodySize 10 MiB: HTTPInputError 413',
    fault: (stream) =>
      writeAndWait(
        Buffer.concat([
          Buffer.from(
            `HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${String(bomb.length)}\r\n\r\n`,
          ),
          bomb,
        ]),
      )(stream),
    check: (error) => {
      if (!(error instanceof HTTPInputError)) throw error;
      expect(error.status).toBe(413);
    },
    options: { maxBodySize: 10 * 1024 * 1024 },
  },
];

describe('faults cost one request, never the client', () => {
  describe.each(MODES)('%s mode', (mode: LoopMode) => {
    it.each(FAULTS.map((f) => [f.name, f] as const))(
      '%s; then a normal fetch succeeds',
      async (_name, f) => {
        const peakBefore = process.resourceUsage().maxRSS * 1024;
        const rssBefore = process.memoryUsage().rss;
        const [failed, after] = await withClient(
          mode,
          function* (client) {
            return yield* withRawServer(faultServer(f.fault), function* (server) {
              const base = `http://127.0.0.1:${server.port}`;
              const one = yield* attempt(client, `${base}/fault`);
              const two = yield* attempt(client, `${base}/ok`);
              return [one, two] as const;
            });
          },
          f.options,
        );
        expect(failed.error, describeEnded(failed)).toBeDefined();
        f.check(failed.error!);
        expect(describeEnded(after)).toBe('200 "ok"');
        if (f.options?.maxBodySize !== undefined) {
          // Inflated whole, the bomb would have taken 200 MiB at once; zlib stopped at the limit.
          const peakAfter = process.resourceUsage().maxRSS * 1024;
          expect(peakAfter - Math.max(peakBefore, rssBefore)).toBeLessThan(100 * 1024 * 1024);
        }
      },
    );

    it('a server that stalls after the headers: requestTimeout fires on time (≥ 500 ms, < 2.5 s); then a normal fetch succeeds', async () => {
      const { elapsed, failed, after } = await withClient(mode, function* (client) {
        return yield* withRawServer(
          faultServer(writeAndWait('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')),
          function* (server) {
            const base = `http://127.0.0.1:${server.port}`;
            const loop = client.ioloop.asyncioLoop;
            const start = loop.time();
            const one = yield* attempt(client, `${base}/fault`, { requestTimeout: 500 });
            const took = loop.time() - start;
            const two = yield* attempt(client, `${base}/ok`);
            return { elapsed: took, failed: one, after: two };
          },
        );
      });
      expect(failed.error).toBeInstanceOf(HTTPTimeoutError);
      expect((failed.error as HTTPTimeoutError).code).toBe(599);
      expect(elapsed).toBeGreaterThanOrEqual(500);
      expect(elapsed).toBeLessThan(2500);
      expect(describeEnded(after)).toBe('200 "ok"');
    });

    it('more bytes than the Content-Length: the extra is never read as the next response (a new connection)', async () => {
      const { first, second, connections } = await withClient(mode, function* (client) {
        return yield* withRawServer(
          faultServer(function* (stream) {
            // One write: the response, then a whole response nobody asked for.
            yield* stream.write(
              'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil',
            );
          }),
          function* (server) {
            const base = `http://127.0.0.1:${server.port}`;
            const one = yield* attempt(client, `${base}/fault`);
            const two = yield* attempt(client, `${base}/ok`);
            return { first: one, second: two, connections: server.connections };
          },
        );
      });
      expect(describeEnded(first)).toBe('200 "hello"');
      expect(describeEnded(second)).toBe('200 "ok"');
      expect(connections).toBe(2);
    });

    it('equal Content-Lengths (two fields, or a list): accepted, the body read once', async () => {
      const bodies = await withClient(mode, function* (client) {
        const out: string[] = [];
        for (const lengths of ['Content-Length: 5\r\nContent-Length: 5', 'Content-Length: 5, 5']) {
          out.push(
            yield* withRawServer(
              faultServer(writeAndWait(`HTTP/1.1 200 OK\r\n${lengths}\r\n\r\nhello`)),
              function* (server) {
                return describeEnded(yield* attempt(client, `http://127.0.0.1:${server.port}/x`));
              },
            ),
          );
        }
        return out;
      });
      expect(bodies).toEqual(['200 "hello"', '200 "hello"']);
    });

    it('a kept connection the server closes while it is idle: the pool notices, the next fetch gets a new one', async () => {
      const { bodies, connections, stats } = await withClient(mode, function* (client) {
        let closed = false;
        return yield* withRawServer(
          function* (stream) {
            yield* readRequest(stream);
            yield* stream.write(OK);
            if (!closed) {
              stream.close(); // the first connection: closed right after its response
              closed = true;
              return;
            }
            yield* untilClosed(stream);
          },
          function* (server) {
            const url = `http://127.0.0.1:${server.port}/ok`;
            const out = [describeEnded(yield* attempt(client, url))];
            yield* until(() => closed);
            // Past the window in which a GET takes a kept connection unchecked (pool.ts).
            yield* sleep(FRESH_MS + 20);
            out.push(describeEnded(yield* attempt(client, url)));
            return { bodies: out, connections: server.connections, stats: client.stats };
          },
        );
      });
      expect(bodies).toEqual(['200 "ok"', '200 "ok"']);
      expect([connections, stats.reused]).toEqual([2, 0]);
    });

    it('a kept connection closed within the fresh window: a GET still gets its answer, and so does a POST', async () => {
      const { bodies, connections, stats } = await withClient(mode, function* (client) {
        let served = 0;
        return yield* withRawServer(
          function* (stream) {
            // The first two connections close right after their response; the rest stay.
            yield* readRequest(stream);
            yield* stream.write(OK);
            if (++served <= 2) {
              stream.close();
              return;
            }
            yield* readRequest(stream);
            yield* stream.write(OK);
            yield* untilClosed(stream);
          },
          function* (server) {
            const url = `http://127.0.0.1:${server.port}/ok`;
            const out = [describeEnded(yield* attempt(client, url))]; // connection 1, closed
            yield* sleep(20); // the FIN arrives; well within FRESH_MS
            // The loop may have seen the FIN already (the stream is then closed and never handed
            // out); if not, the GET goes out unchecked, fails, and is sent again on a new one.
            out.push(describeEnded(yield* attempt(client, url)));
            yield* sleep(20);
            // A POST cannot be sent twice, so it is always checked before it goes out.
            out.push(describeEnded(yield* attempt(client, url, { method: 'POST', body: 'once' })));
            return { bodies: out, connections: server.connections, stats: client.stats };
          },
        );
      });
      expect(FRESH_MS).toBeGreaterThan(40);
      expect(bodies).toEqual(['200 "ok"', '200 "ok"', '200 "ok"']);
      expect(connections).toBe(3);
      expect(stats.reused).toBeLessThanOrEqual(1);
    });

    it('a kept connection closed as it is reused: a GET is sent again on a new one, a POST is not', async () => {
      const { get, post, connections } = await withClient(mode, function* (client) {
        return yield* withRawServer(
          function* (stream) {
            // Each connection answers one request, then reads the next and closes unanswered.
            yield* readRequest(stream);
            yield* stream.write(OK);
            yield* readRequest(stream);
            stream.close();
          },
          function* (server) {
            const url = `http://127.0.0.1:${server.port}/ok`;
            yield* client.fetch(url); // connection 1, kept
            const retried = yield* attempt(client, url); // on 1: closed; sent again on 2
            const refused = yield* attempt(client, url, { method: 'POST', body: 'once' }); // on 2
            return { get: retried, post: refused, connections: server.connections };
          },
        );
      });
      expect(describeEnded(get)).toBe('200 "ok"');
      expect(post.error).toBeInstanceOf(HTTPStreamClosedError);
      expect(connections).toBe(2);
    });

    it('a kept connection that sends the start of a status line and closes: that response was cut short, the GET is not sent again', async () => {
      const { cut, connections } = await withClient(mode, function* (client) {
        return yield* withRawServer(
          function* (stream) {
            yield* readRequest(stream);
            yield* stream.write(OK);
            yield* readRequest(stream);
            yield* stream.write('HTTP/1.1 200 OK'); // and no more
            stream.close();
          },
          function* (server) {
            const url = `http://127.0.0.1:${server.port}/ok`;
            yield* client.fetch(url);
            const second = yield* attempt(client, url, { requestTimeout: 10_000 });
            return { cut: second, connections: server.connections };
          },
        );
      });
      expect(cut.error).toBeInstanceOf(HTTPStreamClosedError);
      expect(connections).toBe(1);
    });
  });
});

// ─── 3. Nothing left behind ─────────────────────────────────────────────────────────────────────

/** This process's open fds (Linux: /proc/self/fd, the one readdir uses left out). */
function openFds(): number {
  let count = 0;
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      readlinkSync(`/proc/self/fd/${name}`);
      count++;
    } catch {
      // the directory's own fd, closed by now
    }
  }
  return count;
}

describe('close() leaves nothing behind', () => {
  describe.each(MODES)('%s mode', (mode: LoopMode) => {
    it('idle kept connections, a request in flight, failures: after close() the fds are back and no timer is armed', async () => {
      const result = await main(
        function* () {
          const before = openFds();
          let pending: IOStream | null = null;
          const outcome = yield* withServer(
            (request) => respond(request, 'hello'),
            {},
            function* (server) {
              return yield* withRawServer(
                function* (stream) {
                  yield* readRequest(stream);
                  pending = stream; // never answered
                  yield* untilClosed(stream);
                },
                function* (raw) {
                  const client = new AsyncHTTPClient({
                    forceInstance: true,
                    defaults: { requestTimeout: 30_000 },
                  });
                  const base = `http://127.0.0.1:${server.port}`;
                  // Three connections at once, then idle in the pool with their timers.
                  const futures = [0, 1, 2].map((i) => client.fetch(`${base}/${String(i)}`));
                  for (const future of futures) yield* future;
                  const refused = yield* attempt(client, 'http://127.0.0.1:9/');
                  const inFlight = client.fetch(`http://127.0.0.1:${raw.port}/stall`);
                  yield* until(() => pending !== null);
                  const idle = client.stats.idle;
                  client.close();
                  let closedError: unknown = null;
                  try {
                    yield* inFlight;
                  } catch (error) {
                    closedError = error;
                  }
                  return { idle, refused: refused.error?.name, closedError };
                },
              );
            },
          );
          yield* until(() => openFds() <= before, 2000);
          return { ...outcome, before, after: openFds() };
        },
        mode,
        'real',
      );
      expect(result.idle).toBe(3);
      expect(result.refused).toBe('ConnectionRefusedError');
      expect(result.closedError).toBeInstanceOf(HTTPStreamClosedError);
      expect(result.after).toBeLessThanOrEqual(result.before);
    });
  });
});
