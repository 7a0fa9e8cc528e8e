/**
 * `gather(...awaitables)`: run them concurrently, get their results in argument order —
 * asyncio's `gather`.
 *
 * The first exception fails the gather (the others keep running, as in asyncio), unless
 * `returnExceptions` puts exceptions in the results instead. Cancelling the gather cancels every
 * child that is still running; the gather then ends cancelled once they have all finished.
 */
import { getEventLoop } from '@aio/loop';
import { CancelledError, Future } from '@aio/future';
import { ensureFuture, type Awaitable } from './ensure-future';

export interface GatherOptions {
  returnExceptions?: boolean;
}

type Results<A extends readonly unknown[]> = {
  -readonly [K in keyof A]: A[K] extends Awaitable<infer R> ? R : unknown;
};

/** The future `gather` returns: cancelling it cancels its children. */
export class GatheringFuture<T extends unknown[]> extends Future<T> {
  #cancelRequested = false;
  constructor(readonly children: readonly Future[]) {
    super(children[0]?.getLoop() ?? getEventLoop());
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

export function gather<A extends readonly Awaitable<unknown>[]>(
  ...awaitables: A
): GatheringFuture<Results<A>>;
export function gather<A extends readonly Awaitable<unknown>[]>(
  awaitables: A,
  options: GatherOptions,
): GatheringFuture<Results<A>>;
export function gather(...args: unknown[]): GatheringFuture<unknown[]> {
  let awaitables = args as Awaitable<unknown>[];
  let returnExceptions = false;
  if (args.length === 2 && Array.isArray(args[0]) && isOptions(args[1])) {
    awaitables = args[0] as Awaitable<unknown>[];
    returnExceptions = args[1].returnExceptions === true;
  }
  const loop = getEventLoop();
  // The same awaitable twice is run once (asyncio dedups coroutines too).
  const seen = new Map<unknown, Future>();
  const children = awaitables.map((aw) => {
    let child = seen.get(aw);
    if (child === undefined) {
      child = ensureFuture(aw, loop);
      seen.set(aw, child);
    }
    return child;
  });
  const outer = new GatheringFuture<unknown[]>(children);
  if (children.length === 0) {
    outer.setResult([]);
    return outer;
  }
  const unique = new Set(children);
  let finished = 0;
  const onChildDone = (child: Future): void => {
    finished++;
    if (outer.done()) {
      // Mark the child's exception retrieved: the gather no longer reports it.
      if (!child.cancelled()) child.exception();
      return;
    }
    if (!returnExceptions) {
      if (child.cancelled()) {
        outer.setException(new CancelledError('a child of gather() was cancelled'));
        return;
      }
      const exception = child.exception();
      if (exception !== undefined) {
        outer.setException(exception);
        return;
      }
    }
    if (finished < unique.size) return;
    const results = children.map((c) =>
      c.cancelled() ? new CancelledError() : (c.exception() ?? c.result()),
    );
    if (outer.cancelRequested) outer.finishCancelled();
    else outer.setResult(results);
  };
  for (const child of unique) child.addDoneCallback(onChildDone);
  return outer;
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
