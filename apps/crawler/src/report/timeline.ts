/**
 * The per-request timeline of a crawler stage: what the text and SVG drawings share.
 *
 * A page lives through three phases, each a half-open interval of ms from the start of the run:
 *
 *     start ── connecting ──▶ connected ── waiting ──▶ firstByte ── receiving ──▶ end
 *
 * Real runs are untidy: a page refused at connect has no `connected`, a page that timed out has no
 * `firstByte`, clocks read in different places can be a hair out of order. `phaseBounds` turns any
 * of that into `start ≤ connected ≤ firstByte ≤ end`, all finite, so nothing downstream divides by
 * an absent time or draws a bar backwards: a page that never connected spent its whole life
 * connecting, one that never got a byte spent the rest of it waiting.
 */
import { formatMs } from './axis';

/** One page of one run; times are ms from the start of the run. */
export interface PageTimes {
  readonly path: string;
  /** Began: connect started. */
  readonly start: number;
  /** TCP connected; absent if it never connected. */
  readonly connected?: number;
  /** First response byte; absent if none came. */
  readonly firstByte?: number;
  /** Fetched, or failed. */
  readonly end: number;
  /** Why it failed; absent when the page was fetched. */
  readonly error?: string;
  readonly bytes: number;
}

/** One stage's run, as the timeline draws it. */
export interface StageTimeline {
  /** `'blocking'`, `'callbacks'`, … */
  readonly strategy: string;
  /** The article's section: `'3.1'`, `'4.3'`, `'II'`, `'—'`. */
  readonly section: string;
  /** One line saying what the stage is. */
  readonly title: string;
  readonly wallMs: number;
  readonly pages: readonly PageTimes[];
}

export const PHASES = ['connecting', 'waiting', 'receiving'] as const;
export type Phase = (typeof PHASES)[number];

/** `[start, connected, firstByte, end]`, ordered and finite: phase `i` is `[b[i], b[i + 1])`. */
export type PhaseBounds = readonly [number, number, number, number];

function finite(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

export function phaseBounds(page: PageTimes): PhaseBounds {
  const start = finite(page.start) ?? 0;
  const end = Math.max(start, finite(page.end) ?? start);
  const clamp = (t: number): number => Math.min(end, Math.max(start, t));
  const connected = finite(page.connected);
  const firstByte = finite(page.firstByte);
  const c = clamp(connected ?? firstByte ?? end);
  const f =
    connected === undefined && firstByte === undefined ? end : Math.max(c, clamp(firstByte ?? end));
  return [start, c, f, end];
}

/** The phase a page was in when it ended: where a zero-length page is drawn, where a failure happened. */
export function endPhase(page: PageTimes): Phase {
  if (finite(page.connected) === undefined && finite(page.firstByte) === undefined)
    return 'connecting';
  return finite(page.firstByte) === undefined ? 'waiting' : 'receiving';
}

export function failed(page: PageTimes): boolean {
  return page.error !== undefined;
}

/** The end of the time axis for these stages: wall time, or a later page end, never 0. */
export function timeDomain(stages: readonly StageTimeline[]): number {
  let max = 0;
  for (const stage of stages) {
    if (Number.isFinite(stage.wallMs)) max = Math.max(max, stage.wallMs);
    for (const page of stage.pages) max = Math.max(max, phaseBounds(page)[3]);
  }
  return max > 0 ? max : 1;
}

/**
 * What one row of a drawing shows: one page, or a group of pages that started one after another.
 * `from` and `to` count pages in start order, from 1.
 */
export type TimelineRow =
  | { readonly kind: 'page'; readonly page: PageTimes }
  | {
      readonly kind: 'group';
      readonly pages: readonly PageTimes[];
      readonly from: number;
      readonly to: number;
    };

export interface TimelineLayout {
  readonly rows: readonly TimelineRow[];
  /** Whether pages were grouped, in which case the drawing adds a row of pages in flight. */
  readonly grouped: boolean;
  /** Pages per group row (1 when not grouped). */
  readonly groupSize: number;
}

/**
 * Which rows to draw for `pages` in at most `maxRows` rows.
 *
 * Up to `maxRows` pages get a row each. Past that, the pages, in start order, are cut into groups
 * of a round size (1, 2, 5, 10, 20, 50, 100 … pages) and the drawing adds one row on top: pages in
 * flight over time. Why groups rather than a sample of the pages: every page is counted in some
 * row, so a failure or a straggler cannot fall between the samples; and since pages are grouped in
 * start order, a sequential run still draws a staircase and a run at concurrency 100 draws one row
 * per wave when the group size comes out at 100, as it does for 1000 pages. The round size makes
 * the labels readable (`/100…/199`) and keeps a wave from being split across rows at odd places.
 * The in-flight row says what the groups cannot: how many pages overlapped at each moment.
 */
export function layoutRows(pages: readonly PageTimes[], maxRows = 20): TimelineLayout {
  const limit = Math.max(1, Math.floor(Number.isFinite(maxRows) ? maxRows : 20));
  const ordered = pages
    .map((page, index) => ({ page, index, start: phaseBounds(page)[0] }))
    .sort((a, b) => a.start - b.start || a.index - b.index)
    .map((entry) => entry.page);
  if (ordered.length <= limit) {
    return { rows: ordered.map((page) => ({ kind: 'page', page })), grouped: false, groupSize: 1 };
  }
  const groupRows = limit - 1; // one row goes to pages in flight
  if (groupRows === 0) return { rows: [], grouped: true, groupSize: ordered.length };
  const size = roundUp(Math.ceil(ordered.length / groupRows));
  const rows: TimelineRow[] = [];
  for (let i = 0; i < ordered.length; i += size) {
    const group = ordered.slice(i, i + size);
    rows.push({ kind: 'group', pages: group, from: i + 1, to: i + group.length });
  }
  return { rows, grouped: true, groupSize: size };
}

/** The smallest of 1, 2, 5, 10, 20, 50, … that is at least `n`. */
function roundUp(n: number): number {
  for (let magnitude = 1; ; magnitude *= 10) {
    for (const m of [1, 2, 5]) if (m * magnitude >= n) return m * magnitude;
  }
}

/** The pages a row draws. */
export function rowPages(row: TimelineRow): readonly PageTimes[] {
  return row.kind === 'page' ? [row.page] : row.pages;
}

export interface PhaseBins {
  readonly bins: number;
  /** Ms spent in each phase inside bin `b`, summed over the pages: `time[b * 3 + phaseIndex]`. */
  readonly time: Float64Array;
  /** For a bin that a zero-length page falls in and nothing else touches: its phase index + 1. */
  readonly instant: Uint8Array;
}

/** How the time of `pages` in each phase falls into `bins` equal bins from 0 to `domain` ms. */
export function binPhases(pages: readonly PageTimes[], domain: number, bins: number): PhaseBins {
  const time = new Float64Array(bins * 3);
  const instant = new Uint8Array(bins);
  const width = domain / bins;
  const binOf = (t: number): number => Math.min(bins - 1, Math.max(0, Math.floor(t / width)));
  for (const page of pages) {
    const b = phaseBounds(page);
    if (b[3] === b[0]) {
      instant[binOf(b[0])] = PHASES.indexOf(endPhase(page)) + 1;
      continue;
    }
    for (let p = 0; p < 3; p++) {
      const from = b[p]!;
      const to = b[p + 1]!;
      if (to <= from) continue;
      const last = Math.min(bins - 1, Math.max(0, Math.ceil(to / width) - 1));
      for (let bin = binOf(from); bin <= last; bin++) {
        const overlap = Math.min(to, (bin + 1) * width) - Math.max(from, bin * width);
        if (overlap > 0) time[bin * 3 + p]! += overlap;
      }
    }
  }
  return { bins, time, instant };
}

/** The bin where a page's bar ends: the one holding the last instant before `end`. */
export function endBin(page: PageTimes, domain: number, bins: number): number {
  const b = phaseBounds(page);
  const width = domain / bins;
  const bin = b[3] > b[0] ? Math.ceil(b[3] / width) - 1 : Math.floor(b[3] / width);
  return Math.min(bins - 1, Math.max(0, bin));
}

/**
 * The most pages in flight at once during each of `bins` bins. A page that ends at the instant
 * another starts (a sequential run) does not count as overlapping it.
 */
export function peakInFlight(
  pages: readonly PageTimes[],
  domain: number,
  bins: number,
): Int32Array {
  const events: [time: number, delta: number][] = [];
  const peak = new Int32Array(bins);
  const width = domain / bins;
  for (const page of pages) {
    const b = phaseBounds(page);
    if (b[3] > b[0]) events.push([b[0], 1], [b[3], -1]);
    else {
      const bin = Math.min(bins - 1, Math.max(0, Math.floor(b[0] / width)));
      peak[bin] = Math.max(peak[bin]!, 1);
    }
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let e = 0;
  for (let bin = 0; bin < bins; bin++) {
    const binEnd = (bin + 1) * width;
    let max = current;
    while (e < events.length && (events[e]![0] < binEnd || bin === bins - 1)) {
      const t = events[e]![0];
      // Apply every event at this instant before reading the count: ends sort first.
      while (e < events.length && events[e]![0] === t) current += events[e++]![1];
      max = Math.max(max, current);
    }
    peak[bin] = Math.max(peak[bin]!, max);
  }
  return peak;
}

/** A page in one line, for a tooltip: `/3: connect 0.4 ms, first byte 101.2 ms, done 101.9 ms …`. */
export function describePage(page: PageTimes): string {
  const [s, c, f, e] = phaseBounds(page);
  const parts: string[] = [];
  const reached = endPhase(page);
  if (reached === 'connecting') parts.push('never connected');
  else {
    parts.push(`connect ${formatMs(c - s)}`);
    parts.push(reached === 'waiting' ? 'no first byte' : `first byte ${formatMs(f - s)}`);
  }
  parts.push(page.error === undefined ? `done ${formatMs(e - s)}` : `failed at ${formatMs(e - s)}`);
  const error = page.error === undefined ? '' : `: ${page.error}`;
  return `${page.path}: ${parts.join(', ')}${error} (started at ${formatMs(s)}, ${page.bytes} bytes)`;
}

/** A group of pages in one line, for a tooltip. */
export function describeGroup(row: Extract<TimelineRow, { kind: 'group' }>): string {
  const bounds = row.pages.map(phaseBounds);
  const range = (values: number[]): string => {
    // A loop, not Math.min(...values): a group can hold more pages than a call has arguments.
    const min = values.reduce((a, b) => Math.min(a, b), Infinity);
    const max = values.reduce((a, b) => Math.max(a, b), -Infinity);
    return min === max ? formatMs(min) : `${formatMs(min)}–${formatMs(max)}`;
  };
  const failures = row.pages.filter(failed);
  const errors = [...new Set(failures.map((p) => p.error))].slice(0, 3).join('; ');
  return (
    `pages ${row.from}–${row.to} (${row.pages[0]!.path} … ${row.pages.at(-1)!.path}): ` +
    `started ${range(bounds.map((b) => b[0]))}, ended ${range(bounds.map((b) => b[3]))}` +
    (failures.length > 0 ? `; ${failures.length} failed: ${errors}` : '; all fetched')
  );
}
