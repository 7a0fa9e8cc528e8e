/**
 * The server `pnpm bench httpclient` loads: something other than aio and other than the clients
 * measured, that answers a small fixed response over keep-alive as fast as any client can ask,
 * and says how many requests each connection carried.
 *
 * nginx (Debian's `/usr/sbin/nginx`; `AIO_BENCH_NGINX` names another) is started as one process
 * (`daemon off`, `master_process off`: the pid spawned is the one serving) with a config of its
 * own in a temp directory: a free loopback port, `return 200 "hello"`, `keepalive_requests`
 * and `keepalive_timeout` high enough that nginx never closes a connection during a run, and an
 * access log of `$connection $connection_requests $request_uri $status` (read by
 * `access-log.ts`), buffered and flushed when `stop()` sends SIGQUIT (a graceful stop).
 *
 * Without nginx, `src/servers/http-hello-log.ts` (Node's `http`, the same response and the same
 * log, written when it stops) takes its place, and the report says so.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pinning } from './pinning';
import { HELLO } from './httpclient-load';
import { nodeServer, startServer, track } from './servers';

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export interface HelloServer {
  readonly port: number;
  readonly pid: number;
  /** Stops the server (letting it flush its log) and gives back its access log, whole. */
  stop(): Promise<string>;
}

/** Which server this machine can run: nginx (its version), or the Node fallback and why. */
export interface HelloServerKind {
  readonly name: string;
  readonly nginx: string | null;
  readonly note: string | null;
}

/** The nginx binary to use. */
export function nginxCommand(): string {
  return process.env.AIO_BENCH_NGINX ?? '/usr/sbin/nginx';
}

/** nginx if it runs here (`nginx -v`), else the fallback, with the reason. */
export function helloServerKind(): HelloServerKind {
  const command = nginxCommand();
  const probe = spawnSync(command, ['-v'], { encoding: 'utf8' });
  const version = /nginx\/(\S+)/.exec(`${probe.stderr ?? ''}${probe.stdout ?? ''}`)?.[1];
  if (probe.status === 0 && version !== undefined) {
    return { name: `nginx ${version}`, nginx: version, note: null };
  }
  return {
    name: 'Node http (src/servers/http-hello-log.ts)',
    nginx: null,
    note: `no nginx at ${command} (apt-get install nginx-light): the Node http fallback server serves instead`,
  };
}

/** nginx's config: one process, the fixed response, the log `access-log.ts` reads. */
export function nginxConfig(dir: string, port: number): string {
  return `# pnpm bench httpclient: written at run time, removed after
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  log_format conn '$connection $connection_requests $request_uri $status';
  server {
    listen 127.0.0.1:${port} backlog=4096;
    keepalive_requests 10000000;
    keepalive_timeout 600s;
    access_log ${dir}/access.log conn buffer=256k;
    location / {
      default_type text/plain;
      return 200 "${HELLO}";
    }
  }
}
`;
}

/** A loopback port nothing listens on now (nginx cannot print the one it got). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts the server of `kind`, under `pin.server`'s prefix. */
export function startHelloServer(kind: HelloServerKind, pin: Pinning): Promise<HelloServer> {
  return kind.nginx === null ? startFallback(pin) : startNginx(pin);
}

async function startNginx(pin: Pinning): Promise<HelloServer> {
  const dir = mkdtempSync(join(tmpdir(), 'aio-bench-nginx-'));
  try {
    const port = await freePort();
    const conf = join(dir, 'nginx.conf');
    writeFileSync(conf, nginxConfig(dir, port));
    const errorLog = join(dir, 'error.log');
    const [command, ...prefix] = [...pin.server, nginxCommand()];
    const child = spawn(command, [...prefix, '-p', dir, '-c', conf, '-e', errorLog], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    track(child);
    let exited = false;
    const gone = new Promise<void>((resolve) =>
      child.once('exit', () => {
        exited = true;
        resolve();
      }),
    );
    const errors = (): string =>
      existsSync(errorLog) ? (readFileSync(errorLog, 'utf8').trim().split('\n').at(-1) ?? '') : '';
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await canConnect(port))) {
      if (exited || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(
          `nginx did not start on 127.0.0.1:${port}${exited ? ' (it exited)' : ''}: ${errors() || 'no error logged'}`,
        );
      }
      await sleep(20);
    }
    let stopping: Promise<string> | undefined;
    const stop = async (): Promise<string> => {
      if (!exited) {
        child.kill('SIGQUIT'); // graceful: flushes the buffered access log
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await gone;
        clearTimeout(timer);
      }
      try {
        const log = join(dir, 'access.log');
        return existsSync(log) ? readFileSync(log, 'utf8') : '';
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    return { port, pid: child.pid!, stop: () => (stopping ??= stop()) };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function startFallback(pin: Pinning): Promise<HelloServer> {
  const dir = mkdtempSync(join(tmpdir(), 'aio-bench-hello-'));
  const log = join(dir, 'access.log');
  try {
    const server = nodeServer('fallback', 'http-hello-log', `--log=${log}`);
    const [command, ...prefix] = [...pin.server, server.command];
    const running = await startServer(command, [...prefix, ...server.args]);
    let stopping: Promise<string> | undefined;
    const stop = async (): Promise<string> => {
      await running.stop();
      try {
        return existsSync(log) ? readFileSync(log, 'utf8') : '';
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    return { port: running.port, pid: running.pid, stop: () => (stopping ??= stop()) };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
