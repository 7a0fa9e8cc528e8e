/**
 * The verdict table: per section, how many cases were OK, NON-STRICT, FAILED, INFORMATIONAL and
 * UNIMPLEMENTED, and each failed case with what was sent and what came back — the report a
 * reader of a failing run needs first.
 */
import type { CaseResult, Verdict } from './case';
import { sectionOf } from './catalogue';

const VERDICTS: readonly Verdict[] = [
  'OK',
  'NON-STRICT',
  'FAILED',
  'INFORMATIONAL',
  'UNIMPLEMENTED',
];

export type Tally = Record<string, Record<Verdict, number>>;

export function tally(results: readonly CaseResult[]): Tally {
  const table: Tally = {};
  for (const result of results) {
    const section = sectionOf(result.id);
    table[section] ??= { OK: 0, 'NON-STRICT': 0, FAILED: 0, INFORMATIONAL: 0, UNIMPLEMENTED: 0 };
    table[section][result.verdict]++;
  }
  return table;
}

/** The table as text, one row per section and a total. */
export function formatTally(title: string, results: readonly CaseResult[]): string {
  const table = tally(results);
  const rows = [[title, ...VERDICTS]];
  const total: Record<Verdict, number> = {
    OK: 0,
    'NON-STRICT': 0,
    FAILED: 0,
    INFORMATIONAL: 0,
    UNIMPLEMENTED: 0,
  };
  for (const [section, counts] of Object.entries(table)) {
    rows.push([`  ${section}.x`, ...VERDICTS.map((v) => String(counts[v]))]);
    for (const v of VERDICTS) total[v] += counts[v];
  }
  rows.push(['  total', ...VERDICTS.map((v) => String(total[v]))]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')).join('\n');
}

/** One failed (or any) case in full: what was expected, sent, received, and how it ended. */
export function describeResult(result: CaseResult): string {
  const end = result.end;
  return [
    `case ${result.id} ${result.verdict} (behavior ${result.behavior}, close ${result.behaviorClose}): ${result.description}`,
    `  expectation: ${result.expectation}`,
    `  result: ${result.result}; close: ${result.resultClose}`,
    `  expected: ${JSON.stringify(result.expected)}; received: ${JSON.stringify(result.received)}`,
    `  closedByMe=${end.closedByMe} droppedByMe=${end.droppedByMe} wasClean=${end.wasClean} remoteCloseCode=${end.remoteCloseCode ?? '-'}` +
      ` remoteCloseReason=${end.remoteCloseReason === null ? '-' : JSON.stringify(end.remoteCloseReason.toString('latin1'))}` +
      ` violation=${end.violation ?? '-'} notClean=${end.wasNotCleanReason ?? '-'}`,
    `  extensions: ${result.extensions || '-'}`,
    `  sent (hex, first octets): ${result.sentHex}`,
    `  received (hex, first octets): ${result.receivedHex}`,
  ].join('\n');
}
