/**
 * `run(main, ...args)`: asyncio's `run` — a new loop, `main` run to completion as a task, then
 * every task left cancelled and awaited, and the loop closed.
 *
 * `main` is a generator function, an async function, or a generator object; its result is what
 * `run` resolves with. Options go through `run.with({ mode, debug })(main, ...args)`.
 */
import { EventLoop, getRunningLoopOrNull, setEventLoop, type LoopMode } from '@aio/loop';
import { gather } from './gather';
import { Task, allTasks, isCoroutine, type Coroutine } from './task';

export interface RunOptions {
  /** The loop's run mode (default 'hosted'). */
  mode?: LoopMode;
  /** Debug mode for the loop. */
  debug?: boolean;
}

type Main<T, A extends unknown[]> = ((...args: A) => Coroutine<T> | PromiseLike<T>) | Coroutine<T>;

// #region run
async function runWith<T, A extends unknown[]>(
  options: RunOptions,
  main: Main<T, A>,
  args: A,
): Promise<T> {
  if (getRunningLoopOrNull() !== null) {
    throw new Error(
      'run() cannot be called while an event loop is running: createTask() or await it instead',
    );
  }
  if (typeof main !== 'function' && !isCoroutine(main)) {
    throw new TypeError('run() expected a generator function, an async function or a generator');
  }
  const loop = new EventLoop({ mode: options.mode, debug: options.debug });
  setEventLoop(loop);
  try {
    const source = isCoroutine(main) ? main : () => main(...args);
    const task = new Task<T>(source, { loop, name: 'main' });
    return await loop.runUntilComplete(task);
  } finally {
    try {
      await cancelAllTasks(loop);
    } finally {
      setEventLoop(null);
      loop.close();
    }
  }
}

/** Cancels what `main` left running and waits for it, reporting any that failed meanwhile. */
async function cancelAllTasks(loop: EventLoop): Promise<void> {
  const left = [...allTasks(loop)];
  if (left.length === 0) return;
  for (const task of left) task.cancel();
  await loop.runUntilComplete(gather(left, { returnExceptions: true }));
  for (const task of left) {
    if (task.cancelled()) continue;
    const exception = task.exception();
    if (exception !== undefined) {
      loop.callExceptionHandler({
        message: 'unhandled exception during run() shutdown',
        exception,
        task,
      });
    }
  }
}
// #endregion run

/**
 * Runs `main(...args)` on a new loop until it is done, and closes the loop.
 * @example
 * ```ts
 * const pages = await run(function* () {
 *   return yield gather(fetch('/a'), fetch('/b'));
 * });
 * ```
 */
export const run = Object.assign(
  <T, A extends unknown[]>(main: Main<T, A>, ...args: A): Promise<T> => runWith({}, main, args),
  {
    /** `run` with loop options: `run.with({ mode: 'blocking' })(main, ...args)`. */
    with:
      (options: RunOptions) =>
      <T, A extends unknown[]>(main: Main<T, A>, ...args: A): Promise<T> =>
        runWith(options, main, args),
  },
);
