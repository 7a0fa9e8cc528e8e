/**
 * `@aio/tornado/ioloop`: tornado's `IOLoop` and `PeriodicCallback` (tornado/ioloop.py).
 *
 * As tornado 6's IOLoop wraps an asyncio event loop (`AsyncIOLoop`), this one wraps an aio
 * `EventLoop`: one IOLoop per EventLoop, found with `IOLoop.current()`. Every callback it runs
 * goes through `#runCallback`, tornado's `_run_callback`: an exception is logged to
 * `tornado.application` and the loop goes on; a callback that returns a Future or a coroutine
 * has that awaited, and its failure logged too.
 *
 * Two differences from Python that JavaScript imposes: `start()` and `runSync()` return Promises
 * (the aio loop runs inside Node's own event loop and hands it the thread; see @aio/loop's
 * hosted and blocking modes), and time is in milliseconds, as `loop.time()`.
 *
 * @module @aio/tornado/ioloop
 */
import { closeSync } from 'node:fs';
import { inspect } from 'node:util';
import {
  EventLoop,
  getEventLoop,
  getRunningLoopOrNull,
  LoopClosedError,
  type Handle,
  type LoopMode,
  type TimerHandle,
} from '@aio/loop';
import { Future, TimeoutError, isCancelledError, isFuture, wrapPromise } from '@aio/future';
import { resolvedFuture } from '@aio/future/internal';
import { chainFuture } from './concurrent/futures';
import type { Executor } from './concurrent/executor';
import type { AnyFunction, WorkerFunction } from './concurrent/executor';
import { ThreadPoolExecutor } from './concurrent/thread-pool';
import { isThenable } from '@aio/selector/internal';
import { BadYieldError, convertYielded, moment, type YieldResult } from './gen/convert';
import { deadlineOf, Timedelta, type Timeout } from './internal/timeout';
import { appLog } from './log';

export { Timedelta, timedelta, type Timeout, type TimedeltaParts } from './internal/timeout';

/** Any callback the IOLoop runs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Callback = (...args: any[]) => unknown;

/** An fd for `addHandler`: a number, or an object with `fileno()` (an aio Socket). */
export type FdLike = number | { fileno(): number };

/** `handler(fd, events)`, called with the object given to `addHandler` and READ or WRITE. */
export type FdHandler<F extends FdLike = FdLike> = (fd: F, events: number) => unknown;

/** Options of `new IOLoop()`. */
export interface IOLoopOptions {
  /** The aio loop to wrap. Default: a new one (in `mode`). */
  loop?: EventLoop;
  /** The mode of the new loop: `'hosted'` (default) or `'blocking'` (see @aio/loop). */
  mode?: LoopMode;
}

/**
 * What `runSync(fn)` gives for `fn` returning an `R`: the result of a Future, promise or
 * coroutine (a generator object, run as a Task), each one's result for an array or object of
 * them (as `gen.multi`), and any other value as it is.
 */
export type RunSyncResult<R> = unknown extends R
  ? unknown
  : R extends YieldedFuture | readonly YieldedFuture[]
    ? YieldResult<R>
    : R;

/** One thing `runSync` waits for: a Future, a promise, or a generator object (a coroutine). */
type YieldedFuture = Future | PromiseLike<unknown> | Generator<unknown, unknown>;

/** Options of `runSync`. */
export interface RunSyncOptions {
  /** Milliseconds before the run gives up with TimeoutError (the work is cancelled if it can be). */
  timeout?: number;
}

const ioloops = new WeakMap<EventLoop, IOLoop>();

/**
 * tornado's IOLoop on an aio EventLoop.
 * @example
 * ```ts
 * const ioloop = IOLoop.current();
 * ioloop.callLater(100, () => ioloop.stop());
 * await ioloop.start();
 *
 * const body = await IOLoop.current().runSync(() => fetchPage(url), { timeout: 5_000 });
 * ```
 */
export class IOLoop {
  /** `addHandler` events: none. */
  static readonly NONE = 0;
  /** Readable. */
  static readonly READ = 0x001;
  /** Writable. */
  static readonly WRITE = 0x004;
  /** Error or hang-up: accepted and ignored, as by tornado on asyncio (it comes as READ). */
  static readonly ERROR = 0x018;

  /** The aio loop underneath (tornado's `asyncio_loop`). */
  readonly asyncioLoop: EventLoop;
  readonly #handlers = new Map<number, [FdLike, FdHandler<never>]>();
  #executor: Executor | null = null;
  #ownsExecutor = false;

  /**
   * Wraps `options.loop`, or a new aio loop, in an IOLoop.
   * @throws InvalidStateError-like TypeError if that loop has an IOLoop already
   */
  constructor(options: IOLoopOptions = {}) {
    const loop = options.loop ?? new EventLoop({ mode: options.mode });
    if (ioloops.has(loop))
      throw new TypeError(`IOLoop: ${String(loop)} has an IOLoop already; use IOLoop.current()`);
    this.asyncioLoop = loop;
    ioloops.set(loop, this);
  }

  /**
   * The IOLoop of the running aio loop, or else of the current one (made if there is none), as
   * `getEventLoop()` finds it. With `{ instance: false }`: of the running loop, or null.
   */
  static current(): IOLoop;
  static current(options: { instance: false }): IOLoop | null;
  static current(options: { instance?: boolean } = {}): IOLoop | null {
    const loop = options.instance === false ? getRunningLoopOrNull() : getEventLoop();
    if (loop === null) return null;
    return ioloops.get(loop) ?? new IOLoop({ loop });
  }

  // ─── Running ───────────────────────────────────────────────────────────────────────────────

  /**
   * Runs until `stop()`; the Promise settles when the loop has stopped.
   * @throws LoopClosedError (the Promise rejects) after `close()`
   */
  async start(): Promise<void> {
    this.#checkOpen('start');
    return this.asyncioLoop.runForever();
  }

  /** Stops the loop after the current iteration. */
  stop(): void {
    this.asyncioLoop.stop();
  }

  // #region run-sync
  /**
   * Runs `fn` on the loop until what it returns (a Future, a coroutine, a promise, or a plain
   * value) is done, and gives its result. `fn` may be a generator function: its generator runs
   * as a Task, and its return value is the result.
   * @throws TimeoutError if `timeout` ms pass first (the work is cancelled if it can be)
   * @throws LoopClosedError after `close()`
   * @example
   * ```ts
   * const n = await IOLoop.current().runSync(function* () {
   *   yield gen.sleep(10);
   *   return 42;
   * }); // n: number
   * ```
   */
  async runSync<R>(fn: () => R, options: RunSyncOptions = {}): Promise<RunSyncResult<R>> {
    type T = RunSyncResult<R>;
    this.#checkOpen('runSync');
    const { timeout } = options;
    if (timeout !== undefined && (typeof timeout !== 'number' || Number.isNaN(timeout)))
      throw new TypeError(`runSync() expected timeout in milliseconds, got ${String(timeout)}`);
    let result: Future<T> | null = null;
    this.addCallback(() => {
      let future: Future<T>;
      try {
        future = futureOf<T>(fn(), this.asyncioLoop);
      } catch (error) {
        future = new Future<T>(this.asyncioLoop);
        future.setException(error);
      }
      result = future;
      this.addFuture(future, () => this.stop());
    });
    let timer: TimerHandle | null = null;
    if (timeout !== undefined) {
      timer = this.callLater(timeout, () => {
        // Cancel the work and let it end; if it cannot be cancelled, stop with it pending.
        if (result === null || !result.cancel()) this.stop();
      });
    }
    await this.start();
    timer?.cancel();
    const done = result as Future<T> | null;
    if (done === null || done.cancelled() || !done.done())
      throw new TimeoutError(`Operation timed out after ${String(timeout)} ms`);
    return done.result();
  }
  // #endregion run-sync

  /**
   * Closes the loop: removes every handler and, with `allFds`, closes their fds too. The loop
   * must not be running.
   */
  close(allFds = false): void {
    for (const [fd, [fileobj]] of this.#handlers) {
      this.#unwatch(fd);
      if (allFds) closeFd(fileobj);
    }
    this.#handlers.clear();
    if (this.#ownsExecutor) void this.#executor?.shutdown({ wait: false });
    this.#executor = null;
    ioloops.delete(this.asyncioLoop);
    this.asyncioLoop.close();
  }

  // ─── Time and callbacks ────────────────────────────────────────────────────────────────────

  /** The loop's clock, in milliseconds (`loop.time()`). */
  time(): number {
    return this.asyncioLoop.time();
  }

  // #region add-callback
  /** Runs `callback(...args)` on the next iteration. */
  addCallback<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): void {
    this.#checkOpen('addCallback');
    this.asyncioLoop.callSoon(this.#runCallback, callback, args);
  }
  // #endregion add-callback

  /** The same as `addCallback` (tornado 6 no longer has stack contexts to leave behind). */
  spawnCallback<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): void {
    this.addCallback(callback, ...args);
  }

  // #region add-future
  /**
   * Runs `callback(future)` on the loop once `future` is done. A promise is accepted too.
   * @throws TypeError unless `future` is a Future or a promise
   */
  addFuture<T>(future: Future<T> | PromiseLike<T>, callback: (future: Future<T>) => unknown): void {
    let f: Future<T>;
    if (isFuture(future)) f = future;
    else if (isThenable(future)) f = wrapPromise(future, this.asyncioLoop);
    else throw new TypeError(`addFuture() expected a Future or a promise, got ${inspect(future)}`);
    f.addDoneCallback((done) => this.#runCallback(callback, [done]));
  }
  // #endregion add-future

  /**
   * Runs `callback(...args)` at `deadline` (a `loop.time()` ms number) or after a Timedelta.
   * Returns the handle for `removeTimeout`.
   */
  addTimeout<A extends unknown[]>(
    deadline: Timeout,
    callback: (...args: A) => unknown,
    ...args: A
  ): TimerHandle {
    return this.callAt(deadlineOf(this.asyncioLoop, deadline, 'addTimeout'), callback, ...args);
  }

  /** Runs `callback(...args)` after `delay` ms. */
  callLater<A extends unknown[]>(
    delay: number,
    callback: (...args: A) => unknown,
    ...args: A
  ): TimerHandle {
    return this.callAt(this.time() + delay, callback, ...args);
  }

  /** Runs `callback(...args)` when `time()` reaches `when`. */
  callAt<A extends unknown[]>(
    when: number,
    callback: (...args: A) => unknown,
    ...args: A
  ): TimerHandle {
    return this.asyncioLoop.callAt(when, this.#runCallback, callback, args);
  }

  /** Cancels a timeout from `addTimeout`, `callLater` or `callAt` (harmless if it ran). */
  removeTimeout(handle: TimerHandle | Handle): void {
    handle.cancel();
  }

  // ─── fd handlers ───────────────────────────────────────────────────────────────────────────

  /**
   * Calls `handler(fd, events)` when `fd` is readable (READ) or writable (WRITE), as asked in
   * `events`.
   * @throws TypeError if `fd` has a handler already
   */
  addHandler<F extends FdLike>(fd: F, handler: FdHandler<F>, events: number): void {
    const n = filenoOf(fd, 'addHandler');
    if (this.#handlers.has(n)) throw new TypeError(`addHandler(): fd ${n} has a handler already`);
    if (typeof handler !== 'function')
      throw new TypeError(`addHandler() expected a function, got ${inspect(handler)}`);
    this.#handlers.set(n, [fd, handler]);
    this.updateHandler(fd, events);
  }

  /**
   * Changes the events `fd`'s handler is called for.
   * @throws TypeError if `fd` has no handler
   */
  updateHandler(fd: FdLike, events: number): void {
    const n = filenoOf(fd, 'updateHandler');
    const entry = this.#handlers.get(n);
    if (entry === undefined) throw new TypeError(`updateHandler(): fd ${n} has no handler`);
    const loop = this.asyncioLoop;
    if (events & IOLoop.READ) loop.addReader(n, this.#onEvents, n, IOLoop.READ);
    else loop.removeReader(n);
    if (events & IOLoop.WRITE) loop.addWriter(n, this.#onEvents, n, IOLoop.WRITE);
    else loop.removeWriter(n);
  }

  /** Stops calling `fd`'s handler. Harmless if it has none. */
  removeHandler(fd: FdLike): void {
    const n = filenoOf(fd, 'removeHandler');
    if (!this.#handlers.delete(n)) return;
    this.#unwatch(n);
  }

  #unwatch(fd: number): void {
    this.asyncioLoop.removeReader(fd);
    this.asyncioLoop.removeWriter(fd);
  }

  readonly #onEvents = (fd: number, events: number): void => {
    const entry = this.#handlers.get(fd);
    if (entry === undefined) return;
    const [fileobj, handler] = entry;
    this.#runCallback(handler, [fileobj, events]);
  };

  // ─── Executors ─────────────────────────────────────────────────────────────────────────────

  // #region run-in-executor
  /**
   * Runs `fn(...args)` in `executor` (or the default one: a thread pool made on first use) and
   * gives a Future of its result. A pool needs a `WorkerFunction` (a module and an export name).
   */
  runInExecutor<F extends AnyFunction>(
    executor: Executor | null,
    fn: F | WorkerFunction<F>,
    ...args: Parameters<F>
  ): Future<Awaited<ReturnType<F>>> {
    if (executor === null) {
      if (this.#executor === null) {
        this.#executor = new ThreadPoolExecutor();
        this.#ownsExecutor = true;
      }
      executor = this.#executor;
    }
    const inner = executor.submit(fn, ...args);
    const outer = new Future<Awaited<ReturnType<F>>>(this.asyncioLoop);
    this.addFuture(inner, (done) => chainFuture(done, outer));
    return outer;
  }
  // #endregion run-in-executor

  /** The executor `runInExecutor(null, …)` uses from now on. */
  setDefaultExecutor(executor: Executor): void {
    if (this.#ownsExecutor) void this.#executor?.shutdown({ wait: false });
    this.#executor = executor;
    this.#ownsExecutor = false;
  }

  // ─── Internals ─────────────────────────────────────────────────────────────────────────────

  /** Names the IOLoop and the call, where the loop underneath would name its own `callSoon()`. */
  #checkOpen(method: string): void {
    if (this.asyncioLoop.isClosed())
      throw new LoopClosedError(`IOLoop is closed: ${method}() on ${String(this)}`);
  }

  // #region run-callback
  /**
   * tornado's `_run_callback`: runs it; logs what it throws; awaits a Future or coroutine it
   * returns, logging its failure.
   */
  readonly #runCallback = (callback: Callback, args: readonly unknown[]): void => {
    let returned: unknown;
    try {
      returned = callback(...args);
    } catch (error) {
      if (!isCancelledError(error))
        appLog.error(error, `Exception in callback ${describeCallback(callback)}`);
      return;
    }
    if (returned === undefined || returned === null) return;
    let future: unknown;
    try {
      future = convertYielded(returned);
    } catch (error) {
      if (error instanceof BadYieldError) return; // a plain value: nothing to wait for
      throw error;
    }
    if (future === moment) return;
    (future as Future).addDoneCallback((done) => {
      if (done.cancelled()) return;
      const error = done.exception();
      if (error !== undefined && !isCancelledError(error))
        appLog.error(error, `Exception in callback ${describeCallback(callback)}`);
    });
  };
  // #endregion run-callback

  toString(): string {
    return `<IOLoop ${String(this.asyncioLoop)}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * Calls `callback` every `callbackTime` ms (tornado's `PeriodicCallback`). A callback that
 * returns a Future or a coroutine is waited for before the next call is scheduled, so calls never
 * overlap; calls missed while one ran long are skipped, to stay on the original schedule; an
 * exception is logged and the next call still happens. `jitter` (0–1) moves each call by up to
 * ±jitter/2 of the period.
 * @example
 * ```ts
 * const ping = new PeriodicCallback(() => console.log('tick'), 1_000);
 * ping.start();
 * ```
 */
export class PeriodicCallback {
  readonly callbackTime: number;
  #running = false;
  #timeout: TimerHandle | null = null;
  #nextTimeout = 0;
  #ioloop: IOLoop | null = null;

  /**
   * @param callbackTime the period, ms, or a Timedelta
   * @throws RangeError unless the period is > 0, and jitter within 0–1
   */
  constructor(
    readonly callback: () => unknown,
    callbackTime: number | Timedelta,
    readonly jitter = 0,
  ) {
    if (typeof callback !== 'function')
      throw new TypeError(`PeriodicCallback expected a function, got ${inspect(callback)}`);
    const ms = callbackTime instanceof Timedelta ? callbackTime.ms : callbackTime;
    if (typeof ms !== 'number' || !(ms > 0) || !Number.isFinite(ms))
      throw new RangeError(
        `PeriodicCallback must have a positive callbackTime, got ${String(callbackTime)}`,
      );
    if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1))
      throw new RangeError(
        `PeriodicCallback expected jitter between 0 and 1, got ${String(jitter)}`,
      );
    this.callbackTime = ms;
  }

  /** Starts calling, on the current IOLoop; the first call is one period from now. */
  start(): void {
    this.#ioloop = IOLoop.current();
    this.#running = true;
    this.#nextTimeout = this.#ioloop.time();
    this.#scheduleNext();
  }

  /** Stops calling (a call that is running finishes). */
  stop(): void {
    this.#running = false;
    if (this.#timeout !== null) {
      this.#ioloop?.removeTimeout(this.#timeout);
      this.#timeout = null;
    }
  }

  isRunning(): boolean {
    return this.#running;
  }

  #run = (): void => {
    this.#timeout = null;
    if (!this.#running) return;
    let returned: unknown;
    try {
      returned = this.callback();
    } catch (error) {
      appLog.error(error, `Exception in callback ${describeCallback(this.callback)}`);
      this.#scheduleNext();
      return;
    }
    let future: Future | null = null;
    if (returned !== undefined && returned !== null) {
      try {
        const converted = convertYielded(returned);
        if (converted !== moment) future = converted as Future;
      } catch (error) {
        if (!(error instanceof BadYieldError)) throw error;
      }
    }
    if (future === null || future.done()) {
      if (future !== null) this.#logFailure(future);
      this.#scheduleNext();
      return;
    }
    future.addDoneCallback((done) => {
      this.#logFailure(done);
      this.#scheduleNext();
    });
  };

  #logFailure(future: Future): void {
    if (future.cancelled()) return;
    const error = future.exception();
    if (error !== undefined)
      appLog.error(error, `Exception in callback ${describeCallback(this.callback)}`);
  }

  #scheduleNext(): void {
    if (!this.#running || this.#ioloop === null) return;
    this.#updateNext(this.#ioloop.time());
    this.#timeout = this.#ioloop.callAt(this.#nextTimeout, this.#run);
  }

  /** tornado's `_update_next`: the next multiple of the period after now (skipping missed calls). */
  #updateNext(now: number): void {
    let period = this.callbackTime;
    if (this.jitter) period *= 1 + this.jitter * (Math.random() - 0.5);
    if (this.#nextTimeout <= now) {
      this.#nextTimeout += (Math.floor((now - this.#nextTimeout) / period) + 1) * period;
    } else {
      this.#nextTimeout += period;
    }
  }
}

/**
 * What `runSync`'s function returned, as a Future: a Future, promise, coroutine or array/object of
 * them through `convertYielded`; any other value (tornado would refuse it) done with itself.
 */
function futureOf<T>(value: unknown, loop: EventLoop): Future<T> {
  if (value !== null && value !== undefined) {
    try {
      const converted = convertYielded(value);
      if (converted !== moment) return converted as Future<T>;
    } catch (error) {
      if (!(error instanceof BadYieldError)) throw error;
    }
  }
  return resolvedFuture(loop, value as T);
}

function filenoOf(fd: FdLike, method: string): number {
  if (typeof fd === 'number' && Number.isInteger(fd) && fd >= 0) return fd;
  if (typeof fd === 'object' && fd !== null && typeof fd.fileno === 'function') {
    const n = fd.fileno();
    if (Number.isInteger(n) && n >= 0) return n;
    throw new TypeError(`${method}() got a closed file object (fileno() is ${n})`);
  }
  throw new TypeError(
    `${method}() expected an fd number or an object with fileno(), got ${inspect(fd)}`,
  );
}

function closeFd(fd: FdLike): void {
  try {
    if (typeof fd === 'object' && typeof (fd as { close?: unknown }).close === 'function')
      (fd as unknown as { close(): void }).close();
    else closeSync(filenoOf(fd, 'close'));
  } catch {
    // tornado's close_fd ignores errors too: the fd is as good as closed
  }
}

function describeCallback(callback: unknown): string {
  return typeof callback === 'function' ? callback.name || '<anonymous>' : inspect(callback);
}
