import { describe, expect, it } from 'vitest';
import { concurrentRun, failingRun, sequentialRun, wavesRun } from './fixtures';
import { COLORS, timelineSvg } from './svg';
import type { StageTimeline } from './timeline';
import { elements, parseXml, textOf, type XmlElement } from './well-formed';

const ALL = [sequentialRun(), concurrentRun(), wavesRun(), failingRun()];

const tooltips = (root: XmlElement): string[] =>
  elements(root, 'g').flatMap((g) =>
    g.children.flatMap((c) => (typeof c !== 'string' && c.name === 'title' ? [textOf(c)] : [])),
  );
/** The red ✗ marks, the one in the legend included. */
const crosses = (root: XmlElement): number =>
  elements(root, 'path').filter((p) => p.attributes.get('stroke') === COLORS.failed).length;
/** Row labels: the monospace text at the left. */
const rowLabels = (root: XmlElement): string[] =>
  elements(root, 'text')
    .filter((t) => t.attributes.get('font-family')?.includes('monospace'))
    .map(textOf);

describe('timelineSvg', () => {
  it('is a well-formed SVG document with a size, a viewBox and its own background', () => {
    const svg = timelineSvg(ALL, { title: 'Download 10 pages' });
    const root = parseXml(svg);
    expect(root.name).toBe('svg');
    expect(root.attributes.get('xmlns')).toBe('http://www.w3.org/2000/svg');
    const [width, height] = ['width', 'height'].map((a) => Number(root.attributes.get(a)));
    expect(width).toBe(960);
    expect(height).toBeGreaterThan(400);
    expect(root.attributes.get('viewBox')).toBe(`0 0 ${width} ${height}`);
    const background = elements(root, 'rect')[0]!;
    expect(background.attributes.get('fill')).toBe('#ffffff');
    expect(Number(background.attributes.get('width'))).toBeGreaterThan(width! - 2);
  });

  it('needs nothing from elsewhere: no links, scripts, stylesheets or fonts to fetch', () => {
    const svg = timelineSvg(ALL);
    expect(svg.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(
      /https?:|href|<script|<style|url\(|@import|@font-face/,
    );
  });

  it('draws one panel per stage, titled with its section, name, and wall time', () => {
    const root = parseXml(timelineSvg(ALL));
    const titles = elements(root, 'tspan').map(textOf);
    expect(titles).toEqual(['3.1 blocking', '3.5 callbacks', '4.3 asyncio', '4.3 async-await']);
    const texts = elements(root, 'text').map(textOf);
    expect(texts).toContain('3.1 blocking — blocking sockets, one page after another');
    expect(texts).toContain('wall 1011 ms · 10 pages');
    expect(texts).toContain('wall 300.9 ms · 10 pages · 3 failed');
  });

  it('gives every page a bar with a tooltip of its times', () => {
    const tips = tooltips(parseXml(timelineSvg([sequentialRun()])));
    expect(tips.filter((t) => t.startsWith('/'))).toHaveLength(10);
    expect(tips).toContain(
      '/3: connect 0.3 ms, first byte 100.3 ms, done 100.9 ms (started at 303.2 ms, 2154 bytes)',
    );
  });

  it('marks each failed page with a red ✗ and its error in the tooltip', () => {
    const root = parseXml(timelineSvg([failingRun()]));
    expect(crosses(root)).toBe(3 + 1);
    const tips = tooltips(root);
    expect(tips.find((t) => t.startsWith('/3:'))).toContain('connect ECONNREFUSED 127.0.0.1:41817');
    expect(tips.find((t) => t.startsWith('/8:'))).toContain('read ECONNRESET');
    expect(crosses(parseXml(timelineSvg([concurrentRun()])))).toBe(1);
  });

  it('escapes paths and errors from a server, and says them back exactly', () => {
    const path = '/a<b>&"c"\'d';
    const error = '<script>alert("x")</script> & \u0007bell';
    const stage: StageTimeline = {
      ...concurrentRun(2),
      pages: [{ ...concurrentRun(2).pages[0]!, path, error }],
    };
    const svg = timelineSvg([stage], { title: 'a < b & "c"' });
    expect(svg).not.toContain('<b>');
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('/a&lt;b&gt;&amp;&quot;c&quot;&#39;d');
    const root = parseXml(svg);
    expect(rowLabels(root)).toEqual([path]);
    expect(tooltips(root).find((t) => t.startsWith(path))).toContain(
      '<script>alert("x")</script> & \ufffdbell',
    );
    expect(textOf(elements(root, 'title')[0]!)).toBe('a < b & "c"');
  });

  it('draws 1000 pages as ten group rows of 100 under an area of pages in flight', () => {
    const svg = timelineSvg([wavesRun()]);
    const root = parseXml(svg);
    expect(rowLabels(root)).toEqual(
      Array.from({ length: 10 }, (_, i) => `${i === 0 ? '/' : `/${i * 100}`} … /${i * 100 + 99}`),
    );
    expect(elements(root, 'text').map(textOf)).toContain('peak 100');
    expect(tooltips(root)).toContain('pages in flight: at most 100 at once');
    expect(svg.length).toBeLessThan(150_000);
  });

  it.each([3, 7, 20])('keeps to maxRows %i rows, the pages-in-flight row included', (maxRows) => {
    const root = parseXml(timelineSvg([wavesRun()], { maxRows }));
    expect(rowLabels(root).length + 1).toBeLessThanOrEqual(maxRows);
  });

  it('gives each panel its own time scale, or one shared scale when asked', () => {
    const lastTick = (svg: string): string[] =>
      elements(parseXml(svg), 'g')
        .filter((g) => elements(g, 'tspan').length > 0)
        .map((panel) => {
          const ticks = elements(panel, 'text').filter(
            (t) => t.attributes.get('text-anchor') === 'middle',
          );
          return textOf(ticks.at(-1)!);
        });
    const stages = [sequentialRun(), concurrentRun()];
    expect(lastTick(timelineSvg(stages))).toEqual(['1000', '100']);
    expect(lastTick(timelineSvg(stages, { sharedScale: true }))).toEqual(['1000', '1000']);
    // On a shared scale, the shorter run marks where its wall time ended.
    expect(timelineSvg(stages, { sharedScale: true })).toContain('wall 102.6 ms</text>');
  });

  it('draws empty, instant and nonsensical runs without NaN or undefined', () => {
    const odd: StageTimeline = {
      strategy: 'odd',
      section: '—',
      title: 'pages the network made up',
      wallMs: Number.NaN,
      pages: [
        { path: '/instant', start: 5, end: 5, bytes: 0 },
        { path: '/no-connect', start: 0, firstByte: 50, end: 100, bytes: 10 },
        { path: '/nan', start: Number.NaN, end: Number.POSITIVE_INFINITY, bytes: 0, error: 'x' },
        { path: '/backwards', start: 50, connected: 60, firstByte: 40, end: 20, bytes: 0 },
      ],
    };
    const empty: StageTimeline = { ...odd, pages: [], wallMs: 0 };
    for (const svg of [
      timelineSvg([odd, empty]),
      timelineSvg([odd, empty], { sharedScale: true, maxRows: 2 }),
      timelineSvg([]),
    ]) {
      expect(svg).not.toMatch(/NaN|undefined|Infinity/);
      expect(() => parseXml(svg)).not.toThrow();
    }
  });
});
