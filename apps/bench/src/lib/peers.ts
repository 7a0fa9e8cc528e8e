/**
 * Finding the peers a benchmark compares against. A missing peer is reported, never fatal: the
 * benchmark says which peer it lacks and measures the rest.
 */
import { spawnSync, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { benchSource } from './paths';

export interface Python {
  readonly path: string;
  readonly version: string;
}

/**
 * The Python to run peers with: `$AIO_BENCH_PYTHON` if set (and only it: a path or a command that
 * does not run means no Python, which is how the tests check that missing peers are reported);
 * else Debian's system python3 (where python3-tornado and python3-uvloop land), then whatever
 * `python3` is on PATH.
 */
export function findPython(): Python | null {
  const chosen = process.env.AIO_BENCH_PYTHON;
  const candidates = chosen ? [chosen] : ['/usr/bin/python3', 'python3'];
  for (const path of candidates) {
    if (path.startsWith('/') && !existsSync(path)) continue;
    const probe = spawnSync(path, ['-c', 'import sys; print(sys.version.split()[0])'], {
      encoding: 'utf8',
    });
    if (probe.status === 0) return { path, version: probe.stdout.trim() };
  }
  return null;
}

/**
 * Runs one of `src/peers/*.py` with JSON arguments and returns its JSON answer. `prefix` is a
 * command that execs it (`taskset -c 0`, from `pinning()`).
 */
export function runPythonPeer<T>(
  python: Python,
  script: string,
  args: object,
  timeoutMs = 120_000,
  prefix: readonly string[] = [],
): Promise<T> {
  const file = benchSource(`peers/${script}`);
  const [command, ...before] = [...prefix, python.path];
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...before, file, JSON.stringify(args)],
      { timeout: timeoutMs, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) {
          // The first line says why (tryPythonPeer keeps only it): the timeout, or the last
          // line of the peer's stderr (a traceback's exception), else Node's own message.
          const why = err.killed
            ? `timed out after ${timeoutMs / 1000} s`
            : stderr.trim().split('\n').at(-1) || err.message;
          reject(new Error(`${script} failed: ${why}\n${err.message}\n${stderr}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as T);
        } catch {
          reject(
            new Error(`${script} printed something that is not JSON: ${stdout.slice(0, 200)}`),
          );
        }
      },
    );
  });
}

/** Runs a Python peer, or returns why it could not (not installed, no Python, …) as a string. */
export async function tryPythonPeer<T>(
  python: Python | null,
  script: string,
  args: object,
  timeoutMs?: number,
  prefix?: readonly string[],
): Promise<T | string> {
  if (!python) return 'python3 not found';
  try {
    return await runPythonPeer<T>(python, script, args, timeoutMs, prefix);
  } catch (err) {
    const message = (err as Error).message;
    return /exit code 3|not installed|No module named/.test(message)
      ? 'not installed'
      : message.split('\n')[0]!;
  }
}

/** The version of tornado `python` imports, or null when it has none. */
export function tornadoVersion(python: string): string | null {
  const probe = spawnSync(python, ['-c', 'import tornado; print(tornado.version)'], {
    encoding: 'utf8',
  });
  return probe.status === 0 ? probe.stdout.trim() : null;
}
