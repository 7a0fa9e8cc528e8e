/**
 * §4.1 (generators + Future + Task) and §4.2 (yield*), run against the embedded site over real
 * sockets on 127.0.0.1.
 */
import { readdirSync } from 'node:fs';
import { Socket, type IPv4Address } from '@aio/selector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measure } from '../measure';
import { startSite, type Site } from '../site/index';
import { blockingWay } from './blocking';
import { generatorStrategy } from './generators';
import type { StrategyInfo } from './types';
import { yieldFromStrategy } from './yield-from';

const PAGES = 8;
const LATENCY_MS = 50;

let site: Site;
/** What §3.1's blocking sockets get for each path: the reference every stage must match. */
const expected = new Map<string, Buffer>();

/** The response's body: what follows the blank line after the headers (Date and such differ). */
function body(response: Buffer | undefined): Buffer {
  if (!response) throw new Error('no response');
  const end = response.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no end of headers in ${JSON.stringify(response.toString())}`);
  return response.subarray(end + 4);
}

/** Open fds, of any kind: a run must leave as many as it found. */
function openFdCount(): number {
  return readdirSync(process.platform === 'linux' ? '/proc/self/fd' : '/dev/fd').length;
}

beforeAll(async () => {
  site = await startSite({ pages: PAGES, latencyMs: LATENCY_MS, sizeBytes: 9000 });
  for (const path of site.paths) expected.set(path, body(blockingWay(site.host, site.port, path)));
});

afterAll(async () => {
  await site?.stop();
});

describe.each([
  ['generators', generatorStrategy],
  ['yield-from', yieldFromStrategy],
] as const)('the %s stage', (_name, strategy: StrategyInfo) => {
  it('fetches every page, all waits overlapping on one thread', async () => {
    const result = await measure(strategy, site);
    expect(result).toMatchObject({ fetched: PAGES, failed: 0 });
    // One after another would take PAGES × LATENCY_MS; all at once takes about one latency.
    expect(result.wallMs / (PAGES * LATENCY_MS)).toBeLessThan(0.5);
    expect(strategy.concurrency(PAGES)).toBe(PAGES);
  });

  it('gets each body byte for byte as blocking sockets do', async () => {
    const { responses } = await strategy.run(site);
    expect([...responses.keys()].sort()).toEqual([...site.paths].sort());
    // As latin1 strings: one byte per character, and far quicker to compare than a Buffer's
    // elements one by one, with a readable diff when they differ.
    for (const path of site.paths) {
      expect(body(responses.get(path)).toString('latin1'), path).toBe(
        expected.get(path)!.toString('latin1'),
      );
    }
  });

  it('leaves no fd, timer or child process behind', async () => {
    const fds = openFdCount();
    const resources = process.getActiveResourcesInfo().sort();
    await strategy.run(site);
    expect(openFdCount()).toBe(fds);
    expect(process.getActiveResourcesInfo().sort()).toEqual(resources);
  });

  it('throws ECONNREFUSED at a refused connection, closing every socket, instead of hanging', () => {
    // Bound but not listening: the kernel refuses connections to this port, and keeping it
    // bound means no other process can take the port meanwhile.
    const closed = new Socket();
    try {
      closed.bind(['127.0.0.1', 0]);
      const [host, port] = closed.getsockname() as IPv4Address;
      const fds = openFdCount();
      expect(() => strategy.run({ host, port, paths: site.paths })).toThrow(/ECONNREFUSED/);
      // The connects fail one by one: when the first throws, the other generators are still
      // waiting at a `yield`, and their sockets must be closed too.
      expect(openFdCount()).toBe(fds);
    } finally {
      closed.close();
    }
  });
});
