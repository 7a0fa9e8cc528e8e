/**
 * A program that awaits a future of a loop it never runs, at top level: Node would exit with code
 * 13 and no message. Run by unattended.test.ts; `settled` makes it run the loop after all.
 */
import { EventLoop } from '@aio/loop';
import { Future } from '@aio/future';

const loop = new EventLoop();
const future = new Future<number>(loop);
loop.callLater(5, () => future.setResult(42));
const awaited = future.then((value) => console.log(`settled with ${value}`));
if (process.argv[2] === 'settled') await loop.runUntilComplete(future);
await awaited;
loop.close();
