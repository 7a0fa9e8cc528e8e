import { describe, expect, it } from 'vitest';
import {
  FAULT_KINDS,
  faultPlan,
  pageBody,
  pageIndex,
  pageLinks,
  pagePath,
  parseFaults,
} from './pages';

describe('pages', () => {
  it('are / and /1 … /N-1, and pageIndex reads them back', () => {
    expect([0, 1, 9].map(pagePath)).toEqual(['/', '/1', '/9']);
    expect(['/', '/1', '/9', '/10', '/x', '/01a'].map((p) => pageIndex(p, 10))).toEqual([
      0, 1, 9, -1, -1, -1,
    ]);
  });

  it('link as a tree from /: page n to pages 10n+1 … 10n+10, those there are', () => {
    expect(pageLinks(0, 5)).toEqual([1, 2, 3, 4]);
    expect(pageLinks(1, 25)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(pageLinks(2, 25)).toEqual([21, 22, 23, 24]);
    expect(pageLinks(3, 25)).toEqual([]);
    expect(pageBody(0, 3, 300)).toContain('<p><a href="/1">page 1</a> <a href="/2">page 2</a></p>');
    // Every page is reachable from /.
    const seen = new Set([0]);
    for (const page of seen) for (const linked of pageLinks(page, 1000)) seen.add(linked);
    expect(seen.size).toBe(1000);
  });
});

describe('parseFaults', () => {
  it('reads a kind as one page, kind=N as N, and all as one of each', () => {
    expect(parseFaults('reset')).toEqual(new Map([['reset', 1]]));
    expect(parseFaults('reset,malformed=2,slow')).toEqual(
      new Map([
        ['reset', 1],
        ['malformed', 2],
        ['slow', 1],
      ]),
    );
    expect(parseFaults('all')).toEqual(new Map(FAULT_KINDS.map((kind) => [kind, 1])));
  });

  it('adds up parts that name the same kind, and ignores spaces around parts', () => {
    expect(parseFaults(' reset , reset=2 ,all')).toEqual(
      new Map([
        ['reset', 4],
        ['refused', 1],
        ['malformed', 1],
        ['slow', 1],
      ]),
    );
  });

  it('rejects an unknown kind, naming it and the valid kinds', () => {
    expect(() => parseFaults('reset,rst')).toThrow(
      '--faults: unknown fault "rst" in "reset,rst" (valid kinds: refused, reset, malformed, slow, or all)',
    );
    expect(() => parseFaults('all=2')).toThrow(/unknown fault "all=2"/);
    expect(() => parseFaults('slow=1=2')).toThrow(/unknown fault "slow=1=2"/);
    expect(() => parseFaults('reset,')).toThrow(/unknown fault "" in "reset,"/);
    expect(() => parseFaults('')).toThrow(/expected a list of faults, got ""/);
  });

  it.each(['0', '-1', '1.5', 'two', '', '1e3', '0x2', '99999999999999999999'])(
    'rejects the count %j: not a positive integer',
    (count) => {
      expect(() => parseFaults(`slow=${count}`)).toThrow(
        `--faults: "slow=${count}" in "slow=${count}" needs a positive integer count, got "${count}"`,
      );
    },
  );
});

describe('faultPlan', () => {
  it('spreads the faults evenly over the site, kinds interleaved, never on /', () => {
    expect(faultPlan(10, parseFaults('all'))).toEqual(
      new Map([
        [1, 'refused'],
        [3, 'reset'],
        [5, 'malformed'],
        [7, 'slow'],
      ]),
    );
    expect(faultPlan(100, parseFaults('reset=2,slow=2'))).toEqual(
      new Map([
        [1, 'reset'],
        [25, 'slow'],
        [50, 'reset'],
        [75, 'slow'],
      ]),
    );
  });

  it('gives every planned fault its own page, for any site that has room', () => {
    for (let pages = 1; pages <= 40; pages++) {
      for (let count = 0; count < pages; count++) {
        const faults = new Map(count === 0 ? [] : [['slow', count] as const]);
        const plan = faultPlan(pages, faults);
        expect(plan.size).toBe(count);
        for (const index of plan.keys()) expect(index >= 1 && index < pages).toBe(true);
      }
    }
  });

  it('is the same every time', () => {
    const faults = parseFaults('refused=3,reset=2,malformed,slow=4');
    expect(faultPlan(1000, faults)).toEqual(faultPlan(1000, faults));
  });

  it('refuses more faults than pages other than /', () => {
    expect(faultPlan(5, parseFaults('all')).size).toBe(4);
    expect(() => faultPlan(4, parseFaults('all'))).toThrow(
      '--faults: 4 faulty pages do not fit in a site of 4 pages (at most 3: every page but / can have one)',
    );
    expect(() => faultPlan(1, parseFaults('slow'))).toThrow(/at most 0/);
    expect(faultPlan(1, new Map())).toEqual(new Map());
  });
});
