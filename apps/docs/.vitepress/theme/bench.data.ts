/**
 * The benchmarks' results (results/data/bench.json, written by `pnpm docs:results`): each
 * benchmark's report as printed, its charts (`charts.ts`), and when and how it was measured.
 */
import { readFileSync } from 'node:fs';
import { defineLoader } from 'vitepress';
import { benchCharts, type Chart } from './charts';
import type { BenchDocument, BenchMeasurement } from './results';

export interface BenchData {
  readonly texts: Readonly<Record<string, string>>;
  readonly charts: Readonly<Record<string, readonly Chart[]>>;
  /** When, where and how each benchmark was measured. */
  readonly measured: Readonly<Record<string, BenchMeasurement>>;
}

declare const data: BenchData;
export { data };

export default defineLoader({
  watch: ['../../results/data/bench.json'],
  load(files: string[]): BenchData {
    const document = JSON.parse(readFileSync(files[0]!, 'utf8')) as BenchDocument;
    const { command, quick, environment, texts, results } = document;
    const measured: Record<string, BenchMeasurement> = {};
    for (const name of Object.keys(texts)) {
      measured[name] = document.measured?.[name] ?? { command, quick, environment };
    }
    return { texts, charts: benchCharts(results), measured };
  },
});
