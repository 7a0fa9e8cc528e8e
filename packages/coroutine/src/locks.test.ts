/**
 * Lock, Event, Condition, Semaphore, BoundedSemaphore, Barrier and withLock on a real loop.
 *
 * Ordering is made with loop iterations (`sleep(0)`), never with the clock. The lost wake-up
 * tests wake a waiter and cancel its task in the same step, so the task is cancelled after its
 * future was resolved and before it resumed: the one moment a wake-up can be lost.
 */
import { EventLoop } from '@aio/loop';
import { CancelledError, Future, InvalidStateError, TimeoutError } from '@aio/future';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  Condition,
  Event,
  Lock,
  LockNotHeldError,
  Semaphore,
  SemaphoreOverReleasedError,
  withLock,
  type Acquirable,
} from './locks';
import { sleep } from './sleep';
import { Task, createTask } from './task';
import { timeout } from './timeout';
import { wait } from './wait';

let loop: EventLoop | undefined;
afterEach(() => {
  if (loop && !loop.isClosed()) loop.close();
  loop = undefined;
});

/** Runs `body` as the main task of a fresh loop. */
async function main<T>(body: () => Generator<unknown, T, unknown>): Promise<T> {
  loop = new EventLoop();
  return loop.runUntilComplete(new Task<T>(body(), { loop }));
}

/** Runs an async function as the main task of a fresh loop. */
async function mainAsync<T>(body: () => Promise<T>): Promise<T> {
  loop = new EventLoop();
  return loop.runUntilComplete(createTask(body, { loop }));
}

/** Lets every ready task run until it waits again: a few loop iterations, no clock. */
function* settle(iterations = 3): Generator<unknown, void, unknown> {
  for (let i = 0; i < iterations; i++) yield* sleep(0);
}

/** How a finished task ended: its result, 'cancelled', or its error's name. */
function outcome(task: Future): unknown {
  if (task.cancelled()) return 'cancelled';
  const error = task.exception();
  return error === undefined ? task.result() : (error as Error).name;
}

/**
 * Lets the tasks run for a while, then reports how each ended. A task still waiting is reported
 * as 'pending' (and cancelled, so that a lost wake-up fails the test instead of hanging it).
 */
function* outcomes(tasks: Task[], iterations = 10): Generator<unknown, unknown[], unknown> {
  yield* settle(iterations);
  const stuck = tasks.filter((task) => !task.done());
  for (const task of stuck) task.cancel();
  if (stuck.length > 0) yield* wait(stuck);
  return tasks.map((task) => (stuck.includes(task) ? 'pending' : outcome(task)));
}

type Primitive = Acquirable & { locked(): boolean };

const acquirables: [string, () => Primitive][] = [
  ['Lock', () => new Lock()],
  ['Semaphore', () => new Semaphore()],
  ['BoundedSemaphore', () => new BoundedSemaphore()],
  ['Condition', () => new Condition()],
];

describe.each(acquirables)('%s: acquire() and release()', (_name, make) => {
  /** A task that takes the primitive, logs, gives up one iteration, and releases it. */
  function taker(primitive: Primitive, name: string, log: string[]): Task {
    return createTask(function* () {
      yield* primitive.acquire();
      log.push(name);
      yield* sleep(0);
      primitive.release();
      return name;
    });
  }

  it('a free one is taken at once, without waiting an iteration', async () => {
    const states = await main(function* () {
      const primitive = make();
      const future = primitive.acquire();
      const doneAtOnce = future.done();
      yield* future;
      const held = primitive.locked();
      primitive.release();
      return [doneAtOnce, held, primitive.locked()];
    });
    expect(states).toEqual([true, true, false]);
  });

  it('serves waiters strictly in arrival order', async () => {
    const log = await main(function* () {
      const primitive = make();
      const log: string[] = [];
      yield* primitive.acquire();
      const tasks = ['a', 'b', 'c', 'd', 'e'].map((name) => taker(primitive, name, log));
      yield* settle();
      expect(log).toEqual([]);
      primitive.release();
      expect(yield* outcomes(tasks)).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(primitive.locked()).toBe(false);
      return log;
    });
    expect(log).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('a newcomer does not take it from a queued waiter', async () => {
    const log = await main(function* () {
      const primitive = make();
      const log: string[] = [];
      yield* primitive.acquire();
      const b = taker(primitive, 'b', log);
      yield* settle();
      primitive.release();
      const again = primitive.acquire(); // in the same step: the queued waiter comes first
      expect(again.done()).toBe(false);
      expect(primitive.locked()).toBe(true);
      yield* again;
      log.push('main again');
      primitive.release();
      yield* outcomes([b]);
      return log;
    });
    expect(log).toEqual(['b', 'main again']);
  });

  it('cancelling a waiter takes it out of the queue', async () => {
    const result = await main(function* () {
      const primitive = make();
      const log: string[] = [];
      yield* primitive.acquire();
      let aWaiter: Future | undefined;
      const a = createTask(function* () {
        aWaiter = primitive.acquire();
        yield* aWaiter;
        log.push('a');
        primitive.release();
      });
      const b = taker(primitive, 'b', log);
      yield* settle();
      a.cancel();
      yield* settle();
      primitive.release();
      const ends = yield* outcomes([a, b]);
      return { ends, log, waiterCancelled: aWaiter!.cancelled(), locked: primitive.locked() };
    });
    expect(result).toEqual({
      ends: ['cancelled', 'b'],
      log: ['b'],
      waiterCancelled: true,
      locked: false,
    });
  });

  it('a waiter cancelled after it was woken, before it resumed, passes the wake-up on (lost wake-up)', async () => {
    const result = await main(function* () {
      const primitive = make();
      const log: string[] = [];
      yield* primitive.acquire();
      let aWaiter: Future | undefined;
      const a = createTask(function* () {
        aWaiter = primitive.acquire();
        yield* aWaiter;
        log.push('a');
        primitive.release();
      });
      const b = taker(primitive, 'b', log);
      const c = taker(primitive, 'c', log);
      yield* settle();
      primitive.release(); // hands it to a: a's future is resolved …
      expect(aWaiter!.done() && !aWaiter!.cancelled()).toBe(true);
      expect(a.done()).toBe(false); // … but a has not resumed yet,
      a.cancel(); // and is cancelled right there.
      const ends = yield* outcomes([a, b, c]);
      return { ends, log, locked: primitive.locked() };
    });
    expect(result).toEqual({ ends: ['cancelled', 'b', 'c'], log: ['b', 'c'], locked: false });
  });

  it('works awaited in async functions', async () => {
    const log = await mainAsync(async () => {
      const primitive = make();
      const log: string[] = [];
      const worker = (name: string): Task =>
        createTask(async () => {
          await primitive.acquire();
          try {
            log.push(`${name} in`);
            await sleep(0);
            await sleep(0);
            log.push(`${name} out`);
          } finally {
            primitive.release();
          }
        });
      await wait([worker('a'), worker('b'), worker('c')]);
      expect(primitive.locked()).toBe(false);
      return log;
    });
    expect(log).toEqual(['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
  });

  it('withLock: a task cancelled as it is handed the primitive passes it on', async () => {
    const result = await main(function* () {
      const primitive = make();
      const log: string[] = [];
      yield* primitive.acquire();
      const holder = (name: string): Task =>
        createTask(function* () {
          yield* withLock(primitive, function* () {
            log.push(name);
            yield* sleep(0);
          });
        });
      const a = holder('a');
      const b = holder('b');
      yield* settle();
      primitive.release();
      a.cancel();
      const ends = yield* outcomes([a, b]);
      return { ends, log, locked: primitive.locked() };
    });
    expect(result).toEqual({ ends: ['cancelled', undefined], log: ['b'], locked: false });
  });
});

describe('Lock', () => {
  it('release() of an unlocked lock throws LockNotHeldError', () => {
    const lock = new Lock();
    expect(() => lock.release()).toThrow(LockNotHeldError);
    try {
      lock.release();
    } catch (error) {
      expect(error).toMatchObject({
        name: 'LockNotHeldError',
        code: 'ERR_AIO_LOCK_NOT_HELD',
        message: 'Lock.release() expected a locked Lock, got an unlocked one',
      });
    }
  });

  it('prints its state and its waiters, and its waiters say what they wait for', async () => {
    const printed = await main(function* () {
      const lock = new Lock();
      const unlocked = String(lock);
      yield* lock.acquire();
      const waiter = lock.acquire();
      const printed = [
        unlocked,
        String(lock),
        waiter.toString(),
        Object.prototype.toString.call(lock),
      ];
      waiter.cancel();
      lock.release();
      return printed;
    });
    expect(printed).toEqual([
      '<Lock unlocked>',
      '<Lock locked waiters=1>',
      '<Waiter pending for=<Lock locked waiters=1>>',
      '[object Lock]',
    ]);
  });

  it('its waiters cannot be settled from outside', async () => {
    await main(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const waiter = lock.acquire();
      expect(() => waiter.setResult(true)).toThrow(InvalidStateError);
      expect(() => waiter.setException(new Error('no'))).toThrow(InvalidStateError);
      waiter.cancel();
      lock.release();
    });
  });

  it('a wait bounded with timeout() ends in TimeoutError and leaves the queue', async () => {
    const result = await main(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      let error: unknown;
      try {
        yield* timeout(5, function* () {
          yield* lock.acquire();
        });
      } catch (e) {
        error = e;
      }
      const printed = String(lock);
      lock.release();
      return { error, printed, locked: lock.locked() };
    });
    expect(result.error).toBeInstanceOf(TimeoutError);
    expect(result.printed).toBe('<Lock locked>');
    expect(result.locked).toBe(false);
  });

  it('a coroutine closed while it waits leaves the queue', async () => {
    const locked = await main(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const coro = (function* () {
        yield* lock.acquire();
      })();
      const waiter = coro.next().value as Future;
      coro.return(undefined);
      expect(waiter.cancelled()).toBe(true);
      lock.release(); // nobody is queued: the lock becomes free
      return lock.locked();
    });
    expect(locked).toBe(false);
  });
});

describe('Event', () => {
  it('set() wakes every waiter; wait() on a set event is done at once; clear() makes it wait again', async () => {
    const result = await main(function* () {
      const event = new Event();
      const log: string[] = [];
      const waiter = (name: string): Task =>
        createTask(function* () {
          yield* event.wait();
          log.push(name);
        });
      const tasks = [waiter('a'), waiter('b'), waiter('c')];
      yield* settle();
      expect(log).toEqual([]);
      event.set();
      event.set(); // a second set() changes nothing
      yield* outcomes(tasks);
      const setAtOnce = event.wait().done();
      event.clear();
      const clearedWaits = event.wait();
      const waitsAfterClear = !clearedWaits.done();
      clearedWaits.cancel();
      return { log, setAtOnce, waitsAfterClear, isSet: event.isSet() };
    });
    expect(result).toEqual({
      log: ['a', 'b', 'c'],
      setAtOnce: true,
      waitsAfterClear: true,
      isSet: false,
    });
  });

  it('a cancelled waiter leaves the queue; the others still wake', async () => {
    const result = await main(function* () {
      const event = new Event();
      const a = createTask(function* () {
        return yield* event.wait();
      });
      const b = createTask(function* () {
        return yield* event.wait();
      });
      yield* settle();
      const before = String(event);
      a.cancel();
      yield* settle();
      const after = String(event);
      event.set();
      return [before, after, ...(yield* outcomes([a, b])), String(event)];
    });
    expect(result).toEqual([
      '<Event unset waiters=2>',
      '<Event unset waiters=1>',
      'cancelled',
      true,
      '<Event set>',
    ]);
  });

  it('a waiter cancelled as the event is set does not keep the others waiting (lost wake-up)', async () => {
    const result = await main(function* () {
      const event = new Event();
      let aWaiter: Future | undefined;
      const a = createTask(function* () {
        aWaiter = event.wait();
        return yield* aWaiter;
      });
      const b = createTask(function* () {
        return yield* event.wait();
      });
      yield* settle();
      event.set();
      expect(aWaiter!.done() && !a.done()).toBe(true);
      a.cancel();
      return [...(yield* outcomes([a, b])), event.isSet()];
    });
    expect(result).toEqual(['cancelled', true, true]);
  });

  it('works awaited in async functions', async () => {
    const log = await mainAsync(async () => {
      const event = new Event();
      const log: string[] = [];
      const waiter = createTask(async () => {
        log.push('waiting');
        await event.wait();
        log.push('woken');
      });
      await sleep(0);
      log.push('set');
      event.set();
      await waiter;
      return log;
    });
    expect(log).toEqual(['waiting', 'set', 'woken']);
  });
});

describe('Condition', () => {
  /** A task that waits on `cond` once, holding its lock around the wait. */
  function waiter(cond: Condition, name: string, log: string[]): Task {
    return createTask(function* () {
      yield* cond.acquire();
      try {
        yield* cond.wait();
        log.push(`${name} notified, locked=${cond.locked()}`);
        return name;
      } catch (error) {
        log.push(`${name} ${(error as Error).name}, locked=${cond.locked()}`);
        throw error;
      } finally {
        cond.release();
      }
    });
  }

  it('wait() releases the lock, and takes it back after notify()', async () => {
    const result = await main(function* () {
      const cond = new Condition();
      const log: string[] = [];
      const a = waiter(cond, 'a', log);
      yield* settle();
      const freeWhileWaiting = !cond.locked();
      yield* cond.acquire();
      cond.notify();
      yield* settle();
      const notYet = log.length === 0; // a is woken, but the lock is still ours
      cond.release();
      return { freeWhileWaiting, notYet, ends: yield* outcomes([a]), log };
    });
    expect(result).toEqual({
      freeWhileWaiting: true,
      notYet: true,
      ends: ['a'],
      log: ['a notified, locked=true'],
    });
  });

  it('notify(n) wakes n waiters in arrival order; notifyAll() the rest', async () => {
    const log = await main(function* () {
      const cond = new Condition();
      const log: string[] = [];
      const tasks = ['a', 'b', 'c', 'd'].map((name) => waiter(cond, name, log));
      yield* settle();
      yield* cond.acquire();
      cond.notify(2);
      cond.release();
      yield* settle(6);
      log.push('-');
      yield* cond.acquire();
      cond.notifyAll();
      cond.release();
      yield* outcomes(tasks);
      return log;
    });
    expect(log).toEqual([
      'a notified, locked=true',
      'b notified, locked=true',
      '-',
      'c notified, locked=true',
      'd notified, locked=true',
    ]);
  });

  it('waitFor() checks its predicate with the lock held, after every wake-up', async () => {
    const result = await main(function* () {
      const cond = new Condition();
      const items: number[] = [];
      let checks = 0;
      const consumer = createTask(function* () {
        return yield* withLock(cond, function* () {
          const value = yield* cond.waitFor(() => {
            checks++;
            return items.length >= 2 && items.slice();
          });
          items.length = 0;
          return value;
        });
      });
      for (const item of [1, 2]) {
        yield* settle();
        yield* withLock(cond, function* () {
          items.push(item);
          cond.notify();
        });
      }
      const [value] = yield* outcomes([consumer]);
      return { value, checks };
    });
    expect(result).toEqual({ value: [1, 2], checks: 3 });
  });

  it('cancelled while it waits, wait() takes the lock back before the cancellation goes on', async () => {
    const result = await main(function* () {
      const cond = new Condition();
      const log: string[] = [];
      const a = waiter(cond, 'a', log);
      yield* settle();
      yield* cond.acquire();
      a.cancel();
      yield* settle();
      const whileWeHoldIt = [...log]; // a cannot leave wait() while we hold the lock
      cond.release();
      const ends = yield* outcomes([a]);
      return { whileWeHoldIt, ends, log, locked: cond.locked(), printed: String(cond) };
    });
    expect(result).toEqual({
      whileWeHoldIt: [],
      ends: ['cancelled'],
      log: ['a CancelledError, locked=true'],
      locked: false,
      printed: '<Condition unlocked>',
    });
  });

  it('a waiter cancelled as it is notified passes the notification on (lost wake-up)', async () => {
    const result = await main(function* () {
      const cond = new Condition();
      const log: string[] = [];
      const a = waiter(cond, 'a', log);
      const b = waiter(cond, 'b', log);
      yield* settle();
      yield* cond.acquire();
      cond.notify(1); // wakes a …
      a.cancel(); // … which is cancelled before it resumes
      cond.release();
      const ends = yield* outcomes([a, b]);
      return { ends, log };
    });
    expect(result).toEqual({
      ends: ['cancelled', 'b'],
      log: ['a CancelledError, locked=true', 'b notified, locked=true'],
    });
  });

  it('a waiter cancelled while it takes the lock back passes the notification on', async () => {
    const result = await main(function* () {
      const cond = new Condition();
      const log: string[] = [];
      const a = waiter(cond, 'a', log);
      const b = waiter(cond, 'b', log);
      yield* settle();
      yield* cond.acquire();
      cond.notify(1);
      yield* settle(); // a is notified and now waits for the lock, which we hold
      a.cancel();
      yield* settle();
      cond.release();
      const ends = yield* outcomes([a, b]);
      return { ends, log };
    });
    expect(result).toEqual({
      ends: ['cancelled', 'b'],
      log: ['a CancelledError, locked=true', 'b notified, locked=true'],
    });
  });

  it('uses the lock it is given', async () => {
    const states = await main(function* () {
      const lock = new Lock();
      const cond = new Condition(lock);
      yield* lock.acquire();
      const viaCondition = cond.locked();
      cond.release();
      return [viaCondition, lock.locked()];
    });
    expect(states).toEqual([true, false]);
  });

  it('wait(), waitFor(), notify() and notifyAll() without the lock throw LockNotHeldError', () => {
    const cond = new Condition();
    expect(() => cond.wait()).toThrow(
      new LockNotHeldError('Condition.wait() must be called with the lock held'),
    );
    expect(() => cond.waitFor(() => true)).toThrow(LockNotHeldError);
    expect(() => cond.notify()).toThrow(
      new LockNotHeldError('Condition.notify() must be called with the lock held'),
    );
    expect(() => cond.notifyAll()).toThrow(LockNotHeldError);
    expect(() => cond.release()).toThrow(LockNotHeldError);
    expect(() => cond.waitFor(42 as never)).toThrow(TypeError);
  });

  it('works awaited in async functions', async () => {
    const log = await mainAsync(async () => {
      const cond = new Condition();
      const log: string[] = [];
      let ready = false;
      const consumer = createTask(async () => {
        await cond.acquire();
        try {
          log.push('waiting');
          await cond.waitFor(() => ready);
          log.push(`ready, locked=${cond.locked()}`);
        } finally {
          cond.release();
        }
      });
      await sleep(0);
      await withLock(cond, async () => {
        ready = true;
        cond.notifyAll();
      });
      await consumer;
      return log;
    });
    expect(log).toEqual(['waiting', 'ready, locked=true']);
  });
});

describe('Semaphore', () => {
  it('lets `value` holders in at once, and queues the rest', async () => {
    const result = await main(function* () {
      const sem = new Semaphore(2);
      const first = [sem.acquire().done(), sem.acquire().done()];
      const lockedNow = sem.locked();
      const third = sem.acquire();
      const printed = String(sem);
      sem.release();
      yield* third;
      sem.release();
      sem.release();
      return { first, lockedNow, thirdWaited: printed, after: String(sem) };
    });
    expect(result).toEqual({
      first: [true, true],
      lockedNow: true,
      thirdWaited: '<Semaphore locked value=0 waiters=1>',
      after: '<Semaphore unlocked value=2>',
    });
  });

  it('never has more holders than permits', async () => {
    const peak = await main(function* () {
      const sem = new Semaphore(3);
      let inside = 0;
      let peak = 0;
      const tasks = Array.from({ length: 10 }, (_, i) =>
        createTask(function* () {
          yield* withLock(sem, function* () {
            inside++;
            peak = Math.max(peak, inside);
            for (let k = 0; k < i % 3; k++) yield* sleep(0);
            inside--;
          });
        }),
      );
      yield* wait(tasks);
      expect(String(sem)).toBe('<Semaphore unlocked value=3>');
      return peak;
    });
    expect(peak).toBe(3);
  });

  it('may be released beyond its initial value', async () => {
    const printed = await main(function* () {
      const sem = new Semaphore(0);
      const waiter = sem.acquire();
      sem.release();
      yield* waiter;
      sem.release();
      sem.release();
      return String(sem);
    });
    expect(printed).toBe('<Semaphore unlocked value=2>');
  });

  it('with two permits, a holder cancelled as it is woken passes its permit on (lost wake-up)', async () => {
    const result = await main(function* () {
      const sem = new Semaphore(2);
      yield* sem.acquire();
      yield* sem.acquire();
      let aWaiter: Future | undefined;
      const a = createTask(function* () {
        aWaiter = sem.acquire();
        yield* aWaiter;
        sem.release();
        return 'a';
      });
      const b = createTask(function* () {
        yield* sem.acquire();
        return 'b'; // keeps its permit
      });
      yield* settle();
      sem.release();
      expect(aWaiter!.done() && !a.done()).toBe(true);
      a.cancel();
      const ends = yield* outcomes([a, b]);
      return { ends, printed: String(sem) };
    });
    expect(result).toEqual({
      ends: ['cancelled', 'b'],
      printed: '<Semaphore locked value=0>', // one permit with us, one with b
    });
  });

  it.each([-1, 1.5, Number.NaN, '2'])('refuses %s permits with a RangeError', (value) => {
    expect(() => new Semaphore(value as number)).toThrow(RangeError);
    expect(() => new BoundedSemaphore(value as number)).toThrow(
      /^BoundedSemaphore\(\) expected a non-negative integer number of permits, got /,
    );
  });
});

describe('BoundedSemaphore', () => {
  it('refuses to be released more times than it was acquired', async () => {
    const result = await main(function* () {
      const sem = new BoundedSemaphore(2);
      yield* sem.acquire();
      sem.release();
      let error: unknown;
      try {
        sem.release();
      } catch (e) {
        error = e;
      }
      return { error, printed: String(sem) };
    });
    expect(result.error).toBeInstanceOf(SemaphoreOverReleasedError);
    expect(result.error).toMatchObject({
      code: 'ERR_AIO_SEMAPHORE_OVER_RELEASED',
      message:
        'BoundedSemaphore.release() called with all 2 permits free: released more times than acquired',
    });
    expect(result.printed).toBe('<BoundedSemaphore unlocked value=2 bound=2>');
  });

  it('a permit given back by a cancelled waiter does not count as a release', async () => {
    const result = await main(function* () {
      const sem = new BoundedSemaphore(1);
      yield* sem.acquire();
      const a = createTask(function* () {
        yield* sem.acquire();
        sem.release();
      });
      yield* settle();
      sem.release(); // to a, cancelled before it resumes: the permit comes back
      a.cancel();
      const ends = yield* outcomes([a]);
      const free = String(sem);
      expect(() => sem.release()).toThrow(SemaphoreOverReleasedError);
      return { ends, free };
    });
    expect(result).toEqual({
      ends: ['cancelled'],
      free: '<BoundedSemaphore unlocked value=1 bound=1>',
    });
  });
});

describe('Barrier', () => {
  it('releases the parties together, each with its arrival index, then fills again', async () => {
    const result = await main(function* () {
      const barrier = new Barrier(3);
      const log: string[] = [];
      const party = (name: string): Task =>
        createTask(function* () {
          const first = yield* barrier.wait();
          log.push(`${name} passed ${first}`);
          const second = yield* barrier.wait();
          return [first, second];
        });
      const tasks = [party('a'), party('b')];
      yield* settle();
      const waiting = [barrier.nWaiting, String(barrier)];
      const third = party('c');
      const ends = (yield* outcomes([...tasks, third])) as number[][];
      return {
        waiting,
        firsts: ends.map(([first]) => first),
        // The last to arrive goes on at once, so it is first in the next round.
        seconds: ends.map(([, second]) => second),
        log,
        after: [barrier.nWaiting, barrier.parties, barrier.broken],
      };
    });
    expect(result).toEqual({
      waiting: [2, '<Barrier filling waiters=2/3>'],
      firsts: [0, 1, 2],
      seconds: [1, 2, 0],
      log: ['c passed 2', 'a passed 0', 'b passed 1'],
      after: [0, 3, false],
    });
  });

  it('a party cancelled before the barrier fills leaves it', async () => {
    const result = await main(function* () {
      const barrier = new Barrier(2);
      const a = createTask(function* () {
        return yield* barrier.wait();
      });
      yield* settle();
      a.cancel();
      yield* settle();
      const left = barrier.nWaiting;
      const b = createTask(function* () {
        return yield* barrier.wait();
      });
      yield* settle();
      const c = createTask(function* () {
        return yield* barrier.wait();
      });
      return { left, ends: yield* outcomes([a, b, c]) };
    });
    expect(result).toEqual({ left: 0, ends: ['cancelled', 0, 1] });
  });

  it('a party cancelled as the barrier releases does not hold the others back (lost wake-up)', async () => {
    const result = await main(function* () {
      const barrier = new Barrier(3);
      let aWaiter: Future | undefined;
      const a = createTask(function* () {
        aWaiter = barrier.wait();
        return yield* aWaiter;
      });
      const b = createTask(function* () {
        return yield* barrier.wait();
      });
      yield* settle();
      const mine = barrier.wait(); // the last party: releases a and b
      expect(aWaiter!.done() && !a.done()).toBe(true);
      a.cancel();
      const ends = [...(yield* outcomes([a, b])), yield* mine];
      // The next round starts empty and fills as usual.
      const next = [0, 1, 2].map(() =>
        createTask(function* () {
          return yield* barrier.wait();
        }),
      );
      return { ends, next: yield* outcomes(next) };
    });
    expect(result).toEqual({ ends: ['cancelled', 1, 2], next: [0, 1, 2] });
  });

  it('abort() breaks it for the waiting parties and for later ones until reset()', async () => {
    const result = await main(function* () {
      const barrier = new Barrier(3);
      const party = (): Task =>
        createTask(function* () {
          return yield* barrier.wait();
        });
      const waiting = [party(), party()];
      yield* settle();
      barrier.abort();
      const ends = yield* outcomes(waiting);
      const late = yield* outcomes([party()]);
      const broken = [barrier.broken, String(barrier)];
      barrier.reset();
      const afterReset = yield* outcomes([party(), party(), party()]);
      return { ends, late, broken, afterReset, stillBroken: barrier.broken };
    });
    expect(result).toEqual({
      ends: ['BrokenBarrierError', 'BrokenBarrierError'],
      late: ['BrokenBarrierError'],
      broken: [true, '<Barrier broken>'],
      afterReset: [0, 1, 2],
      stillBroken: false,
    });
  });

  it('reset() fails the waiting parties and starts a new round', async () => {
    const result = await main(function* () {
      const barrier = new Barrier(2);
      let error: unknown;
      const a = createTask(function* () {
        try {
          return yield* barrier.wait();
        } catch (e) {
          error = e;
          return 'reset';
        }
      });
      yield* settle();
      barrier.reset();
      const first = yield* outcomes([a]);
      const round = [0, 1].map(() =>
        createTask(function* () {
          return yield* barrier.wait();
        }),
      );
      return { first, error, round: yield* outcomes(round), broken: barrier.broken };
    });
    expect(result.first).toEqual(['reset']);
    expect(result.error).toBeInstanceOf(BrokenBarrierError);
    expect(result.error).toMatchObject({
      code: 'ERR_AIO_BROKEN_BARRIER',
      message: 'Barrier.wait(): the barrier was reset while this task waited',
    });
    expect(result.round).toEqual([0, 1]);
    expect(result.broken).toBe(false);
  });

  it('of one party never waits', async () => {
    expect(
      await main(function* () {
        return yield* new Barrier(1).wait();
      }),
    ).toBe(0);
  });

  it.each([0, -2, 2.5, Number.NaN])('refuses %s parties with a RangeError', (parties) => {
    expect(() => new Barrier(parties)).toThrow(RangeError);
  });

  it('works awaited in async functions', async () => {
    const indices = await mainAsync(async () => {
      const barrier = new Barrier(3);
      const parties = [0, 1, 2].map(() => createTask(async () => barrier.wait()));
      return Promise.all(parties);
    });
    expect(indices).toEqual([0, 1, 2]);
  });
});

describe('withLock', () => {
  it('holds the lock while its generator body runs, and gives the body’s result', async () => {
    const result = await main(function* () {
      const lock = new Lock();
      const value = yield* withLock(lock, function* () {
        expect(lock.locked()).toBe(true);
        yield* sleep(0);
        return 'result';
      });
      return [value, lock.locked()];
    });
    expect(result).toEqual(['result', false]);
  });

  it('releases when the body throws, and lets the error through', async () => {
    const result = await main(function* () {
      const lock = new Lock();
      let error: unknown;
      try {
        yield* withLock(lock, function* () {
          yield* sleep(0);
          throw new RangeError('body failed');
        });
      } catch (e) {
        error = e;
      }
      return [error, lock.locked()];
    });
    expect(result[0]).toEqual(new RangeError('body failed'));
    expect(result[1]).toBe(false);
  });

  it('releases when the task is cancelled inside the body', async () => {
    const result = await main(function* () {
      const lock = new Lock();
      const log: string[] = [];
      const t = createTask(function* () {
        yield* withLock(lock, function* () {
          log.push('in');
          yield* sleep(60_000);
        });
      });
      yield* settle();
      t.cancel();
      return { ends: yield* outcomes([t]), log, locked: lock.locked() };
    });
    expect(result).toEqual({ ends: ['cancelled'], log: ['in'], locked: false });
  });

  it('cancelled while it waits for the lock, releases nothing', async () => {
    const result = await main(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const t = createTask(function* () {
        yield* withLock(lock, function* () {});
      });
      yield* settle();
      t.cancel();
      const ends = yield* outcomes([t]);
      const stillOurs = lock.locked();
      lock.release();
      return { ends, stillOurs };
    });
    expect(result).toEqual({ ends: ['cancelled'], stillOurs: true });
  });

  it('serializes async bodies when awaited', async () => {
    const log = await mainAsync(async () => {
      const lock = new Lock();
      const log: string[] = [];
      const worker = (name: string): Promise<string> =>
        withLock(lock, async () => {
          log.push(`${name} in`);
          await sleep(0);
          log.push(`${name} out`);
          return name;
        }).then((value) => value);
      const results = await Promise.all([worker('a'), worker('b')]);
      log.push(...results, `locked=${lock.locked()}`);
      return log;
    });
    expect(log).toEqual(['a in', 'a out', 'b in', 'b out', 'a', 'b', 'locked=false']);
  });

  it('holds the lock until a cancelled async body settles, aborting its signal', async () => {
    const result = await main(function* () {
      const lock = new Lock();
      const finish = new Future<void>();
      let sawAbort: unknown;
      const t = createTask(function* () {
        return yield* withLock(lock, async (signal) => {
          signal.addEventListener('abort', () => {
            sawAbort = signal.reason as unknown;
          });
          await finish;
          return 'body result';
        });
      });
      yield* settle();
      t.cancel();
      yield* settle();
      const whileBodyRuns = [lock.locked(), t.done()];
      finish.setResult();
      const ends = yield* outcomes([t]);
      return { whileBodyRuns, ends, locked: lock.locked(), sawAbort };
    });
    expect(result.whileBodyRuns).toEqual([true, false]);
    expect(result.ends).toEqual(['cancelled']);
    expect(result.locked).toBe(false);
    expect(result.sawAbort).toBeInstanceOf(CancelledError);
  });

  it('refuses what it cannot hold, and a body that is not a function', () => {
    expect(() => withLock({} as never, function* () {})).toThrow(
      /^withLock\(\) expected a Lock, Semaphore or Condition \(anything with acquire\(\) and release\(\)\), got \{\}/,
    );
    expect(() => withLock(null as never, function* () {})).toThrow(TypeError);
    expect(() => withLock(new Lock(), 'body' as never)).toThrow(TypeError);
  });

  it('runs a Condition wait inside, the lock held around it', async () => {
    const result = await main(function* () {
      const cond = new Condition();
      let flag = false;
      const t = createTask(function* () {
        return yield* withLock(cond, function* () {
          yield* cond.waitFor(() => flag);
          return cond.locked();
        });
      });
      yield* settle();
      yield* withLock(cond, function* () {
        flag = true;
        cond.notify();
      });
      return [...(yield* outcomes([t])), cond.locked()];
    });
    expect(result).toEqual([true, false]);
  });
});
