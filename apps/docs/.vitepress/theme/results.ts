/**
 * The shape of the results files `pnpm docs:results` writes (results/data/*.json), and the little
 * arithmetic the pages do on them.
 */
import type { Environment } from '../../../bench/src/lib/report';
import type { CrawlJson, CrawlStageJson } from '../../../crawler/src/output';

/** When and where a result was measured: the benchmarks' own header (`pnpm bench`). */
export type { Environment };

/** One stage of a crawl, as `pnpm crawl --json` prints it. */
export type CrawlStage = CrawlStageJson;

/** results/data/crawl.json. */
export interface CrawlDocument {
  readonly environment: Environment;
  readonly command: string;
  /** `pnpm crawl --json`'s output, as it printed it. */
  readonly output: CrawlJson;
}

/** When, where and how one benchmark of the document was measured. */
export interface BenchMeasurement {
  readonly command: string;
  readonly environment: Environment;
  readonly quick: boolean;
}

/** results/data/bench.json: `pnpm bench all --json`'s document, with the command that made it. */
export interface BenchDocument extends BenchMeasurement {
  /** Each benchmark's figures, as `pnpm bench --json` gives them. */
  readonly results: Readonly<Record<string, unknown>>;
  /** Each benchmark's report as the terminal shows it. */
  readonly texts: Readonly<Record<string, string>>;
  /**
   * Benchmarks measured again on their own (`pnpm docs:results --bench NAME`), each with its own
   * when and how; the others were measured by the document's `command`.
   */
  readonly measured?: Readonly<Record<string, BenchMeasurement>>;
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
export function describeMachine(machine: Environment): string {
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

/** Wall time over the physical floor, as `1.15×`; `—` without a floor (a `--url` crawl). */
export function vsFloor(stage: Pick<CrawlStage, 'wallMs' | 'floorMs'>): string {
  return stage.floorMs === null ? '—' : `${(stage.wallMs / stage.floorMs).toFixed(2)}×`;
}
