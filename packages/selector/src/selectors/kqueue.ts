/**
 * `KqueueSelector`: kqueue(2) on macOS and the BSDs, as Python's `selectors.KqueueSelector`.
 *
 * UNTESTED: written against <sys/event.h> on macOS and FreeBSD but never run; it waits for a CI
 * runner on one of them (the package README says so). On Linux, constructing it throws
 * UnsupportedPlatformError and the contract tests skip it.
 *
 * kqueue watches (fd, filter) pairs, so an fd registered for both directions is two kernel
 * entries: EVFILT_READ and EVFILT_WRITE. `struct kevent` starts with `uintptr_t ident` (the fd),
 * `int16_t filter`, `uint16_t flags`; its total size comes from the platform module (32 bytes on
 * macOS, 64 on FreeBSD 12+). Results for the same fd are merged into one ready entry.
 */
import { UnsupportedPlatformError, osError } from '../errors';
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

const KQ = platform.kqueue;

export class KqueueSelector<T = unknown> extends BaseSelector<T> {
  static isAvailable(): boolean {
    return KQ !== undefined;
  }

  protected readonly syscall = 'kevent';
  readonly #kq: number;
  #out = Buffer.alloc(0);
  readonly #timespecBuffer = Buffer.alloc(16);
  readonly #change = Buffer.alloc(KQ?.keventSize ?? 0);

  constructor() {
    super();
    if (!KQ || !libc.kqueue || !libc.kevent) {
      throw new UnsupportedPlatformError(
        `KqueueSelector needs kqueue (macOS or BSD), not available on ${process.platform}; use DefaultSelector`,
      );
    }
    const kq = libc.kqueue();
    if (kq < 0) throw osError(errno(), 'kqueue');
    if (libc.fcntl(kq, platform.F_SETFD, platform.FD_CLOEXEC) < 0) {
      const err = errno();
      libc.close(kq);
      throw osError(err, 'fcntl');
    }
    this.#kq = kq;
  }

  fileno(): number {
    return this.closed ? -1 : this.#kq;
  }

  /** Applies one change (EV_ADD or EV_DELETE of one filter); returns 0 or -errno. */
  #control(fd: number, filter: number, flags: number): number {
    const change = this.#change;
    change.fill(0);
    writeInt64(change, fd, 0);
    change.writeInt16LE(filter, 8);
    change.writeUInt16LE(flags, 10);
    return libc.kevent!(this.#kq, change, 1, null, 0, null) < 0 ? -errno() : 0;
  }

  #apply(fd: number, add: number, remove: number): void {
    for (const [event, filter] of [
      [EVENT_READ, KQ!.EVFILT_READ],
      [EVENT_WRITE, KQ!.EVFILT_WRITE],
    ] as const) {
      // Deleting a filter that is gone (the fd was closed first) is not an error worth raising.
      if (remove & event) this.#control(fd, filter, KQ!.EV_DELETE);
      if (add & event) {
        const rc = this.#control(fd, filter, KQ!.EV_ADD);
        if (rc < 0) throw osError(-rc, 'kevent', `fd ${fd}`);
      }
    }
  }

  protected addFd(fd: number, events: number): void {
    try {
      this.#apply(fd, events, 0);
    } catch (err) {
      this.#apply(fd, 0, events);
      throw err;
    }
  }

  protected removeFd(fd: number, events: number): void {
    this.#apply(fd, 0, events);
  }

  protected modifyFd(fd: number, oldEvents: number, newEvents: number): void {
    this.#apply(fd, newEvents & ~oldEvents, oldEvents & ~newEvents);
  }

  #prepare(): number {
    const max = Math.max(this.size * 2, 1);
    if (this.#out.length < max * KQ!.keventSize) this.#out = Buffer.alloc(max * KQ!.keventSize);
    return max;
  }

  #timespec(timeout: number): Buffer | null {
    if (timeout < 0) return null;
    const nanos = Math.ceil(timeout * 1e6);
    writeInt64(this.#timespecBuffer, Math.floor(nanos / 1e9), 0);
    writeInt64(this.#timespecBuffer, nanos % 1e9, 8);
    return this.#timespecBuffer;
  }

  protected wait(timeout: number): number {
    const max = this.#prepare();
    const n = libc.kevent!(this.#kq, null, 0, this.#out, max, this.#timespec(timeout));
    return n < 0 ? -errno() : n;
  }

  protected waitAsync(timeout: number, done: AsyncDone): void {
    const max = this.#prepare();
    libc.kevent!.async(
      this.#kq,
      null,
      0,
      this.#out,
      max,
      this.#timespec(timeout),
      koffiDone(done, errno),
    );
  }

  protected collect(count: number, ready: Ready<T>[]): void {
    const merged = new Map<number, number>();
    for (let i = 0; i < count; i++) {
      const offset = i * KQ!.keventSize;
      const fd = this.#out.readUInt32LE(offset); // ident: a uintptr_t holding a small fd
      const filter = this.#out.readInt16LE(offset + 8);
      const event =
        filter === KQ!.EVFILT_READ ? EVENT_READ : filter === KQ!.EVFILT_WRITE ? EVENT_WRITE : 0;
      merged.set(fd, (merged.get(fd) ?? 0) | event);
    }
    for (const [fd, events] of merged) {
      const key = this.keyFor(fd);
      const masked = key ? events & key.events : 0;
      if (key && masked !== 0) ready.push([key, masked]);
    }
  }

  protected closeBackend(): void {
    libc.close(this.#kq);
  }
}
