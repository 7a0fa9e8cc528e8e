/**
 * A local `redis-server` for a distributed crawl given no `--redis URL` (and for the tests): on a
 * Unix socket in a fresh directory (no port to collide with, nothing reachable from outside),
 * with persistence on (an append-only file, synced on every write), so that a restart mid-crawl
 * loses nothing. Stopped by `stop()`, and killed with its parent: it is started with
 * `--daemonize no` and watched, and the crawler stops it on exit.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every local Redis running, with its directory: whatever way this process ends, they end too. */
const running = new Map<ChildProcess, string>();
process.on('exit', () => {
  for (const [child, dir] of running) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

/** `redis-server` is not installed (or not on PATH). */
export class RedisNotInstalledError extends Error {
  override name = 'RedisNotInstalledError';
  readonly code = 'ENOREDIS';
  constructor() {
    super(
      'redis-server was not found on PATH. Install it (Debian/Ubuntu: `apt-get install ' +
        'redis-server`; macOS: `brew install redis`) or pass --redis redis://host:port',
    );
  }
}

/** `redis-server` did not come up. */
export class RedisStartError extends Error {
  override name = 'RedisStartError';
  readonly code = 'EREDISSTART';
}

/** A running local Redis. */
export interface LocalRedis {
  /** Where to connect: the Unix socket's path (Frontier takes it as a URL). */
  readonly url: string;
  /** The server's pid (changes on restart). */
  readonly pid: number;
  /** Stops it (SIGTERM; SIGKILL after 5 s) and waits until it is gone. */
  stop(): Promise<void>;
  /** Stops it, and starts it again on the same socket and data directory. */
  restart(): Promise<void>;
  /** Stops it and deletes its directory. */
  close(): Promise<void>;
}

/**
 * The path of `redis-server`, or null when it is not installed: `AIO_REDIS_SERVER` when set (a
 * build of your own; the tests set a missing one), else the one on PATH or in /usr(/local)/bin.
 */
export function findRedisServer(): string | null {
  const chosen = process.env.AIO_REDIS_SERVER;
  if (chosen !== undefined && chosen !== '') return existsSync(chosen) ? chosen : null;
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = which.stdout.trim();
  if (which.status === 0 && path !== '') return path;
  for (const candidate of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * Starts `redis-server` on a Unix socket in a new temporary directory and resolves once it
 * answers PING.
 * @throws RedisNotInstalledError when there is no redis-server
 * @throws RedisStartError when it exits or does not answer within 10 s
 */
export async function startLocalRedis(): Promise<LocalRedis> {
  const binary = findRedisServer();
  if (binary === null) throw new RedisNotInstalledError();
  const dir = mkdtempSync(join(tmpdir(), 'aio-redis-'));
  const socket = join(dir, 'redis.sock');
  let child: ChildProcess = await launch(binary, dir, socket);

  const stop = async (): Promise<void> => {
    const running = child;
    if (running.exitCode !== null || running.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  };
  return {
    url: socket,
    get pid() {
      return child.pid ?? -1;
    },
    stop,
    async restart() {
      await stop();
      child = await launch(binary, dir, socket);
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function launch(binary: string, dir: string, socket: string): Promise<ChildProcess> {
  const args = [
    '--port',
    '0', // no TCP: the Unix socket only
    '--unixsocket',
    socket,
    '--unixsocketperm',
    '700',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--loglevel',
    'warning',
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  running.set(child, dir);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new RedisStartError(`redis-server exited at start: ${stderr.trim() || 'no message'}`);
    }
    if (await pings(socket)) return child;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGKILL');
  throw new RedisStartError(`redis-server did not answer on ${socket} within 10 s`);
}

/** Whether a Redis answers PING on the Unix socket. */
function pings(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (!existsSync(socket)) {
      resolve(false);
      return;
    }
    const conn = connect(socket);
    let answer = '';
    const done = (ok: boolean): void => {
      conn.destroy();
      resolve(ok);
    };
    conn.setTimeout(1000, () => done(false));
    conn.on('error', () => done(false));
    conn.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
    conn.on('connect', () => conn.write('PING\r\n'));
  });
}
