/**
 * The web page shows one small app three ways: tornado (`side-by-side/stories.py`), aio
 * (`stories.ts`) and fastify (`stories-fastify.ts`). This runs each as a reader would, on a free
 * port of 127.0.0.1, sends all three the same requests in the same order, and expects the same
 * status and the same text or JSON from each: the page's claim that they are the same app.
 *
 * tornado runs under Debian's `/usr/bin/python3` (`python3-tornado`); without it, its case says
 * so and is skipped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { bindUnusedPort } from '@aio/tornado/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { DOCS_ROOT } from './build-site';

const PYTHON = '/usr/bin/python3';
const hasTornado = spawnSync(PYTHON, ['-c', 'import tornado'], { stdio: 'ignore' }).status === 0;

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

/** Starts `command` and resolves once it printed its `listening on` line. */
function start(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = spawn(command, args, { cwd: DOCS_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`no "listening" line in 30 s:\n${output}`)),
      30_000,
    );
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.includes('listening on http://127.0.0.1:')) {
        clearTimeout(timer);
        resolve();
      }
    };
    started.stdout.on('data', collect);
    started.stderr.on('data', collect);
    started.once('error', reject);
    started.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${String(code)}) before listening:\n${output}`));
    });
  });
}

interface Exchange {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
  readonly status: number;
  /** The text answered, or the JSON (compared as values: tornado writes `{"id": 1}`, fastify `{"id":1}`). */
  readonly text?: string;
  readonly json?: unknown;
}

/** In this order: the POST adds story 2, which the GET after it reads. */
const EXCHANGES: readonly Exchange[] = [
  { method: 'GET', path: '/', status: 200, text: 'Hello, world!' },
  { method: 'GET', path: '/?name=aio', status: 200, text: 'Hello, aio!' },
  {
    method: 'GET',
    path: '/story/1',
    status: 200,
    json: { id: 1, title: 'The loop that never blocked' },
  },
  { method: 'GET', path: '/story/9', status: 404 },
  { method: 'GET', path: '/story/one', status: 404 },
  {
    method: 'POST',
    path: '/story',
    body: '{"title": "Callbacks, then coroutines"}',
    status: 201,
    json: { id: 2, title: 'Callbacks, then coroutines' },
  },
  {
    method: 'GET',
    path: '/story/2',
    status: 200,
    json: { id: 2, title: 'Callbacks, then coroutines' },
  },
  { method: 'POST', path: '/story', body: '{}', status: 400 },
  { method: 'POST', path: '/story', body: 'not json', status: 400 },
];

const APPS = [
  { name: 'tornado', command: PYTHON, script: 'side-by-side/stories.py', skip: !hasTornado },
  { name: 'aio', command: process.execPath, script: 'side-by-side/stories.ts', skip: false },
  {
    name: 'fastify',
    command: process.execPath,
    script: 'side-by-side/stories-fastify.ts',
    skip: false,
  },
] as const;

describe('the web page’s side-by-side app', () => {
  for (const app of APPS) {
    it.skipIf(app.skip)(`${app.name} answers every request as the others do`, async () => {
      // A port nobody listens on now: bound by the kernel's choice, closed, and bound by the app.
      const [socket, port] = bindUnusedPort();
      socket.close();
      const nodeFlags =
        app.command === PYTHON ? [] : ['--import', 'tsx', '--conditions=@aio/source'];
      await start(app.command, [...nodeFlags, app.script, '--port', String(port)]);
      for (const exchange of EXCHANGES) {
        const response = await fetch(`http://127.0.0.1:${port}${exchange.path}`, {
          method: exchange.method,
          ...(exchange.body === undefined
            ? {}
            : { body: exchange.body, headers: { 'Content-Type': 'application/json' } }),
        });
        const body = await response.text();
        const what = `${app.name}: ${exchange.method} ${exchange.path} → ${response.status} ${body}`;
        expect(response.status, what).toBe(exchange.status);
        if (exchange.text !== undefined) expect(body, what).toBe(exchange.text);
        if (exchange.json !== undefined) expect(JSON.parse(body), what).toEqual(exchange.json);
      }
    });
  }
  if (!hasTornado) {
    it('tornado: skipped — /usr/bin/python3 has no tornado (apt-get install python3-tornado)', () => {
      expect(hasTornado).toBe(false);
    });
  }
});
