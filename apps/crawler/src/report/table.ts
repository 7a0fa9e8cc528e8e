/**
 * The crawler's text table, as `pnpm crawl` prints it: columns padded to their widest cell, two
 * spaces between columns, a `───` rule under the header.
 */
import { displayWidth, padEnd, padStart } from './width';

/**
 * Lays out `rows` under `header` as text, one line per row, without a trailing newline. A column
 * with no `align` entry is left-aligned; a row with fewer cells than the header is padded with
 * empty cells.
 *
 * @example
 * formatTable(['strategy', '§', 'wall ms'], [['blocking', '3.1', '1046']], ['left', 'left', 'right']);
 * // strategy  §    wall ms
 * // ────────  ───  ───────
 * // blocking  3.1     1046
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly ('left' | 'right')[],
): string {
  const cell = (row: readonly string[], i: number): string => row[i] ?? '';
  const widths = header.map((h, i) =>
    Math.max(displayWidth(h), ...rows.map((row) => displayWidth(cell(row, i)))),
  );
  const line = (row: readonly string[]): string =>
    widths
      .map((w, i) => (align[i] === 'right' ? padStart(cell(row, i), w) : padEnd(cell(row, i), w)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}
