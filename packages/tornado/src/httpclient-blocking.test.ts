/**
 * The blocking HTTPClient — tornado's SyncHTTPClientTest: `fetch` returns the response itself,
 * against a server in another process (this thread is blocked while it waits, so the server
 * cannot run on it). The client's thread and its sockets are gone after `close()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HTTPClient, HTTPClientError, HTTPRequest } from './httpclient';

const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    if (req.url === '/missing') { res.writeHead(404); res.end('nope'); return; }
    if (req.url === '/redirect') { res.writeHead(302, { Location: '/hello' }); res.end(); return; }
    res.end(req.method + ' ' + req.url + ' ' + body + ' ' + (req.headers['x-test'] || ''));
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

let child: ChildProcess;
let base = '';

beforeAll(async () => {
  child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (data: Buffer) => resolve(data.toString().trim()));
    child.once('exit', () => reject(new Error('the test server exited')));
  });
  base = `http://127.0.0.1:${port}`;
});

afterAll(() => {
  child.kill();
});

/**
 * This process's TCP connections to the test server: its socket fds (/proc/self/fd) whose inode
 * /proc/net/tcp lists with the server's port as the remote one. Only the client's own
 * connections count, whatever else the process has open meanwhile.
 */
function connectionsToServer(): number {
  const port = Number(new URL(base).port);
  const ours = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const link = readlinkSync(`/proc/self/fd/${fd}`);
      if (link.startsWith('socket:[')) ours.add(link.slice(8, -1));
    } catch {
      // closed while we looked
    }
  }
  let count = 0;
  for (const line of readFileSync('/proc/self/net/tcp', 'latin1').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const remotePort = parseInt(fields[2]!.split(':')[1]!, 16);
    if (remotePort === port && ours.has(fields[9]!)) count++;
  }
  return count;
}

it('test_sync_client: fetch returns the response; a kept connection serves the next', () => {
  const client = new HTTPClient();
  try {
    const hello = client.fetch(`${base}/hello`, { headers: { 'X-Test': 'yes' } });
    // The connection is kept for the next requests.
    expect(connectionsToServer()).toBe(1);
    const post = client.fetch(new HTTPRequest(`${base}/post`, { method: 'POST', body: 'abc' }));
    const redirected = client.fetch(`${base}/redirect`);
    expect([hello.code, hello.body.toString()]).toEqual([200, 'GET /hello  yes']);
    expect(post.body.toString()).toBe('POST /post abc ');
    expect([redirected.body.toString(), redirected.effectiveUrl]).toEqual([
      'GET /hello  ',
      `${base}/hello`,
    ]);
    expect(hello.request.url).toBe(`${base}/hello`);
  } finally {
    client.close();
  }
  expect(client.closed).toBe(true);
  expect(connectionsToServer()).toBe(0);
});

it('test_sync_client_error: HTTPClientError with its response, or the response with raiseError: false', () => {
  const client = new HTTPClient();
  try {
    let caught: unknown;
    try {
      client.fetch(`${base}/missing`);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HTTPClientError);
    expect((caught as HTTPClientError).code).toBe(404);
    expect((caught as HTTPClientError).response?.body.toString()).toBe('nope');
    const response = client.fetch(`${base}/missing`, { raiseError: false });
    expect([response.code, response.error?.name]).toEqual([404, 'HTTPClientError']);
    // A refused connection: the error's own class and code, across the thread.
    let refused: unknown;
    try {
      client.fetch('http://127.0.0.1:1/');
    } catch (error) {
      refused = error;
    }
    expect((refused as Error & { code: string }).code).toBe('ECONNREFUSED');
  } finally {
    client.close();
  }
});

it('refuses what cannot cross to its thread, and fetch after close', () => {
  const client = new HTTPClient();
  try {
    expect(() => client.fetch(`${base}/`, { streamingCallback: () => {} })).toThrow(
      /cannot cross to the client thread/,
    );
  } finally {
    client.close();
  }
  expect(() => client.fetch(`${base}/`)).toThrow(/closed HTTPClient/);
});
