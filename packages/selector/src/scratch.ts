/**
 * One 64 KiB buffer that reads land in before what came is copied out: `Socket.recv`, the
 * future layer's `sockRecv`, the coroutine layer's transport. Shared by every socket of the thread
 * (and every package: they all take it from here), which is safe because each read copies out
 * what it keeps before any other code runs. A read larger than it gets a buffer of its own.
 */

/** The scratch buffer's size: 64 KiB, what a socket read asks the kernel for at most. */
export const SCRATCH_SIZE = 64 * 1024;

let scratch: Buffer | undefined;

/** The thread's scratch buffer (made on first use, outside Node's pool). */
export function recvScratch(): Buffer {
  return (scratch ??= Buffer.allocUnsafeSlow(SCRATCH_SIZE));
}
