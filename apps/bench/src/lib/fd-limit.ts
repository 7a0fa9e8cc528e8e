/**
 * The open-file limit of the processes a benchmark starts. A client holding N sockets, or a
 * server holding N connections, needs N fds and some more; where the soft limit (`ulimit -n`,
 * often 1024) is lower, a benchmark starts its processes with it raised, up to the hard limit.
 */
import { spawnSync } from 'node:child_process';

/** `ulimit -<flag>` of a shell started from here: Infinity for `unlimited`, 1024 if unreadable. */
function shellLimit(flag: 'Hn' | 'Sn'): number {
  const probe = spawnSync('sh', ['-c', `ulimit -${flag}`], { encoding: 'utf8' });
  const text = probe.stdout.trim();
  if (text === 'unlimited') return Infinity;
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : 1024;
}

/** The hard limit on open fds (`ulimit -Hn`) processes started from here get. */
export function hardFdLimit(): number {
  return shellLimit('Hn');
}

/** The soft limit on open fds (`ulimit -n`) processes started from here get. */
export function softFdLimit(): number {
  return shellLimit('Sn');
}

/** `command args…` run with its soft fd limit raised to `limit` first. */
export function withFdLimit(
  limit: number,
  command: string,
  args: readonly string[],
): [string, string[]] {
  return ['sh', ['-c', `ulimit -n ${limit} && exec "$0" "$@"`, command, ...args]];
}
