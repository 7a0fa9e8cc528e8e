/**
 * The coordinator of a distributed crawl: seeds the frontier with the site's first page and the
 * crawl's spec, starts worker processes on this machine (more can join from anywhere that
 * reaches the Redis URL), follows the frontier's counters while they work, and, once the crawl is
 * over, builds the run's figures from the results the workers recorded.
 *
 * Without a Redis URL it starts its own `redis-server` (redis-server.ts) and stops it at the end.
 * A worker that dies is only a loss of speed: its leases run out and others fetch its pages
 * (frontier.ts). The crawl fails only if every worker has ended while pages are still waiting.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { TargetSpec } from '../measure';
import type { PageTimes } from '../report/index';
import { MEMBER_EXEC_ARGV } from '../strategies/pool';
import { now } from '../timeline';
import { Frontier, type FrontierConfig, type FrontierStatus } from './frontier';
import { startLocalRedis, type LocalRedis } from './redis-server';
import type { PageResult, WorkerSummary } from './worker';

export interface DistributedOptions {
  /** What to crawl: the site (its first path is where the crawl starts), the page timeout. */
  readonly spec: TargetSpec;
  /** Worker processes to start on this machine. */
  readonly workers: number;
  /** Pages in flight per worker (the spec's concurrency is set to it). */
  readonly concurrency: number;
  /** A Redis to use (`redis://host:port`, or a Unix socket path); else a local one is started. */
  readonly redis?: string;
  /** Per-host politeness and the lease; the lease defaults to the page timeout + 5 s. */
  readonly hostConcurrency?: number;
  readonly hostDelayMs?: number;
  readonly leaseMs?: number;
  /** Hears the counters every `progressMs` (default 200) while the crawl runs. */
  readonly onProgress?: (status: FrontierStatus, workers: readonly WorkerProcess[]) => void;
  readonly progressMs?: number;
}

/** A worker process as the coordinator sees it. */
export interface WorkerProcess {
  readonly name: string;
  readonly pid: number;
  /** Its summary, once it ended by itself. */
  summary?: WorkerSummary;
  /** How it ended: `exit 0`, `SIGKILL`, …; absent while it runs. */
  ended?: string;
}

/** One worker's row in the results. */
export interface WorkerRow {
  readonly name: string;
  /** Pages recorded by this worker (each page is recorded by exactly one). */
  readonly recorded: number;
  readonly failed: number;
  readonly cpuMs: number | null;
  readonly peakRssMiB: number | null;
  readonly roundTrips: number | null;
  readonly ended: string;
}

/** What a distributed crawl measured. */
export interface DistributedResult {
  readonly id: string;
  /** From the first request's start to the last response's end. */
  readonly wallMs: number;
  /** From the seed (the workers starting) to the first request. */
  readonly startupMs: number;
  /** CPU of the workers that reported it (a killed worker cannot). */
  readonly cpuMs: number;
  readonly fetched: number;
  readonly failed: number;
  readonly bytes: number;
  readonly firstError?: string;
  /** Each page, relative to the crawl's start, as a local crawl's timeline. */
  readonly pages: readonly PageTimes[];
  readonly workers: readonly WorkerRow[];
  readonly status: FrontierStatus;
  /** Redis round trips per recorded page, over the workers that reported theirs. */
  readonly roundTripsPerPage: number | null;
}

/** Every worker ended while pages were still waiting or leased. */
export class CrawlAbandonedError extends Error {
  override name = 'CrawlAbandonedError';
  readonly code = 'EABANDONED';
}

/**
 * Beyond a lease time, how long a coordinator whose own workers have ended waits for workers
 * elsewhere to move the frontier before it calls the crawl abandoned.
 */
const REMOTE_GRACE_MS = 2000;

/** Every worker process of every crawl here: whatever way this process ends, they end too. */
const liveWorkers = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of liveWorkers) child.kill('SIGKILL');
});

const WORKER_SCRIPT = `require(${JSON.stringify(
  fileURLToPath(new URL('./worker.ts', import.meta.url)),
)}).workerMain();`;

/** A distributed crawl under way. */
export class DistributedCrawl {
  readonly id = randomUUID();
  readonly workers: WorkerProcess[] = [];
  readonly #children = new Map<string, ChildProcess>();
  readonly #redisUrl: string;
  readonly #localRedis: LocalRedis | null;
  readonly #frontier: Frontier;
  readonly #options: DistributedOptions;
  #started = 0;
  #ended: Promise<void> | null = null;

  private constructor(options: DistributedOptions, redisUrl: string, local: LocalRedis | null) {
    this.#options = options;
    this.#redisUrl = redisUrl;
    this.#localRedis = local;
    this.#frontier = new Frontier(redisUrl, this.id);
  }

  /** Starts Redis if needed, seeds the crawl, and starts the workers. */
  static async start(options: DistributedOptions): Promise<DistributedCrawl> {
    const local = options.redis === undefined ? await startLocalRedis() : null;
    const crawl = new DistributedCrawl(options, options.redis ?? local!.url, local);
    try {
      await crawl.#seed();
      for (let i = 0; i < options.workers; i++) crawl.addWorker();
    } catch (error) {
      await crawl.close();
      throw error;
    }
    return crawl;
  }

  /** Where the frontier lives, for workers started elsewhere (`--redis`). */
  get redisUrl(): string {
    return this.#redisUrl;
  }

  /** The local Redis this crawl started, if it did (the tests restart it). */
  get localRedis(): LocalRedis | null {
    return this.#localRedis;
  }

  async #seed(): Promise<void> {
    const { spec, concurrency } = this.#options;
    const config: FrontierConfig = {
      hostConcurrency: this.#options.hostConcurrency ?? 0,
      hostDelayMs: this.#options.hostDelayMs ?? 0,
      leaseMs: this.#leaseMs,
      maxPages: spec.paths.length, // the pages asked for (--pages; those --url found)
    };
    const first = spec.paths[0] ?? '/';
    const [ip, port] = spec.address;
    const url = spec.origin === undefined ? `http://${ip}:${port}${first}` : spec.origin + first;
    this.#started = now();
    await this.#frontier.seed(config, [url], { ...spec, paths: [first], concurrency });
  }

  /** Starts one more worker process on this machine. */
  addWorker(): WorkerProcess {
    const name = `w${this.workers.length + 1}`;
    const child = spawn(
      process.execPath,
      [
        ...MEMBER_EXEC_ARGV,
        '--eval',
        WORKER_SCRIPT,
        '--',
        '--redis',
        this.#redisUrl,
        '--crawl',
        this.id,
        '--name',
        name,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const worker: WorkerProcess = { name, pid: child.pid ?? -1 };
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    liveWorkers.add(child);
    child.once('exit', (code, signal) => {
      liveWorkers.delete(child);
      worker.ended = signal ?? `exit ${code}`;
      this.#children.delete(name);
      const line = out.trim().split('\n').pop();
      if (code === 0 && line) {
        try {
          worker.summary = JSON.parse(line) as WorkerSummary;
        } catch {
          // not a summary: the row says it ended without one
        }
      }
    });
    this.#children.set(name, child);
    this.workers.push(worker);
    return worker;
  }

  /** Sends `signal` to worker `name` (the tests kill workers mid-crawl). */
  kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): void {
    this.#children.get(name)?.kill(signal);
  }

  /** The frontier's counters now. */
  status(): Promise<FrontierStatus> {
    return this.#frontier.status();
  }

  /**
   * Waits until the crawl is over and every worker has ended, then gathers the results.
   *
   * When this machine's workers have all ended with pages left, the crawl may still have workers
   * elsewhere (`pnpm crawl --worker`): if any worker not started here has taken URLs, the
   * coordinator waits for them as long as the frontier moves, and gives up only after a lease
   * time (and a grace of 2 s) without a page recorded, taken or reclaimed. Without such workers
   * it gives up at once.
   * @throws CrawlAbandonedError when every worker ended, or stopped making progress, with pages
   *   still to fetch
   */
  async finish(): Promise<DistributedResult> {
    const progressMs = this.#options.progressMs ?? 200;
    const stallMs = this.#leaseMs + REMOTE_GRACE_MS;
    let lastMark = '';
    let movedAt = Date.now();
    for (;;) {
      const status = await this.#frontier.status();
      this.#options.onProgress?.(status, this.workers);
      const over = status.seen > 0 && status.queued === 0 && status.leased === 0;
      const running = this.#children.size;
      if (over && running === 0) break;
      const { fetched, failed, queued, leased, reclaimed } = status;
      const mark = `${fetched} ${failed} ${queued} ${leased} ${reclaimed}`;
      if (mark !== lastMark) {
        lastMark = mark;
        movedAt = Date.now();
      }
      if (running === 0 && !over) {
        const local = new Set(this.workers.map((w) => w.name));
        const remote = (await this.#frontier.workerNames()).filter((name) => !local.has(name));
        const stalled = Date.now() - movedAt > stallMs;
        if (remote.length === 0 || stalled) {
          const elsewhere =
            remote.length === 0
              ? ''
              : `; workers elsewhere (${remote.join(', ')}) made no progress for ${String(stallMs)} ms`;
          throw new CrawlAbandonedError(
            `every worker here ended with ${status.queued} pages waiting and ${status.leased} leased` +
              ` (${this.workers.map((w) => `${w.name}: ${w.ended ?? '?'}`).join(', ')})${elsewhere}`,
          );
        }
      }
      await new Promise((resolve) => setTimeout(resolve, progressMs));
    }
    return this.#gather();
  }

  /** How long a worker holds a URL before another may take it (the crawl's `leaseMs`). */
  get #leaseMs(): number {
    return this.#options.leaseMs ?? this.#options.spec.timeoutMs + 5000;
  }

  /**
   * The results, timed as a local crawl's: from the first request to the last response (the
   * workers' start-up, a second of loading code, is not the crawl's; `startupMs` says it).
   */
  async #gather(): Promise<DistributedResult> {
    const status = await this.#frontier.status();
    const results = [...(await this.#frontier.results()).values()].map(
      (json) => JSON.parse(json) as PageResult,
    );
    const start = results.length === 0 ? now() : Math.min(...results.map((page) => page.start));
    const wallMs = results.length === 0 ? 0 : Math.max(...results.map((page) => page.end)) - start;
    const at = (t: number | undefined) => (t === undefined ? undefined : Math.max(0, t - start));
    results.sort((a, b) => a.start - b.start);
    const pages: PageTimes[] = results.map((page) => ({
      path: page.path,
      start: at(page.start)!,
      end: at(page.end)!,
      bytes: page.bytes,
      ...(page.connected === undefined ? {} : { connected: at(page.connected) }),
      ...(page.firstByte === undefined ? {} : { firstByte: at(page.firstByte) }),
      ...(page.error === undefined ? {} : { error: page.error }),
    }));
    const failedPage = results.find((page) => page.error !== undefined);
    const rows: WorkerRow[] = this.workers.map((worker) => {
      const counts = status.workers.get(worker.name) ?? { fetched: 0, failed: 0 };
      return {
        name: worker.name,
        recorded: counts.fetched + counts.failed,
        failed: counts.failed,
        cpuMs: worker.summary?.cpuMs ?? null,
        peakRssMiB: worker.summary?.peakRssMiB ?? null,
        roundTrips: worker.summary?.roundTrips ?? null,
        ended: worker.ended ?? 'running',
      };
    });
    // Workers that joined from elsewhere (`pnpm crawl --worker`): the frontier counted theirs.
    for (const [name, counts] of status.workers) {
      if (this.workers.some((worker) => worker.name === name)) continue;
      rows.push({
        name,
        recorded: counts.fetched + counts.failed,
        failed: counts.failed,
        cpuMs: null,
        peakRssMiB: null,
        roundTrips: null,
        ended: 'joined',
      });
    }
    const reporting = rows.filter((row) => row.roundTrips !== null);
    const reportedPages = reporting.reduce((sum, row) => sum + row.recorded, 0);
    return {
      id: this.id,
      wallMs,
      startupMs: start - this.#started,
      cpuMs: rows.reduce((sum, row) => sum + (row.cpuMs ?? 0), 0),
      fetched: status.fetched,
      failed: status.failed,
      bytes: results.reduce((sum, page) => sum + page.bytes, 0),
      ...(failedPage === undefined
        ? {}
        : { firstError: `${failedPage.path}: ${failedPage.error}` }),
      pages,
      workers: rows,
      status,
      roundTripsPerPage:
        reportedPages === 0
          ? null
          : reporting.reduce((sum, row) => sum + row.roundTrips!, 0) / reportedPages,
    };
  }

  /** Kills the workers still running, deletes the crawl's keys, stops a local Redis. */
  async close(): Promise<void> {
    this.#ended ??= (async () => {
      const exits = [...this.#children.values()].map(
        (child) => new Promise((resolve) => child.once('exit', resolve)),
      );
      for (const child of this.#children.values()) child.kill('SIGKILL');
      await Promise.all(exits);
      try {
        if (this.#localRedis === null) await this.#frontier.drop();
      } finally {
        await this.#frontier.close();
        await this.#localRedis?.close();
      }
    })();
    await this.#ended;
  }
}
