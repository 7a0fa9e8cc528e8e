/**
 * IOLoop and PeriodicCallback — behaviours from tornado's ioloop_test.py, rewritten for aio, on
 * real loops, real sockets and a real thread pool.
 *
 * The IOLoops run on virtual time (the loop package's test-support.ts): a real selector, but a
 * clock that moves only when the loop waits. Timers here say what runs in which order, and a
 * PeriodicCallback skips the grid points it missed: on a real clock, a loaded machine shifts
 * both. The test of a job on another thread keeps real time, and waits for the loop's ticks
 * rather than for a time.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventLoop, getRunningLoop, type LoopMode } from '@aio/loop';
import { Future, TimeoutError } from '@aio/future';
import { run } from '@aio/coroutine';
import { isFdOpen, socketpair, type Socket } from '@aio/selector';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DummyExecutor, ThreadPoolExecutor } from './concurrent';
import { job } from './concurrent/test-pool-contract';
import * as gen from './gen';
import { IOLoop, PeriodicCallback, timedelta } from './ioloop';
import { captureAppLog } from './test-log-capture';
import { virtualTime } from '../../loop/src/test-support';

// This file starts a thread pool (tsx loads each worker): seconds alone, and ten times that on a
// loaded 2-core machine (the suite beside two CPU hogs), so the limits are 120 s, not 20.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let log: ReturnType<typeof captureAppLog>;
const ioloops: IOLoop[] = [];
const sockets: Socket[] = [];

beforeEach(() => {
  log = captureAppLog();
});

afterEach(() => {
  log.stop();
  for (const io of ioloops.splice(0)) if (!io.asyncioLoop.isClosed()) io.close();
  for (const sock of sockets.splice(0)) sock.close();
});

/** An IOLoop on virtual time, unless `time` is `'real'`; closed after the test. */
function makeIOLoop(mode: LoopMode = 'hosted', time: 'virtual' | 'real' = 'virtual'): IOLoop {
  const virtual = time === 'virtual' ? virtualTime() : undefined;
  const io = new IOLoop(
    virtual
      ? { loop: new EventLoop({ mode, clock: virtual.clock, selector: virtual.selector }) }
      : { mode },
  );
  ioloops.push(io);
  return io;
}

function pair(): [Socket, Socket] {
  const socks = socketpair();
  for (const s of socks) s.setBlocking(false);
  sockets.push(...socks);
  return socks;
}

describe.each(['hosted', 'blocking'] as const)('IOLoop (%s loop)', (mode) => {
  it('current() is the one IOLoop of the running aio loop', async () => {
    const io = makeIOLoop(mode);
    const seen = await io.runSync(() => IOLoop.current());
    expect(seen).toBe(io);
    expect(() => new IOLoop({ loop: io.asyncioLoop })).toThrow(/has an IOLoop already/);
    expect(IOLoop.current({ instance: false })).toBeNull(); // nothing running now
  });

  it('runSync gives the result of a coroutine, a promise, or a plain value, and raises its error', async () => {
    const io = makeIOLoop(mode);
    expect(
      await io.runSync(
        gen.coroutine(function* () {
          return ((yield gen.sleep(1)) as undefined) ?? 'coroutine';
        }),
      ),
    ).toBe('coroutine');
    expect(await io.runSync(() => Promise.resolve('promise'))).toBe('promise');
    expect(await io.runSync(() => 'plain')).toBe('plain');
    await expect(
      io.runSync(() => {
        throw new RangeError('sync throw');
      }),
    ).rejects.toThrow(RangeError);
  });

  it('runSync with a timeout: TimeoutError, and the work is cancelled', async () => {
    const io = makeIOLoop(mode);
    let work: Future<void> | null = null;
    const start = io.time();
    const error = await io
      .runSync(
        () => {
          work = gen.sleep(5_000);
          return work;
        },
        { timeout: 30 },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(String(error)).toContain('timed out after 30 ms');
    expect(work!.cancelled()).toBe(true);
    // Loop time: a runSync that waited for the work would have moved the clock by its 5 s.
    expect(io.time() - start).toBeLessThan(1_000);
  });

  it('a callback that throws is logged, and the loop goes on', async () => {
    const io = makeIOLoop(mode);
    const ran: string[] = [];
    await io.runSync(() => {
      io.addCallback(function explode() {
        throw new Error('boom');
      });
      io.spawnCallback(() => ran.push('next'));
      return gen.sleep(1);
    });
    expect(ran).toEqual(['next']);
    expect(log.messages()).toEqual(['Exception in callback explode']);
    expect((log.records[0]!.err as Error).message).toBe('boom');
  });

  it('a callback that returns a failing coroutine has that logged', async () => {
    const io = makeIOLoop(mode);
    await io.runSync(() => {
      const logged = new Future<void>(getRunningLoop());
      io.addCallback(
        gen.coroutine(function* later() {
          yield gen.sleep(1);
          io.callLater(0, () => logged.setResult()); // after the failure is handled
          throw new Error('async boom');
        }),
      );
      return gen.withTimeout(gen.timedelta({ seconds: 5 }), logged);
    });
    expect(log.messages()).toEqual(['Exception in callback later']);
  });

  it('addTimeout takes a deadline or a timedelta; removeTimeout cancels', async () => {
    const io = makeIOLoop(mode);
    const order: string[] = [];
    await io.runSync(() => {
      const now = io.time();
      io.addTimeout(now + 20, (x: string) => order.push(x), 'deadline');
      io.addTimeout(timedelta({ milliseconds: 10 }), () => order.push('timedelta'));
      const removed = io.callLater(5, () => order.push('removed'));
      io.removeTimeout(removed);
      io.callAt(now + 1, () => order.push('callAt'));
      return gen.sleep(40);
    });
    expect(order).toEqual(['callAt', 'timedelta', 'deadline']);
    expect(() => io.addTimeout('soon' as never, () => {})).toThrow(TypeError);
  });

  it('addFuture calls back with the future once it is done (promises too)', async () => {
    const io = makeIOLoop(mode);
    const got: unknown[] = [];
    await io.runSync(() => {
      const f = new Future<number>(getRunningLoop());
      io.addFuture(f, (done) => got.push(done.result()));
      io.addFuture(Promise.resolve('p'), (done) => got.push(done.result()));
      f.setResult(1);
      return gen.sleep(5);
    });
    expect(got.sort()).toEqual([1, 'p']);
    expect(() => io.addFuture(5 as never, () => {})).toThrow(/expected a Future or a promise/);
  });

  it('addHandler calls back on READ and WRITE; updateHandler and removeHandler change that', async () => {
    const io = makeIOLoop(mode);
    const [a, b] = pair();
    const events: string[] = [];
    await io.runSync(() => {
      const done = new Future<void>(getRunningLoop());
      io.addHandler(
        b,
        (fd, ev) => {
          expect(fd).toBe(b);
          if (ev & IOLoop.READ) {
            events.push(`read ${b.recv(100).toString()}`);
            io.updateHandler(b, IOLoop.WRITE);
          } else if (ev & IOLoop.WRITE) {
            events.push('write');
            io.removeHandler(b);
            io.callLater(20, () => done.setResult());
          }
        },
        IOLoop.READ,
      );
      a.send(Buffer.from('hi'));
      return done;
    });
    expect(events).toEqual(['read hi', 'write']);
    expect(() => io.updateHandler(b, IOLoop.READ)).toThrow(/has no handler/);
    expect(() => io.addHandler('x' as never, () => {}, IOLoop.READ)).toThrow(TypeError);
  });

  it('close(true) closes the fds of the handlers left', () => {
    const io = new IOLoop({ mode });
    const [, b] = pair();
    const [, c] = pair();
    const rawFd = c.detach(); // a bare fd number, owned by the IOLoop from here
    io.addHandler(b, () => {}, IOLoop.READ);
    io.addHandler(rawFd, () => {}, IOLoop.WRITE);
    io.close(true);
    expect(b.closed).toBe(true);
    expect(isFdOpen(rawFd)).toBe(false);
  });

  it('runInExecutor: a DummyExecutor, and the default thread pool with a worker function', async () => {
    const io = makeIOLoop(mode);
    const [inline, pooled] = await io.runSync(() =>
      gen.multi([
        io.runInExecutor(new DummyExecutor(), (x: number) => x + 1, 41),
        io.runInExecutor(null, job.add, 20, 22),
      ]),
    );
    expect(inline).toBe(42);
    expect(pooled).toBe(42);
  });

  it('runInExecutor with setDefaultExecutor; the loop keeps ticking during a blocking job', async () => {
    // Real time: a job on another thread. It blocks its worker for 300 ms at least, and until
    // the loop has ticked 5 times since it began, however long a loaded machine takes for that:
    // a loop the job blocked could not tick, and the job would end unreleased.
    const io = makeIOLoop(mode, 'real');
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'aio-ticks-'));
    const started = join(dir, 'started');
    const release = join(dir, 'release');
    try {
      io.setDefaultExecutor(pool);
      let ticks = 0;
      const result = await io.runSync(() => {
        const tick = new PeriodicCallback(() => {
          if (existsSync(started) && ++ticks === 5) writeFileSync(release, '');
        }, 20);
        tick.start();
        const f = io.runInExecutor(null, job.busyWaitUntil, started, release, 300, 60_000);
        f.addDoneCallback(() => tick.stop());
        return f;
      });
      expect(result.released).toBe(true);
      expect(result.took).toBeGreaterThanOrEqual(300);
      expect(ticks).toBeGreaterThanOrEqual(5);
    } finally {
      await pool.shutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('PeriodicCallback', () => {
  it('calls on schedule, logs an exception and carries on, and stops', async () => {
    const io = makeIOLoop();
    const times: number[] = [];
    await io.runSync(() => {
      const start = io.time();
      const pc = new PeriodicCallback(function flaky() {
        times.push(io.time() - start);
        if (times.length === 2) throw new Error('one bad run');
        if (times.length === 4) pc.stop();
      }, 20);
      expect(pc.isRunning()).toBe(false);
      pc.start();
      expect(pc.isRunning()).toBe(true);
      return gen.sleep(150);
    });
    expect(times).toHaveLength(4);
    times.forEach((t, i) => expect(t).toBeGreaterThanOrEqual(20 * (i + 1) - 1));
    expect(log.messages()).toEqual(['Exception in callback flaky']);
  });

  it('never overlaps a coroutine run, and skips the runs it missed', async () => {
    const io = makeIOLoop();
    let active = 0;
    let most = 0;
    const starts: number[] = [];
    const ends: number[] = [];
    await io.runSync(() => {
      const start = io.time();
      const pc = new PeriodicCallback(
        gen.coroutine(function* () {
          starts.push(io.time() - start);
          active++;
          most = Math.max(most, active);
          yield gen.sleep(45); // longer than two periods
          active--;
          ends.push(io.time() - start);
        }),
        20,
      );
      pc.start();
      return gen.sleep(200).then(() => pc.stop());
    });
    expect(most).toBe(1);
    expect(starts.length).toBeGreaterThanOrEqual(2);
    // Each run starts after the last one ended, for a point of the 20 ms grid after that end
    // (20, 80, 140 …): the points missed meanwhile (40, 60, 100, 120 …) are skipped, not run late.
    for (let i = 1; i < starts.length; i++) {
      expect(starts[i]!).toBeGreaterThanOrEqual(ends[i - 1]!);
      expect(Math.floor(starts[i]! / 20) * 20).toBeGreaterThanOrEqual(ends[i - 1]! - 0.5);
    }
  });

  it('refuses a period that is not positive, and a jitter outside 0–1', () => {
    expect(() => new PeriodicCallback(() => {}, 0)).toThrow(RangeError);
    expect(() => new PeriodicCallback(() => {}, 10, 2)).toThrow(RangeError);
    expect(() => new PeriodicCallback(5 as never, 10)).toThrow(TypeError);
    expect(new PeriodicCallback(() => {}, timedelta({ seconds: 2 })).callbackTime).toBe(2000);
  });

  it('works inside run() from @aio/coroutine too', async () => {
    let calls = 0;
    await run(function* () {
      const pc = new PeriodicCallback(() => void calls++, 5);
      pc.start();
      // Until it has run three times (a loaded machine may skip grid points, so no fixed sleep),
      // for 1000 sleeps at most: counted, not timed.
      for (let i = 0; calls < 3 && i < 1000; i++) yield gen.sleep(5);
      pc.stop();
    });
    expect(calls).toBeGreaterThanOrEqual(3);
  });
});
