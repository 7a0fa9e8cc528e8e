/**
 * examples/chat: the chat demo as people use it — started as a user starts it (a child process,
 * `node --import tsx examples/chat/chat.ts`), two people signed in from two Chromiums (Debian's,
 * headless, driven by playwright-core, each with a fresh profile so each has its own cookies),
 * each message typed in one browser appearing in the other through its long poll, and the server
 * stopping cleanly on SIGTERM with both polls still open.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, NO_CHROMIUM, openChromium, type TestBrowser as Browser } from './test-chromium';
import { PACKAGE_ROOT, TS_FLAGS } from './test-run-ts';

const CHAT = fileURLToPath(new URL('../examples/chat/chat.ts', import.meta.url));

let server: ChildProcess;
let url: string;
let serverOutput = '';
const browsers: Browser[] = [];

/** Starts the demo on a free port; resolves with its URL once it says it is listening. */
function startChat(): Promise<string> {
  server = spawn(process.execPath, [...TS_FLAGS, CHAT, '--port', '0'], {
    cwd: PACKAGE_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`chat did not start:\n${serverOutput}`)),
      30_000,
    );
    const onData = (chunk: Buffer): void => {
      serverOutput += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(serverOutput);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    server.stdout!.on('data', onData);
    server.stderr!.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
    server.once('exit', (code) =>
      reject(new Error(`chat exited (${String(code)}):\n${serverOutput}`)),
    );
  });
}

async function openBrowser(): Promise<Browser> {
  const browser = await openChromium();
  browsers.push(browser);
  return browser;
}

/** Signs in as `name` through the login form (the signed cookie), landing on the room. */
async function signIn(browser: Browser, name: string): Promise<void> {
  const { page } = browser;
  await page.goto(url);
  expect(new URL(page.url()).pathname).toBe('/auth/login'); // @authenticated sent us here
  await page.fill('#name', name);
  await Promise.all([page.waitForURL(url), page.click('#signin')]);
  await expect.poll(() => page.textContent('#user')).toBe(name);
}

/** Types `text` into the room's form and sends it. */
async function say(browser: Browser, text: string): Promise<void> {
  await browser.page.fill('#message', text);
  await browser.page.press('#message', 'Enter');
}

/** The room's messages as the page shows them. */
async function inbox(browser: Browser): Promise<string[]> {
  const texts = await browser.page.locator('#inbox .message').allTextContents();
  return texts.map((text) => text.trim());
}

describe.skipIf(CHROMIUM === undefined)(`examples/chat in two Chromium pages${NO_CHROMIUM}`, () => {
  beforeAll(async () => {
    url = await startChat();
  }, 60_000);

  afterAll(async () => {
    for (const browser of browsers.splice(0)) await browser.close();
    if (server.exitCode === null) server.kill('SIGKILL');
  });

  it('a message typed in one browser appears in the other, both ways, through the long poll', async () => {
    const ann = await openBrowser();
    const bob = await openBrowser();
    await signIn(ann, 'ann');
    await signIn(bob, 'bob');

    await say(ann, 'hello from ann, see http://example.com');
    await expect
      .poll(() => inbox(bob), { timeout: 10_000 })
      .toEqual(['ann: hello from ann, see http://example.com']);
    // linkify made the URL a link, and the text was escaped, not markup.
    expect(await bob.page.getAttribute('#inbox .message a', 'href')).toBe('http://example.com');

    await say(bob, '<b>hi</b> ann');
    await expect
      .poll(() => inbox(ann), { timeout: 10_000 })
      .toEqual(['ann: hello from ann, see http://example.com', 'bob: <b>hi</b> ann']);
    expect(await ann.page.$('#inbox .message b b')).toBeNull(); // no injected element

    // A newcomer's page is rendered with the messages so far.
    await bob.page.reload();
    await expect.poll(() => inbox(bob)).toHaveLength(2);
    expect([...ann.problems, ...bob.problems]).toEqual([]);
  }, 60_000);

  it('a POST without the XSRF token is refused, and an unsigned or forged cookie signs no one in', async () => {
    const response = await fetch(`${url}a/message/new`, {
      method: 'POST',
      body: new URLSearchParams({ body: 'sneaky' }),
      headers: { Cookie: 'chatuser=ann' },
      redirect: 'manual',
    });
    expect(response.status).toBe(403);
    const page = await fetch(url, { headers: { Cookie: 'chatuser=ann' }, redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/auth/login?next=%2F');
  });

  it('stops on SIGTERM with long polls still open, exit code 0', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(serverOutput).not.toMatch(/Uncaught|Error/);
  }, 30_000);
});
