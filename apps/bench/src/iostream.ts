/**
 * `pnpm bench iostream`: @aio/tornado's IOStream against uvloop's and asyncio's streams and
 * tornado 6's own IOStream, in one run.
 *
 * Line echo: 1 KiB messages, each ending with its only newline, on 10 connections, driven by the
 * C load client (`src/peers/echo_client.c` with `lines`), against the same program on each stack:
 * a handler per connection that reads a line and writes it back — aio's TCPServer with
 * `readUntil('\n')` / `write`, hosted and blocking (`src/servers/aio-iostream-echo.ts`);
 * tornado's TCPServer with `read_until(b"\n")` / `write` (`src/peers/echo_tornado.py --lines`);
 * asyncio and uvloop streams with `readuntil(b"\n")` / `write` / `drain()`
 * (`src/peers/streams_echo_asyncio.py --lines`). Rounds alternate between servers so machine
 * noise hits them alike; medians are reported.
 *
 * The same aio server with `--workers=2` runs as two worker processes accepting on one port
 * (`forkProcesses`, @aio/tornado/process), against itself in one process.
 *
 * TLS: the same aio server with `sslOptions` (`--certfile`/`--keyfile`: each connection an
 * SSLIOStream, its handshake started on accept), hosted and blocking, against Node's own TLS
 * server (`tls.createServer`, the same line echo: `src/servers/node-tls-echo.ts`), both serving
 * the repository's test certificate (`tooling/fixtures/tls`, EC P-256), driven by a C client on
 * the system's OpenSSL (`src/peers/tls_client.c`, built with `-lssl -lcrypto`; without
 * libssl-dev the TLS cases say so and are skipped):
 * - TLS echo: the line echo's load over TLS (10 connections, 1 KiB lines);
 * - TLS handshakes: 10 connections at a time, each a new TCP connection, a full handshake (the
 *   client keeps no session), one 1 KiB line echoed, close_notify, close.
 * Each table shows the server's CPU per request (steadier than its rate on a loaded machine, and
 * free of the client's cost) and the client's CPU in cores (under one: it waited for the server).
 *
 * Goals (issue "tornado networking"): aio's IOStream echo at least uvloop streams' and at least
 * 4× tornado's IOStream echo, both loop modes; 2 workers at least 1.6× one; over TLS, aio's echo
 * and its handshakes per second at least Node's tls, both loop modes.
 */
import { hasCompiler } from './lib/native';
import { findPython } from './lib/peers';
import { median, progress, ratio, table, type Cell } from './lib/report';
import {
  nodeServer,
  pythonServer,
  runEchoServers,
  runLoadRounds,
  standardEchoLoad,
  type EchoLoad,
  type EchoResults,
  type EchoServer,
} from './lib/servers';
import {
  TLS_CERT,
  tlsClientBinary,
  tlsLoadClient,
  type TlsLoadMode,
  type TlsLoadResult,
} from './lib/tls-load';
import type { Benchmark, BenchOptions } from './cli';

const ECHO = {
  aioHosted: 'aio IOStream, hosted',
  aioBlocking: 'aio IOStream, blocking',
  aioTwoWorkers: 'aio IOStream, 2 workers (hosted)',
  tornado: 'tornado IOStream',
  asyncio: 'asyncio streams',
  uvloop: 'uvloop streams',
} as const;
const ECHO_NAMES: readonly string[] = Object.values(ECHO);

function echoServers(python: string | null): EchoServer[] {
  const servers = [
    nodeServer(ECHO.aioHosted, 'aio-iostream-echo', '--mode=hosted'),
    nodeServer(ECHO.aioBlocking, 'aio-iostream-echo', '--mode=blocking'),
    nodeServer(ECHO.aioTwoWorkers, 'aio-iostream-echo', '--mode=hosted', '--workers=2'),
  ];
  if (python) {
    servers.push(
      pythonServer(ECHO.tornado, python, 'peers/echo_tornado.py', '--lines'),
      pythonServer(ECHO.asyncio, python, 'peers/streams_echo_asyncio.py', '--lines'),
      pythonServer(ECHO.uvloop, python, 'peers/streams_echo_asyncio.py', '--uvloop', '--lines'),
    );
  }
  return servers;
}

const TLS = {
  aioHosted: 'aio IOStream + TLS, hosted',
  aioBlocking: 'aio IOStream + TLS, blocking',
  node: 'Node tls',
} as const;
const TLS_NAMES: readonly string[] = Object.values(TLS);

function tlsServers(): EchoServer[] {
  const cert = [`--certfile=${TLS_CERT.certfile}`, `--keyfile=${TLS_CERT.keyfile}`];
  return [
    nodeServer(TLS.aioHosted, 'aio-iostream-echo', '--mode=hosted', ...cert),
    nodeServer(TLS.aioBlocking, 'aio-iostream-echo', '--mode=blocking', ...cert),
    nodeServer(TLS.node, 'node-tls-echo', ...cert),
  ];
}

/** A TLS case's rounds, and the medians of each server: its rate and the CPU of either side. */
class TlsCase {
  constructor(readonly results: EchoResults<TlsLoadResult>) {}

  rate(name: string): number | null {
    const samples = this.results.samples[name];
    return samples?.length ? median(samples) : null;
  }

  /** The median over the rounds of a figure of the load client's result. */
  median(name: string, figure: 'clientCpu' | 'serverCpuPerRequestUs'): number | null {
    const values = (this.results.results[name] ?? []).flatMap((r) => r[figure] ?? []);
    return values.length ? median(values) : null;
  }

  /** At least Node's tls, in both of aio's loop modes. */
  goal() {
    return judge(
      slowerMode(this.rate(TLS.aioHosted), this.rate(TLS.aioBlocking)),
      this.rate(TLS.node),
    );
  }

  /** What the servers agreed to with the client: 'TLSv1.3 TLS_AES_256_GCM_SHA384'. */
  agreed(): string[] {
    const all = Object.values(this.results.results).flat();
    return [...new Set(all.map((r) => `${r.protocol} ${r.cipher}`))];
  }

  /** The table, and under it why a server has no figures (the load client's reasons are long). */
  table(unit: string): string {
    const node = this.rate(TLS.node);
    const { skipped } = this.results;
    const rows: Cell[][] = TLS_NAMES.map((name) => {
      const r = this.rate(name);
      return [
        skipped[name] ? `${name} (skipped)` : name,
        r,
        ratio(r, node),
        this.median(name, 'serverCpuPerRequestUs'),
        this.median(name, 'clientCpu')?.toFixed(2) ?? null,
      ];
    });
    const reasons = [...new Set(TLS_NAMES.flatMap((name) => skipped[name] ?? []))];
    const why = (reason: string): string => {
      const names = TLS_NAMES.filter((name) => skipped[name] === reason);
      return `  ${names.length === TLS_NAMES.length ? 'every server' : names.join(', ')}: ${reason}`;
    };
    return [
      table(['server', unit, '÷ Node tls', 'server µs CPU/req', 'client CPU'], rows),
      ...reasons.map(why),
    ].join('\n');
  }

  data(load: EchoLoad) {
    return {
      load,
      client: 'src/peers/tls_client.c (C, epoll, one thread, OpenSSL)',
      perSec: Object.fromEntries(TLS_NAMES.map((n) => [n, this.rate(n)])),
      samples: this.results.samples,
      rounds: this.results.results,
      skipped: this.results.skipped,
    };
  }
}

/** Runs a TLS case, or reports every server skipped for `binary`'s reason. */
async function runTlsCase(
  binary: { binary: string } | { skipped: string },
  mode: TlsLoadMode,
  load: EchoLoad,
  rounds: number,
): Promise<TlsCase> {
  if ('skipped' in binary) {
    const skipped = Object.fromEntries(TLS_NAMES.map((name) => [name, binary.skipped]));
    return new TlsCase({ samples: {}, results: {}, skipped });
  }
  const client = tlsLoadClient(binary.binary, mode, load);
  return new TlsCase(
    await runLoadRounds(tlsServers(), rounds, (m) => progress(`iostream: ${m}`), client),
  );
}

/** A goal's verdict: `aio ≥ times × peer`, judged only when both were measured. */
function judge(aio: number | null, peer: number | null, times = 1) {
  return {
    ratio: aio === null || peer === null ? null : aio / peer,
    met: aio === null || peer === null ? null : aio >= times * peer,
    display: ratio(aio, peer) ?? '—',
  };
}

/** The slower of aio's two loop modes, by which a goal "in both modes" is judged. */
function slowerMode(hosted: number | null, blocking: number | null): number | null {
  return hosted === null || blocking === null ? null : Math.min(hosted, blocking);
}

export const iostreamBenchmark: Benchmark = {
  name: 'iostream',
  description:
    'line echo on tornado IOStream: aio TCPServer + readUntil vs tornado 6 IOStream, asyncio/uvloop streams; over TLS vs Node tls, and TLS handshakes/s',
  async run(options: BenchOptions) {
    const python = findPython();
    const notes: string[] = [];
    const { load: standard, rounds } = standardEchoLoad(options.quick);
    const load = { ...standard, lines: true };
    let samples: Record<string, number[]> = {};
    let skipped: Record<string, string> = {};
    const compiler = hasCompiler();
    if (!compiler) {
      notes.push('line echo skipped: no C compiler (cc) to build the load client');
    } else {
      const results = await runEchoServers(echoServers(python?.path ?? null), load, rounds, (m) =>
        progress(`iostream: ${m}`),
      );
      samples = results.samples;
      skipped = results.skipped;
    }
    if (!python) {
      for (const name of [ECHO.tornado, ECHO.asyncio, ECHO.uvloop]) {
        skipped[name] ??= 'python3 not found';
      }
    }

    const tlsClient = compiler ? tlsClientBinary() : { skipped: 'no C compiler (cc)' };
    if ('skipped' in tlsClient) notes.push(`TLS cases skipped: ${tlsClient.skipped}`);
    const tlsEcho = await runTlsCase(tlsClient, 'echo', load, rounds);
    const handshakes = await runTlsCase(tlsClient, 'handshakes', load, rounds);

    const rate = (name: string): number | null =>
      samples[name]?.length ? median(samples[name]) : null;
    const tornado = rate(ECHO.tornado);
    const uvloop = rate(ECHO.uvloop);
    const rows: Cell[][] = ECHO_NAMES.map((name) => {
      const r = rate(name);
      const why = skipped[name];
      return [why ? `${name} (${why})` : name, r, ratio(r, uvloop), ratio(r, tornado)];
    });

    const hosted = rate(ECHO.aioHosted);
    const aioMin = slowerMode(hosted, rate(ECHO.aioBlocking));
    const goals = {
      iostreamEchoAtLeastUvloopStreams: judge(aioMin, uvloop),
      iostreamEchoAtLeast4xTornado: judge(aioMin, tornado, 4),
      twoWorkersAtLeast16xOne: judge(rate(ECHO.aioTwoWorkers), hosted, 1.6),
      tlsEchoAtLeastNodeTls: tlsEcho.goal(),
      tlsHandshakesAtLeastNodeTls: handshakes.goal(),
    };
    const goal = (g: { met: boolean | null; display: string }): string =>
      g.met === null ? 'not measured' : `${g.met ? 'met' : 'NOT met'} (${g.display})`;
    const agreed = [...new Set([...tlsEcho.agreed(), ...handshakes.agreed()])].join(', ');
    const text = [
      compiler
        ? `Line echo (readUntil('\\n') / write), ${load.connections} connections, ${load.messageSize}-byte messages ending in a newline, ${load.durationMs / 1000} s each (median of ${rounds}); load: C epoll client (src/peers/echo_client.c lines), once a first client has come and gone`
        : 'Line echo: skipped (no C compiler)',
      table(['server', 'req/s', '÷ uvloop streams', '÷ tornado IOStream'], rows),
      '',
      `TLS echo: the same line echo over TLS${agreed ? ` (${agreed})` : ''}; load: C epoll client on OpenSSL (src/peers/tls_client.c echo)`,
      tlsEcho.table('req/s'),
      '',
      `TLS handshakes: ${load.connections} connections at a time, each a full handshake (no session resumed), one ${load.messageSize}-byte line echoed, close_notify, close; ${load.durationMs / 1000} s each (median of ${rounds}); load: src/peers/tls_client.c handshakes`,
      handshakes.table('handshakes/s'),
      "Server CPU: all its threads' user + system time over the client's whole run ÷ every request it answered (warm-up too); client CPU: in cores, over the measured seconds (under 1: it waited for the server)",
      '',
      'Goals:',
      `  IOStream echo ≥ uvloop streams (both modes): ${goal(goals.iostreamEchoAtLeastUvloopStreams)}`,
      `  IOStream echo ≥ 4× tornado IOStream (both modes): ${goal(goals.iostreamEchoAtLeast4xTornado)}`,
      `  2 worker processes (forkProcesses) ≥ 1.6× one (hosted): ${goal(goals.twoWorkersAtLeast16xOne)}`,
      `  TLS echo ≥ Node tls (both modes): ${goal(goals.tlsEchoAtLeastNodeTls)}`,
      `  TLS handshakes/s ≥ Node tls (both modes): ${goal(goals.tlsHandshakesAtLeastNodeTls)}`,
      ...notes,
    ].join('\n');
    return {
      text,
      data: {
        echo: {
          load,
          client: 'src/peers/echo_client.c lines (C, epoll, one thread)',
          requestsPerSec: Object.fromEntries(ECHO_NAMES.map((n) => [n, rate(n)])),
          samples,
          skipped,
        },
        tlsEcho: tlsEcho.data(load),
        tlsHandshakes: handshakes.data(load),
        goals,
        notes,
        peers: { python: python ? `${python.path} ${python.version}` : null },
      },
    };
  },
};
