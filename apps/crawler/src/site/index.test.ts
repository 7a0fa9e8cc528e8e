import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { get } from '../test-support';
import { startSite } from './index';

// This file starts the site in a child process (Node with tsx): seconds alone, and ten times that
// on a loaded 2-core machine (the suite beside two CPU hogs), so the limits are 120 s, not 20.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

describe('startSite', () => {
  it('rejects a bad --faults spec at once, with parseFaults’s message, before starting a server', async () => {
    // At once: settled before Node's next turn (a server process would take many), and with no
    // child process started meanwhile — counted in turns and seen in /proc, not timed, as a
    // loaded machine stretches any time.
    const children = (): string[] =>
      readdirSync('/proc/self/task').flatMap((tid) =>
        readFileSync(`/proc/self/task/${tid}/children`, 'utf8').split(' ').filter(Boolean),
      );
    const settledAtOnce = (promise: Promise<unknown>): Promise<boolean> =>
      Promise.race([
        promise.then(
          () => true,
          () => true,
        ),
        new Promise<boolean>((resolve) => setImmediate(() => resolve(false))),
      ]);
    const before = children();
    const bad = startSite({ pages: 10, latencyMs: 0, sizeBytes: 100, faults: 'reset,rst=2' });
    const tooMany = startSite({ pages: 3, latencyMs: 0, sizeBytes: 100, faults: 'all' });
    expect(children()).toEqual(before);
    expect(await Promise.all([settledAtOnce(bad), settledAtOnce(tooMany)])).toEqual([true, true]);
    await expect(bad).rejects.toThrow(
      '--faults: unknown fault "rst=2" in "reset,rst=2" (valid kinds: refused, reset, malformed, slow, or all)',
    );
    await expect(tooMany).rejects.toThrow(
      '--faults: 4 faulty pages do not fit in a site of 3 pages',
    );
    expect(children()).toEqual(before);
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
