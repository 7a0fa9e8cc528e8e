/**
 * `@aio/tornado/gen`: tornado's generator coroutines (tornado/gen.py), built as tornado builds
 * them, so that the seed article's Part Two can be read in this code:
 *
 * 1. `coroutine(fn)` wraps a generator function. Calling the wrapper makes the result Future,
 *    runs the generator to its first `yield`, and hands the generator, the Future and what it
 *    yielded to a `Runner`.
 * 2. `Runner.handleYield` turns what was yielded into a Future (`convertYielded`). If it is done
 *    already, `Runner.run` goes on at once; if not, `IOLoop.addFuture` is asked to call `run`
 *    once it is done.
 * 3. `Runner.run` sends the Future's result into the generator (or throws its exception in) and
 *    handles the next yield, until the generator returns: its value is the result Future's.
 *
 * `traceRunners(listener)` reports each of those steps, for teaching and debugging.
 *
 * @module @aio/tornado/gen
 */
import { inspect } from 'node:util';
import { getEventLoop } from '@aio/loop';
import { Future, TimeoutError, isFuture } from '@aio/future';
import { GIVE_BACK, Handoff, relay, relayResult } from '@aio/future/internal';
import { isCoroutine } from '@aio/coroutine';
import {
  chainFuture,
  futureAddDoneCallback,
  futureSetResultUnlessCancelled,
} from './concurrent/futures';
import {
  BadYieldError,
  convertYielded,
  moment,
  type Moment,
  type QuietExceptions,
  type YieldResult,
} from './gen/convert';
import { IOLoop } from './ioloop';
import { Timedelta, type Timeout } from './internal/timeout';
import { appLog } from './log';

export {
  BadYieldError,
  convertYielded,
  maybeFuture,
  moment,
  multi,
  multiFuture,
  type Moment,
  type QuietExceptions,
  type Yieldable,
  type Yieldables,
  type YieldResult,
} from './gen/convert';
export { Timedelta, timedelta, type Timeout, type TimedeltaParts } from './internal/timeout';
export { TimeoutError };

// ─── Tracing ───────────────────────────────────────────────────────────────────────────────────

/** One step of a Runner, as `traceRunners` reports it. */
export interface RunnerStep {
  /** What happened: see `traceRunners`. */
  readonly step:
    'coroutine' | 'handleYield' | 'addFuture' | 'wakeup' | 'send' | 'throw' | 'return' | 'raise';
  /** The coroutine's function name. */
  readonly coroutine: string;
  /** A short description of the value, future or error involved. */
  readonly detail: string;
}

let tracer: ((step: RunnerStep) => void) | null = null;

/**
 * Reports every Runner step to `listener` (null stops): `coroutine` (the wrapper was called and
 * ran the generator to its first yield), `handleYield` (convertYielded made a Future), `addFuture`
 * (it was pending: the IOLoop will call back), `wakeup` (the IOLoop called back), `send` / `throw`
 * (the result or exception goes into the generator), `return` / `raise` (the result Future is
 * done).
 * @example
 * ```ts
 * traceRunners((s) => console.log(`${s.coroutine}: ${s.step} ${s.detail}`));
 * ```
 */
export function traceRunners(listener: ((step: RunnerStep) => void) | null): void {
  if (listener !== null && typeof listener !== 'function')
    throw new TypeError(`traceRunners() expected a function or null, got ${inspect(listener)}`);
  tracer = listener;
}

function emit(step: RunnerStep['step'], coroutine: string, detail: unknown): void {
  tracer?.({ step, coroutine, detail: short(detail) });
}

// ─── coroutine ─────────────────────────────────────────────────────────────────────────────────

const IS_COROUTINE = Symbol.for('@aio/tornado.coroutine');

/** What `coroutine(fn)` returns: the function, returning a Future of its result. */
export type CoroutineFunction<This, A extends unknown[], R> = ((
  this: This,
  ...args: A
) => Future<R>) & {
  /** The function that was wrapped (tornado's `__wrapped__`). */
  readonly wrapped: (this: This, ...args: A) => unknown;
};

/**
 * tornado's `@gen.coroutine`: `fn` may be a generator function, which yields Futures (or
 * promises, arrays and objects of them, `moment`, `null`) and gets back their results, or a plain
 * function. The wrapper returns a Future of what `fn` returns; an exception thrown before the first
 * `yield`, or by a plain function, fails that Future rather than being thrown. Usable as a
 * function or as a method decorator; a decorator cannot change a method's type in TypeScript, so
 * a decorated method still reads as returning a Generator: where the types matter, prefer a
 * property, `readonly fetch = gen.coroutine(function* (this: Crawler, url: string) { … })`.
 * @example
 * ```ts
 * const fetchBoth = gen.coroutine(function* (a: string, b: string) {
 *   const pageA: string = yield fetch(a);
 *   const [pageB, pageC]: string[] = yield [fetch(b), fetch(`${b}?page=2`)];
 *   return pageA.length + pageB.length + pageC.length;
 * });
 * const total = await fetchBoth('/a', '/b');
 *
 * class Crawler {
 *   @gen.coroutine
 *   *fetch(url: string) { ... }
 * }
 * ```
 */
export function coroutine<F extends (...args: never[]) => unknown>(
  method: F,
  context: ClassMethodDecoratorContext,
): F;
export function coroutine<This, A extends unknown[], R>(
  fn: (this: This, ...args: A) => Generator<unknown, R>,
  context?: ClassMethodDecoratorContext,
): CoroutineFunction<This, A, R>;
export function coroutine<This, A extends unknown[], R>(
  fn: (this: This, ...args: A) => R,
  context?: ClassMethodDecoratorContext,
): CoroutineFunction<This, A, R>;
export function coroutine<This, A extends unknown[]>(
  fn: (this: This, ...args: A) => unknown,
  context?: ClassMethodDecoratorContext,
): CoroutineFunction<This, A, unknown> {
  if (typeof fn !== 'function')
    throw new TypeError(`coroutine() expected a function, got ${inspect(fn)}`);
  if (context !== undefined && context.kind !== 'method')
    throw new TypeError(`@coroutine decorates methods, not a ${String(context.kind)}`);
  const name = fn.name || '<anonymous>';
  // #region coroutine-wrapper
  const wrapper = {
    [name](this: This, ...args: A): Future {
      const future = new Future(getEventLoop());
      let result: unknown;
      try {
        result = fn.apply(this, args);
      } catch (error) {
        future.setException(error);
        emit('raise', name, error);
        return future;
      }
      if (!isCoroutine(result)) {
        future.setResult(result);
        return future;
      }
      let first: IteratorResult<unknown>;
      try {
        first = result.next();
      } catch (error) {
        future.setException(error);
        emit('raise', name, error);
        return future;
      }
      if (first.done === true) {
        futureSetResultUnlessCancelled(future, first.value);
        emit('return', name, first.value);
        return future;
      }
      emit('coroutine', name, first.value);
      new Runner(result, future, first.value, name);
      return future;
    },
  }[name]!;
  // #endregion coroutine-wrapper
  return Object.assign(wrapper, { wrapped: fn, [IS_COROUTINE]: true });
}

/** True for a function made by `coroutine()` (tornado's `is_coroutine_function`). */
export function isCoroutineFunction(fn: unknown): boolean {
  return typeof fn === 'function' && IS_COROUTINE in fn;
}

// ─── Runner ────────────────────────────────────────────────────────────────────────────────────

/**
 * Drives one generator for `coroutine` (tornado's `Runner`): holds the Future the generator
 * waits on, and resumes the generator when it is done.
 */
export class Runner {
  /** What the generator waits on now; null between a resume and its next yield. */
  future: Future | Moment | null = null;
  /** True while `run` is on the stack (a re-entrant call returns at once). */
  running = false;
  /** True once the generator returned or threw. */
  finished = false;
  readonly ioloop: IOLoop;
  readonly #gen: Generator<unknown, unknown, unknown>;
  readonly #resultFuture: Future;
  readonly #name: string;
  // #region runner-start
  /** `run`, bound once: what the IOLoop calls back. */
  readonly #wakeup = (): void => {
    emit('wakeup', this.#name, this.future);
    this.run();
  };

  constructor(
    gen: Generator<unknown, unknown, unknown>,
    resultFuture: Future,
    firstYielded: unknown,
    name = '<coroutine>',
  ) {
    this.#gen = gen;
    this.#resultFuture = resultFuture;
    this.#name = name;
    this.ioloop = IOLoop.current();
    if (this.handleYield(firstYielded)) this.run();
  }
  // #endregion runner-start

  // #region runner-run
  /** Resumes the generator for as long as what it yields is done already. */
  run(): void {
    if (this.running || this.finished) return;
    try {
      this.running = true;
      for (;;) {
        const future = this.future;
        if (future === null) throw new Error('Runner.run: no pending future');
        let value: unknown;
        let error: unknown;
        let failed = false;
        if (future !== moment) {
          const f = future as Future;
          if (!f.done()) return;
          try {
            value = f.result();
          } catch (thrown) {
            failed = true;
            error = thrown;
          }
        }
        this.future = null;
        let next: IteratorResult<unknown>;
        try {
          if (failed) {
            emit('throw', this.#name, error);
            next = this.#gen.throw(error);
          } else {
            if (tracer !== null) emit('send', this.#name, value);
            next = this.#gen.next(value);
          }
        } catch (thrown) {
          this.#finish();
          this.#resultFuture.setException(thrown);
          emit('raise', this.#name, thrown);
          return;
        }
        if (next.done === true) {
          this.#finish();
          futureSetResultUnlessCancelled(this.#resultFuture, next.value);
          emit('return', this.#name, next.value);
          return;
        }
        if (!this.handleYield(next.value)) return;
      }
    } finally {
      this.running = false;
    }
  }
  // #endregion runner-run

  // #region runner-handle-yield
  /**
   * Makes a Future of `yielded` (a BadYieldError fails it) and returns true if it is done already
   * (`run` goes on); else asks the IOLoop to call `run` once it is, and returns false.
   */
  handleYield(yielded: unknown): boolean {
    let future: Future | Moment;
    try {
      future = convertYielded(yielded);
    } catch (error) {
      if (!(error instanceof BadYieldError)) throw error;
      const failed = new Future(this.ioloop.asyncioLoop);
      failed.setException(error);
      future = failed;
    }
    this.future = future;
    if (tracer !== null) emit('handleYield', this.#name, future);
    if (future === moment) {
      this.ioloop.addCallback(this.#wakeup);
      return false;
    }
    if (!(future as Future).done()) {
      emit('addFuture', this.#name, future);
      this.ioloop.addFuture(future as Future, this.#wakeup);
      return false;
    }
    return true;
  }
  // #endregion runner-handle-yield

  /**
   * Throws `error` into the generator at its current yield, if the Runner is waiting (not running,
   * not finished); returns whether it did.
   */
  handleException(error: unknown): boolean {
    if (this.running || this.finished) return false;
    const failed = new Future(this.ioloop.asyncioLoop);
    failed.setException(error);
    this.future = failed;
    this.run();
    return true;
  }

  #finish(): void {
    this.finished = true;
    this.future = null;
  }
}

// ─── Time ──────────────────────────────────────────────────────────────────────────────────────

/**
 * A Future done after `duration` ms (or a Timedelta): `yield gen.sleep(500)`. Cancelling it
 * cancels its timer.
 */
export function sleep(duration: number | Timedelta): Future<void> {
  const ms = duration instanceof Timedelta ? duration.ms : duration;
  if (typeof ms !== 'number' || Number.isNaN(ms))
    throw new TypeError(`sleep() expected milliseconds or a Timedelta, got ${inspect(duration)}`);
  const loop = getEventLoop();
  const future = new Future<void>(loop);
  const timer = loop.callLater(Math.max(ms, 0), () =>
    futureSetResultUnlessCancelled(future, undefined),
  );
  future.addDoneCallback(() => timer.cancel());
  return future;
}

/**
 * A Future that follows `future` (anything `convertYielded` takes) but fails with TimeoutError
 * at `timeout` (a `loop.time()` deadline, or a Timedelta from now). As in tornado, `future` is
 * not cancelled: it runs on, and if it fails later its error is logged (unless it is of a
 * `quietExceptions` class). What it is handed after the timeout (a queue's item, a lock) goes
 * back to its primitive instead of being lost, and before it, reaches whoever waits on the
 * result (a relay: see @aio/future's handoff.ts).
 * @example
 * ```ts
 * const page = yield* gen.withTimeout(timedelta({ seconds: 5 }), fetch(url)); // typed as fetch's result
 * ```
 */
export function withTimeout<T>(
  timeout: Timeout,
  future: Future<T> | PromiseLike<T>,
  options?: QuietExceptions,
): Future<Awaited<T>>;
export function withTimeout<const Y>(
  timeout: Timeout,
  future: Y,
  options?: QuietExceptions,
): Future<YieldResult<Y>>;
export function withTimeout<T>(
  timeout: Timeout,
  future: unknown,
  options: QuietExceptions = {},
): Future<T> {
  const quiet = options.quietExceptions ?? [];
  const converted = convertYielded(future);
  const inner = (converted === moment ? sleep(0) : converted) as Future<T>;
  const ioloop = IOLoop.current();
  const result = new Handoff<T>(ioloop.asyncioLoop);
  let timedOut = false;
  const handle = ioloop.addTimeout(timeout, () => {
    if (result.done()) return;
    timedOut = true;
    result.setException(new TimeoutError('Timeout'));
  });
  // tornado's chain_future, one way (cancelling `result` leaves `inner` running), as a relay:
  // what `inner` was handed goes on to whoever waits on `result`, to be taken or given back; once
  // `result` is done (timed out, or cancelled) it goes back at once, and a late error is logged.
  const follow = relay((done: Future<T>) => {
    ioloop.removeTimeout(handle);
    if (result.done()) {
      if (done.cancelled()) return;
      const error = done.exception();
      if (timedOut && error !== undefined && !quiet.some((type) => error instanceof type))
        appLog.error(error, `Exception in Future ${String(done)} after timeout`);
      done[GIVE_BACK]();
      return;
    }
    if (done.cancelled()) result.cancel();
    else if (done.exception() !== undefined) result.setException(done.exception());
    else relayResult(result, done.result(), [done]);
  });
  if (inner.done()) follow(inner);
  else inner.addDoneCallback(follow);
  return result;
}

// ─── WaitIterator ──────────────────────────────────────────────────────────────────────────────

/**
 * Gives futures back in the order they finish (tornado's `WaitIterator`), with `currentIndex`
 * (the position, or the key for an object) and `currentFuture` telling which one it was.
 * @example
 * ```ts
 * const wait = new gen.WaitIterator(fetch(a), fetch(b));
 * while (!wait.done()) {
 *   try {
 *     const page = yield wait.next();
 *     console.log(`#${wait.currentIndex} done`, page.length);
 *   } catch (error) {
 *     console.log(`#${wait.currentIndex} failed`, error);
 *   }
 * }
 * // or: for await (const page of new gen.WaitIterator(...futures)) { ... }
 * ```
 */
export class WaitIterator<T = unknown> implements AsyncIterable<T> {
  /** Where the future last given back stood: its index, or its key. */
  currentIndex: number | string | null = null;
  /** The future last given back. */
  currentFuture: Future<T> | null = null;
  readonly #unfinished = new Map<Future<T>, number | string>();
  readonly #finished: Future<T>[] = [];
  #running: Future<T> | null = null;

  /**
   * @param futures the futures, or one object of them by key
   * @throws TypeError for something that is not a Future
   */
  constructor(...futures: Future<T>[] | [Readonly<Record<string, Future<T>>>]) {
    const single = futures[0];
    const entries: [number | string, unknown][] =
      futures.length === 1 && !isFuture(single) && typeof single === 'object' && single !== null
        ? Object.entries(single)
        : futures.map((future, i) => [i, future]);
    for (const [key, future] of entries) {
      if (!isFuture(future))
        throw new TypeError(`WaitIterator expected Futures, got ${inspect(future)} at ${key}`);
      this.#unfinished.set(future as Future<T>, key);
    }
    for (const future of this.#unfinished.keys()) {
      futureAddDoneCallback(future, this.#onDone);
    }
  }

  /** True once every future has been given back. */
  done(): boolean {
    if (this.#finished.length > 0 || this.#unfinished.size > 0) return false;
    this.currentIndex = null;
    this.currentFuture = null;
    return true;
  }

  /** A Future of the next future to finish: its result, or its exception. */
  next(): Future<T> {
    this.#running = new Future<T>(getEventLoop());
    const finished = this.#finished.shift();
    if (finished !== undefined) return this.#returnResult(finished);
    return this.#running;
  }

  readonly #onDone = (done: Future<T>): void => {
    if (this.#running !== null && !this.#running.done()) this.#returnResult(done);
    else this.#finished.push(done);
  };

  #returnResult(done: Future<T>): Future<T> {
    const running = this.#running!;
    chainFuture(done, running);
    this.#running = null;
    this.currentFuture = done;
    this.currentIndex = this.#unfinished.get(done)!;
    this.#unfinished.delete(done);
    return running;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    while (!this.done()) yield await this.next();
  }
}

function short(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (value === moment) return 'gen.moment';
  const text =
    typeof value === 'string'
      ? JSON.stringify(value)
      : inspect(value, { depth: 0, breakLength: Infinity });
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
