/**
 * The two ways a program can forget to run the loop, as a stranger would write them against the
 * installed packages; run by `pnpm test:packed`, which checks what each prints and its exit
 * code (never Node's silent exit 13 of a top-level await that never settles):
 *
 * - `node no-loop.mts sleep`: aio work at top level with no loop running throws
 *   NoRunningLoopError at once, naming the call (exit 1, the error on stderr);
 * - `node no-loop.mts future`: an await of a future made for a loop of one's own that nothing
 *   runs is reported when Node would exit (exit 1, NoRunningLoopError on stderr).
 */
import { EventLoop, Future, sleep } from '@aio/coroutine';

if (process.argv[2] === 'sleep') {
  await sleep(10);
} else {
  const loop = new EventLoop();
  await new Future<number>(loop);
}
console.log('unreachable: the await above never ends');
