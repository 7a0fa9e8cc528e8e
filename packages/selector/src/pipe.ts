/**
 * `PipeEnd`: one end of a pipe — or any stream fd that is not a socket: a FIFO, a tty, a
 * child's stdout — with the socket methods a readiness loop uses (`tryRecvInto`, `trySend`,
 * `setBlocking`, `close`, `fileno`), through read(2) and write(2). The upper layers' transport
 * (@aio/coroutine's SocketTransport, tornado's PipeIOStream) drives it as it drives a Socket.
 *
 * `pipe()` makes a connected pair, close-on-exec. Writing to a pipe whose reader is gone fails
 * with BrokenPipeError (EPIPE): Node ignores SIGPIPE, so the process is never killed by it.
 */
import { constants } from 'node:os';
import { inspect } from 'node:util';
import { InvalidArgumentError, osError } from './errors';
import { isWouldBlock, setFdFlag } from './fd';
import { errno, libc } from './libc';
import { platform as P } from './platform/index';
import { SOCK_STREAM, WOULD_BLOCK } from './socket';

const { EINTR, ENOTSOCK } = constants.errno;
/** `fcntl(F_GETFL) & O_ACCMODE`: O_RDONLY 0, O_WRONLY 1, O_RDWR 2 (the same on every Unix). */
const O_ACCMODE = 3;
const O_RDONLY = 0;
const O_WRONLY = 1;

export class PipeEnd {
  /** Not a socket family: 0. (A transport checks `family` to set TCP options.) */
  readonly family = 0;
  readonly type = SOCK_STREAM;
  /** True if the fd was opened for reading, false if write-only. */
  readonly readable: boolean;
  /** True if the fd was opened for writing, false if read-only. */
  readonly writable: boolean;
  #fd: number;

  /**
   * Wraps `fd`, which the PipeEnd owns from now on (closing it closes the fd).
   * @throws InvalidArgumentError unless `fd` is an integer >= 0; OSError if it is not open
   */
  constructor(fd: number) {
    if (!Number.isInteger(fd) || fd < 0) {
      throw new InvalidArgumentError(`PipeEnd expected an fd (an integer >= 0), got ${String(fd)}`);
    }
    const flags = libc.fcntl(fd, P.F_GETFL);
    if (flags < 0) throw osError(errno(), 'fcntl', `fd ${fd}`);
    const mode = flags & O_ACCMODE;
    this.readable = mode !== O_WRONLY;
    this.writable = mode !== O_RDONLY;
    this.#fd = fd;
  }

  /** The fd, or -1 once closed. */
  fileno(): number {
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  #open(call: string): number {
    if (this.#fd < 0) throw osError(constants.errno.EBADF, call, 'closed pipe');
    return this.#fd;
  }

  /** True unless the fd is O_NONBLOCK. */
  getBlocking(): boolean {
    const flags = libc.fcntl(this.#open('fcntl'), P.F_GETFL);
    if (flags < 0) throw osError(errno(), 'fcntl');
    return (flags & P.O_NONBLOCK) === 0;
  }

  /** Sets or clears O_NONBLOCK (on this end only: each end is its own open file). */
  setBlocking(flag: boolean): void {
    setFdFlag(this.#open('fcntl'), P.F_GETFL, P.F_SETFL, P.O_NONBLOCK, !flag, 'nonblock');
  }

  /**
   * Reads into `buffer` (up to `nbytes`, or all of it): the count, 0 at EOF, or WOULD_BLOCK.
   * @throws OSError for anything else
   */
  tryRecvInto(buffer: Uint8Array, nbytes = 0): number {
    const fd = this.#open('read');
    const size = nbytes > 0 ? Math.min(nbytes, buffer.byteLength) : buffer.byteLength;
    for (;;) {
      const n = libc.read(fd, buffer, size);
      if (n >= 0) return n;
      const err = errno();
      if (err === EINTR) continue;
      if (isWouldBlock(err)) return WOULD_BLOCK;
      throw osError(err, 'read');
    }
  }

  /**
   * Writes what the pipe takes now: the count, or WOULD_BLOCK.
   * @throws BrokenPipeError if the reading end is closed; OSError for anything else
   */
  trySend(data: Uint8Array): number {
    const fd = this.#open('write');
    for (;;) {
      const n = libc.write(fd, data, data.byteLength);
      if (n >= 0) return n;
      const err = errno();
      if (err === EINTR) continue;
      if (isWouldBlock(err)) return WOULD_BLOCK;
      throw osError(err, 'write');
    }
  }

  /** A pipe has no half-close: shutting down the write side closes this end. */
  shutdown(_how: number): void {
    this.close();
  }

  /** Closes the fd (harmless twice). */
  close(): void {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1;
    libc.close(fd);
  }

  /** A pipe has no address. @throws OSError ENOTSOCK */
  getpeername(): never {
    throw osError(ENOTSOCK, 'getpeername');
  }

  /** A pipe has no address. @throws OSError ENOTSOCK */
  getsockname(): never {
    throw osError(ENOTSOCK, 'getsockname');
  }

  /** `<PipeEnd fd=7 read-only>` */
  toString(): string {
    if (this.#fd < 0) return '<PipeEnd closed>';
    const mode =
      this.readable && this.writable ? 'read-write' : this.readable ? 'read-only' : 'write-only';
    return `<PipeEnd fd=${this.#fd} ${mode}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * A new pipe: `[readEnd, writeEnd]`, both close-on-exec and blocking (make your own end
 * non-blocking with `setBlocking(false)`; a child given the other end gets it blocking, as
 * programs expect of their stdio).
 */
export function pipe(): [PipeEnd, PipeEnd] {
  const fds = new Int32Array(2);
  const rc = libc.pipe2 ? libc.pipe2(fds, P.O_CLOEXEC) : libc.pipe(fds);
  if (rc !== 0) throw osError(errno(), 'pipe');
  try {
    if (!libc.pipe2) {
      for (const fd of fds) setFdFlag(fd, P.F_GETFD, P.F_SETFD, P.FD_CLOEXEC, true, 'cloexec');
    }
    return [new PipeEnd(fds[0]!), new PipeEnd(fds[1]!)];
  } catch (error) {
    libc.close(fds[0]!);
    libc.close(fds[1]!);
    throw error;
  }
}
