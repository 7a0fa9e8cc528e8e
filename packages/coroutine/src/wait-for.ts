/**
 * `waitFor(awaitable, ms)`: its result, or `TimeoutError` after `ms` — asyncio's `wait_for`.
 *
 * On timeout the inner awaitable is cancelled and waited for, so its `finally` blocks have run
 * (and a socket operation has removed its reader) before `TimeoutError` is raised. Cancelling
 * the `waitFor` cancels the inner awaitable and its timer: nothing is left behind.
 *
 * A relay (see @aio/future's handoff.ts): a result the inner one was handed over (a queue's item,
 * a lock) reaches whoever waits on the `waitFor`, or goes back if it cannot — the waiter was
 * cancelled as it was woken, or the `waitFor` was cancelled after the inner one was served.
 *
 * An async function's task is cancelled through its AbortSignal: one that ignores the signal
 * runs on, and `waitFor` waits for it as asyncio waits for a coroutine that swallows its
 * CancelledError. Generators, futures and promises end at once.
 */
import { Future, TimeoutError } from '@aio/future';
import { GIVE_BACK, Handoff, relay, relayResult } from '@aio/future/internal';
import { ensureFuture, loopOf, type Awaitable } from './ensure-future';

export function waitFor<T>(awaitable: Awaitable<T>, ms: number | null): Future<T> {
  const loop = loopOf([awaitable], 'waitFor()');
  const inner = ensureFuture(awaitable, loop);
  if (ms === null || inner.done()) return inner;
  const outer = new Handoff<T>(loop);
  let timedOut = false;
  const timer = loop.callLater(Math.max(0, ms), () => {
    timedOut = true;
    // Cancel, then report the timeout once the inner one has finished cancelling.
    if (!inner.cancel()) settle(inner);
  });
  const settle = relay((done: Future<T>): void => {
    timer.cancel();
    if (outer.done()) {
      if (!done.cancelled()) done.exception(); // retrieved: nobody else will look
      done[GIVE_BACK]();
      return;
    }
    if (done.cancelled()) {
      if (timedOut) outer.setException(new TimeoutError(`waitFor() timed out after ${ms} ms`));
      else outer.cancel();
      return;
    }
    const exception = done.exception();
    if (exception !== undefined) outer.setException(exception);
    else relayResult(outer, done.result(), [done]);
  });
  inner.addDoneCallback(settle);
  // Watches for a cancellation; as a relay, it does not count as a consumer of the result.
  outer.addDoneCallback(
    relay((o: Future<T>) => {
      if (!o.cancelled()) return;
      timer.cancel();
      // Still running: cancel it. Served already (its result on its way here): give it back.
      if (!inner.cancel()) inner[GIVE_BACK]();
    }),
  );
  return outer;
}
