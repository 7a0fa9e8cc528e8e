/**
 * What each run mode promises about Node's own event loop, tested with Node's real timers, fs,
 * an http server and child processes.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { socketpair } from '@aio/selector';
import { afterEach, describe, expect, it } from 'vitest';
import { EventLoop, type LoopMode } from './event-loop';

const loops: EventLoop[] = [];
afterEach(() => {
  for (const loop of loops.splice(0)) if (!loop.isRunning()) loop.close();
});

function makeLoop(mode: LoopMode): EventLoop {
  const loop = new EventLoop({ mode });
  loops.push(loop);
  return loop;
}

/**
 * "At once", for a loop parked in a wait, in real time. A loop that missed its wake-up would sleep
 * until its 60 s timer (see startParked), so any bound far below that tells the two apart; a
 * second leaves room for a loaded 2-core machine.
 */
const AT_ONCE_MS = 1_000;

/**
 * Starts the loop with a far-away timer, so that it is parked waiting; returns its run promise
 * (wrapped: an async function returning a promise would wait for it).
 */
async function startParked(loop: EventLoop): Promise<{ running: Promise<void> }> {
  loop.callLater(60_000, () => {});
  const running = loop.runForever();
  await sleep(20);
  return { running };
}

describe('hosted mode', () => {
  it("lets Node's timers, fs, an http server and promises all make progress while it waits", async () => {
    const loop = makeLoop('hosted');
    const { running } = await startParked(loop);
    try {
      const timerStart = performance.now();
      await sleep(30);
      expect(performance.now() - timerStart).toBeLessThan(AT_ONCE_MS);

      const text = await readFile(fileURLToPath(import.meta.url), 'utf8');
      expect(text).toContain('hosted mode');

      const server = createServer((_req, res) => res.end('served while the loop waits'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      const body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      expect(body).toBe('served while the loop waits');

      let chained = 0;
      await Promise.resolve()
        .then(() => chained++)
        .then(() => chained++);
      expect(chained).toBe(2);
      expect(loop.isRunning()).toBe(true);
    } finally {
      loop.stop();
      await running;
    }
  });

  it.each([
    ['callSoon', (loop: EventLoop, done: () => void) => loop.callSoon(done)],
    ['an earlier timer', (loop: EventLoop, done: () => void) => loop.callLater(1, done)],
    [
      'addReader on a readable socket',
      (loop: EventLoop, done: () => void) => {
        const [a, b] = socketpair();
        a.send(Buffer.from('x'));
        loop.addReader(b, () => {
          loop.removeReader(b);
          a.close();
          b.close();
          done();
        });
      },
    ],
  ] as const)(
    'wakes at once for %s made from a Node callback or a promise continuation',
    async (_what, schedule) => {
      const loop = makeLoop('hosted');
      const { running } = await startParked(loop);
      try {
        for (const from of ['a Node timer', 'a promise continuation'] as const) {
          const latency = await new Promise<number>((resolve) => {
            const go = (): void => {
              const start = performance.now();
              schedule(loop, () => resolve(performance.now() - start));
            };
            if (from === 'a Node timer') setTimeout(go, 5);
            else void sleep(5).then(go);
          });
          // Parked until the 60 s timer otherwise; the waker makes it microseconds, here.
          expect(latency, from).toBeLessThan(AT_ONCE_MS);
        }
      } finally {
        loop.stop();
        await running;
      }
    },
  );

  it('uses no CPU while idle', async () => {
    const loop = makeLoop('hosted');
    const { running } = await startParked(loop);
    try {
      const before = process.cpuUsage();
      await sleep(1_000);
      const used = process.cpuUsage(before);
      // A loop that spun instead of waiting would use ~1000 ms of CPU in that second; the bound
      // leaves room for whatever else this process (vitest, GC) does meanwhile.
      expect((used.user + used.system) / 1000).toBeLessThan(250);
    } finally {
      loop.stop();
      await running;
    }
  });

  it('stop() from outside ends a parked loop at once', async () => {
    const loop = makeLoop('hosted');
    const { running } = await startParked(loop);
    const start = performance.now();
    loop.stop();
    await running;
    expect(performance.now() - start).toBeLessThan(AT_ONCE_MS);
  });
});

describe('blocking mode', () => {
  it("does not run Node's timers while it waits", async () => {
    const loop = makeLoop('blocking');
    // A Node timer due while the loop waits for its own, 4 times as far: it runs only after.
    // (The loop yields to Node once just before it blocks, microseconds after this callback;
    // only a stall of 50 ms right there could let the Node timer in.)
    let loopWasRunning: boolean | undefined;
    loop.callSoon(() => setTimeout(() => (loopWasRunning = loop.isRunning()), 50));
    loop.callLater(200, () => loop.stop());
    await loop.runForever();
    await sleep(10); // the Node timer, overdue by now, runs first
    expect(loopWasRunning).toBe(false);
  });

  it('hosted mode, for contrast, runs the same Node timer while it waits', async () => {
    const loop = makeLoop('hosted');
    let loopWasRunning: boolean | undefined;
    loop.callSoon(() =>
      setTimeout(() => {
        loopWasRunning = loop.isRunning();
        loop.stop();
      }, 50),
    );
    loop.callLater(60_000, () => loop.stop()); // never reached: the Node timer stops the loop
    await loop.runForever();
    expect(loopWasRunning).toBe(true);
  });
});

describe.each(['hosted', 'blocking'] as const)('%s mode with async functions', (mode) => {
  it('resumes async functions awaiting what loop callbacks resolve, through long promise chains', async () => {
    const loop = makeLoop(mode);
    async function main(): Promise<number> {
      let total = 0;
      for (let i = 0; i < 3; i++) {
        total += await new Promise<number>((resolve) => loop.callLater(2, resolve, i));
        for (let j = 0; j < 20; j++) await Promise.resolve();
      }
      return total;
    }
    expect(await loop.runUntilComplete(main())).toBe(3);
  });
});

describe.each(['hosted', 'blocking'] as const)('%s mode, runUntilComplete(promise)', (mode) => {
  it('returns once Node settles the promise (a Node timer)', async () => {
    const loop = makeLoop(mode);
    // A blocking loop that slept through Node's timer would wait until this one (and nothing
    // else, vitest's own timeout included, could run meanwhile): the test fails, not hangs.
    loop.callLater(10_000, () => loop.stop());
    const fromNode = new Promise<string>((resolve) => setTimeout(resolve, 50, 'from Node'));
    expect(await loop.runUntilComplete(fromNode)).toBe('from Node');
  });
});

describe('process lifetime', () => {
  const child = fileURLToPath(new URL('./test-fixtures/idle-loop.ts', import.meta.url));
  const root = fileURLToPath(new URL('..', import.meta.url));

  it.each(['never-started', 'stopped'])(
    'a %s loop does not keep the process alive',
    async (variant) => {
      const start = performance.now();
      const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', '--conditions=@aio/source', child, variant],
          { cwd: root, timeout: 15_000, encoding: 'utf8' },
          (err, out) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout: out }),
        );
      });
      expect(stdout.trim()).toBe(`${variant}: done`);
      expect(code).toBe(0);
      expect(performance.now() - start).toBeLessThan(10_000);
    },
  );
});

describe('keepAwakeUntil', () => {
  it('lets a blocking loop wait for a foreign promise without sleeping through it', async () => {
    const loop = makeLoop('blocking');
    // A Node timer the loop knows nothing about; only keepAwakeUntil tells it to give Node turns.
    const foreign = sleep(30);
    loop.keepAwakeUntil(foreign);
    let settledWhileRunning: boolean | undefined;
    void foreign.then(() => {
      settledWhileRunning = loop.isRunning();
      loop.stop();
    });
    // Otherwise the loop would block until this timer: the test fails instead of hanging.
    loop.callLater(10_000, () => loop.stop());
    await loop.runForever();
    expect(settledWhileRunning).toBe(true);
  });
});

describe('addCloseCallback', () => {
  it('runs close callbacks once, in order, before the loop lets go; a throwing one is reported', () => {
    const logged: string[] = [];
    const loop = new EventLoop({ log: (text) => logged.push(text) });
    const calls: string[] = [];
    loop.addCloseCallback((l) => calls.push(`first ${String(l.isClosed())}`));
    const remove = loop.addCloseCallback(() => calls.push('removed'));
    loop.addCloseCallback(() => {
      throw new Error('close hook failed');
    });
    remove();
    loop.close();
    loop.close();
    expect(calls).toEqual(['first false']);
    expect(logged[0]).toMatch(/^Exception in a close callback\nError: close hook failed/);
  });
});
