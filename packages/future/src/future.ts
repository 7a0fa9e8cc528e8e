/**
 * `Future`: asyncio's Future, a value that will be there later.
 *
 * States: PENDING → FINISHED (with a result or an exception) or CANCELLED; every transition
 * happens once, and a done-callback is scheduled with the loop's `callSoon` — not called inline —
 * so code after `setResult()` runs before anyone who waited (asyncio's rule, which makes
 * reentrancy bugs impossible by construction). The exceptions keep that rule: callbacks marked
 * `inlineSafe`, `FutureWaiter`s (a Task, whose wake-up only schedules its step) and the settler
 * behind `then()` (which only settles a promise) are called at once, since each of them only
 * schedules work.
 *
 * A Future is awaitable three ways:
 * - `await future` in an async function (it is a thenable);
 * - `const x = yield* future` in a generator coroutine: `[Symbol.iterator]` yields the future
 *   itself and returns its result, as asyncio's `Future.__iter__` does, so `x` is typed;
 * - `const x = yield future` (the article's and tornado's style): the Task sends the result back.
 *
 * An exception nobody retrieved (with `result()` or `exception()`) is reported through the loop's
 * exception handler — "Future exception was never retrieved", with the stack — when the future
 * is garbage-collected or its loop closes, whichever comes first.
 */
import { inspect } from 'node:util';
import { getEventLoop, type EventLoop } from '@aio/loop';
import { CancelledError, InvalidStateError } from './errors';
import { formatValue } from '@aio/selector/internal';
import { forgetUnattended, noteUnattended } from './unattended';

// #region states
export type FutureState = 'PENDING' | 'CANCELLED' | 'FINISHED';

const PENDING = 0;
const RESULT = 1;
const EXCEPTION = 2;
const CANCELLED = 3;
type State = typeof PENDING | typeof RESULT | typeof EXCEPTION | typeof CANCELLED;
const STATE_NAMES: readonly FutureState[] = ['PENDING', 'FINISHED', 'FINISHED', 'CANCELLED'];
// #endregion states
/**
 * A done-callback. Declared method-style so that a `Future<number>` is usable where a
 * `Future<unknown>` is expected (function-typed parameters would make Future invariant).
 */
export type DoneCallback<T> = { bivariant(future: Future<T>): void }['bivariant'];

/**
 * Marks done-callbacks that run no user code — they only settle a promise or put a task on the
 * ready queue — so the future may call them the moment it is done instead of through
 * `callSoon`, without breaking the never-inline rule.
 */
const INLINE_SAFE = Symbol.for('@aio/future.inlineSafe');

/**
 * Marks `callback` as safe to call the moment a future is done (see INLINE_SAFE): for layers
 * above whose done-callbacks only schedule work (a Task's wakeup). Never for user callbacks.
 */
export function inlineSafe<F extends (...args: never[]) => void>(callback: F): F {
  return Object.assign(callback, { [INLINE_SAFE]: true });
}

/**
 * The method a `FutureWaiter` is woken through. A symbol shared across copies of this package
 * (ESM and CJS builds in one process), as `inlineSafe`'s mark is.
 */
export const WAKE_UP: unique symbol = Symbol.for('@aio/future.wakeUp');

/**
 * An object a future wakes the moment it is done, inline, as it calls an inline-safe callback:
 * for layers above whose waiters only schedule work (a Task puts itself on the ready queue). A
 * task registers itself rather than a closure, so a waiting task costs no extra object. Never
 * for user code.
 */
export interface FutureWaiter {
  [WAKE_UP](future: Future): void;
}

/** Marks futures across copies of this package (ESM and CJS builds in one process). */
const FUTURE_BRAND = Symbol.for('@aio/future.Future');

/**
 * The two calls of the handoff protocol (see handoff.ts), made by whoever consumes a future's
 * result: TAKE once the result reached the code that waited for it, GIVE_BACK when it could not
 * (the waiting task was cancelled at the moment it was woken). A plain future ignores both.
 * Symbols shared across copies of this package.
 */
export const TAKE: unique symbol = Symbol.for('@aio/future.take');
export const GIVE_BACK: unique symbol = Symbol.for('@aio/future.giveBack');

/**
 * Marks done-callbacks that pass a result on to another future (gather, waitFor, shield) and
 * so can also give it back (see handoff.ts). Such a callback is inline-safe too.
 */
const GIVES_BACK = Symbol.for('@aio/future.givesBack');

/**
 * Marks `callback` as a relay: it runs no user code, only settles another future from this
 * one's outcome (and takes or gives back what it passed on as that future's consumer does), or
 * only watches the outcome. Either way it is not a consumer that takes a handed-over result (see
 * handoff.ts). For layers above (gather, waitFor, shield); never for user callbacks.
 */
export function relay<F extends (...args: never[]) => void>(callback: F): F {
  return Object.assign(callback, { [INLINE_SAFE]: true, [GIVES_BACK]: true });
}

// ─── Unretrieved exceptions ────────────────────────────────────────────────────────────────────
// A future with an unretrieved exception is registered with a FinalizationRegistry (reporting on
// garbage collection) and in its loop's pending set (reporting when the loop closes). The record
// must not reference the future, or the future could never be collected: it keeps a printed form.

interface Unretrieved {
  readonly loop: EventLoop;
  readonly exception: unknown;
  readonly kind: string;
  readonly description: string;
  reported: boolean;
}

function report(record: Unretrieved): void {
  if (record.reported || record.loop.isClosed()) return;
  record.reported = true;
  record.loop.callExceptionHandler({
    message: `${record.kind} exception was never retrieved`,
    exception: record.exception,
    // The future itself may be gone (that is one way to get here): a stand-in that prints as it did.
    future: { toString: () => record.description },
  });
}

const collected = new FinalizationRegistry<Unretrieved>((record) => {
  pendingByLoop.get(record.loop)?.delete(record);
  report(record);
});
const pendingByLoop = new WeakMap<EventLoop, Set<Unretrieved>>();
/**
 * The record of each future whose exception is not retrieved yet. Kept here rather than in a
 * field: few futures fail, and a field would cost every future (and every task) 8 bytes.
 */
const unretrievedOf = new WeakMap<Future, Unretrieved>();

function pendingFor(loop: EventLoop): Set<Unretrieved> {
  let pending = pendingByLoop.get(loop);
  if (pending === undefined) {
    const created = new Set<Unretrieved>();
    pending = created;
    pendingByLoop.set(loop, created);
    loop.addCloseCallback(() => {
      for (const record of created) report(record);
      created.clear();
    });
  }
  return pending;
}

/**
 * asyncio's Future.
 * @example
 * ```ts
 * const future = new Future<number>(loop);
 * loop.callLater(100, () => future.setResult(42));
 * console.log(await future);                 // 42, in an async function
 * const value = yield* future;               // 42, in a generator coroutine
 * ```
 */
export class Future<T = unknown> implements PromiseLike<T>, Iterable<Future<T>, T> {
  // One state number and one value slot (the result, the exception or the cancel message), so a
  // future stays small: a server keeps tens of thousands of them alive at once.
  #state: State = PENDING;
  #value: unknown = undefined;
  /** None, one (most futures have exactly one waiter), or several. */
  #callbacks: Waiter<T> | Waiter<T>[] | null = null;
  readonly #loop: EventLoop;

  /** @param loop the loop to schedule callbacks on; default: the running loop, else the current one */
  constructor(loop?: EventLoop) {
    this.#loop = loop ?? getEventLoop();
  }

  /** True for an aio Future (also one made by another copy of this package). */
  static isFuture(value: unknown): value is Future {
    return (
      value instanceof Future ||
      (typeof value === 'object' && value !== null && FUTURE_BRAND in value)
    );
  }

  get [FUTURE_BRAND](): true {
    return true;
  }

  getLoop(): EventLoop {
    return this.#loop;
  }

  done(): boolean {
    return this.#state !== PENDING;
  }

  cancelled(): boolean {
    return this.#state === CANCELLED;
  }

  /** The state, as asyncio names it. */
  get state(): FutureState {
    return STATE_NAMES[this.#state]!;
  }

  /**
   * The result. Throws the future's exception if it has one (which counts as retrieving it),
   * `CancelledError` if it was cancelled, `InvalidStateError` while it is pending.
   */
  result(): T {
    switch (this.#state) {
      case RESULT:
        return this.#value as T;
      case EXCEPTION:
        this.#retrieved();
        throw this.#value;
      case CANCELLED:
        throw this.makeCancelledError();
      case PENDING:
        throw new InvalidStateError('Result is not ready.');
    }
  }

  /** The exception (undefined if it finished with a result); throws as `result()` does otherwise. */
  exception(): unknown {
    switch (this.#state) {
      case RESULT:
        return undefined;
      case EXCEPTION:
        this.#retrieved();
        return this.#value;
      case CANCELLED:
        throw this.makeCancelledError();
      case PENDING:
        throw new InvalidStateError('Exception is not set.');
    }
  }

  // #region addDoneCallback
  /**
   * Schedules `callback(future)` for when the future is done (at once, via `callSoon`, if it is
   * done already). Callbacks run in the order they were added.
   */
  addDoneCallback(callback: DoneCallback<T>): void {
    if (this.#state !== PENDING) this.#loop.callSoon(callback, this);
    else this.#addCallback(callback);
  }

  /**
   * Registers `waiter` to be woken (`waiter[WAKE_UP](future)`) the moment the future is done;
   * through `callSoon` if it is done already. For layers above (see `FutureWaiter`).
   */
  addWaiter(waiter: FutureWaiter): void {
    if (this.#state !== PENDING) this.#loop.callSoon(wakeWaiter, waiter, this);
    else this.#addCallback(waiter);
  }

  #addCallback(callback: Waiter<T>): void {
    if (this.#callbacks === null) this.#callbacks = callback;
    else if (Array.isArray(this.#callbacks)) this.#callbacks.push(callback);
    else this.#callbacks = [this.#callbacks, callback];
  }
  // #endregion addDoneCallback

  /** Removes every registration of `callback`; returns how many there were. */
  removeDoneCallback(callback: DoneCallback<T>): number {
    const callbacks = this.#callbackList();
    const kept = callbacks.filter((cb) => cb !== callback);
    this.#callbacks = kept.length === 0 ? null : kept.length === 1 ? kept[0]! : kept;
    return callbacks.length - kept.length;
  }

  // #region transitions
  /**
   * Cancels the future if it is pending: it becomes CANCELLED and its callbacks are scheduled.
   * Returns false if it was done already.
   */
  cancel(message?: string): boolean {
    if (this.#state !== PENDING) return false;
    this.#state = CANCELLED;
    this.#value = message;
    this.#scheduleCallbacks();
    return true;
  }

  /** Marks the future done with `result`. @throws InvalidStateError if it is done already */
  setResult(result: T): void {
    if (this.#state !== PENDING) throw new InvalidStateError(`${this.state}: ${this.toString()}`);
    this.#value = result;
    this.#state = RESULT;
    this.#scheduleCallbacks();
  }

  /**
   * Marks the future done with `exception`. A nullish exception (a promise rejected with
   * `undefined`) becomes an Error saying so, so that `exception()` is never undefined for a
   * failed future. @throws InvalidStateError if it is done already
   */
  setException(exception: unknown): void {
    if (this.#state !== PENDING) throw new InvalidStateError(`${this.state}: ${this.toString()}`);
    this.#value =
      exception === undefined || exception === null
        ? new Error(`${this.constructor.name} failed with ${String(exception)}`)
        : exception;
    this.#state = EXCEPTION;
    this.#trackUnretrieved();
    this.#scheduleCallbacks();
  }
  // #endregion transitions

  // #region handoff
  /**
   * The consumer took the result: see handoff.ts. A plain future has nothing to do; a Handoff
   * tells the primitive that handed the result over.
   */
  [TAKE](): void {}

  /** The consumer could not take the result: see handoff.ts. A plain future has nothing to do. */
  [GIVE_BACK](): void {}

  /**
   * True if someone waits on this pending future and every one of them can give a result back
   * (a task, a relay): only then may a handoff stay provisional. For Handoff.
   */
  protected consumersCanGiveBack(): boolean {
    const callbacks = this.#callbacks;
    if (callbacks === null) return false;
    if (!Array.isArray(callbacks)) return canGiveBack(callbacks);
    for (const callback of callbacks) if (!canGiveBack(callback)) return false;
    return true;
  }

  /**
   * A result given back is no longer this future's: from now on it reads as cancelled, so that
   * nobody takes a value that went back to its primitive. For Handoff only.
   */
  protected revokeResult(): void {
    if (this.#state !== RESULT) return;
    this.#state = CANCELLED;
    this.#value = undefined;
  }
  // #endregion handoff

  /** The message `cancel()` was given, for subclasses that raise their own CancelledError. */
  protected get cancelMessage(): string | undefined {
    return this.#state === CANCELLED ? (this.#value as string | undefined) : undefined;
  }

  /** The CancelledError that `result()` throws for a cancelled future. */
  protected makeCancelledError(): CancelledError {
    return new CancelledError(this.cancelMessage ?? '');
  }

  // #region scheduleCallbacks
  #scheduleCallbacks(): void {
    const callbacks = this.#callbacks;
    if (callbacks === null) return;
    this.#callbacks = null;
    if (Array.isArray(callbacks)) for (const callback of callbacks) this.#runOrSchedule(callback);
    else this.#runOrSchedule(callbacks);
  }

  /** Done-callbacks go through `callSoon`; inline-safe ones (see `inlineSafe`) run at once. */
  #runOrSchedule(callback: Waiter<T>): void {
    if (typeof callback === 'function') {
      if (INLINE_SAFE in callback) callback(this);
      else this.#loop.callSoon(callback, this);
    } else if (callback instanceof PromiseSettler) callback.settle(this);
    else callback[WAKE_UP](this);
  }
  // #endregion scheduleCallbacks

  #callbackList(): Waiter<T>[] {
    const callbacks = this.#callbacks;
    return callbacks === null ? [] : Array.isArray(callbacks) ? callbacks : [callbacks];
  }

  #trackUnretrieved(): void {
    const record: Unretrieved = {
      loop: this.#loop,
      exception: this.#value,
      kind: this.constructor.name,
      description: this.toString(),
      reported: false,
    };
    unretrievedOf.set(this, record);
    pendingFor(this.#loop).add(record);
    collected.register(this, record, this);
  }

  #retrieved(): void {
    const record = unretrievedOf.get(this);
    if (record === undefined) return;
    unretrievedOf.delete(this);
    pendingByLoop.get(this.#loop)?.delete(record);
    collected.unregister(this);
  }

  // ─── awaiting ────────────────────────────────────────────────────────────────────────────

  // #region then
  /**
   * Makes `await future` work. A cancelled future rejects with CancelledError.
   *
   * The promise is settled the moment the future is done, not one loop iteration later as a
   * done-callback would be: settling a promise runs no user code (its reactions are microtasks),
   * so the never-inline rule holds, and an `await` resumes right after the current callback
   * instead of a whole iteration later.
   */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return new Promise<T>((resolve, reject) => {
      const settler = new PromiseSettler(resolve as (value: unknown) => void, reject);
      if (this.#state !== PENDING) {
        settler.settle(this);
        return;
      }
      this.#addCallback(settler);
      if (!this.#loop.isRunning()) {
        // Nothing runs the loop now: if nothing ever does, say so when Node exits.
        settler.unattended = true;
        noteUnattended(this);
      }
    }).then(onFulfilled, onRejected);
  }
  // #endregion then

  // #region iterator
  /**
   * `yield* future` in a generator coroutine: yields the future (unless it is done already), then
   * returns its result. A small hand-written iterator rather than a generator: every `yield*` of
   * a future makes one, and a generator object costs several times more to make and resume.
   */
  [Symbol.iterator](): Iterator<Future<T>, T, unknown> {
    return new FutureIterator(this);
  }
  // #endregion iterator

  /** `<Future pending cb=[Task.wakeup()]>`, `<Future finished result=42>`, `<Future cancelled>` */
  toString(): string {
    return `<${this.constructor.name} ${this.describe().join(' ')}>`;
  }

  /** The words inside `<…>`, for subclasses (Task adds its name and coroutine). */
  protected describe(): string[] {
    const parts: string[] = [this.state.toLowerCase()];
    if (this.#state === RESULT) parts.push(`result=${formatValue(this.#value)}`);
    if (this.#state === EXCEPTION) parts.push(`exception=${formatError(this.#value)}`);
    const callbacks = this.#callbackList();
    if (callbacks.length > 0) {
      parts.push(`cb=[${callbacks.map((cb) => `${waiterName(cb)}()`).join(', ')}]`);
    }
    return parts;
  }

  get [Symbol.toStringTag](): string {
    return this.constructor.name;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

// #region FutureIterator
/** What `yield* future` walks: see `Future[Symbol.iterator]`. */
export class FutureIterator<T> implements Iterator<Future<T>, T, unknown> {
  #yielded = false;
  constructor(readonly future: Future<T>) {}

  next(): IteratorResult<Future<T>, T> {
    const future = this.future;
    if (!future.done()) {
      if (this.#yielded)
        throw new InvalidStateError(`yield* of ${future.toString()} resumed before it was done`);
      this.#yielded = true;
      return { done: false, value: future };
    }
    return { done: true, value: future.result() };
  }

  /** An error thrown in at the `yield` (the future's exception, a cancellation) goes on up. */
  throw(error: unknown): never {
    throw error;
  }
}
// #endregion FutureIterator

/**
 * What `then()` waits with: it settles a promise the moment the future is done. That runs no
 * user code (the promise's reactions are microtasks), so it is called inline, not scheduled. An
 * object, not a closure marked with `inlineSafe`: marking a fresh closure on every `await`
 * costs a property definition each time.
 */
class PromiseSettler {
  constructor(
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (reason: unknown) => void,
  ) {}

  /** What `toString()` shows for it among a future's callbacks. */
  get name(): string {
    return 'Future.then';
  }

  /** Awaited while its loop was not running (see unattended.ts). */
  unattended = false;

  settle(future: Future): void {
    if (this.unattended) forgetUnattended(future);
    let value: unknown;
    try {
      value = future.result();
    } catch (error) {
      this.reject(error);
      return;
    }
    // Settling the promise delivers the result: the awaiting function resumes with it, always.
    future[TAKE]();
    this.resolve(value);
  }
}

/**
 * Whether a waiter can give a handed-over result back: a task (a FutureWaiter) and a relay can;
 * a done-callback or a promise takes what it is given.
 */
function canGiveBack(waiter: Waiter<never>): boolean {
  if (typeof waiter === 'function') return GIVES_BACK in waiter;
  return !(waiter instanceof PromiseSettler);
}

/** A done-callback, a promise waiting through `then()`, or a waiter object (a task). */
type Waiter<T> = DoneCallback<T> | PromiseSettler | FutureWaiter;

function wakeWaiter(waiter: FutureWaiter, future: Future): void {
  waiter[WAKE_UP](future);
}

/** How `toString()` names a waiter: `tick`, `Future.then`, `Task.wakeup`. */
function waiterName(waiter: Waiter<never>): string {
  if (typeof waiter === 'function') return waiter.name || '<anonymous>';
  if (waiter instanceof PromiseSettler) return waiter.name;
  return `${waiter.constructor.name}.wakeup`;
}

function formatError(error: unknown): string {
  if (error instanceof Error) return `${error.name}(${JSON.stringify(error.message)})`;
  return formatValue(error);
}

/** asyncio's `isfuture`: true for an aio Future (also one from another copy of this package). */
export function isFuture(value: unknown): value is Future {
  return Future.isFuture(value);
}
