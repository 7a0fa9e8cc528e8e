/**
 * What the webspider does that the other stages do not (stages.test.ts runs it with them): it
 * finds the pages by their links, keeps the demo's sets, fails a page it never reached as such,
 * and, with tornado, fetches an https site through AsyncHTTPClient's TLS.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeTarget, measure, siteSpec, type TargetSpec } from '../measure';
import { startSite, type Site } from '../site/index';
import { tornadoStrategy } from './tornado';
import { checkSpider, webspiderStrategy, webspiderWay } from './webspider';

// Sites are processes (Node with tsx): seconds on a loaded machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const PAGES = 8;
const SIZE = 3000;
const TLS = fileURLToPath(new URL('../../../../tooling/fixtures/tls/', import.meta.url));

let site: Site;
/** 8 pages, 4 of them faulty (/1 refused, /2 reset, /4 malformed, /6 slow). */
let faulty: Site;
/** 12 pages, /1 refused: /11 is linked from /1 only (/ links to /1 … /10), so it is never reached. */
let cutOff: Site;

beforeAll(async () => {
  [site, faulty, cutOff] = await Promise.all([
    startSite({ pages: PAGES, latencyMs: 20, sizeBytes: SIZE }),
    startSite({ pages: PAGES, latencyMs: 20, sizeBytes: SIZE, faults: 'all' }),
    startSite({ pages: 12, latencyMs: 20, sizeBytes: SIZE, faults: 'refused' }),
  ]);
});

afterAll(async () => {
  await Promise.all([site?.stop(), faulty?.stop(), cutOff?.stop()]);
});

const spec = (on: Site, pages = PAGES): TargetSpec =>
  siteSpec(on, { pages, sizeBytes: SIZE }, { concurrency: 4, timeoutMs: 2_000 });

describe('webspider', () => {
  it('finds every page from / by its links, and ends with fetching = fetched ∪ dead', async () => {
    const target = makeTarget(spec(site));
    const { fetched, dead } = await webspiderWay(target);
    expect([...fetched].sort()).toEqual([...site.paths].sort());
    expect(dead.size).toBe(0);
    target.timeline.checkResponses();
    expect(target.timeline.fetchedCount).toBe(PAGES);
  });

  it('counts a page that fails as dead, and fetches the rest through the others', async () => {
    const target = makeTarget(spec(faulty));
    const { fetched, dead } = await webspiderWay(target);
    expect([...dead].sort()).toEqual([...faulty.faults.keys()].sort());
    expect(fetched.size + dead.size).toBe(PAGES);
    const errors = new Map(target.timeline.records().map((p) => [p.path, p.error]));
    expect(errors.get('/1')).toMatch(/ECONNREFUSED/);
    expect(errors.get('/2')).toMatch(/ECONNRESET/);
    expect(errors.get('/6')).toMatch(/HTTPTimeoutError/);
  });

  it('fails a page no fetched page links to as never reached, not as never fetched', async () => {
    const result = await measure(webspiderStrategy, makeTarget(spec(cutOff, 12)));
    expect(result).toMatchObject({ fetched: 10, failed: 2 });
    const byPath = new Map(result.pages.map((p) => [p.path, p.error]));
    expect(byPath.get('/')).toBeUndefined();
    expect(byPath.get('/1')).toMatch(/ECONNREFUSED|refused/i);
    expect(byPath.get('/11')).toBe('webspider never reached it: no page it fetched links to it');
  });

  it('the sets check names the pages begun and never ended, or ended and never begun', () => {
    const all = new Set(['/', '/1', '/2']);
    expect(() => checkSpider(all, new Set(['/', '/1']), new Set(['/2']))).not.toThrow();
    expect(() => checkSpider(all, new Set(['/']), new Set(['/2']))).toThrow(
      /fetching ≠ fetched ∪ dead; fetching but neither fetched nor dead: \/1$/,
    );
    expect(() => checkSpider(new Set(['/']), new Set(['/']), new Set(['/9']))).toThrow(
      /fetched or dead but never fetching: \/9$/,
    );
  });

  it('its floor counts rounds of links: the embedded site is a tree of ten links a page', () => {
    const waves = (pages: number, concurrency: number) =>
      webspiderStrategy.discovers!.waves(pages, concurrency);
    // / then /1–/9.
    expect(waves(10, 10)).toBe(2);
    expect(waves(1, 1)).toBe(1);
    // Levels of 1, 10, 100 and 889 pages; the last takes 9 rounds of 100 workers.
    expect(waves(1000, 100)).toBe(12);
    // Fewer workers than pages found: they take the rounds.
    expect(waves(10, 1)).toBe(10);
  });
});

describe('https, through AsyncHTTPClient', () => {
  let server: Server;
  let port: number;
  const savedCa = process.env.NODE_EXTRA_CA_CERTS;

  beforeAll(async () => {
    // The embedded site's pages over TLS, with a certificate for localhost from the test CA.
    server = createServer(
      { key: readFileSync(`${TLS}server.key`), cert: readFileSync(`${TLS}server.pem`) },
      (request, response) => {
        const body = site.body(request.url ?? '');
        response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'text/html' });
        response.end(body ?? 'not found');
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    if (savedCa === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = savedCa;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const httpsSpec = (): TargetSpec => ({
    host: `localhost:${port}`,
    address: ['127.0.0.1', port],
    origin: `https://localhost:${port}`,
    paths: site.paths,
    concurrency: 4,
    timeoutMs: 10_000,
    embedded: { pages: PAGES, sizeBytes: SIZE },
  });

  it.each([tornadoStrategy, webspiderStrategy])(
    '$name fetches every page byte for byte, trusting the CA in NODE_EXTRA_CA_CERTS',
    async (strategy) => {
      process.env.NODE_EXTRA_CA_CERTS = `${TLS}ca.pem`;
      const result = await measure(strategy, makeTarget(httpsSpec()));
      expect(result).toMatchObject({ fetched: PAGES, failed: 0 });
    },
  );

  it.each([tornadoStrategy, webspiderStrategy])(
    '$name refuses a certificate from a CA it was not told to trust',
    async (strategy) => {
      delete process.env.NODE_EXTRA_CA_CERTS;
      const result = await measure(strategy, makeTarget(httpsSpec()));
      expect(result.fetched).toBe(0);
      expect(result.firstError).toMatch(/certificate|CERTIFICATE/);
    },
  );
});
