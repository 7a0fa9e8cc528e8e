/**
 * The distributed crawl end to end: a real redis-server, real worker processes fetching the
 * embedded site's 1,000-page link graph; workers killed with SIGKILL mid-crawl and a new one
 * started; Redis itself restarted mid-crawl.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteSpec } from '../measure';
import { startSite, type Site } from '../site/index';
import { CrawlAbandonedError, DistributedCrawl, type DistributedResult } from './coordinator';
import { findRedisServer } from './redis-server';

const haveRedis = findRedisServer() !== null;
if (!haveRedis) console.warn('coordinator.test: redis-server is not installed; skipped');

const PAGES = 1000;
const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const TSX = createRequire(import.meta.url).resolve('tsx');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A worker started as one elsewhere would be: `pnpm crawl --worker --redis URL --crawl ID`. */
function join(crawl: DistributedCrawl, name: string): ChildProcess {
  return spawn(
    process.execPath,
    [
      '--conditions=@aio/source',
      '--import',
      TSX,
      MAIN,
      '--worker',
      '--redis',
      crawl.redisUrl,
      '--crawl',
      crawl.id,
      '--name',
      name,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
}

/** Every page of the site recorded once, fetched, with its own body (the workers checked it). */
function expectWholeSite(result: DistributedResult, site: Site): void {
  expect(result.failed).toBe(0);
  expect(result.fetched).toBe(PAGES);
  expect(result.pages.map((page) => page.path).sort()).toEqual([...site.paths].sort());
  expect(result.pages.every((page) => page.error === undefined)).toBe(true);
  expect(result.status).toMatchObject({ seen: PAGES, queued: 0, leased: 0 });
  // Each page recorded by exactly one worker.
  expect(result.workers.reduce((sum, row) => sum + row.recorded, 0)).toBe(PAGES);
}

describe.skipIf(!haveRedis)('a distributed crawl', () => {
  let site: Site;
  beforeAll(async () => {
    site = await startSite({ pages: PAGES, latencyMs: 20, sizeBytes: 1024 });
  });
  afterAll(async () => {
    await site?.stop();
  });
  const spec = () =>
    siteSpec(site, { pages: PAGES, sizeBytes: 1024 }, { concurrency: 50, timeoutMs: 10_000 });

  it('fetches every page of 1,000 once with 4 workers', async () => {
    const crawl = await DistributedCrawl.start({ spec: spec(), workers: 4, concurrency: 50 });
    try {
      const result = await crawl.finish();
      expectWholeSite(result, site);
      expect(result.status.duplicates).toBe(0);
      expect(result.status.reclaimed).toBe(0);
      for (const row of result.workers) {
        expect(row.ended).toBe('exit 0');
        expect(row.recorded).toBeGreaterThan(0); // every worker took part
      }
      expect(result.roundTripsPerPage).toBeLessThanOrEqual(3);
    } finally {
      await crawl.close();
    }
  }, 120_000);

  it('still fetches every page, recorded once, when 2 of 4 workers are killed and 1 joins', async () => {
    const crawl = await DistributedCrawl.start({
      spec: spec(),
      workers: 4,
      concurrency: 50,
      leaseMs: 1500, // the killed workers' pages come back after 1.5 s
    });
    try {
      // Kill once the crawl is well under way: some pages are recorded, most are not.
      for (;;) {
        const status = await crawl.status();
        if (status.fetched >= 150) break;
        await sleep(20);
      }
      crawl.kill('w1');
      crawl.kill('w2');
      crawl.addWorker();
      const result = await crawl.finish();
      expectWholeSite(result, site);
      expect(result.status.reclaimed).toBeGreaterThan(0); // the dead ones' leases came back
      const ended = new Map(result.workers.map((row) => [row.name, row.ended]));
      expect(ended.get('w1')).toBe('SIGKILL');
      expect(ended.get('w2')).toBe('SIGKILL');
      expect(ended.get('w5')).toBe('exit 0');
    } finally {
      await crawl.close();
    }
  }, 120_000);

  it('takes in a worker that joins from elsewhere with `pnpm crawl --worker`', async () => {
    const crawl = await DistributedCrawl.start({ spec: spec(), workers: 1, concurrency: 5 });
    let joiner: ChildProcess | undefined;
    try {
      joiner = join(crawl, 'joiner');
      let said = '';
      joiner.stdout!.setEncoding('utf8').on('data', (chunk: string) => (said += chunk));
      const joined = new Promise<number | null>((resolve) => joiner!.once('exit', resolve));
      const result = await crawl.finish();
      expectWholeSite(result, site);
      const row = result.workers.find((w) => w.name === 'joiner');
      expect(row?.ended).toBe('joined');
      expect(row?.recorded).toBeGreaterThan(0);
      expect(await joined).toBe(0);
      expect(said).toMatch(/^worker joiner: \d+ fetched, 0 failed/);
    } finally {
      joiner?.kill('SIGKILL');
      await crawl.close();
    }
  }, 120_000);

  it('waits for a worker elsewhere when its own have died, and calls the crawl abandoned only without one', async () => {
    // With a worker elsewhere: this machine's only worker is killed mid-crawl; the joiner takes
    // its pages back once their leases run out, and the crawl completes.
    const crawl = await DistributedCrawl.start({
      spec: spec(),
      workers: 1,
      concurrency: 20,
      leaseMs: 1500,
    });
    let joiner: ChildProcess | undefined;
    try {
      joiner = join(crawl, 'elsewhere');
      for (;;) {
        const status = await crawl.status();
        if ((status.workers.get('elsewhere')?.fetched ?? 0) > 0 && status.fetched >= 100) break;
        await sleep(20);
      }
      crawl.kill('w1');
      const result = await crawl.finish();
      expectWholeSite(result, site);
      const ended = new Map(result.workers.map((row) => [row.name, row.ended]));
      expect(ended.get('w1')).toBe('SIGKILL');
      expect(ended.get('elsewhere')).toBe('joined');
    } finally {
      joiner?.kill('SIGKILL');
      await crawl.close();
    }

    // Without one: the crawl is abandoned as soon as its only worker is gone.
    const alone = await DistributedCrawl.start({ spec: spec(), workers: 1, concurrency: 20 });
    try {
      for (;;) {
        if ((await alone.status()).fetched >= 50) break;
        await sleep(20);
      }
      alone.kill('w1');
      const error = await alone.finish().then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(CrawlAbandonedError);
      expect((error as Error).message).toMatch(/^every worker here ended with \d+ pages waiting/);
      expect((error as Error).message).not.toMatch(/elsewhere/);
    } finally {
      await alone.close();
    }
  }, 120_000);

  it('completes when Redis restarts mid-crawl: the workers reconnect', async () => {
    const crawl = await DistributedCrawl.start({ spec: spec(), workers: 2, concurrency: 50 });
    try {
      for (;;) {
        const status = await crawl.status();
        if (status.fetched >= 100) break;
        await sleep(20);
      }
      await crawl.localRedis!.restart();
      const result = await crawl.finish();
      expectWholeSite(result, site);
      for (const row of result.workers) expect(row.ended).toBe('exit 0');
    } finally {
      await crawl.close();
    }
  }, 120_000);
});
