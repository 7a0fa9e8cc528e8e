/**
 * Opens every page of the built site in a real browser (Debian's chromium, headless, driven by
 * playwright-core) and fails on anything a reader would see go wrong: a console error (which is
 * also how Vue reports a hydration mismatch), an uncaught exception, a request that failed or
 * answered 4xx/5xx, a broken image. It also uses the search box. A screenshot of each page is
 * saved to test-artifacts/screenshots/.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GUIDE_LINKS } from '../.vitepress/pages';
import { buildSite, DIST, DOCS_ROOT } from './build-site';
import { serveStatic, type StaticSite } from './static-server';

const SCREENSHOTS = `${DOCS_ROOT}test-artifacts/screenshots`;

/** Debian's chromium, or AIO_CHROMIUM; no browser download works on the machines this runs on. */
function findChromium(): string {
  const candidates = [process.env.AIO_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((path): path is string => !!path && existsSync(path));
  if (found === undefined) {
    throw new Error(
      "the docs browser test needs Chromium: install Debian's (`apt-get install -y chromium`) " +
        'or set AIO_CHROMIUM to a Chromium or Chrome executable',
    );
  }
  return found;
}

/** Every API page TypeDoc wrote: the URL path VitePress serves it at, and its heading's key. */
function apiPages(dir = `${DOCS_ROOT}api`): { path: string; heading: string }[] {
  const pages: { path: string; heading: string }[] = [];
  for (const entry of readdirSync(dir)) {
    const file = join(dir, entry);
    if (statSync(file).isDirectory()) pages.push(...apiPages(file));
    else if (entry.endsWith('.md')) {
      const url = `/${relative(DOCS_ROOT, file).replace(/\.md$/, '')}`;
      pages.push({
        path: url.endsWith('/index') ? url.slice(0, -'index'.length) : url,
        heading: headingKey(readFileSync(file, 'utf8')),
      });
    }
  }
  return pages.sort((a, b) => a.path.localeCompare(b.path));
}

let site: StaticSite;
let context: BrowserContext;
let userDataDir: string;

beforeAll(async () => {
  await buildSite();
  site = await serveStatic(DIST);
  userDataDir = mkdtempSync(join(tmpdir(), 'aio-docs-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: findChromium(),
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  rmSync(SCREENSHOTS, { recursive: true, force: true });
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await context?.close();
  await site?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

/** Listens for everything that can go wrong on `page` while `action` runs; returns it. */
async function watch(page: Page, action: () => Promise<void>): Promise<string[]> {
  const problems: string[] = [];
  const onConsole = (message: { type(): string; text(): string }): void => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  };
  const onPageError = (error: Error): void => {
    problems.push(`uncaught: ${error.message}`);
  };
  const onFailed = (request: {
    url(): string;
    failure(): { errorText: string } | null;
    resourceType(): string;
  }): void => {
    const error = request.failure()?.errorText;
    // A prefetch of a linked page's chunk that a navigation cut short (on a loaded machine, the
    // last page's prefetches are still in flight when the next page loads): nothing a reader
    // sees. A page or image that did not load is still reported (and images are checked below).
    const kind = request.resourceType();
    if (error === 'net::ERR_ABORTED' && kind !== 'document' && kind !== 'image') return;
    problems.push(`request failed: ${request.url()} (${error})`);
  };
  const onResponse = (response: { url(): string; status(): number }): void => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  };
  page.on('console', onConsole);
  page.on('pageerror', onPageError);
  page.on('requestfailed', onFailed);
  page.on('response', onResponse);
  try {
    await action();
    const broken = await page.evaluate(() =>
      [...document.images]
        .filter((image) => !image.complete || image.naturalWidth === 0)
        .map((image) => image.getAttribute('src') ?? '(no src)'),
    );
    for (const src of broken) problems.push(`broken image: ${src}`);
  } catch (error) {
    problems.push(String(error));
  } finally {
    page.off('console', onConsole);
    page.off('pageerror', onPageError);
    page.off('requestfailed', onFailed);
    page.off('response', onResponse);
  }
  return problems;
}

function screenshotFile(path: string): string {
  const name = path === '/' ? 'index' : path.replace(/^\//, '').replace(/\/$/, '/index');
  return `${SCREENSHOTS}/${name.replaceAll('/', '__')}.jpeg`;
}

/** Loads `path` from the server, as a reader arriving from outside does, and waits for Vue. */
async function load(page: Page, path: string, base = site.url): Promise<string[]> {
  const problems = await watch(page, async () => {
    const response = await page.goto(`${base}${path}`, { waitUntil: 'load' });
    if (response === null || response.status() !== 200) {
      throw new Error(`page answered ${response?.status() ?? 'nothing'}`);
    }
    // VitePress marks the page hydrated by making its links live; wait for Vue's first turn.
    await page.waitForFunction(() => document.querySelector('.VPContent') !== null, undefined, {
      polling: 50,
    });
    await page.screenshot({
      path: screenshotFile(path),
      type: 'jpeg',
      quality: 80,
      fullPage: true,
    });
  });
  return problems.map((problem) => `${path}: ${problem}`);
}

/** The text of a markdown page's first heading, reduced to letters and digits. */
function headingKey(markdown: string): string {
  const heading = /^# (.+)$/m.exec(markdown)?.[1] ?? '';
  return heading.replace(/[^A-Za-z0-9]/g, '');
}

/**
 * Opens `path` the way a reader following a link inside the site does: VitePress's router loads
 * the page's chunk and renders it without reloading (what 300 full reloads would spend parsing
 * the same scripts again). Done when the page's own heading is on screen.
 */
async function follow(page: Page, path: string, heading: string): Promise<string[]> {
  const problems = await watch(page, async () => {
    await page.evaluate((href) => {
      const link = document.createElement('a');
      link.href = href;
      link.textContent = href;
      document.body.append(link);
      link.click();
      link.remove();
    }, path);
    await page.waitForFunction(
      (key) =>
        (document.querySelector('.vp-doc h1')?.textContent ?? '')
          .replace(/[^A-Za-z0-9]/g, '')
          .includes(key),
      heading,
      { polling: 20, timeout: 10_000 },
    );
    await page.screenshot({ path: screenshotFile(path), type: 'jpeg', quality: 70 });
  });
  return problems.map((problem) => `${path}: ${problem}`);
}

describe('the built docs site in Chromium', () => {
  it('sees what a reader would see go wrong (a page made to fail)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aio-docs-bad-'));
    writeFileSync(
      join(dir, 'bad.html'),
      '<!doctype html><title>bad</title><div class="VPContent">' +
        '<img src="/missing.svg" alt="gone"><script>console.error("boom")</script></div>',
    );
    const bad = await serveStatic(dir);
    const page = await context.newPage();
    try {
      const problems = await load(page, '/bad', bad.url);
      expect(problems).toContain('/bad: console error: boom');
      expect(problems).toContain(`/bad: HTTP 404: ${bad.url}/missing.svg`);
      expect(problems).toContain('/bad: broken image: /missing.svg');
    } finally {
      await page.close();
      await bad.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(screenshotFile('/bad'), { force: true });
    }
  });

  it('opens every guide page cleanly, with every image loaded', async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    for (const path of ['/', ...GUIDE_LINKS]) problems.push(...(await load(page, path)));
    await page.close();
    expect(problems).toEqual([]);
  });

  it('opens every API reference page cleanly', async () => {
    const pages = apiPages();
    expect(pages.length).toBeGreaterThan(100);
    const page = await context.newPage();
    // The first from the server, the rest by following links, as a reader browses them.
    const problems = await load(page, pages[0]!.path);
    for (const { path, heading } of pages.slice(1)) {
      problems.push(...(await follow(page, path, heading)));
    }
    await page.close();
    expect(problems).toEqual([]);
  });

  it('finds pages through the search box and opens the one chosen', async () => {
    const page = await context.newPage();
    await page.goto(`${site.url}/`, { waitUntil: 'load' });
    await page
      .getByRole('button', { name: /search/i })
      .first()
      .click();
    const input = page.getByPlaceholder(/search/i);
    await input.fill('Runner handleYield');
    const results = page.locator('.VPLocalSearchBox .result');
    await results.first().waitFor();
    expect(await results.count()).toBeGreaterThan(0);
    const titles = await results.allInnerTexts();
    expect(titles.join('\n')).toMatch(/handleYield/);
    await page.screenshot({ path: `${SCREENSHOTS}/search.png` });
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname !== '/');
    expect(new URL(page.url()).pathname).not.toBe('/');
    await page.close();
  });
});
