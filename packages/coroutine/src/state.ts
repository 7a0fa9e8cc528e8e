/**
 * The per-process state of @aio/coroutine: which task is running, and where every copy of this
 * package keeps its tasks.
 *
 * It lives on `globalThis` under a registered symbol, as @aio/loop's state does, so that when both
 * the ESM and the CJS build of this package are loaded in one process (an ESM program using a CJS
 * library that uses aio, say) they agree: a CJS `timeout()` inside an ESM `run()` finds the task
 * it runs in, and `allTasks()` of either copy lists the tasks of both.
 */
import type { EventLoop } from '@aio/loop';
import type { Task } from './task';

export interface CoroutineState {
  /**
   * The task whose step is running. One loop runs at a time in a thread (the loop enforces it),
   * so one slot is enough; `currentTask(loop)` checks the loop.
   */
  current: Task | null;
  /** The last number given to a task without a name (`Task-<n>`), shared so names stay unique. */
  tasksNamed: number;
  /** Each copy's list of the pending tasks of a loop: `allTasks()` asks them all. */
  readonly copies: ((loop: EventLoop) => Iterable<Task>)[];
}

const KEY = Symbol.for('@aio/coroutine.state');
const globals = globalThis as unknown as Record<symbol, CoroutineState | undefined>;

export const coroutineState: CoroutineState = (globals[KEY] ??= {
  current: null,
  tasksNamed: 0,
  copies: [],
});
