/**
 * `waitFor(awaitable, ms)`: its result, or `TimeoutError` after `ms` — asyncio's `wait_for`.
 *
 * On timeout the inner awaitable is cancelled and waited for, so its `finally` blocks have run
 * (and a socket operation has removed its reader) before `TimeoutError` is raised. Cancelling
 * the `waitFor` cancels the inner awaitable and its timer: nothing is left behind.
 */
import { getEventLoop } from '@aio/loop';
import { Future, TimeoutError } from '@aio/future';
import { ensureFuture, type Awaitable } from './ensure-future';

export function waitFor<T>(awaitable: Awaitable<T>, ms: number | null): Future<T> {
  const loop = getEventLoop();
  const inner = ensureFuture(awaitable, loop);
  if (ms === null) return inner;
  const outer = new Future<T>(loop);
  let timedOut = false;
  const timer = loop.callLater(Math.max(0, ms), () => {
    timedOut = true;
    // Cancel, then report the timeout once the inner one has finished cancelling.
    if (!inner.cancel()) settle(inner);
  });
  const settle = (done: Future<T>): void => {
    timer.cancel();
    if (outer.done()) {
      if (!done.cancelled()) done.exception(); // retrieved: nobody else will look
      return;
    }
    if (done.cancelled()) {
      if (timedOut) outer.setException(new TimeoutError(`waitFor() timed out after ${ms} ms`));
      else outer.cancel();
      return;
    }
    const exception = done.exception();
    if (exception !== undefined) outer.setException(exception);
    else outer.setResult(done.result());
  };
  inner.addDoneCallback(settle);
  outer.addDoneCallback((o) => {
    if (o.cancelled()) {
      timer.cancel();
      inner.cancel();
    }
  });
  return outer;
}
