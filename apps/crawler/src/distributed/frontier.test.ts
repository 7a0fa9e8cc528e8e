/**
 * The frontier's contract (frontier.ts), against a real redis-server on a Unix socket: dedupe,
 * leases that run out, exactly-once recording, per-host politeness, the end of a crawl, many
 * workers at once, and a Redis restarted mid-crawl.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Frontier,
  UnknownCrawlError,
  type FrontierConfig,
  type Lease,
  type Taken,
} from './frontier';
import { findRedisServer, startLocalRedis, type LocalRedis } from './redis-server';
import { TAKE } from './scripts';

const haveRedis = findRedisServer() !== null;
if (!haveRedis) console.warn('frontier.test: redis-server is not installed; skipped');

const OPEN: FrontierConfig = { hostConcurrency: 0, hostDelayMs: 0, leaseMs: 10_000 };
const site = (n: number | string) => `http://127.0.0.1:8080/${n}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The leases of a `take` that must have given some. */
function leasesOf(taken: Taken): readonly Lease[] {
  if (taken.kind !== 'urls') throw new Error(`expected URLs, got ${JSON.stringify(taken)}`);
  return taken.leases;
}

describe.skipIf(!haveRedis)('Frontier', () => {
  let redis: LocalRedis;
  const opened: Frontier[] = [];
  const open = (id: string): Frontier => {
    const frontier = new Frontier(redis.url, id);
    opened.push(frontier);
    return frontier;
  };

  beforeAll(async () => {
    redis = await startLocalRedis();
  });
  afterAll(async () => {
    await Promise.all(opened.map((f) => f.close()));
    await redis?.close();
  });

  it('queues each URL once, leases it, records it once, and says when the crawl is over', async () => {
    const f = open(randomUUID());
    expect(await f.seed(OPEN, [site(0), site(0), site(1)])).toBe(2);
    const taken = await f.take('w1', 10);
    expect(taken.kind).toBe('urls');
    const leases = taken.kind === 'urls' ? taken.leases : [];
    expect(leases.map((l) => l.url)).toEqual([site(0), site(1)]);
    // Nothing else waits, but two are leased: wait, not done.
    expect((await f.take('w1', 10)).kind).toBe('wait');

    const first = await f.complete('w1', leases[0]!, 'fetched', 'page 0', [
      site(1),
      site(2),
      site(2),
    ]);
    expect(first).toEqual({ recorded: true, queued: 1, leaseWasCurrent: true, done: false });
    const second = await f.complete('w1', leases[1]!, 'failed', 'refused');
    expect(second).toEqual({ recorded: true, queued: 0, leaseWasCurrent: true, done: false });
    const third = await f.take('w2', 10);
    expect(third.kind === 'urls' && third.leases.map((l) => l.url)).toEqual([site(2)]);
    const last = await f.complete('w2', leasesOf(third)[0]!, 'fetched', 'page 2');
    expect(last.done).toBe(true);
    expect(await f.take('w1', 10)).toEqual({ kind: 'done' });

    const status = await f.status();
    expect(status).toMatchObject({
      seen: 3,
      queued: 0,
      leased: 0,
      fetched: 2,
      failed: 1,
      duplicates: 0,
    });
    expect(status.workers.get('w1')).toEqual({ fetched: 1, failed: 1 });
    expect(status.workers.get('w2')).toEqual({ fetched: 1, failed: 0 });
    expect(await f.results()).toEqual(
      new Map([
        [site(0), 'page 0'],
        [site(1), 'refused'],
        [site(2), 'page 2'],
      ]),
    );
  });

  it('gives a URL whose lease ran out to another worker; the late completion records nothing twice', async () => {
    const f = open(randomUUID());
    await f.seed({ ...OPEN, leaseMs: 150 }, [site(0)]);
    const dying = await f.take('dying', 1);
    expect(dying.kind).toBe('urls');
    const staleLease = leasesOf(dying)[0]!;
    const early = await f.take('other', 1);
    expect(early.kind === 'wait' && early.ms <= 150).toBe(true);

    await sleep(200);
    const again = await f.take('other', 1);
    expect(again.kind).toBe('urls');
    const freshLease = leasesOf(again)[0]!;
    expect(freshLease.url).toBe(site(0));
    expect(freshLease.token).not.toBe(staleLease.token);

    // The first worker was only slow: its completion comes first and records, but must not end
    // the other's lease.
    const late = await f.complete('dying', staleLease, 'fetched', 'by the slow one', [site(1)]);
    expect(late).toMatchObject({ recorded: true, queued: 1, leaseWasCurrent: false, done: false });
    const current = await f.complete('other', freshLease, 'fetched', 'by the other', [site(1)]);
    expect(current).toMatchObject({ recorded: false, queued: 0, leaseWasCurrent: true });

    const status = await f.status();
    expect(status).toMatchObject({ reclaimed: 1, duplicates: 1, fetched: 1, leased: 0, queued: 1 });
    expect((await f.results()).get(site(0))).toBe('by the slow one');
  });

  it('keeps at most hostConcurrency of a host in flight, across workers', async () => {
    const f = open(randomUUID());
    const other = 'http://localhost:9/x';
    await f.seed({ ...OPEN, hostConcurrency: 2 }, [site(0), site(1), site(2), site(3), other]);
    const a = await f.take('a', 10);
    const urls = a.kind === 'urls' ? a.leases.map((l) => l.url) : [];
    expect(urls.filter((u) => u.startsWith('http://127.0.0.1'))).toHaveLength(2);
    expect(urls).toContain(other);
    expect((await f.take('b', 10)).kind).toBe('wait'); // 127.0.0.1 is full; localhost empty
    await f.complete('a', leasesOf(a)[0]!, 'fetched', '');
    const b = await f.take('b', 10);
    expect(b.kind === 'urls' && b.leases.map((l) => l.url)).toEqual([site(2)]);
  });

  it('starts requests to one host at least hostDelayMs apart', async () => {
    const f = open(randomUUID());
    await f.seed({ ...OPEN, hostDelayMs: 120 }, [site(0), site(1), site(2)]);
    // Redis starts each lease at some moment between our sending the take and our reading its
    // answer; on a loaded machine either trip may take long. So the check that holds whatever
    // the trips take: from sending one granted take to reading the next grant is at least the
    // delay (Redis's clock has ms resolution and ours may run a little apart: allow 5 ms).
    const sent: number[] = [];
    const granted: number[] = [];
    let leased = 0;
    while (leased < 3) {
      const before = performance.now();
      const taken = await f.take('w', 10);
      if (taken.kind === 'urls') {
        expect(taken.leases).toHaveLength(1);
        sent.push(before);
        granted.push(performance.now());
        leased++;
      } else if (taken.kind === 'wait') {
        expect(taken.ms).toBeLessThanOrEqual(120);
        await sleep(taken.ms);
      }
    }
    expect(granted[1]! - sent[0]!).toBeGreaterThanOrEqual(115);
    expect(granted[2]! - sent[1]!).toBeGreaterThanOrEqual(115);
  });

  it('queues no more than maxPages URLs in all', async () => {
    const f = open(randomUUID());
    expect(await f.seed({ ...OPEN, maxPages: 3 }, [site(0), site(1)])).toBe(2);
    const [lease] = leasesOf(await f.take('w', 1));
    const done = await f.complete('w', lease!, 'fetched', '', [site(2), site(3), site(4)]);
    expect(done.queued).toBe(1);
    expect((await f.status()).seen).toBe(3);
  });

  it('answers a take resent after a reconnect with the leases it gave, not new ones', async () => {
    const id = randomUUID();
    const f = open(id);
    await f.seed(OPEN, [site(0), site(1), site(2)]);
    // What ioredis does when the connection drops after Redis ran the script but before the
    // answer came: the same script with the same arguments, again.
    const raw = new Redis({ path: redis.url });
    try {
      const prefix = f.prefix;
      const first = await raw.eval(TAKE, 1, prefix, 'w', 2, 'session:1');
      const again = await raw.eval(TAKE, 1, prefix, 'w', 2, 'session:1');
      expect(again).toEqual(first);
      const next = (await raw.eval(TAKE, 1, prefix, 'w', 2, 'session:2')) as string[];
      expect(next.slice(1).filter((_, i) => i % 2 === 0)).toEqual([site(2)]);
    } finally {
      raw.disconnect();
    }
    expect((await f.status()).leased).toBe(3);
  });

  it('fails with UnknownCrawlError before a crawl is seeded', async () => {
    const f = open(randomUUID());
    await expect(f.take('w', 1)).rejects.toBeInstanceOf(UnknownCrawlError);
  });

  it('wakes a waiting worker when another queues URLs', async () => {
    const id = randomUUID();
    const a = open(id);
    const b = open(id);
    await a.seed(OPEN, [site(0)]);
    const taken = leasesOf(await a.take('a', 1));
    const started = performance.now();
    const waiting = b.waitForWork(5000);
    await sleep(50);
    await a.complete('a', taken[0]!, 'fetched', '', [site(1)]);
    await waiting;
    expect(performance.now() - started).toBeLessThan(2000);
    expect((await b.take('b', 1)).kind).toBe('urls');
  });

  it('records every page of a 1,000-page link graph exactly once with 8 workers racing', async () => {
    const id = randomUUID();
    const pages = 1000;
    const links = (n: number) =>
      Array.from({ length: 10 }, (_, k) => 10 * n + k + 1)
        .filter((m) => m < pages)
        .concat([0, Math.floor(n / 2)]) // links back: already seen
        .map(site);
    const workers = Array.from({ length: 8 }, (_, i) => ({ name: `w${i}`, f: open(id) }));
    await workers[0]!.f.seed({ ...OPEN, leaseMs: 400 }, [site(0)]);
    const fetchedBy = new Map<string, number>();
    await Promise.all(
      workers.map(async ({ name, f }, i) => {
        for (;;) {
          const taken = await f.take(name, 20);
          if (taken.kind === 'done') return;
          if (taken.kind === 'wait') {
            await f.waitForWork(Math.min(taken.ms, 100));
            continue;
          }
          for (const lease of taken.leases) {
            // Worker 0 "dies" on every 50th page: it never completes, and its lease runs out.
            const n = Number(lease.url.split('/').pop());
            if (i === 0 && n % 50 === 7) continue;
            fetchedBy.set(lease.url, (fetchedBy.get(lease.url) ?? 0) + 1);
            await f.complete(name, lease, 'fetched', `page ${n}`, links(n));
          }
        }
      }),
    );
    const results = await workers[0]!.f.results();
    expect(results.size).toBe(pages);
    for (let n = 0; n < pages; n++) expect(results.get(site(n))).toBe(`page ${n}`);
    const status = await workers[0]!.f.status();
    expect(status).toMatchObject({ seen: pages, fetched: pages, leased: 0, queued: 0 });
    expect(status.fetched + status.duplicates).toBe(
      [...fetchedBy.values()].reduce((a, b) => a + b, 0),
    );
  }, 60_000);

  it('goes on after Redis restarts mid-crawl, with nothing lost (append-only file)', async () => {
    const own = await startLocalRedis();
    const f = new Frontier(own.url, randomUUID());
    try {
      await f.seed(OPEN, [site(0), site(1), site(2)]);
      const first = leasesOf(await f.take('w', 1));
      await f.complete('w', first[0]!, 'fetched', 'zero', [site(3)]);
      const before = own.pid;
      await own.restart();
      expect(own.pid).not.toBe(before);
      // The client reconnects by itself; the scripts are loaded again (EVALSHA → NOSCRIPT → EVAL).
      const urls: string[] = [];
      for (;;) {
        const taken = await f.take('w', 10);
        if (taken.kind !== 'urls') break;
        for (const lease of taken.leases) {
          urls.push(lease.url);
          await f.complete('w', lease, 'fetched', lease.url, []);
        }
      }
      expect(urls.sort()).toEqual([site(1), site(2), site(3)]);
      expect((await f.results()).size).toBe(4);
      expect(await f.take('w', 1)).toEqual({ kind: 'done' });
    } finally {
      await f.close();
      await own.close();
    }
  }, 30_000);
});
