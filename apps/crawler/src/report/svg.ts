/**
 * The timeline as a self-contained SVG, for the docs: one panel per stage, a row per page (or per
 * group of pages, under an area of pages in flight, by the same rule as the text drawing), a time
 * axis with round ticks, colored phases and a tooltip on every bar.
 *
 * Self-contained means it shows the same as an `<img src>`, inline in HTML, and on a dark or light
 * page: no fonts, scripts or stylesheets from elsewhere, presentation attributes rather than a
 * `<style>` (which would leak into the page when inlined), and its own background.
 */
import { formatMs, niceTicks, tickLabel, tickUnit } from './axis';
import {
  binPhases,
  describeGroup,
  describePage,
  endPhase,
  failed,
  layoutRows,
  peakInFlight,
  PHASES,
  phaseBounds,
  rowPages,
  timeDomain,
  type Phase,
  type StageTimeline,
  type TimelineRow,
} from './timeline';
import { displayWidth, truncate } from './width';
import { escapeXml } from './xml';

export interface TimelineSvgOptions {
  /** A heading over the panels. */
  readonly title?: string;
  /** Pixels. Default 960. */
  readonly width?: number;
  /** One time scale for every panel, so their lengths compare; default false, each its own. */
  readonly sharedScale?: boolean;
  /** Past this many pages in a stage, pages are grouped (see `layoutRows`). Default 20. */
  readonly maxRows?: number;
}

export const COLORS: Readonly<Record<Phase | 'failed' | 'inFlight', string>> = {
  connecting: '#f59e0b',
  waiting: '#93c5fd',
  receiving: '#16a34a',
  failed: '#dc2626',
  inFlight: '#7c3aed',
};
const INK = '#1f2328';
const MUTED = '#59636e';
const GRID = '#e6e9ed';
const BACKGROUND = '#ffffff';
const BORDER = '#d0d7de';
const SANS =
  "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', 'DejaVu Sans', sans-serif";
const MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace";

const PAD = 16;
const ROW = 16;
const BAR = 10;
const AREA = 34;
const MONO_CHAR = 6.7; // px per character of 11px monospace
const SANS_CHAR = 6.3; // px per character of 12px sans, a little over most fonts' average
const RIGHT = 72;
/** Connect and receive take well under a pixel at 100 ms latency; this keeps them in sight. */
const MIN_PHASE_PX = 2;

/** Coordinates with at most one decimal, and none when it is 0. */
function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${n(x)}" y="${n(y)}"${attrs ? ` ${attrs}` : ''}>${escapeXml(content)}</text>`;
}

/**
 * Draws stages as one SVG document, a panel each.
 *
 * @example
 * writeFileSync('timeline.svg', timelineSvg([blocking, callbacks], { title: 'Ten pages' }));
 */
export function timelineSvg(
  stages: readonly StageTimeline[],
  options: TimelineSvgOptions = {},
): string {
  const domain = options.sharedScale === true ? timeDomain(stages) : undefined;
  return renderSvg(stages, { ...options, domain });
}

/** `timelineSvg`, with the time scale given (so HTML can share one across several SVGs). */
export function renderSvg(
  stages: readonly StageTimeline[],
  options: TimelineSvgOptions & { readonly domain: number | undefined },
): string {
  const width = Math.max(480, Math.round(options.width ?? 960));
  const maxRows = options.maxRows ?? 20;
  const layouts = stages.map((stage) => layoutRows(stage.pages, maxRows));
  const parts: string[] = [];
  let y = PAD;
  if (options.title !== undefined) {
    parts.push(text(PAD, y + 14, options.title, `font-size="16" font-weight="600" fill="${INK}"`));
    y += 26;
  }
  parts.push(
    legend(
      PAD,
      y,
      layouts.some((l) => l.grouped),
    ),
  );
  y += 26;
  stages.forEach((stage, i) => {
    const domain = options.domain ?? timeDomain([stage]);
    const drawn = panel(stage, layouts[i]!.rows, layouts[i]!.grouped, domain, width, y);
    if (i > 0)
      parts.push(
        `<line x1="${PAD}" y1="${n(y - 9)}" x2="${width - PAD}" y2="${n(y - 9)}" stroke="${GRID}"/>`,
      );
    parts.push(drawn.svg);
    y = drawn.bottom + 22;
  });
  const height = Math.round(y + PAD - 22);
  const label =
    options.title ??
    `Per-request timeline: ${stages.map((s) => `${s.section} ${s.strategy}`).join(', ')}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" font-family="${SANS}" font-size="12">`,
    `<title>${escapeXml(label)}</title>`,
    `<rect x="0.5" y="0.5" width="${width - 1}" height="${height - 1}" rx="8" fill="${BACKGROUND}" stroke="${BORDER}"/>`,
    ...parts,
    '</svg>',
  ].join('\n');
}

function legend(x: number, y: number, withInFlight: boolean): string {
  const items: [swatch: string, label: string][] = [
    ...PHASES.map((phase): [string, string] => [
      `<rect width="14" height="${BAR}" rx="2" fill="${COLORS[phase]}"/>`,
      phase === 'waiting' ? 'waiting for the first byte' : phase,
    ]),
    [cross(7, BAR / 2), 'failed'],
  ];
  if (withInFlight)
    items.push([
      `<rect width="14" height="${BAR}" fill="${COLORS.inFlight}" fill-opacity="0.25" stroke="${COLORS.inFlight}"/>`,
      'pages in flight',
    ]);
  let at = x;
  const out = items.map(([swatch, label]) => {
    const item = `<g transform="translate(${n(at)},${n(y)})">${swatch}${text(20, 9.5, label, `fill="${MUTED}"`)}</g>`;
    at += 20 + label.length * SANS_CHAR + 16;
    return item;
  });
  return out.join('\n');
}

/** A red ✗ centred on (x, y), drawn with lines so that it needs no font. */
function cross(x: number, y: number): string {
  const r = 3.5;
  return (
    `<path d="M${n(x - r)} ${n(y - r)}L${n(x + r)} ${n(y + r)}M${n(x - r)} ${n(y + r)}L${n(x + r)} ${n(y - r)}" ` +
    `stroke="${COLORS.failed}" stroke-width="2" stroke-linecap="round"/>`
  );
}

function panel(
  stage: StageTimeline,
  rows: readonly TimelineRow[],
  grouped: boolean,
  domain: number,
  width: number,
  top: number,
): { svg: string; bottom: number } {
  const labels = rows.map((row) =>
    row.kind === 'page' ? row.page.path : `${row.pages[0]!.path} … ${row.pages.at(-1)!.path}`,
  );
  const longest = Math.max(9, ...labels.map(displayWidth));
  const labelWidth = Math.min(Math.round(width * 0.22), Math.ceil(longest * MONO_CHAR) + 12);
  const x0 = PAD + labelWidth;
  const x1 = width - PAD - RIGHT;
  const plot = x1 - x0;
  const xAt = (t: number): number => x0 + (Math.min(Math.max(t, 0), domain) / domain) * plot;
  const out: string[] = [];

  const failures = stage.pages.filter(failed).length;
  const facts = [
    Number.isFinite(stage.wallMs) ? `wall ${formatMs(stage.wallMs)}` : 'wall time unknown',
    `${stage.pages.length} pages`,
    ...(failures > 0 ? [`${failures} failed`] : []),
  ].join(' · ');
  out.push(
    `<text x="${PAD}" y="${n(top + 13)}" font-size="13" fill="${INK}"><tspan font-weight="600">${escapeXml(
      `${stage.section} ${stage.strategy}`,
    )}</tspan> — ${escapeXml(stage.title)}</text>`,
    text(
      width - PAD,
      top + 13,
      facts,
      `text-anchor="end" fill="${failures > 0 ? COLORS.failed : MUTED}"`,
    ),
  );
  const plotTop = top + 24;
  let y = plotTop;

  const ticks = niceTicks(domain, Math.max(2, Math.floor(plot / 90)));
  const gridEnd = plotTop + (grouped ? AREA + 6 : 0) + Math.max(1, rows.length) * ROW;
  for (const t of ticks.values) {
    out.push(
      `<line x1="${n(xAt(t))}" y1="${n(plotTop)}" x2="${n(xAt(t))}" y2="${n(gridEnd)}" stroke="${GRID}"/>`,
    );
  }

  if (grouped) {
    out.push(inFlight(stage, domain, x0, plot, y));
    y += AREA + 6;
  }
  const maxChars = Math.floor((labelWidth - 12) / MONO_CHAR);
  rows.forEach((row, i) => {
    const pages = rowPages(row);
    const anyFailed = pages.some(failed);
    const mid = y + ROW / 2;
    const label = labels[i]!;
    const shown = truncate(label, maxChars, 'start');
    out.push(
      text(
        PAD,
        mid + 4,
        shown,
        `font-family="${MONO}" font-size="11" fill="${anyFailed ? COLORS.failed : INK}"`,
      ),
    );
    out.push(
      row.kind === 'page' ? pageBar(row.page, xAt, mid) : groupBar(row, domain, x0, plot, mid),
    );
    let right: string;
    if (row.kind === 'page') {
      const [s, , , e] = phaseBounds(row.page);
      right = formatMs(e - s);
    } else {
      const k = pages.filter(failed).length;
      right = k > 0 ? `${k} of ${pages.length} failed` : `${pages.length} pages`;
    }
    out.push(
      text(
        width - PAD,
        mid + 4,
        right,
        `text-anchor="end" font-size="11" fill="${anyFailed ? COLORS.failed : MUTED}"`,
      ),
    );
    y += ROW;
  });
  if (rows.length === 0 && !grouped) {
    out.push(text(x0, y + ROW / 2 + 4, 'no pages', `fill="${MUTED}"`));
    y += ROW;
  }

  // The wall time, when the scale is shared and this stage ended before the axis does.
  if (Number.isFinite(stage.wallMs) && stage.wallMs < domain * 0.995) {
    const x = xAt(stage.wallMs);
    out.push(
      `<line x1="${n(x)}" y1="${n(plotTop)}" x2="${n(x)}" y2="${n(y)}" stroke="${MUTED}" stroke-dasharray="3 3"/>`,
      text(x + 4, plotTop + 9, `wall ${formatMs(stage.wallMs)}`, `font-size="10" fill="${MUTED}"`),
    );
  }

  y += 2;
  out.push(`<line x1="${n(x0)}" y1="${n(y)}" x2="${n(x1)}" y2="${n(y)}" stroke="${MUTED}"/>`);
  for (const t of ticks.values) {
    const x = xAt(t);
    out.push(
      `<line x1="${n(x)}" y1="${n(y)}" x2="${n(x)}" y2="${n(y + 4)}" stroke="${MUTED}"/>`,
      text(x, y + 16, tickLabel(t, ticks), `text-anchor="middle" font-size="11" fill="${MUTED}"`),
    );
  }
  // Beyond the half-width of a last label such as `1000` centred on the end of the axis.
  out.push(text(x1 + 20, y + 16, tickUnit(ticks), `font-size="11" fill="${MUTED}"`));
  return { svg: `<g>\n${out.join('\n')}\n</g>`, bottom: y + 22 };
}

/**
 * One page: its three phases at their true widths, except that a connect or a receive that took
 * any time is at least MIN_PHASE_PX wide, drawn inside the bar at its own end.
 */
function pageBar(
  page: StageTimeline['pages'][number],
  xAt: (t: number) => number,
  mid: number,
): string {
  const [s, c, f, e] = phaseBounds(page).map(xAt) as [number, number, number, number];
  const top = mid - BAR / 2;
  const rect = (from: number, to: number, phase: Phase): string =>
    `<rect x="${n(from)}" y="${n(top)}" width="${n(Math.max(0, to - from))}" height="${BAR}" fill="${COLORS[phase]}"/>`;
  const parts: string[] = [];
  if (e - s < MIN_PHASE_PX) {
    parts.push(rect(s, s + MIN_PHASE_PX, endPhase(page)));
  } else {
    if (f > c) parts.push(rect(c, f, 'waiting'));
    if (c > s) parts.push(rect(s, Math.max(c, s + MIN_PHASE_PX), 'connecting'));
    if (e > f) parts.push(rect(Math.min(f, e - MIN_PHASE_PX), e, 'receiving'));
  }
  const tooltip = `<title>${escapeXml(describePage(page))}</title>`;
  if (!failed(page)) return `<g>${tooltip}${parts.join('')}</g>`;
  const mark = cross(Math.max(e, s + MIN_PHASE_PX) + 6, mid);
  return `<g>${tooltip}<g opacity="0.5">${parts.join('')}</g>${mark}</g>`;
}

/**
 * A group of pages: in each 2 px slice of time, a stack of how many of them were connecting,
 * waiting and receiving, scaled to the most the group had in flight at once; runs of equal slices
 * are merged into one rectangle.
 */
function groupBar(
  row: Extract<TimelineRow, { kind: 'group' }>,
  domain: number,
  x0: number,
  plot: number,
  mid: number,
): string {
  const bins = Math.max(1, Math.floor(plot / 2));
  const binPx = plot / bins;
  const { time, instant } = binPhases(row.pages, domain, bins);
  let most = 0;
  for (let b = 0; b < bins; b++)
    most = Math.max(most, time[b * 3]! + time[b * 3 + 1]! + time[b * 3 + 2]!);
  const bottom = mid + BAR / 2;
  const rects: string[] = [];
  const heights = (b: number): number[] =>
    [0, 1, 2].map((p) => (most > 0 ? Math.round((time[b * 3 + p]! / most) * BAR * 10) / 10 : 0));
  let b = 0;
  while (b < bins) {
    const h = heights(b);
    let end = b + 1;
    while (end < bins && heights(end).every((v, p) => v === h[p])) end++;
    let stack = bottom;
    PHASES.forEach((phase, p) => {
      if (h[p]! <= 0) return;
      stack -= h[p]!;
      rects.push(
        `<rect x="${n(x0 + b * binPx)}" y="${n(stack)}" width="${n((end - b) * binPx)}" height="${n(h[p]!)}" fill="${COLORS[phase]}"/>`,
      );
    });
    if (h.every((v) => v === 0) && instant[b]! > 0) {
      const phase = PHASES[instant[b]! - 1]!;
      rects.push(
        `<rect x="${n(x0 + b * binPx)}" y="${n(bottom - BAR)}" width="${MIN_PHASE_PX}" height="${BAR}" fill="${COLORS[phase]}"/>`,
      );
    }
    b = end;
  }
  const crosses = new Set<number>();
  for (const page of row.pages.filter(failed)) {
    crosses.add(
      Math.round((x0 + (Math.min(phaseBounds(page)[3], domain) / domain) * plot) / 4) * 4,
    );
  }
  const marks = [...crosses].map((x) => cross(x, mid));
  return `<g><title>${escapeXml(describeGroup(row))}</title>${rects.join('')}${marks.join('')}</g>`;
}

/** Pages in flight over time, as an area: the most at once in each 2 px slice. */
function inFlight(
  stage: StageTimeline,
  domain: number,
  x0: number,
  plot: number,
  top: number,
): string {
  const bins = Math.max(1, Math.floor(plot / 2));
  const peak = peakInFlight(stage.pages, domain, bins);
  const max = peak.reduce((a, b) => Math.max(a, b), 0);
  const base = top + AREA;
  const yOf = (count: number): number => base - (max > 0 ? (count / max) * (AREA - 4) : 0);
  let d = `M${n(x0)} ${n(base)}`;
  for (let b = 0; b < bins; b++) {
    if (b > 0 && peak[b] === peak[b - 1]) continue;
    const x = x0 + (b / bins) * plot;
    d += `L${n(x)} ${n(yOf(peak[b - 1] ?? 0))}L${n(x)} ${n(yOf(peak[b]!))}`;
  }
  d += `L${n(x0 + plot)} ${n(yOf(peak[bins - 1]!))}L${n(x0 + plot)} ${n(base)}Z`;
  return [
    `<g><title>${escapeXml(`pages in flight: at most ${max} at once`)}</title>`,
    `<path d="${d}" fill="${COLORS.inFlight}" fill-opacity="0.18" stroke="${COLORS.inFlight}" stroke-width="1.2" stroke-linejoin="round"/>`,
    '</g>',
    text(PAD, base - AREA / 2 + 4, 'in flight', `font-size="11" fill="${MUTED}"`),
    text(x0 + plot + 8, base - AREA + 8, `peak ${max}`, `font-size="11" fill="${MUTED}"`),
  ].join('\n');
}
