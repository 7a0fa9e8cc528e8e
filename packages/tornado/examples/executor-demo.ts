/**
 * A blocking job in a thread pool while the event loop keeps ticking.
 *
 * `crunch` spins its thread for a second, as CPU-bound work does. Run on the loop's own thread it
 * would freeze every timer and socket for that second; as a `runOnExecutor` method of a class
 * with a ThreadPoolExecutor (tornado's `@run_on_executor`) it runs on a worker thread, and a
 * PeriodicCallback goes on ticking every 100 ms until the result comes back.
 *
 *     node --import tsx --conditions=@aio/source examples/executor-demo.ts [hosted|blocking]
 *
 * or, where @aio/tornado is installed (the examples come with the package; tsx runs them):
 *
 *     node --import tsx node_modules/@aio/tornado/examples/executor-demo.ts [hosted|blocking]
 *
 * The worker imports this same module to find `crunch`, so the program itself only starts on the
 * main thread (`isMainThread`): Python's `if __name__ == '__main__'`.
 */
import { isMainThread } from 'node:worker_threads';
import { run } from '@aio/coroutine';
import type { LoopMode } from '@aio/loop';
import { ThreadPoolExecutor, runOnExecutor, workerFunction } from '@aio/tornado/concurrent';
import { IOLoop, PeriodicCallback } from '@aio/tornado/ioloop';

// #region job
/** The blocking job: spins for `ms` milliseconds and counts how often it went round. */
export function crunch(ms: number): { iterations: number; ms: number } {
  const start = performance.now();
  let iterations = 0;
  while (performance.now() - start < ms) iterations++;
  return { iterations, ms: Math.round(performance.now() - start) };
}

/** tornado's pattern: a class whose method runs on `this.executor` (`@run_on_executor`). */
class Cruncher {
  readonly executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  /** Returns a Future at once; `crunch` runs on the pool's thread. */
  readonly crunch = runOnExecutor(workerFunction<typeof crunch>(import.meta.url, 'crunch'));
}
// #endregion job

// #region main
async function main(): Promise<void> {
  const ioloop = IOLoop.current();
  const cruncher = new Cruncher();
  try {
    const start = ioloop.time();
    let ticks = 0;
    const ticker = new PeriodicCallback(() => {
      ticks++;
      console.log(`tick ${ticks} at ${Math.round(ioloop.time() - start)} ms`);
    }, 100);
    ticker.start();
    const result = await cruncher.crunch(1000);
    ticker.stop();
    console.log(
      `result: ${result.iterations} iterations in ${result.ms} ms on a worker thread; the loop ticked ${ticks} times meanwhile`,
    );
  } finally {
    await cruncher.executor.shutdown();
  }
}
// #endregion main

if (isMainThread) {
  const mode: LoopMode = process.argv[2] === 'blocking' ? 'blocking' : 'hosted';
  console.log(`loop mode: ${mode}`);
  run
    .with({ mode })(main)
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
