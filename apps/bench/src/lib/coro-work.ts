/**
 * The aio workloads of `pnpm bench coroutine`'s task and gather measurements (run by
 * `src/children/coro-rounds.ts`, one contender per process).
 */
import { createTask, gather, run, sleep, type Task } from '@aio/coroutine';
import { Future } from '@aio/future';
import { getRunningLoop, type LoopMode } from '@aio/loop';

/** How an aio task is written: a generator function, an async function, a generator per task. */
export type TaskStyle = 'generator' | 'async' | 'closure';

export function isTaskStyle(value: unknown): value is TaskStyle {
  return value === 'generator' || value === 'async' || value === 'closure';
}

/** The task body, as Python's `async def work(i): await asyncio.sleep(0); return i`. */
function* work(i: number): Generator<unknown, number, unknown> {
  yield* sleep(0);
  return i;
}

async function workAsync(i: number): Promise<number> {
  await sleep(0);
  return i;
}

/**
 * N tasks that each give up one iteration and return, gathered, in a fresh `run`: tasks per
 * second from just before the first `createTask` until the gather is done.
 */
export function aioTasks(style: TaskStyle, mode: LoopMode, count: number): Promise<number> {
  return run.with({ mode })(function* () {
    const start = performance.now();
    const tasks: Task<number>[] = [];
    for (let i = 0; i < count; i++) {
      if (style === 'generator') {
        tasks.push(createTask(work(i)));
      } else if (style === 'async') {
        tasks.push(createTask(() => workAsync(i)));
      } else {
        tasks.push(
          createTask(function* () {
            yield* sleep(0);
            return i;
          }),
        );
      }
    }
    const results = yield* gather(...tasks);
    const elapsed = performance.now() - start;
    if (results.length !== count) throw new Error(`gather gave ${results.length} results`);
    return (count / elapsed) * 1000;
  });
}

/**
 * M plain futures, each resolved by `loop.callSoon(future.setResult, i)`, gathered, in a fresh
 * `run`: futures per second from the first future created until the gather is done.
 */
export function aioGatherFutures(mode: LoopMode, count: number): Promise<number> {
  return run.with({ mode })(function* () {
    const loop = getRunningLoop();
    const start = performance.now();
    const futures: Future<number>[] = [];
    for (let i = 0; i < count; i++) {
      const f = new Future<number>(loop);
      loop.callSoon(f.setResult.bind(f), i);
      futures.push(f);
    }
    const results = yield* gather(...futures);
    const elapsed = performance.now() - start;
    if (results.length !== count) throw new Error(`gather gave ${results.length} results`);
    return (count / elapsed) * 1000;
  });
}
