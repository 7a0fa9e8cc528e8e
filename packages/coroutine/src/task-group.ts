/**
 * `taskGroup(body)`: structured concurrency — asyncio's `TaskGroup`.
 *
 *   const [a, b] = yield* taskGroup(function* (tg) {
 *     const a = tg.createTask(fetch('/a'));
 *     const b = tg.createTask(fetch('/b'));
 *     return [a, b];
 *   });
 *   await taskGroup(async (tg) => { tg.createTask(…); });
 *
 * The group waits for every child before it ends. The first child to fail cancels its siblings
 * and the body (a generator body gets CancelledError at its current yield; an async body sees
 * `tg.signal` abort); then every error comes back together in a `TaskGroupError`. A group
 * cancelled from outside cancels its children and ends with that CancelledError.
 */
import { getRunningLoop, type EventLoop } from '@aio/loop';
import { Future, isCancelledError } from '@aio/future';
import { bodyAsGenerator, Scoped, type Body } from './body';
import { TaskGroupError } from './errors';
import { Task, currentTask, isCoroutine, type TaskOptions, type TaskSource } from './task';

export class TaskGroup {
  readonly #loop: EventLoop;
  readonly #tasks = new Set<Task>();
  readonly #errors: unknown[] = [];
  readonly #controller = new AbortController();
  #parent: Task | null = null;
  #parentCancelRequested = false;
  #exiting = false;
  #finished = false;
  #waiter: Future<void> | null = null;

  constructor(loop: EventLoop = getRunningLoop('TaskGroup()')) {
    this.#loop = loop;
  }

  /** Aborted when the group starts cancelling its children (a child failed, or it was cancelled). */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Starts a child task. @throws Error once the group has finished or is shutting down */
  createTask<T>(source: TaskSource<T>, options: Omit<TaskOptions, 'loop'> = {}): Task<T> {
    if (this.#finished)
      throw new Error('TaskGroup is finished: createTask() must be called inside its body');
    if (this.#controller.signal.aborted) {
      if (isCoroutine(source)) source.return(undefined as never);
      throw new Error('TaskGroup is shutting down: a child failed or the group was cancelled');
    }
    const task = new Task<T>(source, { ...options, loop: this.#loop });
    this.#tasks.add(task);
    task.addDoneCallback(() => this.#onTaskDone(task));
    return task;
  }

  #onTaskDone(task: Task): void {
    this.#tasks.delete(task);
    if (this.#waiter !== null && this.#tasks.size === 0 && !this.#waiter.done())
      this.#waiter.setResult();
    if (task.cancelled()) return;
    const error = task.exception();
    if (error === undefined) return;
    this.#errors.push(error);
    if (this.#aborting) return;
    this.#abort();
    // Interrupt the body too, unless it is already waiting for the children at the end.
    if (this.#parent !== null && !this.#parent.done() && !this.#exiting) {
      this.#parentCancelRequested = true;
      this.#parent.cancel();
    }
  }

  get #aborting(): boolean {
    return this.#controller.signal.aborted;
  }

  #abort(): void {
    if (!this.#controller.signal.aborted) this.#controller.abort();
    for (const task of this.#tasks) if (!task.done()) task.cancel();
  }

  /** @internal The group's life, run inside the task that owns it. */
  *run<T>(body: Body<TaskGroup, T>): Generator<unknown, T, unknown> {
    this.#parent = currentTask(this.#loop);
    if (this.#parent === null)
      throw new Error('taskGroup() must run inside a task (yield* it in a task, or await it)');
    let result: T | undefined;
    let bodyError: unknown;
    let bodyFailed = false;
    try {
      result = yield* bodyAsGenerator(body, this);
    } catch (error) {
      bodyFailed = true;
      bodyError = error;
    }
    this.#exiting = true;
    let propagateCancel: unknown;
    if (bodyFailed) {
      if (isCancelledError(bodyError) && !this.#parentCancelRequested) propagateCancel = bodyError;
      if (!this.#aborting) this.#abort();
    }
    // Wait for every child; a cancellation meanwhile cancels them and is passed on at the end.
    while (this.#tasks.size > 0) {
      this.#waiter = new Future<void>(this.#loop);
      try {
        yield this.#waiter;
      } catch (error) {
        if (!isCancelledError(error)) throw error;
        propagateCancel ??= error;
        this.#abort();
      }
      this.#waiter = null;
    }
    this.#finished = true;
    if (this.#parentCancelRequested) {
      // The cancellation we asked for has done its job; take it back.
      this.#parent.uncancel();
      this.#parentCancelRequested = false;
    }
    if (bodyFailed && !isCancelledError(bodyError)) this.#errors.unshift(bodyError);
    if (this.#errors.length > 0) throw new TaskGroupError(this.#errors);
    if (propagateCancel !== undefined) throw propagateCancel as Error;
    return result as T;
  }
}

class TaskGroupScope<T> extends Scoped<T> {
  constructor(private readonly body: Body<TaskGroup, T>) {
    super('taskGroup()');
  }

  protected run(): Generator<unknown, T, unknown> {
    return new TaskGroup(getRunningLoop('taskGroup()')).run(this.body);
  }
}

/** A task group around `body`: `yield*` it in a generator task, or `await` it. */
export function taskGroup<T>(body: Body<TaskGroup, T>): Scoped<T> {
  if (typeof body !== 'function')
    throw new TypeError('taskGroup() expected a body function (tg) => …');
  return new TaskGroupScope(body);
}
