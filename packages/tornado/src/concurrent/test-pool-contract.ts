/**
 * The behaviour both pools promise, run against each (thread-pool.test.ts, process-pool.test.ts)
 * with real threads or processes, in both loop modes where the loop matters.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '@aio/coroutine';
import { CancelledError, Future } from '@aio/future';
import { getRunningLoop } from '@aio/loop';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ExecutorShutdownError,
  InvalidWorkerFunctionError,
  WorkerCrashedError,
  workerFunction,
  type WorkerFunction,
} from '../concurrent';
import type { PoolExecutor } from './pool';
import type * as jobs from './test-jobs';

const jobsUrl = new URL('./test-jobs.ts', import.meta.url);
export const job = {
  add: workerFunction<typeof jobs.add>(jobsUrl, 'add'),
  double: workerFunction<typeof jobs.default>(jobsUrl),
  slowDouble: workerFunction<typeof jobs.slowDouble>(jobsUrl, 'slowDouble'),
  busyWait: workerFunction<typeof jobs.busyWait>(jobsUrl, 'busyWait'),
  busyWaitUntil: workerFunction<typeof jobs.busyWaitUntil>(jobsUrl, 'busyWaitUntil'),
  roundTrip: workerFunction<typeof jobs.roundTrip>(jobsUrl, 'roundTrip'),
  where: workerFunction<typeof jobs.where>(jobsUrl, 'where'),
  failWithJobError: workerFunction<typeof jobs.failWithJobError>(jobsUrl, 'failWithJobError'),
  failWithTypeError: workerFunction<typeof jobs.failWithTypeError>(jobsUrl, 'failWithTypeError'),
  throwString: workerFunction<typeof jobs.throwString>(jobsUrl, 'throwString'),
  exit: workerFunction<typeof jobs.exit>(jobsUrl, 'exit'),
  makeFunction: workerFunction<typeof jobs.makeFunction>(jobsUrl, 'makeFunction'),
  appendMarker: workerFunction<typeof jobs.appendMarker>(jobsUrl, 'appendMarker'),
  slowMarker: workerFunction<typeof jobs.slowMarker>(jobsUrl, 'slowMarker'),
  killSelf: workerFunction<typeof jobs.killSelf>(jobsUrl, 'killSelf'),
};

/** The error a future fails with (fails the test if it succeeds). */
export async function failure(future: PromiseLike<unknown>): Promise<Error> {
  try {
    await future;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the job to fail');
}

export const MODES = ['hosted', 'blocking'] as const;

export function poolContract(
  name: string,
  makePool: (options: { maxWorkers: number }) => PoolExecutor,
): void {
  const pools: PoolExecutor[] = [];
  const make = (maxWorkers = 2): PoolExecutor => {
    const pool = makePool({ maxWorkers });
    pools.push(pool);
    return pool;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.shutdown()));
  });

  describe.each(MODES)(`${name} on a %s loop`, (mode) => {
    const inLoop = <T>(main: () => Promise<T>): Promise<T> => run.with({ mode })(main);

    it('runs worker functions and resolves their futures with the results', async () => {
      const pool = make();
      await inLoop(async () => {
        const sum = pool.submit(job.add, 2, 3);
        expect(sum).toBeInstanceOf(Future);
        expect(sum.getLoop()).toBe(getRunningLoop());
        expect(await sum).toBe(5);
        expect(await pool.submit(job.double, 21)).toBe(42);
        expect(await pool.submit(job.slowDouble, 4, 20)).toBe(8);
      });
    });

    it('keeps the loop ticking while a job blocks its worker for 300 ms', async () => {
      const pool = make();
      const dir = mkdtempSync(join(tmpdir(), 'aio-ticks-'));
      const started = join(dir, 'started');
      const release = join(dir, 'release');
      try {
        await inLoop(async () => {
          const loop = getRunningLoop();
          // 10 ms ticks, counted once the job has begun; the 20th releases it. The job blocks
          // its worker for 300 ms at least, and for as long as the ticks take on a loaded
          // machine: a loop the job blocked could not tick, and the job would end unreleased.
          let ticks = 0;
          const tick = (): void => {
            if (existsSync(started) && ++ticks === 20) writeFileSync(release, '');
            handle = loop.callLater(10, tick);
          };
          let handle = loop.callLater(10, tick);
          const { took, released } = await pool.submit(
            job.busyWaitUntil,
            started,
            release,
            300,
            60_000,
          );
          handle.cancel();
          expect(released).toBe(true);
          expect(took).toBeGreaterThanOrEqual(300);
          expect(ticks).toBeGreaterThanOrEqual(20);
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);

    it('runs up to maxWorkers jobs at once', async () => {
      const pool = make(2);
      await inLoop(async () => {
        await Promise.all([pool.submit(job.add, 0, 0), pool.submit(job.add, 0, 0)]); // warm up
        const start = performance.now();
        const futures = [1, 2, 3, 4].map(() => pool.submit(job.busyWait, 150));
        expect(pool.running).toBe(2);
        expect(pool.pending).toBe(2);
        await Promise.all(futures);
        const took = performance.now() - start;
        // Four 150 ms jobs, two at a time: never before 300 ms. The upper bound only catches a
        // pool that stalls; a loaded machine may take seconds to hand jobs to its workers.
        expect(took).toBeGreaterThanOrEqual(300);
        expect(took).toBeLessThan(10_000);
      });
    });
  });

  describe(`${name}: values and errors across the boundary`, () => {
    it('copies arguments and results with the structured clone algorithm', async () => {
      const pool = make(1);
      const value = {
        map: new Map([['a', 1]]),
        set: new Set([1, 2]),
        date: new Date(0),
        big: 10n ** 20n,
        bytes: new Uint8Array([1, 2, 3]),
        nested: { list: [1, 'two', null, undefined] },
      };
      await run(async () => {
        expect(await pool.submit(job.roundTrip, value)).toEqual(value);
      });
    });

    it('fails the future with the error the job threw: name, message, stack, code, cause', async () => {
      const pool = make(1);
      await run(async () => {
        const error = await failure(pool.submit(job.failWithJobError, 'the job failed'));
        expect(error).toBeInstanceOf(Error);
        expect(error.name).toBe('JobError');
        expect(error.message).toBe('the job failed');
        expect(error).toMatchObject({ code: 'E_JOB', attempts: 3 });
        // The worker's stack: where the job threw.
        expect(error.stack).toMatch(
          /JobError: the job failed\n\s+at (\S+\.)?failWithJobError .*test-jobs\.ts/,
        );
        expect(error.cause).toBeInstanceOf(RangeError);
        expect((error.cause as Error).message).toBe('the cause');

        const typeError = await failure(pool.submit(job.failWithTypeError));
        expect(typeError).toBeInstanceOf(TypeError);
        expect(typeError.message).toBe('not a number');

        expect(await failure(pool.submit(job.throwString))).toBe('plain string');
      });
    });

    it('fails the future with DataCloneError for arguments or a result that cannot be cloned, and goes on', async () => {
      const pool = make(1);
      await run(async () => {
        const args = await failure(pool.submit(job.roundTrip, () => 1));
        expect(args.name).toBe('DataCloneError');
        expect(args.message).toMatch(/arguments of roundTrip could not be cloned/);
        const result = await failure(pool.submit(job.makeFunction));
        expect(result.name).toBe('DataCloneError');
        expect(result.message).toMatch(/result of makeFunction could not be cloned/);
        expect(await pool.submit(job.add, 1, 1)).toBe(2);
      });
    });

    it('rejects what is not a worker function at submit, and a missing export in the future', async () => {
      const pool = make(1);
      await run(async () => {
        const closure = (n: number): number => n;
        const notARef = closure as unknown as WorkerFunction<typeof closure>;
        expect(() => pool.submit(notARef, 1)).toThrow(InvalidWorkerFunctionError);
        expect(() => pool.submit(notARef, 1)).toThrow(
          /expected a worker function \(\{ module, name \}\), got the function closure: a pool runs code in another thread or process/,
        );
        const relative: WorkerFunction<typeof jobs.add> = { module: './test-jobs.ts', name: 'add' };
        expect(() => pool.submit(relative, 1, 2)).toThrow(
          /expected the module as a file: URL or an absolute path/,
        );

        const missing = await failure(pool.submit(workerFunction(jobsUrl, 'nope')));
        expect(missing).toBeInstanceOf(InvalidWorkerFunctionError);
        expect(missing.message).toMatch(
          /worker function nope of file:.*test-jobs\.ts is not exported/,
        );
        const notAFunction = await failure(pool.submit(workerFunction(jobsUrl, 'notAFunction')));
        expect(notAFunction.message).toMatch(/notAFunction .* is a number, not a function/);
        const noModule = await failure(
          pool.submit(workerFunction(new URL('./no-such-module.ts', import.meta.url), 'f')),
        );
        expect(noModule).toBeInstanceOf(InvalidWorkerFunctionError);
        expect(noModule.message).toMatch(/could not be loaded from .*no-such-module\.ts/);
        expect(await pool.submit(job.add, 1, 2)).toBe(3);
      });
    });

    it('fails the job of a worker that exits with WorkerCrashedError, and serves the next jobs', async () => {
      const pool = make(1);
      await run(async () => {
        const crash = pool.submit(job.exit, 3);
        const next = pool.submit(job.add, 20, 22);
        const error = await failure(crash);
        expect(error).toBeInstanceOf(WorkerCrashedError);
        expect(error).toMatchObject({ code: 'ERR_AIO_WORKER_CRASHED', exitCode: 3 });
        expect(await next).toBe(42);
        expect(await pool.submit(job.double, 5)).toBe(10);
      });
    });
  });

  describe(`${name}: cancellation and shutdown`, () => {
    let dir: string;
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const markersIn = (file: string): string[] => {
      try {
        return readFileSync(file, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    };

    it('takes the job of a cancelled future off the queue before it starts', async () => {
      dir = mkdtempSync(join(tmpdir(), 'aio-pool-'));
      const file = join(dir, 'markers');
      const pool = make(1);
      await run(async () => {
        const busy = pool.submit(job.busyWait, 150);
        const skipped = pool.submit(job.appendMarker, file, 'skipped');
        const after = pool.submit(job.appendMarker, file, 'after');
        expect(pool.pending).toBe(2);
        expect(skipped.cancel()).toBe(true);
        expect(pool.pending).toBe(1);
        await busy;
        await after;
        expect(skipped.cancelled()).toBe(true);
        await expect(Promise.resolve(skipped)).rejects.toBeInstanceOf(CancelledError);
      });
      expect(markersIn(file)).toEqual(['after']);
    });

    it('lets a started job run to its end when its future is cancelled, and drops its outcome', async () => {
      dir = mkdtempSync(join(tmpdir(), 'aio-pool-'));
      const file = join(dir, 'markers');
      const pool = make(1);
      await run(async () => {
        await pool.submit(job.add, 0, 0); // the worker is up
        const started = pool.submit(job.slowMarker, file, 'started', 100);
        expect(pool.running).toBe(1);
        expect(started.cancel()).toBe(true);
        await pool.submit(job.appendMarker, file, 'next');
        expect(pool.running).toBe(0);
      });
      expect(markersIn(file)).toEqual(['started', 'next']);
    });

    it('shutdown() waits for the jobs submitted, then ends every worker; submit() then throws', async () => {
      const pool = make(2);
      await run(async () => {
        const futures = [
          pool.submit(job.slowDouble, 1, 50),
          pool.submit(job.slowDouble, 2, 50),
          pool.submit(job.add, 1, 2),
        ];
        await pool.shutdown();
        expect(futures.map((f) => f.done())).toEqual([true, true, true]);
        expect(futures.map((f) => f.result())).toEqual([2, 4, 3]);
        expect(() => pool.submit(job.add, 1, 2)).toThrow(ExecutorShutdownError);
        expect(() => pool.submit(job.add, 1, 2)).toThrow(/cannot schedule new jobs after shutdown/);
        await pool.shutdown(); // again: harmless
      });
      expect(String(pool)).toMatch(/shut down running=0 pending=0/);
    });

    it('shutdown({ cancelFutures: true }) cancels the jobs not started and lets the running one finish', async () => {
      const pool = make(1);
      await run(async () => {
        const running = pool.submit(job.slowDouble, 3, 100);
        const queued = [pool.submit(job.add, 1, 1), pool.submit(job.add, 2, 2)];
        await pool.shutdown({ cancelFutures: true });
        expect(running.result()).toBe(6);
        expect(queued.map((f) => f.cancelled())).toEqual([true, true]);
      });
    });

    it('shutdown({ wait: false }) returns at once and the pool still winds down', async () => {
      const pool = make(1);
      await run(async () => {
        const running = pool.submit(job.slowDouble, 5, 100);
        await pool.shutdown({ wait: false });
        expect(running.done()).toBe(false);
        expect(await running).toBe(10);
        await pool.shutdown(); // the same wind-down, now waited for
      });
    });
  });
}
