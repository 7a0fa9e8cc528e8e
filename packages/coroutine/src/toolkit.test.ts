/**
 * The coroutine toolkit on a real loop: sleep, gather, wait, waitFor, asCompleted, shield,
 * ensureFuture.
 *
 * The loops run on virtual time (the loop package's test-support.ts): a real selector, but a
 * clock that moves only when the loop waits, straight to its next timer. What these tests check
 * is the order of things — a 1 ms task done before a 20 ms timeout, results in completion order —
 * and on a real clock a loaded machine can let both timers fall due in one iteration, where the
 * one with fewer steps to go wins (asCompleted's timeout beat its 1 ms task that way under CI load).
 */
import { EventLoop } from '@aio/loop';
import { virtualTime } from '../../loop/src/test-support';
import { CancelledError, Future, TimeoutError, sockRecv } from '@aio/future';
import { socketpair } from '@aio/selector';
import { afterEach, describe, expect, it } from 'vitest';
import { asCompleted } from './as-completed';
import { ensureFuture } from './ensure-future';
import { gather } from './gather';
import { shield } from './shield';
import { sleep } from './sleep';
import { Task, createTask } from './task';
import { ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION, wait } from './wait';
import { waitFor } from './wait-for';

let loop: EventLoop;
const closeables: { close(): void }[] = [];
afterEach(() => {
  if (loop && !loop.isClosed()) loop.close();
  for (const c of closeables.splice(0)) c.close();
});

/** A fresh hosted loop, on virtual time unless `realTime`. */
function newLoop(realTime = false): EventLoop {
  if (loop && !loop.isClosed()) loop.close();
  if (realTime) return new EventLoop();
  const time = virtualTime();
  return new EventLoop({ clock: time.clock, selector: time.selector });
}

/** Runs `body` as the main task of a fresh hosted loop, on virtual time unless `realTime`. */
async function main<T>(body: () => Generator<unknown, T, unknown>, realTime = false): Promise<T> {
  loop = newLoop(realTime);
  return loop.runUntilComplete(new Task<T>(body(), { loop }));
}

function* delayed<T>(ms: number, value: T): Generator<unknown, T, unknown> {
  yield* sleep(ms);
  return value;
}

function* failing(ms: number, message: string): Generator<unknown, never, unknown> {
  yield* sleep(ms);
  throw new Error(message);
}

describe('sleep', () => {
  it('waits at least its delay and gives its value', async () => {
    const [value, waited] = await main(function* () {
      const start = loop.time();
      const v = yield* sleep(20, 'value');
      return [v, loop.time() - start] as const;
    });
    expect(value).toBe('value');
    expect(waited).toBeGreaterThanOrEqual(20);
  });

  it('cancelling a sleep cancels its timer', async () => {
    await main(function* () {
      const s = sleep(10_000) as Future<void>;
      s.cancel();
      yield* sleep(1);
      expect(s.cancelled()).toBe(true);
    });
  });

  it('a task cancelled while paused in yield* sleep(0) gets CancelledError there', async () => {
    const seen = await main(function* () {
      const caught: unknown[] = [];
      const child = createTask(function* () {
        try {
          yield* sleep(0);
        } catch (error) {
          caught.push(error);
          throw error;
        }
      });
      yield* sleep(0); // the child is paused in its sleep(0) now
      child.cancel();
      try {
        yield* child;
      } catch (error) {
        caught.push(error);
      }
      return caught;
    });
    expect(seen).toHaveLength(2);
    for (const error of seen) expect(error).toBeInstanceOf(CancelledError);
  });

  it('one sleep(0) reused by yield* pauses one iteration each time', async () => {
    const marks = await main(function* () {
      let ticks = 0;
      const tick = (): void => {
        ticks++;
        loop.callSoon(tick);
      };
      loop.callSoon(tick);
      const pause = sleep(0, 'v');
      const seen: [string, number][] = [];
      for (let i = 0; i < 3; i++) {
        const before = ticks;
        seen.push([yield* pause, ticks - before]);
      }
      return seen;
    });
    expect(marks).toEqual([
      ['v', 1],
      ['v', 1],
      ['v', 1],
    ]);
  });

  it('awaited in an async task, sleep(0) resolves on the next iteration', async () => {
    loop = newLoop();
    const order: string[] = [];
    const task = createTask(
      async () => {
        loop.callSoon(() => order.push('callback'));
        await sleep(0);
        order.push('after sleep(0)');
      },
      { loop },
    );
    await loop.runUntilComplete(task);
    expect(order).toEqual(['callback', 'after sleep(0)']);
  });
});

describe('gather', () => {
  it('gives results in argument order, not completion order', async () => {
    expect(
      await main(function* () {
        return yield* gather(delayed(20, 'slow'), delayed(1, 'fast'), sleep(5, 'mid'));
      }),
    ).toEqual(['slow', 'fast', 'mid']);
  });

  it('fails with the first exception; with returnExceptions puts exceptions in place', async () => {
    await expect(
      main(function* () {
        return yield* gather(delayed(5, 1), failing(1, 'first'), failing(3, 'second'));
      }),
    ).rejects.toThrow('first');
    const results = await main(function* () {
      return yield* gather([delayed(5, 1), failing(1, 'boom')], { returnExceptions: true });
    });
    expect(results[0]).toBe(1);
    expect(results[1]).toBeInstanceOf(Error);
  });

  it('cancelling the gather cancels the children, then ends cancelled', async () => {
    let children: Future[] = [];
    const outcome = await main(function* () {
      const g = gather(delayed(1000, 'a'), delayed(1000, 'b'));
      children = [...g.children];
      loop.callLater(5, () => g.cancel());
      try {
        yield g;
      } catch (error) {
        return error;
      }
      return undefined;
    });
    expect(outcome).toBeInstanceOf(CancelledError);
    expect(children.every((c) => c.cancelled())).toBe(true);
  });

  it('runs the same generator given twice once, and gives its result in both places', async () => {
    let runs = 0;
    function* once(): Generator<unknown, string, unknown> {
      runs++;
      yield* sleep(1);
      return 'x';
    }
    const results = await main(function* () {
      const gen = once();
      const f = new Future<number>(loop);
      loop.callSoon(() => f.setResult(7));
      const g = gather(gen, f, gen, f);
      expect(g.children[0]).toBe(g.children[2]);
      return yield* g;
    });
    expect(results).toEqual(['x', 7, 'x', 7]);
    expect(runs).toBe(1);
  });

  it('is done in the same iteration as its last child', async () => {
    const seen = await main(function* () {
      const f = new Future<number>(loop);
      const g = gather(f);
      const states: boolean[] = [];
      loop.callSoon(() => {
        f.setResult(1);
        states.push(g.done());
      });
      yield* g;
      return states;
    });
    expect(seen).toEqual([true]);
  });

  it('of nothing is an empty result at once', async () => {
    expect(
      await main(function* () {
        return yield* gather();
      }),
    ).toEqual([]);
  });

  it('of 10,000 futures resolves them all', async () => {
    const results = await main(function* () {
      const futures = Array.from({ length: 10_000 }, (_, i) => {
        const f = new Future<number>(loop);
        loop.callSoon(() => f.setResult(i));
        return f;
      });
      return yield* gather(...futures);
    });
    expect(results).toHaveLength(10_000);
    expect(results[9_999]).toBe(9_999);
  });
});

describe('wait', () => {
  it.each([
    [FIRST_COMPLETED, 1, 2],
    [FIRST_EXCEPTION, 2, 1],
    [ALL_COMPLETED, 3, 0],
  ] as const)(
    'returnWhen %s splits into done and pending',
    async (returnWhen, doneCount, pendingCount) => {
      const [done, pending] = await main(function* () {
        // Far apart, so that a loop slowed down by a busy machine still sees them finish one by one.
        const fs = [
          ensureFuture(delayed(1, 'a')),
          ensureFuture(failing(100, 'b')),
          ensureFuture(delayed(300, 'c')),
        ];
        const [d, p] = yield* wait(fs, { returnWhen });
        for (const f of p) f.cancel();
        for (const f of d) if (!f.cancelled()) f.exception();
        return [d, p] as const;
      });
      expect(done.size).toBe(doneCount);
      expect(pending.size).toBe(pendingCount);
    },
  );

  it('with a timeout returns what is done and cancels nothing', async () => {
    const [doneCount, pendingStillRunning] = await main(function* () {
      const slow = ensureFuture(delayed(1000, 'slow'));
      const [d, p] = yield* wait([ensureFuture(delayed(1, 'fast')), slow], { timeout: 200 });
      const running = !slow.done();
      for (const f of p) f.cancel();
      return [d.size, running] as const;
    });
    expect(doneCount).toBe(1);
    expect(pendingStillRunning).toBe(true);
  });
});

describe('waitFor', () => {
  it('gives the result in time, TimeoutError otherwise, after cancelling the inner one', async () => {
    let inner: Future<string> | undefined;
    const outcome = await main(function* () {
      const fast = yield* waitFor(delayed(1, 'fast'), 100);
      inner = ensureFuture(delayed(1000, 'slow'));
      try {
        yield* waitFor(inner, 10);
      } catch (error) {
        return [fast, error];
      }
      return [];
    });
    expect(outcome[0]).toBe('fast');
    expect(outcome[1]).toBeInstanceOf(TimeoutError);
    expect(inner!.cancelled()).toBe(true);
  });

  it('a cancelled waitFor leaves no timer and no reader behind', async () => {
    const [a, b] = socketpair();
    closeables.push(a, b);
    b.setBlocking(false);
    // On real time: the end waits for a Node timer, and meanwhile the loop audits the socket's
    // kept kernel registration every second, which virtual time would rush through.
    const removed = await main(function* () {
      const w = waitFor(sockRecv(loop, b, 100), 60_000);
      yield* sleep(5);
      w.cancel();
      yield* sleep(5);
      // The reader sockRecv registered is gone, and the loop has no timer left to wait for.
      return loop.removeReader(b);
    }, true);
    expect(removed).toBe(false);
    // With no timers and no readers left, a hosted loop parks until something happens: stop()
    // from a Node timer proves it is not kept busy by a leftover 60 s timer.
    const start = performance.now();
    setTimeout(() => loop.stop(), 20);
    await loop.runForever();
    expect(performance.now() - start).toBeLessThan(1_000);
  });

  it('with null waits without limit', async () => {
    expect(
      await main(function* () {
        return yield* waitFor(delayed(5, 'x'), null);
      }),
    ).toBe('x');
  });
});

describe('asCompleted', () => {
  it('iterates futures that resolve in completion order', async () => {
    const order = await main(function* () {
      const out: string[] = [];
      for (const next of asCompleted([delayed(30, 'c'), delayed(1, 'a'), delayed(10, 'b')]))
        out.push(yield* next);
      return out;
    });
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('async iteration gives results in completion order', async () => {
    loop = newLoop();
    const task = createTask(
      async () => {
        const out: string[] = [];
        for await (const value of asCompleted([
          delayed(20, 'c'),
          delayed(1, 'a'),
          delayed(10, 'b'),
        ]))
          out.push(value);
        return out;
      },
      { loop },
    );
    expect(await loop.runUntilComplete(task)).toEqual(['a', 'b', 'c']);
  });

  it('times out what is not done', async () => {
    const outcome = await main(function* () {
      const slow = ensureFuture(delayed(1000, 'slow'));
      const got: unknown[] = [];
      for (const next of asCompleted([delayed(1, 'fast'), slow], { timeout: 20 })) {
        try {
          got.push(yield* next);
        } catch (error) {
          got.push(error);
        }
      }
      slow.cancel();
      return got;
    });
    expect(outcome[0]).toBe('fast');
    expect(outcome[1]).toBeInstanceOf(TimeoutError);
  });
});

describe('shield', () => {
  it('cancelling the shield does not cancel what it protects', async () => {
    const [innerResult, outerCancelled] = await main(function* () {
      const inner = ensureFuture(delayed(10, 'protected'));
      const outer = shield(inner);
      outer.cancel();
      return [yield* inner, outer.cancelled()] as const;
    });
    expect(innerResult).toBe('protected');
    expect(outerCancelled).toBe(true);
  });
});

describe('ensureFuture', () => {
  it('keeps futures, makes tasks of generators, wraps promises, refuses the rest', async () => {
    await main(function* () {
      const f = new Future<number>(loop);
      expect(ensureFuture(f)).toBe(f);
      expect(ensureFuture(delayed(1, 1))).toBeInstanceOf(Task);
      const wrapped = ensureFuture(Promise.resolve(2));
      expect(yield* wrapped).toBe(2);
      expect(() => ensureFuture(3 as never)).toThrow(/an awaitable .* is required, got 3/);
      f.cancel();
    });
  });
});
