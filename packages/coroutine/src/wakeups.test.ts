/**
 * No lost wake-up, whatever style the waiter uses: every primitive that hands something over —
 * a lock, a permit, a notification, a queue's item or room, a stream's bytes — to a waiter whose
 * task is cancelled at that very moment gets it back and passes it to the next waiter.
 *
 * Each case runs on a real loop: the main task lines a waiter up (a task that waits in one
 * style), then, in one step, makes the primitive serve it and cancels the waiter's task, so the
 * cancellation arrives after the wake-up and before the task resumes. What was handed over must
 * reach exactly one waiter: the next one (or, for an `await`, which no cancellation interrupts,
 * the first).
 */
import { EventLoop, type LoopMode } from '@aio/loop';
import { CancelledError, Future, TimeoutError } from '@aio/future';
import { afterEach, describe, expect, it } from 'vitest';
import { gather } from './gather';
import { BoundedSemaphore, Condition, Lock, Semaphore, withLock } from './locks';
import { Queue } from './queues';
import { shield } from './shield';
import { sleep } from './sleep';
import { StreamReader } from './streams/reader';
import { Task, createTask, type Coroutine } from './task';
import { taskGroup } from './task-group';
import { timeout, type Timeout } from './timeout';
import { waitFor } from './wait-for';

const loops: EventLoop[] = [];
afterEach(() => {
  for (const loop of loops.splice(0)) if (!loop.isClosed()) loop.close();
});

function main<T>(body: () => Coroutine<T>, mode: LoopMode = 'hosted'): Promise<T> {
  const loop = new EventLoop({ mode });
  loops.push(loop);
  return loop.runUntilComplete(new Task<T>(body(), { loop }));
}

/** Gives up loop iterations until `condition` holds. */
function* until(condition: () => boolean): Coroutine<void> {
  for (let i = 0; !condition(); i++) {
    if (i === 100) throw new Error(`not reached in 100 iterations: ${String(condition)}`);
    yield* sleep(0);
  }
}

// ─── The primitives ─────────────────────────────────────────────────────────────────────────────

/** A primitive, set up so that a wait must wait. */
interface Subject {
  /** The waiting call: a future the waiter waits on in its style. */
  wait(): Future;
  /** True once a wait stands in line. */
  waiting(): boolean;
  /** Serves the first waiter. */
  serve(): void;
  /** What the next waiter gets once the first has given it back. */
  next(): Coroutine;
  /** What that must be. */
  expected: unknown;
  /** What the wait itself gives once served. */
  served: unknown;
}

const subjects: Record<string, () => Coroutine<Subject>> = {
  *Lock() {
    const lock = new Lock();
    yield* lock.acquire();
    return {
      wait: () => lock.acquire(),
      waiting: () => lock.toString().includes('waiters=1'),
      serve: () => lock.release(),
      *next() {
        const got = yield* lock.acquire();
        lock.release();
        return got;
      },
      expected: true,
      served: true,
    };
  },
  *Semaphore() {
    const semaphore = new Semaphore(0);
    return {
      wait: () => semaphore.acquire(),
      waiting: () => semaphore.toString().includes('waiters=1'),
      serve: () => semaphore.release(),
      *next() {
        return yield* semaphore.acquire();
      },
      expected: true,
      served: true,
    };
  },
  *BoundedSemaphore() {
    const semaphore = new BoundedSemaphore(1);
    yield* semaphore.acquire();
    return {
      wait: () => semaphore.acquire(),
      waiting: () => semaphore.toString().includes('waiters=1'),
      serve: () => semaphore.release(),
      *next() {
        const got = yield* semaphore.acquire();
        semaphore.release();
        return got;
      },
      expected: true,
      served: true,
    };
  },
  *'Queue.get'() {
    const queue = new Queue<string>();
    return {
      wait: () => queue.get(),
      waiting: () => queue.toString().includes('getters=1'),
      serve: () => queue.putNowait('item'),
      *next() {
        return yield* queue.get();
      },
      expected: 'item',
      served: 'item',
    };
  },
  *'Queue.put'() {
    const queue = new Queue<string>({ maxsize: 1 });
    queue.putNowait('first');
    return {
      wait: () => queue.put('cancelled'),
      waiting: () => queue.toString().includes('putters=1'),
      serve: () => void queue.getNowait(),
      *next() {
        // The cancelled put has not put: the room is the next put's, and only its item is in.
        yield* queue.put('next');
        return [queue.getNowait(), queue.qsize()];
      },
      expected: ['next', 0],
      served: undefined,
    };
  },
  *'StreamReader.read'() {
    const reader = new StreamReader();
    return {
      wait: () => reader.readexactly(5),
      waiting: () => reader.toString().includes('waiter=readexactly()'),
      serve: () => reader.feedData(Buffer.from('bytes')),
      *next() {
        return (yield* reader.readexactly(5)).toString();
      },
      expected: 'bytes',
      served: Buffer.from('bytes'),
    };
  },
};

// ─── The ways to wait ───────────────────────────────────────────────────────────────────────────

/**
 * A waiter in one style: a task that waits on `subject.wait()`. `expire` is set for the styles
 * whose own machinery does the cancelling (a timeout's deadline); the others are cancelled from
 * outside.
 */
interface Style {
  start(subject: Subject): Task;
  /** Cancels the waiter's task at the moment it was woken; default `task.cancel()`. */
  cancel?(task: Task): void;
  /** How the cancelled waiter ends: CancelledError, unless it says otherwise. */
  ends?: unknown;
}

let scope: Timeout | null = null;
const styles: Record<string, Style> = {
  'yield*': { start: (s) => createTask(function* () { return yield* s.wait(); }) }, // prettier-ignore
  'a bare yield': { start: (s) => createTask(function* () { return yield s.wait(); }) }, // prettier-ignore
  waitFor: { start: (s) => createTask(function* () { return yield waitFor(s.wait(), 60_000); }) }, // prettier-ignore
  'gather, alone': { start: (s) => createTask(function* () { return yield gather(s.wait()); }) }, // prettier-ignore
  'gather, beside a pending sibling': {
    start: (s) =>
      createTask(function* () {
        return yield gather(s.wait(), sleep(60_000));
      }),
  },
  shield: { start: (s) => createTask(function* () { return yield shield(s.wait()); }) }, // prettier-ignore
  "timeout()'s deadline": {
    start: (s) =>
      createTask(function* () {
        return yield* timeout(60_000, function* (deadline) {
          scope = deadline;
          return yield* s.wait();
        });
      }),
    // The deadline comes first (its callback is queued before the wake-up's step).
    cancel: () => scope!.reschedule(0),
    ends: TimeoutError,
  },
  'a task group, cancelled': {
    start: (s) =>
      createTask(function* () {
        return yield* taskGroup(function* (tg) {
          return yield tg.createTask(function* () {
            return yield* s.wait();
          });
        });
      }),
  },
};

describe.each(['hosted', 'blocking'] as const)('no lost wake-up (%s mode)', (mode) => {
  for (const [primitive, make] of Object.entries(subjects)) {
    for (const [style, how] of Object.entries(styles)) {
      it(`${primitive}: a waiter using ${style}, cancelled as it is served, passes it on`, async () => {
        const outcome = await main(function* () {
          const subject = yield* make();
          const waiter = how.start(subject);
          yield* until(() => subject.waiting());
          // One step: the deadline first where the style has one, then the wake-up; or the
          // wake-up, then the cancellation. Either way the task has not resumed in between.
          if (how.cancel) how.cancel(waiter);
          subject.serve();
          if (!how.cancel) waiter.cancel();
          const [ended] = yield* gather([waiter], { returnExceptions: true });
          // Bounded, so that a wake-up lost for good fails this case instead of hanging the file.
          const next = yield* timeout(5_000, () => subject.next());
          return { ended, next, expected: subject.expected };
        }, mode);
        expect(outcome.ended).toBeInstanceOf(how.ends ?? CancelledError);
        expect(outcome.next).toEqual(outcome.expected);
      });
    }

    it(`${primitive}: an async function awaiting it gets it, even if its task is cancelled`, async () => {
      const outcome = await main(function* () {
        const subject = yield* make();
        const waiter = createTask(async () => subject.wait());
        yield* until(() => subject.waiting());
        subject.serve();
        waiter.cancel(); // aborts its signal; the await goes on and gets what was served
        return { got: yield* waiter, served: subject.served };
      }, mode);
      expect(outcome.got).toEqual(outcome.served);
    });
  }
});

describe('Condition', () => {
  it('a waiter cancelled as it is notified passes the notification on', async () => {
    const outcome = await main(function* () {
      const condition = new Condition();
      const log: string[] = [];
      const waiter = (name: string): Task =>
        createTask(function* () {
          yield* withLock(condition, function* () {
            yield* condition.wait();
            log.push(name);
          });
        });
      const first = waiter('first');
      const second = waiter('second');
      yield* until(() => condition.toString().includes('waiters=2'));
      yield* withLock(condition, function* () {
        condition.notify(1);
      });
      first.cancel();
      const [ended] = yield* gather([first], { returnExceptions: true });
      yield* second;
      return { ended, log };
    });
    expect(outcome.ended).toBeInstanceOf(CancelledError);
    expect(outcome.log).toEqual(['second']);
  });
});

describe('a queue under cancellations at every moment', () => {
  it('with waiters in every style cancelled as they are served, each item is got exactly once', async () => {
    const got = await main(function* () {
      const queue = new Queue<number>();
      const got: number[] = [];
      const consumer = (style: number): Task =>
        createTask(function* () {
          for (;;) {
            const item =
              style === 0
                ? yield* queue.get()
                : style === 1
                  ? ((yield queue.get()) as number)
                  : style === 2
                    ? ((yield waitFor(queue.get(), 60_000)) as number)
                    : ((yield gather(queue.get())) as number[])[0]!;
            got.push(item);
          }
        });
      let consumers = [0, 1, 2, 3].map(consumer);
      for (let i = 0; i < 200; i++) {
        queue.putNowait(i);
        // Every third item, cancel a consumer at the moment it may have been served; replace it.
        if (i % 3 === 0) {
          const victim = consumers[i % consumers.length]!;
          victim.cancel();
          consumers = consumers.map((c) => (c === victim ? consumer(i % 4) : c));
        }
        yield* sleep(0);
      }
      yield* until(() => queue.empty() && got.length === 200);
      for (const c of consumers) c.cancel();
      yield* gather(consumers, { returnExceptions: true });
      return got;
    });
    expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });
});
