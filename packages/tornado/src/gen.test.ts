/**
 * gen.coroutine, Runner, multi, withTimeout, sleep, WaitIterator — behaviours from tornado's
 * gen_test.py, rewritten for aio, on real loops.
 *
 * The IOLoop runs on virtual time (the loop package's test-support.ts): a real selector, but a
 * clock that moves only when the loop waits. The timers here say what comes first (a result at
 * 5 ms before a 200 ms deadline), which a loaded machine on a real clock could let fall due in
 * one iteration.
 */
import { EventLoop, getRunningLoop } from '@aio/loop';
import { CancelledError, Future, TimeoutError } from '@aio/future';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as gen from './gen';
import { IOLoop } from './ioloop';
import { captureAppLog } from './test-log-capture';
import { virtualTime } from '../../loop/src/test-support';

let ioloop: IOLoop;
let log: ReturnType<typeof captureAppLog>;

beforeEach(() => {
  const time = virtualTime();
  ioloop = new IOLoop({ loop: new EventLoop({ clock: time.clock, selector: time.selector }) });
  log = captureAppLog();
});

afterEach(() => {
  log.stop();
  gen.traceRunners(null);
  if (!ioloop.asyncioLoop.isClosed()) ioloop.close();
});

/** A Future done with `value` after `ms`. */
function later<T>(ms: number, value: T): Future<T> {
  const loop = getRunningLoop();
  const future = new Future<T>(loop);
  loop.callLater(ms, () => future.setResult(value));
  return future;
}

function failLater(ms: number, error: Error): Future<never> {
  const loop = getRunningLoop();
  const future = new Future<never>(loop);
  loop.callLater(ms, () => future.setException(error));
  return future;
}

describe('coroutine', () => {
  it('returns a Future of what the generator returns, resuming it with each yielded result', async () => {
    const add = gen.coroutine(function* (a: number, b: number) {
      const x = (yield later(5, a)) as number;
      const y = (yield later(1, b)) as number;
      return x + y;
    });
    expect(gen.isCoroutineFunction(add)).toBe(true);
    expect(gen.isCoroutineFunction(() => 1)).toBe(false);
    expect(await ioloop.runSync(() => add(2, 3))).toBe(5);
  });

  it('a generator that returns before yielding: done at once', async () => {
    const quick = gen.coroutine(function* () {
      return 'fast';
    });
    await ioloop.runSync(() => {
      const f = quick();
      expect(f.done()).toBe(true);
      expect(f.result()).toBe('fast');
    });
  });

  it('an exception before the first yield fails the Future instead of being thrown', async () => {
    const broken = gen.coroutine(function* (): Generator<unknown, void> {
      throw new RangeError('before any yield');
    });
    await ioloop.runSync(() => {
      const f = broken();
      expect(f.exception()).toBeInstanceOf(RangeError);
    });
  });

  it('a plain function: its result or its exception lands in the Future', async () => {
    const plain = gen.coroutine((x: number) => x * 2);
    const throws = gen.coroutine((): number => {
      throw new Error('plain');
    });
    await ioloop.runSync(() => {
      expect(plain(21).result()).toBe(42);
      expect(() => throws().result()).toThrow('plain');
    });
  });

  it('an exception from a yielded Future is thrown in at the yield, and can be caught', async () => {
    const recover = gen.coroutine(function* () {
      try {
        yield failLater(2, new Error('remote failure'));
        return 'not reached';
      } catch (error) {
        return `caught ${(error as Error).message}`;
      }
    });
    expect(await ioloop.runSync(() => recover())).toBe('caught remote failure');
  });

  it('an uncaught exception after a yield fails the Future', async () => {
    const fails = gen.coroutine(function* () {
      yield later(1, null);
      throw new TypeError('after a yield');
    });
    await expect(ioloop.runSync(() => fails())).rejects.toThrow(TypeError);
  });

  it('resumes inline through futures that are done already: no loop turn per yield', async () => {
    let turns = 0;
    const count = gen.coroutine(function* (n: number) {
      let total = 0;
      for (let i = 0; i < n; i++) {
        const done = new Future<number>(getRunningLoop());
        done.setResult(1);
        total += (yield done) as number;
      }
      return total;
    });
    const result = await ioloop.runSync(() => {
      ioloop.addCallback(() => turns++);
      const f = count(10_000);
      expect(f.done()).toBe(true); // all 10,000 steps in this one callback
      return f;
    });
    expect(result).toBe(10_000);
    expect(turns).toBe(1);
  });

  it('yield null / gen.moment gives the loop one turn', async () => {
    const order: string[] = [];
    const polite = gen.coroutine(function* () {
      order.push('before');
      yield gen.moment;
      order.push('after moment');
      yield null;
      order.push('after null');
    });
    await ioloop.runSync(() => {
      ioloop.addCallback(() => order.push('other callback')); // queued before the coroutine yields
      return polite();
    });
    expect(order).toEqual(['before', 'other callback', 'after moment', 'after null']);
  });

  it('yields promises, generator objects (run as tasks) and Tasks', async () => {
    function* child(): Generator<unknown, string> {
      yield later(1, null);
      return 'from a generator';
    }
    const mixed = gen.coroutine(function* () {
      const a = (yield Promise.resolve('from a promise')) as string;
      const b = (yield child()) as string;
      return [a, b];
    });
    expect(await ioloop.runSync(() => mixed())).toEqual(['from a promise', 'from a generator']);
  });

  it('yielding something else throws BadYieldError into the generator, naming it', async () => {
    const bad = gen.coroutine(function* () {
      try {
        yield 42;
      } catch (error) {
        return error;
      }
      return null;
    });
    const error = await ioloop.runSync(() => bad());
    expect(error).toBeInstanceOf(gen.BadYieldError);
    expect(String(error)).toContain('yielded unknown object 42');
  });

  it('decorates methods, with their this', async () => {
    class Counter {
      total = 0;
      @gen.coroutine
      *add(n: number): Generator<unknown, number> {
        this.total += (yield later(1, n)) as number;
        return this.total;
      }
    }
    const counter = new Counter();
    // A decorator cannot change the method's type: the call returns a Future at run time.
    const add = (n: number): Future<number> => counter.add(n) as unknown as Future<number>;
    expect(await ioloop.runSync(() => add(4))).toBe(4);
    expect(await ioloop.runSync(() => add(5))).toBe(9);
  });

  it('traceRunners reports Future → Runner → IOLoop steps', async () => {
    const steps: string[] = [];
    gen.traceRunners((s) => steps.push(`${s.coroutine} ${s.step}`));
    const fetchTwo = gen.coroutine(function* fetchPair() {
      const a = (yield later(1, 'a')) as string;
      const b = (yield later(1, 'b')) as string;
      return a + b;
    });
    expect(await ioloop.runSync(() => fetchTwo())).toBe('ab');
    expect(steps).toEqual([
      'fetchPair coroutine',
      'fetchPair handleYield',
      'fetchPair addFuture',
      'fetchPair wakeup',
      'fetchPair send',
      'fetchPair handleYield',
      'fetchPair addFuture',
      'fetchPair wakeup',
      'fetchPair send',
      'fetchPair return',
    ]);
  });

  it('Runner.handleException throws into a waiting generator', async () => {
    let runner: gen.Runner | null = null;
    const got = await ioloop.runSync(() => {
      const result = new Future<string>(ioloop.asyncioLoop);
      function* body(): Generator<unknown, string> {
        try {
          yield new Future(getRunningLoop()); // never done
          return 'no';
        } catch (error) {
          return (error as Error).message;
        }
      }
      const g = body();
      runner = new gen.Runner(g, result, g.next().value);
      expect(runner.handleException(new Error('interrupted'))).toBe(true);
      expect(runner.handleException(new Error('again'))).toBe(false); // finished
      return result;
    });
    expect(got).toBe('interrupted');
  });
});

describe('multi', () => {
  it('waits for an array or an object of futures, keeping the shape', async () => {
    const both = gen.coroutine(function* () {
      const list = (yield [later(3, 1), later(1, 2), Promise.resolve(3)]) as number[];
      const dict = (yield { x: later(1, 'x'), y: gen.multi([later(1, 'y')]) }) as object;
      const empty = (yield []) as unknown[];
      return { list, dict, empty };
    });
    expect(await ioloop.runSync(() => both())).toEqual({
      list: [1, 2, 3],
      dict: { x: 'x', y: ['y'] },
      empty: [],
    });
  });

  it('fails with the first failure after every child is done, logging the later ones', async () => {
    const done: string[] = [];
    const track = <T>(f: Future<T>, name: string): Future<T> => {
      f.addDoneCallback(() => done.push(name));
      return f;
    };
    const error = await ioloop
      .runSync(() =>
        gen.multi([
          track(failLater(1, new Error('first')), 'first'),
          track(later(10, 'slow'), 'slow'),
          track(failLater(5, new RangeError('second')), 'second'),
        ]),
      )
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('first');
    expect(done).toEqual(['first', 'second', 'slow']);
    expect(log.messages()).toEqual(['Multiple exceptions in yield list']);
    expect((log.records[0]!.err as Error).message).toBe('second');
  });

  it('quietExceptions keeps the later failures of those classes out of the log', async () => {
    await ioloop
      .runSync(() =>
        gen.multiFuture([failLater(1, new Error('first')), failLater(2, new RangeError('quiet'))], {
          quietExceptions: [RangeError],
        }),
      )
      .catch(() => {});
    expect(log.records).toEqual([]);
  });
});

describe('withTimeout', () => {
  it('gives the result when it comes in time, and leaves no timer', async () => {
    const result = await ioloop.runSync(() =>
      gen.withTimeout(gen.timedelta({ milliseconds: 200 }), later(5, 'in time')),
    );
    expect(result).toBe('in time');
  });

  it('fails with TimeoutError at the deadline; the future is not cancelled, and its late error is logged', async () => {
    let inner: Future<never> | null = null;
    const error = await ioloop
      .runSync(() => {
        inner = failLater(40, new Error('late failure'));
        return gen.withTimeout(ioloop.time() + 10, inner);
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(inner!.cancelled()).toBe(false);
    await ioloop.runSync(() => gen.sleep(60));
    expect(log.messages()).toEqual([
      expect.stringMatching(/^Exception in Future .* after timeout$/),
    ]);
  });

  it('quietExceptions: a late error of those classes is not logged', async () => {
    await ioloop
      .runSync(() =>
        gen.withTimeout(gen.timedelta({ milliseconds: 5 }), failLater(20, new RangeError('x')), {
          quietExceptions: [RangeError],
        }),
      )
      .catch(() => {});
    await ioloop.runSync(() => gen.sleep(40));
    expect(log.records).toEqual([]);
  });

  it('refuses a timeout that is neither a deadline nor a Timedelta', async () => {
    await expect(
      ioloop.runSync(() => gen.withTimeout({ seconds: 1 } as never, later(1, 1))),
    ).rejects.toThrow(/expected a timeout as a deadline/);
  });
});

describe('sleep', () => {
  it('waits at least that long; a cancelled sleep cancels its timer', async () => {
    const start = ioloop.time();
    await ioloop.runSync(() => gen.sleep(30));
    expect(ioloop.time() - start).toBeGreaterThanOrEqual(30);
    const waited = await ioloop.runSync(() => {
      const s = gen.sleep(gen.timedelta({ seconds: 10 }));
      s.cancel();
      return gen.sleep(1);
    });
    expect(waited).toBeUndefined(); // the 10 s timer did not keep the loop
    expect(() => gen.sleep('soon' as never)).toThrow(TypeError);
  });
});

describe('WaitIterator', () => {
  it('gives futures in the order they finish, with currentIndex and currentFuture', async () => {
    const seen = await ioloop.runSync(
      gen.coroutine(function* () {
        const futures = [later(30, 'a'), later(10, 'b'), failLater(20, new Error('c'))];
        const wait = new gen.WaitIterator(...futures);
        const out: string[] = [];
        while (!wait.done()) {
          try {
            const value = (yield wait.next()) as string;
            out.push(`${String(wait.currentIndex)}=${value}`);
          } catch (error) {
            out.push(`${String(wait.currentIndex)}!${(error as Error).message}`);
          }
          expect(futures[wait.currentIndex as number]).toBe(wait.currentFuture);
        }
        expect(wait.currentIndex).toBeNull();
        return out;
      }),
    );
    expect(seen).toEqual(['1=b', '2!c', '0=a']);
  });

  it('takes an object (currentIndex is the key), and futures done before next()', async () => {
    const seen = await ioloop.runSync(async () => {
      const done = new Future<number>(getRunningLoop());
      done.setResult(1);
      const out: string[] = [];
      const wait = new gen.WaitIterator<number>({ first: done, second: later(5, 2) });
      for await (const value of wait) out.push(`${String(wait.currentIndex)}=${value}`);
      return out;
    });
    expect(seen).toEqual(['first=1', 'second=2']);
    expect(() => new gen.WaitIterator(5 as never)).toThrow(/expected Futures/);
  });
});

describe('convertYielded and maybeFuture', () => {
  it('convert what a coroutine may yield, and refuse the rest', async () => {
    await ioloop.runSync(() => {
      const f = new Future(getRunningLoop());
      expect(gen.convertYielded(f)).toBe(f);
      expect(gen.convertYielded(null)).toBe(gen.moment);
      const all = gen.convertYielded([f]) as Future;
      expect(all).toBeInstanceOf(Future);
      expect(() => gen.convertYielded(Symbol('s'))).toThrow(gen.BadYieldError);
      expect(gen.maybeFuture(f)).toBe(f);
      expect(gen.maybeFuture(7).result()).toBe(7);
      f.cancel();
      return gen.sleep(1).then(() => {
        expect(all.exception()).toBeInstanceOf(CancelledError); // a cancelled child fails multi
      });
    });
  });

  it('a cancelled yielded Future throws CancelledError into the generator', async () => {
    const waits = gen.coroutine(function* () {
      const f = new Future(getRunningLoop());
      getRunningLoop().callLater(1, () => f.cancel());
      try {
        yield f;
      } catch (error) {
        return error instanceof CancelledError;
      }
      return false;
    });
    expect(await ioloop.runSync(() => waits())).toBe(true);
  });
});

describe('without a running loop', () => {
  it('a coroutine made outside runs on the current loop', async () => {
    const loop = new EventLoop();
    const io = new IOLoop({ loop });
    try {
      const value = await io.runSync(
        gen.coroutine(function* () {
          const slept = (yield gen.sleep(1)) as undefined;
          return slept ?? 'slept';
        }),
      );
      expect(value).toBe('slept');
    } finally {
      io.close();
    }
  });
});
