/**
 * `pnpm bench websocket`: @aio/tornado's `WebSocketHandler` against npm's `ws` and tornado 6's
 * own, in one run.
 *
 * Every server echoes each message back as it came, on `/ws`: aio's `WebSocketHandler` in a
 * `web.Application` on its `HTTPServer` (`src/servers/ws-echo.ts`); ws's `WebSocketServer` on a
 * `node:http` server (`src/servers/ws-node.ts`); tornado's `WebSocketHandler`
 * (`src/peers/ws_tornado.py`).
 *
 * The load client (`src/children/ws-load.ts`) is not any of them: a Node process on raw
 * `node:net` sockets, pinned to the CPU the servers do not use, doing its own opening handshake,
 * writing frames built once before the run and counting echoes by parsing their headers only.
 * Each of its connections keeps `DEPTH` (4) messages in flight: it sends four, and answers each
 * echo with the next message, the echoes of one read in one write. One in flight would measure
 * the client as much as the server: a message costs each side about the same kernel work (a
 * loopback `write` delivers into the receiver within the sender's system call), so the client
 * ran at 0.9 of its core against aio's server and no faster against a C echo; with four, it
 * drove the C echo at 2.2× the rate of the fastest WebSocket server, at 0.74 of its core
 * against aio's (2026-12-06, a busy machine). It measures for a fixed time after a warm-up, and
 * reports messages per second, latency
 * percentiles, and its own CPU time: a client using less than its whole core was not what
 * limited the rate. It compares echoes with what it sent, byte for byte, on a sample (every
 * connection's first and one in 1,000 after; with compression, every connection's first and the
 * first 200 of one connection, inflated as the one stream they are). Its ceiling is measured in the same run: the C echo server of `pnpm bench loop`
 * (`src/peers/echo_server.c`) sending the client's frames back as they are, no handshake.
 *
 * Cases, each contender in a fresh server process per round pinned to CPU 0 (`taskset -c 0`),
 * rounds alternating between contenders, medians reported with the server's CPU time per message:
 *
 * 1. **1 KiB text**: 50 connections echoing 1,024-byte text messages (chat-like JSON).
 * 2. **64 KiB binary**: 50 connections echoing 65,536-byte binary messages (random bytes).
 * 3. **1 KiB text, permessage-deflate**: the first case with the client offering
 *    `permessage-deflate; client_max_window_bits` and sending each message compressed; every
 *    server keeps its own defaults otherwise (context takeover). A server that did not accept
 *    it, or echoed uncompressed, is reported as such.
 * 4. **idle connections**: the server's resident set (`VmRSS`) with 10,000 WebSocket connections
 *    open and idle (each has sent one message and read its echo), minus the same before them, ÷
 *    the connections; both read after a full garbage collection (the server runs one on SIGUSR2:
 *    Node started with `--expose-gc`, Python's `gc.collect()`), each the lowest over a short
 *    window. Before the baseline, one second of the 1 KiB echo load, so that the server is
 *    measured as a server in service (V8's young generation grown, allocator arenas warm).
 *    Then every connection echoes once more: the server kept them all.
 *
 * Goals (the WebSocket issue): 1 KiB echo ≥ 1.0× ws and ≥ 5× tornado; idle memory per
 * connection ≤ ws's; the 64 KiB and deflate ratios are reported. A missing peer (no Python
 * tornado, no C compiler for the ceiling) is reported and the rest measured.
 */
import { createRequire } from 'node:module';
import { compileC, hasCompiler } from './lib/native';
import { findPython, tornadoVersion } from './lib/peers';
import { hardFdLimit, withFdLimit } from './lib/fd-limit';
import { builtServer } from './lib/paths';
import { pinning, prefixed, type Pinning } from './lib/pinning';
import { lowestRss, openFds, processCpuSeconds, rssKiB } from './lib/proc';
import {
  formatNumber,
  judge,
  median,
  progress,
  ratio,
  table,
  verdict,
  type Cell,
} from './lib/report';
import {
  PeerNotInstalledError,
  pythonServer,
  startServer,
  type EchoServer,
  type RunningServer,
} from './lib/servers';
import { startWsClient, type EchoReport, type WsLoadArgs } from './lib/ws-load';
import type { Benchmark, BenchOptions } from './cli';

const CONTENDERS = ['aio', 'ws', 'tornado'] as const;
/** The client's ceiling, measured beside the contenders in the cases it is run for. */
const CEILING = 'ceiling';

/** listen()'s backlog for every server (the kernel caps it at net.core.somaxconn). */
const BACKLOG = 4096;
/** The most fds the idle case's server and client get; what 10,000 connections need, with room. */
const FD_LIMIT_WANTED = 20_000;
const FD_HEADROOM = 256;
/** Messages each connection keeps in flight (see the header: the client's headroom). */
const DEPTH = 4;
/** Distinct messages each case sends in turn. */
const VARIANTS = 64;

// ─── the echo cases ─────────────────────────────────────────────────────────────────────────

type CaseKey = 'text1KiB' | 'binary64KiB' | 'deflate1KiB';

interface EchoCase {
  readonly key: CaseKey;
  readonly title: string;
  readonly kind: 'text' | 'binary';
  readonly size: number;
  readonly connections: number;
  readonly deflate: boolean;
  /** Whether the client's ceiling (the C echo) is measured too. */
  readonly ceiling: boolean;
}

const CASES: readonly EchoCase[] = [
  {
    key: 'text1KiB',
    title: `1 KiB text messages, 50 connections, ${DEPTH} messages in flight on each`,
    kind: 'text',
    size: 1024,
    connections: 50,
    deflate: false,
    ceiling: true,
  },
  {
    key: 'binary64KiB',
    title: `64 KiB binary messages, 50 connections, ${DEPTH} messages in flight on each`,
    kind: 'binary',
    size: 65536,
    connections: 50,
    deflate: false,
    ceiling: true,
  },
  {
    key: 'deflate1KiB',
    title: `1 KiB text messages with permessage-deflate (client offers "permessage-deflate; client_max_window_bits"), 50 connections, ${DEPTH} in flight on each`,
    kind: 'text',
    size: 1024,
    connections: 50,
    deflate: true,
    ceiling: false,
  },
];

interface Plan {
  readonly rounds: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly pin: Pinning;
}

/** One measured run of the load client against one server. */
export interface EchoRound {
  readonly messagesPerSec: number;
  readonly messages: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** The server's CPU time over the measured window ÷ the messages echoed; null without /proc. */
  readonly serverCpuUsPerMessage: number | null;
  readonly serverCores: number | null;
  readonly clientCpuUsPerMessage: number;
  readonly clientCores: number;
  /** Payload bytes of an echo on the wire, on average. */
  readonly echoPayloadBytes: number;
  /** Share of the echoes that came compressed. */
  readonly compressedShare: number;
  readonly extensions: string;
  readonly sentCompressed: boolean;
  readonly verified: number;
}

export interface CaseResults {
  readonly rounds: Record<string, EchoRound[]>;
  readonly skipped: Record<string, string>;
  readonly failed: Record<string, string>;
}

function loadArgs(c: EchoCase, port: number, plan: Plan, raw: boolean): WsLoadArgs {
  return {
    mode: 'echo',
    port,
    path: '/ws',
    raw,
    connections: c.connections,
    depth: DEPTH,
    kind: c.kind,
    size: c.size,
    variants: VARIANTS,
    deflate: c.deflate,
    warmupMs: plan.warmupMs,
    durationMs: plan.durationMs,
    sampleEvery: 1000,
    timeoutMs: 10_000,
  };
}

/** One round: the server started afresh (pinned), loaded, its CPU read around the window. */
async function echoRound(server: EchoServer, c: EchoCase, plan: Plan): Promise<EchoRound> {
  const started = prefixed(server, plan.pin.server);
  const running = await startServer(started.command, [...started.args]);
  const raw = server.name === CEILING;
  const client = startWsClient(
    loadArgs(c, running.port, plan, raw),
    plan.pin,
    plan.warmupMs + plan.durationMs + 60_000,
  );
  try {
    await client.nextLine(); // {"event":"measuring"}: the window opens
    const cpuBefore = processCpuSeconds(running.pid);
    const report = await client.nextLine<EchoReport>();
    const cpuAfter = processCpuSeconds(running.pid);
    await client.exited;
    if (report.errors > 0) throw new Error(`${report.errors} errors: ${report.firstError}`);
    if (report.mismatches > 0) {
      throw new Error(
        `${report.mismatches} echoes differ from the message sent: ${report.firstMismatch}`,
      );
    }
    if (report.messages === 0) throw new Error('no echo in the measured window');
    const cpu = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
    return {
      messagesPerSec: report.messagesPerSec,
      messages: report.messages,
      latencyP50Ms: report.latencyUs.p50 / 1000,
      latencyP99Ms: report.latencyUs.p99 / 1000,
      serverCpuUsPerMessage: cpu === null ? null : (cpu / report.messages) * 1e6,
      serverCores: cpu === null ? null : cpu / report.seconds,
      clientCpuUsPerMessage: report.clientCpuUsPerMessage,
      clientCores: report.clientCores,
      echoPayloadBytes: report.echoPayloadBytes,
      compressedShare: report.compressedEchoes / report.messages,
      extensions: report.extensions,
      sentCompressed: report.sentCompressed,
      verified: report.verified,
    };
  } finally {
    client.kill();
    await running.stop();
  }
}

async function runCase(
  c: EchoCase,
  servers: readonly EchoServer[],
  plan: Plan,
  unavailable: Readonly<Record<string, string>>,
): Promise<CaseResults> {
  const rounds: Record<string, EchoRound[]> = {};
  const skipped: Record<string, string> = { ...unavailable };
  const failed: Record<string, string> = {};
  for (let round = 1; round <= plan.rounds; round++) {
    for (const server of servers) {
      if (skipped[server.name]) continue;
      progress(`websocket: ${c.key}, ${server.name}, round ${round}/${plan.rounds}`);
      try {
        (rounds[server.name] ??= []).push(await echoRound(server, c, plan));
      } catch (err) {
        if (err instanceof PeerNotInstalledError) {
          skipped[server.name] = 'not installed';
        } else {
          const why = (err as Error).message.split('\n')[0]!;
          failed[server.name] = why;
          skipped[server.name] = `FAILED: ${why}`;
        }
      }
    }
  }
  return { rounds, skipped, failed };
}

/** The medians of a server's rounds, or null when it has none or failed. */
function caseMedians(results: CaseResults | undefined, name: string) {
  const rounds = results?.rounds[name];
  if (!rounds?.length || results!.failed[name]) return null;
  const of = (pick: (r: EchoRound) => number | null): number | null => {
    const values = rounds.flatMap((r) => pick(r) ?? []);
    return values.length ? median(values) : null;
  };
  return {
    messagesPerSec: of((r) => r.messagesPerSec)!,
    latencyP50Ms: of((r) => r.latencyP50Ms)!,
    latencyP99Ms: of((r) => r.latencyP99Ms)!,
    serverCpuUsPerMessage: of((r) => r.serverCpuUsPerMessage),
    serverCores: of((r) => r.serverCores),
    clientCpuUsPerMessage: of((r) => r.clientCpuUsPerMessage)!,
    clientCores: of((r) => r.clientCores)!,
    echoPayloadBytes: of((r) => r.echoPayloadBytes)!,
    compressedShare: Math.min(...rounds.map((r) => r.compressedShare)),
    extensions: rounds[0]!.extensions,
    sentCompressed: rounds.every((r) => r.sentCompressed),
    verified: rounds.reduce((sum, r) => sum + r.verified, 0),
  };
}

/** How a deflate round's server answered the offer, in a few words. */
function negotiation(m: NonNullable<ReturnType<typeof caseMedians>>): string {
  if (!m.sentCompressed) return 'did NOT accept permessage-deflate';
  if (m.compressedShare < 1) {
    return `accepted, but echoed ${formatNumber((1 - m.compressedShare) * 100)}% uncompressed`;
  }
  return `"${m.extensions}"`;
}

// ─── idle connections ───────────────────────────────────────────────────────────────────────

export interface IdleResult {
  /** The lowest RSS over a short window after a full GC, after one second of echo load. */
  readonly baselineRssKiB: number;
  /** The lowest RSS over a short window after a full GC, with every connection open. */
  readonly connectedRssKiB: number;
  /** (connected − baseline) ÷ held. */
  readonly perConnectionKiB: number;
  /** Connections whose first message was echoed. */
  readonly connected: number;
  /** Connections the server held when its RSS was read (from its fd count). */
  readonly held: number;
  /** Connections that echoed one more message after the idle time. */
  readonly servedAgain: number;
  readonly extensions: string;
}

interface IdleTiming {
  readonly idleMs: number;
  readonly windowMs: number;
  readonly timeoutMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Asks the server for a full garbage collection, then its lowest RSS over `windowMs`. */
async function rssAfterGc(pid: number, windowMs: number): Promise<number> {
  try {
    process.kill(pid, 'SIGUSR2');
  } catch {
    // gone: the RSS read below says so
  }
  await sleep(300);
  return lowestRss(pid, windowMs, rssKiB(pid));
}

async function runIdle(
  server: RunningServer,
  connections: number,
  fdLimit: number,
  timing: IdleTiming,
  plan: Plan,
): Promise<IdleResult> {
  const startFds = openFds(server.pid);
  // One second of the 1 KiB echo load: a server in service.
  const warm = startWsClient(
    { ...loadArgs(CASES[0]!, server.port, plan, false), warmupMs: 0, durationMs: 1000 },
    plan.pin,
    60_000,
  );
  try {
    await warm.nextLine();
    const report = await warm.nextLine<EchoReport>();
    if (report.errors > 0)
      throw new Error(`warm-up: ${report.errors} errors: ${report.firstError}`);
    await warm.exited;
  } finally {
    warm.kill();
  }
  for (const deadline = Date.now() + timing.timeoutMs; openFds(server.pid) > startFds;) {
    if (Date.now() > deadline) break;
    await sleep(50);
  }
  await sleep(timing.idleMs);
  const baselineRssKiB = await rssAfterGc(server.pid, timing.windowMs);
  const idleFds = openFds(server.pid);

  const client = startWsClient(
    {
      ...loadArgs(CASES[0]!, server.port, plan, false),
      mode: 'idle',
      connections,
      timeoutMs: timing.timeoutMs,
    },
    plan.pin,
    3 * timing.timeoutMs + 60_000,
    fdLimit,
  );
  try {
    const opened = await client.nextLine<{
      connected: number;
      errors: number;
      firstError: string;
      extensions: string;
    }>();
    if (opened.errors > 0) {
      throw new Error(
        `${opened.errors} of ${connections} connections failed to open or echo (${opened.firstError})`,
      );
    }
    const deadline = Date.now() + timing.timeoutMs;
    while (openFds(server.pid) < idleFds + opened.connected && Date.now() < deadline) {
      await sleep(50);
    }
    const held = Math.min(Math.max(openFds(server.pid) - idleFds, 0), opened.connected);
    await sleep(timing.idleMs);
    const connectedRssKiB = await rssAfterGc(server.pid, timing.windowMs);
    client.tell('again');
    const again = await client.nextLine<{ served: number; errors: number; firstError: string }>();
    await client.exited;
    if (again.errors > 0 || again.served < opened.connected) {
      throw new Error(
        `${formatNumber(opened.connected - again.served)} of ${formatNumber(opened.connected)} connections not echoed again after the idle time (${again.firstError || 'no error'})`,
      );
    }
    return {
      baselineRssKiB,
      connectedRssKiB,
      perConnectionKiB: (connectedRssKiB - baselineRssKiB) / Math.max(held, 1),
      connected: opened.connected,
      held,
      servedAgain: again.served,
      extensions: opened.extensions,
    };
  } finally {
    client.kill();
  }
}

// ─── the benchmark ──────────────────────────────────────────────────────────────────────────

function wsVersion(): string | null {
  try {
    return (createRequire(import.meta.url)('ws/package.json') as { version: string }).version;
  } catch {
    return null;
  }
}

/** The contenders' servers, Node's started with `--expose-gc` (the idle case asks for a GC). */
function servers(python: string | null, deflate: boolean): EchoServer[] {
  const node = (name: string, script: string): EchoServer => ({
    name,
    command: process.execPath,
    args: [
      '--expose-gc',
      builtServer(script),
      `--backlog=${BACKLOG}`,
      ...(deflate ? ['--deflate'] : []),
    ],
  });
  const list = [node('aio', 'ws-echo'), node('ws', 'ws-node')];
  if (python) {
    list.push(
      pythonServer(
        'tornado',
        python,
        'peers/ws_tornado.py',
        `--backlog=${BACKLOG}`,
        ...(deflate ? ['--deflate'] : []),
      ),
    );
  }
  return list;
}

export const websocketBenchmark: Benchmark = {
  name: 'websocket',
  description:
    'WebSocket echo (1 KiB text, 64 KiB binary, 1 KiB with permessage-deflate; 50 connections) and 10,000 idle connections: aio WebSocketHandler vs ws, tornado 6',
  async run(options: BenchOptions) {
    const python = findPython();
    const tornado = python ? tornadoVersion(python.path) : null;
    const ws = wsVersion();
    const pin = pinning('the load client');
    const notes: string[] = [];
    const plan: Plan = options.quick
      ? { rounds: 1, warmupMs: 300, durationMs: 1000, pin }
      : { rounds: 3, warmupMs: 1000, durationMs: 3000, pin };

    const unavailable: Record<string, string> = {};
    if (!python) unavailable.tornado = 'python3 not found';
    else if (!tornado) unavailable.tornado = `tornado not installed for ${python.path}`;
    if (!ws) unavailable.ws = 'not installed (pnpm install in apps/bench)';
    const compiler = hasCompiler();
    if (!compiler) unavailable[CEILING] = 'no C compiler (cc) to build echo_server.c';

    // ─── 1–3. echo ───
    const results: Partial<Record<CaseKey, CaseResults>> = {};
    for (const c of CASES) {
      const list = servers(tornado ? python!.path : null, c.deflate);
      if (c.ceiling && compiler) {
        list.push({ name: CEILING, command: compileC('echo_server.c'), args: ['0'] });
      }
      results[c.key] = await runCase(c, list, plan, unavailable);
    }

    // ─── 4. idle connections ───
    const hardLimit = hardFdLimit();
    const fdLimit = Math.min(FD_LIMIT_WANTED, hardLimit);
    let connections = options.quick ? 1_000 : 10_000;
    if (connections + FD_HEADROOM > fdLimit) {
      const fitted = Math.max(fdLimit - FD_HEADROOM, 1);
      notes.push(
        `idle connections: the hard fd limit (ulimit -Hn) is ${hardLimit}, so ${formatNumber(fitted)} connections instead of ${formatNumber(connections)}`,
      );
      connections = fitted;
    }
    const timing: IdleTiming = options.quick
      ? { idleMs: 300, windowMs: 500, timeoutMs: 20_000 }
      : { idleMs: 1000, windowMs: 2000, timeoutMs: 60_000 };
    const idle: Record<string, IdleResult> = {};
    const idleSkipped: Record<string, string> = {};
    const idleFailed: Record<string, string> = {};
    for (const name of CONTENDERS) if (unavailable[name]) idleSkipped[name] = unavailable[name];
    for (const server of servers(tornado ? python!.path : null, false)) {
      if (unavailable[server.name]) continue;
      progress(`websocket: idle, ${server.name}, ${formatNumber(connections)} connections`);
      let running: RunningServer | null = null;
      try {
        const pinned = prefixed(server, pin.server);
        const [command, args] = withFdLimit(fdLimit, pinned.command, pinned.args);
        running = await startServer(command, args);
        idle[server.name] = await runIdle(running, connections, fdLimit, timing, plan);
      } catch (err) {
        if (err instanceof PeerNotInstalledError) {
          idleSkipped[server.name] = 'not installed';
        } else {
          idleFailed[server.name] = (err as Error).message.split('\n')[0]!;
          idleSkipped[server.name] = `FAILED: ${idleFailed[server.name]}`;
        }
      } finally {
        await running?.stop();
      }
    }

    // ─── goals ───
    const rate = (key: CaseKey, name: string): number | null =>
      caseMedians(results[key], name)?.messagesPerSec ?? null;
    const aioFailed = (key: CaseKey): string | null => results[key]?.failed.aio ?? null;
    const perConn = (name: string): number | null => idle[name]?.perConnectionKiB ?? null;
    const idleGoal = judge(perConn('ws'), perConn('aio'), 1, idleFailed.aio ?? null);
    const goals = {
      text1KiBAtLeastWs: judge(
        rate('text1KiB', 'aio'),
        rate('text1KiB', 'ws'),
        1,
        aioFailed('text1KiB'),
      ),
      text1KiBAtLeast5xTornado: judge(
        rate('text1KiB', 'aio'),
        rate('text1KiB', 'tornado'),
        5,
        aioFailed('text1KiB'),
      ),
      idlePerConnectionAtMostWs: {
        ...idleGoal,
        display:
          idleGoal.met === null || idleFailed.aio
            ? idleGoal.display
            : `aio ${formatNumber(perConn('aio')!)} KiB, ws ${formatNumber(perConn('ws')!)} KiB per connection`,
      },
    };
    /** Reported, not judged: aio ÷ each peer in the 64 KiB and deflate cases. */
    const reported = {
      binary64KiB: {
        ws: judge(
          rate('binary64KiB', 'aio'),
          rate('binary64KiB', 'ws'),
          1,
          aioFailed('binary64KiB'),
        ),
        tornado: judge(
          rate('binary64KiB', 'aio'),
          rate('binary64KiB', 'tornado'),
          1,
          aioFailed('binary64KiB'),
        ),
      },
      deflate1KiB: {
        ws: judge(
          rate('deflate1KiB', 'aio'),
          rate('deflate1KiB', 'ws'),
          1,
          aioFailed('deflate1KiB'),
        ),
        tornado: judge(
          rate('deflate1KiB', 'aio'),
          rate('deflate1KiB', 'tornado'),
          1,
          aioFailed('deflate1KiB'),
        ),
      },
    };

    // ─── report ───
    const labels: Record<string, string> = {
      aio: 'aio WebSocketHandler',
      ws: `ws${ws ? ` ${ws}` : ''} WebSocketServer`,
      tornado: `tornado${tornado ? ` ${tornado}` : ''} WebSocketHandler`,
      [CEILING]: 'client ceiling: C echo of the frames',
    };
    const caseTable = (c: EchoCase): string => {
      const r = results[c.key]!;
      const wsRate = rate(c.key, 'ws');
      const tornadoRate = rate(c.key, 'tornado');
      const names = [...CONTENDERS, ...(c.ceiling ? [CEILING] : [])];
      const rows: Cell[][] = names.map((name) => {
        const m = caseMedians(r, name);
        const why = r.skipped[name];
        const row: Cell[] = [
          why ? `${labels[name]} (${why})` : labels[name]!,
          m?.messagesPerSec ?? null,
          name === CEILING ? null : ratio(m?.messagesPerSec ?? null, wsRate),
          name === CEILING ? null : ratio(m?.messagesPerSec ?? null, tornadoRate),
          m?.latencyP50Ms ?? null,
          m?.latencyP99Ms ?? null,
          m?.serverCpuUsPerMessage ?? null,
          m?.serverCores?.toFixed(2) ?? null,
          m ? m.clientCores.toFixed(2) : null,
          m?.clientCpuUsPerMessage ?? null,
        ];
        if (c.deflate) row.push(m?.echoPayloadBytes ?? null, m ? negotiation(m) : null);
        return row;
      });
      return table(
        [
          'server',
          'msg/s',
          '÷ ws',
          '÷ tornado',
          'p50 ms',
          'p99 ms',
          'server µs CPU/msg',
          'server cores',
          'client cores',
          'client µs CPU/msg',
          ...(c.deflate ? ['echo bytes', 'permessage-deflate'] : []),
        ],
        rows,
      );
    };
    const idleRows: Cell[][] = CONTENDERS.map((name) => {
      const r = idle[name];
      const why = idleSkipped[name];
      return [
        why ? `${labels[name]} (${why})` : labels[name]!,
        r ? r.baselineRssKiB / 1024 : null,
        r ? r.connectedRssKiB / 1024 : null,
        r?.perConnectionKiB ?? null,
        ratio(perConn(name), perConn('ws')),
        r ? r.held : null,
        r ? r.servedAgain : null,
      ];
    });
    /** The client's headroom: its ceiling rate, and the most its CPU time per message allows. */
    const headroom = CASES.filter((c) => c.ceiling).map((c) => {
      const ceiling = caseMedians(results[c.key], CEILING);
      const fastest = Math.max(...CONTENDERS.map((name) => rate(c.key, name) ?? 0));
      if (!ceiling)
        return `  ${c.key}: ceiling not measured (${results[c.key]?.skipped[CEILING] ?? '—'})`;
      return `  ${c.key}: ${formatNumber(ceiling.messagesPerSec)} msg/s against the C echo (client ${ceiling.clientCores.toFixed(2)} cores, ${formatNumber(ceiling.clientCpuUsPerMessage)} µs CPU/msg: at most ≈ ${formatNumber(1e6 / ceiling.clientCpuUsPerMessage)} msg/s on its core) vs ${formatNumber(fastest)} msg/s for the fastest server: ${ratio(ceiling.messagesPerSec, fastest) ?? '—'}`;
    });
    const failures = [
      ...Object.entries(results).flatMap(([key, r]) =>
        Object.entries(r.failed).map(([name, why]) => `${key}, ${name}: ${why}`),
      ),
      ...Object.entries(idleFailed).map(([name, why]) => `idle, ${name}: ${why}`),
    ];
    const goalLine = (
      what: string,
      goal: { met: boolean | null; display: string },
      skipped: Readonly<Record<string, string>> | undefined,
      peer: string,
    ): string => {
      const missing =
        goal.met === null
          ? ['aio', peer].filter((n) => skipped?.[n]).map((n) => ` (${n}: ${skipped![n]})`)
          : [];
      return `  ${what}: ${verdict(goal)}${missing.join('')}`;
    };
    const reportLine = (what: string, g: { ratio: number | null; display: string }): string =>
      `  ${what}: ${g.display === '—' ? 'not measured' : g.display}`;
    const peers = `Node ${process.version}, ws ${ws ?? 'not installed'} (without bufferutil/utf-8-validate); ${python ? `Python ${python.version}` : 'no Python'}${tornado ? `, tornado ${tornado}` : ''}`;
    const n = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
    const text = [
      ...(failures.length ? ['FAILED measurements:', ...failures.map((f) => `  ${f}`), ''] : []),
      `Echo: the Node load client on raw sockets, ${DEPTH} messages in flight on each connection, ${plan.durationMs / 1000} s measured after ${plan.warmupMs / 1000} s of the same load, a fresh server each round (median of ${n(plan.rounds, 'alternating round')}); ${pin.note}; ${peers}`,
      ...CASES.flatMap((c) => [`${c.title}:`, caseTable(c), '']),
      `Server CPU: all its threads' user + system time over the measured window ÷ the echoes; client cores: the load client's CPU time ÷ the window (below 1.00, it was waiting for the server). Echoes checked byte for byte on a sample: every connection's first and one in 1,000 after (with deflate: every connection's first, and the first 200 of one connection inflated as one stream); any difference, error or close fails the server's figures.`,
      'Client headroom (the C echo sends the frames back as they are):',
      ...headroom,
      '',
      `Idle connections: ${formatNumber(connections)} WebSocket connections open, each having echoed one message; RSS after a full GC (SIGUSR2), lowest over ${timing.windowMs / 1000} s, minus the same after 1 s of the 1 KiB echo load, ÷ the connections held (÷ ws: that ÷ ws's, lower is less); then each echoes again (fd limit ${fdLimit}, ulimit -n raised for server and client):`,
      table(
        [
          'server',
          'baseline MiB',
          'connected MiB',
          'KiB/connection',
          '÷ ws',
          'held',
          'echoed again',
        ],
        idleRows,
      ),
      '',
      'Goals:',
      goalLine('1 KiB echo ≥ 1.0× ws', goals.text1KiBAtLeastWs, results.text1KiB?.skipped, 'ws'),
      goalLine(
        '1 KiB echo ≥ 5× tornado',
        goals.text1KiBAtLeast5xTornado,
        results.text1KiB?.skipped,
        'tornado',
      ),
      goalLine(
        'idle memory per connection ≤ ws',
        goals.idlePerConnectionAtMostWs,
        idleSkipped,
        'ws',
      ),
      'Reported:',
      reportLine('64 KiB binary, aio ÷ ws', reported.binary64KiB.ws),
      reportLine('64 KiB binary, aio ÷ tornado', reported.binary64KiB.tornado),
      reportLine('1 KiB deflate, aio ÷ ws', reported.deflate1KiB.ws),
      reportLine('1 KiB deflate, aio ÷ tornado', reported.deflate1KiB.tornado),
      ...notes,
    ].join('\n');

    const caseData = (c: EchoCase) => {
      const r = results[c.key];
      return (
        r && {
          title: c.title,
          medians: Object.fromEntries(
            [...CONTENDERS, ...(c.ceiling ? [CEILING] : [])].map((name) => [
              name,
              caseMedians(r, name),
            ]),
          ),
          rounds: r.rounds,
          skipped: r.skipped,
          failed: r.failed,
        }
      );
    };
    return {
      text,
      data: {
        plan: {
          rounds: plan.rounds,
          warmupMs: plan.warmupMs,
          durationMs: plan.durationMs,
          depth: DEPTH,
          pinning: pin.note,
        },
        text1KiB: caseData(CASES[0]!),
        binary64KiB: caseData(CASES[1]!),
        deflate1KiB: caseData(CASES[2]!),
        idle: { connections, fdLimit, servers: idle, skipped: idleSkipped, failed: idleFailed },
        goals,
        reported,
        failures,
        notes,
        peers: { ws, python: python ? `${python.path} ${python.version}` : null, tornado },
      },
    };
  },
};
