/** Wraps the fd it is given in a blocking Socket and waits in recv() on this worker thread. */
import { parentPort, workerData } from 'node:worker_threads';
import { AF_UNIX, SOCK_STREAM, Socket } from '@aio/selector';

const { fd } = workerData as { fd: number };
const sock = new Socket(AF_UNIX, SOCK_STREAM, 0, fd);
// Timed from before the message, so the main thread's wait after it is a floor of waitedMs.
const start = performance.now();
parentPort!.postMessage({ blocking: sock.getBlocking() });
const data = sock.recv(1024);
parentPort!.postMessage({ data: data.toString(), waitedMs: performance.now() - start });
// The fd belongs to the main thread's test, which closes it.
sock.detach();
