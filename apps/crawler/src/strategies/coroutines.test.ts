import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Socket } from '@aio/selector';
import { addHandler, appLog, removeHandler, type Handler } from '@aio/tornado/log';
import { measure } from '../measure';
import { startSite, type Site } from '../site/index';
import { asyncAwaitStrategy } from './async-await';
import { asyncioStrategy } from './asyncio';
import { blockingWay } from './blocking';
import { nodeFetchStrategy } from './node-fetch';
import { tornadoStrategy } from './tornado';
import type { Target } from './types';

const PAGES = 8;
const LATENCY_MS = 50;
const STAGES = [asyncioStrategy, asyncAwaitStrategy, tornadoStrategy, nodeFetchStrategy];

let site: Site;
/** What the blocking stage receives for each path: the reference every stage must match. */
const reference = new Map<string, Buffer>();

beforeAll(async () => {
  site = await startSite({ pages: PAGES, latencyMs: LATENCY_MS, sizeBytes: 9000 });
  for (const path of site.paths) reference.set(path, blockingWay(site.host, site.port, path));
});

afterAll(async () => {
  await site?.stop();
});

/** The bytes after the head's blank line: headers such as Date differ from run to run. */
function bodyOf(response: Buffer | undefined): Buffer {
  expect(response).toBeDefined();
  const end = response!.indexOf('\r\n\r\n');
  expect(end).toBeGreaterThan(0);
  return response!.subarray(end + 4);
}

/** Sockets, pipes, epoll and eventfd descriptors this process holds (see the vitest fd guard). */
function openSocketsAndPipes(): string[] {
  const fds: string[] = [];
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${name}`);
      if (/^(socket:|pipe:|anon_inode:)/.test(target)) fds.push(`${name} -> ${target}`);
    } catch {
      // the fd readdir itself used, closed already
    }
  }
  return fds.sort();
}

/** Pids of this process's children, from every thread's `children` list. */
function childPids(): number[] {
  const pids: number[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    const list = readFileSync(`/proc/self/task/${tid}/children`, 'utf8').trim();
    if (list) pids.push(...list.split(' ').map(Number));
  }
  return pids.sort();
}

function threadCount(): number {
  return readdirSync('/proc/self/task').length;
}

/** Waits for Node to finish closing its own sockets, which it does asynchronously. */
async function settled<T>(read: () => T, expected: T): Promise<T> {
  const deadline = Date.now() + 1_000;
  let now = read();
  while (JSON.stringify(now) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    now = read();
  }
  return now;
}

/** A port on 127.0.0.1 where nothing listens: bound, then closed. */
function closedPort(): number {
  const sock = new Socket();
  try {
    sock.bind(['127.0.0.1', 0]);
    return (sock.getsockname() as [string, number])[1];
  } finally {
    sock.close();
  }
}

/**
 * A site where one page breaks: `/3` gets its connection reset at once, the others an answer
 * after 100 ms. A crawl should fail with the reset and still close the sockets of the others.
 */
async function startBrokenSite(): Promise<Server> {
  const server = createServer((conn) => {
    let head = '';
    conn.setEncoding('latin1');
    conn.on('error', () => {}); // the crawler may abort the other pages mid-answer
    conn.on('data', (chunk: string) => {
      head += chunk;
      if (!head.includes('\r\n\r\n')) return;
      if (head.startsWith('GET /3 ')) conn.resetAndDestroy();
      else setTimeout(() => conn.end('HTTP/1.0 200 OK\r\n\r\n<h1>page</h1>'), 100);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe.each(STAGES.map((s) => [s.name, s] as const))('stage %s', (_name, stage) => {
  it('fetches every page, each body byte for byte what the blocking stage gets', async () => {
    const { responses } = await stage.run(site);
    expect([...responses.keys()].sort()).toEqual([...site.paths].sort());
    for (const path of site.paths) {
      expect(bodyOf(responses.get(path)).equals(bodyOf(reference.get(path))), path).toBe(true);
    }
    const result = await measure(stage, site);
    expect(result).toMatchObject({ fetched: PAGES, failed: 0 });
  });

  it('waits for all pages at once: the wall time is near one page, not the sum', async () => {
    expect(stage.concurrency(PAGES)).toBe(PAGES);
    const { wallMs } = await measure(stage, site);
    // Sequential would take PAGES × LATENCY_MS; all at once is about one LATENCY_MS.
    expect(wallMs / (PAGES * LATENCY_MS)).toBeLessThan(0.5);
  });

  it('leaves no socket, loop descriptor, child process or thread behind', async () => {
    const fds = openSocketsAndPipes();
    const children = childPids();
    const threads = threadCount();
    await stage.run(site);
    expect(await settled(openSocketsAndPipes, fds)).toEqual(fds);
    expect(childPids()).toEqual(children);
    expect(threadCount()).toBeLessThanOrEqual(threads);
  });

  it('fails with ECONNREFUSED when nothing listens, and cleans up', async () => {
    const fds = openSocketsAndPipes();
    const nowhere: Target = { host: '127.0.0.1', port: closedPort(), paths: site.paths };
    // tornado's multi waits for every fetch, fails with the first error and logs the others.
    const logged: string[] = [];
    const handler: Handler = {
      level: 0,
      handle: (record) => void logged.push(record.message),
      close: () => {},
    };
    addHandler(appLog, handler);
    try {
      await expect(stage.run(nowhere)).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      removeHandler(appLog, handler);
    }
    expect(await settled(openSocketsAndPipes, fds)).toEqual(fds);
    const expected = stage === tornadoStrategy ? PAGES - 1 : 0;
    expect(logged.filter((m) => m === 'Multiple exceptions in yield list')).toHaveLength(expected);
  });

  it('fails with the reset when one page breaks, and closes the other pages too', async () => {
    const broken = await startBrokenSite();
    try {
      const fds = openSocketsAndPipes();
      const { port } = broken.address() as AddressInfo;
      const target: Target = { host: '127.0.0.1', port, paths: site.paths };
      await expect(stage.run(target)).rejects.toThrow(/ECONNRESET/);
      expect(await settled(openSocketsAndPipes, fds)).toEqual(fds);
    } finally {
      await new Promise((resolve) => broken.close(resolve));
    }
  });
});
