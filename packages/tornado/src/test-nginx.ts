/**
 * For the interop tests: Debian's nginx as a peer, a child process on 127.0.0.1 with a config of
 * the test's own — no daemon, no master, one worker, every path (pid, logs, temp files) under a
 * scratch directory of its own, removed when it stops.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindSockets } from './netutil';
import { untilListening } from './test-listening';

/** The path of `command` if it is installed, else null. */
export function which(command: string): string | null {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) {
    if (existsSync(join(dir, command))) return join(dir, command);
  }
  return null;
}

/** The nginx binary, or null when it is not installed. */
export const NGINX = which('nginx');

/** A port nobody listens on right now. */
export function freePort(): number {
  const [sock] = bindSockets(0, '127.0.0.1');
  const port = (sock!.getsockname() as [string, number])[1];
  sock!.close();
  return port;
}

/** A running nginx. */
export interface Nginx {
  /** Its scratch directory (the config's `-p` prefix): files a config serves may go here. */
  readonly dir: string;
  /** What it wrote to its error log so far. */
  errorLog(): string;
  /** SIGTERM (it closes its connections as it exits), waits for it, removes its directory. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/**
 * Starts nginx with `http` as the inside of its `http { }` block (`dir` is the scratch directory,
 * for paths the block names) and waits until each of `ports` accepts connections. `prepare` may
 * write files into the directory first. SIGKILLed after `limitMs` if still running.
 */
export async function startNginx(
  http: (dir: string) => string,
  ports: readonly number[],
  prepare: (dir: string) => void = () => {},
  limitMs = 120_000,
): Promise<Nginx> {
  if (NGINX === null) throw new Error('nginx is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'aio-nginx-'));
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((name) => `${name}_temp_path ${join(dir, name)};`)
    .join(' ');
  const errorLog = join(dir, 'error.log');
  prepare(dir);
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off; master_process off; worker_processes 1;
     pid ${join(dir, 'nginx.pid')}; error_log ${errorLog};
     events { worker_connections 64; }
     http { access_log off; ${temp}
       ${http(dir)} }`,
  );
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', errorLog], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const limit = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => {
      clearTimeout(limit);
      running.delete(child);
      resolve();
    });
    child.once('error', () => resolve());
  });
  const readLog = (): string => {
    try {
      return readFileSync(errorLog, 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) await untilListening(port, 10_000);
  } catch (error) {
    const log = `${stderr}${readLog()}`;
    await stop();
    throw new Error(`nginx did not start listening: ${String(error)}\n${log}`);
  }
  return { dir, errorLog: readLog, stop };
}

/** Kills every nginx still running (for `afterAll`, after a test that failed to stop its own). */
export async function killNginx(): Promise<void> {
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
