/**
 * The crawler's results (results/data/crawl.json, written by `pnpm docs:results`), loaded when the
 * site builds; the per-page timelines stay out of the pages (they are drawn as SVG files).
 */
import { readFileSync } from 'node:fs';
import { defineLoader } from 'vitepress';
import type { CrawlDocument } from './results';

export type CrawlData = Omit<CrawlDocument, 'output'> & {
  readonly output: Omit<CrawlDocument['output'], 'results'> & {
    readonly results: readonly Omit<CrawlDocument['output']['results'][number], 'timeline'>[];
  };
};

declare const data: CrawlData;
export { data };

export default defineLoader({
  watch: ['../../results/data/crawl.json'],
  load(files: string[]): CrawlData {
    const document = JSON.parse(readFileSync(files[0]!, 'utf8')) as CrawlDocument;
    return {
      ...document,
      output: {
        ...document.output,
        results: document.output.results.map(({ timeline: _timeline, ...stage }) => stage),
      },
    };
  },
});
