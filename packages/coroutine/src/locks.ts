/**
 * Synchronization primitives — asyncio's `Lock`, `Event`, `Condition`, `Semaphore`,
 * `BoundedSemaphore` and `Barrier` — and `withLock(primitive, body)`, the `async with lock:`
 * of this package.
 *
 * Waiting is a Future: `acquire()`, `Event.wait()` and `Barrier.wait()` hand back one, so
 * `yield* lock.acquire()` in a generator task and `await lock.acquire()` in an async function
 * both work. (`Condition.wait()` must run code after the wake-up, to take its lock back, so it
 * is a `Scoped`, usable the same two ways, like `withLock`.) Waiters queue in arrival order and
 * are served strictly in that order. What a waiter waits for is handed over the moment it is
 * woken: `release()` with a queue passes the lock (or the permit) straight to the first waiter
 * and resolves its future, so the lock never looks free while someone is queued and a newcomer
 * cannot take it first (asyncio 3.11's fairness, by construction).
 *
 * **No lost wake-up.** Handing over at wake-up leaves a gap: the waiter's future is resolved,
 * but its task resumes only on a later step, and if the task is cancelled in between it gets
 * CancelledError instead of the lock. asyncio closes the gap inside `acquire()`, whose own code
 * sees the cancellation arrive at its `await`. Here a waiter's future is a Handoff (see
 * @aio/future's handoff.ts): whoever consumes it — a task however it waits (`yield`, `yield*`),
 * or a `waitFor`, `gather` or `shield` it went through — either takes the grant or gives it back,
 * and a grant given back goes to the next waiter (the lock, the permit, the notification). An
 * `await` has no gap: a promise settles the moment the future does. A woken `Event` or `Barrier`
 * waiter holds nothing to give back.
 */
import { inspect } from 'node:util';
import { getRunningLoop, type EventLoop } from '@aio/loop';
import {
  CancelledError,
  Future,
  InvalidStateError,
  isCancelledError,
  wrapPromise,
} from '@aio/future';
import { Handoff, failedFuture, resolvedFuture } from '@aio/future/internal';
import { Scoped, type Body } from './body';
import { formatValue } from '@aio/selector/internal';
import { shield } from './shield';
import { isCoroutine } from './task';

// ─── Errors ────────────────────────────────────────────────────────────────────────────────────

/** Releasing a lock nobody holds, or waiting on or notifying a Condition without its lock. */
export class LockNotHeldError extends Error {
  override name = 'LockNotHeldError';
  readonly code = 'ERR_AIO_LOCK_NOT_HELD';
}

/** A `BoundedSemaphore` released more times than it was acquired. */
export class SemaphoreOverReleasedError extends Error {
  override name = 'SemaphoreOverReleasedError';
  readonly code = 'ERR_AIO_SEMAPHORE_OVER_RELEASED';
}

/** A `Barrier` was aborted or reset while a task waited on it, or is broken when one arrives. */
export class BrokenBarrierError extends Error {
  override name = 'BrokenBarrierError';
  readonly code = 'ERR_AIO_BROKEN_BARRIER';
}

// ─── Waiters ───────────────────────────────────────────────────────────────────────────────────

/**
 * The future a waiter waits on. Only its queue settles it; cancelling it takes it out of the
 * queue. A grant its consumer gives back goes to the next waiter (see the module comment).
 */
class Waiter<T> extends Handoff<T> {
  constructor(
    loop: EventLoop,
    private readonly queue: WaitQueue<T>,
  ) {
    super(loop);
  }

  override cancel(message?: string): boolean {
    if (!super.cancel(message)) return false;
    this.queue.withdraw(this);
    return true;
  }

  override setResult(): never {
    throw new InvalidStateError('a waiter is settled by its primitive, not by setResult()');
  }

  override setException(): never {
    throw new InvalidStateError('a waiter is settled by its primitive, not by setException()');
  }

  /** @internal Wakes the waiter with `value` (for a lock: hands it the lock). */
  grant(value: T): void {
    const giveBack = this.queue.giveBack;
    this.handOver(value, giveBack === null ? {} : { givenBack: giveBack });
  }

  /** @internal Wakes the waiter with an error. */
  refuse(error: unknown): void {
    super.setException(error);
  }

  protected override describe(): string[] {
    const parts = super.describe();
    parts.splice(1, 0, `for=${String(this.queue.owner)}`);
    return parts;
  }
}

/**
 * A primitive's waiters, in arrival order. A Set is a FIFO queue that also removes from the
 * middle in O(1). Invariant: every waiter in it is pending; it leaves when woken or cancelled.
 */
class WaitQueue<T> {
  readonly #waiters = new Set<Waiter<T>>();

  /**
   * @param owner the primitive, for printing
   * @param giveBack what to do with a grant a waiter's consumer gave back (pass it on)
   */
  constructor(
    readonly owner: Primitive,
    readonly giveBack: (() => void) | null = null,
  ) {}

  get size(): number {
    return this.#waiters.size;
  }

  /** A new waiter at the back of the queue, for `what` (`'Lock.acquire()'`). */
  push(what: string): Waiter<T> {
    const waiter = new Waiter<T>(getRunningLoop(what), this);
    this.#waiters.add(waiter);
    return waiter;
  }

  withdraw(waiter: Waiter<T>): void {
    this.#waiters.delete(waiter);
  }

  /** Wakes the first waiter with `value`; false if there is none. */
  wakeFirst(value: T): boolean {
    const first = this.#waiters.values().next();
    if (first.done === true) return false;
    this.#waiters.delete(first.value);
    first.value.grant(value);
    return true;
  }

  /** Wakes every waiter, in order: the i-th gets `valueOf(i)`. */
  wakeAll(valueOf: (index: number) => T): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    waiters.forEach((waiter, index) => waiter.grant(valueOf(index)));
  }

  /** Wakes every waiter with an error of its own. */
  refuseAll(makeError: () => unknown): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const waiter of waiters) waiter.refuse(makeError());
  }
}

/** A Scoped made from a generator function (run once per `yield*` or `await`). */
class GeneratorScope<T> extends Scoped<T> {
  constructor(
    what: string,
    private readonly generator: () => Generator<unknown, T, unknown>,
  ) {
    super(what);
  }

  protected run(): Generator<unknown, T, unknown> {
    return this.generator();
  }
}

/** Printing for every primitive: `<Lock locked waiters=2>`. */
abstract class Primitive {
  /** The words inside `<…>`. */
  protected abstract describe(): string[];

  toString(): string {
    return `<${this.constructor.name} ${this.describe().join(' ')}>`;
  }

  get [Symbol.toStringTag](): string {
    return this.constructor.name;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function waitersPart(queue: WaitQueue<unknown>): string[] {
  return queue.size > 0 ? [`waiters=${queue.size}`] : [];
}

// ─── Lock ──────────────────────────────────────────────────────────────────────────────────────

/**
 * A mutual-exclusion lock — asyncio's `Lock`. Not owned by a task: any code may release it.
 * Waiters get it in arrival order. Prefer `withLock`, which always releases.
 * @example
 * ```ts
 * yield* lock.acquire();        // or: await lock.acquire()
 * try {
 *   // … one task at a time here
 * } finally {
 *   lock.release();
 * }
 * ```
 */
export class Lock extends Primitive {
  // Invariant: waiters are queued only while the lock is locked (release hands it to the first).
  #locked = false;
  readonly #waiters = new WaitQueue<true>(this, () => this.#release());

  /**
   * Takes the lock: a Future (`yield*` or `await` it) that resolves to true once this caller
   * holds it; done at once if the lock is free and nobody is queued.
   */
  acquire(): Future<true> {
    if (!this.#locked) {
      this.#locked = true;
      return resolvedFuture(getRunningLoop('Lock.acquire()'), true);
    }
    return this.#waiters.push('Lock.acquire()');
  }

  /** Releases the lock, handing it to the first waiter if any. @throws LockNotHeldError if unlocked */
  release(): void {
    if (!this.#locked)
      throw new LockNotHeldError('Lock.release() expected a locked Lock, got an unlocked one');
    this.#release();
  }

  #release(): void {
    if (!this.#waiters.wakeFirst(true)) this.#locked = false;
  }

  /** True while someone holds the lock. */
  locked(): boolean {
    return this.#locked;
  }

  protected describe(): string[] {
    return [this.#locked ? 'locked' : 'unlocked', ...waitersPart(this.#waiters)];
  }
}

// ─── Event ─────────────────────────────────────────────────────────────────────────────────────

/**
 * A flag tasks can wait for — asyncio's `Event`. `set()` wakes every waiter; `clear()` makes
 * later waiters wait again.
 * @example
 * ```ts
 * const ready = new Event();
 * createTask(function* () { yield* ready.wait(); console.log('go'); });
 * ready.set();
 * ```
 */
export class Event extends Primitive {
  #set = false;
  readonly #waiters = new WaitQueue<true>(this);

  /** A Future that resolves to true once the flag is set (at once if it is). */
  wait(): Future<true> {
    return this.#set
      ? resolvedFuture(getRunningLoop('Event.wait()'), true)
      : this.#waiters.push('Event.wait()');
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    if (this.#set) return;
    this.#set = true;
    this.#waiters.wakeAll(() => true);
  }

  /** Clears the flag: `wait()` waits again. */
  clear(): void {
    this.#set = false;
  }

  isSet(): boolean {
    return this.#set;
  }

  protected describe(): string[] {
    return [this.#set ? 'set' : 'unset', ...waitersPart(this.#waiters)];
  }
}

// ─── Condition ─────────────────────────────────────────────────────────────────────────────────

/**
 * A condition variable — asyncio's `Condition`: a lock (its own, or one given, which several
 * conditions may share) and a queue of tasks waiting to be notified while they do not hold it.
 * `wait()` and `waitFor()` return a `Scoped`: `yield*` them in a generator task, or `await` them.
 * @example
 * ```ts
 * const item = yield* withLock(cond, function* () {
 *   yield* cond.waitFor(() => queue.length > 0);
 *   return queue.shift();
 * });
 * // elsewhere, holding the lock: queue.push(x); cond.notify();
 * ```
 */
export class Condition extends Primitive {
  readonly #lock: Lock;
  // A notification its waiter's consumer gives back goes to the next waiter.
  readonly #waiters = new WaitQueue<true>(this, () => this.#wake(1));

  /** @param lock the lock to use (default: a new one) */
  constructor(lock: Lock = new Lock()) {
    super();
    this.#lock = lock;
  }

  /** Takes the lock: see `Lock.acquire()`. */
  acquire(): Future<true> {
    return this.#lock.acquire();
  }

  /** Releases the lock. @throws LockNotHeldError if unlocked */
  release(): void {
    this.#lock.release();
  }

  /** True while someone holds the lock. */
  locked(): boolean {
    return this.#lock.locked();
  }

  /**
   * Releases the lock, waits to be notified, then takes the lock again — also when cancelled,
   * in which case the cancellation is raised once the lock is held again. Gives true.
   * @throws LockNotHeldError unless the lock is held
   */
  wait(): Scoped<true> {
    this.#mustHold('wait');
    return new GeneratorScope('Condition.wait()', () => this.#wait());
  }

  /**
   * Waits until `predicate()` is truthy (checked now, then after each wake-up, with the lock
   * held) and gives its value. @throws LockNotHeldError unless the lock is held
   */
  waitFor<T>(predicate: () => T): Scoped<T> {
    if (typeof predicate !== 'function')
      throw new TypeError(`Condition.waitFor() expected a function, got ${formatValue(predicate)}`);
    this.#mustHold('waitFor');
    return new GeneratorScope('Condition.waitFor()', () => this.#waitFor(predicate));
  }

  /** Wakes up to `n` waiters, first come first. @throws LockNotHeldError unless the lock is held */
  notify(n = 1): void {
    this.#mustHold('notify');
    this.#wake(n);
  }

  /** Wakes every waiter. @throws LockNotHeldError unless the lock is held */
  notifyAll(): void {
    this.notify(this.#waiters.size);
  }

  #wake(n: number): void {
    for (let i = 0; i < n && this.#waiters.wakeFirst(true); i++);
  }

  #mustHold(method: string): void {
    if (!this.#lock.locked())
      throw new LockNotHeldError(`Condition.${method}() must be called with the lock held`);
  }

  *#wait(): Generator<unknown, true, unknown> {
    this.#mustHold('wait');
    this.#lock.release();
    const waiter = this.#waiters.push('Condition.wait()');
    let failure: { error: unknown } | null = null;
    try {
      yield* waiter;
    } catch (error) {
      failure = { error };
    }
    // Take the lock back, however the wait ended: the caller holds it when wait() returns or
    // throws. A cancellation meanwhile is kept (the latest wins) and raised once it is held.
    for (;;) {
      try {
        yield* this.#lock.acquire();
        break;
      } catch (error) {
        failure = { error };
        if (!isCancelledError(error)) break; // not one our Lock raises: give up, pass it on
      }
    }
    if (failure !== null) {
      // Notified, but failing while taking the lock back: the notification was taken, and would
      // be lost, so pass it on. (One given back as the task woke went on already, and the waiter
      // reads as cancelled.) A spurious wake-up is allowed; a lost one is not.
      if (waiter.done() && !waiter.cancelled()) this.#wake(1);
      throw failure.error as Error;
    }
    return true;
  }

  *#waitFor<T>(predicate: () => T): Generator<unknown, T, unknown> {
    let result = predicate();
    while (!result) {
      yield* this.#wait();
      result = predicate();
    }
    return result;
  }

  protected describe(): string[] {
    return [this.#lock.locked() ? 'locked' : 'unlocked', ...waitersPart(this.#waiters)];
  }
}

// ─── Semaphore ─────────────────────────────────────────────────────────────────────────────────

/**
 * A counter of permits — asyncio's `Semaphore`: `acquire()` takes one (waiting while there is
 * none), `release()` gives one back. Waiters get permits in arrival order.
 * @example
 * ```ts
 * const slots = new Semaphore(10); // at most 10 fetches at a time
 * yield* withLock(slots, function* () { return yield* fetchPage(url); });
 * ```
 */
export class Semaphore extends Primitive {
  // Invariant: waiters are queued only while no permit is free (release hands one to the first).
  #value: number;
  readonly #waiters = new WaitQueue<true>(this, () => this.#release());

  /** @param value the number of permits (default 1) @throws RangeError unless a non-negative integer */
  constructor(value = 1) {
    super();
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(
        `${new.target.name}() expected a non-negative integer number of permits, got ${formatValue(value)}`,
      );
    }
    this.#value = value;
  }

  /** The free permits. */
  protected get value(): number {
    return this.#value;
  }

  /** Takes a permit: a Future that resolves to true once this caller has one. */
  acquire(): Future<true> {
    if (this.#value > 0) {
      this.#value--;
      return resolvedFuture(getRunningLoop(`${this.constructor.name}.acquire()`), true);
    }
    return this.#waiters.push(`${this.constructor.name}.acquire()`);
  }

  /** Gives a permit back, to the first waiter if any. */
  release(): void {
    this.#release();
  }

  #release(): void {
    if (!this.#waiters.wakeFirst(true)) this.#value++;
  }

  /** True when `acquire()` would wait: no permit is free. */
  locked(): boolean {
    return this.#value === 0;
  }

  protected describe(): string[] {
    return [
      this.locked() ? 'locked' : 'unlocked',
      `value=${this.#value}`,
      ...waitersPart(this.#waiters),
    ];
  }
}

/**
 * A Semaphore that refuses to be released more times than it was acquired — asyncio's
 * `BoundedSemaphore`, which catches a double release.
 * @example
 * ```ts
 * const pool = new BoundedSemaphore(2);
 * pool.release(); // throws SemaphoreOverReleasedError: nothing was acquired
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  readonly #bound: number;

  /** @param value the number of permits, and the most there can be (default 1) */
  constructor(value = 1) {
    super(value);
    this.#bound = value;
  }

  /** @throws SemaphoreOverReleasedError if every permit is free already */
  override release(): void {
    if (this.value >= this.#bound) {
      throw new SemaphoreOverReleasedError(
        `BoundedSemaphore.release() called with all ${this.#bound} permits free: released more times than acquired`,
      );
    }
    super.release();
  }

  protected override describe(): string[] {
    return [...super.describe(), `bound=${this.#bound}`];
  }
}

// ─── Barrier ───────────────────────────────────────────────────────────────────────────────────

/**
 * Makes `parties` tasks wait for each other — asyncio's `Barrier`. Each `wait()` is a Future of
 * the caller's arrival index (0 … parties-1); the last to arrive releases them all and the
 * barrier starts filling again for the next round.
 *
 * Releasing (and resetting) settles every waiter at once, so unlike asyncio's the barrier has no
 * draining or resetting phase to wait out: it is filling, or broken. A waiter cancelled before
 * the barrier fills leaves it (the others keep their places).
 * @example
 * ```ts
 * const start = new Barrier(3);
 * // in each of 3 tasks:
 * const index = yield* start.wait();
 * ```
 */
export class Barrier extends Primitive {
  readonly #parties: number;
  #broken = false;
  readonly #waiters = new WaitQueue<number>(this);

  /** @throws RangeError unless `parties` is a positive integer */
  constructor(parties: number) {
    super();
    if (!Number.isInteger(parties) || parties < 1)
      throw new RangeError(
        `Barrier() expected a positive integer number of parties, got ${formatValue(parties)}`,
      );
    this.#parties = parties;
  }

  /**
   * Arrives at the barrier: a Future of the arrival index, resolved when the last party
   * arrives. Fails with BrokenBarrierError if the barrier is broken, or is aborted or reset
   * meanwhile.
   */
  wait(): Future<number> {
    if (this.#broken) {
      return failedFuture(
        getRunningLoop('Barrier.wait()'),
        new BrokenBarrierError('Barrier.wait(): the barrier is broken; reset() it to use it again'),
      );
    }
    const index = this.#waiters.size;
    if (index + 1 < this.#parties) return this.#waiters.push('Barrier.wait()');
    // The last party: release everyone, in arrival order; the next round starts empty.
    this.#waiters.wakeAll((i) => i);
    return resolvedFuture(getRunningLoop('Barrier.wait()'), index);
  }

  /** Back to empty and not broken; tasks waiting now fail with BrokenBarrierError. */
  reset(): void {
    this.#broken = false;
    this.#waiters.refuseAll(
      () => new BrokenBarrierError('Barrier.wait(): the barrier was reset while this task waited'),
    );
  }

  /** Breaks the barrier: waiting tasks, and every `wait()` until `reset()`, fail with BrokenBarrierError. */
  abort(): void {
    this.#broken = true;
    this.#waiters.refuseAll(
      () =>
        new BrokenBarrierError('Barrier.wait(): the barrier was aborted while this task waited'),
    );
  }

  /** How many tasks it takes to release the barrier. */
  get parties(): number {
    return this.#parties;
  }

  /** How many tasks wait at the barrier now. */
  get nWaiting(): number {
    return this.#waiters.size;
  }

  /** True once aborted, until `reset()`. */
  get broken(): boolean {
    return this.#broken;
  }

  protected describe(): string[] {
    return this.#broken ? ['broken'] : ['filling', `waiters=${this.nWaiting}/${this.#parties}`];
  }
}

// ─── withLock ──────────────────────────────────────────────────────────────────────────────────

/** What `withLock` holds: a Lock, Semaphore, BoundedSemaphore or Condition, or any look-alike. */
export interface Acquirable {
  /** A Future that resolves once the caller holds the primitive. */
  acquire(): Future;
  release(): void;
}

/**
 * Runs `body` holding `primitive` — asyncio's `async with lock:`. The primitive is released in a
 * `finally`, however the body ends: a result, an error, a cancellation. `yield*` it in a
 * generator task, or `await` it.
 *
 * An async body cannot be interrupted, so if the task is cancelled while one runs, its `signal`
 * aborts and the lock stays held until its promise settles; then the cancellation is raised.
 * @example
 * ```ts
 * const n = yield* withLock(lock, function* () {
 *   return yield* updateCounter();
 * });
 * await withLock(semaphore, async (signal) => fetch(url, { signal }));
 * ```
 */
export function withLock<T>(primitive: Acquirable, body: Body<AbortSignal, T>): Scoped<T> {
  if (
    typeof (primitive as Partial<Acquirable> | null)?.acquire !== 'function' ||
    typeof (primitive as Partial<Acquirable>).release !== 'function'
  ) {
    throw new TypeError(
      `withLock() expected a Lock, Semaphore or Condition (anything with acquire() and release()), got ${formatValue(primitive)}`,
    );
  }
  if (typeof body !== 'function')
    throw new TypeError('withLock() expected a body function: function* () { … } or async () => …');
  return new GeneratorScope('withLock()', () => holding(primitive, body));
}

function* holding<T>(
  primitive: Acquirable,
  body: Body<AbortSignal, T>,
): Generator<unknown, T, unknown> {
  yield* primitive.acquire();
  const controller = new AbortController();
  try {
    const produced = body(controller.signal);
    if (isCoroutine(produced)) return yield* produced;
    return yield* untilSettled(produced, controller);
  } finally {
    primitive.release();
  }
}

/**
 * Waits for an async body's promise and holds on through cancellations: the body runs on, so
 * the lock must stay held. The first cancellation aborts `controller` and is raised at the end.
 */
function* untilSettled<T>(
  promise: PromiseLike<T>,
  controller: AbortController,
): Generator<unknown, T, unknown> {
  const settled = wrapPromise(promise, getRunningLoop('withLock()'));
  let cancellation: unknown = null;
  while (!settled.done()) {
    try {
      yield* shield(settled);
    } catch (error) {
      if (settled.done()) break; // the body's own outcome: read below
      cancellation ??= error;
      if (!controller.signal.aborted)
        controller.abort(isCancelledError(error) ? error : new CancelledError());
    }
  }
  if (cancellation !== null) {
    if (!settled.cancelled()) settled.exception(); // dropped on purpose: the cancellation wins
    throw cancellation as Error;
  }
  return settled.result();
}
