/**
 * Sends SIGUSR2 to the main thread (whose thread id is the process id) `delayMs` after the main
 * thread says "go", to interrupt a system call it is blocked in. Linux only (tgkill).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { constants } from 'node:os';
import koffi from 'koffi';

const tgkill = koffi.load('libc.so.6').func('int tgkill(int, int, int)') as (
  a: number,
  b: number,
  c: number,
) => number;
const { delayMs, pid } = workerData as { delayMs: number; pid: number };
const port = parentPort!;

port.on('message', () => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delayMs);
  const rc = tgkill(pid, pid, constants.signals.SIGUSR2);
  port.postMessage({ sent: rc === 0, at: performance.timeOrigin + performance.now() });
  port.close();
});
port.postMessage('ready');
