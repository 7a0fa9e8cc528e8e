/**
 * How `pnpm crawl` shows timelines once a run is over: drawn on the terminal, and written to
 * `--timeline-file` (an SVG, or a whole HTML page). The local stages and `--distributed` both
 * end here.
 */
import { writeFileSync } from 'node:fs';
import { timelineHtml } from './html';
import { timelineSvg } from './svg';
import { timelineText } from './text';
import type { StageTimeline } from './timeline';

/** Prints each stage's timeline on stdout, as wide as the terminal (60 to 140 columns). */
export function printTimelines(stages: readonly StageTimeline[]): void {
  const width = Math.max(60, Math.min(process.stdout.columns ?? 100, 140));
  for (const stage of stages) {
    console.log(`\n${timelineText(stage, { width, maxRows: 12, color: process.stdout.isTTY })}`);
  }
}

/** Writes the stages' timelines to `file`: an SVG if it ends in `.svg`, else an HTML page. */
export function writeTimelineFile(
  file: string,
  stages: readonly StageTimeline[],
  title: string,
): void {
  writeFileSync(
    file,
    /\.svg$/i.test(file) ? timelineSvg(stages, { title }) : timelineHtml(stages, { title }),
  );
}
