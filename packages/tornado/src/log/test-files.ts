/**
 * Helpers the log tests share: a temporary directory per test, the fds this process holds on
 * files in it (the repository's fd guard skips regular files, so the log tests check their own),
 * and a handler that collects lines in memory.
 */
import { mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogFormatter, type LogFormatterOptions } from './formatter';
import { StreamHandler } from './handlers';

/** A fresh directory under the OS's temp dir; `remove()` deletes it and everything in it. */
export function tempDir(): { path: string; remove(): void } {
  const path = realpathSync(mkdtempSync(join(tmpdir(), 'aio-log-')));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Descriptors this process has open on files under `dir` (Linux: /proc/self/fd). */
export function openFilesUnder(dir: string): string[] {
  const fdDir = process.platform === 'linux' ? '/proc/self/fd' : '/dev/fd';
  const open: string[] = [];
  for (const name of readdirSync(fdDir)) {
    try {
      const target = readlinkSync(`${fdDir}/${name}`);
      if (target.startsWith(dir)) open.push(target);
    } catch {
      // the fd readdir used, closed again
    }
  }
  return open;
}

/** A real StreamHandler whose stream is an array of lines. */
export function collector(
  formatterOptions: LogFormatterOptions = { color: false },
  level = 0,
): { handler: StreamHandler; lines: string[] } {
  const lines: string[] = [];
  const handler = new StreamHandler({
    stream: { write: (chunk: string) => lines.push(chunk.replace(/\n$/, '')) },
    formatter: new LogFormatter(formatterOptions),
    level,
  });
  return { handler, lines };
}

/** What `fn` throws, with its name, message and code, for one `toEqual`. */
export function thrown(fn: () => unknown): { name: string; message: string; code?: unknown } {
  try {
    fn();
  } catch (error) {
    const { name, message, code } = error as Error & { code?: unknown };
    return { name, message, code };
  }
  throw new Error('expected a throw, got none');
}
