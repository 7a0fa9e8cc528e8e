/**
 * No lost wake-up in tornado's locks and queues, whatever style the waiter uses: a lock, a
 * permit, a notification, an item or room handed to a waiter (with or without a timeout) whose
 * task is cancelled at that very moment goes to the next waiter instead.
 *
 * As in the coroutine layer's wakeups.test.ts: the main task lines a waiter up, then in one step
 * serves it and cancels its task; what was handed over must reach the next waiter.
 */
import { CancelledError, Future, TimeoutError } from '@aio/future';
import {
  createTask,
  gather,
  shield,
  timeout,
  waitFor,
  type Coroutine,
  type Task,
} from '@aio/coroutine';
import { afterEach, describe, expect, it } from 'vitest';
import * as gen from './gen';
import { timedelta } from './internal/timeout';
import { BoundedSemaphore, Condition, Lock, Semaphore } from './locks';
import { MODES, closeLoops, main, until } from './locks/test-support';
import { Queue } from './queues';

afterEach(closeLoops);

const LONG = timedelta({ seconds: 60 });

interface Subject {
  wait(): Future;
  waiting(): boolean;
  serve(): void;
  next(): Coroutine;
  expected: unknown;
}

/** Each primitive, waited on with a timeout (a TimedWait) and without. */
function subjects(timed: boolean): Record<string, () => Subject> {
  const t = timed ? LONG : undefined;
  return {
    Lock: () => {
      const lock = new Lock();
      void lock.acquire();
      return {
        wait: () => lock.acquire(t),
        waiting: () => lock.toString().includes('waiters=1'),
        serve: () => lock.release(),
        *next() {
          yield* lock.acquire();
          const held = lock.locked();
          lock.release();
          return held;
        },
        expected: true,
      };
    },
    Semaphore: () => {
      const semaphore = new Semaphore(0);
      return {
        wait: () => semaphore.acquire(t),
        waiting: () => semaphore.toString().includes('waiters=1'),
        serve: () => semaphore.release(),
        *next() {
          yield* semaphore.acquire();
          return semaphore.toString();
        },
        expected: '<Semaphore locked value=0>',
      };
    },
    BoundedSemaphore: () => {
      const semaphore = new BoundedSemaphore(1);
      void semaphore.acquire();
      return {
        wait: () => semaphore.acquire(t),
        waiting: () => semaphore.toString().includes('waiters=1'),
        serve: () => semaphore.release(),
        *next() {
          yield* semaphore.acquire();
          return semaphore.locked();
        },
        expected: true,
      };
    },
    Condition: () => {
      const condition = new Condition();
      return {
        wait: () => condition.wait(t),
        waiting: () => condition.toString().includes('waiters=1'),
        serve: () => condition.notify(),
        *next() {
          // The notification went on: nobody waited, so it was dropped (a condition does not
          // remember); a new waiter waits for a new one.
          const wait = condition.wait();
          condition.notify();
          return yield* wait;
        },
        expected: true,
      };
    },
    'Queue.get': () => {
      const queue = new Queue<string>();
      return {
        wait: () => queue.get(t),
        waiting: () => queue.toString().includes('getters=1'),
        serve: () => queue.putNowait('item'),
        *next() {
          return yield* queue.get();
        },
        expected: 'item',
      };
    },
    'Queue.put': () => {
      const queue = new Queue<string>(1);
      queue.putNowait('first');
      return {
        wait: () => queue.put('cancelled', t),
        waiting: () => queue.toString().includes('putters=1'),
        serve: () => void queue.getNowait(),
        *next() {
          yield* queue.put('next');
          return [queue.getNowait(), queue.qsize()];
        },
        expected: ['next', 0],
      };
    },
  };
}

const styles: Record<string, (subject: Subject) => Task> = {
  'yield*': (s) => createTask(function* () { return yield* s.wait(); }), // prettier-ignore
  'a bare yield': (s) => createTask(function* () { return yield s.wait(); }), // prettier-ignore
  waitFor: (s) => createTask(function* () { return yield waitFor(s.wait(), 60_000); }), // prettier-ignore
  gather: (s) => createTask(function* () { return yield gather(s.wait()); }), // prettier-ignore
  shield: (s) => createTask(function* () { return yield shield(s.wait()); }), // prettier-ignore
  timeout: (s) =>
    createTask(function* () {
      return yield* timeout(60_000, function* () {
        return yield* s.wait();
      });
    }),
};

describe.each(MODES)('no lost wake-up in tornado locks and queues (%s mode)', (mode) => {
  for (const timed of [false, true]) {
    for (const [primitive, make] of Object.entries(subjects(timed))) {
      for (const [style, start] of Object.entries(styles)) {
        const name = `${primitive}${timed ? ' with a timeout' : ''}`;
        it(`${name}: a waiter using ${style}, cancelled as it is served, passes it on`, async () => {
          const outcome = await main(function* () {
            const subject = make();
            const waiter = start(subject);
            yield* until(() => subject.waiting());
            subject.serve();
            waiter.cancel();
            const [ended] = yield* gather([waiter], { returnExceptions: true });
            const next = yield* timeout(5_000, () => subject.next());
            return { ended, next, expected: subject.expected };
          }, mode);
          expect(outcome.ended).toBeInstanceOf(CancelledError);
          expect(outcome.next).toEqual(outcome.expected);
        });
      }
    }
  }
});

describe.each(MODES)('gen.withTimeout (%s mode)', (mode) => {
  it('a queue get that timed out under withTimeout gives a later item back to the queue', async () => {
    const outcome = await main(function* () {
      const queue = new Queue<string>();
      let timedOut: unknown;
      try {
        yield gen.withTimeout(timedelta({ milliseconds: 5 }), queue.get());
      } catch (error) {
        timedOut = error;
      }
      // The get runs on (tornado does not cancel it), and is served by the next put: what it is
      // handed goes back, so the next getter has it.
      queue.putNowait('late');
      const next = yield* timeout(5_000, function* () {
        return yield* queue.get();
      });
      return { timedOut, next, left: queue.qsize() };
    }, mode);
    expect(outcome.timedOut).toBeInstanceOf(TimeoutError);
    expect(outcome.next).toBe('late');
    expect(outcome.left).toBe(0);
  });

  it('a lock taken under withTimeout by a task cancelled as it got it passes to the next waiter', async () => {
    const outcome = await main(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const waiter = createTask(function* () {
        return yield gen.withTimeout(LONG, lock.acquire());
      });
      yield* until(() => lock.toString().includes('waiters=1'));
      lock.release();
      waiter.cancel();
      const [ended] = yield* gather([waiter], { returnExceptions: true });
      const next = yield* timeout(5_000, function* () {
        return yield* lock.acquire();
      });
      return { ended, got: next !== undefined };
    }, mode);
    expect(outcome.ended).toBeInstanceOf(CancelledError);
    expect(outcome.got).toBe(true);
  });
});
