/**
 * tornado's helpers for futures (`tornado.concurrent`): `Future` *is* the aio Future, as
 * tornado's is asyncio's, and these functions give it tornado's semantics where they differ.
 *
 * The one difference that matters: asyncio schedules every done-callback with `callSoon`, even
 * on a future that is done already; tornado's `future_add_done_callback` calls it at once in
 * that case, and `chainFuture` relies on that.
 */
import { Future, isFuture, type DoneCallback } from '@aio/future';

export { Future, isFuture };

/**
 * Calls `callback(future)` when `future` is done: at once if it is done already (tornado's
 * `future_add_done_callback`), else through the loop as `addDoneCallback` does.
 * @example
 * ```ts
 * futureAddDoneCallback(future, (f) => console.log('done', f.result()));
 * ```
 */
export function futureAddDoneCallback<T>(future: Future<T>, callback: DoneCallback<T>): void {
  if (future.done()) callback(future);
  else future.addDoneCallback(callback);
}

/**
 * Sets `value` as the result of `future`, unless it was cancelled (then nothing happens): for
 * producers whose consumer may have given up meanwhile. tornado's
 * `future_set_result_unless_cancelled`.
 * @example
 * ```ts
 * socket.once('data', (data) => futureSetResultUnlessCancelled(future, data));
 * ```
 */
export function futureSetResultUnlessCancelled<T>(future: Future<T>, value: T): void {
  if (!future.cancelled()) future.setResult(value);
}

/**
 * Sets `exception` on `future`, unless it was cancelled: then the exception is reported through
 * the loop's exception handler ("Exception after Future was cancelled") instead of vanishing.
 * tornado's `future_set_exception_unless_cancelled`.
 * @example
 * ```ts
 * socket.once('error', (error) => futureSetExceptionUnlessCancelled(future, error));
 * ```
 */
export function futureSetExceptionUnlessCancelled(future: Future, exception: unknown): void {
  if (!future.cancelled()) {
    future.setException(exception);
    return;
  }
  const loop = future.getLoop();
  if (loop.isClosed()) return;
  loop.callExceptionHandler({ message: 'Exception after Future was cancelled', exception, future });
}

// #region chain-future
/**
 * Chains `a` to `b`: when `a` is done, its result, exception or cancellation is copied to `b` —
 * unless `b` is done (or cancelled) by then. tornado's `chain_future`.
 *
 * Unlike `@aio/future`'s `chainFuture` (asyncio's `_chain_future`), the chain runs one way:
 * cancelling `b` does not cancel `a`. If `a` is done already, `b` gets its outcome at once.
 * @example
 * ```ts
 * const b = new Future<number>();
 * chainFuture(executor.submit(fibJob, 30), b);
 * ```
 */
export function chainFuture<T>(a: Future<T>, b: Future<T>): void {
  futureAddDoneCallback(a, (done: Future<T>) => {
    if (b.done()) return;
    if (done.cancelled()) {
      b.cancel();
      return;
    }
    const exception = done.exception();
    if (exception !== undefined) b.setException(exception);
    else b.setResult(done.result());
  });
}
// #endregion chain-future
