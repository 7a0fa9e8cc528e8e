/**
 * `pnpm bench crawl --distributed`: the crawler's distributed mode (apps/crawler/src/distributed)
 * with 1, 2 and 4 worker processes on one Redis frontier, crawling the embedded site's link
 * graph: 10,000 pages of 2 KiB at 100 ms latency, 100 pages in flight per worker (`--quick`:
 * 2,000 pages, one round).
 *
 * Each run is the crawler CLI itself, `pnpm crawl --distributed --workers N --json …`, which
 * starts the site, a local redis-server (persistence on) and N workers, and reports the crawl
 * timed from its first request to its last response. Rounds go 1, 2, 4 workers, then again, so
 * that noise falls on every size alike; figures are medians over the rounds.
 *
 * At 100 ms per page and 100 in flight a worker fetches at most ~1,000 pages/s: the crawl is
 * bound by latency, and a second worker should nearly double it. The goal (the distributed
 * crawl issue): ≥ 1.8× the pages per second from 1 to 2 workers, and ≤ 3 Redis round trips per
 * page. 4 workers are reported: on a 2-core machine they share the cores with the site and Redis.
 */
import type { Benchmark, BenchOptions } from './cli';
import { runCrawlerCli } from './lib/crawler';
import { CrawlerOutputError } from './lib/crawler-output';
import { hardFdLimit, softFdLimit } from './lib/fd-limit';
import { formatNumber, median, progress, table, verdict, type Cell } from './lib/report';

const WORKERS = [1, 2, 4] as const;
const PER_WORKER = 100;
const LATENCY_MS = 100;
const SIZE_BYTES = 2048;
const SCALING_GOAL = 1.8;
const ROUND_TRIPS_GOAL = 3;

/** One distributed crawl, as the crawler's --json reports it. */
export interface DistributedRun {
  readonly workers: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly fetched: number;
  readonly failed: number;
  readonly pagesPerSecond: number;
  readonly floorMs: number | null;
  readonly roundTripsPerPage: number | null;
  readonly reclaimed: number;
  readonly duplicates: number;
}

/** Reads one `pnpm crawl --distributed --json` document. @throws CrawlerOutputError */
export function parseDistributed(stdout: string, workers: number): DistributedRun {
  let doc: {
    results?: {
      wallMs?: number;
      cpuMs?: number;
      fetched?: number;
      failed?: number;
      floorMs?: number | null;
    }[];
    distributed?: {
      roundTripsPerPage?: number | null;
      frontier?: { reclaimed?: number; duplicates?: number };
      workers?: unknown[];
    };
  };
  try {
    doc = JSON.parse(stdout) as typeof doc;
  } catch {
    throw new CrawlerOutputError(
      `the crawler printed no JSON document: ${JSON.stringify(stdout.slice(0, 120))}`,
    );
  }
  const stage = doc.results?.[0];
  const distributed = doc.distributed;
  if (
    stage === undefined ||
    distributed === undefined ||
    typeof stage.wallMs !== 'number' ||
    typeof stage.cpuMs !== 'number' ||
    typeof stage.fetched !== 'number' ||
    typeof stage.failed !== 'number'
  ) {
    throw new CrawlerOutputError(
      'the crawler --distributed --json document has no results[0] with wallMs, cpuMs, fetched, failed and no distributed section',
    );
  }
  const started = distributed.workers?.length ?? 0;
  if (started !== workers) {
    throw new CrawlerOutputError(`asked for ${workers} workers, the crawler reports ${started}`);
  }
  return {
    workers,
    wallMs: stage.wallMs,
    cpuMs: stage.cpuMs,
    fetched: stage.fetched,
    failed: stage.failed,
    pagesPerSecond: (stage.fetched * 1000) / stage.wallMs,
    floorMs: stage.floorMs ?? null,
    roundTripsPerPage: distributed.roundTripsPerPage ?? null,
    reclaimed: distributed.frontier?.reclaimed ?? 0,
    duplicates: distributed.frontier?.duplicates ?? 0,
  };
}

async function runOnce(workers: number, pages: number): Promise<DistributedRun | string> {
  const flags = [
    '--distributed',
    '--json',
    `--workers=${workers}`,
    `--pages=${pages}`,
    `--concurrency=${PER_WORKER}`,
    `--latency=${LATENCY_MS}`,
    `--size=${SIZE_BYTES}`,
  ];
  // Each worker and the site hold up to workers × 100 sockets.
  const wanted = Math.max(4096, workers * PER_WORKER * 2 + 256);
  const fdLimit = softFdLimit() >= wanted ? null : Math.min(wanted, hardFdLimit());
  const exit = await runCrawlerCli(flags, fdLimit, 5 * 60_000);
  if (exit.code !== 0 && exit.code !== 1) {
    const why = exit.stderr.trim().split('\n').slice(-3).join(' ');
    return `the crawler exited ${exit.signal ?? `with ${exit.code}`}: ${why || 'no message'}`;
  }
  return parseDistributed(exit.stdout, workers);
}

export const distributedCrawlBenchmark = {
  name: 'crawl',
  description: 'the crawler on a Redis frontier: 1, 2 and 4 worker processes (--distributed)',
  async run(options: BenchOptions) {
    const pages = options.quick ? 2000 : 10_000;
    const rounds = options.quick ? 1 : 3;
    const runs = new Map<number, DistributedRun[]>(WORKERS.map((n) => [n, []]));
    const failures = new Map<number, string>();
    for (let round = 1; round <= rounds; round++) {
      for (const workers of WORKERS) {
        if (failures.has(workers)) continue;
        progress(
          `crawl --distributed: round ${round}/${rounds}, ${workers} workers, ${pages} pages`,
        );
        const run = await runOnce(workers, pages);
        if (typeof run === 'string') failures.set(workers, run);
        else runs.get(workers)!.push(run);
      }
    }

    const medianOf = (workers: number, pick: (run: DistributedRun) => number | null) => {
      const values = (runs.get(workers) ?? []).map(pick).filter((v): v is number => v !== null);
      return values.length === 0 ? null : median(values);
    };
    const rate = (workers: number) => medianOf(workers, (run) => run.pagesPerSecond);
    const one = rate(1);
    const rows: Cell[][] = WORKERS.map((workers) => {
      const failed = failures.get(workers);
      if (failed !== undefined)
        return [workers, `FAILED: ${failed}`, null, null, null, null, null, null];
      const pps = rate(workers);
      const wall = medianOf(workers, (run) => run.wallMs);
      const floor = medianOf(workers, (run) => run.floorMs);
      const lost = (runs.get(workers) ?? []).reduce((sum, run) => sum + run.failed, 0);
      return [
        workers,
        wall === null ? null : formatNumber(Math.round(wall)),
        pps === null ? null : formatNumber(Math.round(pps)),
        pps === null || one === null ? null : `${(pps / one).toFixed(2)}×`,
        wall === null || floor === null ? null : `${(wall / floor).toFixed(2)}×`,
        formatNumber(Math.round(medianOf(workers, (run) => run.cpuMs) ?? 0)),
        medianOf(workers, (run) => run.roundTripsPerPage)?.toFixed(2) ?? null,
        lost,
      ];
    });

    const two = rate(2);
    const scaling = {
      met: one === null || two === null ? null : two >= SCALING_GOAL * one,
      display: one === null || two === null ? '—' : `${(two / one).toFixed(2)}×`,
    };
    const trips = WORKERS.map((n) => medianOf(n, (run) => run.roundTripsPerPage)).filter(
      (v): v is number => v !== null,
    );
    const worstTrips = trips.length === 0 ? null : Math.max(...trips);
    const tripsGoal = {
      met: worstTrips === null ? null : worstTrips <= ROUND_TRIPS_GOAL,
      display: worstTrips === null ? '—' : `${worstTrips.toFixed(2)} at most`,
    };
    const text = [
      `${pages} pages of ${SIZE_BYTES} bytes at ${LATENCY_MS} ms latency, ${PER_WORKER} in flight per worker, ` +
        `a local redis-server (append-only file, fsync always); median of ${rounds} round${rounds > 1 ? 's' : ''} (1, 2, 4 workers in turn)`,
      table(
        [
          'workers',
          'wall ms',
          'pages/s',
          '÷ 1 worker',
          'vs floor',
          'cpu ms (all workers)',
          'Redis round trips/page',
          'failed pages',
        ],
        rows,
      ),
      'wall: first request to last response · vs floor: wall ÷ (rounds of links from / × latency) · cpu: the workers’ own (the site and Redis run in other processes)',
      '',
      'Goals:',
      `  2 workers ≥ ${SCALING_GOAL}× the pages/s of 1: ${verdict(scaling)}`,
      `  Redis round trips per page ≤ ${ROUND_TRIPS_GOAL}: ${verdict(tripsGoal)}`,
    ].join('\n');
    return {
      text,
      data: {
        pages,
        latencyMs: LATENCY_MS,
        perWorker: PER_WORKER,
        rounds,
        runs: Object.fromEntries([...runs].map(([n, list]) => [n, list])),
        failures: Object.fromEntries(failures),
        goals: { scaling, roundTrips: tripsGoal },
      },
    };
  },
} satisfies Benchmark;
