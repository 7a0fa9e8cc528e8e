/**
 * `pnpm bench crawl`: the crawler's event-loop stages (apps/crawler) against Python crawlers
 * downloading the same pages from the same site, in one run.
 *
 * Scales (the crawler issue's): 1,000 pages of 2 KiB, 100 at a time, 100 ms latency each (3
 * rounds); then 10,000 pages, 1,000 at a time (1 round). `--quick` runs the first scale, 1 round.
 *
 * Each round runs the crawler once, then each Python peer once, so that machine noise coming and
 * going over minutes falls on both sides alike; figures are medians over the rounds.
 *
 * 1. The aio stages and Node's fetch: the crawler CLI itself, `pnpm crawl --json --strategy
 *    callbacks,…,webspider,node-fetch --pages … --concurrency … --warmup …`, in a child process
 *    run from its sources through its own tsx, as `pnpm crawl` runs it. It starts its own embedded
 *    site and runs each stage in a fresh process. At 1,000 pages it runs twice a round: COLD
 *    (`--warmup 0`, the first crawl in a fresh process, as a user runs a crawl once) and WARM
 *    (after 6 unmeasured crawls there: V8 compiles the hot code on the way, as a long-running
 *    crawler would have it; see Scale.warmups); the 10,000-page scale is cold only. Its documents
 *    are read and merged by src/lib/crawler-output.ts.
 * 2. The Python peers: the crawler's embedded site server started on its own (same pages,
 *    latency and size), crawled in turn by asyncio raw sockets, the same on uvloop, and tornado's
 *    AsyncHTTPClient (`src/peers/crawl_asyncio.py`, `crawl_tornado.py`), each in a process of its
 *    own that times the crawl alone.
 *
 * Every client's CPU time is its own process's (user + system); the site runs in another
 * process. A page counts as fetched only when its body is the site's page, byte for byte. The
 * goals (src/lib/crawl-goals.ts: at 1,000 pages, cold and warm, wall at or below the best Python
 * peer's and CPU at most asyncio's, 1.2× it cold; tornado and webspider also at most 0.5× the
 * tornado peer's and Node fetch's) are judged for the seven event-loop stages. At 1,000 clients the
 * open-file limit matters: the crawler and the site each hold 1,000 sockets, so both are started
 * with their soft limit raised (up to the hard limit) when it is lower than that.
 *
 * `pnpm bench crawl --distributed` measures the crawler's distributed mode instead (1, 2 and 4
 * worker processes on a Redis frontier): see crawl-distributed.ts.
 */
import {
  bestPeer,
  CPU_OVER_ASYNCIO,
  describeLargeGoal,
  describeStandardGoal,
  EVENT_LOOP_STAGES,
  HTTP_CLIENT_STAGES,
  largeGoal,
  standardGoal,
  type Figures,
  type LargeGoal,
  type StandardGoal,
  type Temperature,
} from './lib/crawl-goals';
import { distributedCrawlBenchmark } from './crawl-distributed';
import { runCrawler, startCrawlerSite } from './lib/crawler';
import {
  mergeCrawlerOutputs,
  type CrawlerOutput,
  type CrawlerResult,
  type CrawlerRun,
} from './lib/crawler-output';
import { hardFdLimit, softFdLimit } from './lib/fd-limit';
import { findPython, tryPythonPeer, type Python } from './lib/peers';
import { formatNumber, median, progress, ratio, table, type Cell } from './lib/report';
import type { Benchmark, BenchOptions } from './cli';

/** The crawler's strategies this benchmark runs: the event-loop stages, then Node's fetch. */
const NODE_FETCH = 'node-fetch';
const STRATEGIES = [...EVENT_LOOP_STAGES, NODE_FETCH] as const;

/** The Python peers, in the order they run within a round. */
const PEERS = [
  { key: 'asyncio', name: 'asyncio raw sockets', script: 'crawl_asyncio.py', args: {} },
  { key: 'uvloop', name: 'uvloop raw sockets', script: 'crawl_asyncio.py', args: { uvloop: true } },
  {
    key: 'tornado',
    name: 'tornado AsyncHTTPClient',
    script: 'crawl_tornado.py',
    args: {},
  },
] as const;
type PeerKey = (typeof PEERS)[number]['key'];

/** fds a process needs besides its sockets (stdio, epoll, listener, Node's own…). */
const FD_HEADROOM = 256;

interface Scale {
  readonly key: 'standard' | 'large';
  readonly pages: number;
  readonly concurrency: number;
  readonly latencyMs: number;
  readonly sizeBytes: number;
  readonly rounds: number;
  /**
   * Unmeasured crawls each aio stage runs in its process before the measured one (`--warmup`),
   * so that it is measured on JIT-compiled code; Python has no JIT to warm. V8 goes on compiling
   * for about five crawls of 1,000 pages (functions optimized in the 1st to 7th crawl of the
   * async-await stage, counted with --trace-opt: 196, 122, 84, 34, 8, 8, 2), on threads whose CPU
   * time counts as the process's.
   */
  readonly warmups: number;
  /** The crawler's runs per round: cold (`--warmup 0`), then warm (`--warmup warmups`). */
  readonly temperatures: readonly Temperature[];
  /** Each peer's per-page timeout (tornado counts its queue time in it too: see the peer). */
  readonly peerTimeoutMs: number;
  /** The most one peer process may take. */
  readonly peerProcessTimeoutMs: number;
  /** The most one crawler process may take (one round: every stage, warm-ups included). */
  readonly crawlerTimeoutMs: number;
}

function scales(quick: boolean): Scale[] {
  const common = { latencyMs: 100, sizeBytes: 2048 };
  const standard: Scale = {
    key: 'standard',
    pages: 1_000,
    concurrency: 100,
    rounds: quick ? 1 : 3,
    warmups: quick ? 1 : 6,
    temperatures: ['cold', 'warm'],
    peerTimeoutMs: 30_000,
    peerProcessTimeoutMs: 120_000,
    crawlerTimeoutMs: 600_000,
    ...common,
  };
  const large: Scale = {
    key: 'large',
    pages: 10_000,
    concurrency: 1_000,
    rounds: 1,
    warmups: 0,
    temperatures: ['cold'],
    peerTimeoutMs: 120_000,
    peerProcessTimeoutMs: 300_000,
    crawlerTimeoutMs: 900_000,
    ...common,
  };
  return quick ? [standard] : [standard, large];
}

/** The crawler's `--warmup` for one temperature of `scale`. */
function warmupsFor(scale: Scale, temperature: Temperature): number {
  return temperature === 'cold' ? 0 : scale.warmups;
}

/** ceil(pages / concurrency) × latency: the crawler's floor, for the peers. */
function floorMs(scale: Scale): number {
  return Math.ceil(scale.pages / scale.concurrency) * scale.latencyMs;
}

const count = (n: number): string => formatNumber(n);

interface PeerAnswer extends Omit<CrawlerRun, 'peakRssMiB'> {
  readonly python: string;
  readonly uvloop?: string;
  readonly tornado?: string;
}

function isPeerAnswer(value: unknown): value is PeerAnswer {
  const v = value as Partial<Record<keyof PeerAnswer, unknown>>;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.wallMs === 'number' &&
    typeof v.cpuMs === 'number' &&
    typeof v.fetched === 'number' &&
    typeof v.failed === 'number'
  );
}

/** A contender's figures: median wall and CPU time; fetched and failed of its worst run. */
interface Contender extends Figures {
  readonly runs: readonly Omit<CrawlerRun, 'peakRssMiB'>[];
}

function worstRun<T extends { failed: number }>(runs: readonly T[]): T | undefined {
  return runs.reduce<T | undefined>(
    (worst, run) => (!worst || run.failed > worst.failed ? run : worst),
    undefined,
  );
}

function stageFigures(result: CrawlerResult): Contender {
  const worst = worstRun(result.runs) ?? result;
  const firstError = worst.firstError ?? result.firstError;
  return {
    wallMs: result.wallMs,
    cpuMs: result.cpuMs,
    fetched: worst.fetched,
    failed: worst.failed,
    floorMs: result.floorMs,
    ...(firstError === undefined ? {} : { firstError }),
    runs: result.runs,
  };
}

function peerFigures(answers: readonly PeerAnswer[], floor: number): Contender {
  const worst = worstRun(answers)!;
  return {
    wallMs: median(answers.map((a) => a.wallMs)),
    cpuMs: median(answers.map((a) => a.cpuMs)),
    fetched: worst.fetched,
    failed: worst.failed,
    floorMs: floor,
    ...(worst.firstError === undefined ? {} : { firstError: worst.firstError }),
    runs: answers.map(({ wallMs, cpuMs, fetched, failed, firstError }) => ({
      wallMs,
      cpuMs,
      fetched,
      failed,
      ...(firstError === undefined ? {} : { firstError }),
    })),
  };
}

interface PeerRuns {
  readonly figures: Partial<Record<PeerKey, Contender>>;
  readonly skipped: Partial<Record<PeerKey, string>>;
  readonly versions: { python?: string; uvloop?: string; tornado?: string };
}

/** The Python peers of one scale: the site they crawl, and what they answered so far. */
interface PeerSession {
  readonly site: { readonly port: number; stop(): Promise<void> } | null;
  readonly skipped: Partial<Record<PeerKey, string>>;
  readonly answers: Partial<Record<PeerKey, PeerAnswer[]>>;
  readonly versions: PeerRuns['versions'];
}

/**
 * Starts the crawler's site for `scale`'s Python peers (none without Python). A peer that
 * `notInstalled` already names is skipped with that reason.
 */
async function startPeers(
  scale: Scale,
  python: Python | null,
  notInstalled: Partial<Record<PeerKey, string>>,
  fdLimit: number | null,
): Promise<PeerSession> {
  const skipped: Partial<Record<PeerKey, string>> = { ...notInstalled };
  if (!python) {
    for (const peer of PEERS) skipped[peer.key] = 'python3 not found';
    return { site: null, skipped, answers: {}, versions: {} };
  }
  const what = `${count(scale.pages)} pages, ${count(scale.concurrency)} at a time`;
  progress(`crawl: ${what}: starting the crawler's site for the Python peers`);
  const site = await startCrawlerSite({ ...scale, fdLimit });
  return { site, skipped, answers: {}, versions: {} };
}

/**
 * Runs each peer once against the session's site, one after another. A peer that cannot run
 * (not installed, failed) is skipped from then on, with the reason.
 */
async function runPeerRound(
  scale: Scale,
  python: Python | null,
  session: PeerSession,
  round: number,
): Promise<void> {
  const { site, skipped, answers, versions } = session;
  if (!python || !site) return;
  const what = `${count(scale.pages)} pages, ${count(scale.concurrency)} at a time`;
  for (const peer of PEERS) {
    if (skipped[peer.key]) continue;
    progress(`crawl: ${what}: ${peer.name}, round ${round}/${scale.rounds}`);
    const answer = await tryPythonPeer<unknown>(
      python,
      peer.script,
      {
        host: '127.0.0.1',
        port: site.port,
        pages: scale.pages,
        concurrency: scale.concurrency,
        timeoutMs: scale.peerTimeoutMs,
        size: scale.sizeBytes,
        ...peer.args,
      },
      scale.peerProcessTimeoutMs,
    );
    if (typeof answer === 'string') {
      skipped[peer.key] = answer;
    } else if (!isPeerAnswer(answer)) {
      skipped[peer.key] = `answered ${JSON.stringify(answer).slice(0, 120)}`;
    } else {
      (answers[peer.key] ??= []).push(answer);
      versions.python = answer.python;
      if (answer.uvloop) versions.uvloop = answer.uvloop;
      if (answer.tornado) versions.tornado = answer.tornado;
    }
  }
}

/** The peers' figures: medians of their rounds. */
function peerResults(scale: Scale, session: PeerSession): PeerRuns {
  const { skipped, answers, versions } = session;
  const figures: Partial<Record<PeerKey, Contender>> = {};
  for (const peer of PEERS) {
    // A peer that failed in a later round is reported as skipped, with why: not half-measured.
    const got = answers[peer.key];
    if (got?.length && !skipped[peer.key]) figures[peer.key] = peerFigures(got, floorMs(scale));
  }
  return { figures, skipped, versions };
}

/** The crawler's stages at one temperature: its merged document, figures, what is missing. */
interface StageRuns {
  readonly crawler: CrawlerOutput;
  readonly stages: Partial<Record<string, Contender>>;
  /** Why a stage has no figures (refused by the crawler, or missing from its output). */
  readonly stagesMissing: Partial<Record<string, string>>;
}

/** One scale, measured: the crawler's stages at each of its temperatures, the peers' figures. */
interface Measured {
  readonly scale: Scale;
  readonly runs: Partial<Record<Temperature, StageRuns>>;
  readonly peers: PeerRuns;
}

function stageRuns(outputs: readonly CrawlerOutput[]): StageRuns {
  const crawler = mergeCrawlerOutputs(outputs);
  const stages: Partial<Record<string, Contender>> = {};
  const stagesMissing: Partial<Record<string, string>> = {};
  for (const strategy of STRATEGIES) {
    const result = crawler.results.find((r) => r.strategy === strategy);
    const refused = crawler.refused.find((r) => r.strategy === strategy);
    if (result) stages[strategy] = stageFigures(result);
    else
      stagesMissing[strategy] = refused
        ? `refused by the crawler: ${refused.why}`
        : "missing from the crawler's output";
  }
  return { crawler, stages, stagesMissing };
}

async function measure(
  scale: Scale,
  python: Python | null,
  notInstalled: Partial<Record<PeerKey, string>>,
  notes: string[],
): Promise<Measured> {
  const what = `${count(scale.pages)} pages, ${count(scale.concurrency)} at a time`;
  const needed = scale.concurrency + FD_HEADROOM;
  const soft = softFdLimit();
  const hard = hardFdLimit();
  const fdLimit = soft >= needed ? null : Math.min(needed * 2, hard);
  if (hard < needed) {
    notes.push(
      `${what}: the hard fd limit is ${hard}, under the ${count(needed)} fds each of the crawler and the site needs (${count(scale.concurrency)} sockets and some); pages may fail with EMFILE`,
    );
  }

  // Round by round, the crawler's stages (one run each), then each peer once: machine noise
  // that comes and goes over minutes then falls on aio and on the peers alike.
  const session = await startPeers(scale, python, notInstalled, fdLimit);
  const outputs: Partial<Record<Temperature, CrawlerOutput[]>> = {};
  try {
    for (let round = 1; round <= scale.rounds; round++) {
      for (const temperature of scale.temperatures) {
        const warmups = warmupsFor(scale, temperature);
        progress(
          `crawl: ${what}: the crawler's ${STRATEGIES.length} stages, ${temperature}${warmups > 0 ? ` (after ${warmups} warm-up crawls)` : ''}, round ${round}/${scale.rounds}`,
        );
        (outputs[temperature] ??= []).push(
          await runCrawler({
            strategies: STRATEGIES,
            pages: scale.pages,
            concurrency: scale.concurrency,
            latencyMs: scale.latencyMs,
            sizeBytes: scale.sizeBytes,
            repeat: 1,
            warmups,
            pageTimeoutMs: scale.peerTimeoutMs,
            fdLimit,
            timeoutMs: scale.crawlerTimeoutMs,
          }),
        );
      }
      await runPeerRound(scale, python, session, round);
    }
  } finally {
    await session.site?.stop();
  }
  const runs: Partial<Record<Temperature, StageRuns>> = {};
  for (const temperature of scale.temperatures)
    runs[temperature] = stageRuns(outputs[temperature]!);
  const peers = peerResults(scale, session);

  const errors = [
    ...Object.values(runs).flatMap((r) => Object.values(r.stages).map((s) => s?.firstError)),
    ...Object.values(peers.figures).map((p) => p?.firstError),
    ...Object.values(peers.skipped),
  ];
  if (errors.some((e) => e && /EMFILE|too many open files/i.test(e))) {
    notes.push(
      `${what}: some client ran out of file descriptors (EMFILE): ${count(scale.concurrency)} client sockets, and as many on the server, need \`ulimit -n\` above ${count(needed)} (soft ${soft}, hard ${hard} here)`,
    );
  }
  return { scale, runs, peers };
}

/** The temperatures `m` measured, each with its stages' runs. */
function measuredRuns(m: Measured): [Temperature, StageRuns][] {
  return m.scale.temperatures.map((t) => [t, m.runs[t]!]);
}

/** The label of an aio stage: `aio callbacks (§3.5)`. */
function stageLabel(m: Measured, strategy: string): string {
  if (strategy === NODE_FETCH) return "Node fetch (the crawler's node-fetch)";
  const section = measuredRuns(m)
    .flatMap(([, r]) => r.crawler.results)
    .find((r) => r.strategy === strategy)?.section;
  return `aio ${strategy}${section ? ` (§${section})` : ''}`;
}

function peerLabel(m: Measured, key: PeerKey): string {
  const { versions } = m.peers;
  switch (key) {
    case 'asyncio':
      return `asyncio raw sockets${versions.python ? ` (Python ${versions.python})` : ''}`;
    case 'uvloop':
      return `uvloop${versions.uvloop ? ` ${versions.uvloop}` : ''} raw sockets`;
    case 'tornado':
      return `tornado${versions.tornado ? ` ${versions.tornado}` : ''} AsyncHTTPClient`;
  }
}

/**
 * A contender's cells: wall, CPU, ÷ floor and CPU ÷ asyncio for each temperature (a Python peer,
 * which has no JIT to warm, has the same figures at both), and its fetched/failed, the worst.
 */
function row(
  label: string,
  byTemperature: readonly (Contender | undefined)[],
  why: string | undefined,
  asyncioCpu: number | null,
): Cell[] {
  const measured = byTemperature.filter((c): c is Contender => c !== undefined);
  if (measured.length === 0) {
    return [
      `${label} (${why ?? 'no figures'})`,
      ...byTemperature.flatMap(() => [null, null, null, null]),
      null,
    ];
  }
  const worst = worstRun(measured)!;
  const each = (cell: (c: Contender) => Cell): Cell[] =>
    byTemperature.map((c) => (c === undefined ? null : cell(c)));
  return [
    label,
    ...each((c) => c.wallMs),
    ...each((c) => c.cpuMs),
    `${count(worst.fetched)}/${count(worst.failed)}`,
    ...each((c) => ratio(c.wallMs, c.floorMs)),
    ...each((c) => ratio(c.cpuMs, asyncioCpu)),
  ];
}

function scaleText(m: Measured): string {
  const { scale, peers } = m;
  const measured = measuredRuns(m);
  const temperatures = measured.map(([t]) => t);
  const asyncioCpu = peers.figures.asyncio?.cpuMs ?? null;
  const missing = (stage: string): string | undefined =>
    measured.map(([, r]) => r.stagesMissing[stage]).find(Boolean);
  const rows: Cell[][] = [
    ...STRATEGIES.map((s) =>
      row(
        stageLabel(m, s),
        measured.map(([, r]) => r.stages[s]),
        missing(s),
        asyncioCpu,
      ),
    ),
    ...PEERS.map((p) =>
      row(
        peerLabel(m, p.key),
        temperatures.map(() => peers.figures[p.key]),
        peers.skipped[p.key],
        asyncioCpu,
      ),
    ),
  ];
  const runs = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const { crawler } = measured[0]![1];
  const how = temperatures
    .map((t) =>
      t === 'cold'
        ? 'cold: the first crawl in a fresh process (--warmup 0)'
        : `warm: after ${scale.warmups} unmeasured warm-up crawls in it (V8 compiles the hot code on the way)`,
    )
    .join('; ');
  const columns = (what: string): string[] =>
    temperatures.map((t) => (temperatures.length > 1 ? `${what} ${t}` : what));
  return [
    `${count(scale.pages)} pages of ${count(scale.sizeBytes)} bytes, ${count(scale.concurrency)} at a time, ${scale.latencyMs} ms latency each: floor ${count(floorMs(scale))} ms. aio stages and Node fetch: the crawler CLI (\`pnpm crawl --json\`, its own embedded site${crawler.site.faults ? `, faults ${crawler.site.faults}` : ''}), median of ${runs(crawler.repeat, 'run')}, each in a fresh process; ${how}. Python peers: the crawler's site server started alone, median of ${runs(scale.rounds, 'round')} (no JIT: one figure, shown at each temperature); a round runs the crawler, then each peer; fetched/failed: the worst run. CPU: the client process's user + system`,
    table(
      [
        'contender',
        ...columns('wall ms'),
        ...columns('CPU ms'),
        'fetched/failed',
        ...columns('÷ floor'),
        ...columns('CPU ÷ asyncio'),
      ],
      rows,
    ),
  ].join('\n');
}

/** The goals of each stage, by temperature (the 10,000-page scale: cold only). */
type Goals = Partial<Record<Temperature, Partial<Record<string, StandardGoal | LargeGoal>>>>;

function judge(m: Measured): { goals: Goals; lines: string[] } {
  const goals: Goals = {};
  const asyncio = m.peers.figures.asyncio ?? null;
  const tornadoPeer = m.peers.figures.tornado ?? null;
  const best = bestPeer(
    PEERS.flatMap((p) => {
      const figures = m.peers.figures[p.key];
      return figures
        ? [
            {
              name: p.name,
              wallMs: figures.wallMs,
              failed: figures.failed,
              floorMs: floorMs(m.scale),
            },
          ]
        : [];
    }),
  );
  const skippedPeers = Object.values(m.peers.skipped).filter(Boolean).join('; ');
  const measured = measuredRuns(m);
  const width = Math.max(...EVENT_LOOP_STAGES.map((s) => s.length));
  const lines: string[] = [];
  for (const stage of EVENT_LOOP_STAGES) {
    for (const [temperature, runs] of measured) {
      const figures = runs.stages[stage] ?? null;
      const nodeFetch = runs.stages[NODE_FETCH] ?? null;
      const missing = {
        stage: runs.stagesMissing[stage],
        asyncio: m.peers.skipped.asyncio,
        peers: skippedPeers || undefined,
        tornado: m.peers.skipped.tornado,
        nodeFetch: runs.stagesMissing[NODE_FETCH],
      };
      let line: string;
      const byStage = (goals[temperature] ??= {});
      if (m.scale.key === 'standard') {
        const goal = standardGoal(figures, {
          best,
          asyncioCpuMs: asyncio?.cpuMs ?? null,
          cpuOverAsyncioLimit: CPU_OVER_ASYNCIO[temperature],
          ...(HTTP_CLIENT_STAGES.includes(stage)
            ? {
                httpClient: {
                  tornadoPeerCpuMs: tornadoPeer?.cpuMs ?? null,
                  nodeFetchCpuMs: nodeFetch?.failed === 0 ? nodeFetch.cpuMs : null,
                },
              }
            : {}),
        });
        byStage[stage] = goal;
        line = describeStandardGoal(figures, goal, missing);
      } else {
        const goal = largeGoal(figures);
        byStage[stage] = goal;
        line = describeLargeGoal(figures, goal, missing);
      }
      lines.push(`  ${stage.padEnd(width)}  ${temperature}  ${line}`);
    }
  }
  const header = `Goals, ${count(m.scale.pages)} pages ${count(m.scale.concurrency)} at a time (${measured.map(([t]) => t).join(' and ')}):`;
  return { goals, lines: [header, ...lines] };
}

function scaleData(m: Measured, goals: Goals) {
  const asyncioCpu = m.peers.figures.asyncio?.cpuMs ?? null;
  const withRatios = (c: Contender | undefined) =>
    c
      ? {
          ...c,
          wallOverFloor: c.floorMs > 0 ? c.wallMs / c.floorMs : null,
          cpuOverAsyncio: asyncioCpu ? c.cpuMs / asyncioCpu : null,
        }
      : null;
  const { scale } = m;
  const measured = measuredRuns(m);
  const { crawler } = measured[0]![1];
  return {
    pages: scale.pages,
    concurrency: scale.concurrency,
    latencyMs: scale.latencyMs,
    sizeBytes: scale.sizeBytes,
    rounds: scale.rounds,
    warmups: Object.fromEntries(scale.temperatures.map((t) => [t, warmupsFor(scale, t)])),
    floorMs: floorMs(scale),
    crawler: {
      site: crawler.site,
      timeoutMs: crawler.timeoutMs,
      repeat: crawler.repeat,
      refused: crawler.refused,
    },
    peerTimeoutMs: scale.peerTimeoutMs,
    /** Each stage's figures by temperature (`{ cold, warm }`); each peer's, one figure. */
    contenders: {
      ...Object.fromEntries(
        STRATEGIES.map((s) => [
          s,
          Object.fromEntries(measured.map(([t, r]) => [t, withRatios(r.stages[s])])),
        ]),
      ),
      ...Object.fromEntries(PEERS.map((p) => [`${p.key}Peer`, withRatios(m.peers.figures[p.key])])),
    },
    skipped: {
      ...Object.fromEntries(
        STRATEGIES.flatMap((s) => {
          const why = measured.map(([, r]) => r.stagesMissing[s]).find(Boolean);
          return why === undefined ? [] : [[s, why]];
        }),
      ),
      ...Object.fromEntries(Object.entries(m.peers.skipped).map(([k, v]) => [`${k}Peer`, v])),
    },
    goals,
  };
}

/**
 * While the benchmark runs, Ctrl-C or SIGTERM ends it through `process.exit`, so the exit hooks
 * stop every child it started (the crawler, the site, the peers see their stdin close).
 */
function exitOnSignals(): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\ncrawl: ${signal}, stopping\n`);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

export const crawlBenchmark: Benchmark = {
  name: 'crawl',
  description:
    "the crawler's event-loop stages (1,000 pages 100 at a time, cold and warm; 10,000 pages 1,000 at a time; 100 ms each) vs asyncio/uvloop raw sockets, tornado AsyncHTTPClient, Node fetch",
  async run(options: BenchOptions) {
    if (options.distributed === true) return distributedCrawlBenchmark.run(options);
    const python = findPython();
    const notes: string[] = [];
    const measured: Measured[] = [];
    const stopHandling = exitOnSignals();
    try {
      const notInstalled: Partial<Record<PeerKey, string>> = {};
      for (const scale of scales(options.quick)) {
        const m = await measure(scale, python, notInstalled, notes);
        for (const [key, why] of Object.entries(m.peers.skipped)) {
          if (why === 'not installed') notInstalled[key as PeerKey] = why;
        }
        measured.push(m);
      }
    } finally {
      stopHandling();
    }

    const text: string[] = [];
    const data: Record<string, unknown> = {};
    for (const m of measured) {
      const { goals, lines } = judge(m);
      text.push(scaleText(m), '', ...lines, '');
      data[m.scale.key] = scaleData(m, goals);
    }
    if (options.quick) text.push('(--quick: the 10,000-page scale is not run)');
    for (const note of notes) text.push(`Note: ${note}`);
    return {
      text: text.join('\n').trimEnd(),
      data: {
        ...data,
        notes,
        peers: {
          python: python ? `${python.path} ${python.version}` : null,
          uvloop: measured.find((m) => m.peers.versions.uvloop)?.peers.versions.uvloop ?? null,
          tornado: measured.find((m) => m.peers.versions.tornado)?.peers.versions.tornado ?? null,
        },
      },
    };
  },
};
