/**
 * `shield(awaitable)`: protects it from cancellation — asyncio's `shield`. Cancelling the
 * returned future does not cancel the inner one, which runs on; its outcome is then dropped, and
 * a result it was handed over (a queue's item, a lock) goes back (see @aio/future's handoff.ts).
 */
import { Future } from '@aio/future';
import { GIVE_BACK, Handoff, relay, relayResult } from '@aio/future/internal';
import { ensureFuture, loopOf, type Awaitable } from './ensure-future';

export function shield<T>(awaitable: Awaitable<T>): Future<T> {
  const loop = loopOf([awaitable], 'shield()');
  const inner = ensureFuture(awaitable, loop);
  if (inner.done()) return inner;
  const outer = new Handoff<T>(loop);
  inner.addDoneCallback(
    relay((done: Future<T>) => {
      if (outer.done()) {
        if (!done.cancelled()) done.exception();
        done[GIVE_BACK]();
        return;
      }
      if (done.cancelled()) outer.cancel();
      else if (done.exception() !== undefined) outer.setException(done.exception());
      else relayResult(outer, done.result(), [done]);
    }),
  );
  return outer;
}
