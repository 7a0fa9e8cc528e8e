/**
 * Queue, LifoQueue and PriorityQueue on real loops: order, waiting and backpressure, the
 * lost-wake-up rule under cancellation, join and taskDone, shutdown, async iteration, misuse.
 *
 * Nothing here races the clock: tasks are lined up by giving up loop iterations until the queue
 * shows them waiting (`until`), and the moments that matter are made in one step of the main task.
 */
import { inspect } from 'node:util';
import { EventLoop } from '@aio/loop';
import { CancelledError, InvalidStateError, TimeoutError } from '@aio/future';
import { afterEach, describe, expect, it } from 'vitest';
import { gather } from './gather';
import { LifoQueue, PriorityQueue, Queue, QueueEmpty, QueueFull, QueueShutDown } from './queues';
import { sleep } from './sleep';
import { Task, createTask } from './task';
import { timeout } from './timeout';
import { waitFor } from './wait-for';

const loops: EventLoop[] = [];
afterEach(() => {
  for (const loop of loops.splice(0)) if (!loop.isClosed()) loop.close();
});

/** Runs `body` as the main task of a fresh loop. */
function main<T>(body: () => Generator<unknown, T, unknown>): Promise<T> {
  const loop = new EventLoop();
  loops.push(loop);
  return loop.runUntilComplete(new Task<T>(body(), { loop }));
}

/** Runs an async `body` as the main task of a fresh loop. */
function mainAsync<T>(body: () => Promise<T>): Promise<T> {
  const loop = new EventLoop();
  loops.push(loop);
  return loop.runUntilComplete(createTask(body, { loop }));
}

/** Gives up loop iterations until `condition` holds: waits on the code under test, not a clock. */
function* until(condition: () => boolean, limit = 100): Generator<unknown, void, unknown> {
  for (let i = 0; !condition(); i++) {
    if (i === limit)
      throw new Error(`not reached in ${limit} loop iterations: ${String(condition)}`);
    yield* sleep(0);
  }
}

/** How many gets (or puts) wait in line, as the queue's toString shows. */
function waiting<T>(queue: Queue<T>, side: 'getters' | 'putters'): number {
  return Number(new RegExp(`${side}=(\\d+)`).exec(queue.toString())?.[1] ?? 0);
}

/** What `fn` throws. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected it to throw');
}

/** A generator consumer, as the docs show it: gets until the queue is shut down and empty. */
function* consume<T>(queue: Queue<T>, into: T[]): Generator<unknown, void, unknown> {
  try {
    for (;;) {
      into.push(yield* queue.get());
      queue.taskDone();
    }
  } catch (error) {
    if (!(error instanceof QueueShutDown)) throw error;
  }
}

function getAll<T>(queue: Queue<T>): T[] {
  const items: T[] = [];
  while (!queue.empty()) items.push(queue.getNowait());
  return items;
}

/** A small deterministic random number generator (an LCG), so that runs repeat. */
function randomFrom(seed: number): (below: number) => number {
  return (below) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor((seed / 2147483648) * below);
  };
}

describe('order', () => {
  it('a Queue gives items first in, first out; qsize, empty and full follow', () => {
    const queue = new Queue<number>({ maxsize: 2 });
    expect([queue.maxsize, queue.qsize(), queue.empty(), queue.full()]).toEqual([
      2,
      0,
      true,
      false,
    ]);
    queue.putNowait(1);
    queue.putNowait(2);
    expect([queue.qsize(), queue.empty(), queue.full()]).toEqual([2, false, true]);
    expect(queue.getNowait()).toBe(1);
    queue.putNowait(3);
    expect(getAll(queue)).toEqual([2, 3]);
  });

  it('with no maxsize a Queue is never full, and keeps its order over many items', () => {
    const queue = new Queue<number>();
    const out: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      queue.putNowait(i);
      if (i % 3 === 0) out.push(queue.getNowait());
    }
    expect(queue.full()).toBe(false);
    out.push(...getAll(queue));
    expect(out).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
  });

  it('a LifoQueue gives the newest item first', () => {
    const queue = new LifoQueue<string>();
    for (const item of ['a', 'b', 'c']) queue.putNowait(item);
    expect(queue.getNowait()).toBe('c');
    queue.putNowait('d');
    expect(getAll(queue)).toEqual(['d', 'b', 'a']);
  });

  it('a PriorityQueue gives the smallest first: numbers, bigints, strings, tuples element by element', () => {
    const numbers = new PriorityQueue<number>();
    for (const n of [5, 1, 4, 1, -3, 2.5]) numbers.putNowait(n);
    expect(getAll(numbers)).toEqual([-3, 1, 1, 2.5, 4, 5]);

    const bigints = new PriorityQueue<bigint>();
    for (const n of [3n, 1n, 2n]) bigints.putNowait(n);
    expect(getAll(bigints)).toEqual([1n, 2n, 3n]);

    const strings = new PriorityQueue<string>();
    for (const s of ['pear', 'apple', 'fig']) strings.putNowait(s);
    expect(getAll(strings)).toEqual(['apple', 'fig', 'pear']);

    const tuples = new PriorityQueue<(number | string)[]>();
    for (const t of [[2, 'b'], [1, 'z'], [1, 'a'], [3], [1]]) tuples.putNowait(t);
    expect(getAll(tuples)).toEqual([[1], [1, 'a'], [1, 'z'], [2, 'b'], [3]]);
  });

  it('a PriorityQueue gives equal priorities in the order they were put, whatever their payloads', () => {
    const queue = new PriorityQueue<[number, { name: string }]>();
    for (const [priority, name] of [
      [1, 'a'],
      [0, 'b'],
      [1, 'c'],
      [0, 'd'],
      [1, 'e'],
    ] as const) {
      queue.putNowait([priority, { name }]);
    }
    expect(getAll(queue).map(([, payload]) => payload.name)).toEqual(['b', 'd', 'a', 'c', 'e']);
  });

  it('a PriorityQueue orders by the compare function it is given', () => {
    const largestFirst = new PriorityQueue<number>({ compare: (a, b) => b - a });
    for (const n of [2, 9, 4]) largestFirst.putNowait(n);
    expect(getAll(largestFirst)).toEqual([9, 4, 2]);

    interface Job {
      deadline: number;
      name: string;
    }
    const byDeadline = new PriorityQueue<Job>({ compare: (a, b) => a.deadline - b.deadline });
    byDeadline.putNowait({ deadline: 30, name: 'late' });
    byDeadline.putNowait({ deadline: 10, name: 'soon' });
    expect(byDeadline.getNowait().name).toBe('soon');
  });

  it('a PriorityQueue stays ordered through 3,000 mixed puts and gets', () => {
    const random = randomFrom(42);
    const queue = new PriorityQueue<number>();
    const model: number[] = [];
    for (let i = 0; i < 3_000; i++) {
      const n = random(500);
      queue.putNowait(n);
      model.push(n);
      if (random(3) === 0) {
        model.sort((a, b) => a - b);
        expect(queue.getNowait()).toBe(model.shift());
      }
    }
    expect(getAll(queue)).toEqual(model.sort((a, b) => a - b));
  });
});

describe('waiting', () => {
  it('get() waits while the queue is empty, and getters are served in the order they came', async () => {
    const log = await main(function* () {
      const queue = new Queue<string>();
      const log: string[] = [];
      const consumers = ['a', 'b', 'c'].map((name) =>
        createTask(function* () {
          log.push(`${name} got ${yield* queue.get()}`);
        }),
      );
      yield* until(() => waiting(queue, 'getters') === 3);
      expect(queue.toString()).toBe('<Queue maxsize=0 qsize=0 getters=3>');
      for (const item of ['1', '2', '3']) queue.putNowait(item);
      yield* gather(...consumers);
      return log;
    });
    expect(log).toEqual(['a got 1', 'b got 2', 'c got 3']);
  });

  it('getters that wait with yield*, await and a bare yield are served in the order they came', async () => {
    const results = await main(function* () {
      const queue = new Queue<string>();
      const byYieldStar = createTask(function* () {
        return yield* queue.get();
      });
      const byAwait = createTask(async () => {
        const item = await queue.get();
        return item;
      });
      const byBareYield = createTask(function* () {
        return (yield queue.get()) as string;
      });
      yield* until(() => waiting(queue, 'getters') === 3);
      for (const item of ['1', '2', '3']) queue.putNowait(item);
      return yield* gather(byYieldStar, byAwait, byBareYield);
    });
    expect(results).toEqual(['1', '2', '3']);
  });

  it('put() waits while the queue is full, and putters go in in the order they came', async () => {
    const got = await main(function* () {
      const queue = new Queue<string>({ maxsize: 1 });
      queue.putNowait('a');
      const putters = [
        createTask(function* () {
          yield* queue.put('b');
        }),
        createTask(async () => {
          await queue.put('c');
        }),
        createTask(function* () {
          yield queue.put('d');
        }),
      ];
      yield* until(() => waiting(queue, 'putters') === 3);
      expect(queue.toString()).toBe('<Queue maxsize=1 qsize=1 putters=3 unfinished=1>');
      const got: string[] = [];
      for (let i = 0; i < 4; i++) got.push(yield* queue.get());
      yield* gather(...putters);
      return got;
    });
    expect(got).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a generator producer waits for a generator consumer: never more than maxsize, order kept', async () => {
    const { received, most, waits } = await main(function* () {
      const queue = new Queue<number>({ maxsize: 2 });
      const received: number[] = [];
      let most = 0;
      let waits = 0;
      const producer = createTask(function* () {
        for (let i = 0; i < 30; i++) {
          if (queue.full()) waits++;
          yield* queue.put(i);
          most = Math.max(most, queue.qsize());
        }
        queue.shutdown();
      });
      const consumer = createTask(function* () {
        try {
          for (;;) {
            const item = yield* queue.get();
            received.push(item);
            queue.taskDone();
            if (item % 4 === 0) yield* sleep(0); // a slow item now and then
          }
        } catch (error) {
          if (!(error instanceof QueueShutDown)) throw error;
        }
      });
      yield* gather(producer, consumer);
      return { received, most, waits };
    });
    expect(received).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(most).toBeLessThanOrEqual(2);
    expect(waits).toBeGreaterThan(0);
  });

  it('async producers and consumers pass every item once, each producer’s in order, within maxsize', async () => {
    const { got, most } = await mainAsync(async () => {
      const queue = new Queue<string>({ maxsize: 3 });
      const got: string[] = [];
      let most = 0;
      const produce = async (name: string): Promise<void> => {
        for (let i = 0; i < 15; i++) {
          await queue.put(`${name}${i}`);
          most = Math.max(most, queue.qsize());
        }
      };
      const consume = async (): Promise<void> => {
        let n = 0;
        for await (const item of queue) {
          got.push(item);
          queue.taskDone();
          if (++n % 2 === 0) await sleep(0);
        }
      };
      const consumers = [consume(), consume(), consume()];
      await Promise.all([produce('x'), produce('y')]);
      await queue.join();
      queue.shutdown();
      await Promise.all(consumers);
      return { got, most };
    });
    expect(got).toHaveLength(30);
    expect(new Set(got).size).toBe(30);
    for (const name of ['x', 'y']) {
      expect(got.filter((item) => item.startsWith(name))).toEqual(
        Array.from({ length: 15 }, (_, i) => `${name}${i}`),
      );
    }
    expect(most).toBeLessThanOrEqual(3);
  });

  it.each([
    ['Queue', () => new Queue<number>({ maxsize: 2 }), [3, 1, 9, 2]],
    ['LifoQueue', () => new LifoQueue<number>({ maxsize: 2 }), [1, 9, 2, 3]],
    ['PriorityQueue', () => new PriorityQueue<number>({ maxsize: 2 }), [1, 3, 2, 9]],
  ] as const)('a %s keeps its order when a put had to wait', async (_kind, make, expected) => {
    const got = await main(function* () {
      const queue = make();
      queue.putNowait(3);
      queue.putNowait(1);
      const putter = createTask(function* () {
        yield* queue.put(9);
      });
      yield* until(() => waiting(queue, 'putters') === 1);
      const first = queue.getNowait(); // makes room: the waiting put goes in
      yield* putter;
      const second = queue.getNowait();
      queue.putNowait(2);
      return [first, second, ...getAll(queue)];
    });
    expect(got).toEqual(expected);
  });
});

describe('cancellation: the lost wake-up', () => {
  it('a getter cancelled while it waits leaves the line: the next item goes to the next getter', async () => {
    const [first, second, plain] = await main(function* () {
      const queue = new Queue<string>();
      const first = createTask(function* () {
        return yield* queue.get();
      });
      const second = createTask(function* () {
        return yield* queue.get();
      });
      yield* until(() => waiting(queue, 'getters') === 2);
      first.cancel();
      expect(waiting(queue, 'getters')).toBe(1);
      queue.putNowait('x');
      const results = yield* gather([first, second], { returnExceptions: true });
      // A get's Future cancelled by hand leaves the line as well.
      const get = queue.get();
      get.cancel();
      queue.putNowait('y');
      return [...results, queue.getNowait()];
    });
    expect(first).toBeInstanceOf(CancelledError);
    expect(second).toBe('x');
    expect(plain).toBe('y');
  });

  it('a yield* getter cancelled at the moment it is served hands the item to the next getter', async () => {
    const { results, qsize } = await main(function* () {
      const queue = new Queue<string>();
      const first = createTask(function* () {
        return yield* queue.get();
      });
      const second = createTask(function* () {
        return yield* queue.get();
      });
      yield* until(() => waiting(queue, 'getters') === 2);
      // One moment: the item is served to the first getter, whose task is cancelled before it
      // resumes. The cancellation wins, and the item must not go with it.
      queue.putNowait('item');
      expect(first.cancel()).toBe(true);
      yield* until(() => second.done()); // a lost wake-up would leave it waiting
      const results = yield* gather([first, second], { returnExceptions: true });
      return { results, qsize: queue.qsize() };
    });
    expect(results[0]).toBeInstanceOf(CancelledError);
    expect(results[1]).toBe('item');
    expect(qsize).toBe(0);
  });

  it.each([
    ['Queue', () => new Queue<number>({ maxsize: 2 })],
    ['LifoQueue', () => new LifoQueue<number>({ maxsize: 2 })],
    ['PriorityQueue', () => new PriorityQueue<number>({ maxsize: 2 })],
  ] as const)(
    'a %s takes back the item of a getter cancelled as it was served; it comes out next',
    async (_kind, make) => {
      const { outcome, fullBefore, fullAfter, rest } = await main(function* () {
        const queue = make();
        const getter = createTask(function* () {
          return yield* queue.get();
        });
        yield* until(() => waiting(queue, 'getters') === 1);
        queue.putNowait(5); // served to the getter, set aside until its task resumes: it takes room
        queue.putNowait(7);
        const fullBefore = queue.full();
        const overflow = thrown(() => queue.putNowait(8));
        expect(overflow).toBeInstanceOf(QueueFull);
        getter.cancel();
        const [outcome] = yield* gather([getter], { returnExceptions: true });
        return { outcome, fullBefore, fullAfter: queue.full(), rest: getAll(queue) };
      });
      expect(outcome).toBeInstanceOf(CancelledError);
      expect(fullBefore).toBe(true);
      expect(fullAfter).toBe(true);
      expect(rest).toEqual([5, 7]);
    },
  );

  it('a yield* putter cancelled at the moment it is served has not put: its room goes to the next', async () => {
    const { results, rest } = await main(function* () {
      const queue = new Queue<string>({ maxsize: 1 });
      queue.putNowait('a');
      const first = createTask(function* () {
        yield* queue.put('b');
      });
      const second = createTask(function* () {
        yield* queue.put('c');
      });
      yield* until(() => waiting(queue, 'putters') === 2);
      // One moment: the room 'a' leaves is given to the first putter, whose task is cancelled
      // before it resumes. Its put ends in CancelledError, so 'b' must not go in; 'c' does.
      expect(queue.getNowait()).toBe('a');
      expect(first.cancel()).toBe(true);
      yield* until(() => second.done()); // a lost wake-up would leave it waiting
      const results = yield* gather([first, second], { returnExceptions: true });
      return { results, rest: getAll(queue) };
    });
    expect(results[0]).toBeInstanceOf(CancelledError);
    expect(results[1]).toBeUndefined();
    expect(rest).toEqual(['c']);
  });

  it('a putter cancelled while it waits leaves the line and puts nothing', async () => {
    const rest = await main(function* () {
      const queue = new Queue<string>({ maxsize: 1 });
      queue.putNowait('a');
      const cancelled = createTask(function* () {
        yield* queue.put('b');
      });
      yield* until(() => waiting(queue, 'putters') === 1);
      const put = queue.put('c'); // a put's Future, waiting behind it
      cancelled.cancel();
      expect(waiting(queue, 'putters')).toBe(1);
      expect(queue.getNowait()).toBe('a');
      expect(put.done()).toBe(true);
      yield* gather([cancelled], { returnExceptions: true });
      return getAll(queue);
    });
    expect(rest).toEqual(['c']);
  });

  it('an async function whose task is cancelled as its get is served still gets the item', async () => {
    const item = await main(function* () {
      const queue = new Queue<string>();
      const task = createTask(async () => queue.get());
      yield* until(() => waiting(queue, 'getters') === 1);
      queue.putNowait('x');
      task.cancel(); // aborts its signal; the await it is in completes anyway
      return yield* task;
    });
    expect(item).toBe('x');
  });

  it('waitFor() and timeout() that expire leave no get or put behind', async () => {
    const outcome = await main(function* () {
      const queue = new Queue<string>({ maxsize: 1 });
      const errors: unknown[] = [];
      try {
        yield* waitFor(queue.get(), 1);
      } catch (error) {
        errors.push(error);
      }
      try {
        yield* timeout(1, function* () {
          return yield* queue.get();
        });
      } catch (error) {
        errors.push(error);
      }
      const gettersLeft = waiting(queue, 'getters');
      queue.putNowait('kept');
      try {
        yield* waitFor(queue.put('never'), 1);
      } catch (error) {
        errors.push(error);
      }
      return { errors, gettersLeft, putters: waiting(queue, 'putters'), rest: getAll(queue) };
    });
    expect(outcome.errors).toHaveLength(3);
    for (const error of outcome.errors) expect(error).toBeInstanceOf(TimeoutError);
    expect(outcome.gettersLeft).toBe(0);
    expect(outcome.putters).toBe(0);
    expect(outcome.rest).toEqual(['kept']);
  });

  it('with tasks cancelled at every kind of moment, each item put is got exactly once', async () => {
    const { got, putDone, cancelledPuts } = await main(function* () {
      const queue = new Queue<number>({ maxsize: 2 });
      const random = randomFrom(7);
      const got: number[] = [];
      const putDone: number[] = [];
      const consumers: Task<void>[] = [];
      const producers = new Map<number, Task<void>>();
      const consumer = (): Task<void> =>
        createTask(function* () {
          try {
            for (;;) got.push(yield* queue.get());
          } catch (error) {
            if (!(error instanceof QueueShutDown)) throw error;
          }
        });
      for (let i = 0; i < 3; i++) consumers.push(consumer());
      for (let round = 0; round < 400; round++) {
        producers.set(
          round,
          createTask(function* () {
            yield* queue.put(round);
            putDone.push(round);
          }),
        );
        // Cancel a task at whatever point it is: waiting, just served, or not started yet.
        if (random(2) === 0) {
          const live = [...consumers, ...producers.values()].filter((task) => !task.done());
          const victim = live[random(live.length)];
          victim?.cancel();
          if (victim !== undefined && consumers.includes(victim)) consumers.push(consumer());
        }
        yield* sleep(0);
      }
      consumers.push(consumer());
      yield* until(() => [...producers.values()].every((task) => task.done()), 10_000);
      yield* until(() => queue.empty() && waiting(queue, 'getters') === 4, 10_000);
      queue.shutdown();
      yield* gather([...consumers, ...producers.values()], { returnExceptions: true });
      const cancelledPuts = [...producers].filter(([, task]) => task.cancelled()).map(([n]) => n);
      return { got, putDone, cancelledPuts };
    });
    // Every completed put is got once; a put that ended cancelled put nothing.
    expect([...got].sort((a, b) => a - b)).toEqual([...putDone].sort((a, b) => a - b));
    expect(cancelledPuts.length).toBeGreaterThan(0);
    expect(got.filter((n) => cancelledPuts.includes(n))).toEqual([]);
  });
});

describe('join and taskDone', () => {
  it('join() waits until every item put is marked done', async () => {
    const steps = await main(function* () {
      const queue = new Queue<number>();
      queue.putNowait(1);
      queue.putNowait(2);
      const joined = queue.join();
      const steps: boolean[] = [joined.done()];
      queue.getNowait();
      queue.taskDone();
      yield* sleep(0);
      steps.push(joined.done());
      queue.getNowait();
      queue.taskDone();
      steps.push(joined.done());
      yield* joined;
      return steps;
    });
    expect(steps).toEqual([false, false, true]);
  });

  it('join() is done at once with nothing unfinished; a cancelled join leaves the others be', async () => {
    const states = await main(function* () {
      const queue = new Queue<number>();
      const atOnce = queue.join().done();
      queue.putNowait(1);
      const given = queue.join();
      const kept = queue.join();
      given.cancel();
      queue.getNowait();
      queue.taskDone();
      return [atOnce, given.cancelled(), kept.done()];
    });
    expect(states).toEqual([true, true, true]);
  });

  it('workers and join(): the main task waits for all the work, then shuts the workers down', async () => {
    const { done, atJoin } = await main(function* () {
      const queue = new Queue<number>({ maxsize: 3 });
      const done: number[] = [];
      const workers = Array.from({ length: 3 }, () => createTask(consume(queue, done)));
      for (let i = 0; i < 20; i++) yield* queue.put(i);
      yield* queue.join();
      const atJoin = done.length;
      queue.shutdown();
      yield* gather(...workers);
      return { done, atJoin };
    });
    expect(atJoin).toBe(20);
    expect([...done].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('taskDone() called more times than items were put throws InvalidStateError', () => {
    const queue = new Queue<number>();
    expect(thrown(() => queue.taskDone())).toMatchObject({
      name: 'InvalidStateError',
      code: 'ERR_AIO_INVALID_STATE',
      message: 'taskDone() called more times than items were put',
    });
    queue.putNowait(1);
    queue.getNowait();
    queue.taskDone();
    expect(thrown(() => queue.taskDone())).toBeInstanceOf(InvalidStateError);
  });
});

describe('shutdown', () => {
  it('after shutdown(), put() and putNowait() fail with QueueShutDown, and so do waiting puts', async () => {
    const outcome = await main(function* () {
      const queue = new Queue<string>({ maxsize: 1 });
      queue.putNowait('a');
      const byYieldStar = createTask(function* () {
        yield* queue.put('b');
      });
      const byAwait = createTask(async () => {
        await queue.put('c');
      });
      yield* until(() => waiting(queue, 'putters') === 2);
      queue.shutdown();
      const results = yield* gather([byYieldStar, byAwait], { returnExceptions: true });
      const later = queue.put('d');
      return {
        results,
        later: later.exception(),
        nowait: thrown(() => queue.putNowait('e')),
        rest: getAll(queue),
        text: queue.toString(),
      };
    });
    expect(outcome.results[0]).toBeInstanceOf(QueueShutDown);
    expect(outcome.results[1]).toBeInstanceOf(QueueShutDown);
    expect(outcome.later).toBeInstanceOf(QueueShutDown);
    expect(outcome.nowait).toBeInstanceOf(QueueShutDown);
    expect(outcome.rest).toEqual(['a']);
    expect(outcome.text).toBe('<Queue maxsize=1 qsize=0 unfinished=1 shutdown>');
  });

  it('after shutdown(), gets take what is left and then fail with QueueShutDown', async () => {
    const outcome = await main(function* () {
      const queue = new Queue<number>();
      for (const n of [1, 2, 3]) queue.putNowait(n);
      queue.shutdown();
      const drained: number[] = [];
      yield* consume(queue, drained);
      const later = queue.get();
      return {
        drained,
        later: later.exception(),
        nowait: thrown(() => queue.getNowait()),
        joined: queue.join().done(),
      };
    });
    expect(outcome.drained).toEqual([1, 2, 3]);
    expect(outcome.later).toBeInstanceOf(QueueShutDown);
    // Shut down and empty: QueueShutDown, not QueueEmpty.
    expect(outcome.nowait).toBeInstanceOf(QueueShutDown);
    expect(outcome.joined).toBe(true);
  });

  it.each([false, true])(
    'shutdown(%s) fails the gets waiting on an empty queue',
    async (immediate) => {
      const results = await main(function* () {
        const queue = new Queue<number>();
        const getters = [
          createTask(function* () {
            return yield* queue.get();
          }),
          createTask(async () => queue.get()),
          createTask(function* () {
            return (yield queue.get()) as number;
          }),
        ];
        yield* until(() => waiting(queue, 'getters') === 3);
        queue.shutdown(immediate);
        return yield* gather(getters, { returnExceptions: true });
      });
      for (const result of results) expect(result).toBeInstanceOf(QueueShutDown);
    },
  );

  it('shutdown(true) drops what is left and counts it done for join()', async () => {
    const outcome = await main(function* () {
      const queue = new Queue<number>();
      for (const n of [1, 2, 3, 4]) queue.putNowait(n);
      expect(queue.getNowait()).toBe(1); // being worked on
      const joined = queue.join();
      queue.shutdown(true);
      const afterShutdown = [queue.qsize(), joined.done()];
      queue.taskDone(); // the work on 1 is over
      yield* joined;
      return { afterShutdown, nowait: thrown(() => queue.getNowait()) };
    });
    expect(outcome.afterShutdown).toEqual([0, false]);
    expect(outcome.nowait).toBeInstanceOf(QueueShutDown);
  });

  it('a getter served just before shutdown(true) still gets its item: it was served first', async () => {
    const outcome = await main(function* () {
      const queue = new Queue<string>();
      const getter = createTask(function* () {
        return yield* queue.get();
      });
      yield* until(() => waiting(queue, 'getters') === 1);
      queue.putNowait('a'); // handed over to the getter, whose task has not resumed yet
      queue.putNowait('b'); // still in the queue: dropped by the shutdown
      const joined = queue.join();
      queue.shutdown(true);
      const result = yield* getter;
      const joinedBeforeTaskDone = joined.done();
      queue.taskDone();
      return { result, joinedBeforeTaskDone, joined: joined.done(), qsize: queue.qsize() };
    });
    expect(outcome).toEqual({ result: 'a', joinedBeforeTaskDone: false, joined: true, qsize: 0 });
  });

  it('a putter given room just before shutdown() still puts: it was served first', async () => {
    const outcome = await main(function* () {
      const queue = new Queue<string>({ maxsize: 1 });
      queue.putNowait('a');
      const putter = createTask(function* () {
        yield* queue.put('b');
        return 'put';
      });
      yield* until(() => waiting(queue, 'putters') === 1);
      queue.getNowait(); // room for the putter, whose task has not resumed yet
      queue.taskDone();
      queue.shutdown();
      const result = yield* putter;
      return { result, left: queue.getNowait(), late: thrown(() => queue.putNowait('c')) };
    });
    expect(outcome.result).toBe('put');
    expect(outcome.left).toBe('b');
    expect(outcome.late).toBeInstanceOf(QueueShutDown);
  });

  it('a putter given room just before shutdown(true) puts nothing: its item is dropped', async () => {
    const outcome = await main(function* () {
      const queue = new Queue<string>({ maxsize: 1 });
      queue.putNowait('a');
      const putter = createTask(function* () {
        yield* queue.put('b');
      });
      yield* until(() => waiting(queue, 'putters') === 1);
      queue.getNowait();
      queue.taskDone();
      queue.shutdown(true);
      yield* putter;
      return { qsize: queue.qsize(), joined: queue.join().done() };
    });
    expect(outcome).toEqual({ qsize: 0, joined: true });
  });
});

describe('async iteration', () => {
  it('for await takes the items until the queue is shut down and drained, then ends', async () => {
    const got = await mainAsync(async () => {
      const queue = new Queue<number>({ maxsize: 2 });
      const got: (number | string)[] = [];
      const consumer = (async () => {
        for await (const item of queue) {
          got.push(item);
          queue.taskDone();
        }
        got.push('end');
      })();
      for (let i = 0; i < 6; i++) {
        await queue.put(i);
        if (i % 2 === 1) await sleep(0);
      }
      queue.shutdown();
      await consumer;
      return got;
    });
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 'end']);
  });

  it('for await hands items over as they are, even promises', async () => {
    const same = await mainAsync(async () => {
      const queue = new Queue<Promise<string>>();
      const pending = new Promise<string>(() => undefined);
      const settled = Promise.resolve('x');
      queue.putNowait(pending);
      queue.putNowait(settled);
      queue.shutdown();
      const items: Promise<string>[] = [];
      for await (const item of queue) items.push(item);
      return items[0] === pending && items[1] === settled && items.length === 2;
    });
    expect(same).toBe(true);
  });

  it('breaking out of for await leaves the rest in the queue', async () => {
    const outcome = await mainAsync(async () => {
      const queue = new LifoQueue<number>();
      for (const n of [1, 2, 3]) queue.putNowait(n);
      let first: number | undefined;
      for await (const item of queue) {
        first = item;
        break;
      }
      return { first, rest: getAll(queue) };
    });
    expect(outcome).toEqual({ first: 3, rest: [2, 1] });
  });

  it('for await over a queue shut down with shutdown(true) ends without the rest', async () => {
    const got = await mainAsync(async () => {
      const queue = new Queue<number>();
      for (const n of [1, 2, 3]) queue.putNowait(n);
      queue.shutdown(true);
      const got: number[] = [];
      for await (const item of queue) got.push(item);
      return got;
    });
    expect(got).toEqual([]);
  });
});

describe('errors and misuse', () => {
  it('QueueEmpty, QueueFull and QueueShutDown are named errors with codes and say what happened', () => {
    const queue = new Queue<number>({ maxsize: 1 });
    const empty = thrown(() => queue.getNowait());
    expect(empty).toBeInstanceOf(QueueEmpty);
    expect(empty).toBeInstanceOf(Error);
    expect(empty).toMatchObject({
      name: 'QueueEmpty',
      code: 'ERR_AIO_QUEUE_EMPTY',
      message: 'getNowait() on an empty queue',
    });
    queue.putNowait(1);
    expect(thrown(() => queue.putNowait(2))).toMatchObject({
      name: 'QueueFull',
      code: 'ERR_AIO_QUEUE_FULL',
      message: 'putNowait() on a full queue (maxsize 1)',
    });
    queue.shutdown();
    expect(thrown(() => queue.putNowait(2))).toMatchObject({
      name: 'QueueShutDown',
      code: 'ERR_AIO_QUEUE_SHUT_DOWN',
      message: 'putNowait() on a queue that is shut down',
    });
  });

  it('maxsize must be a whole number, 0 or more', () => {
    expect(() => new Queue({ maxsize: -1 })).toThrow(
      new RangeError('Queue expected maxsize to be a whole number >= 0 (0: no limit), got -1'),
    );
    expect(() => new LifoQueue({ maxsize: 1.5 })).toThrow(/^LifoQueue expected maxsize.*got 1\.5$/);
    expect(() => new PriorityQueue({ maxsize: Number.NaN })).toThrow(RangeError);
    expect(() => new Queue({ maxsize: '2' as unknown as number })).toThrow(/got "2"/);
    expect(new Queue({ maxsize: 0 }).full()).toBe(false);
  });

  it('PriorityQueue: compare must be a function; the default order refuses a number against a string', () => {
    expect(
      () =>
        new PriorityQueue<number>({
          compare: 'desc' as unknown as (a: number, b: number) => number,
        }),
    ).toThrow(TypeError);
    const mixed = new PriorityQueue<number | string>();
    mixed.putNowait(1);
    expect(() => mixed.putNowait('a')).toThrow(
      new TypeError('PriorityQueue cannot order "a" and 1: give it a compare function'),
    );
  });

  it('a queue that has waited on one loop refuses to wait on another', async () => {
    const queue = new Queue<number>();
    await main(function* () {
      queue.get().cancel(); // waits on this loop: the queue is bound to it
    });
    await expect(
      main(function* () {
        yield* queue.get();
      }),
    ).rejects.toThrow('<Queue maxsize=0 qsize=0> is bound to a different event loop');
  });

  it('prints its state: toString, toStringTag, inspect', () => {
    const queue = new PriorityQueue<number>({ maxsize: 2 });
    queue.putNowait(1);
    expect(String(queue)).toBe('<PriorityQueue maxsize=2 qsize=1 unfinished=1>');
    expect(Object.prototype.toString.call(queue)).toBe('[object PriorityQueue]');
    expect(inspect(queue)).toBe('<PriorityQueue maxsize=2 qsize=1 unfinished=1>');
    const lifo = new LifoQueue<number>();
    lifo.shutdown();
    expect(String(lifo)).toBe('<LifoQueue maxsize=0 qsize=0 shutdown>');
  });
});
