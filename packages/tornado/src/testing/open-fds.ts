/**
 * The process's open file descriptors, listed before a test and after it, and a leaked one named
 * as precisely as the system lets: `fd 23 -> socket:[81723] (tcp 127.0.0.1:40211 LISTEN)`.
 *
 * The listing is Linux's `/proc/self/fd`, where each entry's link says what it is
 * (`socket:[inode]`, `pipe:[inode]`, `anon_inode:[eventpoll]`); elsewhere there is none, and the
 * check is skipped (macOS's `/dev/fd` has no links to read). Only those kinds are counted, as
 * the repository's vitest fd guard counts them: regular files come and go as Node loads modules
 * and source maps, and are never a test's doing. A socket's inode is looked up in
 * `/proc/net/tcp`, `tcp6` and `unix`, for its addresses and state.
 *
 * Node and worker threads close some of their descriptors asynchronously (a thread pool shut
 * down without waiting), so `leakedSince` looks again for a while before it reports.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const FD_DIR = '/proc/self/fd';
/** How long `leakedSince` waits for descriptors to close before it reports them (ms). */
const SETTLE_MS = 2_000;
const POLL_MS = 20;

/** fd → what its link says. */
export type FdTable = ReadonlyMap<number, string>;

/** The open descriptors a test can leak, or null where they cannot be listed. */
export function openFds(): FdTable | null {
  if (process.platform !== 'linux') return null;
  let names: string[];
  try {
    names = readdirSync(FD_DIR);
  } catch {
    return null;
  }
  const fds = new Map<number, string>();
  for (const name of names) {
    let target: string;
    try {
      target = readlinkSync(`${FD_DIR}/${name}`);
    } catch {
      continue; // the descriptor readdir itself used, closed again
    }
    if (isTracked(target)) fds.set(Number(name), target);
  }
  return fds;
}

/**
 * The descriptors open now that were not in `before` (or pointed elsewhere), each described;
 * waits up to SETTLE_MS for them to close first.
 */
export async function leakedSince(before: FdTable): Promise<string[]> {
  const deadline = Date.now() + SETTLE_MS;
  let leaked = newSince(before);
  while (leaked.size > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    leaked = newSince(before);
  }
  if (leaked.size === 0) return [];
  const sockets = socketTable();
  return [...leaked].map(([fd, target]) => {
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    const socket = inode === undefined ? undefined : sockets.get(inode);
    return `fd ${String(fd)} -> ${target}${socket === undefined ? '' : ` (${socket})`}`;
  });
}

function newSince(before: FdTable): Map<number, string> {
  const leaked = new Map<number, string>();
  for (const [fd, target] of openFds() ?? []) if (before.get(fd) !== target) leaked.set(fd, target);
  return leaked;
}

/** Sockets, pipes and anonymous inodes (eventfd, epoll, timerfd; `[eventpoll]` on old kernels). */
function isTracked(target: string): boolean {
  return /^(socket:|pipe:|anon_inode:|\[)/.test(target);
}

// ─── Linux: what a socket inode is ───────────────────────────────────────────────────────────

const TCP_STATES: Readonly<Record<string, string>> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};

/** Socket inode → `tcp 127.0.0.1:40211 -> 127.0.0.1:8888 ESTABLISHED`, `unix /run/x.sock`. */
function socketTable(): Map<string, string> {
  const table = new Map<string, string>();
  for (const file of ['tcp', 'tcp6']) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
    for (const row of rows(`/proc/net/${file}`)) {
      const [, local, remote, state, , , , , , inode] = row;
      if (inode === undefined) continue;
      const status = TCP_STATES[state!] ?? state!;
      const peer = status === 'LISTEN' ? '' : ` -> ${endpoint(remote!)}`;
      table.set(inode, `tcp ${endpoint(local!)}${peer} ${status}`);
    }
  }
  // Num RefCount Protocol Flags Type St Inode [Path]
  for (const row of rows('/proc/net/unix')) {
    const inode = row[6];
    if (inode !== undefined) table.set(inode, `unix${row[7] === undefined ? '' : ` ${row[7]}`}`);
  }
  return table;
}

function rows(path: string): string[][] {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((row) => row.length > 1);
}

/**
 * `0100007F:9D23` → `127.0.0.1:40227`. The address is the kernel's words in host byte order
 * (little-endian here), printed in hex; the port is big-endian hex.
 */
function endpoint(hexAddress: string): string {
  const [hex, hexPort] = hexAddress.split(':') as [string, string];
  const port = parseInt(hexPort, 16);
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    for (let byte = 6; byte >= 0; byte -= 2)
      bytes.push(parseInt(hex.slice(word + byte, word + byte + 2), 16));
  }
  if (bytes.length === 4) return `${bytes.join('.')}:${String(port)}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  const ip = groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  return `[${ip}]:${String(port)}`;
}
