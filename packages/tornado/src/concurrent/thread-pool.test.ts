import { run } from '@aio/coroutine';
import type { Worker } from 'node:worker_threads';
import { expect, it, vi } from 'vitest';
import { ThreadPoolExecutor } from '../concurrent';
import { job, poolContract } from './test-pool-contract';

// This file starts pools of worker threads (tsx loads each): seconds alone, and ten times that on a
// loaded 2-core machine (the suite beside two CPU hogs), so the limits are 120 s, not 20.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

poolContract('ThreadPoolExecutor', (options) => new ThreadPoolExecutor(options));

it('runs jobs on other threads of this process', async () => {
  const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  try {
    await run(async () => {
      const { pid, threadId } = await pool.submit(job.where);
      expect(pid).toBe(process.pid);
      expect(threadId).toBeGreaterThan(0);
    });
  } finally {
    await pool.shutdown();
  }
});

it('leaves no thread behind: shutdown() destroys the piscina pool and every worker exits', async () => {
  const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
  let workers: Worker[] = [];
  await run(async () => {
    await Promise.all([pool.submit(job.busyWait, 50), pool.submit(job.busyWait, 50)]);
    workers = [...pool.piscina.threads];
    expect(workers).toHaveLength(2);
    expect(workers.every((worker) => worker.threadId > 0)).toBe(true);
    await pool.shutdown();
  });
  expect(pool.piscina.threads).toHaveLength(0);
  // A worker's threadId is -1 once its thread has stopped.
  expect(workers.map((worker) => worker.threadId)).toEqual([-1, -1]);
});

it('starts threads on demand, up to maxWorkers', async () => {
  const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
  try {
    expect(pool.piscina.threads).toHaveLength(0);
    await run(async () => {
      await pool.submit(job.add, 1, 1);
      expect(pool.piscina.threads).toHaveLength(1);
      await Promise.all([1, 2, 3].map(() => pool.submit(job.busyWait, 30)));
      expect(pool.piscina.threads).toHaveLength(2);
    });
  } finally {
    await pool.shutdown();
  }
});

it('checks maxWorkers', () => {
  expect(() => new ThreadPoolExecutor({ maxWorkers: 0 })).toThrow(
    /ThreadPoolExecutor\(\) expected maxWorkers to be a positive integer, got 0/,
  );
});
