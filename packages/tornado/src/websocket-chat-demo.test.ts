/**
 * examples/websocket: tornado's WebSocket chat demo as people use it — its application served by
 * an `HTTPServer` on this process's IOLoop (hosted, so Node's own I/O, playwright's, runs beside
 * it), two pages of a Chromium (Debian's, headless, driven by playwright-core) each holding a
 * WebSocket to /chatsocket, each message typed in one appearing in both, and the room's set of
 * open sockets (the application's state, read directly) following the pages as they come and go;
 * then the demo started as a user starts it (a child process, `node --import tsx …/chat.ts`)
 * stopping on SIGTERM with a page's socket still open.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatRoom, makeApp, type Chat } from '../examples/websocket/chat';
import { HTTPServer } from './httpserver';
import { IOLoop } from './ioloop';
import { bindSockets } from './netutil';
import { CHROMIUM, NO_CHROMIUM, openChromium, type TestBrowser } from './test-chromium';
import { PACKAGE_ROOT, TS_FLAGS } from './test-run-ts';
import type { Page } from 'playwright-core';

const CHAT = fileURLToPath(new URL('../examples/websocket/chat.ts', import.meta.url));

describe('examples/websocket ChatRoom', () => {
  it('keeps the last 200 messages, oldest dropped first', () => {
    const room = new ChatRoom();
    for (let i = 0; i < 205; i++) room.updateCache({ id: String(i), body: `m${i}`, html: '' });
    expect(room.cache).toHaveLength(200);
    expect(room.cache[0]!.id).toBe('5');
    expect(room.cache.at(-1)!.id).toBe('204');
  });
});

describe.skipIf(CHROMIUM === undefined)(
  `examples/websocket in two Chromium pages${NO_CHROMIUM}`,
  () => {
    const room = new ChatRoom();
    let ioloop: IOLoop;
    let server: HTTPServer;
    let running: Promise<void>;
    let url: string;
    let browser: TestBrowser;

    beforeAll(async () => {
      ioloop = IOLoop.current(); // hosted, the default: playwright's sockets keep working
      const sockets = bindSockets(0, '127.0.0.1');
      server = new HTTPServer(makeApp({ room }));
      server.addSockets(sockets);
      const [, port] = sockets[0]!.getsockname() as [string, number];
      url = `http://127.0.0.1:${String(port)}/`;
      running = ioloop.start();
      browser = await openChromium();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      ioloop.addCallback(() => {
        server.stop();
        ioloop.stop();
      });
      await running;
      ioloop.close(true);
    });

    /** Types `text` into the page's form and sends it. */
    async function say(page: Page, text: string): Promise<void> {
      await page.fill('#message', text);
      await page.press('#message', 'Enter');
    }

    /** The room's messages as the page shows them. */
    async function inbox(page: Page): Promise<string[]> {
      const texts = await page.locator('#inbox .message').allTextContents();
      return texts.map((text) => text.trim());
    }

    it('a message typed in one page appears in both, broadcast to every open socket', async () => {
      const one = browser.page;
      const two = await browser.newPage();
      await one.goto(url);
      await two.goto(url);
      await expect.poll(() => room.waiters.size, { timeout: 10_000 }).toBe(2);

      await say(one, 'hello from one, see http://example.com');
      await expect
        .poll(() => inbox(two), { timeout: 10_000 })
        .toEqual(['hello from one, see http://example.com']);
      await expect.poll(() => inbox(one)).toEqual(['hello from one, see http://example.com']);
      // linkify made the URL a link, and the text was escaped, not markup.
      expect(await two.getAttribute('#inbox .message a', 'href')).toBe('http://example.com');

      await say(two, '<b>hi</b> one');
      const both = ['hello from one, see http://example.com', '<b>hi</b> one'];
      await expect.poll(() => inbox(one), { timeout: 10_000 }).toEqual(both);
      expect(await one.$('#inbox .message b')).toBeNull(); // no injected element
      expect(room.cache.map((chat: Chat) => chat.body)).toEqual(both);
      expect(browser.problems).toEqual([]);
    }, 60_000);

    it('a page loaded later is rendered with the cached messages, and its socket joins the room', async () => {
      const three = await browser.newPage();
      await three.goto(url);
      // Rendered by the server's template, before the page's socket has carried anything.
      expect(await inbox(three)).toEqual([
        'hello from one, see http://example.com',
        '<b>hi</b> one',
      ]);
      await expect.poll(() => room.waiters.size, { timeout: 10_000 }).toBe(3);
      await say(three, 'three is here');
      for (const page of browser.context.pages()) {
        await expect.poll(() => inbox(page), { timeout: 10_000 }).toContain('three is here');
      }
    }, 60_000);

    it('closing a page takes its socket out of the room, and the others still hear each other', async () => {
      const [one, two, three] = browser.context.pages();
      await three!.close();
      await expect.poll(() => room.waiters.size, { timeout: 10_000 }).toBe(2);
      await two!.close();
      await expect.poll(() => room.waiters.size, { timeout: 10_000 }).toBe(1);
      await say(one!, 'anyone?');
      await expect.poll(() => inbox(one!), { timeout: 10_000 }).toContain('anyone?');
      expect(room.cache).toHaveLength(4);
      expect(browser.problems).toEqual([]);
    }, 60_000);
  },
);

describe.skipIf(CHROMIUM === undefined)(
  `examples/websocket run as a user runs it${NO_CHROMIUM}`,
  () => {
    it("stops on SIGTERM with a page's WebSocket open, exit code 0, and the page sees it close", async () => {
      const server = spawn(process.execPath, [...TS_FLAGS, CHAT, '--port', '0'], {
        cwd: PACKAGE_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      server.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      server.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
      const browser = await openChromium();
      try {
        await expect
          .poll(() => /listening on (http:\/\/\S+)/.exec(output), { timeout: 30_000 })
          .not.toBeNull();
        const url = /listening on (http:\/\/\S+)/.exec(output)![1]!;
        await browser.page.goto(url);
        // `updater` is chat.js's global: its socket is open once the server accepted it.
        const readyState = (): Promise<number> =>
          browser.page.evaluate<number>('updater.socket.readyState');
        await expect.poll(readyState, { timeout: 10_000 }).toBe(1);
        server.kill('SIGTERM');
        expect(await exited).toBe(0);
        await expect.poll(readyState, { timeout: 10_000 }).toBe(3); // CLOSED
        expect(output).not.toMatch(/Uncaught|Error/);
      } finally {
        await browser.close();
        if (server.exitCode === null) server.kill('SIGKILL');
      }
    }, 60_000);
  },
);
