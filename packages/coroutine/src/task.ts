/**
 * `Task`: a Future that drives a coroutine — asyncio's `Task.__step`, tornado's `Runner`, and the
 * article's `Task.step`.
 *
 * A generator coroutine yields what it waits for; the task resumes it with `next(result)` or
 * `throw(error)` once that is done, one `callSoon`-scheduled step at a time. It may yield:
 * - a Future or a Task (`yield future`, or `const x = yield* future`, which yields the future);
 * - a Promise or any thenable (wrapped with `wrapPromise`);
 * - an array of those (awaited together with `gather`);
 * - nothing (`yield;`): gives up the rest of this iteration and resumes on the next one;
 * - a sub-generator only through `yield*` (yielding a generator object is a mistake, reported).
 * Anything else is thrown back into the coroutine as a `TypeError` naming what it yielded.
 *
 * An `async` function can be a task too: `createTask(async (signal) => …)`. The task calls it in
 * its first step and follows its promise; cancelling the task aborts `signal` (with a
 * CancelledError as the reason), and the task ends cancelled if the function rejects because of
 * it (or ignores the cancellation and returns, as catching CancelledError would).
 *
 * Invariant (asyncio's): either `#waiter` is null and a step is scheduled, or `#waiter` is the
 * future the coroutine waits on and its done-callback (`Task.wakeup`) will schedule the step.
 */
import { getRunningLoop, getRunningLoopOrNull, type EventLoop } from '@aio/loop';
import { KEEP_AWAKE_UNTIL, RUN, SCHEDULE } from '@aio/loop/internal';
import {
  CancelledError,
  Future,
  InvalidStateError,
  isCancelledError,
  isFuture,
  wrapPromise,
} from '@aio/future';
import { WAKE_UP, GIVE_BACK, TAKE } from '@aio/future/internal';
import { coroutineName } from './describe';
import { formatValue, isThenable } from '@aio/selector/internal';
import type { Awaitable } from './ensure-future';
import { gatherFutures } from './gathering';
import { Relinquish, isRelinquish } from './sleep';
import { coroutineState } from './state';

/** A generator coroutine: what calling a `function*` gives. */
export type Coroutine<T = unknown> = Generator<unknown, T, unknown>;
/** An async function a task can run: it gets the task's AbortSignal. */
export type AsyncTaskFunction<T> = (signal: AbortSignal) => PromiseLike<T>;
/**
 * What a task can run: a generator, a promise, or a function that returns one of them — an async
 * function (it gets the task's AbortSignal) or a generator function of no parameters.
 */
export type TaskSource<T> =
  Coroutine<T> | PromiseLike<T> | ((signal: AbortSignal) => Coroutine<T> | PromiseLike<T>);

export interface TaskOptions {
  /** Default: `Task-<n>`. */
  name?: string;
  /** Default: the running loop (NoRunningLoopError if none runs). */
  loop?: EventLoop;
}

// Task#flags bits.
/** A cancellation is requested and the next step must throw CancelledError into the coroutine. */
const MUST_CANCEL = 1;
/** The first step has run. */
const STARTED = 2;
/** The task is on the ready queue for a step (see Task#run). */
const STEP_PENDING = 4;
/** That step throws its value into the coroutine. */
const STEP_THROWS = 8;
/** That step wakes the task for a done future (its value). */
const STEP_WAKES = 16;
/** The task follows a promise (no generator to step): a step only ends it, see cancel(). */
const FOLLOWING = 32;
/**
 * The pending tasks of each loop, as an intrusive doubly linked list through the tasks
 * themselves: adding and removing is a few pointer writes, where a Set hashes (and was a quarter
 * of a 100k-task benchmark). It also keeps pending tasks alive, so none is collected mid-flight.
 */
interface TaskList {
  head: Task | null;
}
const tasksByLoop = new WeakMap<EventLoop, TaskList>();
/** The list last looked up, and its loop: one loop makes most tasks, so this skips the WeakMap. */
let lastList: TaskList | null = null;
let lastListLoop: EventLoop | null = null;

function taskListOf(loop: EventLoop): TaskList {
  if (lastListLoop === loop) return lastList!;
  let list = tasksByLoop.get(loop);
  if (list === undefined) tasksByLoop.set(loop, (list = { head: null }));
  lastList = list;
  lastListLoop = loop;
  return list;
}

/** A generator function (so the task need not prepare an AbortSignal for it). */
const GeneratorFunction = Object.getPrototypeOf(function* () {
  /* only its prototype is wanted */
}) as object;
function isGeneratorFunction(value: unknown): boolean {
  return typeof value === 'function' && Object.getPrototypeOf(value) === GeneratorFunction;
}

/** Every generator object inherits from this (whatever generator function made it). */
const GeneratorPrototype = (GeneratorFunction as { prototype: object }).prototype;

/**
 * True for a generator object (what a `function*` returns). Checked by prototype first: each
 * generator function has a prototype of its own, so looking up `next`/`throw` on generators from
 * many functions defeats V8's inline caches (this was a third of a 100k-task benchmark).
 */
export function isCoroutine(value: unknown): value is Coroutine {
  if (typeof value !== 'object' || value === null) return false;
  if (Object.prototype.isPrototypeOf.call(GeneratorPrototype, value)) return true;
  const gen = value as Partial<Coroutine>;
  return (
    typeof gen.next === 'function' &&
    typeof gen.throw === 'function' &&
    typeof gen.return === 'function' &&
    typeof gen[Symbol.iterator] === 'function'
  );
}

/**
 * A task's state for cancellation and async functions, kept out of the task itself: most tasks
 * are never cancelled, and a server holds one task per connection (fields cost on every one).
 */
interface RareState {
  /** Cancellation requests not taken back (`cancelling()`). */
  cancelsRequested: number;
  cancelMessage: string | undefined;
  /** The CancelledError the task ended with (`result()` rethrows this one). */
  cancelledError: CancelledError | null;
  /** An async function's AbortController, aborted by `cancel()`. */
  controller: AbortController | undefined;
}

export class Task<T = unknown> extends Future<T> {
  /** What the task runs: the source it was given, then the generator it drives (once started). */
  #coro: TaskSource<T>;
  /** A number until someone asks: formatting `Task-<n>` for every task costs. */
  #name: string | number;
  #waiter: Future | null = null;
  /** What only cancellation and async functions need, made when first needed (see `#rare`). */
  #rareState: RareState | null = null;
  /** MUST_CANCEL | STARTED | STEP_* bits: one small integer instead of five boolean fields. */
  #flags = 0;
  // The step the task has put on the loop's ready queue (see run()): what to send in.
  #stepValue: unknown = undefined;
  // Links in the loop's list of pending tasks.
  #prev: Task | null = null;
  #next: Task | null = null;

  // #region constructor
  constructor(source: TaskSource<T>, options: TaskOptions = {}) {
    checkSource(source);
    super(options.loop ?? getRunningLoop('createTask()'));
    this.#coro = source;
    this.#name = options.name ?? ++coroutineState.tasksNamed;
    const list = taskListOf(this.getLoop());
    this.#next = list.head;
    if (list.head !== null) list.head.#prev = this;
    list.head = this;
    // The first step never runs inline: whoever created the task runs on until it yields.
    this.#scheduleStep(false, undefined);
  }
  // #endregion constructor

  // #region scheduleStep
  /** `Task.wakeup`: what the task waits on is done; the step goes on the ready queue. */
  [WAKE_UP](done: Future): void {
    this.#scheduleStep(false, done, true);
  }

  /**
   * Puts the task's next step on the loop's ready queue: the task itself goes there (the loop
   * calls its `[RUN]()`), so stepping allocates no Handle and no closure.
   */
  #scheduleStep(throws: boolean, value: unknown, wakes = false): void {
    this.#flags =
      (this.#flags & ~(STEP_THROWS | STEP_WAKES)) |
      STEP_PENDING |
      (throws ? STEP_THROWS : 0) |
      (wakes ? STEP_WAKES : 0);
    this.#stepValue = value;
    this.getLoop()[SCHEDULE](this);
  }
  // #endregion scheduleStep

  // #region run
  /**
   * The loop calls this (a hook, `RUN` of @aio/loop/internal) to take the step the task
   * scheduled; it does nothing unless a step is pending.
   */
  [RUN](): void {
    const flags = this.#flags;
    if ((flags & STEP_PENDING) === 0) return;
    this.#flags = flags & ~STEP_PENDING;
    const throws = (flags & STEP_THROWS) !== 0;
    const value = this.#stepValue;
    this.#stepValue = undefined;
    try {
      if ((flags & STEP_WAKES) !== 0) this.#onWakeup(value as Future);
      else this.#step(throws, throws ? value : undefined, value);
    } catch (exception) {
      this.getLoop().callExceptionHandler({
        message: `Exception in ${this.toString()}`,
        exception,
        task: this,
      });
    }
  }
  // #endregion run

  getName(): string {
    return typeof this.#name === 'number' ? `Task-${this.#name}` : this.#name;
  }

  setName(name: string): void {
    this.#name = name;
  }

  /** What the task runs: the generator, the async function, or the promise. */
  getCoro(): TaskSource<T> {
    return this.#coro;
  }

  /** How many cancellation requests are pending (asyncio 3.11's `cancelling()`). */
  cancelling(): number {
    return this.#rareState?.cancelsRequested ?? 0;
  }

  /** Takes back one cancellation request; returns how many are left. */
  uncancel(): number {
    const rare = this.#rareState;
    if (rare === null) return 0;
    if (rare.cancelsRequested > 0) {
      rare.cancelsRequested--;
      if (rare.cancelsRequested === 0) this.#flags &= ~MUST_CANCEL;
    }
    return rare.cancelsRequested;
  }

  // #region cancel
  /**
   * Requests cancellation: a generator gets `CancelledError` thrown in at its current `yield`
   * (its `finally` blocks run, and it may catch it); the future it waits on is cancelled too. An
   * async function's AbortSignal is aborted. Returns false if the task is done already.
   */
  override cancel(message?: string): boolean {
    if (this.done()) return false;
    this.#rare().cancelsRequested++;
    const controller = this.#rareState?.controller;
    if (controller !== undefined) {
      this.#rare().cancelMessage = message;
      if (!controller.signal.aborted) controller.abort(new CancelledError(message ?? ''));
      return true;
    }
    if (this.#waiter !== null && this.#waiter.cancel(message)) {
      // Keep #waiter: it may be a task that swallows the cancellation, to be cancelled again.
      return true;
    }
    this.#rare().cancelMessage = message;
    if ((this.#flags & FOLLOWING) !== 0) {
      // A plain promise cannot be told to stop: the task stops following it, on its next step
      // (as asyncio's cancel() takes effect), and its outcome is ignored.
      if ((this.#flags & STEP_PENDING) === 0)
        this.#scheduleStep(true, new CancelledError(message ?? ''));
      return true;
    }
    // A step is scheduled: it will throw CancelledError into the coroutine.
    this.#flags |= MUST_CANCEL;
    return true;
  }
  // #endregion cancel

  protected override makeCancelledError(): CancelledError {
    return this.#rareState?.cancelledError ?? super.makeCancelledError();
  }

  // #region wakeup
  /**
   * The step a wake-up scheduled: the future the task waited on is done. Its result goes into the
   * coroutine, and the task takes it (see @aio/future's handoff.ts); if the task was cancelled at
   * the moment it was woken, CancelledError goes in instead and the result is given back, so a
   * lock, an item or bytes handed over to this task pass to the next waiter instead of being lost.
   */
  #onWakeup(future: Future): void {
    if ((this.#flags & MUST_CANCEL) !== 0) {
      this.#drop(future);
      this.#step(true, new CancelledError(this.#cancelMessage() ?? ''), undefined);
      return;
    }
    future[TAKE]();
    let value: unknown;
    try {
      value = future.result();
    } catch (error) {
      this.#step(true, error, undefined);
      return;
    }
    this.#step(false, undefined, value);
  }
  // #endregion wakeup

  /**
   * The cancellation goes into the coroutine in place of `future`'s outcome: an exception counts
   * as retrieved (asyncio's `__wakeup` reads it first), a result handed over goes back.
   */
  #drop(future: Future): void {
    if (!future.cancelled()) future.exception();
    future[GIVE_BACK]();
  }

  // #region step
  /** One step: resume the coroutine with `value`, or throw `error` into it; see what it yields. */
  #step(hasError: boolean, error: unknown, value: unknown): void {
    if (this.done()) throw new InvalidStateError(`Task.step: already done: ${this.toString()}`);
    if ((this.#flags & MUST_CANCEL) !== 0) {
      if (!isCancelledError(error)) error = new CancelledError(this.#cancelMessage() ?? '');
      hasError = true;
      this.#flags &= ~MUST_CANCEL;
    }
    this.#waiter = null;
    const state = coroutineState;
    const previous = state.current;
    state.current = this;
    try {
      if ((this.#flags & FOLLOWING) !== 0) {
        // Only cancel() schedules a step for a task that follows a promise.
        this.#finishWithError(hasError ? error : new CancelledError(this.#cancelMessage() ?? ''));
        return;
      }
      if ((this.#flags & STARTED) === 0) {
        this.#flags |= STARTED;
        if (!this.#start(hasError, error)) return;
      }
      const coro = this.#coro as Coroutine<T>;
      for (;;) {
        let result: IteratorResult<unknown, T>;
        try {
          result = hasError ? coro.throw(error) : coro.next(value);
        } catch (thrown) {
          this.#finishWithError(thrown);
          return;
        }
        if (result.done === true) {
          if ((this.#flags & MUST_CANCEL) !== 0) {
            this.#flags &= ~MUST_CANCEL;
            this.#finishCancelled(new CancelledError(this.#cancelMessage() ?? ''));
          } else {
            this.#finishWithResult(result.value);
          }
          return;
        }
        const ready = this.#handleYield(result.value);
        if (ready === null) return;
        // What it yielded is done already: go on at once, as asyncio's `await` of a done future
        // and tornado's Runner do (no wake-up, so nothing handed over can be lost in between).
        // A cancellation asked for meanwhile waits for the next step, as it would have.
        if ((this.#flags & MUST_CANCEL) !== 0) {
          this.#drop(ready);
          this.#scheduleStep(false, undefined);
          return;
        }
        ready[TAKE]();
        try {
          value = ready.result();
          hasError = false;
        } catch (thrown) {
          error = thrown;
          hasError = true;
        }
      }
    } finally {
      state.current = previous;
    }
  }
  // #endregion step

  // #region start
  /**
   * The first step: decide what the task drives. Returns true to go on driving a generator,
   * false if the task follows a promise or is finished already.
   */
  #start(hasError: boolean, error: unknown): boolean {
    const source = this.#coro;
    if (isCoroutine(source)) return true;
    if (hasError) {
      // Cancelled before it began: an async function is never called, a promise not followed.
      this.#finishWithError(error);
      return false;
    }
    if (isThenable(source)) {
      this.#follow(source);
      return false;
    }
    // A generator function is cancelled by throwing into it, so it gets no signal: it is called
    // with no arguments (one that declares parameters was refused by checkSource).
    const controller = isGeneratorFunction(source) ? null : new AbortController();
    let produced: unknown;
    try {
      produced = controller === null ? (source as () => unknown)() : source(controller.signal);
    } catch (thrown) {
      this.#finishWithError(thrown);
      return false;
    }
    if (isCoroutine(produced)) {
      this.#coro = produced as Coroutine<T>;
      return true;
    }
    if (isThenable(produced)) {
      this.#rare().controller = controller ?? new AbortController();
      this.#follow(produced as PromiseLike<T>);
      return false;
    }
    this.#finishWithError(
      new TypeError(
        `createTask() expected ${coroutineName(source)}() to return a generator or a promise (as a generator or an async function does), got ${formatValue(produced)}`,
      ),
    );
    return false;
  }
  // #endregion start

  // #region follow
  /** Follows a promise to the end: its outcome becomes the task's. */
  #follow(promise: PromiseLike<T>): void {
    this.#flags |= FOLLOWING;
    this.getLoop()[KEEP_AWAKE_UNTIL](promise);
    promise.then(
      (value) => {
        if (!this.done()) this.#finishWithResult(value);
      },
      (failure: unknown) => {
        if (this.done()) return;
        const signal = this.#rareState?.controller?.signal;
        const aborted =
          signal?.aborted === true &&
          (failure === signal.reason || (failure as Error | null)?.name === 'AbortError');
        if (aborted) this.#finishCancelled(signal.reason as CancelledError);
        else this.#finishWithError(failure);
      },
    );
  }
  // #endregion follow

  /** Takes the task out of its loop's list of pending tasks. */
  #unlink(): void {
    const list = taskListOf(this.getLoop());
    if (this.#prev !== null) this.#prev.#next = this.#next;
    else if (list.head === this) list.head = this.#next;
    if (this.#next !== null) this.#next.#prev = this.#prev;
    this.#prev = this.#next = null;
  }

  /** @internal The pending tasks of `loop`. */
  static pendingOf(loop: EventLoop): Set<Task> {
    const tasks = new Set<Task>();
    for (let task = tasksByLoop.get(loop)?.head ?? null; task !== null; task = task.#next)
      tasks.add(task);
    return tasks;
  }

  // The three ways a task ends; each also drops it from its loop's list of pending tasks.

  #finishWithResult(value: T): void {
    this.#unlink();
    super.setResult(value);
  }

  #finishWithError(error: unknown): void {
    if (isCancelledError(error)) {
      this.#finishCancelled(error);
      return;
    }
    this.#unlink();
    super.setException(error);
  }

  #finishCancelled(error: CancelledError): void {
    this.#unlink();
    this.#rare().cancelledError = error;
    super.cancel(error.message || undefined);
  }

  // #region handleYield
  /**
   * asyncio's "what did the coroutine yield?" (Task.__step's else-branch, tornado's handle_yield).
   * Returns the future it yielded if that is done already (the step goes on with it at once);
   * otherwise waits for it, or schedules the next step, and returns null.
   */
  #handleYield(yielded: unknown): Future | null {
    const loop = this.getLoop();
    if (yielded === undefined) {
      // A bare `yield`: give up the rest of this iteration.
      this.#scheduleStep(false, undefined);
      return null;
    }
    let future: Future;
    // `instanceof` first: the brand checks behind isFuture/isRelinquish (for objects from
    // another copy of the packages) walk the prototype chain.
    if (yielded instanceof Future) future = yielded;
    else if (yielded instanceof Relinquish) {
      this.#scheduleStep(false, yielded.value);
      return null;
    } else if (isFuture(yielded)) future = yielded;
    else if (isRelinquish(yielded)) {
      this.#scheduleStep(false, yielded.value);
      return null;
    } else if (Array.isArray(yielded))
      future = gatherFutures(toFutures(yielded as Awaitable<unknown>[], loop), false, loop);
    else if (isThenable(yielded)) future = wrapPromise(yielded, loop);
    else {
      const hint = isCoroutine(yielded)
        ? 'a generator: delegate to it with yield* instead of yield'
        : `${formatValue(yielded)}, which is not awaitable: yield a Future, a Task, a Promise or an array of them, or yield* a generator`;
      this.#throwSoon(
        new TypeError(`coroutine ${this.#describeCoro()} (task ${this.getName()}) yielded ${hint}`),
      );
      return null;
    }
    if (future.getLoop() !== loop) {
      this.#throwSoon(
        new Error(
          `Task ${this.toString()} got Future ${future.toString()} attached to a different loop`,
        ),
      );
      return null;
    }
    if (future === (this as Future)) {
      this.#throwSoon(new Error(`Task cannot await on itself: ${this.toString()}`));
      return null;
    }
    if (future.done()) return future;
    future.addWaiter(this);
    this.#waiter = future;
    if ((this.#flags & MUST_CANCEL) !== 0 && future.cancel(this.#cancelMessage()))
      this.#flags &= ~MUST_CANCEL;
    return null;
  }
  // #endregion handleYield

  #rare(): RareState {
    return (this.#rareState ??= {
      cancelsRequested: 0,
      cancelMessage: undefined,
      cancelledError: null,
      controller: undefined,
    });
  }

  #cancelMessage(): string | undefined {
    return this.#rareState?.cancelMessage;
  }

  #throwSoon(error: Error): void {
    this.#scheduleStep(true, error);
  }

  #describeCoro(): string {
    return `${coroutineName(this.#coro)}()`;
  }

  protected override describe(): string[] {
    const parts = super.describe();
    parts.splice(1, 0, `name=${this.getName()}`);
    parts.push(`coro=${this.#describeCoro()}`);
    if (this.#waiter !== null) parts.push(`wait_for=${this.#waiter.toString()}`);
    return parts;
  }

  override setResult(): never {
    throw new InvalidStateError(
      'Task does not support setResult(): its result comes from its coroutine',
    );
  }

  override setException(): never {
    throw new InvalidStateError(
      'Task does not support setException(): its exception comes from its coroutine',
    );
  }
}

// #region toFuture
/**
 * `ensureFuture(awaitable)` on a known loop (ensure-future.ts has the public one; it lives here
 * because a Task turns the elements of a yielded array into futures too). A Future stays itself;
 * a generator or a task function becomes a Task; a promise or thenable is wrapped; `sleep(0)`
 * becomes a future that resolves on the next iteration.
 */
export function toFuture<T>(awaitable: Awaitable<T>, loop: EventLoop): Future<T> {
  if (isFuture(awaitable)) return awaitable;
  if (isRelinquish(awaitable)) {
    const future = new Future<T>(loop);
    loop.callSoon(() => {
      if (!future.done()) future.setResult(awaitable.value as T);
    });
    return future;
  }
  if (isCoroutine(awaitable) || typeof awaitable === 'function')
    return new Task<T>(awaitable, { loop });
  if (isThenable(awaitable)) return wrapPromise(awaitable, loop);
  throw new TypeError(
    `an awaitable (Future, Task, generator, async function or promise) is required, got ${formatValue(awaitable)}`,
  );
}

/**
 * The futures for `awaitables`, in order. The same generator or promise twice is run once
 * (asyncio dedups coroutines too); futures are themselves already, so only other awaitables
 * need the Map that finds repeats.
 */
export function toFutures(awaitables: readonly Awaitable<unknown>[], loop: EventLoop): Future[] {
  const futures = new Array<Future>(awaitables.length);
  let seen: Map<unknown, Future> | null = null;
  for (let i = 0; i < awaitables.length; i++) {
    const aw = awaitables[i]!;
    if (isFuture(aw)) {
      futures[i] = aw;
      continue;
    }
    seen ??= new Map();
    let future = seen.get(aw);
    if (future === undefined) {
      future = toFuture(aw, loop);
      seen.set(aw, future);
    }
    futures[i] = future;
  }
  return futures;
}
// #endregion toFuture

/**
 * What the Task constructor refuses at once, with what to do instead: a Future (it runs already),
 * a generator function that declares parameters (the task would call it with none), anything
 * that is not a generator, a promise or a function.
 */
function checkSource(source: unknown): void {
  if (isFuture(source)) {
    throw new TypeError(
      `createTask() expected a generator, an async function or a promise, got ${String(source)}: a Future runs already, so await or yield it as it is (ensureFuture() accepts any awaitable)`,
    );
  }
  if (isCoroutine(source) || isThenable(source)) return;
  if (typeof source !== 'function') {
    throw new TypeError(
      `createTask() expected a generator, an async function or a promise, got ${formatValue(source)}`,
    );
  }
  if (isGeneratorFunction(source) && source.length > 0) {
    const name = coroutineName(source);
    throw new TypeError(
      `createTask() got the generator function ${name}, which takes parameters: call it with them, createTask(${name}(…))`,
    );
  }
}

/**
 * Wraps a coroutine in a Task and schedules its first step: asyncio's `create_task`.
 * @example
 * ```ts
 * const task = createTask(fetchPage('/'), { name: 'fetch-/' });
 * const body = yield* task;
 * ```
 */
export function createTask<T>(source: TaskSource<T>, options: TaskOptions = {}): Task<T> {
  return new Task<T>(source, options);
}

/** The task running on `loop` (default: the running loop) right now, or null. */
export function currentTask(loop: EventLoop | null = getRunningLoopOrNull()): Task | null {
  const current = coroutineState.current;
  if (loop === null || current === null) return null;
  // It may be a task of another copy of this package (ESM beside CJS): a Task all the same.
  return current.getLoop() === loop ? current : null;
}

/**
 * The tasks of `loop` (default: the running loop) that are not done, whichever copy of this
 * package made them (see state.ts).
 */
export function allTasks(loop: EventLoop = getRunningLoop('allTasks()')): Set<Task> {
  const copies = coroutineState.copies;
  if (copies.length === 1) return Task.pendingOf(loop);
  const tasks = new Set<Task>();
  for (const pendingOf of copies) for (const task of pendingOf(loop)) tasks.add(task);
  return tasks;
}

coroutineState.copies.push((loop) => Task.pendingOf(loop));
