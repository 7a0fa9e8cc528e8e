/**
 * `gather(...awaitables)`: run them concurrently, get their results in argument order —
 * asyncio's `gather`.
 *
 * The first exception fails the gather (the others keep running, as in asyncio), unless
 * `returnExceptions` puts exceptions in the results instead. Cancelling the gather cancels every
 * child that is still running. As in asyncio, a child's CancelledError is then an exception like
 * any other: without `returnExceptions` the first one fails the gather at once (with that
 * CancelledError); with it, the gather ends cancelled once every child has finished.
 *
 * A gather is a relay (see @aio/future's handoff.ts): what a child was handed over — a queue's
 * item, a lock — reaches the gather's own consumer with the results, or goes back if it cannot:
 * when that consumer is cancelled as it is woken, or when the gather ends without results
 * (failed, or cancelled) while a child holds one.
 */
import type { EventLoop } from '@aio/loop';
import { CancelledError, Future, isFuture } from '@aio/future';
import { GIVE_BACK, Handoff, Holding, relay, relayResult } from '@aio/future/internal';
import { ensureFuture, loopOf, type Awaitable } from './ensure-future';

export interface GatherOptions {
  returnExceptions?: boolean;
}

/** The result of each awaitable, in order: a tuple for a tuple. */
type Results<A extends readonly unknown[]> = {
  -readonly [K in keyof A]: A[K] extends Awaitable<infer R> ? R : unknown;
};

/** With `returnExceptions`, each place holds the result or what the awaitable failed with. */
type ResultsOrErrors<A extends readonly unknown[]> = {
  -readonly [K in keyof A]: (A[K] extends Awaitable<infer R> ? R : unknown) | Error;
};

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

/**
 * @example
 * ```ts
 * const [a, b] = yield* gather(fetchPage('/a'), fetchPage('/b'));
 * const outcomes = await gather([fetchPage('/a'), fetchPage('/b')], { returnExceptions: true });
 * ```
 */
export function gather<const A extends readonly Awaitable<unknown>[]>(
  ...awaitables: A
): GatheringFuture<Results<A>>;
export function gather<const A extends readonly Awaitable<unknown>[]>(
  awaitables: A,
  options: { returnExceptions: true },
): GatheringFuture<ResultsOrErrors<A>>;
export function gather<const A extends readonly Awaitable<unknown>[]>(
  awaitables: A,
  options: GatherOptions,
): GatheringFuture<Results<A>>;
// #region gather
export function gather(...args: unknown[]): GatheringFuture<unknown[]> {
  let awaitables = args as Awaitable<unknown>[];
  let returnExceptions = false;
  if (args.length === 2 && Array.isArray(args[0]) && isOptions(args[1])) {
    awaitables = args[0] as Awaitable<unknown>[];
    returnExceptions = args[1].returnExceptions === true;
  }
  const loop = loopOf(awaitables, 'gather()');
  const children = toChildren(awaitables, loop);
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
// #endregion gather

/**
 * The futures for `awaitables`, in order. The same generator or promise twice is run once
 * (asyncio dedups coroutines too); futures are themselves already, so only other awaitables
 * need the Map that finds repeats.
 */
function toChildren(awaitables: readonly Awaitable<unknown>[], loop: EventLoop): Future[] {
  const children = new Array<Future>(awaitables.length);
  let seen: Map<unknown, Future> | null = null;
  for (let i = 0; i < awaitables.length; i++) {
    const aw = awaitables[i]!;
    if (isFuture(aw)) {
      children[i] = aw;
      continue;
    }
    seen ??= new Map();
    let child = seen.get(aw);
    if (child === undefined) {
      child = ensureFuture(aw, loop);
      seen.set(aw, child);
    }
    children[i] = child;
  }
  return children;
}

function isOptions(value: unknown): value is GatherOptions {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    'returnExceptions' in value &&
    Object.keys(value).length === 1
  );
}
