/**
 * `pnpm crawl --distributed` and `pnpm crawl --worker`: main.ts hands over here once the site is
 * known. The distributed crawl's report is a local crawl's (the same table row, the same
 * timeline, the same JSON stage) plus a row per worker and the frontier's own counters.
 */
import type { CrawlJson, CrawlStageJson } from '../output';
import type { TargetSpec } from '../measure';
import { formatTable, printTimelines, writeTimelineFile } from '../report/index';
import { webspiderStrategy } from '../strategies/webspider';
import { DistributedCrawl, type DistributedResult, type WorkerProcess } from './coordinator';
import type { FrontierStatus } from './frontier';
import { runWorker } from './worker';

export interface DistributedCommand {
  readonly spec: TargetSpec;
  readonly workers: number;
  /** Pages in flight per worker. */
  readonly concurrency: number;
  readonly redis?: string;
  readonly hostConcurrency: number;
  readonly hostDelayMs: number;
  readonly leaseMs?: number;
  readonly site: CrawlJson['site'];
  /** The embedded site's latency (for the floor), undefined for `--url`. */
  readonly latencyMs: number | undefined;
  readonly json: boolean;
  /** Draw progress on stderr (a terminal). */
  readonly live: boolean;
  readonly timeline: boolean;
  /** `--timeline-file`: the timeline written there too (SVG or HTML). */
  readonly timelineFile?: string;
}

/** What `--json` prints for a distributed crawl: a crawl's JSON, plus the workers' rows. */
export interface DistributedCrawlJson extends CrawlJson {
  readonly distributed: {
    readonly workers: DistributedResult['workers'];
    readonly frontier: Omit<FrontierStatus, 'workers'>;
    readonly roundTripsPerPage: number | null;
    readonly redis: string;
  };
}

/** Runs the distributed crawl and prints its report; resolves with the exit code. */
export async function distributedCommand(command: DistributedCommand): Promise<number> {
  const { spec, json, live } = command;
  const pages = spec.paths.length;
  const say = (line: string): void => {
    if (!json) console.log(line);
  };
  let crawl: DistributedCrawl;
  try {
    crawl = await DistributedCrawl.start({
      spec,
      workers: command.workers,
      concurrency: command.concurrency,
      hostConcurrency: command.hostConcurrency,
      hostDelayMs: command.hostDelayMs,
      ...(command.redis === undefined ? {} : { redis: command.redis }),
      ...(command.leaseMs === undefined ? {} : { leaseMs: command.leaseMs }),
      onProgress: live ? (status, workers) => showProgress(status, workers, pages) : undefined,
    });
  } catch (error) {
    console.error(`crawl: ${(error as Error).message}`);
    return 1;
  }
  // Ctrl-C: main.ts stops the site and exits; the workers and a local Redis die with this
  // process (coordinator.ts and redis-server.ts kill theirs on exit).
  say(
    `Distributed crawl ${crawl.id}: ${plural(command.workers, 'worker')} × ${command.concurrency} in flight, ` +
      `frontier in Redis at ${crawl.redisUrl}${command.redis === undefined ? ' (started for this crawl)' : ''}`,
  );
  say(
    `More workers can join from anywhere that reaches it: pnpm crawl --worker --redis ${crawl.redisUrl} --crawl ${crawl.id}\n`,
  );
  let result: DistributedResult;
  try {
    result = await crawl.finish();
  } catch (error) {
    if (live) process.stderr.write('\r\x1b[K');
    console.error(`crawl: ${(error as Error).message}`);
    await crawl.close();
    return 1;
  }
  if (live) process.stderr.write('\r\x1b[K');
  await crawl.close();
  report(command, result, crawl.redisUrl);
  return result.failed > 0 ? 1 : 0;
}

function showProgress(
  status: FrontierStatus,
  workers: readonly WorkerProcess[],
  pages: number,
): void {
  const running = workers.filter((w) => w.ended === undefined).length;
  const perWorker = [...status.workers]
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([name, counts]) => `${name} ${counts.fetched + counts.failed}`)
    .join(' ');
  process.stderr.write(
    `\r\x1b[K${status.fetched + status.failed}/${pages} pages` +
      (status.failed > 0 ? `, ${status.failed} failed` : '') +
      `, ${status.queued} queued, ${status.leased} in flight, ${running} workers` +
      (status.reclaimed > 0 ? `, ${status.reclaimed} re-leased` : '') +
      (perWorker === '' ? '' : ` · ${perWorker}`),
  );
}

function report(command: DistributedCommand, result: DistributedResult, redis: string): void {
  const pages = command.spec.paths.length;
  const inFlight = command.workers * command.concurrency;
  const floorMs =
    command.latencyMs === undefined
      ? null
      : webspiderStrategy.discovers!.waves(pages, Math.min(inFlight, pages)) * command.latencyMs;
  const stage: CrawlStageJson = {
    strategy: 'distributed',
    section: 'IV',
    title: `${plural(command.workers, 'worker process', 'worker processes')} on a Redis frontier, AsyncHTTPClient in each`,
    concurrency: inFlight,
    floorMs,
    wallMs: result.wallMs,
    cpuMs: result.cpuMs,
    peakRssMiB: result.workers.reduce((sum, w) => sum + (w.peakRssMiB ?? 0), 0),
    fetched: result.fetched,
    failed: result.failed,
    ...(result.firstError === undefined ? {} : { firstError: result.firstError }),
    leakedSockets: 0,
    runs: [],
    timeline: result.pages,
  };
  const timeline = {
    strategy: stage.strategy,
    section: stage.section,
    title: stage.title,
    wallMs: stage.wallMs,
    pages: result.pages,
  };
  if (command.timelineFile !== undefined) {
    const title = `aio crawler: ${pages} pages, ${command.workers} workers × ${command.concurrency} at a time`;
    writeTimelineFile(command.timelineFile, [timeline], title);
  }
  if (command.json) {
    const { workers: _perWorker, ...frontier } = result.status;
    const output: DistributedCrawlJson = {
      site: command.site,
      concurrency: inFlight,
      timeoutMs: command.spec.timeoutMs,
      repeat: 1,
      warmups: 0,
      results: [stage],
      refused: [],
      crashed: [],
      distributed: {
        workers: result.workers,
        frontier,
        roundTripsPerPage: result.roundTripsPerPage,
        redis,
      },
    };
    console.log(JSON.stringify(output, null, 2));
    return;
  }
  const header = [
    'strategy',
    '§',
    'wall ms',
    'cpu ms',
    'peak RSS MiB',
    'fetched',
    'failed',
    'vs floor',
  ];
  const row = [
    stage.strategy,
    stage.section,
    stage.wallMs.toFixed(0),
    stage.cpuMs.toFixed(0),
    stage.peakRssMiB.toFixed(0),
    String(stage.fetched),
    String(stage.failed),
    floorMs ? `${(stage.wallMs / floorMs).toFixed(2)}×` : '—',
  ];
  console.log(
    formatTable(
      header,
      [row],
      header.map((_, i) => (i < 2 ? 'left' : 'right')),
    ),
  );
  const workerHeader = [
    'worker',
    'recorded',
    'failed',
    'cpu ms',
    'peak RSS MiB',
    'Redis round trips',
    'ended',
  ];
  const workerRows = result.workers.map((w) => [
    w.name,
    String(w.recorded),
    String(w.failed),
    w.cpuMs === null ? '—' : w.cpuMs.toFixed(0),
    w.peakRssMiB === null ? '—' : w.peakRssMiB.toFixed(0),
    w.roundTrips === null ? '—' : String(w.roundTrips),
    w.ended,
  ]);
  console.log(
    `\n${formatTable(
      workerHeader,
      workerRows,
      workerHeader.map((_, i) => (i === 0 || i === 6 ? 'left' : 'right')),
    )}`,
  );
  const { status } = result;
  console.log(
    `\nfrontier: ${status.seen} URLs seen, ${status.reclaimed} leases ran out and were fetched again, ` +
      `${status.duplicates} pages fetched twice (recorded once) · workers started in ` +
      `${result.startupMs.toFixed(0)} ms, before the wall time` +
      (result.roundTripsPerPage === null
        ? ''
        : ` · ${result.roundTripsPerPage.toFixed(2)} Redis round trips per page`) +
      (floorMs === null ? '' : ' · vs floor: wall ÷ (rounds of links from / × latency)'),
  );
  if (result.workers.some((w) => w.cpuMs === null))
    console.log(
      'cpu ms and peak RSS count only the workers started here that ended by themselves ' +
        '(a killed one cannot report; one that joined reports to its own terminal)',
    );
  if (command.timeline) printTimelines([timeline]);
  if (command.timelineFile !== undefined)
    console.log(`\ntimelines written to ${command.timelineFile}`);
}

/** `pnpm crawl --worker`: one worker joining crawl `crawl` on `redis`; resolves with the exit code. */
export async function workerCommand(options: {
  readonly redis: string | undefined;
  readonly crawl: string | undefined;
  readonly name: string | undefined;
}): Promise<number> {
  if (options.redis === undefined || options.crawl === undefined) {
    console.error('crawl: --worker needs --redis URL and --crawl ID (the coordinator prints both)');
    return 2;
  }
  try {
    const summary = await runWorker({
      redis: options.redis,
      crawl: options.crawl,
      name: options.name ?? `worker-${process.pid}`,
    });
    console.log(
      `worker ${summary.worker}: ${summary.fetched} fetched, ${summary.failed} failed, ` +
        `${summary.cpuMs.toFixed(0)} ms CPU, ${summary.roundTrips} Redis round trips`,
    );
    return 0;
  } catch (error) {
    console.error(`crawl worker: ${(error as Error).message}`);
    return 1;
  }
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
