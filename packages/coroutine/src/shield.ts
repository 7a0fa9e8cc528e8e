/**
 * `shield(awaitable)`: protects it from cancellation — asyncio's `shield`. Cancelling the
 * returned future does not cancel the inner one, which runs on; its outcome is then dropped.
 */
import { getEventLoop } from '@aio/loop';
import { Future } from '@aio/future';
import { ensureFuture, type Awaitable } from './ensure-future';

export function shield<T>(awaitable: Awaitable<T>): Future<T> {
  const loop = getEventLoop();
  const inner = ensureFuture(awaitable, loop);
  if (inner.done()) return inner;
  const outer = new Future<T>(loop);
  inner.addDoneCallback((done) => {
    if (outer.done()) {
      if (!done.cancelled()) done.exception();
      return;
    }
    if (done.cancelled()) outer.cancel();
    else if (done.exception() !== undefined) outer.setException(done.exception());
    else outer.setResult(done.result());
  });
  return outer;
}
