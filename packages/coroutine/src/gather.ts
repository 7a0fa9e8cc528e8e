/**
 * `gather(...awaitables)`: run them concurrently, get their results in argument order —
 * asyncio's `gather`. The semantics, and how it passes on what its children were handed, are
 * the GatheringFuture's (gathering.ts); this module turns the awaitables into futures first.
 */
import { loopOf, type Awaitable } from './ensure-future';
import { GatheringFuture, gatherFutures } from './gathering';
import { toFutures } from './task';

export { GatheringFuture };

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
  return gatherFutures(toFutures(awaitables, loop), returnExceptions, loop);
}
// #endregion gather

function isOptions(value: unknown): value is GatherOptions {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    'returnExceptions' in value &&
    Object.keys(value).length === 1
  );
}
