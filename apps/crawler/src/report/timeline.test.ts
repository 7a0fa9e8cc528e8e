import { describe, expect, it } from 'vitest';
import { concurrentRun, failingRun, sequentialRun, wavesRun } from './fixtures';
import {
  describePage,
  layoutRows,
  peakInFlight,
  phaseBounds,
  rowPages,
  timeDomain,
  type PageTimes,
} from './timeline';

const page = (fields: Partial<PageTimes>): PageTimes => ({
  path: '/p',
  start: 0,
  end: 0,
  bytes: 0,
  ...fields,
});

describe('phaseBounds', () => {
  it('gives a fetched page its three phases', () => {
    expect(phaseBounds(page({ start: 1, connected: 2, firstByte: 5, end: 9 }))).toEqual([
      1, 2, 5, 9,
    ]);
  });

  it('counts a page that never connected as connecting until it ended', () => {
    expect(phaseBounds(page({ start: 1, end: 9, error: 'refused' }))).toEqual([1, 9, 9, 9]);
  });

  it('counts a page that got no byte as waiting until it ended', () => {
    expect(phaseBounds(page({ start: 1, connected: 2, end: 9 }))).toEqual([1, 2, 9, 9]);
  });

  it('orders times read out of order and replaces nonsense with what is known', () => {
    expect(phaseBounds(page({ start: 5, connected: 3, firstByte: 20, end: 10 }))).toEqual([
      5, 5, 10, 10,
    ]);
    expect(phaseBounds(page({ start: Number.NaN, connected: 4, end: Number.NaN }))).toEqual([
      0, 0, 0, 0,
    ]);
    expect(phaseBounds(page({ start: 2, end: 1 }))).toEqual([2, 2, 2, 2]);
  });
});

describe('layoutRows', () => {
  it('gives up to maxRows pages a row each, in the order they started', () => {
    const pages = [...sequentialRun().pages].reverse();
    const layout = layoutRows(pages, 20);
    expect(layout.grouped).toBe(false);
    expect(layout.rows.map((r) => rowPages(r)[0]!.path)).toEqual(
      sequentialRun().pages.map((p) => p.path),
    );
  });

  it('groups 1000 pages into ten rows of 100, leaving one row for pages in flight', () => {
    const layout = layoutRows(wavesRun().pages, 20);
    expect(layout).toMatchObject({ grouped: true, groupSize: 100 });
    expect(layout.rows).toHaveLength(10);
    expect(layout.rows[3]).toMatchObject({ kind: 'group', from: 301, to: 400 });
  });

  it.each([1, 2, 3, 7, 19, 20, 21, 999])('counts every page once in at most %i rows', (maxRows) => {
    const pages = wavesRun().pages;
    const layout = layoutRows(pages, maxRows);
    expect(layout.rows.length + (layout.grouped ? 1 : 0)).toBeLessThanOrEqual(maxRows);
    if (layout.rows.length > 0) expect(layout.rows.flatMap(rowPages)).toHaveLength(pages.length);
  });
});

describe('peakInFlight', () => {
  const peak = (pages: readonly PageTimes[]): number =>
    Math.max(...peakInFlight(pages, timeDomain([{ wallMs: 0, pages } as never]), 50));

  it('sees one page at a time in a sequential run, even when one ends as the next starts', () => {
    expect(peak(sequentialRun().pages)).toBe(1);
    expect(peak([page({ start: 0, end: 100 }), page({ start: 100, end: 200 })])).toBe(1);
  });

  it('sees all ten pages of a concurrent run at once, and 100 at concurrency 100', () => {
    expect(peak(concurrentRun().pages)).toBe(10);
    expect(peak(wavesRun().pages)).toBe(100);
  });
});

describe('describePage', () => {
  it('says when a page connected, got its first byte and was done, from its own start', () => {
    expect(describePage(sequentialRun().pages[3]!)).toBe(
      '/3: connect 0.3 ms, first byte 100.3 ms, done 100.9 ms (started at 303.2 ms, 2154 bytes)',
    );
  });

  it('says how a page failed', () => {
    const [, , , refused, , , timedOut] = failingRun().pages;
    expect(describePage(refused!)).toMatch(
      /^\/3: never connected, failed at 0\.4 ms: connect ECONNREFUSED/,
    );
    expect(describePage(timedOut!)).toMatch(
      /^\/6: connect 0\.42 ms, no first byte, failed at 300\.0 ms: no response within 300 ms/,
    );
  });
});

describe('timeDomain', () => {
  it('reaches the wall time or the last page end, and is never 0', () => {
    expect(timeDomain([sequentialRun(), concurrentRun()])).toBe(sequentialRun().wallMs);
    expect(timeDomain([])).toBe(1);
    expect(timeDomain([{ ...concurrentRun(), wallMs: 50 }])).toBe(
      Math.max(...concurrentRun().pages.map((p) => p.end)),
    );
  });
});
