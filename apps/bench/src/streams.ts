/**
 * `pnpm bench streams`: @aio/coroutine's streams (`startServer`, StreamReader/StreamWriter)
 * against asyncio's and uvloop's streams and Node `net`, each comparison in one run.
 *
 * 1. TCP echo: 1 KiB messages on 10 connections, driven by the C load client
 *    (`src/peers/echo_client.c`), against the same program on each stack: a handler per
 *    connection doing `read(64 KiB)` / `write` / `drain()` — aio hosted and blocking
 *    (`src/servers/aio-streams-echo.ts`), asyncio and uvloop (`src/peers/streams_echo_asyncio.py`),
 *    with Node `net` (`src/servers/node-echo.ts`) as a reference point. Rounds alternate between
 *    servers so machine noise hits them alike; medians are reported.
 * 2. C10k: what an idle connection costs a server in memory. Each server (aio streams hosted,
 *    Node `net`, tornado IOStream, uvloop Protocol) is started, left idle, and its resident set
 *    read (`VmRSS` in `/proc/<pid>/status`); a separate C process (`src/peers/c10k_client.c`)
 *    then opens N connections to it (10,000; a few hundred handshakes in flight at a time). Once
 *    the server holds them all (its fd count in `/proc/<pid>/fd` says it accepted every one) and
 *    has been left idle again, its resident set is read again: (RSS connected − RSS idle) / N is
 *    the cost of one idle connection, its handler and its buffers. It is read twice: after a
 *    second idle, and settled — the lowest RSS over the next 30 s idle. The two differ for the
 *    Node servers: V8's young generation grows towards its cap (32 MiB) while the accept burst's
 *    objects survive, and V8's idle-time memory reducer gives it back some 10–15 s later; the
 *    Python servers have no such phase. The settled figure is what an idle connection costs a
 *    long-running server, and the goal is judged on it; both are reported. Then every
 *    connection sends one request, and the client checks every one was answered.
 *
 * Servers and client run under `ulimit -n` raised to what 10,000 connections need (capped at
 * the hard limit; if that is lower, N is scaled down to fit, and the report says so).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { hardFdLimit, withFdLimit } from './lib/fd-limit';
import { hasCompiler, compileC } from './lib/native';
import { findPython } from './lib/peers';
import { openFds, rssKiB } from './lib/proc';
import { median, progress, ratio, table, type Cell } from './lib/report';
import {
  nodeServer,
  PeerNotInstalledError,
  pythonServer,
  runEchoServers,
  startServer,
  type EchoServer,
  type RunningServer,
  standardEchoLoad,
} from './lib/servers';
import type { Benchmark, BenchOptions } from './cli';

const ECHO = {
  aioHosted: 'aio streams, hosted',
  aioBlocking: 'aio streams, blocking',
  asyncio: 'asyncio streams',
  uvloop: 'uvloop streams',
  nodeNet: 'Node net (reference)',
} as const;
const ECHO_NAMES: readonly string[] = Object.values(ECHO);

const C10K = {
  aio: 'aio streams, hosted',
  nodeNet: 'Node net',
  tornado: 'tornado IOStream',
  uvloopProtocol: 'uvloop Protocol',
} as const;
const C10K_NAMES: readonly string[] = Object.values(C10K);

/** The most fds a server or client is given; also what 10,000 connections need, with room. */
const FD_LIMIT_WANTED = 20_000;
/** fds a process needs besides its connections (stdio, epoll, listener, Node's own…). */
const FD_HEADROOM = 256;
/** listen()'s backlog for every C10k server (the kernel caps it at net.core.somaxconn). */
const C10K_BACKLOG = 4096;
/** Connection handshakes the C10k client keeps pending at a time. */
const IN_FLIGHT = 256;

function echoServers(python: string | null): EchoServer[] {
  const servers = [
    nodeServer(ECHO.aioHosted, 'aio-streams-echo', '--mode=hosted'),
    nodeServer(ECHO.aioBlocking, 'aio-streams-echo', '--mode=blocking'),
    nodeServer(ECHO.nodeNet, 'node-echo'),
  ];
  if (python) {
    servers.push(
      pythonServer(ECHO.asyncio, python, 'peers/streams_echo_asyncio.py'),
      pythonServer(ECHO.uvloop, python, 'peers/streams_echo_asyncio.py', '--uvloop'),
    );
  }
  return servers;
}

/**
 * The C10k servers, all listening with the same backlog: the client's connect() completes at the
 * handshake, before the server accepts, so a short accept queue (asyncio's default is 100,
 * tornado's 128) overflows while the client connects, and the connections whose last ACK was
 * dropped then wait seconds for a SYN-ACK retransmission before the server can accept them.
 */
function c10kServers(python: string | null): EchoServer[] {
  const backlog = `--backlog=${C10K_BACKLOG}`;
  const servers = [
    nodeServer(C10K.aio, 'aio-streams-echo', '--mode=hosted', backlog),
    nodeServer(C10K.nodeNet, 'node-echo', backlog),
  ];
  if (python) {
    servers.push(
      pythonServer(C10K.tornado, python, 'peers/echo_tornado.py', backlog),
      pythonServer(C10K.uvloopProtocol, python, 'peers/echo_asyncio.py', '--uvloop', backlog),
    );
  }
  return servers;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface C10kResult {
  readonly idleRssKiB: number;
  /** RSS with every connection held, after `idleMs` idle. */
  readonly connectedRssKiB: number;
  /** (RSS connected − RSS idle) / held. */
  readonly perConnectionKiB: number;
  /** The lowest RSS over `settleMs` more idle (see the module comment). */
  readonly settledRssKiB: number;
  /** (RSS settled − RSS idle) / held. */
  readonly settledPerConnectionKiB: number;
  /** Connections the client established. */
  readonly connected: number;
  /** Connections the server had accepted when its RSS was read (from its fd count). */
  readonly held: number;
  readonly served: number;
  readonly errors: number;
}

interface ClientLine {
  connected: number;
  served?: number;
  errors: number;
}

/**
 * Runs the C10k client against `server`: waits for the server to hold every connection, reads
 * its RSS, lets every connection make its request, and returns what the client counted.
 */
async function runC10k(
  server: RunningServer,
  connections: number,
  fdLimit: number,
  idleMs: number,
  settleMs: number,
  timeoutMs: number,
): Promise<C10kResult> {
  await sleep(idleMs);
  const idleRssKiB = rssKiB(server.pid);
  const idleFds = openFds(server.pid);

  const [command, args] = withFdLimit(fdLimit, compileC('c10k_client.c'), [
    '127.0.0.1',
    String(server.port),
    String(connections),
    String(IN_FLIGHT),
    String(timeoutMs),
  ]);
  const client = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  client.stderr.setEncoding('utf8');
  client.stderr.on('data', (chunk: string) => (stderr += chunk));
  client.stdin.on('error', () => {});
  const killer = setTimeout(() => client.kill('SIGKILL'), 3 * timeoutMs + 10_000);
  const exited = new Promise<void>((resolve) => client.once('close', () => resolve()));
  const lines = createInterface({ input: client.stdout })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<ClientLine> => {
    const next = await lines.next();
    if (next.done === true) {
      throw new Error(`c10k_client ended early: ${stderr.trim() || 'no output'}`);
    }
    return JSON.parse(next.value) as ClientLine;
  };

  try {
    const opened = await nextLine();
    // The client's connect() completes at the handshake, before the server accepts: wait
    // until the server holds every connection, then leave it idle before reading its memory.
    const deadline = Date.now() + timeoutMs;
    while (openFds(server.pid) < idleFds + opened.connected && Date.now() < deadline) {
      await sleep(50);
    }
    const held = Math.min(Math.max(openFds(server.pid) - idleFds, 0), opened.connected);
    await sleep(idleMs);
    const connectedRssKiB = rssKiB(server.pid);
    let settledRssKiB = connectedRssKiB;
    for (const settleUntil = Date.now() + settleMs; Date.now() < settleUntil;) {
      await sleep(Math.min(500, settleMs));
      settledRssKiB = Math.min(settledRssKiB, rssKiB(server.pid));
    }
    client.stdin.end('go\n');
    const done = await nextLine();
    await exited;
    return {
      idleRssKiB,
      connectedRssKiB,
      perConnectionKiB: (connectedRssKiB - idleRssKiB) / Math.max(held, 1),
      settledRssKiB,
      settledPerConnectionKiB: (settledRssKiB - idleRssKiB) / Math.max(held, 1),
      connected: opened.connected,
      held,
      served: done.served ?? 0,
      errors: done.errors,
    };
  } finally {
    clearTimeout(killer);
    if (client.exitCode === null && client.signalCode === null) client.kill('SIGKILL');
  }
}

export const streamsBenchmark: Benchmark = {
  name: 'streams',
  description:
    'streams TCP echo and the memory of 10,000 idle connections: aio startServer vs asyncio/uvloop streams, Node net, tornado',
  async run(options: BenchOptions) {
    const python = findPython();
    const notes: string[] = [];

    // 1. TCP echo on streams
    const { load, rounds: echoRounds } = standardEchoLoad(options.quick);
    let echo: Record<string, number[]> = {};
    let echoSkipped: Record<string, string> = {};
    const compiler = hasCompiler();
    if (!compiler) {
      notes.push('TCP echo and C10k skipped: no C compiler (cc) to build the clients');
    } else {
      const results = await runEchoServers(
        echoServers(python?.path ?? null),
        load,
        echoRounds,
        (m) => progress(`streams: ${m}`),
      );
      echo = results.samples;
      echoSkipped = results.skipped;
    }
    const echoRate = (name: string): number | null =>
      echo[name]?.length ? median(echo[name]) : null;

    // 2. C10k
    const hardLimit = hardFdLimit();
    const fdLimit = Math.min(FD_LIMIT_WANTED, hardLimit);
    let connections = options.quick ? 1_000 : 10_000;
    if (connections + FD_HEADROOM > fdLimit) {
      const fitted = Math.max(fdLimit - FD_HEADROOM, 1);
      notes.push(
        `C10k: the hard fd limit is ${hardLimit}, so ${fitted.toLocaleString('en-US')} connections instead of ${connections.toLocaleString('en-US')}`,
      );
      connections = fitted;
    }
    const idleMs = options.quick ? 300 : 1_000;
    const settleMs = options.quick ? 1_000 : 30_000;
    const timeoutMs = options.quick ? 20_000 : 60_000;
    const c10k: Record<string, C10kResult> = {};
    const c10kSkipped: Record<string, string> = {};
    if (compiler) {
      for (const server of c10kServers(python?.path ?? null)) {
        progress(
          `streams: C10k, ${server.name}, ${connections.toLocaleString('en-US')} connections`,
        );
        try {
          const [command, args] = withFdLimit(fdLimit, server.command, server.args);
          const running = await startServer(command, args);
          try {
            const result = await runC10k(
              running,
              connections,
              fdLimit,
              idleMs,
              settleMs,
              timeoutMs,
            );
            c10k[server.name] = result;
            if (result.held < result.connected) {
              notes.push(
                `C10k: ${server.name} had accepted only ${result.held} of ${result.connected} connections after ${timeoutMs / 1000} s; its KiB/connection is over those`,
              );
            }
          } finally {
            await running.stop();
          }
        } catch (err) {
          c10kSkipped[server.name] =
            err instanceof PeerNotInstalledError
              ? 'not installed'
              : (err as Error).message.split('\n')[0]!;
        }
      }
    }
    if (!python) {
      for (const name of [ECHO.asyncio, ECHO.uvloop]) echoSkipped[name] ??= 'python3 not found';
      for (const name of [C10K.tornado, C10K.uvloopProtocol])
        c10kSkipped[name] ??= 'python3 not found';
    }

    // ─── report ───
    const asyncioEcho = echoRate(ECHO.asyncio);
    const uvloopEcho = echoRate(ECHO.uvloop);
    const nodeEcho = echoRate(ECHO.nodeNet);
    const echoRows: Cell[][] = ECHO_NAMES.map((name) => {
      const rate = echoRate(name);
      const skipped = echoSkipped[name];
      return [
        skipped ? `${name} (${skipped})` : name,
        rate,
        ratio(rate, asyncioEcho),
        ratio(rate, uvloopEcho),
        ratio(rate, nodeEcho),
      ];
    });

    const perConn = (name: string): number | null => c10k[name]?.settledPerConnectionKiB ?? null;
    // Memory: smaller is better, so the ratios read "how many times less than the peer".
    const lessThan = (a: number | null, b: number | null): string | null => ratio(b, a);
    const c10kRows: Cell[][] = C10K_NAMES.map((name) => {
      const r = c10k[name];
      const skipped = c10kSkipped[name];
      return [
        skipped ? `${name} (${skipped})` : name,
        r ? Math.round(r.idleRssKiB / 1024) : null,
        r ? Math.round(r.connectedRssKiB / 1024) : null,
        r ? r.perConnectionKiB : null,
        perConn(name),
        r ? `${r.served.toLocaleString('en-US')}/${r.connected.toLocaleString('en-US')}` : null,
        r ? r.errors : null,
        lessThan(perConn(name), perConn(C10K.nodeNet)),
        lessThan(perConn(name), perConn(C10K.tornado)),
        lessThan(perConn(name), perConn(C10K.uvloopProtocol)),
      ];
    });

    const aioEchoMin = Math.min(echoRate(ECHO.aioHosted) ?? 0, echoRate(ECHO.aioBlocking) ?? 0);
    const aio = c10k[C10K.aio];
    const allServed = aio ? aio.served === connections && aio.errors === 0 : null;
    const goals = {
      streamsEchoAtLeastUvloopStreams: {
        ratio: uvloopEcho === null ? null : aioEchoMin / uvloopEcho,
        met: uvloopEcho === null ? null : aioEchoMin >= uvloopEcho,
      },
      c10kAtMost2KiBPerConnection: {
        settledPerConnectionKiB: aio?.settledPerConnectionKiB ?? null,
        afterOneSecondPerConnectionKiB: aio?.perConnectionKiB ?? null,
        allServed,
        met: aio ? aio.settledPerConnectionKiB <= 2 && allServed === true : null,
      },
    };
    const goal = (met: boolean | null): string =>
      met === null ? 'not measured' : met ? 'met' : 'NOT met';
    const text = [
      compiler
        ? `TCP echo on streams (read(64 KiB) / write / drain), ${load.connections} connections, ${load.messageSize}-byte messages, ${load.durationMs / 1000} s each (median of ${echoRounds}); load: C epoll client (src/peers/echo_client.c), once a first client has come and gone`
        : 'TCP echo: skipped (no C compiler)',
      table(['server', 'req/s', '÷ asyncio streams', '÷ uvloop streams', '÷ Node net'], echoRows),
      '',
      compiler
        ? `C10k: ${connections.toLocaleString('en-US')} idle connections from a separate C process (src/peers/c10k_client.c), fd limit ${fdLimit}; RSS from /proc/<pid>/status after ${idleMs} ms idle, and settled (the lowest over the next ${settleMs / 1000} s idle: V8 gives back its young generation after the accept burst); then one 16-byte request per connection. "× less than" = the peer's settled KiB per connection ÷ this one's`
        : 'C10k: skipped (no C compiler)',
      table(
        [
          'server',
          'idle MiB',
          'connected MiB',
          `KiB/conn at ${idleMs / 1000} s`,
          'KiB/conn settled',
          'served',
          'errors',
          '× less than Node net',
          '× less than tornado',
          '× less than uvloop Protocol',
        ],
        c10kRows,
      ),
      '',
      'Goals:',
      `  streams echo ≥ uvloop streams (both modes): ${goal(goals.streamsEchoAtLeastUvloopStreams.met)} (${ratio(aioEchoMin, uvloopEcho) ?? '—'})`,
      `  C10k: aio ≤ 2 KiB per idle connection, every connection served: ${goal(goals.c10kAtMost2KiBPerConnection.met)} (${aio ? `${aio.settledPerConnectionKiB.toFixed(2)} KiB settled, ${aio.perConnectionKiB.toFixed(2)} KiB after ${idleMs / 1000} s, ${aio.served}/${connections} served` : '—'})`,
      ...notes,
    ].join('\n');

    return {
      text,
      data: {
        echo: {
          load,
          client: 'src/peers/echo_client.c (C, epoll, one thread)',
          requestsPerSec: Object.fromEntries(ECHO_NAMES.map((n) => [n, echoRate(n)])),
          samples: echo,
          skipped: echoSkipped,
        },
        c10k: {
          connections,
          fdLimit,
          hardFdLimit: Number.isFinite(hardLimit) ? hardLimit : null,
          client: 'src/peers/c10k_client.c (C, epoll, one thread)',
          servers: Object.fromEntries(C10K_NAMES.map((n) => [n, c10k[n] ?? null])),
          skipped: c10kSkipped,
        },
        goals,
        notes,
        peers: { python: python ? `${python.path} ${python.version}` : null },
      },
    };
  },
};
