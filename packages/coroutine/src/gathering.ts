/**
 * The relay behind `gather()` and a yielded array: a future of the results of several futures,
 * in order — asyncio's `_GatheringFuture` and the callback `gather` gives its children.
 *
 * The first exception fails it (the others keep running, as in asyncio), unless
 * `returnExceptions` puts exceptions in the results instead. Cancelling it cancels every child
 * that is still running. As in asyncio, a child's CancelledError is then an exception like any
 * other: without `returnExceptions` the first one fails it at once (with that CancelledError);
 * with it, it ends cancelled once every child has finished.
 *
 * It is a relay (see @aio/future's handoff.ts): what a child was handed over — a queue's item, a
 * lock — reaches the gather's own consumer with the results, or goes back if it cannot: when that
 * consumer is cancelled as it is woken, or when the gather ends without results (failed, or
 * cancelled) while a child holds one. A child handed something while others are still awaited
 * holds it for one loop iteration, as asyncio's child task would, then takes it.
 *
 * This module works on futures only; `gather()` (gather.ts) and the Task (for a yielded array)
 * turn awaitables into them first.
 */
import type { EventLoop } from '@aio/loop';
import { CancelledError, Future } from '@aio/future';
import { GIVE_BACK, Handoff, Holding, relay, relayResult } from '@aio/future/internal';

// #region GatheringFuture
/** The future `gather` returns: cancelling it cancels its children. */
export class GatheringFuture<T extends unknown[]> extends Handoff<T> {
  #cancelRequested = false;
  constructor(
    readonly children: readonly Future[],
    loop: EventLoop,
  ) {
    super(loop);
  }

  /** Cancels the children that are still running; the gather ends cancelled once they finish. */
  override cancel(message?: string): boolean {
    if (this.done()) return false;
    let cancelled = false;
    for (const child of this.children) if (child.cancel(message)) cancelled = true;
    if (cancelled) this.#cancelRequested = true;
    return cancelled;
  }

  /** @internal */
  get cancelRequested(): boolean {
    return this.#cancelRequested;
  }

  /** @internal: ends the gather cancelled (Future.cancel, not the override above). */
  finishCancelled(message?: string): void {
    super.cancel(message);
  }
}
// #endregion GatheringFuture

// #region gatherFutures
/** A GatheringFuture of `children`' results, in order (see the module comment). */
export function gatherFutures(
  children: readonly Future[],
  returnExceptions: boolean,
  loop: EventLoop,
): GatheringFuture<unknown[]> {
  const outer = new GatheringFuture<unknown[]>(children, loop);
  if (children.length === 0) {
    outer.setResult([]);
    return outer;
  }
  // One done-callback per argument, so a future passed twice is counted twice: no Set of the
  // distinct children is needed to know when all are done (a gather of 100k tasks made one).
  let finished = 0;
  // What children were handed (an item, a lock) while others are still awaited: held for one
  // iteration, then taken (see @aio/future's handoff.ts).
  const holding = new Holding();
  // A relay: it runs no user code (it only reads the children and settles the gather, whose own
  // callbacks are scheduled as usual), so a child may call it the moment it is done instead of
  // through callSoon — a Handle per child saved, and the gather done one iteration sooner —
  // and it gives back what a child was handed over if the gather cannot pass it on.
  const onChildDone = relay((child: Future): void => {
    finished++;
    if (outer.done()) {
      // Nobody will read this child through the gather: what it holds goes back, and its
      // exception counts as retrieved (the gather no longer reports it).
      if (!child.cancelled()) child.exception();
      child[GIVE_BACK]();
      return;
    }
    if (!returnExceptions) {
      if (child.cancelled()) {
        fail(new CancelledError('a child of gather() was cancelled'));
        return;
      }
      const exception = child.exception();
      if (exception !== undefined) {
        fail(exception);
        return;
      }
    }
    holding.hold(child, loop);
    if (finished < children.length) return;
    const results = children.map((c) =>
      c.cancelled() ? new CancelledError() : (c.exception() ?? c.result()),
    );
    if (outer.cancelRequested) {
      holding.giveBack();
      outer.finishCancelled();
    } else {
      relayResult(outer, results, holding.release());
    }
  });
  /** Ends the gather with an error: what children were handed and still hold goes back. */
  const fail = (exception: unknown): void => {
    outer.setException(exception);
    holding.giveBack();
  };
  // A child done already is counted now: a gather of done futures is done when it is made.
  for (const child of children) {
    if (child.done()) onChildDone(child);
    else child.addDoneCallback(onChildDone);
  }
  return outer;
}
// #endregion gatherFutures
