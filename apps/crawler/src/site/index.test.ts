import { describe, expect, it } from 'vitest';
import { get } from '../test-support';
import { startSite } from './index';

describe('startSite', () => {
  it('rejects a bad --faults spec at once, with parseFaults’s message, before starting a server', async () => {
    const start = performance.now();
    await expect(
      startSite({ pages: 10, latencyMs: 0, sizeBytes: 100, faults: 'reset,rst=2' }),
    ).rejects.toThrow(
      '--faults: unknown fault "rst=2" in "reset,rst=2" (valid kinds: refused, reset, malformed, slow, or all)',
    );
    await expect(
      startSite({ pages: 3, latencyMs: 0, sizeBytes: 100, faults: 'all' }),
    ).rejects.toThrow('--faults: 4 faulty pages do not fit in a site of 3 pages');
    // Starting the server process takes a good part of a second; failing took no such time.
    expect(performance.now() - start).toBeLessThan(100);
  });

  it('without faults, has none, and every page is at the site’s own address', async () => {
    const site = await startSite({ pages: 3, latencyMs: 0, sizeBytes: 100 });
    try {
      expect(site.faults.size).toBe(0);
      for (const path of site.paths) {
        expect(site.address(path)).toEqual(['127.0.0.1', site.port]);
        expect(get(site.address(path), path).toString()).toMatch(/^HTTP\/1\.1 200 OK/);
      }
    } finally {
      await site.stop();
    }
  });

  it('with faults, names each faulty page by path, and the rest work as before', async () => {
    const site = await startSite({
      pages: 9,
      latencyMs: 0,
      sizeBytes: 100,
      faults: 'refused,reset=2',
    });
    try {
      expect([...site.faults]).toEqual([
        ['/1', 'refused'],
        ['/3', 'reset'],
        ['/6', 'reset'],
      ]);
      expect(site.paths).toEqual(['/', '/1', '/2', '/3', '/4', '/5', '/6', '/7', '/8']);
      expect(site.address('/1')[1]).not.toBe(site.port);
      expect(get(site.address('/2'), '/2').toString()).toMatch(/^HTTP\/1\.1 200 OK/);
    } finally {
      await site.stop();
    }
  });
});
