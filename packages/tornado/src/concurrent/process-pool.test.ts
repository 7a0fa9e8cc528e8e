import { run } from '@aio/coroutine';
import { expect, it, vi } from 'vitest';
import { ProcessPoolExecutor, WorkerCrashedError } from '../concurrent';
import { failure, job, poolContract } from './test-pool-contract';

// This file starts pools of child processes (Node with tsx): seconds alone, and ten times that on a
// loaded 2-core machine (the suite beside two CPU hogs), so the limits are 120 s, not 20.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

poolContract('ProcessPoolExecutor', (options) => new ProcessPoolExecutor(options));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

it('runs jobs in child processes, reusing them', async () => {
  const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
  try {
    await run(async () => {
      const first = await pool.submit(job.where);
      const second = await pool.submit(job.where);
      expect(first.pid).not.toBe(process.pid);
      expect(second.pid).toBe(first.pid);
      expect(pool.pids()).toEqual([first.pid]);
    });
  } finally {
    await pool.shutdown();
  }
});

it('leaves no process behind: after shutdown() every child has exited and been reaped', async () => {
  const pool = new ProcessPoolExecutor({ maxWorkers: 2 });
  let pids: number[] = [];
  await run(async () => {
    await Promise.all([pool.submit(job.busyWait, 50), pool.submit(job.busyWait, 50)]);
    pids = pool.pids();
    expect(pids).toHaveLength(2);
    expect(pids.every(isAlive)).toBe(true);
    await pool.shutdown();
  });
  expect(pool.pids()).toEqual([]);
  expect(pids.map(isAlive)).toEqual([false, false]);
});

it('fails the job of a child killed by a signal with WorkerCrashedError, and serves the next jobs', async () => {
  const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
  try {
    await run(async () => {
      const { pid } = await pool.submit(job.where);
      const killed = pool.submit(job.killSelf, 'SIGKILL');
      const next = pool.submit(job.where);
      const error = await failure(killed);
      expect(error).toBeInstanceOf(WorkerCrashedError);
      expect(error).toMatchObject({ signal: 'SIGKILL', exitCode: null });
      expect(error.message).toBe(
        `the child process ${pid} running the job was killed by SIGKILL before it finished`,
      );
      expect(isAlive(pid)).toBe(false);
      const replacement = await next;
      expect(replacement.pid).not.toBe(pid);
      expect(pool.pids()).toEqual([replacement.pid]);
    });
  } finally {
    await pool.shutdown();
  }
});
