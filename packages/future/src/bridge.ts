/**
 * Crossing between aio Futures and JavaScript Promises, and between futures.
 *
 * A foreign Promise enters the loop through `wrapPromise` only: the returned Future settles when
 * the promise does, and the loop is told (`KEEP_AWAKE_UNTIL`, @aio/loop/internal) so that it does not sleep through it.
 */
import { getEventLoop, type EventLoop } from '@aio/loop';
import { KEEP_AWAKE_UNTIL } from '@aio/loop/internal';
import { isCancelledError } from './errors';
import { Future, isFuture } from './future';

// #region wrapPromise
/**
 * A Future that settles when `promise` does. Cancelling the future does not cancel the promise
 * (a Promise cannot be cancelled); its outcome is then ignored.
 */
export function wrapPromise<T>(
  promise: PromiseLike<T>,
  loop: EventLoop = getEventLoop(),
): Future<T> {
  if (isFuture(promise)) return promise as unknown as Future<T>;
  const future = new Future<T>(loop);
  loop[KEEP_AWAKE_UNTIL](promise);
  // These run from Node's microtask queue, maybe after the loop closed: then there is nobody
  // left to tell (scheduling callbacks on a closed loop would throw into a promise reaction).
  promise.then(
    (value) => {
      if (!future.done() && !loop.isClosed()) future.setResult(value);
    },
    (error: unknown) => {
      if (future.done() || loop.isClosed()) return;
      if (isCancelledError(error)) future.cancel(error.message);
      else future.setException(error);
    },
  );
  return future;
}
// #endregion wrapPromise

// #region toPromise
/** A Promise that settles like `future` (a cancelled future rejects with CancelledError). */
export function toPromise<T>(future: Future<T>): Promise<T> {
  return Promise.resolve(future);
}
// #endregion toPromise

// #region chainFuture
/**
 * asyncio's `_chain_future`: when `source` is done, `destination` gets the same outcome; if
 * `destination` is cancelled first, `source` is cancelled too.
 */
export function chainFuture<T>(source: Future<T>, destination: Future<T>): void {
  const copy = (from: Future<T>): void => {
    if (destination.done()) return;
    if (from.cancelled()) {
      destination.cancel();
      return;
    }
    let value: T;
    try {
      value = from.result();
    } catch (exception) {
      destination.setException(exception);
      return;
    }
    destination.setResult(value);
  };
  destination.addDoneCallback((dest) => {
    if (dest.cancelled()) source.cancel();
  });
  source.addDoneCallback(copy);
}
// #endregion chainFuture
