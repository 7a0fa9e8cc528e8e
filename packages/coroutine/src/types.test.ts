/**
 * The types users get, checked by the compiler (`pnpm typecheck` covers this file; the calls sit
 * in functions that never run): a change that makes a result `unknown` or drops a tuple fails.
 */
import { expectTypeOf, it } from 'vitest';
import type { Future } from '@aio/future';
import { gather, type GatheringFuture } from './gather';
import { sleep } from './sleep';
import type { Coroutine } from './task';

declare function page(path: string): Coroutine<string>;
declare const count: Future<number>;
declare const pages: Coroutine<string>[];

it('gather gives a tuple of the results, in argument order', () => {
  expectTypeOf(() => gather(page('/'), count)).returns.toEqualTypeOf<
    GatheringFuture<[string, number]>
  >();
  expectTypeOf(() => gather([page('/'), count], {})).returns.toEqualTypeOf<
    GatheringFuture<[string, number]>
  >();
  function* body(): Coroutine<[string, number]> {
    return yield* gather(page('/'), count);
  }
  expectTypeOf(body).returns.toEqualTypeOf<Coroutine<[string, number]>>();
});

it('with returnExceptions, each place is the result or an Error', () => {
  expectTypeOf(() => gather([page('/'), count], { returnExceptions: true })).returns.toEqualTypeOf<
    GatheringFuture<[string | Error, number | Error]>
  >();
});

it('an array of unknown length gives an array', () => {
  expectTypeOf(() => gather(...pages)).returns.toEqualTypeOf<GatheringFuture<string[]>>();
  expectTypeOf(() => gather(pages, { returnExceptions: true })).returns.toEqualTypeOf<
    GatheringFuture<(string | Error)[]>
  >();
  expectTypeOf(() => sleep(5, 'x')).returns.toExtend<PromiseLike<string>>();
});
