import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGoodResponse, measure } from './measure';
import { startSite, type Site } from './site/index';
import { STRATEGIES } from './strategies/index';
import { blockingWay } from './strategies/blocking';

let site: Site;

beforeAll(async () => {
  site = await startSite({ pages: 6, latencyMs: 50, sizeBytes: 9000 });
});

afterAll(async () => {
  await site.stop();
});

describe('the embedded site', () => {
  it('serves each page once the latency has passed, over a real socket', () => {
    const start = performance.now();
    const response = blockingWay(site.host, site.port, '/3').toString();
    expect(performance.now() - start).toBeGreaterThanOrEqual(45);
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(response).toContain('<h1>page 3</h1>');
    expect(response).toContain('<a href="/4">');
  });

  it('answers 404 for a page it does not have', () => {
    expect(blockingWay(site.host, site.port, '/99').toString()).toMatch(/^HTTP\/1\.1 404/);
  });
});

describe('a fetched page', () => {
  it('counts only when its body is the page, byte for byte', () => {
    const good = blockingWay(site.host, site.port, '/2');
    const expected = site.body('/2')!;
    expect(isGoodResponse('/2', good, expected)).toBe(true);
    const corrupt = Buffer.from(good);
    const at = corrupt.length - 10; // one bit, deep in the body
    corrupt.writeUInt8(corrupt.readUInt8(at) ^ 1, at);
    expect(isGoodResponse('/2', corrupt, expected)).toBe(false);
    expect(isGoodResponse('/2', good.subarray(0, good.length - 1), expected)).toBe(false);
    expect(isGoodResponse('/2', good, site.body('/3'))).toBe(false);
    expect(site.body('/99')).toBeUndefined();
  });
});

describe.each(STRATEGIES.map((s) => [s.name, s] as const))('strategy %s', (_name, strategy) => {
  it('fetches every page, each whole', async () => {
    const result = await measure(strategy, site);
    expect(result).toMatchObject({ fetched: 6, failed: 0 });
    expect(result.bytes).toBeGreaterThan(6 * 9000);
  });
});

it('the event loop overlaps the waits that blocking sockets serialise', async () => {
  const byName = (name: string) => STRATEGIES.find((s) => s.name === name)!;
  const blocking = await measure(byName('blocking'), site);
  const callbacks = await measure(byName('callbacks'), site);
  // 6 pages × 50 ms: blocking waits them one after another, callbacks all at once.
  expect(blocking.wallMs).toBeGreaterThanOrEqual(6 * 50);
  expect(callbacks.wallMs).toBeLessThan(blocking.wallMs / 2);
});

it('stopping the site ends its process', async () => {
  const other = await startSite({ pages: 1, latencyMs: 0, sizeBytes: 10 });
  await other.stop();
  expect(() => blockingWay(other.host, other.port, '/')).toThrow(/ECONNREFUSED/);
});
