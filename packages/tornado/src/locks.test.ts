/**
 * tornado's locks on real loops: tornado's own tests (locks_test.py) in our words, then the
 * rules this layer adds — a waiter that times out never gets what it waited for, a wake-up that
 * meets a timeout or a cancellation in the same step is not lost — for every primitive, in both
 * run modes. Every `main()` also checks that no timer is left armed when it returns.
 *
 * Races are made with timers due at the same moment: the loop runs timers due together in the
 * order they were scheduled, so scheduling the wake-up before or after the wait picks who wins.
 * The loops run on virtual time (see locks/test-support.ts), so timers meant for different
 * moments never fall due together because the machine was busy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { getEventLoop, type LoopMode } from '@aio/loop';
import { Future } from '@aio/future';
import { Lock as CoroutineLock, Task, createTask, gather, sleep, wait } from '@aio/coroutine';
import * as locks from './locks';
import {
  BoundedSemaphore,
  Condition,
  Event,
  Lock,
  LockNotHeldError,
  Releaser,
  Semaphore,
  SemaphoreOverReleasedError,
  TimeoutError,
  timedelta,
  withLock,
} from './locks';
import { MODES, closeLoops, main, outcome, settle, thrown, until } from './locks/test-support';

afterEach(closeLoops);

const ms = (milliseconds: number) => timedelta({ milliseconds });

it('exports the names it promises', () => {
  expect(Object.keys(locks).sort()).toEqual([
    'BoundedSemaphore',
    'Condition',
    'Event',
    'Lock',
    'LockNotHeldError',
    'Releaser',
    'Semaphore',
    'SemaphoreOverReleasedError',
    'Timedelta',
    'TimeoutError',
    'timedelta',
    'withLock',
  ]);
});

// ─── One wake-up, one waiter: the rules every primitive keeps ──────────────────────────────────

/** A primitive seen as "wait for one wake-up": a Lock's release, a Condition's notify(1). */
interface Subject {
  /** Waits; for a lock, the result is a Releaser (the caller then holds it). */
  wait(timeout?: number | locks.Timedelta): Future;
  /** One wake-up: release() or notify(). */
  wake(): void;
  /** Someone waits in its queue (as its toString shows). */
  queued(): boolean;
}

function lockLike(primitive: Lock | Semaphore): Subject {
  return {
    wait: (timeout) => primitive.acquire(timeout),
    wake: () => primitive.release(),
    queued: () => String(primitive).includes('waiters'),
  };
}

const subjects: [string, () => Subject][] = [
  [
    'Lock',
    () => {
      const lock = new Lock();
      void lock.acquire(); // held, so that waiters wait
      return lockLike(lock);
    },
  ],
  ['Semaphore', () => lockLike(new Semaphore(0))],
  [
    'BoundedSemaphore',
    () => {
      const semaphore = new BoundedSemaphore(1);
      void semaphore.acquire();
      return lockLike(semaphore);
    },
  ],
  [
    'Condition',
    () => {
      const condition = new Condition();
      return {
        wait: (timeout) => condition.wait(timeout),
        wake: () => condition.notify(),
        queued: () => String(condition).includes('waiters'),
      };
    },
  ],
];

/** 'woken', 'timeout' (TimeoutError, or a Condition's false), 'cancelled', or an error's name. */
function how(task: Future): unknown {
  const ended = outcome(task);
  return ended === false ? 'timeout' : ended;
}

/** A task that waits on `subject` (walking it with yield*) and says how it went. */
function waiter(subject: Subject, timeout?: number | locks.Timedelta): Task<string> {
  return createTask(function* () {
    const got = yield* subject.wait(timeout);
    return got === false ? false : 'woken';
  }) as Task<string>;
}

describe.each(subjects)('%s', (_name, make) => {
  describe.each(MODES)('in %s mode', (mode: LoopMode) => {
    it('serves waiters in the order they came', async () => {
      const order = await main(function* () {
        const subject = make();
        const order: string[] = [];
        const tasks = ['a', 'b', 'c'].map((name) =>
          createTask(function* () {
            yield* subject.wait();
            order.push(name);
          }),
        );
        yield* settle();
        for (let i = 0; i < 3; i++) {
          subject.wake();
          yield* settle();
        }
        yield* gather(...tasks);
        expect(subject.queued()).toBe(false);
        return order;
      }, mode);
      expect(order).toEqual(['a', 'b', 'c']);
    });

    it('a waiter that timed out never gets a later wake-up: the next one does', async () => {
      const ends = await main(function* () {
        const subject = make();
        const a = waiter(subject, ms(10));
        const b = waiter(subject);
        yield* until(() => a.done());
        subject.wake();
        yield* until(() => b.done());
        return [how(a), how(b), subject.queued()];
      }, mode);
      expect(ends).toEqual(['timeout', 'woken', false]);
    });

    it('an absolute deadline (loop.time() milliseconds) times out too', async () => {
      const ends = await main(function* () {
        const subject = make();
        const a = waiter(subject, getEventLoop().time() + 10);
        yield* until(() => a.done());
        return how(a);
      }, mode);
      expect(ends).toBe('timeout');
    });

    it('a wake-up before the deadline wins, and cancels the timer', async () => {
      const ends = await main(function* () {
        const subject = make();
        const a = waiter(subject, ms(10_000));
        yield* settle();
        subject.wake();
        yield* until(() => a.done());
        return how(a);
      }, mode); // main() fails if the 10 s timer is left armed
      expect(ends).toBe('woken');
    });

    it('timeout and wake-up in the same step, timeout first: the wake-up goes to the next waiter', async () => {
      const ends = await main(function* () {
        const subject = make();
        const deadline = getEventLoop().time() + 20;
        const a = waiter(subject, deadline);
        const b = waiter(subject);
        yield* settle(); // a's timer is scheduled now, before the wake-up's
        getEventLoop().callAt(deadline, () => subject.wake());
        yield* until(() => a.done() && b.done());
        return [how(a), how(b)];
      }, mode);
      expect(ends).toEqual(['timeout', 'woken']);
    });

    it('timeout and wake-up in the same step, wake-up first: the waiter has it, nobody else', async () => {
      const ends = await main(function* () {
        const subject = make();
        const deadline = getEventLoop().time() + 20;
        getEventLoop().callAt(deadline, () => subject.wake());
        const a = waiter(subject, deadline);
        const b = waiter(subject, deadline + 30);
        yield* until(() => a.done() && b.done());
        return [how(a), how(b)];
      }, mode);
      expect(ends).toEqual(['woken', 'timeout']);
    });

    it.each([
      ['without', undefined],
      ['with', ms(10_000)],
    ])(
      'a waiter (%s a timeout) cancelled as it is woken passes the wake-up on (lost wake-up)',
      async (_with, timeout) => {
        const ends = await main(function* () {
          const subject = make();
          const a = waiter(subject, timeout);
          const b = waiter(subject, timeout);
          yield* settle();
          subject.wake(); // a is woken…
          a.cancel(); // …and cancelled before it resumes
          yield* until(() => b.done());
          return [how(a), how(b)];
        }, mode);
        expect(ends).toEqual(['cancelled', 'woken']);
      },
    );

    it('a waiter cancelled as it times out ends cancelled, not timed out', async () => {
      const ends = await main(function* () {
        const subject = make();
        const deadline = getEventLoop().time() + 20;
        const a = waiter(subject, deadline);
        yield* settle();
        getEventLoop().callAt(deadline, () => a.cancel()); // after a's timer, in the same step
        yield* until(() => a.done());
        const b = waiter(subject);
        yield* settle();
        subject.wake();
        yield* until(() => b.done());
        return [how(a), how(b)];
      }, mode);
      expect(ends).toEqual(['cancelled', 'woken']);
    });

    it('awaited in an async function: a timeout, then a wake-up kept even if its task is cancelled', async () => {
      const ends = await main(async () => {
        const subject = make();
        const timedOut = await subject.wait(ms(5)).then(
          (got) => (got === false ? 'timeout' : 'woken'),
          (error: unknown) => (error instanceof TimeoutError ? 'timeout' : 'failed'),
        );
        const a = createTask(async () => {
          await subject.wait(ms(10_000));
          return 'woken';
        });
        const b = createTask(async () => {
          await subject.wait();
          return 'woken';
        });
        await sleep(5);
        subject.wake();
        a.cancel(); // an async task is only signalled: its await still gets the wake-up
        await wait([a]);
        const bBefore = b.done();
        subject.wake();
        await b;
        return [timedOut, outcome(a), bBefore, outcome(b)];
      }, mode);
      expect(ends).toEqual(['timeout', 'woken', false, 'woken']);
    });
  });
});

// ─── Condition ─────────────────────────────────────────────────────────────────────────────────

describe('Condition', () => {
  /** Records, in the order they resolve, the keys of waits (or 'timeout' for a false one). */
  function recorder(history: unknown[]) {
    return (future: Future<boolean>, key: unknown) =>
      future.addDoneCallback((done) => history.push(done.result() ? key : 'timeout'));
  }

  it('prints its waiters', async () => {
    await main(function* () {
      const condition = new Condition();
      expect(String(condition)).toBe('<Condition>');
      const waits = [condition.wait(), condition.wait()];
      expect(String(condition)).toBe('<Condition waiters=2>');
      condition.notifyAll();
      yield* gather(...waits);
    });
  });

  it('a notify from a timer wakes a waiter with true', async () => {
    const got = await main(function* () {
      const condition = new Condition();
      getEventLoop().callLater(10, () => condition.notify());
      return yield* condition.wait();
    });
    expect(got).toBe(true);
  });

  it('notify(n) wakes n waiters, first come first; notifyAll() the rest', async () => {
    const history = await main(function* () {
      const condition = new Condition();
      const history: unknown[] = [];
      const record = recorder(history);
      for (let i = 0; i < 6; i++) record(condition.wait(), i);
      condition.notify(3);
      yield* settle();
      history.push('notify(3)');
      condition.notify(1);
      yield* settle();
      history.push('notify(1)');
      condition.notifyAll();
      yield* settle();
      return history;
    });
    expect(history).toEqual([0, 1, 2, 'notify(3)', 3, 'notify(1)', 4, 5]);
  });

  it('a notify with nobody waiting is not remembered', async () => {
    const waited = await main(function* () {
      const condition = new Condition();
      condition.notify(5);
      const wait = condition.wait();
      yield* settle();
      const before = wait.done();
      condition.notify();
      yield* wait;
      return before;
    });
    expect(waited).toBe(false);
  });

  it('resolves to false once the timeout passed; a late notify does not reach it', async () => {
    const ends = await main(function* () {
      const condition = new Condition();
      const wait = condition.wait(ms(10));
      getEventLoop().callLater(20, () => condition.notify()); // too late
      yield* sleep(30);
      return [yield* wait, String(condition)];
    });
    expect(ends).toEqual([false, '<Condition>']);
  });

  it('a notify before the timeout resolves the wait to true', async () => {
    const got = await main(function* () {
      const condition = new Condition();
      getEventLoop().callLater(10, () => condition.notify());
      const wait = condition.wait(ms(20));
      yield* sleep(30);
      return yield* wait;
    });
    expect(got).toBe(true);
  });

  it('timed-out waiters do not count against notify(n) or notifyAll()', async () => {
    const history = await main(function* () {
      const condition = new Condition();
      const history: unknown[] = [];
      const record = recorder(history);
      record(condition.wait(), 0);
      record(condition.wait(ms(10)), 1);
      record(condition.wait(), 2);
      record(condition.wait(), 3);
      record(condition.wait(), 4);
      yield* until(() => history.length === 1);
      condition.notify(2);
      yield* settle();
      history.push('notify(2)');
      condition.notifyAll();
      yield* settle();
      return history;
    });
    expect(history).toEqual(['timeout', 0, 2, 'notify(2)', 3, 4]);
  });

  it('a notify from a waiter’s done-callback reaches the next waiter', async () => {
    const done = await main(function* () {
      const condition = new Condition();
      const waits = [condition.wait(), condition.wait(), condition.wait()];
      waits[1]!.addDoneCallback(() => condition.notify());
      condition.notify(2);
      yield* settle();
      return waits.map((wait) => wait.done());
    });
    expect(done).toEqual([true, true, true]);
  });

  it('timed-out waiters leave at once (no sweep needed), and the live one is still served', async () => {
    const states = await main(function* () {
      const condition = new Condition();
      const expiring = Array.from({ length: 101 }, () => condition.wait(ms(10)));
      const live = condition.wait();
      const before = String(condition);
      yield* until(() => expiring.every((wait) => wait.done()));
      const after = String(condition);
      condition.notify();
      yield* settle();
      return [before, after, live.done(), expiring.every((wait) => !wait.result())];
    });
    expect(states).toEqual(['<Condition waiters=102>', '<Condition waiters=1>', true, true]);
  });

  it('a waiter cancelled as it is notified, with nobody after it, drops the notification', async () => {
    const later = await main(function* () {
      const condition = new Condition();
      const a = waiter(
        {
          wait: (t) => condition.wait(t),
          wake: () => condition.notify(),
          queued: () => false,
        },
        undefined,
      );
      yield* settle();
      condition.notify();
      a.cancel();
      yield* until(() => a.done());
      const wait = condition.wait();
      yield* settle();
      const early = wait.done();
      condition.notify();
      yield* settle();
      return [outcome(a), early, wait.done()];
    });
    expect(later).toEqual(['cancelled', false, true]);
  });

  it('rejects a bad n or a bad timeout with a clear error', async () => {
    await main(function* () {
      yield* settle(1);
      const condition = new Condition();
      expect(() => condition.notify(-1)).toThrow(
        new RangeError(
          'Condition.notify() expected a whole number of waiters to wake, 0 or more, got -1',
        ),
      );
      expect(() => condition.notify(1.5)).toThrow(RangeError);
      expect(() => condition.wait('soon' as never)).toThrow(
        new TypeError(
          'Condition.wait() expected a timeout as a deadline (loop.time() milliseconds) or a Timedelta, got soon',
        ),
      );
      expect(String(condition)).toBe('<Condition>'); // nothing was queued
    });
  });
});

// ─── Event ─────────────────────────────────────────────────────────────────────────────────────

describe('Event', () => {
  it('prints set or clear', () => {
    const event = new Event();
    expect(String(event)).toBe('<Event clear>');
    event.set();
    expect(String(event)).toBe('<Event set>');
  });

  it('set() wakes the waiters; wait() on a set event is done at once; clear() makes it wait', async () => {
    const states = await main(function* () {
      const event = new Event();
      const first = event.wait();
      event.set();
      const second = event.wait();
      event.clear();
      const third = event.wait();
      yield* settle();
      return [first.done(), second.done(), third.done(), event.isSet()];
    });
    expect(states).toEqual([true, true, false, false]);
  });

  it('set() twice is harmless; a wait, then clear() and set() again, wakes every waiter', async () => {
    const states = await main(function* () {
      const event = new Event();
      event.set();
      event.set();
      const setTwice = event.isSet();
      event.clear();
      const before = event.wait();
      event.clear();
      const after = event.wait();
      event.set();
      yield* settle();
      return [setTwice, before.done(), after.done()];
    });
    expect(states).toEqual([true, true, true]);
  });

  it.each(MODES)(
    'wait(timeout) fails with TimeoutError; later waits still work (%s)',
    async (mode) => {
      const ends = await main(function* () {
        const event = new Event();
        let first: unknown;
        try {
          yield* event.wait(ms(10));
        } catch (error) {
          first = error;
        }
        getEventLoop().callLater(10, () => event.set());
        yield* event.wait(ms(1000));
        return [first instanceof TimeoutError, (first as Error).message];
      }, mode);
      expect(ends).toEqual([true, 'Event.wait() timed out']);
    },
  );

  it.each(MODES)(
    'a waiter that times out (or is cancelled) as the event is set does not keep the others waiting (%s)',
    async (mode) => {
      const ends = await main(function* () {
        const event = new Event();
        const loop = getEventLoop();
        const deadline = loop.time() + 20;
        const wait = (timeout?: number) =>
          createTask(function* () {
            yield* event.wait(timeout);
            return 'woken';
          });
        const timed = wait(deadline);
        const cancelled = wait();
        const plain = wait();
        yield* settle();
        loop.callAt(deadline, () => {
          event.set();
          cancelled.cancel();
        });
        yield* until(() => timed.done() && cancelled.done() && plain.done());
        return [outcome(timed), outcome(cancelled), outcome(plain), event.isSet()];
      }, mode);
      expect(ends).toEqual(['timeout', 'cancelled', 'woken', true]);
    },
  );

  it('works awaited in async functions, with a timeout', async () => {
    // On real time: a Node timer sets the event, and virtual time would rush to the deadline.
    const ends = await main(
      async () => {
        const event = new Event();
        const timedOut = await event.wait(ms(5)).then(
          () => 'set',
          (error: unknown) => (error instanceof TimeoutError ? 'timeout' : 'failed'),
        );
        setTimeout(() => event.set(), 5);
        // Only a guard: a Node timer due in 5 ms may take a while on a loaded machine.
        await event.wait(ms(10_000));
        return [timedOut, event.isSet()];
      },
      'hosted',
      'real',
    );
    expect(ends).toEqual(['timeout', true]);
  });
});

// ─── Semaphore and BoundedSemaphore ────────────────────────────────────────────────────────────

describe('Semaphore', () => {
  it('rejects a negative or fractional value', () => {
    expect(() => new Semaphore(-1)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(
      'Semaphore() expected a non-negative integer number of permits, got 1.5',
    );
  });

  it('prints its state and its waiters', async () => {
    await main(function* () {
      const semaphore = new Semaphore();
      expect(String(semaphore)).toBe('<Semaphore unlocked value=1>');
      void semaphore.acquire();
      expect(String(semaphore)).toBe('<Semaphore locked value=0>');
      const waiting = semaphore.acquire();
      expect(String(semaphore)).toBe('<Semaphore locked value=0 waiters=1>');
      semaphore.release();
      yield* waiting;
    });
  });

  it('hands out permits at once while there are some, then one per release()', async () => {
    const states = await main(function* () {
      const semaphore = new Semaphore();
      const f0 = semaphore.acquire();
      const f1 = semaphore.acquire();
      const f2 = semaphore.acquire();
      const states = [f0.done(), f1.done(), f2.done()];
      semaphore.release();
      states.push(f1.done(), f2.done());
      semaphore.release();
      states.push(f2.done());
      semaphore.release();
      states.push(semaphore.acquire().done());
      yield* settle();
      return states;
    });
    expect(states).toEqual([true, false, false, true, false, true, true]);
  });

  it('a timed-out acquire leaves the permit released later to the next one', async () => {
    const ends = await main(function* () {
      const semaphore = new Semaphore(2);
      yield* semaphore.acquire();
      yield* semaphore.acquire();
      const timed = semaphore.acquire(ms(10));
      getEventLoop().callLater(20, () => semaphore.release()); // too late for it
      yield* sleep(30);
      const first = semaphore.acquire(); // takes the permit released at 20 ms
      const second = semaphore.acquire();
      const states = [outcome(timed), first.done(), second.done()];
      semaphore.release();
      states.push(second.done());
      return states;
    });
    expect(ends).toEqual(['timeout', true, false, true]);
  });

  it('an acquire whose permit comes before the timeout succeeds', async () => {
    const got = await main(function* () {
      const semaphore = new Semaphore(1);
      yield* semaphore.acquire();
      getEventLoop().callLater(10, () => semaphore.release());
      const acquire = semaphore.acquire(ms(20));
      yield* sleep(30);
      return yield* acquire;
    });
    expect(got).toBeInstanceOf(Releaser);
  });

  it('release() without acquire() adds permits', async () => {
    const states = await main(function* () {
      const semaphore = new Semaphore();
      semaphore.release();
      semaphore.release();
      const states = [0, 1, 2, 3].map(() => semaphore.acquire().done());
      yield* settle();
      return states;
    });
    expect(states).toEqual([true, true, true, false]);
  });

  it('timed-out acquires leave at once, and the live one is still served', async () => {
    const states = await main(function* () {
      const semaphore = new Semaphore(0);
      const expiring = Array.from({ length: 101 }, () => semaphore.acquire(ms(10)));
      const live = semaphore.acquire();
      yield* until(() => expiring.every((acquire) => acquire.done()));
      const after = String(semaphore);
      semaphore.release();
      yield* settle();
      return [after, live.done(), expiring.every((acquire) => outcome(acquire) === 'timeout')];
    });
    expect(states).toEqual(['<Semaphore locked value=0 waiters=1>', true, true]);
  });

  describe('scoped: `using` a Releaser (tornado’s `with (yield sem.acquire()):`)', () => {
    it('releases at the end of the block', async () => {
      const free = await main(function* () {
        const semaphore = new Semaphore();
        {
          using held = yield* semaphore.acquire();
          expect(semaphore.locked()).toBe(true);
          expect(held.released).toBe(false);
        }
        return semaphore.acquire().done();
      });
      expect(free).toBe(true);
    });

    it('releases when the block throws', async () => {
      const free = await main(function* () {
        const semaphore = new Semaphore();
        try {
          using _held = yield* semaphore.acquire();
          throw new RangeError('in the block');
        } catch (error) {
          expect(error).toBeInstanceOf(RangeError);
        }
        return semaphore.acquire().done();
      });
      expect(free).toBe(true);
    });

    it('with a timeout: released after the block; timed out: nothing was taken or released', async () => {
      const states = await main(function* () {
        const semaphore = new Semaphore();
        {
          using _held = yield* semaphore.acquire(ms(10));
        }
        const freeAfter = !semaphore.locked();
        const empty = new Semaphore(0);
        let error: unknown;
        try {
          using _held = yield* empty.acquire(ms(10));
        } catch (caught) {
          error = caught;
        }
        return [freeAfter, error instanceof TimeoutError, empty.acquire().done()];
      });
      expect(states).toEqual([true, true, false]);
    });

    it('a Releaser releases once: an explicit release() then the end of the block', async () => {
      const states = await main(function* () {
        const lock = new Lock();
        {
          using held = yield* lock.acquire();
          held.release();
          void lock.acquire(); // someone else takes it
        } // must not free it
        return lock.locked();
      });
      expect(states).toBe(true);
    });

    it('contended holders take turns, in order', async () => {
      const history = await main(function* () {
        const semaphore = new Semaphore();
        const history: string[] = [];
        const holder = (index: number) =>
          createTask(function* () {
            using _held = yield* semaphore.acquire();
            history.push(`acquired ${index}`);
            yield* sleep(5);
            history.push(`release ${index}`);
          });
        yield* gather(holder(0), holder(1));
        return history;
      });
      expect(history).toEqual(['acquired 0', 'release 0', 'acquired 1', 'release 1']);
    });
  });
});

describe('BoundedSemaphore', () => {
  it('throws SemaphoreOverReleasedError when released more than it was acquired', async () => {
    const states = await main(function* () {
      const semaphore = new BoundedSemaphore();
      const error = thrown(() => semaphore.release());
      void semaphore.acquire();
      const blocked = semaphore.acquire();
      const states = [blocked.done()];
      semaphore.release();
      states.push(blocked.done());
      semaphore.release();
      yield* settle();
      return [error, states, thrown(() => semaphore.release())];
    });
    expect(states[0]).toBeInstanceOf(SemaphoreOverReleasedError);
    expect(states[0]).toMatchObject({
      code: 'ERR_AIO_SEMAPHORE_OVER_RELEASED',
      message:
        'BoundedSemaphore.release() called with all 1 permits free: released more times than acquired',
    });
    expect(states[1]).toEqual([false, true]);
    expect(states[2]).toBeInstanceOf(SemaphoreOverReleasedError);
  });

  it('is a Semaphore, and prints its bound', () => {
    const semaphore = new BoundedSemaphore(2);
    expect(semaphore).toBeInstanceOf(Semaphore);
    expect(String(semaphore)).toBe('<BoundedSemaphore unlocked value=2 bound=2>');
  });
});

// ─── Lock ──────────────────────────────────────────────────────────────────────────────────────

describe('Lock', () => {
  it('acquire() is done at once when free; release() hands it to the waiter', async () => {
    const states = await main(function* () {
      const lock = new Lock();
      const first = lock.acquire();
      const second = lock.acquire();
      const states = [first.done(), second.done(), String(lock)];
      lock.release();
      states.push(second.done(), lock.locked());
      yield* second;
      return states;
    });
    expect(states).toEqual([true, false, '<Lock locked waiters=1>', true, true]);
  });

  it('serves waiters first in, first out (generator tasks, withLock)', async () => {
    const history = await main(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const history: number[] = [];
      const tasks = [0, 1, 2, 3, 4].map((index) =>
        createTask(function* () {
          yield* withLock(lock, function* () {
            history.push(index);
          });
        }),
      );
      yield* settle();
      expect(tasks.some((task) => task.done())).toBe(false);
      lock.release();
      yield* gather(...tasks);
      return history;
    });
    expect(history).toEqual([0, 1, 2, 3, 4]);
  });

  it('serves waiters first in, first out (async functions, awaited withLock)', async () => {
    const history = await main(async () => {
      const lock = new Lock();
      await lock.acquire();
      const history: number[] = [];
      const tasks = [0, 1, 2, 3, 4].map((index) =>
        createTask(async () =>
          withLock(lock, async () => {
            history.push(index);
            await sleep(1);
          }),
        ),
      );
      lock.release();
      await gather(...tasks);
      return history;
    });
    expect(history).toEqual([0, 1, 2, 3, 4]);
  });

  it('a tornado-style bare `yield lock.acquire()` gets a Releaser', async () => {
    const states = await main(function* () {
      const lock = new Lock();
      yield lock.acquire();
      const waiting = createTask(function* () {
        const held = (yield lock.acquire()) as Releaser;
        held.release();
        return 'got it';
      });
      yield* settle();
      lock.release();
      return [yield* waiting, lock.locked()];
    });
    expect(states).toEqual(['got it', false]);
  });

  it('acquire(timeout) fails with TimeoutError and leaves the lock with its holder', async () => {
    const states = await main(function* () {
      const lock = new Lock();
      void lock.acquire();
      let error: unknown;
      try {
        yield* lock.acquire(ms(10));
      } catch (caught) {
        error = caught;
      }
      const stillLocked = !lock.acquire().done();
      return [error instanceof TimeoutError, (error as Error).message, stillLocked];
    });
    expect(states).toEqual([true, 'Lock.acquire() timed out', true]);
  });

  it('release() of an unlocked lock throws LockNotHeldError', async () => {
    await main(function* () {
      const lock = new Lock();
      expect(() => lock.release()).toThrow(LockNotHeldError);
      yield* lock.acquire();
      lock.release();
      expect(thrown(() => lock.release())).toMatchObject({
        name: 'LockNotHeldError',
        code: 'ERR_AIO_LOCK_NOT_HELD',
        message: 'Lock.release() expected a locked Lock, got an unlocked one',
      });
    });
  });

  it('rejects a timeout that is not a deadline or a Timedelta, and queues nothing', async () => {
    await main(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      expect(() => lock.acquire({ seconds: 1 } as never)).toThrow(
        'Lock.acquire() expected a timeout as a deadline (loop.time() milliseconds) or a Timedelta, got {"seconds":1}',
      );
      expect(() => lock.acquire(Number.NaN)).toThrow(TypeError);
      expect(String(lock)).toBe('<Lock locked>');
      lock.release();
    });
  });

  it('its waiting futures are settled only by the lock', async () => {
    await main(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const waiting = lock.acquire(ms(1000));
      expect(() => waiting.setResult(new Releaser(lock))).toThrow(
        "Lock.acquire()'s future is settled by its primitive, not by setResult()",
      );
      waiting.cancel(); // cancelling leaves the line, and stops the timer
      expect(String(lock)).toBe('<Lock locked>');
      lock.release();
    });
  });

  it('is not the coroutine layer’s Lock, but the coroutine layer’s withLock takes it', async () => {
    const held = await main(function* () {
      const lock = new Lock();
      expect(lock).not.toBeInstanceOf(CoroutineLock);
      return yield* withLock(lock, function* () {
        return lock.locked();
      });
    });
    expect(held).toBe(true);
  });
});

// ─── withLock ──────────────────────────────────────────────────────────────────────────────────

describe('withLock with a timeout', () => {
  it.each(MODES)('runs the body holding the lock, and releases it (%s)', async (mode) => {
    const states = await main(function* () {
      const lock = new Lock();
      const inside = yield* withLock(
        lock,
        function* () {
          return lock.locked();
        },
        ms(100),
      );
      return [inside, lock.locked()];
    }, mode);
    expect(states).toEqual([true, false]);
  });

  it('times out without running the body or releasing anything', async () => {
    const states = await main(function* () {
      const semaphore = new BoundedSemaphore(1);
      yield* semaphore.acquire();
      let ran = false;
      let error: unknown;
      try {
        yield* withLock(
          semaphore,
          function* () {
            ran = true;
          },
          ms(10),
        );
      } catch (caught) {
        error = caught;
      }
      semaphore.release(); // the holder's release: would throw if withLock had released too
      return [ran, error instanceof TimeoutError, semaphore.locked()];
    });
    expect(states).toEqual([false, true, false]);
  });

  it('awaited with an async body that throws, still releases', async () => {
    const states = await main(async () => {
      const lock = new Lock();
      const error = await withLock(
        lock,
        async () => {
          await sleep(1);
          throw new RangeError('body');
        },
        ms(100),
      ).then(
        () => null,
        (caught: unknown) => caught,
      );
      return [error instanceof RangeError, lock.locked()];
    });
    expect(states).toEqual([true, false]);
  });

  it('rejects a bad primitive, body or timeout', () => {
    expect(() => withLock({} as never, function* () {})).toThrow(TypeError);
    expect(() => withLock(new Lock(), 'body' as never)).toThrow(TypeError);
    expect(() => withLock(new Lock(), function* () {}, 'soon' as never)).toThrow(
      "withLock() expected a timeout as a deadline (loop.time() milliseconds) or a Timedelta, got 'soon'",
    );
  });
});
