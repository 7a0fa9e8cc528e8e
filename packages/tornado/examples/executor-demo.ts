/**
 * A blocking job in a thread pool while the event loop keeps ticking.
 *
 * `crunch` spins its thread for a second, as CPU-bound work does. Run on the loop's own thread it
 * would freeze every timer and socket for that second; sent to a ThreadPoolExecutor it runs on a
 * worker thread, and the loop goes on ticking every 100 ms until the result comes back.
 *
 *     node --import tsx --conditions=@aio/source examples/executor-demo.ts [hosted|blocking]
 *
 * The worker imports this same module to find `crunch`, so the program itself only starts on the
 * main thread (`isMainThread`): Python's `if __name__ == '__main__'`.
 */
import { isMainThread } from 'node:worker_threads';
import { run } from '@aio/coroutine';
import { getRunningLoop, type LoopMode } from '@aio/loop';
import { ThreadPoolExecutor, workerFunction } from '@aio/tornado/concurrent';

/** The blocking job: spins for `ms` milliseconds and counts how often it went round. */
export function crunch(ms: number): { iterations: number; ms: number } {
  const start = performance.now();
  let iterations = 0;
  while (performance.now() - start < ms) iterations++;
  return { iterations, ms: Math.round(performance.now() - start) };
}

async function main(): Promise<void> {
  const loop = getRunningLoop();
  const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  try {
    const start = loop.time();
    let ticks = 0;
    const tick = (): void => {
      ticks++;
      console.log(`tick ${ticks} at ${Math.round(loop.time() - start)} ms`);
      handle = loop.callLater(100, tick);
    };
    let handle = loop.callLater(100, tick);

    const job = workerFunction<typeof crunch>(import.meta.url, 'crunch');
    const result = await pool.submit(job, 1000);
    handle.cancel();
    console.log(
      `result: ${result.iterations} iterations in ${result.ms} ms on a worker thread; the loop ticked ${ticks} times meanwhile`,
    );
  } finally {
    await pool.shutdown();
  }
}

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
