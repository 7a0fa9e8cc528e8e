/**
 * Draws the timeline fixtures, to look at: in the terminal, and as an HTML page (with the same
 * picture as a lone SVG beside it).
 *
 *   pnpm --filter @aio/crawler exec tsx src/report/demo.ts /tmp/timeline.html
 */
import { writeFileSync } from 'node:fs';
import { concurrentRun, failingRun, sequentialRun, wavesRun } from './fixtures';
import { timelineHtml, timelineSvg, timelineText } from './index';

const out = process.argv[2] ?? 'timeline.html';
const stages = [sequentialRun(), concurrentRun(), wavesRun(), failingRun()];
const color = process.stdout.isTTY;
for (const stage of stages) {
  console.log(`${timelineText(stage, { width: process.stdout.columns ?? 100, color })}\n`);
}
const title = 'Download 10 pages: one request at a time, then all at once';
writeFileSync(out, timelineHtml(stages, { title }));
const svgPath = `${out.replace(/\.html?$/, '')}.svg`;
writeFileSync(svgPath, timelineSvg(stages, { title }));
console.log(`wrote ${out} and ${svgPath}`);
