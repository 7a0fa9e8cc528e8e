/**
 * `pnpm bench httpclient`: @aio/tornado's `AsyncHTTPClient` (with its keep-alive pool) against
 * undici's `Pool` and tornado 6's own `AsyncHTTPClient`, fetching a small fixed response from the
 * same local server, in one run.
 *
 * The server is nginx (`src/lib/hello-server.ts`: Debian's `/usr/sbin/nginx`, started by the
 * bench with its own config on a free loopback port, `return 200 "hello"`, keep-alive limits
 * that never close a connection mid-run), or Node's `http` answering the same when nginx is not
 * installed. It runs pinned to CPU 0, the client to CPU 1 (where there are two CPUs and taskset),
 * a fresh server for each client run.
 *
 * Each client runs in a process of its own and makes N requests, C at a time (C workers, each
 * fetching in a loop), after a warm-up of requests to another path, unmeasured:
 * - aio: `new AsyncHTTPClient({ forceInstance: true, maxClients: C })` on an IOLoop, the workers
 *   `gen.coroutine`s yielding `client.fetch(url)`, in the loop's hosted (default) and blocking
 *   modes (`src/children/httpclient-aio.ts`);
 * - undici: `new Pool(origin, { connections: C })`, async workers awaiting `pool.request()` and
 *   `body.text()` (`src/children/httpclient-undici.ts`);
 * - tornado 6 (`/usr/bin/python3`): `AsyncHTTPClient(force_instance=True, max_clients=C)`, the
 *   simple client, which closes each connection after its request (`src/peers/httpclient_tornado.py`).
 * Every client times its measured requests itself: wall time and its own process's CPU time
 * (user + system), and counts a response only if it is a 200 with the body `hello`.
 *
 * Requests per connection are measured at the server: its access log has each request's
 * connection serial number (`src/lib/access-log.ts`); the measured requests ÷ the distinct
 * connections that carried them. The log also checks the count: a run whose server did not log
 * exactly N measured 200s, or whose client counted a failure, fails, loudly.
 *
 * Rounds alternate between clients so machine noise hits them alike; medians are reported.
 * Goals (the HTTP client issue): aio (hosted) ≥ 1.0× undici Pool's and ≥ 5× tornado's requests
 * per second.
 */
import { spawn } from 'node:child_process';
import { countConnections, type ConnectionCounts } from './lib/access-log';
import { helloServerKind, startHelloServer, type HelloServer } from './lib/hello-server';
import type { ClientLoadResult } from './lib/httpclient-load';
import { benchSource, builtScript } from './lib/paths';
import { findPython, tornadoVersion } from './lib/peers';
import { pinning, type Pinning } from './lib/pinning';
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
import { track } from './lib/servers';
import type { Benchmark, BenchOptions } from './cli';

const CLIENTS = {
  aioHosted: 'aio AsyncHTTPClient, hosted',
  aioBlocking: 'aio AsyncHTTPClient, blocking',
  undici: 'undici Pool',
  tornado: 'tornado AsyncHTTPClient',
} as const;
type ClientKey = keyof typeof CLIENTS;
const CLIENT_KEYS = Object.keys(CLIENTS) as ClientKey[];

/** Requests in flight: the workers, and each client's connection or request limit. */
const CONCURRENCY = 50;
/** The path of the measured requests, and of the warm-up's (told apart in the server's log). */
const MEASURED_PATH = '/';
const WARMUP_PATH = '/warm';
/** The most one client process may take. */
const CLIENT_TIMEOUT_MS = 300_000;
/** The exit code a peer uses to say its runtime or library is missing. */
const EXIT_NOT_INSTALLED = 3;

interface Scale {
  readonly requests: number;
  /** Warm-up requests of the Node clients (JIT compiling, pool filling). */
  readonly warmupRequests: number;
  /** tornado's: Python has no JIT to warm; enough to import and start everything. */
  readonly pythonWarmupRequests: number;
  readonly rounds: number;
}

function scale(quick: boolean): Scale {
  return quick
    ? { requests: 5_000, warmupRequests: 1_000, pythonWarmupRequests: 100, rounds: 1 }
    : { requests: 20_000, warmupRequests: 2_000, pythonWarmupRequests: 200, rounds: 3 };
}

/** One client run: the client's figures and the server's count of connections. */
export interface ClientRound {
  readonly requestsPerSec: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly cpuUsPerRequest: number;
  /** The client's CPU time ÷ its wall time: cores busy. */
  readonly clientCores: number;
  readonly server: ConnectionCounts;
  readonly clientConnections: number | null;
}

/** Thrown when a client exits with code 3: its runtime or library is not installed. */
class NotInstalledError extends Error {}

/** Runs one client process and gives back the JSON line it printed. */
function runClient(command: string, args: readonly string[]): Promise<ClientLoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLIENT_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${command}: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === EXIT_NOT_INSTALLED) {
        reject(new NotInstalledError(stderr.trim() || 'not installed'));
        return;
      }
      if (code !== 0) {
        const how = signal === null ? `exited with code ${code}` : `was killed (${signal})`;
        const why = stderr.trim().split('\n').at(-1) ?? '';
        reject(new Error(`${args.at(-2) ?? command} ${how}${why ? `: ${why}` : ''}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as ClientLoadResult);
      } catch {
        reject(new Error(`the client printed something that is not JSON: ${stdout.slice(0, 200)}`));
      }
    });
  });
}

/** The command line of `key`'s client for `server` (null: it cannot run here). */
function clientCommand(
  key: ClientKey,
  server: HelloServer,
  s: Scale,
  python: string | null,
  pin: Pinning,
): string[] | null {
  const origin = `http://127.0.0.1:${server.port}`;
  const load = {
    url: `${origin}${MEASURED_PATH}`,
    warmupUrl: `${origin}${WARMUP_PATH}`,
    requests: s.requests,
    warmupRequests: s.warmupRequests,
    concurrency: CONCURRENCY,
  };
  let command: string[];
  switch (key) {
    case 'aioHosted':
    case 'aioBlocking': {
      const mode = key === 'aioHosted' ? 'hosted' : 'blocking';
      command = [
        process.execPath,
        builtScript('children/httpclient-aio'),
        JSON.stringify({ ...load, mode }),
      ];
      break;
    }
    case 'undici':
      command = [process.execPath, builtScript('children/httpclient-undici'), JSON.stringify(load)];
      break;
    case 'tornado':
      if (python === null) return null;
      command = [
        python,
        benchSource('peers/httpclient_tornado.py'),
        JSON.stringify({ ...load, warmupRequests: s.pythonWarmupRequests }),
      ];
      break;
  }
  return [...pin.client, ...command];
}

/** Checks a client run against the server's log; throws saying what does not add up. */
function checked(result: ClientLoadResult, counts: ConnectionCounts, requests: number): void {
  const problems: string[] = [];
  if (result.failed > 0) {
    problems.push(`${formatNumber(result.failed)} requests failed (${result.firstError})`);
  }
  if (result.ok + result.failed !== requests) {
    problems.push(`the client counted ${formatNumber(result.ok + result.failed)} requests`);
  }
  if (counts.requests !== requests) {
    problems.push(`the server logged ${formatNumber(counts.requests)} measured requests`);
  }
  if (counts.non200 > 0) problems.push(`the server answered ${counts.non200} with another status`);
  if (problems.length > 0) {
    throw new Error(`${problems.join('; ')} (of ${formatNumber(requests)})`);
  }
}

interface Measured {
  readonly rounds: Partial<Record<ClientKey, ClientRound[]>>;
  readonly skipped: Partial<Record<ClientKey, string>>;
  readonly failed: Partial<Record<ClientKey, string>>;
  readonly versions: Record<string, string>;
}

async function measure(
  s: Scale,
  python: string | null,
  pin: Pinning,
  skipped: Partial<Record<ClientKey, string>>,
): Promise<Measured> {
  const kind = helloServerKind();
  const rounds: Partial<Record<ClientKey, ClientRound[]>> = {};
  const failed: Partial<Record<ClientKey, string>> = {};
  const versions: Record<string, string> = {};
  for (let round = 1; round <= s.rounds; round++) {
    for (const key of CLIENT_KEYS) {
      if (skipped[key] !== undefined || failed[key] !== undefined) continue;
      progress(
        `httpclient: ${CLIENTS[key]}, ${formatNumber(s.requests)} requests, round ${round}/${s.rounds}`,
      );
      let server: HelloServer | null = null;
      try {
        server = await startHelloServer(kind, pin);
        const command = clientCommand(key, server, s, python, pin)!;
        const result = await runClient(command[0]!, command.slice(1));
        const log = await server.stop();
        const counts = countConnections(log, MEASURED_PATH);
        checked(result, counts, s.requests);
        Object.assign(versions, result.versions);
        (rounds[key] ??= []).push({
          requestsPerSec: (s.requests / result.wallMs) * 1000,
          wallMs: result.wallMs,
          cpuMs: result.cpuMs,
          cpuUsPerRequest: (result.cpuMs / s.requests) * 1000,
          clientCores: result.cpuMs / result.wallMs,
          server: counts,
          clientConnections: result.clientConnections ?? null,
        });
      } catch (err) {
        if (err instanceof NotInstalledError) {
          skipped[key] = 'not installed';
        } else {
          failed[key] = `round ${round}: ${(err as Error).message.split('\n')[0]!}`;
        }
      } finally {
        await server?.stop();
      }
    }
  }
  return { rounds, skipped, failed, versions };
}

/** The medians of a client's rounds; null if it has none or failed. */
function medians(m: Measured, key: ClientKey) {
  const rounds = m.rounds[key];
  if (!rounds?.length || m.failed[key] !== undefined) return null;
  const of = (pick: (r: ClientRound) => number): number => median(rounds.map(pick));
  return {
    requestsPerSec: of((r) => r.requestsPerSec),
    cpuUsPerRequest: of((r) => r.cpuUsPerRequest),
    clientCores: of((r) => r.clientCores),
    requestsPerConnection: of((r) => r.server.requestsPerConnection),
    connections: of((r) => r.server.connections),
    maxPerConnection: Math.max(...rounds.map((r) => r.server.maxPerConnection)),
  };
}

export const httpclientBenchmark: Benchmark = {
  name: 'httpclient',
  description:
    'HTTP client requests/s against a local keep-alive nginx (20,000 GETs, 50 in flight), CPU per request, requests per connection: aio AsyncHTTPClient vs undici Pool, tornado 6 AsyncHTTPClient',
  async run(options: BenchOptions) {
    const s = scale(options.quick);
    const pin = pinning('the clients');
    const kind = helloServerKind();
    const python = findPython();
    const tornado = python ? tornadoVersion(python.path) : null;
    const skipped: Partial<Record<ClientKey, string>> = {};
    if (!python) skipped.tornado = 'python3 not found';
    else if (!tornado) skipped.tornado = `tornado not installed for ${python.path}`;
    const notes = [kind.note, pin.note].filter((n): n is string => n !== null);

    const m = await measure(s, tornado ? python!.path : null, pin, skipped);

    const figures = Object.fromEntries(CLIENT_KEYS.map((k) => [k, medians(m, k)])) as Record<
      ClientKey,
      ReturnType<typeof medians>
    >;
    const aio = figures.aioHosted;
    const aioFailed = m.failed.aioHosted ?? null;
    /** aio's CPU per request beside the peer's: "; CPU per request 61.2 µs against 42.0 µs". */
    const cpuBeside = (peer: number | null | undefined): string =>
      aio && peer != null
        ? `; CPU per request ${formatNumber(aio.cpuUsPerRequest)} µs against ${formatNumber(peer)} µs`
        : '';
    const goals = {
      atLeastUndiciPool: judge(
        aio?.requestsPerSec ?? null,
        figures.undici?.requestsPerSec ?? null,
        1,
        aioFailed,
      ),
      atLeast5xTornado: judge(
        aio?.requestsPerSec ?? null,
        figures.tornado?.requestsPerSec ?? null,
        5,
        aioFailed,
      ),
    };

    const rows: Cell[][] = CLIENT_KEYS.map((key) => {
      const f = figures[key];
      const why = m.failed[key] !== undefined ? `FAILED: ${m.failed[key]}` : m.skipped[key];
      return [
        why === undefined ? CLIENTS[key] : `${CLIENTS[key]} (${why})`,
        f?.requestsPerSec ?? null,
        ratio(f?.requestsPerSec ?? null, figures.undici?.requestsPerSec ?? null),
        ratio(f?.requestsPerSec ?? null, figures.tornado?.requestsPerSec ?? null),
        f?.cpuUsPerRequest ?? null,
        ratio(f?.cpuUsPerRequest ?? null, figures.undici?.cpuUsPerRequest ?? null),
        f?.clientCores ?? null,
        f?.requestsPerConnection ?? null,
        f?.connections ?? null,
      ];
    });
    const failures = CLIENT_KEYS.flatMap((k) =>
      m.failed[k] === undefined ? [] : [`${CLIENTS[k]}: ${m.failed[k]}`],
    );
    const v = m.versions;
    const peers = [
      `Node ${process.version}`,
      v.undici ? `undici ${v.undici}` : null,
      python ? `Python ${python.version}` : 'no Python',
      tornado ? `tornado ${tornado}` : null,
    ].filter((p) => p !== null);
    const text = [
      ...(failures.length ? ['FAILED measurements:', ...failures.map((f) => `  ${f}`), ''] : []),
      `${formatNumber(s.requests)} GETs of a 5-byte "hello", ${CONCURRENCY} in flight, from ${kind.name} on 127.0.0.1 (a fresh server each run), each client in a process of its own after ${formatNumber(s.warmupRequests)} warm-up requests (tornado: ${formatNumber(s.pythonWarmupRequests)}); median of ${s.rounds} alternating round${s.rounds === 1 ? '' : 's'}; ${peers.join(', ')}`,
      table(
        [
          'client',
          'req/s',
          '÷ undici Pool',
          '÷ tornado',
          'µs CPU/req',
          'CPU ÷ undici',
          'client cores',
          'req/conn (server)',
          'connections',
        ],
        rows,
      ),
      '',
      "Client CPU: the client process's user + system time over its measured requests ÷ the requests; client cores: that time ÷ the wall time. req/conn: the measured requests ÷ the connections that carried them, from the server's access log ($connection, $connection_requests).",
      '',
      "Goals (aio hosted, the IOLoop's default mode):",
      `  ≥ 1.0× undici Pool: ${verdict(goals.atLeastUndiciPool, cpuBeside(figures.undici?.cpuUsPerRequest))}`,
      `  ≥ 5× tornado AsyncHTTPClient: ${verdict(goals.atLeast5xTornado, cpuBeside(figures.tornado?.cpuUsPerRequest))}`,
      ...notes,
    ].join('\n');

    return {
      text,
      data: {
        server: kind.name,
        requests: s.requests,
        warmupRequests: s.warmupRequests,
        pythonWarmupRequests: s.pythonWarmupRequests,
        concurrency: CONCURRENCY,
        rounds: s.rounds,
        pinning: pin.note,
        medians: Object.fromEntries(CLIENT_KEYS.map((k) => [CLIENTS[k], figures[k]])),
        samples: Object.fromEntries(CLIENT_KEYS.map((k) => [CLIENTS[k], m.rounds[k] ?? []])),
        skipped: Object.fromEntries(
          Object.entries(m.skipped).map(([k, why]) => [CLIENTS[k as ClientKey], why]),
        ),
        failed: Object.fromEntries(
          Object.entries(m.failed).map(([k, why]) => [CLIENTS[k as ClientKey], why]),
        ),
        goals,
        notes,
        peers: {
          undici: v.undici ?? null,
          python: python ? `${python.path} ${python.version}` : null,
          tornado,
        },
      },
    };
  },
};
