import { run } from '@aio/coroutine';
import { Future } from '@aio/future';
import { InvalidArgumentError } from '@aio/loop';
import { expect, it, vi } from 'vitest';
import {
  DummyExecutor,
  InvalidWorkerFunctionError,
  ThreadPoolExecutor,
  runOnExecutor,
  workerFunction,
  type Executor,
} from '../concurrent';
import type * as jobs from './test-jobs';

// This file starts worker threads (tsx loads each): seconds alone, and ten times that on a loaded
// 2-core machine (the suite beside two CPU hogs), so the limits are 120 s, not 20.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const jobsUrl = new URL('./test-jobs.ts', import.meta.url);

class Counter {
  executor: Executor = new DummyExecutor();
  count = 0;

  bump(by: number): Future<number>;
  @runOnExecutor
  bump(by: number): number | Future<number> {
    this.count += by;
    return this.count;
  }

  fail(): Future<never>;
  @runOnExecutor
  fail(): never | Future<never> {
    throw new Error(`failed at ${this.count}`);
  }
}

it('the decorator runs the method on this.executor, with this, and returns a Future', async () => {
  await run(async () => {
    const counter = new Counter();
    const future = counter.bump(2);
    expect(future).toBeInstanceOf(Future);
    expect(await future).toBe(2);
    expect(await counter.bump(3)).toBe(5);
    await expect(Promise.resolve(counter.fail())).rejects.toThrow('failed at 5');
    expect(Counter.prototype.bump.name).toBe('bump');
  });
});

class Named {
  constructor(readonly background: Executor) {}

  triple(n: number): Future<number>;
  @runOnExecutor({ executor: 'background' })
  triple(n: number): number | Future<number> {
    return n * 3;
  }

  // The function form, with a worker function and a custom attribute name.
  add = runOnExecutor(workerFunction<typeof jobs.add>(jobsUrl, 'add'), { executor: 'background' });

  // The function form, with a plain function (for an executor of this thread).
  describe = runOnExecutor(
    function (this: Named, suffix: string) {
      return `${this.background.constructor.name}${suffix}`;
    },
    { executor: 'background' },
  );
}

it('the decorator and the function form take the executor attribute name as an option', async () => {
  await run(async () => {
    const named = new Named(new DummyExecutor());
    expect(await named.triple(3)).toBe(9);
    expect(await named.add(1, 2)).toBe(3);
    expect(await named.describe('!')).toBe('DummyExecutor!');
  });
});

it('the function form sends a worker function to a pool, with the method arguments', async () => {
  const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  try {
    await run.with({ mode: 'blocking' })(async () => {
      const named = new Named(pool);
      const sum = named.add(20, 22);
      expect(sum).toBeInstanceOf(Future);
      expect(await sum).toBe(42);
      // A closure cannot go to a pool: the pool says so.
      expect(() => named.triple(1)).toThrow(InvalidWorkerFunctionError);
    });
  } finally {
    await pool.shutdown();
  }
});

it('returns a new Future chained one way: cancelling it does not cancel the job (tornado)', async () => {
  const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  try {
    await run(async () => {
      const named = new Named(pool);
      const first = named.add(1, 1);
      first.cancel();
      expect(pool.running + pool.pending).toBe(1);
      expect(await named.add(2, 2)).toBe(4);
    });
  } finally {
    await pool.shutdown();
  }
});

it('says clearly when this has no executor under that name', async () => {
  await run(async () => {
    const named = new Named(undefined as unknown as Executor);
    expect(() => named.triple(1)).toThrow(InvalidArgumentError);
    expect(() => named.triple(1)).toThrow(
      'triple() runs on this.background, which should be an Executor (with submit()), got undefined',
    );
  });
});
