/**
 * What `pnpm crawl --json` prints (main.ts writes it): the contract for anything that reads a
 * crawl's results, such as the docs' results pages.
 */
import type { Measurement } from './measure';
import type { PageTimes } from './report/timeline';

/** One run of one stage: its measurement's figures. */
export type CrawlRunJson = Pick<
  Measurement,
  'wallMs' | 'cpuMs' | 'peakRssMiB' | 'fetched' | 'failed' | 'firstError'
>;

/** One stage: the medians of its runs (`fetched`, `failed` from the typical run), and the runs. */
export interface CrawlStageJson extends CrawlRunJson {
  readonly strategy: string;
  readonly section: string;
  readonly title: string;
  readonly concurrency: number;
  /** ceil(pages / concurrency) × latency; null when the latency is unknown (`--url`). */
  readonly floorMs: number | null;
  /** Sockets left open after a run, the most over the runs: 0, or the stage leaked. */
  readonly leakedSockets: number;
  readonly runs: readonly CrawlRunJson[];
  /** The typical run's pages. */
  readonly timeline: readonly PageTimes[];
}

export interface CrawlJson {
  readonly site: {
    readonly url: string;
    readonly embedded: boolean;
    readonly pages: number;
    /** The embedded site's: absent for `--url`. */
    readonly latencyMs?: number;
    readonly sizeBytes?: number;
    readonly faults?: string;
  };
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly repeat: number;
  readonly warmups: number;
  readonly results: readonly CrawlStageJson[];
  readonly refused: readonly { readonly strategy: string; readonly why: string }[];
  readonly crashed: readonly { readonly strategy: string; readonly why: string }[];
}
