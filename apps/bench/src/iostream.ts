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
 * Goals (issue "tornado networking"): aio's IOStream echo at least uvloop streams' and at least
 * 4× tornado's IOStream echo, both loop modes; 2 workers at least 1.6× one. The TLS echo comes
 * with TLS.
 */
import { hasCompiler } from './lib/native';
import { findPython } from './lib/peers';
import { median, progress, ratio, table, type Cell } from './lib/report';
import {
  nodeServer,
  pythonServer,
  runEchoServers,
  standardEchoLoad,
  type EchoServer,
} from './lib/servers';
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

export const iostreamBenchmark: Benchmark = {
  name: 'iostream',
  description:
    'line echo on tornado IOStream: aio TCPServer + readUntil vs tornado 6 IOStream, asyncio/uvloop streams',
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
    const blocking = rate(ECHO.aioBlocking);
    const aioMin = hosted === null || blocking === null ? null : Math.min(hosted, blocking);
    const judge = (peer: number | null, times: number) => ({
      ratio: aioMin === null || peer === null ? null : aioMin / peer,
      met: aioMin === null || peer === null ? null : aioMin >= times * peer,
      display: ratio(aioMin, peer) ?? '—',
    });
    const twoWorkers = rate(ECHO.aioTwoWorkers);
    const goals = {
      iostreamEchoAtLeastUvloopStreams: judge(uvloop, 1),
      iostreamEchoAtLeast4xTornado: judge(tornado, 4),
      twoWorkersAtLeast16xOne: {
        ratio: twoWorkers === null || hosted === null ? null : twoWorkers / hosted,
        met: twoWorkers === null || hosted === null ? null : twoWorkers >= 1.6 * hosted,
        display: ratio(twoWorkers, hosted) ?? '—',
      },
    };
    const goal = (g: { met: boolean | null; display: string }): string =>
      g.met === null ? 'not measured' : `${g.met ? 'met' : 'NOT met'} (${g.display})`;
    const text = [
      compiler
        ? `Line echo (readUntil('\\n') / write), ${load.connections} connections, ${load.messageSize}-byte messages ending in a newline, ${load.durationMs / 1000} s each (median of ${rounds}); load: C epoll client (src/peers/echo_client.c lines), once a first client has come and gone`
        : 'Line echo: skipped (no C compiler)',
      table(['server', 'req/s', '÷ uvloop streams', '÷ tornado IOStream'], rows),
      '',
      'Goals:',
      `  IOStream echo ≥ uvloop streams (both modes): ${goal(goals.iostreamEchoAtLeastUvloopStreams)}`,
      `  IOStream echo ≥ 4× tornado IOStream (both modes): ${goal(goals.iostreamEchoAtLeast4xTornado)}`,
      `  2 worker processes (forkProcesses) ≥ 1.6× one (hosted): ${goal(goals.twoWorkersAtLeast16xOne)}`,
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
        goals,
        notes,
        peers: { python: python ? `${python.path} ${python.version}` : null },
      },
    };
  },
};
