/**
 * What `/proc` says of a server process: its CPU time, its resident set, its open fds. The
 * benchmarks read them from outside, so the server's own code has nothing to report.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Linux's clock ticks per second (`getconf CLK_TCK`), the unit of /proc/<pid>/stat's times. */
const CLOCK_TICKS = 100;

/**
 * User + system CPU seconds of process `pid` so far, all its threads (`/proc/<pid>/stat`), or
 * null without /proc. In clock ticks: 10 ms steps.
 */
export function processCpuSeconds(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after the command name (in parentheses, which may hold spaces): state is field 3,
  // utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** The resident set of process `pid`, in KiB (`VmRSS` in `/proc/<pid>/status`). */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]);
}

/**
 * The lowest resident set of process `pid` over the next `ms` (read every 250 ms at most),
 * starting from `start` KiB: what it holds once its allocator has given back what it can.
 */
export async function lowestRss(pid: number, ms: number, start: number): Promise<number> {
  let lowest = start;
  for (const until = Date.now() + ms; Date.now() < until;) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, ms)));
    lowest = Math.min(lowest, rssKiB(pid));
  }
  return lowest;
}

/** The fds process `pid` has open (`/proc/<pid>/fd`). */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}
