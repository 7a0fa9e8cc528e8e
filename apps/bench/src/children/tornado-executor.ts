/**
 * The `runOnExecutor` round trip of `pnpm bench tornado-core`, for one loop mode, in a process of
 * its own (as the Python peer is).
 *
 *   tornado-executor.mjs '{"mode": "hosted", "count": 2000, "rounds": 6}'
 *
 * `Jobs.inc` is tornado's `@run_on_executor` method on a one-thread `ThreadPoolExecutor` (Python:
 * `concurrent.futures.ThreadPoolExecutor(1)`), running the worker function `inc` (`x + 1`, in
 * `src/workers/tornado-jobs.ts`). Each round is one `IOLoop.current().runSync(…)` of a
 * `gen.coroutine` making `count` sequential round trips (`x = yield jobs.inc(x)`): round trips
 * per second, timed inside the coroutine from before the first until after the last. All rounds
 * use the same pool; the first, cold, round also starts its thread. Prints `{"rates": [...]}`.
 */
import type { Future } from '@aio/future';
import {
  runOnExecutor,
  ThreadPoolExecutor,
  workerFunction,
  type Executor,
} from '@aio/tornado/concurrent';
import * as gen from '@aio/tornado/gen';
import { workerModule } from '../lib/paths';
import { roundsArgs, runRounds } from '../lib/tornado-rounds';
import type { inc } from '../workers/tornado-jobs';

class Jobs {
  readonly executor: Executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  readonly inc = runOnExecutor(workerFunction<typeof inc>(workerModule('tornado-jobs'), 'inc'));
}

const trips = gen.coroutine(function* (
  jobs: Jobs,
  n: number,
): Generator<Future<number>, number, number> {
  const start = performance.now();
  let x = 0;
  for (let i = 0; i < n; i++) x = yield jobs.inc(x);
  const elapsed = performance.now() - start;
  if (x !== n) throw new Error(`round trips counted ${x}, not ${n}`);
  return (n / elapsed) * 1000;
});

const args = roundsArgs('tornado-executor');
const jobs = new Jobs();
try {
  await runRounds(args, () => trips(jobs, args.count));
} finally {
  await jobs.executor.shutdown();
}
