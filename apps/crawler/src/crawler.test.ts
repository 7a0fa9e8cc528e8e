import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { HTTPServer } from '@aio/tornado/httpserver';
import { HTTPHeaders, ResponseStartLine } from '@aio/tornado/httputil';
import { IOLoop } from '@aio/tornado/ioloop';
import { bindSockets } from '@aio/tornado/netutil';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DistributedCrawlJson } from './distributed/command';
import { findRedisServer } from './distributed/redis-server';
import { checkResponse, makeTarget } from './measure';
import { startSite, type Site } from './site/index';
import { blockingWay } from './strategies/blocking';
import { STRATEGIES } from './strategies/index';
import { get } from './test-support';

// This file starts the crawler, its site and its stages, each a process (Node with tsx): seconds
// alone, and ten times that on a loaded 2-core machine (the suite beside two CPU hogs), so the
// limits are 300 s, not 20.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

let site: Site;

beforeAll(async () => {
  site = await startSite({ pages: 6, latencyMs: 50, sizeBytes: 9000 });
});

afterAll(async () => {
  await site.stop();
});

/** Fetches `path` from the site with §3.1's blocking socket, outside any crawl. */
const fetchPage = (path: string): Buffer => get([site.host, site.port], path);

describe('the embedded site', () => {
  it('serves each page once the latency has passed, over a real socket', () => {
    const start = performance.now();
    const response = fetchPage('/3').toString();
    expect(performance.now() - start).toBeGreaterThanOrEqual(45);
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(response).toContain('<h1>page 3</h1>');
    // The pages are a tree from /: / links to the other five here.
    expect(fetchPage('/').toString()).toContain('<a href="/1">page 1</a> <a href="/2">page 2</a>');
  });

  it('answers 404 for a page it does not have', () => {
    expect(fetchPage('/99').toString()).toMatch(/^HTTP\/1\.1 404/);
  });
});

describe('a fetched page', () => {
  it('counts only when its body is the page, byte for byte, and says what is wrong', () => {
    const good = fetchPage('/2');
    const expected = site.body('/2')!;
    expect(checkResponse('/2', good, expected)).toBeUndefined();
    const corrupt = Buffer.from(good);
    const at = corrupt.length - 10; // one bit, deep in the body
    corrupt.writeUInt8(corrupt.readUInt8(at) ^ 1, at);
    expect(checkResponse('/2', corrupt, expected)).toBe("the body differs from the site's page /2");
    expect(checkResponse('/2', good.subarray(0, good.length - 1), expected)).toMatch(
      /^the body has 8999 bytes, the site's page \/2 has 9000$/,
    );
    expect(checkResponse('/2', good, site.body('/3'))).toMatch(/differs|has/);
    expect(checkResponse('/99', fetchPage('/99'))).toBe('HTTP 404 Not Found');
    // A client's parsed response is checked the same way, its body byte for byte.
    const parsed = (body: Buffer, code = 200, reason = 'OK') => ({ code, reason, body });
    expect(checkResponse('/2', parsed(Buffer.from(expected)), expected)).toBeUndefined();
    expect(checkResponse('/2', parsed(corrupt.subarray(good.length - 9000)), expected)).toBe(
      "the body differs from the site's page /2",
    );
    expect(checkResponse('/2', parsed(expected.subarray(1)), expected)).toMatch(/has 8999 bytes/);
    expect(checkResponse('/99', parsed(Buffer.from('no'), 404, 'Not Found'))).toBe(
      'HTTP 404 Not Found',
    );
    expect(checkResponse('/', Buffer.alloc(0))).toMatch(/^empty response/);
    expect(checkResponse('/', Buffer.from('HTPT/1.1 200 OK\r\n\r\n'))).toMatch(/^malformed/);
    expect(checkResponse('/', Buffer.from('HTTP/1.1 200 OK\r\nX: y'))).toMatch(/never end/);
    expect(site.body('/99')).toBeUndefined();
  });
});

it('stopping the site ends its process', async () => {
  const other = await startSite({ pages: 1, latencyMs: 0, sizeBytes: 10 });
  await other.stop();
  const target = makeTarget({
    host: other.host,
    address: [other.host, other.port],
    paths: ['/'],
    concurrency: 1,
    timeoutMs: 1_000,
  });
  expect(() => blockingWay(target, '/')).toThrow(/ECONNREFUSED/);
});

// ─── The command ───────────────────────────────────────────────────────────────────────────────

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const TSX = createRequire(import.meta.url).resolve('tsx');

interface Crawl {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Every process the crawl started (the site, each run, pool members), seen while it ran. */
  descendants: Set<number>;
}

/** The pids below `pid`, from /proc's children lists. */
function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  const visit = (p: number): void => {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return; // gone
    }
    for (const tid of tasks) {
      let list = '';
      try {
        list = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const child of list.split(' ').filter(Boolean).map(Number)) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `pnpm crawl <args>`; once `interruptWhen` holds, sends it SIGINT, as Ctrl-C does. */
function crawl(
  args: string[],
  interruptWhen?: (running: Crawl) => boolean,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Crawl> {
  const child = spawn(
    process.execPath,
    ['--conditions=@aio/source', '--import', TSX, MAIN, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  const result: Crawl = {
    code: null,
    signal: null,
    stdout: '',
    stderr: '',
    descendants: new Set(),
  };
  child.stdout.on('data', (chunk: Buffer) => (result.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (result.stderr += chunk.toString()));
  let interrupted = false;
  const watch = setInterval(() => {
    for (const pid of descendantsOf(child.pid!)) result.descendants.add(pid);
    if (!interrupted && interruptWhen?.(result)) {
      interrupted = true;
      child.kill('SIGINT');
    }
  }, 50);
  return new Promise((resolve) => {
    // 'close': the process has exited and its stdout and stderr are read to the end.
    child.once('close', (code, signal) => {
      clearInterval(watch);
      Object.assign(result, { code, signal });
      resolve(result);
    });
  });
}

/**
 * Waits up to ten seconds for every pid to be gone (a loaded machine may take a while to end
 * them); returns those still alive.
 */
async function survivors(pids: Iterable<number>): Promise<number[]> {
  const deadline = Date.now() + 10_000;
  let left = [...pids].filter(alive);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = left.filter(alive);
  }
  return left;
}

interface JsonResult {
  strategy: string;
  wallMs: number;
  fetched: number;
  failed: number;
  firstError?: string;
  leakedSockets: number;
  timeline: unknown[];
}

describe('pnpm crawl', () => {
  it('event-loop stages take less than a third of the blocking stage’s time (10 pages × 300 ms)', async () => {
    const stages = 'blocking,callbacks,generators,yield-from,asyncio,async-await,tornado';
    const run = await crawl(['--json', '--pages', '10', '--latency', '300', '--strategy', stages]);
    expect(run.code, run.stderr).toBe(0);
    const { results } = JSON.parse(run.stdout) as { results: JsonResult[] };
    const blocking = results.find((r) => r.strategy === 'blocking')!;
    expect(blocking.wallMs).toBeGreaterThanOrEqual(10 * 300);
    for (const r of results) {
      expect(r, r.strategy).toMatchObject({ fetched: 10, failed: 0, leakedSockets: 0 });
      expect(r.timeline).toHaveLength(10);
      if (r.strategy !== 'blocking') expect(r.wallMs, r.strategy).toBeLessThan(blocking.wallMs / 3);
    }
    expect(await survivors(run.descendants)).toEqual([]);
  });

  it('counts failed pages, shows the first error, and exits 1', async () => {
    // A timeout for the slow page, far enough above the others' 100 ms that a loaded machine
    // does not time them out too.
    const run = await crawl([
      '--faults=all',
      '--timeout=3000',
      '--no-timeline',
      '--strategy=callbacks,asyncio,tornado,webspider',
    ]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/first error/);
    for (const stage of ['callbacks', 'tornado', 'webspider']) {
      expect(run.stdout).toMatch(new RegExp(`^${stage} .* 6 +4 .*\\/\\d+: `, 'm'));
    }
    expect(await survivors(run.descendants)).toEqual([]);
  });

  it('on Ctrl-C stops the run and the site and exits 130, leaving no process behind', async () => {
    // Interrupted once the site, the run and its three pool members are all up.
    const run = await crawl(
      ['--strategy=processes,blocking', '--pages=60', '--concurrency=3', '--latency=200'],
      (running) => running.descendants.size >= 5,
    );
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/interrupted/);
    expect(await survivors(run.descendants)).toEqual([]);
  });

  it('reports a stage whose process dies, goes on with the next, and exits 1', async () => {
    let killed = false;
    // Once the blocking stage's process is up, kill it as the kernel's OOM killer would.
    const run = await crawl(
      ['--strategy=blocking,callbacks', '--pages=30', '--json'],
      (running) => {
        for (const pid of running.descendants) {
          if (killed || !alive(pid)) continue;
          const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          if (cmdline.includes('stageChild')) {
            process.kill(pid, 'SIGKILL');
            killed = true;
          }
        }
        return false;
      },
    );
    expect(killed).toBe(true);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the blocking run ended \(SIGKILL\) before reporting/);
    const out = JSON.parse(run.stdout) as {
      results: JsonResult[];
      crashed: { strategy: string }[];
    };
    expect(out.crashed.map((c) => c.strategy)).toEqual(['blocking']);
    expect(out.results.map((r) => [r.strategy, r.fetched])).toEqual([['callbacks', 30]]);
    expect(await survivors(run.descendants)).toEqual([]);
  });

  it('refuses a crawl the sequential stages would take many minutes over', async () => {
    const run = await crawl(['--strategy=blocking', '--pages=10000', '--concurrency=1000']);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/skipping blocking: 10000 pages one after another/);
  });

  it('names what is wrong with a bad flag and exits 2', async () => {
    const bad = await crawl(['--pages=0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--pages expects a whole number from 1/);
    const unknown = await crawl(['--strategy=teleport']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown strategy "teleport"/);
    const faults = await crawl(['--faults=flood']);
    expect(faults.code).toBe(2);
    expect(faults.stderr).toMatch(/--faults: .*flood/);
  });

  describe.skipIf(findRedisServer() === null)('--distributed (a local redis-server)', () => {
    it('crawls the whole site with worker processes and reports each worker', async () => {
      const run = await crawl([
        '--distributed',
        '--workers=2',
        '--pages=60',
        '--latency=5',
        '--concurrency=10',
        '--json',
      ]);
      expect(run.code, run.stderr).toBe(0);
      const out = JSON.parse(run.stdout) as DistributedCrawlJson;
      expect(out.results.map((r) => [r.strategy, r.fetched, r.failed])).toEqual([
        ['distributed', 60, 0],
      ]);
      expect(out.results[0]!.timeline).toHaveLength(60);
      expect(out.distributed.workers.map((w) => [w.name, w.ended])).toEqual([
        ['w1', 'exit 0'],
        ['w2', 'exit 0'],
      ]);
      expect(out.distributed.workers.reduce((sum, w) => sum + w.recorded, 0)).toBe(60);
      expect(out.distributed.roundTripsPerPage).toBeLessThanOrEqual(3);
      expect(await survivors(run.descendants)).toEqual([]);
    });

    it('draws its timeline, and writes it to --timeline-file as a local crawl does', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'aio-crawl-timeline-'));
      try {
        const file = join(dir, 'timeline.svg');
        const run = await crawl([
          '--distributed',
          '--workers=2',
          '--pages=30',
          '--latency=5',
          `--timeline-file=${file}`,
        ]);
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout).toMatch(/IV distributed — 2 worker processes on a Redis frontier/);
        expect(run.stdout).toContain(`timelines written to ${file}`);
        const svg = readFileSync(file, 'utf8');
        expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
        expect(svg).toContain('30 pages, 2 workers × 30 at a time');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('hands a large --json document to a slow reader whole, then exits', async () => {
      // A reader that takes nothing until the crawler has exited: the pipe (64 KiB) fills, and
      // the rest of the document waits in the crawler. Exiting before it is written would cut
      // it short.
      const child = spawn(
        process.execPath,
        [
          '--conditions=@aio/source',
          '--import',
          TSX,
          MAIN,
          ...['--distributed', '--workers=2', '--pages=5000', '--latency=1', '--size=64', '--json'],
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout.pause();
      const chunks: Buffer[] = [];
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      // Not reading: once the crawler has written more than the pipe holds, it waits for us.
      await new Promise((resolve) => setTimeout(resolve, 8000));
      child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
      child.stdout.resume();
      const closed = new Promise((resolve) => child.once('close', resolve));
      expect(await exited, stderr).toBe(0);
      await closed;
      const stdout = Buffer.concat(chunks).toString('utf8');
      expect(stdout.length).toBeGreaterThan(1_000_000);
      const out = JSON.parse(stdout) as DistributedCrawlJson;
      expect(out.results[0]!.fetched).toBe(5000);
    }, 60_000);

    it('on Ctrl-C stops the workers, Redis and the site, leaving no process behind', async () => {
      // Interrupted once the site, redis-server and both workers are up.
      const run = await crawl(
        ['--distributed', '--workers=2', '--pages=300', '--concurrency=2', '--latency=200'],
        (running) => running.descendants.size >= 4 && running.stdout.includes('can join'),
      );
      expect(run.code).toBe(130);
      expect(run.stderr).toMatch(/interrupted/);
      expect(await survivors(run.descendants)).toEqual([]);
    });

    it('names what is wrong with its flags and exits 2', async () => {
      const mixed = await crawl(['--distributed', '--strategy=tornado']);
      expect(mixed.code).toBe(2);
      expect(mixed.stderr).toMatch(/--distributed runs its own crawl/);
      const worker = await crawl(['--worker']);
      expect(worker.code).toBe(2);
      expect(worker.stderr).toMatch(/--worker needs --redis URL and --crawl ID/);
      const workers = await crawl(['--distributed', '--workers=0']);
      expect(workers.code).toBe(2);
      expect(workers.stderr).toMatch(/--workers expects a whole number from 1/);
    });

    it('says how to install redis-server when there is none, and exits 1', async () => {
      const run = await crawl(['--distributed', '--pages=5'], undefined, {
        ...process.env,
        AIO_REDIS_SERVER: '/nonexistent/redis-server',
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/redis-server was not found.*apt-get install redis-server/);
      expect(await survivors(run.descendants)).toEqual([]);
    });
  });

  it('crawls an https site with the stages that have TLS, and says why the others cannot', async () => {
    // tornado's HTTPServer (ours) over TLS, with a certificate for localhost from the test CA.
    const tls = fileURLToPath(new URL('../../../tooling/fixtures/tls/', import.meta.url));
    const pages: Record<string, string> = {
      '/': '<a href="/a">a</a> <a href="/b">b</a>',
      '/a': '<h1>a</h1> <a href="/b">b</a>',
      '/b': '<h1>b</h1>',
    };
    const ioloop = new IOLoop();
    try {
      const run = await ioloop.runSync(async () => {
        const server = new HTTPServer(
          (request) => {
            const page = pages[request.path];
            const body = page ?? 'not found';
            void request.connection!.writeHeaders(
              new ResponseStartLine(
                'HTTP/1.1',
                page === undefined ? 404 : 200,
                page ? 'OK' : 'Not Found',
              ),
              new HTTPHeaders({
                'Content-Type': 'text/html',
                'Content-Length': String(body.length),
              }),
              body,
            );
            request.connection!.finish();
          },
          { sslOptions: { certfile: `${tls}server.pem`, keyfile: `${tls}server.key` } },
        );
        const [socket] = bindSockets(0, '127.0.0.1');
        server.addSockets([socket!]);
        const port = (socket!.getsockname() as [string, number])[1];
        try {
          // The crawler trusts the test's CA as a user adds theirs: every TLS stage, and the
          // discovery, take it from NODE_EXTRA_CA_CERTS.
          const env = { ...process.env, NODE_EXTRA_CA_CERTS: `${tls}ca.pem` };
          return await crawl(
            [`--url=https://localhost:${port}/`, '--pages=5', '--json'],
            undefined,
            env,
          );
        } finally {
          server.stop();
          await server.closeAllConnections();
        }
      });
      expect(run.code, run.stderr).toBe(0);
      const out = JSON.parse(run.stdout) as {
        results: JsonResult[];
        refused: { strategy: string; why: string }[];
      };
      expect(out.results.map((r) => [r.strategy, r.fetched, r.failed, r.leakedSockets])).toEqual([
        ['tornado', 3, 0, 0],
        ['webspider', 3, 0, 0],
        ['node-fetch', 3, 0, 0],
      ]);
      expect(out.refused).toHaveLength(STRATEGIES.length - 3);
      for (const { why } of out.refused) {
        expect(why).toMatch(/https needs TLS, which only tornado, webspider, node-fetch have here/);
      }
      expect(await survivors(run.descendants)).toEqual([]);
    } finally {
      ioloop.close();
    }
  });
});
