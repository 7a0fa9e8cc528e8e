/**
 * A peer that drains the fd it is given slowly but steadily: at most `chunk` bytes every
 * `intervalMs`, until EOF. Then it reports how many bytes it read in all.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AF_UNIX, SOCK_STREAM, Socket } from '@aio/selector';

const { fd, chunk, intervalMs } = workerData as { fd: number; chunk: number; intervalMs: number };
const sock = new Socket(AF_UNIX, SOCK_STREAM, 0, fd);
const buffer = Buffer.alloc(chunk);
const pause = new Int32Array(new SharedArrayBuffer(4));
parentPort!.postMessage('ready');
let total = 0;
for (;;) {
  Atomics.wait(pause, 0, 0, intervalMs);
  const n = sock.recvInto(buffer);
  if (n === 0) break;
  total += n;
}
sock.detach(); // the main thread's test owns and closes the fd
parentPort!.postMessage({ total });
