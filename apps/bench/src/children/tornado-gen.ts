/**
 * The `gen.coroutine` step of `pnpm bench tornado-core`, for one loop mode, in a process of its
 * own (as the Python peer is), so that it pays for its own garbage and nothing else's.
 *
 *   tornado-gen.mjs '{"mode": "hosted", "count": 100000, "rounds": 6}'
 *
 * Each round is one `IOLoop.current().runSync(…)` of a `gen.coroutine` that yields `count`
 * already-done futures, each made, resolved and yielded in the step (tornado:
 * `f = Future(); f.set_result(1); total += yield f`): steps per second, timed inside the
 * coroutine from before the first step until after the last. Runs `rounds + 1` rounds and prints
 * `{"rates": [...]}`, the cold first round (JIT warming up, heap growing from nothing) first.
 */
import { Future } from '@aio/future';
import * as gen from '@aio/tornado/gen';
import { roundsArgs, runRounds } from '../lib/tornado-rounds';

const steps = gen.coroutine(function* (n: number): Generator<Future<number>, number, number> {
  const start = performance.now();
  let total = 0;
  for (let i = 0; i < n; i++) {
    const f = new Future<number>();
    f.setResult(1);
    total += yield f;
  }
  const elapsed = performance.now() - start;
  if (total !== n) throw new Error(`steps summed to ${total}, not ${n}`);
  return (n / elapsed) * 1000;
});

const args = roundsArgs('tornado-gen');
await runRounds(args, () => steps(args.count));
