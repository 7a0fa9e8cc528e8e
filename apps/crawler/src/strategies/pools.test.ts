import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGoodResponse, measure } from '../measure';
import { startSite, type Site } from '../site/index';
import { blockingWay } from './blocking';
import { processes, processWay } from './processes';
import { threads, threadWay } from './threads';

let site: Site;
let instant: Site;
let slow: Site;

beforeAll(async () => {
  [site, instant, slow] = await Promise.all([
    startSite({ pages: 6, latencyMs: 50, sizeBytes: 9000 }),
    startSite({ pages: 4, latencyMs: 0, sizeBytes: 9000 }),
    startSite({ pages: 4, latencyMs: 1500, sizeBytes: 9000 }),
  ]);
});

afterAll(async () => {
  await Promise.all([site, instant, slow].map((s) => s?.stop()));
});

/** What follows the header's blank line: headers such as Date differ from one response to the next. */
function body(response: Buffer | undefined): Buffer {
  expect(response).toBeDefined();
  const end = response!.indexOf('\r\n\r\n');
  expect(end).toBeGreaterThan(0);
  return response!.subarray(end + 4);
}

/** This process's child processes and its thread count (Linux's /proc; elsewhere nothing is checked). */
function descendants(): { children: string[]; threads: number } | null {
  if (process.platform !== 'linux') return null;
  const children = readdirSync('/proc/self/task').flatMap((tid) =>
    readFileSync(`/proc/self/task/${tid}/children`, 'utf8').split(' ').filter(Boolean),
  );
  const status = readFileSync('/proc/self/status', 'utf8');
  return { children: children.sort(), threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1]) };
}

it("processes: the children's CPU time is counted in the measurement", async () => {
  const { extraCpuMs = 0 } = await processWay(site, 2);
  // Each child starts Node and loads the code before it fetches: tens of ms at the least.
  expect(extraCpuMs).toBeGreaterThan(20);
  const threadsResult = await threadWay(site, 2);
  expect(threadsResult.extraCpuMs).toBeUndefined(); // a thread's CPU is this process's already
});

describe.each([
  { strategy: processes, way: processWay, section: '3.2', members: 'child processes' },
  { strategy: threads, way: threadWay, section: '3.3', members: 'worker threads' },
])('$strategy.name', ({ strategy, way, section, members }) => {
  it('fetches every page, each body byte for byte what blockingWay gets', async () => {
    const before = descendants();
    const result = await measure(strategy, site);
    expect(result).toMatchObject({ fetched: 6, failed: 0 });
    const { responses } = await way(site);
    for (const path of site.paths) {
      expect(body(responses.get(path)).equals(body(blockingWay(site.host, site.port, path)))).toBe(
        true,
      );
    }
    expect(descendants()).toEqual(before);
  });

  it(`with fewer ${members} than pages, each takes the next page when done with one`, async () => {
    const { responses } = await way(site, 2);
    expect(site.paths.filter((path) => isGoodResponse(path, responses.get(path)))).toEqual(
      site.paths,
    );
  });

  it(`is §${section}, with every page in flight at once`, () => {
    expect(strategy.section).toBe(section);
    expect(strategy.concurrency(10)).toBe(10);
  });

  it('waits for the pages together: one latency more for all of them, not one each', async () => {
    // A member's start (a V8 to boot, the modules to load) can outweigh a short latency, so the
    // start is measured alone, against a site that answers at once, and taken away.
    const start = await measure(strategy, instant);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const waited = await measure(strategy, slow).finally(() => clearInterval(timer));
    expect(start).toMatchObject({ fetched: 4, failed: 0 });
    expect(waited).toMatchObject({ fetched: 4, failed: 0 });
    // 4 pages × 1500 ms: about 1500 ms more when they overlap, 6000 ms when they do not.
    expect(waited.wallMs - start.wallMs).toBeLessThan((4 * 1500) / 2);
    // The members block in recv; this thread's event loop went on turning meanwhile.
    expect(ticks * 10).toBeGreaterThan(waited.wallMs / 4);
  });

  it(`fails on a refused connection with ECONNREFUSED, and ends all its ${members}`, async () => {
    const closed = await startSite({ pages: 1, latencyMs: 0, sizeBytes: 10 });
    await closed.stop();
    const before = descendants();
    const target = { host: closed.host, port: closed.port, paths: site.paths };
    const failure = way(target, 3);
    await expect(failure).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(failure).rejects.toThrow(
      /^fetching \/\d* from 127\.0\.0\.1:\d+: connect ECONNREFUSED/,
    );
    expect(descendants()).toEqual(before);
  });
});
