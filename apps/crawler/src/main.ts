/**
 * `pnpm crawl`: download N pages with each strategy of the article, and show what each step buys.
 * Run `pnpm crawl --help` for the flags; the crawler's README explains each.
 */
import { parseArgs } from 'node:util';
import { discoverSite } from './discover';
import { distributedCommand, workerCommand } from './distributed/command';
import type { CrawlJson, CrawlStageJson } from './output';
import { siteSpec, type TargetSpec } from './measure';
import { formatTable, printTimelines, writeTimelineFile } from './report/index';
import { startSite, type Site } from './site/index';
import { parseFaults } from './site/pages';
import { killStages, runStage, type Progress, type StageRun } from './stage';
import { STRATEGIES } from './strategies/index';
import type { StrategyInfo } from './strategies/types';

const USAGE = `usage: pnpm crawl [options]

  --strategy NAME[,NAME…]  the stages to run, in the article's order (default: all)
  --pages N                pages to fetch (default 10)
  --latency MS             the embedded site's wait before each answer (default 100)
  --size BYTES             bytes per page (default 2048)
  --concurrency N          pages in flight at once, at most (default: all pages, up to 1000)
  --timeout MS             how long one page may take (default 10000)
  --repeat N               run each stage N times, each in a fresh process; report medians
  --warmup N               crawl N times unmeasured in that process first (warm JIT; default 0)
  --faults SPEC            the embedded site misbehaves on some pages: refused, reset,
                           malformed, slow, as a list with counts (reset=2,slow) or all
  --url URL                crawl a real site instead: up to --pages pages linked from URL
                           (https: the stages with TLS; a private CA goes in
                           NODE_EXTRA_CA_CERTS=FILE, which every one of them trusts)
  --json                   results as JSON on stdout (no table, no progress)
  --no-timeline            do not draw each stage's timeline after the table
  --timeline-file FILE     write the timelines to FILE, an .svg or a whole .html page
  -h, --help               this, and the stages

distributed (a shared frontier in Redis; see src/distributed/):
  --distributed            crawl with worker processes sharing a Redis frontier instead of the
                           stages: from the first page, following the site's links
  --workers N              worker processes to start on this machine (default 2)
  --redis URL              the Redis to use (redis://host:port or a Unix socket path); default:
                           start a local redis-server for the crawl and stop it after
  --concurrency N          with --distributed: pages in flight per worker (default 100)
  --host-concurrency K     at most K requests in flight per host, all workers together (default:
                           no cap)
  --host-delay MS          at least MS between two requests to one host (default 0)
  --lease MS               a page a worker holds this long is fetched again by another
                           (default: --timeout + 5000)
  --worker                 join a distributed crawl as one more worker: needs --redis and --crawl ID
                           (the coordinator prints them); --name NAME names it

stages:
${STRATEGIES.map((s) => `  ${s.name.padEnd(12)} §${s.section.padEnd(4)} ${s.title}`).join('\n')}`;

/**
 * Exits with `code` once stdout has taken everything written to it: on a pipe, writes are
 * asynchronous, and `process.exit` right after a large one (a 10,000-page --json document) would
 * cut it short.
 */
async function exitAfterOutput(code: number): Promise<never> {
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(code);
}

function usageError(message: string): never {
  console.error(`crawl: ${message}\nRun pnpm crawl --help for the flags.`);
  process.exit(2);
}

function integer(name: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    usageError(
      `--${name} expects a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      strategy: { type: 'string', default: 'all' },
      pages: { type: 'string', default: '10' },
      latency: { type: 'string', default: '100' },
      size: { type: 'string', default: '2048' },
      concurrency: { type: 'string' },
      timeout: { type: 'string', default: '10000' },
      repeat: { type: 'string', default: '1' },
      warmup: { type: 'string', default: '0' },
      faults: { type: 'string' },
      url: { type: 'string' },
      json: { type: 'boolean', default: false },
      'no-timeline': { type: 'boolean', default: false },
      'timeline-file': { type: 'string' },
      distributed: { type: 'boolean', default: false },
      workers: { type: 'string', default: '2' },
      redis: { type: 'string' },
      'host-concurrency': { type: 'string', default: '0' },
      'host-delay': { type: 'string', default: '0' },
      lease: { type: 'string' },
      worker: { type: 'boolean', default: false },
      crawl: { type: 'string' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
}
try {
  args = parse();
} catch (error) {
  usageError((error as Error).message);
}

if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

if (args.worker) {
  await exitAfterOutput(
    await workerCommand({ redis: args.redis, crawl: args.crawl, name: args.name }),
  );
}

const names =
  args.strategy === 'all'
    ? STRATEGIES.map((s) => s.name)
    : args.strategy
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
const unknown = names.filter((name) => !STRATEGIES.some((s) => s.name === name));
if (unknown.length > 0 || names.length === 0) {
  usageError(
    `unknown strategy ${JSON.stringify(unknown.join(',') || args.strategy)}; choose from ${STRATEGIES.map((s) => s.name).join(', ')} or all`,
  );
}
const pages = integer('pages', args.pages, 1, 100_000);
const latencyMs = integer('latency', args.latency, 0, 600_000);
const sizeBytes = integer('size', args.size, 0, 64 * 1024 * 1024);
const concurrency =
  args.concurrency === undefined
    ? Math.min(pages, args.distributed ? 100 : 1000)
    : integer('concurrency', args.concurrency, 1, 10_000);
const workers = integer('workers', args.workers, 1, 64);
const hostConcurrency = integer('host-concurrency', args['host-concurrency'], 0, 100_000);
const hostDelayMs = integer('host-delay', args['host-delay'], 0, 600_000);
const timeoutMs = integer('timeout', args.timeout, 1, 3_600_000);
const leaseMs = args.lease === undefined ? undefined : integer('lease', args.lease, 1, 86_400_000);
if (args.distributed && (args.strategy !== 'all' || args.repeat !== '1' || args.warmup !== '0')) {
  usageError(
    '--distributed runs its own crawl: it cannot go with --strategy, --repeat or --warmup',
  );
}
const repeat = integer('repeat', args.repeat, 1, 100);
const warmups = integer('warmup', args.warmup, 0, 20);
if (args.faults !== undefined) {
  if (args.url !== undefined)
    usageError('--faults is for the embedded site; it cannot go with --url');
  try {
    parseFaults(args.faults);
  } catch (error) {
    usageError(`--faults: ${(error as Error).message}`);
  }
}
const timelineFile = args['timeline-file'];
if (timelineFile !== undefined && !/\.(svg|html?)$/i.test(timelineFile)) {
  usageError(`--timeline-file must end in .svg or .html, got ${JSON.stringify(timelineFile)}`);
}

const quiet = args.json;
const say = (line: string): void => {
  if (!quiet) console.log(line);
};
/** Live progress goes to stderr, and only to a terminal: piped output stays clean. */
const live = !args.json && process.stderr.isTTY;

// ─── The site ──────────────────────────────────────────────────────────────────────────────────

let site: Site | undefined;
let spec: TargetSpec;
let https = false;
let siteJson: CrawlJson['site'];
const stopSite = async (): Promise<void> => {
  await site?.stop();
  site = undefined;
};

// Ctrl-C (SIGINT), or SIGTERM from a parent: the run in progress and the site stop with us.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killStages();
    if (live) process.stderr.write('\r\x1b[K');
    console.error(
      `crawl: ${signal === 'SIGINT' ? 'interrupted' : 'terminated'}; the runs and the site are stopped`,
    );
    void stopSite().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

if (args.url !== undefined) {
  try {
    const found = await discoverSite(args.url, { pages, timeoutMs });
    https = found.https;
    spec = {
      host: found.host,
      address: found.address,
      origin: found.url.origin,
      paths: found.paths,
      concurrency,
      timeoutMs,
    };
    siteJson = { url: found.url.href, embedded: false, pages: found.paths.length };
    say(
      `Crawling ${found.url.href}: ${found.paths.length} pages found (${found.address.join(':')})`,
    );
    if (found.note) say(found.note);
  } catch (error) {
    console.error(`crawl: ${(error as Error).message}`);
    process.exit(1);
  }
} else {
  site = await startSite({ pages, latencyMs, sizeBytes, faults: args.faults });
  spec = siteSpec(site, { pages, sizeBytes }, { concurrency, timeoutMs });
  siteJson = {
    url: `http://${site.host}:${site.port}/`,
    embedded: true,
    pages,
    latencyMs,
    sizeBytes,
    ...(args.faults === undefined ? {} : { faults: args.faults }),
  };
  const faults = args.faults === undefined ? '' : `; faults: ${args.faults}`;
  say(
    `Embedded site on http://${site.host}:${site.port}/: ${pages} pages, ${latencyMs} ms latency each, ~${sizeBytes} bytes${faults}`,
  );
}
const pageCount = spec.paths.length;
const knownLatency = site === undefined ? undefined : latencyMs;

if (args.distributed) {
  let code: number;
  try {
    code = await distributedCommand({
      spec,
      workers,
      concurrency,
      ...(args.redis === undefined ? {} : { redis: args.redis }),
      hostConcurrency,
      hostDelayMs,
      ...(leaseMs === undefined ? {} : { leaseMs }),
      site: siteJson,
      latencyMs: knownLatency,
      json: args.json,
      live,
      timeline: !args['no-timeline'],
      ...(timelineFile === undefined ? {} : { timelineFile }),
    });
  } finally {
    await stopSite();
  }
  await exitAfterOutput(code);
}

// ─── Which stages run ──────────────────────────────────────────────────────────────────────────

const refused: { strategy: string; why: string }[] = [];
const chosen: StrategyInfo[] = [];
const withTls = STRATEGIES.filter((s) => s.https).map((s) => s.name);
for (const strategy of STRATEGIES.filter((s) => names.includes(s.name))) {
  const why =
    https && !strategy.https
      ? `it speaks plain HTTP over its own sockets; https needs TLS, which only ${withTls.join(', ')} have here`
      : strategy.refuse?.({ pages: pageCount, concurrency, latencyMs: knownLatency });
  if (why === undefined) chosen.push(strategy);
  else refused.push({ strategy: strategy.name, why });
}
for (const { strategy, why } of refused) say(`skipping ${strategy}: ${why}`);
say(
  `${pageCount} pages, at most ${concurrency} at a time, ${timeoutMs} ms timeout${repeat > 1 ? `, ${repeat} runs each (medians)` : ''}${warmups > 0 ? `, ${warmups} unmeasured warm-up crawls before each` : ''}\n`,
);

// ─── The runs ──────────────────────────────────────────────────────────────────────────────────

function showProgress(label: string, progress: Progress, startedAt: number): void {
  if (!live) return;
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  const failed = progress.failed > 0 ? `, ${progress.failed} failed` : '';
  process.stderr.write(
    `\r\x1b[K${label}: ${progress.fetched + progress.failed}/${pageCount} pages${failed}, ${progress.inFlight} in flight, ${seconds} s`,
  );
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface StageResult {
  readonly info: StrategyInfo;
  readonly concurrency: number;
  readonly floorMs: number | undefined;
  readonly runs: readonly StageRun[];
  /** The run of median wall time: its timeline and its failures are the ones shown. */
  readonly typical: StageRun;
}

const results: StageResult[] = [];
/** Stages whose process ended without a result. */
const crashed: { strategy: string; why: string }[] = [];
try {
  for (const info of chosen) {
    const runs: StageRun[] = [];
    for (let round = 1; round <= repeat; round++) {
      const label = `${info.name}${repeat > 1 ? ` (run ${round}/${repeat})` : ''}`;
      const startedAt = performance.now();
      showProgress(label, { fetched: 0, failed: 0, inFlight: 0 }, startedAt);
      let last: Progress = { fetched: 0, failed: 0, inFlight: 0 };
      const ticker = live
        ? setInterval(() => showProgress(label, last, startedAt), 250)
        : undefined;
      try {
        runs.push(
          await runStage(
            info.name,
            spec,
            (progress) => {
              last = progress;
              showProgress(label, progress, startedAt);
            },
            warmups,
          ),
        );
      } catch (error) {
        // The run's process died without reporting (a crash, a kill): say so, go on to the next.
        crashed.push({ strategy: info.name, why: (error as Error).message });
        console.error(`crawl: ${(error as Error).message}`);
        break;
      } finally {
        clearInterval(ticker);
        if (live) process.stderr.write('\r\x1b[K');
      }
    }
    if (runs.length < repeat) continue;
    const byWall = [...runs].sort((a, b) => a.wallMs - b.wallMs);
    const effective = Math.min(info.concurrency(concurrency, pageCount), pageCount);
    // A stage that finds its pages by their links waits for the rounds of links, at best.
    const waves = info.discovers?.waves(pageCount, effective) ?? Math.ceil(pageCount / effective);
    results.push({
      info,
      concurrency: effective,
      floorMs: knownLatency === undefined ? undefined : waves * knownLatency,
      runs,
      typical: byWall[(byWall.length - 1) >> 1]!,
    });
  }
} finally {
  await stopSite();
}

// ─── The report ────────────────────────────────────────────────────────────────────────────────

const summary: CrawlStageJson[] = results.map((r) => ({
  strategy: r.info.name,
  section: r.info.section,
  title: r.info.title,
  concurrency: r.concurrency,
  floorMs: r.floorMs ?? null,
  wallMs: median(r.runs.map((run) => run.wallMs)),
  cpuMs: median(r.runs.map((run) => run.cpuMs)),
  peakRssMiB: median(r.runs.map((run) => run.peakRssMiB)),
  fetched: r.typical.fetched,
  failed: r.typical.failed,
  ...(r.typical.firstError === undefined ? {} : { firstError: r.typical.firstError }),
  leakedSockets: Math.max(...r.runs.map((run) => run.leakedSockets)),
  runs: r.runs.map((run) => ({
    wallMs: run.wallMs,
    cpuMs: run.cpuMs,
    peakRssMiB: run.peakRssMiB,
    fetched: run.fetched,
    failed: run.failed,
    ...(run.firstError === undefined ? {} : { firstError: run.firstError }),
  })),
  timeline: r.typical.pages,
}));

const stageTimelines = results.map((r) => ({
  strategy: r.info.name,
  section: r.info.section,
  title: r.info.title,
  wallMs: r.typical.wallMs,
  pages: r.typical.pages,
}));

if (args.json) {
  const output: CrawlJson = {
    site: siteJson,
    concurrency,
    timeoutMs,
    repeat,
    warmups,
    results: summary,
    refused,
    crashed,
  };
  console.log(JSON.stringify(output, null, 2));
} else if (summary.length > 0) {
  const baseline = summary.find((r) => r.strategy === 'blocking');
  const anyFailed = summary.some((r) => r.failed > 0);
  const header = ['strategy', '§', 'wall ms', 'cpu ms', 'peak RSS MiB', 'fetched', 'failed'];
  header.push('speed-up', 'vs floor');
  if (anyFailed) header.push('first error');
  const rows = summary.map((r) => {
    const row = [
      r.strategy,
      r.section,
      r.wallMs.toFixed(0),
      r.cpuMs.toFixed(0),
      r.peakRssMiB.toFixed(0),
      String(r.fetched),
      String(r.failed),
      baseline ? `${(baseline.wallMs / r.wallMs).toFixed(1)}×` : '—',
      r.floorMs ? `${(r.wallMs / r.floorMs).toFixed(2)}×` : '—',
    ];
    if (anyFailed) row.push(r.firstError === undefined ? '' : truncate(r.firstError, 60));
    return row;
  });
  const align = header.map((_, i) => (i < 2 || i >= 9 ? 'left' : 'right'));
  console.log(formatTable(header, rows, align));
  const spiders = results.filter((r) => r.info.discovers !== undefined).map((r) => r.info.name);
  console.log(
    `\nspeed-up: over blocking · vs floor: wall time ÷ (ceil(pages / concurrency) × latency), 1.00× is perfect` +
      (spiders.length > 0 && knownLatency !== undefined
        ? ` (${spiders.join(', ')}: the rounds of links from / × latency)`
        : '') +
      (repeat > 1 ? ` · medians of ${repeat} runs` : ''),
  );
  for (const r of summary) {
    if (r.leakedSockets > 0)
      console.log(`warning: ${r.strategy} left ${r.leakedSockets} sockets open`);
  }
  if (!args['no-timeline']) printTimelines(stageTimelines);
}
if (timelineFile !== undefined && stageTimelines.length > 0) {
  const title = `aio crawler: ${pageCount} pages, at most ${concurrency} at a time`;
  writeTimelineFile(timelineFile, stageTimelines, title);
  if (!quiet) console.log(`\ntimelines written to ${timelineFile}`);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

process.exitCode =
  chosen.length === 0 ? 2 : crashed.length > 0 || summary.some((r) => r.failed > 0) ? 1 : 0;
