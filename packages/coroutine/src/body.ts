/**
 * Scopes (`taskGroup`, `timeout`) take a body that is either a generator function or an async
 * function, and can themselves be used with `yield*` (inside a generator task) or `await`.
 * This module holds the two pieces that make that work.
 */
import { getRunningLoop } from '@aio/loop';
import type { Future } from '@aio/future';
import { Task, isCoroutine, type Coroutine } from './task';

/** A scope's body: `function* (scope) { … }` or `async (scope) => …`. */
export type Body<S, T> = (scope: S) => Coroutine<T> | PromiseLike<T>;

/** Runs a body as a generator: a generator body as is, an async body by yielding its promise. */
export function* bodyAsGenerator<S, T>(body: Body<S, T>, scope: S): Generator<unknown, T, unknown> {
  const produced = body(scope);
  if (isCoroutine(produced)) return yield* produced;
  return (yield produced) as T;
}

/**
 * Something both `yield*`-able (runs `run()` inside the current generator task) and awaitable
 * (runs it in a task of its own).
 */
export abstract class Scoped<T> implements Iterable<unknown, T>, PromiseLike<T> {
  /** @param what the call that made it, for errors: `'withLock()'` */
  constructor(private readonly what: string) {}

  protected abstract run(): Generator<unknown, T, unknown>;

  [Symbol.iterator](): Generator<unknown, T, unknown> {
    return this.run();
  }

  /** As a Task of its own (what `await` uses). */
  asTask(): Future<T> {
    const loop = getRunningLoop(this.what);
    return new Task<T>(this.run(), { loop });
  }

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.asTask().then(onFulfilled, onRejected);
  }
}
