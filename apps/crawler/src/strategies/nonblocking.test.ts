import { afterAll, beforeAll, expect, it } from 'vitest';
import { measure } from '../measure';
import { startSite, type Site } from '../site/index';
import { blockingWay } from './blocking';
import { STRATEGIES } from './index';
import { nonblocking, nonblockingSyncWay, nonblockingWay } from './nonblocking';

let site: Site;

beforeAll(async () => {
  site = await startSite({ pages: 6, latencyMs: 100, sizeBytes: 9000 });
});

afterAll(async () => {
  await site.stop();
});

/** What follows the header's blank line: headers such as Date differ from one response to the next. */
function body(response: Buffer | undefined): Buffer {
  expect(response).toBeDefined();
  const end = response!.indexOf('\r\n\r\n');
  expect(end).toBeGreaterThan(0);
  return response!.subarray(end + 4);
}

it('fetches every page, each body byte for byte what blockingWay gets', async () => {
  const result = await measure(nonblocking, site);
  expect(result).toMatchObject({ fetched: 6, failed: 0 });
  const { responses } = nonblockingSyncWay(site);
  for (const path of site.paths) {
    expect(body(responses.get(path)).equals(body(blockingWay(site.host, site.port, path)))).toBe(
      true,
    );
  }
});

it('is no faster than blocking sockets, and spins the CPU through every wait', async () => {
  const blocking = STRATEGIES.find((s) => s.name === 'blocking')!;
  const spinning = await measure(nonblocking, site);
  const sleeping = await measure(blocking, site);
  expect(nonblocking.concurrency(6)).toBe(1);
  // One page after another: 6 × 100 ms, as blocking.
  expect(spinning.wallMs).toBeGreaterThanOrEqual(6 * 100);
  // Blocking sleeps in recv; busy polling asks again and again, and is billed for it.
  expect(spinning.cpuMs).toBeGreaterThan(3 * sleeping.cpuMs);
});

it('gives up on a refused connection with ECONNREFUSED rather than spinning forever', async () => {
  const closed = await startSite({ pages: 1, latencyMs: 0, sizeBytes: 10 });
  await closed.stop();
  let thrown: unknown;
  try {
    nonblockingWay(closed.host, closed.port, '/');
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toMatchObject({ code: 'ECONNREFUSED' });
});

it('hands back a 404 as it comes, like blockingWay', () => {
  expect(nonblockingWay(site.host, site.port, '/99').toString()).toMatch(/^HTTP\/1\.1 404/);
});
