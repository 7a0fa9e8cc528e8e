/**
 * What each run mode promises about Node's own event loop, tested with Node's real timers, fs,
 * an http server and child processes.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DefaultSelector, socketpair } from '@aio/selector';
import { afterEach, describe, expect, it } from 'vitest';
import { EventLoop, type LoopMode } from './event-loop';
import { KEEP_AWAKE_UNTIL } from './internal';

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
 * until its 60 s timer (see startParked), so any bound far below that tells the two apart; 10 s
 * leaves room for a 2-core machine running the suite beside two CPU hogs, where a wake-up that
 * takes microseconds alone can wait a second or more for a core.
 */
const AT_ONCE_MS = 10_000;

/**
 * Starts a hosted loop with a far-away timer and returns once it is parked waiting for it (once
 * it has handed its wait to the selector's off-thread `selectAsync`: watched, not guessed with a
 * sleep); returns the loop and its run promise (wrapped: an async function returning a promise
 * would wait for it).
 */
async function startParked(): Promise<{ loop: EventLoop; running: Promise<void> }> {
  const selector = new DefaultSelector();
  const selectAsync = selector.selectAsync.bind(selector);
  let parked: () => void = () => {};
  const isParked = new Promise<void>((resolve) => (parked = resolve));
  selector.selectAsync = (timeoutMs) => {
    parked();
    return selectAsync(timeoutMs);
  };
  const loop = new EventLoop({ mode: 'hosted', selector });
  loops.push(loop);
  loop.callLater(60_000, () => {});
  const running = loop.runForever();
  await isParked;
  return { loop, running };
}

describe('hosted mode', () => {
  it("lets Node's timers, fs, an http server and promises all make progress while it waits", async () => {
    const { loop, running } = await startParked();
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
      const { loop, running } = await startParked();
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
    const { loop, running } = await startParked();
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
    const { loop, running } = await startParked();
    const start = performance.now();
    loop.stop();
    await running;
    expect(performance.now() - start).toBeLessThan(AT_ONCE_MS);
  });
});

describe('blocking mode', () => {
  it("does not run Node's timers while it waits", async () => {
    // A Node timer made as the loop starts its blocking wait (the selector call with a timeout),
    // due at once, while the loop waits 100 ms for its own: it runs only after the loop stops.
    // Made at that moment rather than on a clock, so no stall of a loaded machine can let it in
    // before the wait (the loop yields to Node once just before it blocks).
    const selector = new DefaultSelector();
    const select = selector.select.bind(selector);
    let loopWasRunning: boolean | undefined;
    let nodeTimerMade = false;
    selector.select = (timeoutMs) => {
      if (timeoutMs !== 0 && !nodeTimerMade) {
        nodeTimerMade = true;
        setTimeout(() => (loopWasRunning = loop.isRunning()), 0);
      }
      return select(timeoutMs);
    };
    const loop = new EventLoop({ mode: 'blocking', selector });
    loops.push(loop);
    loop.callLater(100, () => loop.stop());
    await loop.runForever();
    expect(nodeTimerMade).toBe(true);
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

  /**
   * Runs the child; how long it lived after printing its last line. Timed from that line, not
   * from the spawn: starting Node with tsx takes a second alone and over 10 s beside two CPU hogs.
   * A child still alive 30 s after its line is killed (code null): one kept alive by its loop
   * would wait for its 60 s timer, or for ever on its socket.
   */
  function runChild(
    variant: string,
  ): Promise<{ code: number | null; stdout: string; stderr: string; afterMs: number }> {
    return new Promise((resolve) => {
      const proc = spawn(
        process.execPath,
        ['--import', 'tsx', '--conditions=@aio/source', child, variant],
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      let doneAt: number | undefined;
      let kill: NodeJS.Timeout | undefined;
      proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (doneAt === undefined && stdout.includes('\n')) {
          doneAt = performance.now();
          kill = setTimeout(() => proc.kill('SIGKILL'), 30_000);
        }
      });
      proc.once('close', (code) => {
        clearTimeout(kill);
        const afterMs = performance.now() - (doneAt ?? performance.now());
        resolve({ code, stdout, stderr, afterMs });
      });
    });
  }

  it.each(['never-started', 'stopped'])(
    'a %s loop does not keep the process alive',
    async (variant) => {
      const { code, stdout, stderr, afterMs } = await runChild(variant);
      expect(stdout.trim(), stderr).toBe(`${variant}: done`);
      expect(code).toBe(0);
      // It exits on its own once its work is done: far below its 60 s timer, even when loaded.
      expect(afterMs).toBeLessThan(10_000);
    },
    // Node and tsx starting beside two CPU hogs, then up to 30 s before the kill.
    120_000,
  );
});

describe('[KEEP_AWAKE_UNTIL]', () => {
  it('lets a blocking loop wait for a foreign promise without sleeping through it', async () => {
    const loop = makeLoop('blocking');
    // A Node timer the loop knows nothing about; only [KEEP_AWAKE_UNTIL] tells it to give Node turns.
    const foreign = sleep(30);
    loop[KEEP_AWAKE_UNTIL](foreign);
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
