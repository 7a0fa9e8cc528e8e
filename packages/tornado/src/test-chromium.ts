/**
 * For the browser tests: Debian's Chromium (or `AIO_CHROMIUM`), launched headless by
 * playwright-core with a fresh profile each time, so every browser has its own cookies. No
 * browser download works on the machines these tests run on, hence the system one; without one
 * the tests skip, saying how to get it (`NO_CHROMIUM`).
 */
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** The Chromium to drive, or undefined when there is none. */
export const CHROMIUM = [
  process.env.AIO_CHROMIUM,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
].find((path): path is string => !!path && existsSync(path));

/** What a skipped suite's name says when there is no Chromium (empty when there is one). */
export const NO_CHROMIUM =
  CHROMIUM === undefined
    ? ' (skipped: no Chromium; apt-get install -y chromium, or set AIO_CHROMIUM)'
    : '';

/** A headless Chromium with its own profile, its first page, and what went wrong in its pages. */
export interface TestBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught errors and console errors of every page of the browser, as they happened. */
  readonly problems: string[];
  /** A new page (tab) of the same browser, its problems collected too. */
  newPage(): Promise<Page>;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** Launches Chromium (`CHROMIUM`, which must exist) headless with a fresh profile. */
export async function openChromium(): Promise<TestBrowser> {
  const dir = mkdtempSync(join(tmpdir(), 'aio-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM!,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const problems: string[] = [];
  const watch = (page: Page): Page => {
    page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    return page;
  };
  const page = watch(context.pages()[0] ?? (await context.newPage()));
  return {
    context,
    page,
    problems,
    newPage: async () => watch(await context.newPage()),
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
