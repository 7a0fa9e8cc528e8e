/**
 * One aio contender of `pnpm bench coroutine`'s task and gather measurements, in a process of
 * its own (as each Python peer is), so that it pays for its own garbage and nothing else's.
 *
 *   coro-rounds.mjs '{"kind": "tasks", "style": "generator", "mode": "hosted", "count": 100000, "rounds": 5}'
 *
 * Runs `rounds + 1` rounds back to back and prints `{"rates": [...]}`: the first is the cold
 * round (JIT warming up, heap growing from nothing), the rest the warm ones the benchmark takes
 * the median of. kind `tasks`: N tasks, each `sleep(0)` then return, gathered (tasks/s); kind
 * `gather`: N plain futures, each resolved by `callSoon(setResult)`, gathered (futures/s).
 */
import { aioGatherFutures, aioTasks, isTaskStyle } from '../lib/coro-work';

interface Args {
  kind: 'tasks' | 'gather';
  style?: string;
  mode: 'hosted' | 'blocking';
  count: number;
  rounds: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Partial<Args>;
const { kind, style = 'generator', mode, count, rounds } = args;
if (
  (kind !== 'tasks' && kind !== 'gather') ||
  (mode !== 'hosted' && mode !== 'blocking') ||
  !isTaskStyle(style) ||
  !Number.isInteger(count) ||
  !Number.isInteger(rounds) ||
  count! < 1 ||
  rounds! < 0
) {
  process.stderr.write(`coro-rounds: bad arguments ${process.argv[2] ?? '(none)'}\n`);
  process.exit(2);
}

const rates: number[] = [];
for (let round = 0; round <= rounds!; round++) {
  rates.push(
    kind === 'tasks' ? await aioTasks(style, mode, count!) : await aioGatherFutures(mode, count!),
  );
}
process.stdout.write(`${JSON.stringify({ rates })}\n`);
