/** Writes "later" to the fd it is given `delayMs` after the main thread says "go". */
import { parentPort, workerData } from 'node:worker_threads';
import { AF_UNIX, SOCK_STREAM, Socket } from '@aio/selector';

const { fd, delayMs } = workerData as { fd: number; delayMs: number };
const port = parentPort!;
port.on('message', () => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delayMs);
  const sock = new Socket(AF_UNIX, SOCK_STREAM, 0, fd);
  sock.send(Buffer.from('later'));
  sock.detach(); // the main thread's test owns and closes the fd
  port.close();
});
port.postMessage('ready');
