/**
 * `EpollSelector`: Linux's epoll, level-triggered, as Python's `selectors.EpollSelector`.
 *
 * One `epoll_ctl` per register/modify/unregister and one `epoll_wait` per select, which returns
 * only the ready fds: the cost of a wait does not grow with the number of idle fds (the reason
 * epoll exists; `PollSelector` and `SelectSelector` scan them all).
 *
 * `struct epoll_event` is `{ uint32 events; epoll_data_t data }`, where we store the fd in `data`.
 * Its size differs by architecture (see platform/linux.ts), so the output buffer is read through
 * an Int32Array at a stride taken from the platform module, never through hard-coded offsets.
 */
import { UnsupportedPlatformError, osError } from '../errors';
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

const EP = platform.epoll;

export class EpollSelector<T = unknown> extends BaseSelector<T> {
  /** True on Linux. */
  static isAvailable(): boolean {
    return EP !== undefined;
  }

  protected readonly syscall = 'epoll_wait';
  readonly #epfd: number;
  readonly #ctl: Buffer;
  #out: Int32Array;
  #outBuffer: Buffer;
  #capacity = 0;

  // #region create
  constructor() {
    super();
    if (!EP || !libc.epoll_create1) {
      throw new UnsupportedPlatformError(
        `EpollSelector needs Linux's epoll, not available on ${process.platform}; use DefaultSelector`,
      );
    }
    const fd = libc.epoll_create1(EP.EPOLL_CLOEXEC);
    if (fd < 0) throw osError(errno(), 'epoll_create1');
    this.#epfd = fd;
    this.#ctl = Buffer.alloc(EP.eventSize);
    this.#outBuffer = Buffer.alloc(0);
    this.#out = new Int32Array(0);
    this.#grow(1);
  }
  // #endregion create

  /** The epoll fd itself (a selector can be registered in another selector, or in Node's poll). */
  fileno(): number {
    return this.closed ? -1 : this.#epfd;
  }

  #grow(capacity: number): void {
    this.#capacity = capacity;
    this.#outBuffer = Buffer.alloc(capacity * EP!.eventSize);
    this.#out = new Int32Array(
      this.#outBuffer.buffer,
      this.#outBuffer.byteOffset,
      this.#outBuffer.length >> 2,
    );
  }

  // #region control
  #control(op: number, fd: number, events: number): number {
    let mask = 0;
    if (events & EVENT_READ) mask |= EP!.EPOLLIN;
    if (events & EVENT_WRITE) mask |= EP!.EPOLLOUT;
    this.#ctl.writeUInt32LE(mask, 0);
    this.#ctl.writeInt32LE(fd, EP!.dataOffset);
    return libc.epoll_ctl!(this.#epfd, op, fd, this.#ctl);
  }

  protected addFd(fd: number, events: number): void {
    if (this.#control(EP!.EPOLL_CTL_ADD, fd, events) !== 0)
      throw osError(errno(), 'epoll_ctl', `fd ${fd}`);
  }

  protected removeFd(fd: number): void {
    // EBADF/ENOENT: the fd was closed first, and the kernel already dropped it. Python ignores it too.
    this.#control(EP!.EPOLL_CTL_DEL, fd, 0);
  }

  protected modifyFd(fd: number, _old: number, events: number): void {
    if (this.#control(EP!.EPOLL_CTL_MOD, fd, events) !== 0)
      throw osError(errno(), 'epoll_ctl', `fd ${fd}`);
  }
  // #endregion control

  // #region wait
  #prepare(): number {
    // As Python: room for every registered fd, so one wait can report them all.
    const wanted = Math.max(this.size, 1);
    if (wanted > this.#capacity) this.#grow(Math.max(wanted, this.#capacity * 2));
    return this.#capacity;
  }

  protected wait(timeout: number): number {
    const max = this.#prepare();
    const n = libc.epoll_wait!(this.#epfd, this.#outBuffer, max, timeoutToMs(timeout));
    return n < 0 ? -errno() : n;
  }
  // #endregion wait

  protected waitAsync(timeout: number, done: AsyncDone): void {
    const max = this.#prepare();
    libc.epoll_wait!.async(
      this.#epfd,
      this.#outBuffer,
      max,
      timeoutToMs(timeout),
      koffiDone(done, errno),
    );
  }

  // #region collect
  protected collect(count: number, ready: Ready<T>[]): void {
    const out = this.#out;
    const stride = EP!.eventSize >> 2;
    const fdIndex = EP!.dataOffset >> 2;
    const { EPOLLIN, EPOLLOUT } = EP!;
    for (let i = 0, base = 0; i < count; i++, base += stride) {
      const key = this.keyFor(out[base + fdIndex]!);
      if (key === undefined) continue;
      const events = eventsFromFlags(out[base]!, EPOLLIN, EPOLLOUT) & key.events;
      if (events !== 0) ready.push([key, events]);
    }
  }
  // #endregion collect

  protected closeBackend(): void {
    libc.close(this.#epfd);
  }
}
