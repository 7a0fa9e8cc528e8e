/**
 * The timeline drawn in a terminal: one row per page on a common time axis, so a sequential run
 * reads as a staircase and an event loop's run as bars stacked at the same moment.
 */
import { formatMs, niceTicks, tickLabel, tickUnit } from './axis';
import {
  binPhases,
  endBin,
  failed,
  layoutRows,
  peakInFlight,
  PHASES,
  phaseBounds,
  rowPages,
  timeDomain,
  type PageTimes,
  type Phase,
  type StageTimeline,
  type TimelineRow,
} from './timeline';
import { displayWidth, padEnd, padStart, printable, truncate } from './width';

export interface TimelineTextOptions {
  /** Columns available; every row uses all of them. At least 40. */
  readonly width: number;
  /** Past this many pages, pages are grouped (see `layoutRows`). Default 20. */
  readonly maxRows?: number;
  /** ANSI colors. Default false. */
  readonly color?: boolean;
}

const GLYPH: Record<Phase, string> = { connecting: '▒', waiting: '─', receiving: '█' };
const FAILED = '✗';
const LEVELS = ' ▁▂▃▄▅▆▇█';
const MIN_WIDTH = 40;

type Style = 'plain' | Phase | 'failed' | 'failedBar' | 'failedText' | 'dim' | 'bold' | 'area';

const SGR: Record<Style, string> = {
  plain: '',
  connecting: '33',
  waiting: '36',
  receiving: '32',
  failed: '1;31',
  failedBar: '2;31',
  failedText: '31',
  dim: '2',
  bold: '1',
  area: '35',
};

interface Span {
  readonly text: string;
  readonly style: Style;
}

function paint(spans: readonly Span[], color: boolean): string {
  if (!color) return spans.map((s) => s.text).join('');
  let out = '';
  let i = 0;
  while (i < spans.length) {
    const style = spans[i]!.style;
    let text = '';
    while (i < spans.length && spans[i]!.style === style) text += spans[i++]!.text;
    out += SGR[style] === '' ? text : `\x1b[${SGR[style]}m${text}\x1b[0m`;
  }
  return out;
}

/**
 * Draws one stage's run as text, `options.width` columns wide: a heading, a row per page (or per
 * group of pages, under a row of pages in flight, when there are more than `maxRows`), a time axis
 * in ms and a legend; then one line per kind of error, if pages failed.
 *
 * @example
 * console.log(timelineText(blocking, { width: 80, color: process.stdout.isTTY }));
 * // 3.1 blocking — blocking sockets, one page after another · 1011 ms · 10 pages
 * // /    ▒─────█                                                            100.9 ms
 * // /1         ▒──────█                                                     100.9 ms
 * // …
 * //      ┬────────────┬────────────┬────────────┬────────────┬────────────┬
 * //      0           200          400          600          800          1000 ms
 * // ▒ connect  ─ wait  █ receive  ✗ failed · 1 column = 15.3 ms
 */
export function timelineText(stage: StageTimeline, options: TimelineTextOptions): string {
  const width = Math.max(
    MIN_WIDTH,
    Number.isFinite(options.width) ? Math.floor(options.width) : 80,
  );
  const color = options.color === true;
  const layout = layoutRows(stage.pages, options.maxRows ?? 20);
  const domain = timeDomain([stage]);

  const labels = layout.rows.map(rowLabel);
  const rights = layout.rows.map(rowRight);
  const sideTexts = (texts: string[], inFlight: string): string[] =>
    layout.grouped ? [inFlight, ...texts] : texts;
  const rightWidth = Math.min(
    12,
    Math.max(8, ...sideTexts(rights, `peak ${stage.pages.length}`).map(displayWidth)),
  );
  const labelWidth = Math.min(
    Math.floor(width * 0.3),
    Math.max(4, ...sideTexts(labels, 'in flight').map(displayWidth)),
  );
  const barWidth = width - labelWidth - rightWidth - 2;
  const cell = (text: string, style: Style): Span => ({ text, style });
  const row = (label: Span, bar: readonly Span[], right: Span): string =>
    paint(
      [
        cell(padEnd(truncate(label.text, labelWidth, 'start'), labelWidth), label.style),
        cell(' ', 'plain'),
        ...bar,
        cell(' ', 'plain'),
        cell(padStart(truncate(right.text, rightWidth), rightWidth), right.style),
      ],
      color,
    );

  const lines: string[] = [heading(stage, layout.grouped ? layout.groupSize : 1, width, color)];
  if (layout.grouped) {
    const peak = peakInFlight(stage.pages, domain, barWidth);
    const max = peak.reduce((a, b) => Math.max(a, b), 0);
    const bar = Array.from(peak, (n) =>
      cell(LEVELS[n === 0 ? 0 : Math.max(1, Math.ceil((n / max) * 8))]!, 'area'),
    );
    lines.push(row(cell('in flight', 'plain'), bar, cell(`peak ${max}`, 'dim')));
  }
  layout.rows.forEach((r, i) => {
    const pages = rowPages(r);
    const anyFailed = pages.some(failed);
    const wholeRowFailed = r.kind === 'page' && anyFailed;
    const bar = phaseCells(pages, domain, barWidth).map((phase) =>
      phase === undefined
        ? cell(' ', 'plain')
        : cell(GLYPH[phase], wholeRowFailed ? 'failedBar' : phase),
    );
    for (const page of pages.filter(failed))
      bar[endBin(page, domain, barWidth)] = cell(FAILED, 'failed');
    lines.push(
      row(
        cell(labels[i]!, anyFailed ? 'failedText' : 'plain'),
        bar,
        cell(rights[i]!, anyFailed ? 'failedText' : 'dim'),
      ),
    );
  });
  if (layout.rows.length === 0 && !layout.grouped) {
    lines.push(
      row(cell('', 'plain'), [cell(padEnd('(no pages)', barWidth), 'dim')], cell('', 'plain')),
    );
  }
  lines.push(...axis(domain, labelWidth, barWidth, rightWidth, color));
  lines.push(legend(domain / barWidth, width, color));
  lines.push(...errorLines(stage.pages, width, color));
  return lines.join('\n');
}

function rowLabel(row: TimelineRow): string {
  if (row.kind === 'page') return printable(row.page.path);
  const first = printable(row.pages[0]!.path);
  const last = printable(row.pages.at(-1)!.path);
  return `${first} … ${last}`;
}

function rowRight(row: TimelineRow): string {
  if (row.kind === 'page') {
    const [start, , , end] = phaseBounds(row.page);
    return formatMs(end - start);
  }
  const failures = row.pages.filter(failed).length;
  return failures > 0 ? `${failures}✗ of ${row.pages.length}` : `${row.pages.length} pages`;
}

/**
 * Which phase each column of a row shows: the phase its pages spent the most time in during that
 * column. At 100 ms latency the connect and the receive take well under a column, so by that rule
 * alone every bar would read as one long wait and hide the order of events; a phase that took any
 * time therefore gets at least the column where it took the most, borrowed from a phase that keeps
 * another column. The bar stays where the page was in flight; only its shading is rounded.
 */
function phaseCells(
  pages: readonly PageTimes[],
  domain: number,
  columns: number,
): (Phase | undefined)[] {
  const { time, instant } = binPhases(pages, domain, columns);
  const cells: (Phase | undefined)[] = [];
  const totals = [0, 0, 0];
  for (let c = 0; c < columns; c++) {
    let best = -1;
    let bestTime = 0;
    for (let p = 0; p < 3; p++) {
      const t = time[c * 3 + p]!;
      totals[p]! += t;
      if (t > bestTime) [best, bestTime] = [p, t];
    }
    const instantPhase = instant[c]! > 0 ? PHASES[instant[c]! - 1] : undefined;
    cells.push(best >= 0 ? PHASES[best] : instantPhase);
  }
  PHASES.forEach((phase, p) => {
    if (totals[p]! <= 0 || cells.includes(phase)) return;
    const columnsOf = (x: Phase | undefined): number => cells.filter((c) => c === x).length;
    // Connecting goes first in the bar and receiving last, so each takes its earliest (latest)
    // column; waiting takes the column where the most waiting happened.
    const order = Array.from({ length: columns }, (_, c) => c);
    if (phase === 'receiving') order.reverse();
    let target = -1;
    for (const c of order) {
      const t = time[c * 3 + p]!;
      if (t <= 0 || cells[c] === undefined || columnsOf(cells[c]) < 2) continue;
      if (target < 0 || (phase === 'waiting' && t > time[target * 3 + p]!)) target = c;
      if (phase !== 'waiting') break;
    }
    if (target >= 0) cells[target] = phase;
  });
  return cells;
}

function heading(stage: StageTimeline, groupSize: number, width: number, color: boolean): string {
  const name = printable(`${stage.section} ${stage.strategy}`);
  const failures = stage.pages.filter(failed).length;
  const facts = [
    Number.isFinite(stage.wallMs) ? formatMs(stage.wallMs) : 'wall time unknown',
    `${stage.pages.length} pages${groupSize > 1 ? ` (rows of ${groupSize})` : ''}`,
    ...(failures > 0 ? [`${failures} failed`] : []),
  ];
  const head = truncate(name, width);
  const rest = truncate(
    ` — ${printable(stage.title)} · ${facts.join(' · ')}`,
    width - displayWidth(head),
  );
  return paint(
    [
      { text: head, style: 'bold' },
      { text: rest, style: 'plain' },
    ],
    color,
  );
}

/** A rule with a tick under each round time, and the times under the ticks. */
function axis(
  domain: number,
  labelWidth: number,
  barWidth: number,
  rightWidth: number,
  color: boolean,
): string[] {
  const ticks = niceTicks(domain, Math.max(2, Math.floor(barWidth / 8)));
  const column = (t: number): number => Math.min(barWidth - 1, Math.floor((t / domain) * barWidth));
  const rule = Array.from({ length: barWidth }, () => '─');
  for (const t of ticks.values) rule[column(t)] = '┬';
  // Labels may run into the right-hand column, so the last one and its unit fit under its tick.
  const room = barWidth + 1 + rightWidth;
  const text = Array.from({ length: room }, () => ' ');
  const taken = new Uint8Array(room);
  const place = (label: string, anchor: number, unitSuffix: string): boolean => {
    const full = label + unitSuffix;
    let at = Math.max(0, anchor - Math.floor((label.length - 1) / 2));
    at = Math.min(at, room - full.length);
    if (at < 0) return false;
    for (let i = Math.max(0, at - 1); i < Math.min(room, at + full.length + 1); i++)
      if (taken[i]) return false;
    for (let i = 0; i < full.length; i++) {
      text[at + i] = full[i]!;
      taken[at + i] = 1;
    }
    return true;
  };
  const values = ticks.values;
  place(tickLabel(values.at(-1)!, ticks), column(values.at(-1)!), ` ${tickUnit(ticks)}`);
  for (const t of values.slice(0, -1)) place(tickLabel(t, ticks), column(t), '');
  const indent = ' '.repeat(labelWidth + 1);
  return [
    paint([{ text: indent + rule.join(''), style: 'dim' }], color),
    paint([{ text: (indent + text.join('')).trimEnd(), style: 'dim' }], color),
  ];
}

function legend(msPerColumn: number, width: number, color: boolean): string {
  const spans = (c: string, w: string, r: string): Span[] => [
    { text: GLYPH.connecting, style: 'connecting' },
    { text: ` ${c}  `, style: 'plain' },
    { text: GLYPH.waiting, style: 'waiting' },
    { text: ` ${w}  `, style: 'plain' },
    { text: GLYPH.receiving, style: 'receiving' },
    { text: ` ${r}  `, style: 'plain' },
    { text: FAILED, style: 'failed' },
    { text: ' failed · ', style: 'plain' },
    { text: `1 column = ${formatMs(msPerColumn)}`, style: 'dim' },
  ];
  const long = spans('connecting', 'waiting for the first byte', 'receiving');
  const fits = (s: Span[]): boolean => displayWidth(s.map((x) => x.text).join('')) <= width;
  if (fits(long)) return paint(long, color);
  const short = spans('connect', 'wait', 'receive');
  if (fits(short)) return paint(short, color);
  const shortest = short.slice(0, -1);
  shortest[shortest.length - 1] = { text: ' failed', style: 'plain' };
  return paint(shortest, color);
}

/** One line per kind of error, at most three, the most frequent first. */
function errorLines(pages: readonly PageTimes[], width: number, color: boolean): string[] {
  const byError = new Map<string, string[]>();
  for (const page of pages) {
    if (page.error === undefined) continue;
    const paths = byError.get(page.error) ?? [];
    paths.push(page.path);
    byError.set(page.error, paths);
  }
  const kinds = [...byError].sort((a, b) => b[1].length - a[1].length);
  const lines = kinds.slice(0, 3).map(([error, paths]) => {
    const who = paths.length === 1 ? paths[0]! : `${paths.length} pages (${paths[0]!}, …)`;
    const text = truncate(printable(`${who}: ${error}`), width - 2);
    return paint(
      [
        { text: FAILED, style: 'failed' },
        { text: ` ${text}`, style: 'plain' },
      ],
      color,
    );
  });
  if (kinds.length > 3) lines.push(`${FAILED} and ${kinds.length - 3} more kinds of error`);
  return lines;
}
