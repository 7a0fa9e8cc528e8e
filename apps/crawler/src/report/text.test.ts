import { describe, expect, it } from 'vitest';
import { concurrentRun, failingRun, sequentialRun, wavesRun } from './fixtures';
import { timelineText } from './text';
import type { StageTimeline } from './timeline';
import { displayWidth } from './width';

const MARK = /[▒─█✗]/;
const pageRows = (drawing: string): string[] =>
  drawing.split('\n').filter((l) => l.startsWith('/'));
const firstMark = (row: string): number => row.search(MARK);
const lastMark = (row: string): number =>
  Math.max(...['▒', '─', '█', '✗'].map((g) => row.lastIndexOf(g)));
/** The lines that draw pages or groups: everything but the heading, axis, legend and errors. */
const drawnRows = (drawing: string): string[] =>
  drawing
    .split('\n')
    .slice(1)
    .filter((l) => l.startsWith('/') || l.startsWith('in flight'));

describe('timelineText', () => {
  it('draws a sequential run as a staircase: each page starts where the one above ended', () => {
    const rows = pageRows(timelineText(sequentialRun(), { width: 100 }));
    expect(rows).toHaveLength(10);
    for (let i = 1; i < rows.length; i++) {
      expect(firstMark(rows[i]!)).toBeGreaterThan(firstMark(rows[i - 1]!));
      expect(firstMark(rows[i]!)).toBeGreaterThanOrEqual(lastMark(rows[i - 1]!));
    }
  });

  it('draws a concurrent run as ten bars stacked at the same time', () => {
    const rows = pageRows(timelineText(concurrentRun(), { width: 100 }));
    expect(rows).toHaveLength(10);
    const starts = new Set(rows.map(firstMark));
    expect(starts.size).toBe(1);
    const ends = rows.map(lastMark);
    expect(Math.max(...ends) - Math.min(...ends)).toBeLessThanOrEqual(1);
  });

  it('shows each phase that took time, in order: connecting, waiting, receiving', () => {
    for (const row of pageRows(timelineText(sequentialRun(), { width: 100 })))
      expect(row).toMatch(/ ▒─+█ /);
  });

  it('draws 1000 pages at concurrency 100 as ten waves under a row of pages in flight', () => {
    const drawing = timelineText(wavesRun(), { width: 100 });
    const rows = drawnRows(drawing);
    expect(rows[0]).toMatch(/^in flight .*peak 100$/);
    const waves = rows.slice(1);
    expect(waves).toHaveLength(10);
    expect(waves[0]).toMatch(/^\/ … \/99 /);
    expect(waves[9]).toMatch(/^\/900 … \/999 .*100 pages$/);
    for (let i = 1; i < waves.length; i++)
      expect(firstMark(waves[i]!)).toBeGreaterThan(firstMark(waves[i - 1]!));
    expect(drawing).toContain('1000 pages (rows of 100)');
  });

  it.each([
    [2, 40],
    [3, 57],
    [5, 80],
    [20, 100],
    [50, 133],
  ])('keeps 1000 pages within maxRows %i rows and %i columns', (maxRows, width) => {
    const drawing = timelineText(wavesRun(), { width, maxRows });
    expect(drawnRows(drawing).length).toBeLessThanOrEqual(maxRows);
    for (const line of drawing.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(width);
    for (const row of drawnRows(drawing)) expect(displayWidth(row)).toBe(width);
  });

  it('uses the whole width for every row, and no less than 40 columns', () => {
    for (const row of pageRows(timelineText(concurrentRun(), { width: 120 })))
      expect(displayWidth(row)).toBe(120);
    for (const row of pageRows(timelineText(concurrentRun(), { width: 12 })))
      expect(displayWidth(row)).toBe(40);
  });

  it('marks failed pages with ✗ where they ended and names their errors', () => {
    const drawing = timelineText(failingRun(), { width: 100 });
    const rows = pageRows(drawing);
    const failedPaths = rows.filter((r) => r.includes('✗')).map((r) => r.split(' ')[0]);
    expect(failedPaths).toEqual(['/3', '/6', '/8']);
    // /6 waited until the 300 ms timeout: its ✗ is the last thing on the axis.
    expect(lastMark(rows[6]!)).toBe(Math.max(...rows.map(lastMark)));
    expect(drawing).toContain('✗ /3: connect ECONNREFUSED 127.0.0.1:41817');
    expect(drawing).toContain('✗ /8: read ECONNRESET');
    expect(drawing.split('\n')[0]).toContain('3 failed');
  });

  it('writes ANSI colors only when asked, and draws failed rows in red', () => {
    expect(timelineText(failingRun(), { width: 100 })).not.toContain('\x1b');
    const colored = timelineText(failingRun(), { width: 100, color: true });
    const row3 = colored.split('\n').find((l) => l.includes('/3'))!;
    expect(row3).toContain('\x1b[31m/3');
    expect(row3).toContain('\x1b[1;31m✗');
    // The colors add no columns.
    // eslint-disable-next-line no-control-regex -- stripping ANSI escapes is the point
    const plain = (s: string): string => s.replace(/\x1b\[[\d;]*m/g, '');
    expect(plain(colored)).toBe(timelineText(failingRun(), { width: 100 }));
  });

  it('draws pages with zero-length phases, missing times and nonsense numbers without NaN', () => {
    const stage: StageTimeline = {
      strategy: 'odd',
      section: '—',
      title: 'pages the network made up',
      wallMs: Number.NaN,
      pages: [
        { path: '/instant', start: 5, end: 5, bytes: 0 },
        { path: '/no-connect', start: 0, firstByte: 50, end: 100, bytes: 10 },
        {
          path: '/all-at-once',
          start: 10,
          connected: 10,
          firstByte: 10,
          end: 10,
          bytes: 0,
          error: 'x',
        },
        {
          path: '/nan',
          start: Number.NaN,
          connected: Number.NaN,
          end: Number.POSITIVE_INFINITY,
          bytes: 0,
        },
        { path: '/backwards', start: 50, connected: 60, firstByte: 40, end: 20, bytes: 0 },
      ],
    };
    for (const maxRows of [20, 3]) {
      const drawing = timelineText(stage, { width: 70, maxRows });
      expect(drawing).not.toMatch(/NaN|undefined|Infinity/);
      for (const line of drawing.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(70);
    }
    expect(pageRows(timelineText(stage, { width: 70 }))).toHaveLength(5);
  });

  it('draws a run with no pages as an empty axis', () => {
    const drawing = timelineText(
      { strategy: 'none', section: '—', title: 'nothing to fetch', wallMs: 0, pages: [] },
      { width: 60 },
    );
    expect(drawing).toContain('(no pages)');
    expect(drawing).not.toMatch(/NaN|undefined/);
  });

  it('shows control characters from a server as �, so a path cannot move the cursor', () => {
    const stage = sequentialRun(2);
    const evil = { ...stage, pages: [{ ...stage.pages[0]!, path: '/\x1b[2J\x07boom' }] };
    const drawing = timelineText(evil, { width: 60 });
    expect(drawing).not.toContain('\x1b');
    expect(drawing).not.toContain('\x07');
    expect(drawing).toContain('/�[2J�boom');
  });
});
