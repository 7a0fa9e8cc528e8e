/**
 * websocket — conformance: a port of the Autobahn testsuite's case catalogue (the suite itself,
 * Python 2 on Twisted, cannot run here), in src/test-autobahn/. A fuzzing peer on a raw
 * `node:net` socket does its own handshake and writes frames no polite implementation would
 * (RSV bits, reserved opcodes, fragmented control frames, invalid UTF-8 cut at every octet, bad
 * close codes, masked server frames), records what comes back and judges each case as Autobahn
 * does: OK, NON-STRICT, FAILED, INFORMATIONAL, UNIMPLEMENTED (see test-autobahn/case.ts).
 *
 * - As a client against our `WebSocketHandler` (an echo, with and without permessage-deflate):
 *   sections 1–10 and the masking cases without compression, 12–13 with it.
 * - As a server against our `websocketConnect` (an echo loop): the same catalogue, plus the
 *   cases only a client can fail (a masked frame from the server).
 * - The same runs against npm `ws` (a server and a client), the reference: `ws` passes
 *   Autobahn, so a FAILED there would be a fault of the harness, not of a peer.
 *
 * Any FAILED case fails its test, with the case's expectation, the octets sent and what came
 * back. The verdict tables are printed and written as JSON to a directory under the OS's tmp
 * (aio-websocket-conformance/verdicts.json, its path printed). Hosted loop mode only: the fuzzing peer is Node's own `net`, which a
 * blocking loop would starve.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { main } from './locks/test-support';
import type { CaseResult } from './test-autobahn/case';
import { catalogue } from './test-autobahn/catalogue';
import { messageSizeCases } from './test-autobahn/message-size';
import { NaivePeer } from './test-autobahn/naive-peer';
import { describeResult, formatTally } from './test-autobahn/report';
import { FuzzServer, casesFor, runAgainstServer } from './test-autobahn/runner';
import { serveApp, useWebTestHooks } from './test-web';
import { Application } from './web';
import {
  WebSocketClosedError,
  WebSocketHandler,
  websocketConnect,
  type WebSocketClientConnection,
} from './websocket';

useWebTestHooks();

/** Bounded for CI (Autobahn: 1000 of each). */
const CATALOGUE = catalogue({ roundTrips: 100, compressedMessages: 3 });
const UNCOMPRESSED = CATALOGUE.filter((c) => c.offers === undefined);
const COMPRESSED = CATALOGUE.filter((c) => c.offers !== undefined);
const TIMEOUT_MS = 120_000;

/** One directory, rewritten by each run. */
const REPORT_DIR = join(tmpdir(), 'aio-websocket-conformance');
const reports: Record<string, CaseResult[]> = {};

afterAll(() => {
  mkdirSync(REPORT_DIR, { recursive: true });
  const file = join(REPORT_DIR, 'verdicts.json');
  writeFileSync(file, JSON.stringify(reports, null, 1));
  console.log(`websocket conformance: verdicts written to ${file}`);
});

/** Prints the table, keeps the results for the JSON, and returns the failures described. */
function report(title: string, results: CaseResult[], started: number): string[] {
  reports[title] = results;
  console.log(formatTally(`${title} (${Date.now() - started} ms)`, results));
  return results.filter((r) => r.verdict === 'FAILED').map(describeResult);
}

class EchoWebSocket extends WebSocketHandler {
  override onMessage(message: string | Buffer) {
    // A write the peer closed under is no news here: the case judges what reached the wire.
    try {
      void this.writeMessage(message, { binary: Buffer.isBuffer(message) }).then(
        undefined,
        () => {},
      );
    } catch (error) {
      if (!(error instanceof WebSocketClosedError)) throw error;
    }
  }
}

class CompressedEchoWebSocket extends EchoWebSocket {
  override getCompressionOptions() {
    return {};
  }
}

const app = (): Application =>
  new Application([
    ['/echo', EchoWebSocket],
    ['/compressed', CompressedEchoWebSocket],
  ]);

/** The catalogue as a fuzzing client against our server at `path`. */
function againstOurServer(path: string, cases = CATALOGUE): Promise<CaseResult[]> {
  return serveApp(app(), 'hosted', function* (_fetch, harness) {
    return (yield runAgainstServer(cases, harness.port, path)) as CaseResult[];
  });
}

/** A `ws` echo server; with no limit on the fragments of a message (ws 8.23 stops at 16384). */
async function wsServer(perMessageDeflate: boolean): Promise<WebSocketServer> {
  const server = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    perMessageDeflate,
    maxFragments: 0,
  });
  server.on('connection', (ws: WebSocket) => {
    ws.on('error', () => {});
    ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
  });
  await new Promise((resolve) => server.once('listening', resolve));
  return server;
}

async function closeWsServer(server: WebSocketServer): Promise<void> {
  for (const client of server.clients) client.terminate();
  await new Promise((resolve) => server.close(resolve));
}

/** Our client as an echo loop, until the fuzzing server ends the connection. */
function* ourEchoClient(
  fuzz: FuzzServer,
  maxMessageSize = 16 * 1024 * 1024,
): Generator<unknown, void, unknown> {
  let conn: WebSocketClientConnection;
  try {
    conn = (yield websocketConnect(fuzz.url, {
      compressionOptions: {},
      maxMessageSize,
    })) as WebSocketClientConnection;
  } catch (error) {
    fuzz.abandon(`websocketConnect() failed: ${String(error)}`);
    return;
  }
  for (;;) {
    const message = (yield conn.readMessage()) as string | Buffer | null;
    if (message === null) return;
    try {
      yield conn.writeMessage(message, { binary: Buffer.isBuffer(message) });
    } catch {
      return; // closed while writing: the fuzzing server ended it
    }
  }
}

describe('the Autobahn catalogue against our WebSocketHandler', () => {
  it('sections 1–11 without compression: no case FAILED', { timeout: TIMEOUT_MS }, async () => {
    const started = Date.now();
    const results = await againstOurServer('/echo', UNCOMPRESSED);
    expect(report('our server, no compression', results, started)).toEqual([]);
  });

  it(
    'sections 12–13, permessage-deflate negotiated every way: no case FAILED',
    { timeout: TIMEOUT_MS },
    async () => {
      const started = Date.now();
      const results = await againstOurServer('/compressed', COMPRESSED);
      expect(report('our server, permessage-deflate', results, started)).toEqual([]);
      expect(results.filter((r) => r.verdict === 'UNIMPLEMENTED').map((r) => r.id)).toEqual([]);
    },
  );

  it(
    'sections 12–13 against the handler without compression are UNIMPLEMENTED, not failed',
    { timeout: TIMEOUT_MS },
    async () => {
      const results = await againstOurServer(
        '/echo',
        COMPRESSED.filter((c) => c.id.endsWith('.1')),
      );
      expect(new Set(results.map((r) => r.verdict))).toEqual(new Set(['UNIMPLEMENTED']));
      expect(results.every((r) => r.extensions === '')).toBe(true);
    },
  );
});

describe('message size limits (ours): exactly the limit is echoed, one octet more is 1009', () => {
  const LIMIT = 64 * 1024;

  it('a server with websocketMaxMessageSize', { timeout: TIMEOUT_MS }, async () => {
    const started = Date.now();
    const limited = new Application([['/compressed', CompressedEchoWebSocket]], {
      websocketMaxMessageSize: LIMIT,
    });
    const results = await serveApp(limited, 'hosted', function* (_fetch, harness) {
      return (yield runAgainstServer(
        messageSizeCases(LIMIT),
        harness.port,
        '/compressed',
      )) as CaseResult[];
    });
    expect(report('our server, websocketMaxMessageSize', results, started)).toEqual([]);
    expect(results.map((r) => r.verdict)).toEqual(['OK', 'OK', 'OK', 'OK']);
  });

  it('a client with maxMessageSize', { timeout: TIMEOUT_MS }, async () => {
    const started = Date.now();
    const results = await main(
      function* () {
        const fuzz = (yield FuzzServer.start()) as FuzzServer;
        const out: CaseResult[] = [];
        try {
          for (const definition of messageSizeCases(LIMIT)) {
            const result = fuzz.expect(definition);
            yield* ourEchoClient(fuzz, LIMIT);
            out.push((yield result) as CaseResult);
          }
        } finally {
          yield fuzz.close();
        }
        return out;
      },
      'hosted',
      'real',
    );
    expect(report('our client, maxMessageSize', results, started)).toEqual([]);
    expect(results.map((r) => r.verdict)).toEqual(['OK', 'OK', 'OK', 'OK']);
  });
});

describe('the Autobahn catalogue against our websocketConnect (the fuzzing peer as server)', () => {
  it(
    'every case that makes sense for a client: no case FAILED',
    { timeout: TIMEOUT_MS },
    async () => {
      const started = Date.now();
      const results = await main(
        function* () {
          const fuzz = (yield FuzzServer.start()) as FuzzServer;
          const out: CaseResult[] = [];
          try {
            for (const definition of casesFor('server', CATALOGUE)) {
              const result = fuzz.expect(definition);
              yield* ourEchoClient(fuzz);
              out.push((yield result) as CaseResult);
            }
          } finally {
            yield fuzz.close();
          }
          return out;
        },
        'hosted',
        'real',
      );
      expect(report('our client', results, started)).toEqual([]);
    },
  );
});

describe('the harness itself', () => {
  it('fails a peer that checks nothing, where the protocol asks for a check', async () => {
    const peer = await NaivePeer.start();
    const ids = [
      '1.1.2',
      '5.1',
      '5.9',
      '5.18',
      '6.3.1',
      '6.5.1',
      '7.5.1',
      '7.9.1',
      '7.9.4',
      '7.9.10x',
    ];
    try {
      const results = await runAgainstServer(
        CATALOGUE.filter((c) => ids.includes(c.id)),
        peer.port,
        '/',
      );
      expect(Object.fromEntries(results.map((r) => [r.id, [r.verdict, r.behaviorClose]]))).toEqual({
        '1.1.2': ['OK', 'OK'], // a plain echo passes what needs no check
        '5.1': ['FAILED', 'FAILED'], // echoed the fragmented ping: the fuzzer had to fail it
        '5.9': ['FAILED', 'FAILED'],
        '5.18': ['FAILED', 'FAILED'],
        '6.3.1': ['FAILED', 'FAILED'], // echoed the invalid UTF-8
        '6.5.1': ['OK', 'OK'],
        '7.5.1': ['FAILED', 'WRONG CODE'], // echoed 1000 with the invalid reason
        '7.9.1': ['FAILED', 'WRONG CODE'], // echoed close code 0
        '7.9.4': ['FAILED', 'WRONG CODE'], // echoed 1005
        '7.9.10x': ['FAILED', 'WRONG CODE'], // echoed 1015
      });
    } finally {
      await peer.close();
    }
  });
});

describe('the reference: the same catalogue against npm ws', () => {
  it(
    'ws as a server, with and without permessage-deflate: no case FAILED',
    { timeout: TIMEOUT_MS },
    async () => {
      const failures: string[] = [];
      for (const [deflate, cases] of [
        [false, UNCOMPRESSED],
        [true, COMPRESSED],
      ] as const) {
        const server = await wsServer(deflate);
        const started = Date.now();
        try {
          const port = (server.address() as { port: number }).port;
          const results = await runAgainstServer(cases, port, '/');
          failures.push(
            ...report(`ws server${deflate ? ', permessage-deflate' : ''}`, results, started),
          );
        } finally {
          await closeWsServer(server);
        }
      }
      expect(failures).toEqual([]);
    },
  );

  it('ws as a client: no case FAILED', { timeout: TIMEOUT_MS }, async () => {
    const fuzz = await FuzzServer.start();
    const started = Date.now();
    const results: CaseResult[] = [];
    try {
      for (const definition of casesFor('server', CATALOGUE)) {
        const result = fuzz.expect(definition);
        const ws = new WebSocket(fuzz.url, { perMessageDeflate: true, maxFragments: 0 });
        ws.on('error', () => {});
        ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
        results.push(await result);
        ws.terminate();
      }
    } finally {
      await fuzz.close();
    }
    expect(report('ws client', results, started)).toEqual([]);
  });
});
