/** Reading what `pnpm crawl --distributed --json` prints, for `pnpm bench crawl --distributed`. */
import { describe, expect, it } from 'vitest';
import { parseDistributed } from './crawl-distributed';
import { CrawlerOutputError } from './lib/crawler-output';

const document = (workers: number) =>
  JSON.stringify({
    results: [
      {
        strategy: 'distributed',
        wallMs: 2000,
        cpuMs: 900,
        fetched: 1000,
        failed: 0,
        floorMs: 1200,
      },
    ],
    distributed: {
      roundTripsPerPage: 1.08,
      frontier: { reclaimed: 0, duplicates: 0 },
      workers: Array.from({ length: workers }, (_, i) => ({ name: `w${i + 1}` })),
    },
  });

describe('parseDistributed', () => {
  it('reads the figures and the pages per second', () => {
    expect(parseDistributed(document(2), 2)).toEqual({
      workers: 2,
      wallMs: 2000,
      cpuMs: 900,
      fetched: 1000,
      failed: 0,
      pagesPerSecond: 500,
      floorMs: 1200,
      roundTripsPerPage: 1.08,
      reclaimed: 0,
      duplicates: 0,
    });
  });

  it('names what is wrong: no JSON, no distributed section, another number of workers', () => {
    expect(() => parseDistributed('crawl: boom', 1)).toThrow(CrawlerOutputError);
    expect(() => parseDistributed(JSON.stringify({ results: [] }), 1)).toThrow(/no results\[0\]/);
    expect(() => parseDistributed(document(1), 4)).toThrow(
      /asked for 4 workers, the crawler reports 1/,
    );
  });
});
