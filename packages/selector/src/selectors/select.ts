/**
 * `SelectSelector`: the original select(2), as Python's `selectors.SelectSelector`. The most
 * portable and the most limited: fds must be below FD_SETSIZE (1024), checked at `register` with a
 * clear error, and each wait copies and scans bitmaps of every fd up to the highest.
 *
 * `fd_set` is a bitmap of FD_SETSIZE bits in native words; on the little-endian machines this
 * package runs on, bit `fd` is bit `fd % 8` of byte `fd / 8` whatever the word size. The kernel
 * overwrites the sets it is given, so each wait refills them (only at the start of a wait, so an
 * async wait's sets stay its own while it runs).
 */
import { constants } from 'node:os';
import { FdTooLargeError } from '../errors';
import { errno, libc, writeInt64 } from '../libc';
import { platform } from '../platform/index';
import {
  BaseSelector,
  EVENT_READ,
  EVENT_WRITE,
  koffiDone,
  type AsyncDone,
  type Ready,
} from './base';
import { checkFdOpen } from '../fd';

const { EBADF } = constants.errno;
const SET_BYTES = platform.FD_SETSIZE / 8;

const isSet = (set: Buffer, fd: number): boolean => (set[fd >> 3]! & (1 << (fd & 7))) !== 0;
const setBit = (set: Buffer, fd: number): void => {
  set[fd >> 3]! |= 1 << (fd & 7);
};

export class SelectSelector<T = unknown> extends BaseSelector<T> {
  static isAvailable(): boolean {
    return true;
  }

  protected readonly syscall = 'select';
  readonly #readSet = Buffer.alloc(SET_BYTES);
  readonly #writeSet = Buffer.alloc(SET_BYTES);
  readonly #timevalBuffer = Buffer.alloc(16);

  protected addFd(fd: number): void {
    if (fd >= platform.FD_SETSIZE) {
      throw new FdTooLargeError(
        `register(): SelectSelector can only watch fds below FD_SETSIZE (${platform.FD_SETSIZE}), got fd ${fd}; ` +
          'use PollSelector or DefaultSelector',
      );
    }
    checkFdOpen(fd);
  }

  protected removeFd(): void {}

  protected modifyFd(): void {}

  /** Fresh sets for this wait, leaving out `skip`; returns nfds (highest fd + 1). */
  #prepare(skip?: ReadonlySet<number>): number {
    this.#readSet.fill(0);
    this.#writeSet.fill(0);
    let nfds = 0;
    for (const key of this.keys()) {
      if (skip?.has(key.fd)) continue;
      if (key.events & EVENT_READ) setBit(this.#readSet, key.fd);
      if (key.events & EVENT_WRITE) setBit(this.#writeSet, key.fd);
      nfds = Math.max(nfds, key.fd + 1);
    }
    return nfds;
  }

  /** `struct timeval` for the timeout, or null to wait forever. */
  #timeval(timeout: number): Buffer | null {
    if (timeout < 0) return null;
    // Rounded up to the microsecond, so the wait never ends early. Both fields are written as
    // 64-bit little-endian: tv_usec is a long on Linux and an int plus padding on macOS.
    const micros = Math.ceil(timeout * 1000);
    const tv = this.#timevalBuffer;
    writeInt64(tv, Math.floor(micros / 1e6), 0);
    writeInt64(tv, micros % 1e6, 8);
    return tv;
  }

  /**
   * select(2) fails the whole call with EBADF when one fd was closed behind our back. Poll the
   * others once more without it, and report the closed ones ready both ways (as poll's POLLNVAL
   * does), so their owners find out on their next read or write and everyone else keeps working.
   */
  #reportClosedFds(): number {
    const closed = new Set<number>();
    for (const key of this.keys()) if (libc.fcntl(key.fd, platform.F_GETFD) < 0) closed.add(key.fd);
    if (closed.size === 0) return -EBADF;
    const nfds = this.#prepare(closed);
    const n = libc.select(nfds, this.#readSet, this.#writeSet, null, this.#timeval(0));
    if (n < 0) return -errno();
    for (const fd of closed) {
      setBit(this.#readSet, fd);
      setBit(this.#writeSet, fd);
    }
    return n + closed.size;
  }

  protected wait(timeout: number): number {
    const nfds = this.#prepare();
    const n = libc.select(nfds, this.#readSet, this.#writeSet, null, this.#timeval(timeout));
    if (n >= 0) return n;
    const err = errno();
    return err === EBADF ? this.#reportClosedFds() : -err;
  }

  protected waitAsync(timeout: number, done: AsyncDone): void {
    const nfds = this.#prepare();
    libc.select.async(
      nfds,
      this.#readSet,
      this.#writeSet,
      null,
      this.#timeval(timeout),
      koffiDone((n, failure) => done(n === -EBADF ? this.#reportClosedFds() : n, failure), errno),
    );
  }

  protected collect(_count: number, ready: Ready<T>[]): void {
    for (const key of this.keys()) {
      let events = 0;
      if (isSet(this.#readSet, key.fd)) events |= EVENT_READ;
      if (isSet(this.#writeSet, key.fd)) events |= EVENT_WRITE;
      events &= key.events;
      if (events !== 0) ready.push([key, events]);
    }
  }

  protected closeBackend(): void {}
}
