/**
 * Fails a test file that leaves a file descriptor open.
 *
 * Before the file's first test it lists the process's open fds (`/proc/self/fd` on Linux,
 * `/dev/fd` elsewhere); after its last test it lists them again and fails with the leaked ones,
 * each with what it points to (`socket:[123]`, `pipe:[456]`, `anon_inode:[eventfd]`).
 * Descriptors that Node or vitest open lazily for themselves are not the test's doing and are
 * skipped: regular files (module loading, source maps) and the terminal.
 *
 * Node closes its own sockets asynchronously, so the check retries for a short while before it
 * fails.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';

const FD_DIR = process.platform === 'linux' ? '/proc/self/fd' : '/dev/fd';
const SETTLE_MS = 1_000;

function openFds(): Map<number, string> {
  const fds = new Map<number, string>();
  for (const name of readdirSync(FD_DIR)) {
    const fd = Number(name);
    let target: string;
    try {
      target = readlinkSync(`${FD_DIR}/${name}`);
    } catch {
      continue; // the fd readdir itself used, already closed again
    }
    fds.set(fd, target);
  }
  return fds;
}

/** Kinds of fd a test can leak: sockets, pipes, and anonymous inodes (eventfd, epoll, timerfd). */
function isTracked(target: string): boolean {
  return /^(socket:|pipe:|anon_inode:)/.test(target) || target === '' || target.startsWith('[');
}

function leakedSince(before: Map<number, string>): string[] {
  const leaks: string[] = [];
  for (const [fd, target] of openFds()) {
    if (before.get(fd) === target || !isTracked(target)) continue;
    leaks.push(`fd ${fd} -> ${target}`);
  }
  return leaks;
}

let before = new Map<number, string>();

beforeAll(() => {
  before = openFds();
});

afterAll(async () => {
  const deadline = Date.now() + SETTLE_MS;
  let leaks = leakedSince(before);
  while (leaks.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    leaks = leakedSince(before);
  }
  if (leaks.length > 0) {
    throw new Error(
      `fd guard: this test file left ${leaks.length} file descriptor(s) open:\n  ${leaks.join('\n  ')}`,
    );
  }
});
