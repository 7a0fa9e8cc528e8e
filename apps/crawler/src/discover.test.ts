/**
 * discoverSite against a server nobody here wrote: Python's http.server, serving a temporary
 * directory of linked pages (and a subdirectory, which it lists as a page of links).
 */
import { Socket } from '@aio/selector';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket as NetSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DiscoverError, discoverSite } from './discover';

// This file starts Python's http.server in a child process: seconds alone, and ten times that on a
// loaded 2-core machine (the suite beside two CPU hogs), so the limits are 120 s, not 20.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let dir: string;
let python: ChildProcess;
let port: number;
let origin: string;

const page = (...links: string[]) =>
  `<!doctype html><html><body>${links.map((href) => `<a href="${href}">${href}</a>`).join('\n')}</body></html>\n`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'discover-'));
  mkdirSync(join(dir, 'sub'));
  const files: Record<string, string> = {
    'index.html': page(
      'a.html',
      '/b.html#section',
      'a.html#again', // the same page as a.html once the fragment is gone
      'c.html?q=1',
      'c.html?q=2', // another query: another page
      'http://127.0.0.1:1/elsewhere.html', // another port: another origin
      'mailto:someone@example.com',
      'javascript:void(0)',
      '#top',
      'sub/',
      'notes.txt',
      'missing.html',
    ),
    'a.html': page('index.html', '/', './d.html'),
    'b.html': `<html><body><A CLASS="x" HREF='sub'>the subdirectory, without its slash</A></body></html>`,
    'c.html': page(),
    'd.html': page('https://127.0.0.1/secure.html', 'ftp://127.0.0.1/file'),
    'notes.txt': '<a href="hidden.html">not followed: this is not HTML</a>\n',
    'hidden.html': page(),
    'sub/e.html': page('../a.html'),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);

  python = spawn(
    '/usr/bin/python3',
    ['-u', '-m', 'http.server', '--bind', '127.0.0.1', '0', '--directory', dir],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  port = await new Promise<number>((resolve, reject) => {
    let out = '';
    python.stdout!.setEncoding('utf8');
    python.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const match = /port (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    python.once('exit', (code) => reject(new Error(`http.server exited (code ${code}): ${out}`)));
  });
  origin = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  if (python.exitCode === null && python.signalCode === null) {
    const exited = new Promise((resolve) => python.once('exit', resolve));
    python.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A fetch timeout where none should fire: only a guard, as Python's http.server may take seconds
 * to answer on a loaded machine.
 */
const GUARD_MS = 30_000;

/** What discoverSite rejects with, to check its class, code and message together. */
async function failure(url: string, timeoutMs = GUARD_MS): Promise<DiscoverError> {
  const error: unknown = await discoverSite(url, { pages: 10, timeoutMs }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(DiscoverError);
  return error as DiscoverError;
}

describe('discoverSite', () => {
  it('walks same-origin links breadth first: fragments dropped, queries kept, directories listed', async () => {
    const site = await discoverSite(`${origin}/`, { pages: 50, timeoutMs: GUARD_MS });
    expect(site.url.href).toBe(`${origin}/`);
    expect(site.https).toBe(false);
    expect(site.host).toBe(`127.0.0.1:${port}`);
    expect(site.address).toEqual(['127.0.0.1', port]);
    expect(site.paths).toEqual([
      '/',
      // from /
      '/a.html',
      '/b.html',
      '/c.html?q=1',
      '/c.html?q=2',
      '/sub/',
      '/notes.txt', // a page, though not HTML: its links are not followed (no /hidden.html)
      // from /a.html
      '/index.html',
      '/d.html',
      // from /b.html: /sub, a redirect to /sub/ (already found); from /sub/, its listing
      '/sub/e.html',
    ]);
    expect(site.note).toBe(
      `found only 10 pages linked from ${origin}/ (1 answered 404 File not found, 1 answered 301 Moved Permanently)`,
    );
  });

  it('stops at the number of pages asked for, without a note', async () => {
    const site = await discoverSite(`${origin}/`, { pages: 3, timeoutMs: GUARD_MS });
    expect(site.paths).toEqual(['/', '/a.html', '/b.html']);
    expect(site.note).toBeUndefined();
  });

  it('starts anywhere on the site, and a start page that is not HTML is the only page', async () => {
    const fromSub = await discoverSite(`${origin}/sub/e.html#top`, {
      pages: 3,
      timeoutMs: GUARD_MS,
    });
    expect(fromSub.url.href).toBe(`${origin}/sub/e.html`);
    expect(fromSub.paths).toEqual(['/sub/e.html', '/a.html', '/index.html']);

    const text = await discoverSite(`${origin}/notes.txt`, { pages: 5, timeoutMs: GUARD_MS });
    expect(text.paths).toEqual(['/notes.txt']);
    expect(text.note).toBe(`found only 1 page linked from ${origin}/notes.txt`);
  });

  it('wants at least one page', async () => {
    await expect(discoverSite(`${origin}/`, { pages: 0, timeoutMs: GUARD_MS })).rejects.toThrow(
      'discoverSite() expected a positive whole number of pages, got 0',
    );
  });

  it('follows a start URL that redirects within the site', async () => {
    const site = await discoverSite(`${origin}/sub`, { pages: 5, timeoutMs: GUARD_MS });
    expect(site.paths).toEqual(['/sub/', '/sub/e.html', '/a.html', '/index.html', '/']);
  });

  it('rejects a start page that is not there, naming the URL and the status', async () => {
    const error = await failure(`${origin}/missing.html`);
    expect(error.code).toBe('ERR_DISCOVER_STATUS');
    expect(error.message).toBe(
      `${origin}/missing.html answered 404 File not found: no page there to start from`,
    );
  });

  it('rejects a URL it cannot parse, and any scheme but http and https', async () => {
    const noScheme = await failure('127.0.0.1:8000/index.html');
    expect(noScheme.code).toBe('ERR_DISCOVER_BAD_URL');
    // "localhost:" parses as a scheme, so this one is a URL, just not an http one.
    const hostAsScheme = await failure('localhost:8000/index.html');
    expect(hostAsScheme.code).toBe('ERR_DISCOVER_SCHEME');
    expect(hostAsScheme.message).toMatch(/unsupported scheme "localhost:"/);
    const notUrl = await failure('not a url');
    expect(notUrl.code).toBe('ERR_DISCOVER_BAD_URL');
    expect(notUrl.message).toBe(
      '--url expected an absolute http:// or https:// URL, got "not a url"',
    );
    const ftp = await failure('ftp://127.0.0.1/file');
    expect(ftp.code).toBe('ERR_DISCOVER_SCHEME');
    expect(ftp.message).toBe(
      '--url "ftp://127.0.0.1/file": unsupported scheme "ftp:" (only http: and https:)',
    );
  });

  it('rejects a host that does not resolve, or resolves to IPv6 only', async () => {
    const dns = await failure('http://no-such-host.invalid/');
    expect(dns.code).toBe('ERR_DISCOVER_DNS');
    expect(dns.message).toMatch(
      /^cannot resolve no-such-host\.invalid for http:\/\/no-such-host\.invalid\/: E[A-Z]+$/,
    );
    const v6 = await failure('http://[::1]:8080/');
    expect(v6.code).toBe('ERR_DISCOVER_IPV6_ONLY');
    expect(v6.message).toBe(
      '::1 (for http://[::1]:8080/) has only IPv6 addresses (::1); the crawler connects over IPv4 sockets (AF_INET) only',
    );
  });

  it('rejects a refused connection, naming the URL', async () => {
    // Bound but never listening: the port refuses, and nobody else can take it meanwhile.
    const refuser = new Socket();
    try {
      refuser.bind(['127.0.0.1', 0]);
      const [, refusedPort] = refuser.getsockname() as [string, number];
      const error = await failure(`http://127.0.0.1:${refusedPort}/`);
      expect(error.code).toBe('ERR_DISCOVER_FETCH');
      expect(error.message).toBe(
        `fetching http://127.0.0.1:${refusedPort}/ failed: connection refused (ECONNREFUSED)`,
      );
    } finally {
      refuser.close();
    }
  });

  it('rejects a server that never answers, once the timeout has passed', async () => {
    const held = new Set<NetSocket>();
    const silent: Server = createServer((socket) => held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port: silentPort } = silent.address() as { port: number };
    try {
      const start = performance.now();
      const error = await failure(`http://127.0.0.1:${silentPort}/`, 300);
      expect(performance.now() - start).toBeGreaterThanOrEqual(290);
      expect(error.code).toBe('ERR_DISCOVER_TIMEOUT');
      expect(error.message).toBe(`fetching http://127.0.0.1:${silentPort}/ timed out after 300 ms`);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
