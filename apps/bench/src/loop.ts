/**
 * `pnpm bench loop`: the event loop against its peers, each comparison in one run.
 *
 * 1. callSoon chain: each callback schedules the next; callbacks per second. aio (hosted and
 *    blocking) against Node's `setImmediate` chain, CPython asyncio and uvloop.
 * 2. Timers: 100,000 timers with random delays up to 100 ms, one shared callback; time from
 *    before the first is scheduled until the last has fired (ideal: 100 ms). Against Node's
 *    `setTimeout`, asyncio and uvloop. One warm-up round first, for every contender.
 * 3. TCP echo: 1 KiB messages on 10 connections, driven by one C epoll load client
 *    (`src/peers/echo_client.c`, built here with `cc -O2`), against servers in their own
 *    processes: aio on `addReader`/`addWriter` + `Socket` (`src/servers/aio-echo.ts`) in hosted
 *    and in blocking mode, Node `net`, asyncio and uvloop (Protocol API), tornado (IOStream),
 *    and a C epoll echo server as the ceiling.
 * 4. Wake-up latency of an idle hosted loop: a Node timer calls `callSoon`; time until the
 *    callback runs. Beside it, the same from a Node timer to a `setImmediate` callback.
 *
 * Rounds alternate between contenders so machine noise hits them alike; medians are reported.
 */
import { EventLoop, type LoopMode } from '@aio/loop';
import { compileC, hasCompiler } from './lib/native';
import { findPython, tryPythonPeer, type Python } from './lib/peers';
import { median, progress, ratio, table, type Cell } from './lib/report';
import {
  nodeServer,
  pythonServer,
  runEchoServers,
  type EchoServer,
  standardEchoLoad,
} from './lib/servers';
import type { Benchmark, BenchOptions } from './cli';

const MODES: readonly LoopMode[] = ['hosted', 'blocking'];

/** callSoon chain on an aio loop: callbacks per second. */
async function aioChain(mode: LoopMode, callbacks: number): Promise<number> {
  const loop = new EventLoop({ mode });
  try {
    let n = 0;
    const tick = (): void => {
      if (++n < callbacks) loop.callSoon(tick);
      else loop.stop();
    };
    const start = performance.now();
    loop.callSoon(tick);
    await loop.runForever();
    return (callbacks / (performance.now() - start)) * 1000;
  } finally {
    loop.close();
  }
}

/** Node's setImmediate chain: callbacks per second. */
function immediateChain(callbacks: number): Promise<number> {
  return new Promise((resolve) => {
    let n = 0;
    const start = performance.now();
    const tick = (): void => {
      if (++n < callbacks) setImmediate(tick);
      else resolve((callbacks / (performance.now() - start)) * 1000);
    };
    setImmediate(tick);
  });
}

/** A deterministic pseudo-random sequence (mulberry32), so every round schedules the same delays. */
function delays(count: number, maxMs: number, seed: number): Float64Array {
  const out = new Float64Array(count);
  let a = seed >>> 0;
  for (let i = 0; i < count; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * maxMs;
  }
  return out;
}

/** N timers on an aio loop: ms from scheduling the first until the last fired. */
async function aioTimers(mode: LoopMode, schedule: Float64Array): Promise<number> {
  const loop = new EventLoop({ mode });
  try {
    let fired = 0;
    const done = (): void => {
      if (++fired === schedule.length) loop.stop();
    };
    const start = performance.now();
    for (const delay of schedule) loop.callLater(delay, done);
    await loop.runForever();
    return performance.now() - start;
  } finally {
    loop.close();
  }
}

/** The same with Node's setTimeout. */
function nodeTimers(schedule: Float64Array): Promise<number> {
  return new Promise((resolve) => {
    let fired = 0;
    const start = performance.now();
    const done = (): void => {
      if (++fired === schedule.length) resolve(performance.now() - start);
    };
    for (const delay of schedule) setTimeout(done, delay);
  });
}

/** Wake-up latency samples (µs) of an idle hosted loop: Node timer → callSoon → callback. */
async function wakeLatency(samples: number): Promise<number[]> {
  const loop = new EventLoop({ mode: 'hosted' });
  const latencies: number[] = [];
  try {
    loop.callLater(3_600_000, () => {}); // something to wait for: the loop parks
    const running = loop.runForever();
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (let i = 0; i < samples; i++) {
      await new Promise<void>((resolve) => {
        setTimeout(() => {
          const start = performance.now();
          loop.callSoon(() => {
            latencies.push((performance.now() - start) * 1000);
            resolve();
          });
        }, 2);
      });
    }
    loop.stop();
    await running;
  } finally {
    loop.close();
  }
  return latencies;
}

/** Node's own: timer → setImmediate → callback, for scale. */
async function immediateLatency(samples: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    await new Promise<void>((resolve) => {
      setTimeout(() => {
        const start = performance.now();
        setImmediate(() => {
          latencies.push((performance.now() - start) * 1000);
          resolve();
        });
      }, 2);
    });
  }
  return latencies;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function echoServers(python: Python | null): EchoServer[] {
  const servers = [
    nodeServer('aio hosted (addReader + Socket)', 'aio-echo', '--mode=hosted'),
    nodeServer('aio blocking (addReader + Socket)', 'aio-echo', '--mode=blocking'),
    nodeServer('Node net', 'node-echo'),
  ];
  if (python) {
    servers.push(
      pythonServer('asyncio (Protocol)', python.path, 'peers/echo_asyncio.py'),
      pythonServer('uvloop (Protocol)', python.path, 'peers/echo_asyncio.py', '--uvloop'),
      pythonServer('tornado (IOStream)', python.path, 'peers/echo_tornado.py'),
    );
  }
  return servers;
}

export const loopBenchmark: Benchmark = {
  name: 'loop',
  description:
    'callSoon chain, 100k timers, TCP echo (C load client), wake-up latency: aio vs Node, asyncio, uvloop, tornado',
  async run(options: BenchOptions) {
    const python = findPython();
    const rounds = options.quick ? 1 : 3;
    const notes: string[] = [];

    // 1. callSoon chain
    const chainN = options.quick ? 200_000 : 2_000_000;
    const pyChainN = options.quick ? 200_000 : 1_000_000;
    const chain: Record<string, number[]> = {
      hosted: [],
      blocking: [],
      setImmediate: [],
      asyncio: [],
      uvloop: [],
    };
    const chainSkipped: Record<string, string> = {};
    for (let round = 1; round <= rounds; round++) {
      for (const mode of MODES) {
        progress(`loop: callSoon chain, aio ${mode}, round ${round}/${rounds}`);
        chain[mode]!.push(await aioChain(mode, chainN));
      }
      progress(`loop: setImmediate chain, round ${round}/${rounds}`);
      chain.setImmediate!.push(await immediateChain(chainN / 2));
      for (const flavour of ['asyncio', 'uvloop'] as const) {
        if (chainSkipped[flavour]) continue;
        progress(`loop: call_soon chain, ${flavour}, round ${round}/${rounds}`);
        const result = await tryPythonPeer<{ callbacksPerSec: number }>(
          python,
          'loop_callsoon.py',
          {
            callbacks: pyChainN,
            uvloop: flavour === 'uvloop',
          },
        );
        if (typeof result === 'string') chainSkipped[flavour] = result;
        else chain[flavour]!.push(result.callbacksPerSec);
      }
    }
    const chainRate = (name: string): number | null =>
      chain[name]!.length ? median(chain[name]!) : null;

    // 2. timers
    const timerCount = 100_000;
    const maxDelay = 100;
    const schedule = delays(timerCount, maxDelay, 1);
    const timers: Record<string, number[]> = {
      hosted: [],
      blocking: [],
      setTimeout: [],
      asyncio: [],
      uvloop: [],
    };
    const timerSkipped: Record<string, string> = {};
    for (let round = 0; round <= rounds; round++) {
      const warmup = round === 0;
      const label = warmup ? 'warm-up' : `round ${round}/${rounds}`;
      for (const mode of MODES) {
        progress(`loop: 100k timers, aio ${mode}, ${label}`);
        const ms = await aioTimers(mode, schedule);
        if (!warmup) timers[mode]!.push(ms);
      }
      progress(`loop: 100k timers, Node setTimeout, ${label}`);
      const nodeMs = await nodeTimers(schedule);
      if (!warmup) timers.setTimeout!.push(nodeMs);
      if (warmup) continue; // the Python peers warm up inside their own run
      for (const flavour of ['asyncio', 'uvloop'] as const) {
        if (timerSkipped[flavour]) continue;
        progress(`loop: 100k timers, ${flavour}, ${label}`);
        const result = await tryPythonPeer<{ elapsedMs: number }>(python, 'loop_timers.py', {
          timers: timerCount,
          maxDelayMs: maxDelay,
          seed: 1,
          uvloop: flavour === 'uvloop',
        });
        if (typeof result === 'string') timerSkipped[flavour] = result;
        else timers[flavour]!.push(result.elapsedMs);
      }
    }
    const timerMs = (name: string): number | null =>
      timers[name]!.length ? median(timers[name]!) : null;

    // 3. TCP echo
    const { load, rounds: echoRounds } = standardEchoLoad(options.quick);
    let echo: Record<string, number[]> = {};
    let echoSkipped: Record<string, string> = {};
    let ceiling: number | null = null;
    if (!hasCompiler()) {
      notes.push('TCP echo skipped: no C compiler (cc) to build the load client');
    } else {
      const ceilingServer: EchoServer = {
        name: 'C epoll echo (ceiling)',
        command: compileC('echo_server.c'),
        args: ['0'],
      };
      const results = await runEchoServers(
        [...echoServers(python), ceilingServer],
        load,
        echoRounds,
        (m) => progress(`loop: ${m}`),
      );
      echo = results.samples;
      echoSkipped = results.skipped;
      ceiling = echo[ceilingServer.name] ? median(echo[ceilingServer.name]!) : null;
    }
    const echoRate = (name: string): number | null =>
      echo[name]?.length ? median(echo[name]) : null;

    // 4. wake-up latency
    const samples = options.quick ? 50 : 300;
    progress('loop: wake-up latency, aio hosted');
    const wake = await wakeLatency(samples);
    progress('loop: wake-up latency, Node setImmediate');
    const immediate = await immediateLatency(samples);

    // ─── report ───
    const uv = chainRate('uvloop');
    const chainRows: Cell[][] = [
      ['aio hosted', chainRate('hosted'), ratio(chainRate('hosted'), uv)],
      ['aio blocking', chainRate('blocking'), ratio(chainRate('blocking'), uv)],
      ['Node setImmediate', chainRate('setImmediate'), ratio(chainRate('setImmediate'), uv)],
      [
        `asyncio${chainSkipped.asyncio ? ` (${chainSkipped.asyncio})` : ''}`,
        chainRate('asyncio'),
        ratio(chainRate('asyncio'), uv),
      ],
      [
        `uvloop${chainSkipped.uvloop ? ` (${chainSkipped.uvloop})` : ''}`,
        uv,
        uv === null ? null : '1.00×',
      ],
    ];
    const timerRows: Cell[][] = (
      ['hosted', 'blocking', 'setTimeout', 'asyncio', 'uvloop'] as const
    ).map((name) => {
      const ms = timerMs(name);
      const label =
        name === 'hosted' || name === 'blocking'
          ? `aio ${name}`
          : name === 'setTimeout'
            ? 'Node setTimeout'
            : `${name}${timerSkipped[name] ? ` (${timerSkipped[name]})` : ''}`;
      return [label, ms, ms === null ? null : `${(ms / maxDelay).toFixed(2)}×`];
    });
    const uvEcho = echoRate('uvloop (Protocol)');
    const nodeEcho = echoRate('Node net');
    const echoNames = [
      'aio hosted (addReader + Socket)',
      'aio blocking (addReader + Socket)',
      'Node net',
      'asyncio (Protocol)',
      'uvloop (Protocol)',
      'tornado (IOStream)',
      'C epoll echo (ceiling)',
    ];
    const echoRows: Cell[][] = echoNames.map((name) => {
      const rate = echoRate(name);
      const skipped =
        echoSkipped[name] ??
        (rate === null && !python && /asyncio|uvloop|tornado/.test(name)
          ? 'python3 not found'
          : undefined);
      return [
        skipped ? `${name} (${skipped})` : name,
        rate,
        ratio(rate, uvEcho),
        ratio(rate, nodeEcho),
        ratio(rate, ceiling),
      ];
    });

    const aioChainMin = Math.min(chainRate('hosted') ?? 0, chainRate('blocking') ?? 0);
    const aioTimerMax = Math.max(timerMs('hosted') ?? Infinity, timerMs('blocking') ?? Infinity);
    const aioEchoMin = Math.min(
      echoRate('aio hosted (addReader + Socket)') ?? 0,
      echoRate('aio blocking (addReader + Socket)') ?? 0,
    );
    const goal = (met: boolean | null): string =>
      met === null ? 'not measured (peer missing)' : met ? 'met' : 'NOT met';
    const text = [
      `callSoon chain: callbacks/s (median of ${rounds}; aio ${chainN.toLocaleString('en-US')} callbacks, Python ${pyChainN.toLocaleString('en-US')})`,
      table(['loop', 'callbacks/s', '÷ uvloop'], chainRows),
      '',
      `${timerCount.toLocaleString('en-US')} timers, random delays up to ${maxDelay} ms: ms until all fired (median of ${rounds}, after a warm-up)`,
      table(['loop', 'ms', '× ideal'], timerRows),
      '',
      hasCompiler()
        ? `TCP echo, ${load.connections} connections, ${load.messageSize}-byte messages, ${load.durationMs / 1000} s each (median of ${echoRounds}); load: C epoll client (src/peers/echo_client.c), once a first client has come and gone`
        : 'TCP echo: skipped (no C compiler)',
      table(['server', 'req/s', '÷ uvloop', '÷ Node net', '÷ C ceiling'], echoRows),
      '',
      `Wake-up latency of an idle hosted loop (Node timer → callSoon → callback), ${samples} samples`,
      table(
        ['path', 'median µs', 'p99 µs'],
        [
          ['aio hosted loop, parked', median(wake), percentile(wake, 99)],
          ['Node timer → setImmediate', median(immediate), percentile(immediate, 99)],
        ],
      ),
      '',
      'Goals:',
      `  callSoon chain ≥ 3× uvloop (both modes): ${goal(uv === null ? null : aioChainMin >= 3 * uv)} (${ratio(aioChainMin, uv) ?? '—'})`,
      `  100k timers within 1.5× of ideal (both modes): ${goal(aioTimerMax <= 1.5 * maxDelay)} (${(aioTimerMax / maxDelay).toFixed(2)}×)`,
      `  echo ≥ uvloop (both modes): ${goal(uvEcho === null ? null : aioEchoMin >= uvEcho)} (${ratio(aioEchoMin, uvEcho) ?? '—'})`,
      `  echo ≥ 1.3× Node net (both modes): ${goal(nodeEcho === null ? null : aioEchoMin >= 1.3 * nodeEcho)} (${ratio(aioEchoMin, nodeEcho) ?? '—'})`,
      ...notes,
    ].join('\n');

    return {
      text,
      data: {
        callSoonChain: {
          callbacksPerSec: Object.fromEntries(Object.keys(chain).map((k) => [k, chainRate(k)])),
          samples: chain,
          skipped: chainSkipped,
        },
        timers: {
          count: timerCount,
          maxDelayMs: maxDelay,
          elapsedMs: Object.fromEntries(Object.keys(timers).map((k) => [k, timerMs(k)])),
          samples: timers,
          skipped: timerSkipped,
        },
        echo: {
          load,
          client: 'src/peers/echo_client.c (C, epoll, one thread)',
          requestsPerSec: Object.fromEntries(echoNames.map((n) => [n, echoRate(n)])),
          samples: echo,
          skipped: echoSkipped,
        },
        wakeLatencyUs: {
          aioHosted: { median: median(wake), p99: percentile(wake, 99) },
          nodeSetImmediate: { median: median(immediate), p99: percentile(immediate, 99) },
        },
        peers: { python: python ? `${python.path} ${python.version}` : null },
      },
    };
  },
};
