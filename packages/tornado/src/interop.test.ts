/**
 * The networking modules against programs nobody here wrote: an IOStream from TCPClient fetching
 * files from nginx (keep-alive, a body larger than any one read), and curl fetching from a
 * TCPServer. A peer that is not installed is skipped with the reason (CI installs them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { wrapPromise } from '@aio/future';
import { untilListening } from './test-listening';
import { StreamClosedError, type IOStream } from './iostream';
import { bindSockets } from './netutil';
import { TCPClient } from './tcpclient';
import { TCPServer } from './tcpserver';
import { closeLoops, main } from './locks/test-support';

/** The path of `command` if it is installed, else null. */
function which(command: string): string | null {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) {
    if (existsSync(join(dir, command))) return join(dir, command);
  }
  return null;
}

/** A port nobody listens on right now. */
function freePort(): number {
  const [sock] = bindSockets(0, '127.0.0.1');
  const port = (sock!.getsockname() as [string, number])[1];
  sock!.close();
  return port;
}

/** Parses a response head: status code and lower-cased headers. */
function head(text: string): { status: number; headers: Map<string, string> } {
  const [statusLine, ...lines] = text.trimEnd().split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const at = line.indexOf(':');
    headers.set(line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim());
  }
  return { status: Number(statusLine!.split(' ')[1]), headers };
}

afterEach(closeLoops);

const nginx = which('nginx');
describe.skipIf(nginx === null)('IOStream from TCPClient against nginx', () => {
  let dir: string;
  let port: number;
  let server: ChildProcess;
  const big = randomBytes(300 * 1024);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aio-nginx-'));
    mkdirSync(join(dir, 'www'));
    writeFileSync(join(dir, 'www', 'hello.txt'), 'hello from nginx\n');
    writeFileSync(join(dir, 'www', 'big.bin'), big);
    port = freePort();
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
      .map((name) => `${name}_temp_path ${join(dir, name)};`)
      .join(' ');
    writeFileSync(
      join(dir, 'nginx.conf'),
      `daemon off; master_process off; worker_processes 1;
       pid ${join(dir, 'nginx.pid')}; error_log ${join(dir, 'error.log')};
       events { worker_connections 64; }
       http { access_log off; ${temp}
         server { listen 127.0.0.1:${port}; root ${join(dir, 'www')}; keepalive_requests 100; } }`,
    );
    server = spawn(
      nginx!,
      ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')],
      {
        stdio: 'ignore',
      },
    );
    await untilListening(port, 20_000);
  });

  afterAll(async () => {
    server.kill('SIGTERM');
    await new Promise((resolve) =>
      server.exitCode === null ? server.once('exit', resolve) : resolve(null),
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('fetches two files on one keep-alive connection, the second larger than any read', async () => {
    const [small, large] = await main(
      function* () {
        const client = new TCPClient();
        const stream = yield* client.connect('localhost', port);
        try {
          const fetch = function* (path: string): Generator<unknown, [number, Buffer], unknown> {
            yield* stream.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
            const response = head(String(yield* stream.readUntil('\r\n\r\n', 16 * 1024)));
            const length = Number(response.headers.get('content-length'));
            return [response.status, yield* stream.readBytes(length)];
          };
          return [yield* fetch('/hello.txt'), yield* fetch('/big.bin')];
        } finally {
          stream.close();
          client.close();
        }
      },
      'hosted',
      'real',
    );
    expect(small[0]).toBe(200);
    expect(String(small[1])).toBe('hello from nginx\n');
    expect(large[0]).toBe(200);
    expect(large[1].equals(big)).toBe(true);
  });

  it('reads a response until nginx closes the connection (readUntilClose), in blocking mode', async () => {
    const response = await main(
      function* () {
        const stream = yield* new TCPClient().connect('127.0.0.1', port);
        yield* stream.write('GET /hello.txt HTTP/1.0\r\n\r\n');
        return String(yield* stream.readUntilClose());
      },
      'blocking',
      'real',
    );
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(response.endsWith('\r\n\r\nhello from nginx\n')).toBe(true);
  });
});

const curl = which('curl');
describe.skipIf(curl === null)('TCPServer against curl', () => {
  class TinyHttp extends TCPServer {
    constructor(readonly body: Buffer) {
      super();
    }

    override *handleStream(stream: IOStream): Generator<unknown, void, unknown> {
      try {
        const request = String(yield* stream.readUntil('\r\n\r\n', 8192));
        const path = request.split(' ')[1];
        yield* stream.write(
          `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nX-Path: ${path}\r\nContent-Length: ${this.body.length}\r\nConnection: close\r\n\r\n`,
        );
        yield* stream.write(this.body);
      } catch (error) {
        if (!(error instanceof StreamClosedError)) throw error;
      } finally {
        stream.close();
      }
    }
  }

  it('serves curl a 1 MiB body, byte for byte', async () => {
    const body = randomBytes(1024 * 1024);
    const out = await main(
      function* () {
        const server = new TinyHttp(body);
        const [listener] = bindSockets(0, '127.0.0.1');
        server.addSockets([listener!]);
        const port = (listener!.getsockname() as [string, number])[1];
        try {
          const child = spawn(curl!, ['-s', '-S', '-i', `http://127.0.0.1:${port}/x?y=1`], {
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          const chunks: Buffer[] = [];
          let stderr = '';
          child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
          child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
          const code = yield* wrapPromise(
            new Promise<number | null>((resolve) => child.once('close', resolve)),
          );
          return { code, stdout: Buffer.concat(chunks), stderr };
        } finally {
          server.stop();
        }
      },
      'hosted',
      'real',
    );
    expect(out.code, out.stderr).toBe(0);
    const split = out.stdout.indexOf('\r\n\r\n');
    const response = head(out.stdout.subarray(0, split + 4).toString('latin1'));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-path')).toBe('/x?y=1');
    expect(out.stdout.subarray(split + 4).equals(body)).toBe(true);
  });
});
