/**
 * `PollSelector`: POSIX poll(2), as Python's `selectors.PollSelector`. Works everywhere and has
 * no fd limit, but every wait hands the kernel the whole list and scans it back: cost grows with
 * the number of registered fds, ready or not.
 *
 * The `struct pollfd` array (`{ int fd; short events; short revents; }`, 8 bytes) is rebuilt only
 * when registrations changed since the last wait, and always into a fresh buffer, so an async wait
 * still running on a worker thread never sees it change.
 */
import { checkFdOpen } from '../fd';
import { errno, libc } from '../libc';
import { platform } from '../platform/index';
import {
  BaseSelector,
  EVENT_READ,
  EVENT_WRITE,
  eventsFromFlags,
  koffiDone,
  timeoutToMs,
  type AsyncDone,
  type Ready,
} from './base';

const { POLLIN, POLLOUT } = platform;
const POLLFD_SIZE = 8;

export class PollSelector<T = unknown> extends BaseSelector<T> {
  static isAvailable(): boolean {
    return true;
  }

  protected readonly syscall = 'poll';
  #pollfds = Buffer.alloc(0);
  #count = 0;
  #dirty = true;

  protected addFd(fd: number): void {
    // Fail registration of an fd that is not open, as epoll_ctl would (poll would say POLLNVAL).
    checkFdOpen(fd);
    this.#dirty = true;
  }

  protected removeFd(): void {
    this.#dirty = true;
  }

  protected modifyFd(): void {
    this.#dirty = true;
  }

  #prepare(): void {
    if (!this.#dirty) return;
    const buf = Buffer.alloc(Math.max(this.size, 1) * POLLFD_SIZE);
    let offset = 0;
    for (const key of this.keys()) {
      buf.writeInt32LE(key.fd, offset);
      buf.writeInt16LE(
        (key.events & EVENT_READ ? POLLIN : 0) | (key.events & EVENT_WRITE ? POLLOUT : 0),
        offset + 4,
      );
      offset += POLLFD_SIZE;
    }
    this.#pollfds = buf;
    this.#count = this.size;
    this.#dirty = false;
  }

  protected wait(timeout: number): number {
    this.#prepare();
    const n = libc.poll(this.#pollfds, this.#count, timeoutToMs(timeout));
    return n < 0 ? -errno() : n;
  }

  protected waitAsync(timeout: number, done: AsyncDone): void {
    this.#prepare();
    libc.poll.async(this.#pollfds, this.#count, timeoutToMs(timeout), koffiDone(done, errno));
  }

  protected collect(count: number, ready: Ready<T>[]): void {
    const buf = this.#pollfds;
    let found = 0;
    for (
      let offset = 0;
      found < count && offset < this.#count * POLLFD_SIZE;
      offset += POLLFD_SIZE
    ) {
      const revents = buf.readInt16LE(offset + 6);
      if (revents === 0) continue;
      found++;
      const key = this.keyFor(buf.readInt32LE(offset));
      if (key === undefined) continue;
      const events = eventsFromFlags(revents, POLLIN, POLLOUT) & key.events;
      if (events !== 0) ready.push([key, events]);
    }
  }

  protected closeBackend(): void {
    this.#pollfds = Buffer.alloc(0);
    this.#count = 0;
  }
}
