/** The benchmarks' results (results/data/bench.json, written by `pnpm docs:results`). */
import { readFileSync } from 'node:fs';
import { defineLoader } from 'vitepress';
import type { BenchDocument } from './results';

export type BenchData = Pick<BenchDocument, 'command' | 'quick' | 'environment' | 'texts'>;

declare const data: BenchData;
export { data };

export default defineLoader({
  watch: ['../../results/data/bench.json'],
  load(files: string[]): BenchData {
    const { command, quick, environment, texts } = JSON.parse(
      readFileSync(files[0]!, 'utf8'),
    ) as BenchDocument;
    return { command, quick, environment, texts };
  },
});
