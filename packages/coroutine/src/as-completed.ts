/**
 * `asCompleted(awaitables, { timeout })`: take results in the order they finish — asyncio's
 * `as_completed`.
 *
 * - Iterating gives one future per awaitable; the first resolves with the first result to come,
 *   and so on: `for (const next of asCompleted(fs)) console.log(yield* next)`.
 * - Async iteration gives the results themselves, in the order they finish (throwing the first
 *   failure): `for await (const page of asCompleted(fs)) console.log(page)`. (Futures are
 *   thenables, and an async generator awaits what it yields, so it cannot hand out futures.)
 * With `timeout` (ms), whatever is not done by then rejects with `TimeoutError`.
 */
import type { EventLoop } from '@aio/loop';
import { Future, TimeoutError } from '@aio/future';
import { ensureFuture, loopOf, type Awaitable } from './ensure-future';

export interface AsCompletedOptions {
  timeout?: number | null;
}

export class AsCompleted<T> implements Iterable<Future<T>>, AsyncIterable<T> {
  readonly #finished: Future<T>[] = [];
  readonly #waiting: Future<Future<T>>[] = [];
  readonly #total: number;
  readonly #loop: EventLoop;
  #handedOut = 0;
  #timedOut = false;

  constructor(awaitables: Iterable<Awaitable<T>>, options: AsCompletedOptions = {}) {
    const list = [...awaitables];
    const loop = loopOf(list, 'asCompleted()');
    this.#loop = loop;
    const futures = [...new Set(list.map((aw) => ensureFuture(aw, loop)))];
    this.#total = futures.length;
    const timer =
      options.timeout != null && futures.length > 0
        ? loop.callLater(options.timeout, () => this.#timeout())
        : null;
    let left = futures.length;
    for (const future of futures) {
      future.addDoneCallback((done) => {
        if (--left === 0) timer?.cancel();
        if (this.#timedOut) return;
        const waiter = this.#waiting.shift();
        if (waiter !== undefined) waiter.setResult(done);
        else this.#finished.push(done);
      });
    }
  }

  #timeout(): void {
    this.#timedOut = true;
    for (const waiter of this.#waiting.splice(0))
      waiter.setException(new TimeoutError('asCompleted() timed out'));
  }

  /** The next future to finish (a Future of it). */
  #next(): Future<Future<T>> {
    const next = new Future<Future<T>>(this.#loop);
    const ready = this.#finished.shift();
    if (ready !== undefined) next.setResult(ready);
    else if (this.#timedOut) next.setException(new TimeoutError('asCompleted() timed out'));
    else this.#waiting.push(next);
    return next;
  }

  *[Symbol.iterator](): Generator<Future<T>, void, unknown> {
    while (this.#handedOut < this.#total) {
      this.#handedOut++;
      const next = this.#next();
      // A future of the next result: resolves with that future's result, or its exception.
      const result = new Future<T>(next.getLoop());
      next.addDoneCallback((n) => {
        if (result.done()) return;
        if (n.exception() !== undefined) {
          result.setException(n.exception());
          return;
        }
        const done = n.result();
        if (done.cancelled()) result.cancel();
        else if (done.exception() !== undefined) result.setException(done.exception());
        else result.setResult(done.result());
      });
      yield result;
    }
  }

  /** Results in the order they finish (an async generator awaits each future it yields). */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, unknown> {
    for (const next of this) yield await next;
  }
}

export function asCompleted<T>(
  awaitables: Iterable<Awaitable<T>>,
  options?: AsCompletedOptions,
): AsCompleted<T> {
  return new AsCompleted(awaitables, options);
}
