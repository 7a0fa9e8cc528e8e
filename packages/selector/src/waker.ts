/**
 * `Waker`: asyncio's self-pipe, the way to cut a selector's wait short.
 *
 * Register `waker` for EVENT_READ beside everything else; `wake()` makes it readable, so a
 * `select()` that is waiting (on this thread or, through `selectAsync`, on a worker thread)
 * returns at once; the loop then calls `drain()`. On Linux it is one eventfd, elsewhere the two
 * ends of a pipe.
 *
 * `wake()` coalesces: while a wake-up is pending (written and not yet drained) further calls are
 * free, so a busy loop that calls it for every callback costs one system call per iteration at
 * most, and a pipe can never fill up.
 */
import { constants } from 'node:os';
import { osError } from './errors';
import { errno, libc } from './libc';
import { platform } from './platform/index';

const { EAGAIN, EWOULDBLOCK, EINTR } = constants.errno;
const ONE = Buffer.alloc(8);
ONE.writeBigUInt64LE(1n, 0);

export class Waker {
  #readFd: number;
  #writeFd: number;
  #pending = false;
  readonly #scratch = Buffer.alloc(64);

  constructor() {
    const epoll = platform.epoll;
    if (epoll && libc.eventfd) {
      const fd = libc.eventfd(0, epoll.EFD_CLOEXEC | epoll.EFD_NONBLOCK);
      if (fd < 0) throw osError(errno(), 'eventfd');
      this.#readFd = this.#writeFd = fd;
      return;
    }
    const fds = new Int32Array(2);
    const rc = libc.pipe2
      ? libc.pipe2(fds, platform.O_CLOEXEC | platform.O_NONBLOCK)
      : libc.pipe(fds);
    if (rc !== 0) throw osError(errno(), 'pipe');
    this.#readFd = fds[0]!;
    this.#writeFd = fds[1]!;
    if (!libc.pipe2) {
      for (const fd of fds) {
        if (
          libc.fcntl(fd, platform.F_SETFD, platform.FD_CLOEXEC) < 0 ||
          libc.fcntl(fd, platform.F_SETFL, platform.O_NONBLOCK) < 0
        ) {
          const err = errno();
          this.close();
          throw osError(err, 'fcntl');
        }
      }
    }
  }

  /** The fd to register for EVENT_READ (-1 once closed). */
  fileno(): number {
    return this.#readFd;
  }

  /** True while a wake-up is written and not yet drained. */
  get pending(): boolean {
    return this.#pending;
  }

  /** Makes `fileno()` readable. Cheap to call often; a no-op once closed. */
  wake(): void {
    if (this.#pending || this.#writeFd < 0) return;
    this.#pending = true;
    // An eventfd takes 8 bytes (a counter increment); a pipe takes 1.
    const size = this.#readFd === this.#writeFd ? 8 : 1;
    while (libc.write(this.#writeFd, ONE, size) < 0) {
      const err = errno();
      if (err === EINTR) continue;
      // Full means a wake-up is already there, which is all a wake-up needs.
      if (err === EAGAIN || err === EWOULDBLOCK) return;
      this.#pending = false;
      throw osError(err, 'write', 'waker');
    }
  }

  /** Consumes every pending wake-up, so the fd stops being readable. */
  drain(): void {
    if (this.#readFd < 0) return;
    for (;;) {
      const n = libc.read(this.#readFd, this.#scratch, this.#scratch.length);
      if (n > 0 && this.#readFd !== this.#writeFd) continue;
      if (n < 0) {
        const err = errno();
        if (err === EINTR) continue;
        if (err !== EAGAIN && err !== EWOULDBLOCK) throw osError(err, 'read', 'waker');
      }
      break;
    }
    this.#pending = false;
  }

  close(): void {
    if (this.#readFd >= 0) libc.close(this.#readFd);
    if (this.#writeFd >= 0 && this.#writeFd !== this.#readFd) libc.close(this.#writeFd);
    this.#readFd = this.#writeFd = -1;
    this.#pending = false;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    if (this.#readFd < 0) return '<Waker [closed]>';
    return `<Waker fd=${this.#readFd}${this.#pending ? ' pending' : ''}>`;
  }
}
