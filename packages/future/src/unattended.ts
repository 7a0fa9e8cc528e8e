/**
 * Awaits that nothing will ever end: an `await` of a future whose loop nothing runs.
 *
 * aio work runs only while its loop runs (asyncio's rule; see @aio/loop's `getRunningLoop`). Work
 * made with no loop running throws NoRunningLoopError at once, but a future made for a loop of
 * one's own (`new Future(loop)`, a task with `{ loop }`, tornado's `IOLoop.current()`) can still
 * be awaited while nothing runs that loop. Such an await can be legitimate — the loop may be run
 * a moment later (`loop.runUntilComplete(…)`) — so it is not refused. But if Node runs out of
 * other work while it waits, the process would exit with code 13 (an unsettled top-level await)
 * and no message at all. So each such await is noted, and when Node is about to exit
 * (`beforeExit`) with one still waiting on a loop that is not running, this says so on stderr,
 * names the futures and their loops, and sets the exit code to 1.
 */
import type { Future } from './future';

/** The futures awaited while their loop was not running, and not done yet. */
const waiting = new Set<Future>();
let listening = false;

/** Notes that `future` is awaited while its loop is not running. */
export function noteUnattended(future: Future): void {
  waiting.add(future);
  if (listening) return;
  listening = true;
  process.on('beforeExit', reportUnattended);
}

/** The await of `future` is over (it settled). */
export function forgetUnattended(future: Future): void {
  waiting.delete(future);
}

function reportUnattended(): void {
  const stuck = [...waiting].filter((future) => !future.done() && !future.getLoop().isRunning());
  waiting.clear();
  if (stuck.length === 0) return;
  const lines = stuck
    .slice(0, 10)
    .map((future) => `  ${future.toString()} of ${future.getLoop().toString()}`);
  if (stuck.length > 10) lines.push(`  … and ${stuck.length - 10} more`);
  process.exitCode = 1;
  process.stderr.write(
    `NoRunningLoopError: the process is exiting, but ${stuck.length === 1 ? 'an await still waits on a future' : `${stuck.length} awaits still wait on futures`} of a loop that nothing runs:\n` +
      `${lines.join('\n')}\n` +
      'aio work runs only while its loop runs: await run(main) from @aio/coroutine, ' +
      'loop.runUntilComplete(…), or IOLoop.current().runSync(…) in @aio/tornado.\n',
  );
}
