/**
 * The crawler's results (results/data/crawl.json, written by `pnpm docs:results`), loaded when the
 * site builds; the per-page timelines stay out of the pages (they are drawn as SVG files).
 */
import { readFileSync } from 'node:fs';
import { defineLoader } from 'vitepress';
import type { CrawlDocument } from './results';

export type CrawlData = Omit<CrawlDocument, 'output'> & {
  readonly output: Omit<CrawlDocument['output'], 'results' | 'site'> & {
    /** The embedded site's: the pages describe the run by its latency and page size. */
    readonly site: CrawlDocument['output']['site'] & { latencyMs: number; sizeBytes: number };
    readonly results: readonly Omit<CrawlDocument['output']['results'][number], 'timeline'>[];
  };
};

declare const data: CrawlData;
export { data };

export default defineLoader({
  watch: ['../../results/data/crawl.json'],
  load(files: string[]): CrawlData {
    const document = JSON.parse(readFileSync(files[0]!, 'utf8')) as CrawlDocument;
    const { site } = document.output;
    if (site.latencyMs === undefined || site.sizeBytes === undefined) {
      throw new Error(
        `${files[0]}: a crawl of ${site.url}, not of the embedded site: run \`pnpm docs:results\``,
      );
    }
    return {
      ...document,
      output: {
        ...document.output,
        site: { ...site, latencyMs: site.latencyMs, sizeBytes: site.sizeBytes },
        results: document.output.results.map(({ timeline: _timeline, ...stage }) => stage),
      },
    };
  },
});
