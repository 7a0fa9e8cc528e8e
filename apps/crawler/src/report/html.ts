/** The timeline as a whole HTML page: a heading, then each stage's SVG with a caption. */
import { formatMs } from './axis';
import { renderSvg, type TimelineSvgOptions } from './svg';
import { failed, layoutRows, timeDomain, type StageTimeline } from './timeline';
import { escapeXml } from './xml';

/**
 * A self-contained HTML document (no scripts, fonts or stylesheets from elsewhere) with one figure
 * per stage: its SVG, and a caption saying what it shows and what the colors mean.
 *
 * @example
 * writeFileSync('timeline.html', timelineHtml(stages, { title: 'Download 10 pages' }));
 */
export function timelineHtml(
  stages: readonly StageTimeline[],
  options: TimelineSvgOptions = {},
): string {
  const title = options.title ?? 'Per-request timeline';
  const domain = options.sharedScale === true ? timeDomain(stages) : undefined;
  const figures = stages.map((stage) => {
    const svg = renderSvg([stage], { ...options, title: undefined, domain });
    return `<figure>\n${svg}\n<figcaption>${escapeXml(caption(stage, options.maxRows))}</figcaption>\n</figure>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>
  body { font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 2rem auto; max-width: 1000px; padding: 0 1rem; color: #1f2328; background: #f6f8fa; }
  figure { margin: 0 0 2rem; }
  figure svg { display: block; max-width: 100%; height: auto; }
  figcaption { color: #59636e; font-size: 13px; margin-top: 0.4rem; }
  @media (prefers-color-scheme: dark) { body { color: #e6edf3; background: #0d1117; } figcaption { color: #9198a1; } }
</style>
</head>
<body>
<h1>${escapeXml(title)}</h1>
<p>Each row is one request, on a time axis from the start of the run: when it began connecting, when it was connected, when its first byte came, and when it ended.</p>
${figures.join('\n')}
</body>
</html>
`;
}

function caption(stage: StageTimeline, maxRows = 20): string {
  const layout = layoutRows(stage.pages, maxRows);
  const failures = stage.pages.filter(failed).length;
  const what = `${stage.section} ${stage.strategy}: ${stage.pages.length} pages in ${formatMs(stage.wallMs)}${
    failures > 0 ? `, ${failures} failed` : ''
  }.`;
  const rows = layout.grouped
    ? ` Each row is ${layout.groupSize} pages in the order they started, shaded by how many of them were in each phase; the purple area above counts the pages in flight.`
    : '';
  return `${what}${rows} Amber: connecting; light blue: waiting for the first byte; green: receiving the response; a red ✗ marks where a page failed. Hover a bar for its times.`;
}
