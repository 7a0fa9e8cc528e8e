/**
 * What a `gen.coroutine` may yield, and how it becomes a Future: tornado's `convert_yielded`,
 * `multi_future`, `moment`, `maybe_future` and `BadYieldError` (tornado/gen.py).
 *
 * This part of gen needs no IOLoop, so the IOLoop can use it (to run a callback that returns a
 * coroutine) without an import cycle.
 */
import { inspect } from 'node:util';
import { getEventLoop } from '@aio/loop';
import { Future, isFuture } from '@aio/future';
import { resolvedFuture } from '@aio/future/internal';
import { formatValue, isThenable } from '@aio/selector/internal';
import { ensureFuture, isCoroutine } from '@aio/coroutine';
import { futureAddDoneCallback, futureSetResultUnlessCancelled } from '../concurrent/futures';
import { appLog } from '../log';

/** A yielded object that `convertYielded` cannot make a Future of; names what was yielded. */
export class BadYieldError extends Error {
  override name = 'BadYieldError';
  readonly code = 'ERR_AIO_BAD_YIELD';
}

/**
 * `yield gen.moment` gives the IOLoop one turn: the coroutine resumes on the next iteration, after
 * the callbacks already waiting. Yielding `null` or `undefined` means the same, as in tornado.
 */
export interface Moment {
  readonly [Symbol.toStringTag]: 'moment';
}

/** tornado's `gen.moment`. */
export const moment: Moment = Object.freeze({
  [Symbol.toStringTag]: 'moment' as const,
  toString: () => 'gen.moment',
  [inspect.custom]: () => 'gen.moment',
});

/** What `multi` takes: an array of yieldables, or an object whose values are yieldables. */
export type Yieldables = readonly unknown[] | Readonly<Record<string, unknown>>;

/**
 * What `convertYielded` makes a Future of: a Future (a Task is one), a promise or other thenable,
 * a generator object (run as a Task), `moment`, `null` or `undefined`, or an array or plain
 * object of these.
 */
export type Yieldable =
  | Future
  | PromiseLike<unknown>
  | Generator<unknown, unknown>
  | Moment
  | null
  | undefined
  | readonly Yieldable[]
  | { readonly [key: string]: Yieldable };

/**
 * What a coroutine gets back for yielding a `Y` (`convertYielded`'s Future's result, as a type):
 * a Future's or a promise's result, a generator's return value, `undefined` for `moment`, and
 * for an array or object of yieldables the same shape with each one's result in its place
 * (what `multi` gives). `unknown` stays `unknown`.
 * @example
 * ```ts
 * type R = YieldResult<[Future<number>, Promise<string>]>; // [number, string]
 * ```
 */
export type YieldResult<Y> = unknown extends Y
  ? unknown
  : Y extends Future<infer T>
    ? T
    : Y extends PromiseLike<infer T>
      ? Awaited<T>
      : Y extends Generator<unknown, infer T>
        ? T
        : Y extends Moment | null | undefined
          ? undefined
          : Y extends readonly unknown[]
            ? { -readonly [K in keyof Y]: YieldResult<Y[K]> }
            : Y extends object
              ? { -readonly [K in keyof Y]: YieldResult<Y[K]> }
              : never;

/** Options of `multi`, `multiFuture` and `withTimeout`. */
export interface QuietExceptions {
  /**
   * Error classes not to log when they fail a child after another child already failed the
   * whole (or, for `withTimeout`, after the timeout).
   */
  quietExceptions?: readonly (abstract new (...args: never[]) => unknown)[];
}

// #region convert-yielded
/**
 * Makes a Future of what a coroutine yielded (tornado's `convert_yielded`): a Future (a Task is
 * one) as it is; an array or a plain object of yieldables through `multi`; a promise, a generator
 * object or another awaitable through `ensureFuture` (a generator becomes a Task); `null`,
 * `undefined` and `moment` as `moment`.
 * @throws BadYieldError for anything else, naming it
 */
export function convertYielded(yielded: unknown): Future | Moment {
  if (yielded instanceof Future) return yielded;
  if (yielded === null || yielded === undefined || yielded === moment) return moment;
  if (isFuture(yielded)) return yielded;
  if (Array.isArray(yielded) || isPlainObject(yielded)) return multiFuture(yielded as Yieldables);
  if (isCoroutine(yielded) || isThenable(yielded))
    return ensureFuture(yielded as PromiseLike<unknown>);
  throw new BadYieldError(`yielded unknown object ${formatValue(yielded, 200)}`);
}
// #endregion convert-yielded

/**
 * Waits for every child of an array or object (tornado's `multi`): the result has the same shape,
 * each child's result in its place. Every child runs to its end even if one fails; the first
 * failure fails the whole, and the failures after it are logged (unless they are of a
 * `quietExceptions` class).
 * @example
 * ```ts
 * const [a, b] = yield* gen.multi([fetch('a'), fetch('b')]); // typed: each one's result
 * const { user, posts } = yield* gen.multi({ user: getUser(id), posts: getPosts(id) });
 * ```
 */
export function multi<const T extends Yieldables>(
  children: T,
  options: QuietExceptions = {},
): Future<YieldResult<T>> {
  return multiFuture(children, options);
}

/** `multi`, always with Futures underneath (tornado's `multi_future`; `multi` is the same here). */
export function multiFuture<const T extends Yieldables>(
  children: T,
  options: QuietExceptions = {},
): Future<YieldResult<T>> {
  const quiet = options.quietExceptions ?? [];
  const keys = Array.isArray(children) ? null : Object.keys(children);
  const values: unknown[] =
    keys === null ? [...(children as readonly unknown[])] : Object.values(children);
  const futures = values.map((child) => {
    const future = convertYielded(child);
    return future === moment ? momentFuture() : (future as Future);
  });
  const future = new Future<YieldResult<T>>(futures[0]?.getLoop() ?? getEventLoop());
  let unfinished = new Set(futures).size;
  const finish = (): void => {
    const results: unknown[] = [];
    for (const child of futures) {
      let value: unknown;
      try {
        value = child.result();
      } catch (error) {
        if (!future.done()) future.setException(error);
        else if (!quiet.some((type) => error instanceof type))
          appLog.error(error, 'Multiple exceptions in yield list');
        continue;
      }
      results.push(value);
    }
    if (future.done()) return;
    const result =
      keys === null ? results : Object.fromEntries(keys.map((key, i) => [key, results[i]]));
    futureSetResultUnlessCancelled(future, result as YieldResult<T>);
  };
  if (unfinished === 0) finish();
  const listening = new Set<Future>();
  for (const child of futures) {
    if (listening.has(child)) continue;
    listening.add(child);
    futureAddDoneCallback(child, () => {
      if (--unfinished === 0) finish();
    });
  }
  return future;
}

/**
 * `x` as a Future: itself if it is one, else a Future done with `x` (tornado's `maybe_future`,
 * for code that gets either).
 */
export function maybeFuture<T>(x: T | Future<T>): Future<T> {
  if (isFuture(x)) return x;
  return resolvedFuture(getEventLoop(), x);
}

/** A Future done on the next loop iteration: `moment` inside `multi`. */
function momentFuture(): Future<undefined> {
  const loop = getEventLoop();
  const future = new Future<undefined>(loop);
  loop.callSoon(() => futureSetResultUnlessCancelled(future, undefined));
  return future;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
