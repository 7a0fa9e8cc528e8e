import { describe, expect, it } from 'vitest';
import { concurrentRun, failingRun, sequentialRun, wavesRun } from './fixtures';
import { timelineHtml } from './html';
import { parseXml } from './well-formed';

const ALL = [sequentialRun(), concurrentRun(), wavesRun(), failingRun()];

describe('timelineHtml', () => {
  const html = timelineHtml(ALL, { title: 'Download 10 pages' });

  it('is a whole HTML document with a heading', () => {
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<h1>Download 10 pages</h1>');
    expect(html.trimEnd()).toMatch(/<\/html>$/);
  });

  it('embeds one well-formed SVG per stage, each with a caption saying what the colors mean', () => {
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs).toHaveLength(ALL.length);
    for (const svg of svgs) expect(parseXml(svg).name).toBe('svg');
    const captions = html.match(/<figcaption>[^<]*<\/figcaption>/g) ?? [];
    expect(captions).toHaveLength(ALL.length);
    for (const caption of captions)
      expect(caption).toMatch(/Amber: connecting; light blue: waiting/);
    expect(captions[2]).toContain('Each row is 100 pages');
    expect(captions[3]).toContain('3 failed');
  });

  it('loads nothing from elsewhere: the only URL is the SVG namespace', () => {
    const rest = html.replaceAll('xmlns="http://www.w3.org/2000/svg"', '');
    expect(rest).not.toMatch(/https?:\/\//);
    expect(rest).not.toMatch(/<script|<link|<img|src=|href=|url\(|@import/);
  });

  it('escapes its title', () => {
    const page = timelineHtml([concurrentRun()], { title: '<Ten> & "pages"' });
    expect(page).toContain('<title>&lt;Ten&gt; &amp; &quot;pages&quot;</title>');
    expect(page).not.toContain('<Ten>');
  });

  it('shares one time scale across its SVGs when asked', () => {
    const shared = timelineHtml([sequentialRun(), concurrentRun()], { sharedScale: true });
    expect(shared).toContain('wall 102.6 ms</text>');
    expect(timelineHtml([sequentialRun(), concurrentRun()])).not.toContain('wall 102.6 ms</text>');
  });
});
