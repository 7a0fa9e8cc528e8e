/**
 * The shape of the results files `pnpm docs:results` writes (results/data/*.json), and the little
 * arithmetic the pages do on them.
 */
import type { PageTimes } from '../../../crawler/src/report/timeline';

/** Where a result was measured. */
export interface Machine {
  readonly node: string;
  readonly os: string;
  readonly cpu: string;
  readonly cpus: number;
  readonly memoryGiB: number;
}

/** One page of a run, as the crawler's timeline records it. */
export type CrawlPage = PageTimes;

/** One stage's medians, as `pnpm crawl --json` prints them. */
export interface CrawlStage {
  readonly strategy: string;
  readonly section: string;
  readonly title: string;
  readonly concurrency: number;
  readonly floorMs: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly peakRssMiB: number;
  readonly fetched: number;
  readonly failed: number;
  readonly firstError?: string;
  readonly timeline: readonly CrawlPage[];
}

/** results/data/crawl.json. */
export interface CrawlDocument {
  readonly measuredAt: string;
  readonly machine: Machine;
  readonly command: string;
  /** `pnpm crawl --json`'s output, as it printed it. */
  readonly output: {
    readonly site: {
      readonly url: string;
      readonly pages: number;
      readonly latencyMs: number;
      readonly sizeBytes: number;
    };
    readonly concurrency: number;
    readonly repeat: number;
    readonly results: readonly CrawlStage[];
  };
}

/** results/data/bench.json: `pnpm bench all --json`'s document, with when and how. */
export interface BenchDocument {
  readonly measuredAt: string;
  readonly command: string;
  readonly quick: boolean;
  readonly environment: {
    readonly node: string;
    readonly os: string;
    readonly cpu: string;
    readonly cpus: number;
    readonly memoryGiB: number;
  };
  /** Each benchmark's report as the terminal shows it. */
  readonly texts: Readonly<Record<string, string>>;
}

/** `Nov 29, 2026` from an ISO date. */
export function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString('en-US', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });
}

/** `2× Intel Xeon …, 24 GiB, linux 6.1 x64, Node v20.20.2`. */
export function describeMachine(machine: Machine): string {
  return (
    `${machine.cpus}× ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.os}, ` +
    `Node ${machine.node}`
  );
}

/** Rounds for a table: whole numbers from 10 up, one decimal below. */
export function round(value: number): string {
  return value >= 10 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}

/** How many times faster than the blocking stage, as `9.2×`; `—` without a blocking stage. */
export function speedUp(
  stage: Pick<CrawlStage, 'wallMs'>,
  stages: readonly Pick<CrawlStage, 'strategy' | 'wallMs'>[],
): string {
  const blocking = stages.find((s) => s.strategy === 'blocking');
  return blocking === undefined ? '—' : `${(blocking.wallMs / stage.wallMs).toFixed(1)}×`;
}

/** Wall time over the physical floor, as `1.15×`. */
export function vsFloor(stage: Pick<CrawlStage, 'wallMs' | 'floorMs'>): string {
  return `${(stage.wallMs / stage.floorMs).toFixed(2)}×`;
}
