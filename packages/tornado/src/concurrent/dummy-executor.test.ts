import { run } from '@aio/coroutine';
import { Future } from '@aio/future';
import { EventLoop, setEventLoop } from '@aio/loop';
import { expect, it } from 'vitest';
import {
  DummyExecutor,
  InvalidWorkerFunctionError,
  dummyExecutor,
  workerFunction,
} from '../concurrent';
import type * as jobs from './test-jobs';

const jobsUrl = new URL('./test-jobs.ts', import.meta.url);

it('runs the function at once and returns a future that is done', () => {
  const loop = new EventLoop();
  setEventLoop(loop);
  try {
    const executor = new DummyExecutor();
    const seen: number[] = [];
    const future = executor.submit(
      (a: number, b: number) => {
        seen.push(a);
        return a + b;
      },
      1,
      2,
    );
    expect(seen).toEqual([1]);
    expect(future).toBeInstanceOf(Future);
    expect(future.done()).toBe(true);
    expect(future.result()).toBe(3);

    const error = new Error('failed in place');
    const failed = executor.submit(() => {
      throw error;
    });
    expect(failed.done()).toBe(true);
    expect(failed.exception()).toBe(error);
  } finally {
    setEventLoop(null);
    loop.close();
  }
});

it('follows a promise the function returns', async () => {
  await run(async () => {
    const future = dummyExecutor.submit(async (n: number) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return n * 2;
    }, 4);
    expect(future.done()).toBe(false);
    expect(await future).toBe(8);
  });
});

it('runs a worker function in this thread, after importing its module', async () => {
  await run(async () => {
    const add = workerFunction<typeof jobs.add>(jobsUrl, 'add');
    expect(await dummyExecutor.submit(add, 40, 2)).toBe(42);
    const where = workerFunction<typeof jobs.where>(jobsUrl, 'where');
    expect(await dummyExecutor.submit(where)).toEqual({ pid: process.pid, threadId: 0 });
    const missing = dummyExecutor.submit(workerFunction(jobsUrl, 'nope'));
    await expect(Promise.resolve(missing)).rejects.toBeInstanceOf(InvalidWorkerFunctionError);
  });
});

it('has nothing to shut down, and still takes jobs after shutdown(), as tornado', async () => {
  const loop = new EventLoop();
  setEventLoop(loop);
  try {
    const executor = new DummyExecutor();
    await executor.shutdown();
    expect(executor.submit(() => 1).result()).toBe(1);
    expect(String(executor)).toBe('<DummyExecutor>');
  } finally {
    setEventLoop(null);
    loop.close();
  }
});
