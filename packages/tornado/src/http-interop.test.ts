/**
 * HTTPServer against clients nobody here wrote: curl, tornado 6's `simple_httpclient`
 * (`AsyncHTTPClient` and `HTTPClient`), Python's `h11` (a strict client: it raises on any
 * protocol violation in a response), and nginx as a reverse proxy with keep-alive upstream
 * connections. Each client is a child process; a peer that is not installed is skipped, and its
 * describe says why.
 *
 * Our server counts its connections and the requests each one carried, so keep-alive reuse is
 * counted, not assumed: five URLs on one curl command line are one connection and five requests;
 * tornado's simple client (which sends `Connection: close`) is one connection per fetch.
 *
 * The server runs in this process on a fresh loop (`main()` in `locks/test-support`, real time);
 * the test waits for the child with `wrapPromise`, which keeps either loop mode serving meanwhile.
 * Every child is killed after its limit and waited for, and every server connection is closed
 * before the loop is, so the fd guard finds nothing left.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { wrapPromise } from '@aio/future';
import type { LoopMode } from '@aio/loop';
import type { Address } from '@aio/selector';
import { timedelta, withTimeout } from './gen';
import { HTTPServer, type HTTPServerOptions } from './httpserver';
import { HTTPHeaders, ResponseStartLine, type HTTPServerRequest } from './httputil';
import type { IOStream } from './iostream';
import { bindSockets } from './netutil';
import { MODES, closeLoops, main, until } from './locks/test-support';
import { NGINX, freePort, startNginx, which } from './test-nginx';

// ─── Peers ──────────────────────────────────────────────────────────────────────────────────────

const TLS_DIR = fileURLToPath(new URL('../../../tooling/fixtures/tls/', import.meta.url));
const CA = join(TLS_DIR, 'ca.pem');
const SERVER_CERT = join(TLS_DIR, 'server.pem');
const SERVER_KEY = join(TLS_DIR, 'server.key');

/** describe(), or describe.skip with why in its title when `missing` names a missing peer. */
function describePeer(missing: string | null, title: string, body: () => void): void {
  if (missing === null) describe(title, body);
  else describe.skip(`${title} [skipped: ${missing}]`, body);
}

const curl = which('curl');
const nginx = NGINX;
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : null;

/** Why /usr/bin/python3 cannot run `code` (an import and a version check), or null if it can. */
function pythonMissing(code: string, what: string): string | null {
  if (python === null) return 'no /usr/bin/python3';
  const probe = spawnSync(python, ['-c', code], { stdio: 'ignore', timeout: 10_000 });
  return probe.status === 0 ? null : `/usr/bin/python3 has no ${what}`;
}

/** What a child printed, and how it ended. */
interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

const running = new Set<ChildProcess>();

/** Starts a child (SIGKILL after `limitMs`; stdin closed): it, and how it ended. */
function start(
  command: string,
  args: readonly string[],
  limitMs = 15_000,
): { child: ChildProcess; done: Promise<Ran> } {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const limit = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const done = new Promise<Ran>((resolve) => {
    const end = (code: number | null): void => {
      clearTimeout(limit);
      running.delete(child);
      resolve({ code, stdout, stderr });
    };
    child.once('close', end);
    child.once('error', (error) => {
      stderr += String(error);
      end(null);
    });
  });
  return { child, done };
}

/** Runs a child to its end (SIGKILL after `limitMs`); stdin is closed. */
function run(command: string, args: readonly string[], limitMs = 15_000): Promise<Ran> {
  return start(command, args, limitMs).done;
}

async function killAll(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise((resolve) => {
          child.once('close', resolve);
          child.kill('SIGKILL');
        }),
    ),
  );
}

let scratch = '';

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'aio-http-interop-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});
afterEach(async () => {
  closeLoops();
  await killAll();
});

// ─── The server: an application, and counts of connections and requests ────────────────────────

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** The bytes `/big?n=` streams: a pattern anyone can recompute (byte i is i mod 251). */
function pattern(length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = i % 251;
  return out;
}

/** How many requests each connection carried, in the order the connections came. */
class Counts {
  connections = 0;
  readonly #perConnection = new Map<object, number>();

  request(serverConnection: object | null): void {
    const key = serverConnection ?? {};
    this.#perConnection.set(key, (this.#perConnection.get(key) ?? 0) + 1);
  }

  /** Requests per connection, for the connections that carried at least one. */
  get perConnection(): number[] {
    return [...this.#perConnection.values()];
  }
}

/** Writes a whole response and finishes it. */
function respond(
  request: HTTPServerRequest,
  code: number,
  headers: Record<string, string>,
  body?: Buffer | string,
): void {
  const connection = request.connection!;
  const all = new HTTPHeaders(headers);
  if (body !== undefined) all.set('Content-Length', String(Buffer.byteLength(body)));
  void connection.writeHeaders(
    new ResponseStartLine('HTTP/1.1', code, STATUS_CODES[code] ?? 'Unknown'),
    all,
    body,
  );
  connection.finish();
}

/** Argument values as text (they are bytes). */
function texts(args: Record<string, Buffer[]>): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(args).map(([name, values]) => [name, values.map((v) => v.toString('utf8'))]),
  );
}

/** What `/echo` says about a request: what arrived, as the application sees it. */
function echo(request: HTTPServerRequest): Record<string, unknown> {
  const header = (name: string): string | null => request.headers.get(name) ?? null;
  return {
    method: request.method,
    version: request.version,
    uri: request.uri,
    protocol: request.protocol,
    remoteIp: request.remoteIp,
    length: request.body.length,
    sha256: sha256(request.body),
    arguments: texts(request.bodyArguments),
    query: texts(request.queryArguments),
    files: Object.fromEntries(
      Object.entries(request.files).map(([name, files]) => [
        name,
        files.map((file) => ({
          filename: file.filename,
          contentType: file.contentType,
          length: file.body.length,
          sha256: sha256(file.body),
        })),
      ]),
    ),
    headers: {
      contentType: header('Content-Type'),
      contentLength: header('Content-Length'),
      transferEncoding: header('Transfer-Encoding'),
      contentEncoding: header('Content-Encoding'),
      consumedContentEncoding: header('X-Consumed-Content-Encoding'),
      expect: header('Expect'),
      connection: header('Connection'),
    },
  };
}

/**
 * The application every peer talks to:
 * - `/hello`: `hello\n` (a HEAD gets the same headers, the body written and dropped by the server)
 * - `/echo`: JSON of the request as the application saw it (`echo` above)
 * - `/chunked`: three writes without a Content-Length: chunked (HTTP/1.1) or until close (1.0)
 * - `/big?n=N`: N pattern bytes with a Content-Length, written 64 KiB at a time with flow control
 * - `/status/204`, `/status/304`: those, without a body
 */
function application(counts: Counts) {
  return async (request: HTTPServerRequest): Promise<void> => {
    counts.request(request.serverConnection);
    const connection = request.connection!;
    switch (request.path) {
      case '/hello':
        return respond(request, 200, { 'Content-Type': 'text/plain' }, 'hello\n');
      case '/echo':
        return respond(
          request,
          200,
          { 'Content-Type': 'application/json' },
          JSON.stringify(echo(request)),
        );
      case '/chunked':
        await connection.writeHeaders(
          new ResponseStartLine('HTTP/1.1', 200, 'OK'),
          new HTTPHeaders({ 'Content-Type': 'text/plain' }),
          'one,',
        );
        await connection.write('two,');
        await connection.write('three\n');
        return connection.finish();
      case '/big': {
        const length = Number(request.queryArguments.n?.[0] ?? 0);
        const body = pattern(length);
        await connection.writeHeaders(
          new ResponseStartLine('HTTP/1.1', 200, 'OK'),
          new HTTPHeaders({
            'Content-Type': 'application/octet-stream',
            'Content-Length': String(length),
          }),
        );
        for (let at = 0; at < length; at += 65536) {
          await connection.write(body.subarray(at, at + 65536));
        }
        return connection.finish();
      }
      case '/status/204':
        return respond(request, 204, { 'X-Status': '204' });
      case '/status/304':
        return respond(request, 304, { ETag: '"v1"', 'X-Status': '304' });
      default:
        return respond(request, 404, { 'Content-Type': 'text/plain' }, 'not found\n');
    }
  };
}

class CountingServer extends HTTPServer {
  readonly counts: Counts;

  constructor(options: HTTPServerOptions = {}) {
    const counts = new Counts();
    super(application(counts), options);
    this.counts = counts;
  }

  override handleStream(stream: IOStream, address: Address): void {
    this.counts.connections++;
    super.handleStream(stream, address);
  }
}

/** Binds `server` to a free port of 127.0.0.1; the port. */
function listen(server: HTTPServer): number {
  const [sock] = bindSockets(0, '127.0.0.1');
  server.addSockets([sock!]);
  return (sock!.getsockname() as [string, number])[1];
}

/** What a peer printed, with what our server counted while it ran. */
interface Served extends Ran {
  connections: number;
  perConnection: number[];
}

/**
 * Runs our server while `client(port)` runs to its end; then waits (5 s at most) for the server
 * to have seen every connection close — each peer closes its own once done — and closes whatever
 * is left. Real time, in `mode`.
 */
function serve(
  client: (port: number) => Promise<Ran>,
  options: HTTPServerOptions = {},
  mode: LoopMode = 'hosted',
): Promise<Served> {
  return main(
    function* () {
      const server = new CountingServer(options);
      try {
        const port = listen(server);
        const ran = yield* wrapPromise(client(port));
        yield* until(() => server.connectionCount === 0, 5000);
        return {
          ...ran,
          connections: server.counts.connections,
          perConnection: server.counts.perConnection,
        };
      } finally {
        server.stop();
        yield* withTimeout(timedelta({ seconds: 5 }), server.closeAllConnections());
      }
    },
    mode,
    'real',
  );
}

// ─── curl ───────────────────────────────────────────────────────────────────────────────────────

/** curl's write-out after each transfer: a line of its own. */
const WRITE_OUT = '\n@@ %{http_code} %{num_connects} %{size_download}\n';

/** Each transfer's body, status, and new connections made for it, from curl's stdout. */
function transfers(stdout: string): { body: string; status: number; connects: number }[] {
  const out: { body: string; status: number; connects: number }[] = [];
  const line = /\n@@ (\d+) (\d+) (\d+)\n/g;
  let start = 0;
  for (let match = line.exec(stdout); match !== null; match = line.exec(stdout)) {
    out.push({
      body: stdout.slice(start, match.index),
      status: Number(match[1]),
      connects: Number(match[2]),
    });
    start = line.lastIndex;
  }
  return out;
}

function curlRun(...args: string[]): Promise<Ran> {
  return run(curl!, ['-sS', '--max-time', '15', '-w', WRITE_OUT, ...args]);
}

describePeer(curl === null ? 'no curl binary' : null, 'curl → our HTTPServer', () => {
  describe.each(MODES)('%s mode', (mode: LoopMode) => {
    it('GET: the body, one connection, one request', async () => {
      const out = await serve((port) => curlRun(`http://127.0.0.1:${port}/hello`), {}, mode);
      expect(out.code, out.stderr).toBe(0);
      expect(transfers(out.stdout)).toEqual([{ body: 'hello\n', status: 200, connects: 1 }]);
      expect([out.connections, out.perConnection]).toEqual([1, [1]]);
    });

    it('five URLs on one command line (GET, POST, HEAD, a 204, a chunked GET) reuse one connection: 1 connection, 5 requests', async () => {
      const out = await serve(
        (port) => {
          const base = `http://127.0.0.1:${port}`;
          return curlRun(
            '-v',
            `${base}/hello`,
            '--next',
            '-w',
            WRITE_OUT,
            '--data',
            'x=1',
            `${base}/echo`,
            '--next',
            '-w',
            WRITE_OUT,
            '--head',
            `${base}/hello`,
            '--next',
            '-w',
            WRITE_OUT,
            `${base}/status/204`,
            '--next',
            '-w',
            WRITE_OUT,
            `${base}/chunked`,
          );
        },
        {},
        mode,
      );
      expect(out.code, out.stderr).toBe(0);
      const got = transfers(out.stdout);
      expect(got.map((t) => [t.status, t.connects])).toEqual([
        [200, 1],
        [200, 0],
        [200, 0],
        [204, 0],
        [200, 0],
      ]);
      expect(got[0]!.body).toBe('hello\n');
      expect(JSON.parse(got[1]!.body)).toMatchObject({ method: 'POST', arguments: { x: ['1'] } });
      expect(got[2]!.body).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*Content-Length: 6\r\n/); // --head prints the head
      expect(got[3]!.body).toBe('');
      expect(got[4]!.body).toBe('one,two,three\n');
      expect(out.stderr.match(/Re-using existing connection/g)).toHaveLength(4);
      expect([out.connections, out.perConnection]).toEqual([1, [5]]);
    });
  });

  it('POST urlencoded: the form arguments (percent-encoded UTF-8, plus signs) and the query', async () => {
    const out = await serve((port) =>
      curlRun(
        '--data',
        'a=1&b=two+words&c=%E2%9C%93&a=again',
        `http://127.0.0.1:${port}/echo?q=%C3%A9`,
      ),
    );
    expect(out.code, out.stderr).toBe(0);
    const [got] = transfers(out.stdout);
    expect(JSON.parse(got!.body)).toMatchObject({
      method: 'POST',
      arguments: { a: ['1', 'again'], b: ['two words'], c: ['✓'] },
      query: { q: ['é'] },
      headers: { contentType: 'application/x-www-form-urlencoded', contentLength: '35' },
    });
  });

  it('POST multipart (-F with a 300 KB file and a field): the file byte for byte, its name and type', async () => {
    const file = join(scratch, 'upload name.bin');
    const data = randomBytes(300 * 1024);
    writeFileSync(file, data);
    const out = await serve((port) =>
      curlRun(
        '-F',
        'field=a value',
        '-F',
        `upload=@${file};type=application/x-test`,
        `http://127.0.0.1:${port}/echo`,
      ),
    );
    expect(out.code, out.stderr).toBe(0);
    const [got] = transfers(out.stdout);
    const seen = JSON.parse(got!.body) as Record<string, unknown>;
    expect(seen).toMatchObject({
      arguments: { field: ['a value'] },
      files: {
        upload: [
          {
            filename: 'upload name.bin',
            contentType: 'application/x-test',
            length: data.length,
            sha256: sha256(data),
          },
        ],
      },
    });
    expect((seen.headers as { contentType: string }).contentType).toMatch(
      /^multipart\/form-data; boundary=/,
    );
  });

  it("chunked upload (-H 'Transfer-Encoding: chunked', 1 MiB): the body whole, as chunked", async () => {
    const file = join(scratch, 'chunked.bin');
    const data = randomBytes(1024 * 1024);
    writeFileSync(file, data);
    const out = await serve((port) =>
      curlRun(
        '-H',
        'Transfer-Encoding: chunked',
        '-H',
        'Content-Type: application/octet-stream',
        '--data-binary',
        `@${file}`,
        `http://127.0.0.1:${port}/echo`,
      ),
    );
    expect(out.code, out.stderr).toBe(0);
    const [got] = transfers(out.stdout);
    expect(JSON.parse(got!.body)).toMatchObject({
      length: data.length,
      sha256: sha256(data),
      headers: { transferEncoding: 'chunked', contentLength: null },
    });
  });

  it('a gzip request body with decompressRequest: inflated, parsed as a form, the encoding consumed', async () => {
    const file = join(scratch, 'form.gz');
    const form = `text=${'x'.repeat(50_000)}&n=42`;
    writeFileSync(file, gzipSync(form));
    const out = await serve(
      (port) =>
        curlRun(
          '-H',
          'Content-Encoding: gzip',
          '-H',
          'Content-Type: application/x-www-form-urlencoded',
          '--data-binary',
          `@${file}`,
          `http://127.0.0.1:${port}/echo`,
        ),
      { decompressRequest: true },
    );
    expect(out.code, out.stderr).toBe(0);
    const [got] = transfers(out.stdout);
    const seen = JSON.parse(got!.body) as { arguments: Record<string, string[]> };
    expect(seen).toMatchObject({
      length: form.length,
      headers: { contentEncoding: null, consumedContentEncoding: 'gzip' },
    });
    expect(seen.arguments.n).toEqual(['42']);
    expect(seen.arguments.text![0]).toHaveLength(50_000);
  });

  it('--http1.0: Content-Length responses, and a body without one read until the close', async () => {
    const out = await serve((port) => {
      const base = `http://127.0.0.1:${port}`;
      return curlRun(
        '--http1.0',
        '-i',
        `${base}/hello`,
        '--next',
        '--http1.0',
        '-i',
        `${base}/chunked`,
      );
    });
    expect(out.code, out.stderr).toBe(0);
    // Without keep-alive asked for, each HTTP/1.0 request is its own connection.
    expect([out.connections, out.perConnection]).toEqual([2, [1, 1]]);
    const [hello, chunked] = out.stdout.split(/^(?=HTTP\/1\.1 )/m);
    expect(hello).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(hello).toContain('Content-Length: 6\r\n');
    expect(hello).not.toMatch(/Connection:/i);
    expect(hello).toMatch(/\r\n\r\nhello\n/);
    expect(chunked).not.toMatch(/Transfer-Encoding/i);
    expect(chunked).not.toMatch(/Content-Length/i);
    expect(chunked).toMatch(/\r\n\r\none,two,three\n/);
  });

  it('--http1.0 with Connection: keep-alive: Content-Length responses keep the connection (2 requests, 1 connection)', async () => {
    const out = await serve((port) => {
      const base = `http://127.0.0.1:${port}`;
      return curlRun(
        '-v',
        '--http1.0',
        '-H',
        'Connection: keep-alive',
        `${base}/hello`,
        `${base}/hello`,
      );
    });
    expect(out.code, out.stderr).toBe(0);
    expect(transfers(out.stdout).map((t) => [t.body, t.connects])).toEqual([
      ['hello\n', 1],
      ['hello\n', 0],
    ]);
    expect(out.stderr).toMatch(/< Connection: Keep-Alive/i);
    expect([out.connections, out.perConnection]).toEqual([1, [2]]);
  });

  it('HEAD (-I): the headers a GET gets, no body; twice on one connection', async () => {
    const out = await serve((port) =>
      curlRun('-I', `http://127.0.0.1:${port}/hello`, `http://127.0.0.1:${port}/big?n=100000`),
    );
    expect(out.code, out.stderr).toBe(0);
    const [hello, big] = transfers(out.stdout);
    expect(hello!.body).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(hello!.body).toContain('Content-Length: 6\r\n');
    expect(big!.body).toContain('Content-Length: 100000\r\n');
    expect(big!.body).not.toMatch(/Transfer-Encoding/i);
    expect([out.connections, out.perConnection]).toEqual([1, [2]]);
  });

  it('Expect: 100-continue with a 4 MiB POST: 100 Continue first, then the body, byte for byte', async () => {
    const file = join(scratch, 'expect.bin');
    const data = randomBytes(4 * 1024 * 1024);
    writeFileSync(file, data);
    const started = Date.now();
    const out = await serve((port) =>
      curlRun(
        '-v',
        '--expect100-timeout',
        '10',
        '-H',
        'Expect: 100-continue',
        '-H',
        'Content-Type: application/octet-stream',
        '--data-binary',
        `@${file}`,
        `http://127.0.0.1:${port}/echo`,
      ),
    );
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/^> Expect: 100-continue\r?$/m);
    expect(out.stderr).toMatch(/^< HTTP\/1\.1 100 Continue\r?$/m);
    // curl waited for the 100 (10 s if it had never come).
    expect(Date.now() - started).toBeLessThan(9000);
    const [got] = transfers(out.stdout);
    expect(JSON.parse(got!.body)).toMatchObject({
      length: data.length,
      sha256: sha256(data),
      headers: { expect: '100-continue' },
    });
  });

  it('bodies over maxBodySize (8 MiB of 1 MiB): 413 before any 100 Continue, or mid-chunked; curl reads each and exits 0', async () => {
    const file = join(scratch, 'too-big.bin');
    writeFileSync(file, randomBytes(8 * 1024 * 1024));
    const out = await serve(
      (port) => {
        const url = `http://127.0.0.1:${port}/echo`;
        const next = ['--next', '-w', WRITE_OUT, '--data-binary', `@${file}`];
        return curlRun(
          '-v',
          ...['--data-binary', `@${file}`, '-H', 'Expect:', url],
          ...[...next, '-H', 'Expect: 100-continue', '--expect100-timeout', '10', url],
          ...[...next, '-H', 'Transfer-Encoding: chunked', '--expect100-timeout', '10', url],
        );
      },
      { maxBodySize: 1024 * 1024 },
    );
    expect(out.code, out.stderr).toBe(0);
    // Each 413 closes its connection: three connections, no request reached the application.
    expect(transfers(out.stdout).map((t) => [t.status, t.connects, t.body])).toEqual([
      [413, 1, ''],
      [413, 1, ''],
      [413, 1, ''],
    ]);
    expect([out.connections, out.perConnection]).toEqual([3, []]);
    // Only the chunked upload, whose size is unknown up front, was told to go on.
    expect(out.stderr.match(/^< HTTP\/1\.1 100 Continue\r?$/gm)).toHaveLength(1);
  });

  it('a 5 MB response with flow control, byte for byte', async () => {
    const out = await serve((port) =>
      run(curl!, [
        '-sS',
        '--max-time',
        '15',
        '-o',
        join(scratch, 'big.out'),
        '-w',
        '%{size_download} %{http_code}',
        `http://127.0.0.1:${port}/big?n=5000000`,
      ]),
    );
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe('5000000 200');
  });

  it('TLS (--cacert ca.pem): two URLs on one connection, request.protocol https', async () => {
    const out = await serve(
      (port) => {
        const base = `https://localhost:${port}`;
        return curlRun(
          '--cacert',
          CA,
          '--resolve',
          `localhost:${port}:127.0.0.1`,
          `${base}/hello`,
          `${base}/echo?tls=1`,
        );
      },
      { sslOptions: { certfile: SERVER_CERT, keyfile: SERVER_KEY } },
    );
    expect(out.code, out.stderr).toBe(0);
    const [hello, seen] = transfers(out.stdout);
    expect(hello).toEqual({ body: 'hello\n', status: 200, connects: 1 });
    expect(seen!.connects).toBe(0);
    expect(JSON.parse(seen!.body)).toMatchObject({ protocol: 'https', query: { tls: ['1'] } });
    expect([out.connections, out.perConnection]).toEqual([1, [2]]);
  });
});

// ─── tornado 6.2's simple_httpclient ────────────────────────────────────────────────────────────

const TORNADO_CLIENT = String.raw`
import asyncio, hashlib, json, sys
from tornado.httpclient import AsyncHTTPClient, HTTPClient

def digest(data):
    return hashlib.sha256(data).hexdigest()

def summary(response):
    body = response.body or b''
    return {
        'code': response.code,
        'headers': {k.lower(): v for k, v in response.headers.get_all()},
        'body': body.decode('latin1') if len(body) < 4096 else None,
        'length': len(body),
    }

async def fetches(base):
    client = AsyncHTTPClient(force_instance=True)
    out = {'impl': type(client).__name__}
    out['get'] = summary(await client.fetch(base + '/hello'))
    out['post'] = summary(await client.fetch(base + '/echo', method='POST', body='a=1&b=two+words'))
    chunks = [bytes([65 + i]) * 20000 for i in range(8)]
    async def producer(write):
        for chunk in chunks:
            await write(chunk)
            await asyncio.sleep(0.005)
    out['stream'] = summary(await client.fetch(
        base + '/echo', method='POST', body_producer=producer,
        headers={'Content-Type': 'application/octet-stream'}))
    out['stream_sha256'] = digest(b''.join(chunks))
    out['stream_length'] = sum(map(len, chunks))
    pieces = []
    big = await client.fetch(base + '/big?n=3000000', streaming_callback=pieces.append)
    out['big'] = {'code': big.code, 'length': sum(map(len, pieces)), 'sha256': digest(b''.join(pieces))}
    out['head'] = summary(await client.fetch(base + '/hello', method='HEAD'))
    out['s204'] = summary(await client.fetch(base + '/status/204', raise_error=False))
    out['s304'] = summary(await client.fetch(base + '/status/304', raise_error=False))
    out['chunked'] = summary(await client.fetch(base + '/chunked'))
    client.close()
    return out

async def tls(base, ca):
    client = AsyncHTTPClient(force_instance=True, hostname_mapping={'localhost': '127.0.0.1'})
    out = [summary(await client.fetch(base + path, ca_certs=ca)) for path in ('/hello', '/echo?tls=1')]
    client.close()
    return out

def sequential(base):
    client = HTTPClient()
    try:
        return [summary(client.fetch(base + path)) for path in ('/hello', '/chunked', '/echo?n=3')]
    finally:
        client.close()

mode, base = sys.argv[1], sys.argv[2]
if mode == 'async':
    print(json.dumps(asyncio.run(fetches(base))))
elif mode == 'tls':
    print(json.dumps(asyncio.run(tls(base, sys.argv[3]))))
else:
    print(json.dumps(sequential(base)))
`;

describePeer(
  pythonMissing(
    'import tornado, tornado.simple_httpclient; assert tornado.version_info >= (6, 2)',
    'tornado 6.2+',
  ),
  "tornado's simple_httpclient → our HTTPServer",
  () => {
    let script = '';
    beforeAll(() => {
      script = join(scratch, 'tornado_client.py');
      writeFileSync(script, TORNADO_CLIENT);
    });

    const tornado = (...args: string[]) => run(python!, [script, ...args], 15_000);

    it('AsyncHTTPClient: GET, POST, a chunked body_producer, a streamed 3 MB body, HEAD, 204, 304, chunked', async () => {
      const out = await serve((port) => tornado('async', `http://127.0.0.1:${port}`));
      expect(out.code, out.stderr).toBe(0);
      const got = JSON.parse(out.stdout) as Record<string, Record<string, unknown>>;
      expect(got.impl).toBe('SimpleAsyncHTTPClient');
      expect(got.get).toMatchObject({ code: 200, body: 'hello\n' });
      expect(JSON.parse(got.post!.body as string)).toMatchObject({
        method: 'POST',
        arguments: { a: ['1'], b: ['two words'] },
      });
      // No Content-Length given to a body_producer: tornado sends it chunked.
      expect(JSON.parse(got.stream!.body as string)).toMatchObject({
        length: got.stream_length,
        sha256: got.stream_sha256,
        headers: { transferEncoding: 'chunked' },
      });
      expect(got.big).toEqual({ code: 200, length: 3_000_000, sha256: sha256(pattern(3_000_000)) });
      expect(got.head).toMatchObject({ code: 200, length: 0 });
      expect(got.head!.headers).toMatchObject({ 'content-length': '6' });
      expect(got.s204).toMatchObject({ code: 204, length: 0 });
      expect(got.s204!.headers).toMatchObject({ 'x-status': '204' });
      expect(got.s304).toMatchObject({ code: 304, length: 0 });
      expect(got.s304!.headers).toMatchObject({ etag: '"v1"' });
      expect(got.chunked).toMatchObject({ code: 200, body: 'one,two,three\n' });
      expect(got.chunked!.headers).toMatchObject({ 'transfer-encoding': 'chunked' });
      // simple_httpclient asks for Connection: close: one connection per fetch, each closed.
      expect(out.connections).toBe(8);
      expect(out.perConnection).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    });

    it('HTTPClient: three sequential fetches', async () => {
      const out = await serve((port) => tornado('sync', `http://127.0.0.1:${port}`));
      expect(out.code, out.stderr).toBe(0);
      const got = JSON.parse(out.stdout) as { code: number; body: string }[];
      expect(got.map((r) => r.code)).toEqual([200, 200, 200]);
      expect(got[0]!.body).toBe('hello\n');
      expect(got[1]!.body).toBe('one,two,three\n');
      expect(JSON.parse(got[2]!.body)).toMatchObject({
        method: 'GET',
        query: { n: ['3'] },
        headers: { connection: 'close' },
      });
      expect([out.connections, out.perConnection]).toEqual([3, [1, 1, 1]]);
    });

    it('AsyncHTTPClient over TLS with ca_certs', async () => {
      const out = await serve((port) => tornado('tls', `https://localhost:${port}`, CA), {
        sslOptions: { certfile: SERVER_CERT, keyfile: SERVER_KEY },
      });
      expect(out.code, out.stderr).toBe(0);
      const [hello, seen] = JSON.parse(out.stdout) as { code: number; body: string }[];
      expect(hello).toMatchObject({ code: 200, body: 'hello\n' });
      expect(JSON.parse(seen!.body)).toMatchObject({ protocol: 'https', query: { tls: ['1'] } });
      expect(out.connections).toBe(2);
    });
  },
);

// ─── h11: a strict client ───────────────────────────────────────────────────────────────────────

/**
 * One connection, many requests: each response is read with h11, which raises on anything a
 * server must not send (a body on HEAD, 204 or 304, bad chunk framing, a Content-Length that
 * does not match, an invalid header, bytes after a response it did not ask for). The last request
 * says `Connection: close`, and the server must then close.
 */
const H11_CLIENT = String.raw`
import h11, json, socket, sys

port = int(sys.argv[1])
sock = socket.create_connection(('127.0.0.1', port))
sock.settimeout(10)
conn = h11.Connection(our_role=h11.CLIENT)
host = ('Host', '127.0.0.1:%d' % port)
out = {'responses': [], 'local_ports': set()}

def send(*events):
    for event in events:
        data = conn.send(event)
        if data:
            sock.sendall(data)

def next_event():
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(sock.recv(65536))
            continue
        return event

def read_response(informational=()):
    event = next_event()
    infos = []
    while isinstance(event, h11.InformationalResponse):
        infos.append(event.status_code)
        event = next_event()
    assert isinstance(event, h11.Response), event
    body = b''
    while True:
        part = next_event()
        if isinstance(part, h11.Data):
            body += part.data
        elif isinstance(part, h11.EndOfMessage):
            break
        else:
            raise AssertionError(part)
    out['local_ports'].add(sock.getsockname()[1])
    out['responses'].append({
        'status': event.status_code,
        'version': event.http_version.decode(),
        'informational': infos,
        'headers': {k.decode().lower(): v.decode('latin1') for k, v in event.headers},
        'body': body.decode('latin1') if len(body) < 4096 else None,
        'length': len(body),
    })

def cycle():
    if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
        conn.start_next_cycle()

def request(method, target, headers=(), body=None, chunks=None):
    headers = [host] + list(headers)
    if body is not None:
        headers.append(('Content-Length', str(len(body))))
    send(h11.Request(method=method, target=target, headers=headers))
    for chunk in ([body] if body is not None else chunks or []):
        send(h11.Data(data=chunk))
    send(h11.EndOfMessage())
    read_response()
    cycle()

request('GET', '/hello')
request('HEAD', '/hello')
request('GET', '/status/204')
request('GET', '/status/304', [('If-None-Match', '"v1"')])
request('HEAD', '/chunked')
request('GET', '/chunked')
request('POST', '/echo', [('Transfer-Encoding', 'chunked'), ('Content-Type', 'application/octet-stream')],
        chunks=[b'a' * 1000, b'b' * 70000, b'c'])
request('POST', '/echo', [('Content-Type', 'application/x-www-form-urlencoded')], body=b'k=v&k=w')
request('GET', '/big?n=200000')

# Expect: 100-continue: the 100 comes before the body is sent.
body = b'z' * 100000
send(h11.Request(method='POST', target='/echo', headers=[
    host, ('Content-Length', str(len(body))), ('Expect', '100-continue')]))
assert conn.client_is_waiting_for_100_continue
first = next_event()
assert isinstance(first, h11.InformationalResponse) and first.status_code == 100, first
send(h11.Data(data=body), h11.EndOfMessage())
read_response()
out['responses'][-1]['informational'] = [100]
cycle()

request('GET', '/hello', [('Connection', 'close')])
assert conn.our_state is h11.MUST_CLOSE, conn.our_state
# The server closes: h11 sees the end of the connection and nothing else.
while True:
    event = next_event()
    if isinstance(event, h11.ConnectionClosed):
        break
    raise AssertionError(event)
out['closed_by_server'] = conn.their_state is h11.CLOSED
sock.close()
out['local_ports'] = len(out['local_ports'])
print(json.dumps(out))
`;

describePeer(
  pythonMissing('import h11', 'h11 (Debian python3-h11)'),
  'h11 (strict client) → our HTTPServer',
  () => {
    let script = '';
    beforeAll(() => {
      script = join(scratch, 'h11_client.py');
      writeFileSync(script, H11_CLIENT);
    });

    describe.each(MODES)('%s mode', (mode: LoopMode) => {
      it('eleven requests on one connection, every response valid to h11; 1 connection, 11 requests', async () => {
        const out = await serve((port) => run(python!, [script, String(port)]), {}, mode);
        expect(out.code, out.stderr).toBe(0);
        const got = JSON.parse(out.stdout) as {
          responses: {
            status: number;
            version: string;
            informational: number[];
            headers: Record<string, string>;
            body: string | null;
            length: number;
          }[];
          local_ports: number;
          closed_by_server: boolean;
        };
        expect(got.local_ports).toBe(1);
        expect(got.closed_by_server).toBe(true);
        const r = got.responses;
        expect(r.map((x) => x.status)).toEqual([
          200, 200, 204, 304, 200, 200, 200, 200, 200, 200, 200,
        ]);
        expect(r.every((x) => x.version === '1.1')).toBe(true);
        expect(r[0]).toMatchObject({ body: 'hello\n', headers: { 'content-length': '6' } });
        // HEAD: the GET's Content-Length, no body.
        expect(r[1]).toMatchObject({ length: 0, headers: { 'content-length': '6' } });
        expect(r[2]).toMatchObject({ length: 0, headers: { 'x-status': '204' } });
        expect(r[2]!.headers).not.toHaveProperty('content-length');
        expect(r[2]!.headers).not.toHaveProperty('transfer-encoding');
        expect(r[3]).toMatchObject({ length: 0, headers: { etag: '"v1"' } });
        expect(r[3]!.headers).not.toHaveProperty('transfer-encoding');
        // HEAD of a response with no length: neither chunked nor a body.
        expect(r[4]).toMatchObject({ length: 0 });
        expect(r[5]).toMatchObject({
          body: 'one,two,three\n',
          headers: { 'transfer-encoding': 'chunked' },
        });
        expect(JSON.parse(r[6]!.body!)).toMatchObject({
          length: 71001,
          sha256: sha256(Buffer.from('a'.repeat(1000) + 'b'.repeat(70000) + 'c')),
          headers: { transferEncoding: 'chunked' },
        });
        expect(JSON.parse(r[7]!.body!)).toMatchObject({ arguments: { k: ['v', 'w'] } });
        expect(r[8]).toMatchObject({ length: 200000, headers: { 'content-length': '200000' } });
        expect(r[9]!.informational).toEqual([100]);
        expect(JSON.parse(r[9]!.body!)).toMatchObject({
          length: 100000,
          headers: { expect: '100-continue' },
        });
        expect(r[10]).toMatchObject({ body: 'hello\n', headers: { connection: 'close' } });
        expect([out.connections, out.perConnection]).toEqual([1, [11]]);
      });
    });
  },
);

// ─── nginx as a reverse proxy, keep-alive upstream ──────────────────────────────────────────────

describePeer(
  nginx === null ? 'no nginx binary' : curl === null ? 'no curl binary' : null,
  'curl → nginx (proxy_http_version 1.1, upstream keepalive) → our HTTPServer',
  () => {
    it('ten requests through nginx reuse one upstream connection; xheaders takes X-Real-Ip', async () => {
      const proxyPort = freePort();
      const out = await serve(
        async (port) => {
          const proxy = await startNginx(
            () => `upstream aio { server 127.0.0.1:${port}; keepalive 4; }
                 server { listen 127.0.0.1:${proxyPort};
                   location / { proxy_pass http://aio; proxy_http_version 1.1;
                                proxy_set_header Connection "";
                                proxy_set_header X-Real-Ip 203.0.113.7; } }`,
            [proxyPort],
          );
          const results: Ran[] = [];
          try {
            const base = `http://127.0.0.1:${proxyPort}`;
            // Separate curl processes: each is its own downstream connection to nginx.
            for (const args of [
              [`${base}/hello`],
              ['--data', 'a=1', `${base}/echo`],
              ['-H', 'Transfer-Encoding: chunked', '--data-binary', 'chunked body', `${base}/echo`],
              [`${base}/chunked`],
              ['-I', `${base}/hello`],
              [`${base}/status/204`],
              [`${base}/status/304`],
              [`${base}/big?n=1000000`, '-o', '/dev/null'],
              [`${base}/hello`],
              [`${base}/echo?last=1`],
            ]) {
              results.push(await curlRun(...args));
            }
          } finally {
            // nginx closes its upstream connection as it exits.
            await proxy.stop();
          }
          return {
            code: results.every((r) => r.code === 0) ? 0 : 1,
            stdout: JSON.stringify(results.map((r) => transfers(r.stdout)[0])),
            stderr: results.map((r) => r.stderr).join(''),
          };
        },
        { xheaders: true },
      );
      expect(out.code, out.stderr).toBe(0);
      const got = JSON.parse(out.stdout) as { body: string; status: number }[];
      expect(got.map((t) => t.status)).toEqual([200, 200, 200, 200, 200, 204, 304, 200, 200, 200]);
      expect(got[0]!.body).toBe('hello\n');
      expect(JSON.parse(got[1]!.body)).toMatchObject({
        arguments: { a: ['1'] },
        remoteIp: '203.0.113.7',
      });
      expect(JSON.parse(got[2]!.body)).toMatchObject({ length: 12 });
      expect(got[3]!.body).toBe('one,two,three\n');
      expect(JSON.parse(got[9]!.body)).toMatchObject({
        query: { last: ['1'] },
        remoteIp: '203.0.113.7',
      });
      // nginx kept its upstream connection between downstream ones.
      expect([out.connections, out.perConnection]).toEqual([1, [10]]);
    });
  },
);
