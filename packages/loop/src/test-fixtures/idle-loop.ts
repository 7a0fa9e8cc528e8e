/**
 * A process whose loop holds a far timer and a watched socket but is not running (never started,
 * or started and stopped). It must exit on its own as soon as its own work is done.
 */
import { socketpair } from '@aio/selector';
import { EventLoop } from '@aio/loop';

const variant = process.argv[2];
const loop = new EventLoop();
const [a, b] = socketpair();
loop.callLater(60_000, () => {});
loop.addReader(b, () => {});
if (variant === 'stopped') {
  loop.callSoon(() => loop.stop());
  await loop.runForever();
}
console.log(`${variant}: done`);
void a;
