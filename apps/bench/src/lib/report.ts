/**
 * What every benchmark prints: a header naming the machine and the run, tables with aligned
 * columns, ratios against the peer measured in the same run, and the same data as JSON.
 */
import { cpus, platform, arch, release, totalmem } from 'node:os';

export interface Environment {
  readonly date: string;
  readonly node: string;
  readonly os: string;
  readonly cpu: string;
  readonly cpus: number;
  readonly memoryGiB: number;
}

export function environment(): Environment {
  const cpuList = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cpus: cpuList.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  };
}

export type Cell = string | number | null;

/** Formats a table with a header row; numbers are right-aligned, text left-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) =>
    row.map((cell) => (cell === null ? '—' : typeof cell === 'number' ? formatNumber(cell) : cell)),
  );
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...text.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: readonly string[], numeric: readonly boolean[]): string =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const numericCols = headers.map((_, i) => rows.some((row) => typeof row[i] === 'number'));
  return [
    line(headers, numericCols),
    line(
      widths.map((w) => '─'.repeat(w)),
      numericCols,
    ),
    ...text.map((row) => line(row, numericCols)),
  ].join('\n');
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n) || Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** `1.92×`: how many times the first is better than the second (for throughput: a / b). */
export function ratio(a: number | null, b: number | null): string | null {
  if (a === null || b === null || b === 0) return null;
  return `${(a / b).toFixed(2)}×`;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Progress goes to stderr, so `--json` output on stdout stays clean when piped. */
export function progress(message: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${message}`);
  else process.stderr.write(`${message}\n`);
}

export function progressDone(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
}

/** A goal's verdict: `aio ≥ times × peer`, judged only when both were measured; aio failing is NOT met. */
export function judge(
  aio: number | null,
  peer: number | null,
  times: number,
  aioFailed: string | null,
): { ratio: number | null; met: boolean | null; display: string } {
  if (aioFailed !== null) return { ratio: null, met: false, display: `aio FAILED: ${aioFailed}` };
  return {
    ratio: aio === null || peer === null ? null : aio / peer,
    met: aio === null || peer === null ? null : aio >= times * peer,
    display: ratio(aio, peer) ?? '—',
  };
}

/** `met (1.23×…)`, `NOT met (…)`, or `not measured`. */
export function verdict(g: { met: boolean | null; display: string }, extra = ''): string {
  return g.met === null ? 'not measured' : `${g.met ? 'met' : 'NOT met'} (${g.display}${extra})`;
}
