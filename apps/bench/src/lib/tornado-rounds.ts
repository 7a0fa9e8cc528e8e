/**
 * What the two child scripts of `pnpm bench tornado-core` share (`src/children/tornado-gen.ts`,
 * `src/children/tornado-executor.ts`): their arguments, and running their rounds on the current
 * IOLoop of a loop in the mode asked for.
 */
import type { Future } from '@aio/future';
import { EventLoop, setEventLoop, type LoopMode } from '@aio/loop';
import { IOLoop } from '@aio/tornado/ioloop';

export interface TornadoRoundsArgs {
  readonly mode: LoopMode;
  readonly count: number;
  readonly rounds: number;
}

/**
 * The child's arguments (`process.argv[2]`, JSON).
 * @throws exits the process with status 2 if they are not valid
 */
export function roundsArgs(script: string): TornadoRoundsArgs {
  const args = JSON.parse(process.argv[2] ?? '{}') as Partial<TornadoRoundsArgs>;
  const { mode, count, rounds } = args;
  if (
    (mode !== 'hosted' && mode !== 'blocking') ||
    typeof count !== 'number' ||
    typeof rounds !== 'number' ||
    !Number.isInteger(count) ||
    !Number.isInteger(rounds) ||
    count < 1 ||
    rounds < 0
  ) {
    process.stderr.write(`${script}: bad arguments ${process.argv[2] ?? '(none)'}\n`);
    process.exit(2);
  }
  return { mode, count, rounds };
}

/**
 * Makes a new aio loop in `mode` the current one, then runs `rounds + 1` rounds back to back,
 * each `IOLoop.current().runSync(round)`, and prints `{"rates": [...]}` (the cold first round
 * first).
 */
export async function runRounds(
  { mode, rounds }: TornadoRoundsArgs,
  round: () => Future<number> | PromiseLike<number> | number,
): Promise<void> {
  setEventLoop(new EventLoop({ mode }));
  const ioloop = IOLoop.current();
  const rates: number[] = [];
  for (let i = 0; i <= rounds; i++) rates.push(await ioloop.runSync(round));
  process.stdout.write(`${JSON.stringify({ rates })}\n`);
}
