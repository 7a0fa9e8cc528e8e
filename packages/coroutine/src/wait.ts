/**
 * `wait(awaitables, { timeout, returnWhen })`: wait until some or all are done, without
 * cancelling anything — asyncio's `wait`. Settles with `[done, pending]` sets of futures.
 */
import { Future } from '@aio/future';
import { ensureFuture, loopOf, type Awaitable } from './ensure-future';

export const FIRST_COMPLETED = 'FIRST_COMPLETED';
export const FIRST_EXCEPTION = 'FIRST_EXCEPTION';
export const ALL_COMPLETED = 'ALL_COMPLETED';
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

export interface WaitOptions {
  /** Milliseconds; when it passes, `wait` settles with what is done so far. Default: no limit. */
  timeout?: number | null;
  returnWhen?: ReturnWhen;
}

export function wait<T>(
  awaitables: Iterable<Awaitable<T>>,
  options: WaitOptions = {},
): Future<[Set<Future<T>>, Set<Future<T>>]> {
  const returnWhen = options.returnWhen ?? ALL_COMPLETED;
  if (![FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED].includes(returnWhen)) {
    throw new TypeError(
      `wait() expected returnWhen FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, got ${JSON.stringify(returnWhen)}`,
    );
  }
  const list = [...awaitables];
  const loop = loopOf(list, 'wait()');
  const futures = new Set(list.map((aw) => ensureFuture(aw, loop)));
  if (futures.size === 0)
    throw new TypeError(
      'wait() needs at least one awaitable (asyncio: "Set of Tasks/Futures is empty.")',
    );
  const result = new Future<[Set<Future<T>>, Set<Future<T>>]>(loop);
  const split = (): [Set<Future<T>>, Set<Future<T>>] => {
    const done = new Set<Future<T>>();
    const pending = new Set<Future<T>>();
    for (const f of futures) (f.done() ? done : pending).add(f);
    return [done, pending];
  };

  let counter = futures.size;
  const finish = (): void => {
    if (result.done()) return;
    timer?.cancel();
    for (const f of futures) f.removeDoneCallback(onDone);
    result.setResult(split());
  };
  const onDone = (f: Future<T>): void => {
    counter--;
    if (
      counter <= 0 ||
      returnWhen === FIRST_COMPLETED ||
      (returnWhen === FIRST_EXCEPTION && !f.cancelled() && f.exception() !== undefined)
    ) {
      finish();
    }
  };
  const timer = options.timeout != null ? loop.callLater(options.timeout, finish) : null;
  result.addDoneCallback(() => {
    timer?.cancel();
    for (const f of futures) f.removeDoneCallback(onDone);
  });

  // Already satisfied? (asyncio checks before waiting.)
  const [done] = split();
  if (
    done.size === futures.size ||
    (returnWhen === FIRST_COMPLETED && done.size > 0) ||
    (returnWhen === FIRST_EXCEPTION &&
      [...done].some((f) => !f.cancelled() && f.exception() !== undefined))
  ) {
    timer?.cancel();
    result.setResult(split());
    return result;
  }
  counter = futures.size - done.size;
  for (const f of futures) if (!f.done()) f.addDoneCallback(onDone);
  return result;
}
