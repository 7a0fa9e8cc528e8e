/**
 * The selector base: Python's `selectors._BaseSelectorImpl`, with the pieces every backend shares.
 *
 * A selector maps file descriptors to `SelectorKey`s and asks the kernel which of them are ready.
 * This class owns the map, checks every argument, retries interrupted waits, and runs the wait
 * off the main thread for `selectAsync`; a backend (epoll, kqueue, poll, select) supplies five
 * small hooks: add, remove and modify an fd in the kernel, wait, and turn what the kernel wrote
 * into ready keys.
 *
 * Invariants:
 * - `#keys` holds exactly the fds the kernel object watches (a failed kernel call undoes the map
 *   change), so `getMap()` never lies.
 * - At most one wait is in flight. A backend may therefore keep one output buffer; buffers the
 *   kernel reads during an async wait (poll's pollfd array, select's fd_sets) are rebuilt only when
 *   a new wait starts, never while one is running.
 * - `close()` during an async wait marks the selector closed at once and releases the kernel
 *   object when the wait returns (closing an epoll fd another thread waits on would not wake it,
 *   and its number could be reused under that thread). Wake the wait first (a `Waker`) to make
 *   that prompt.
 */
import { constants } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  AlreadyRegisteredError,
  InvalidArgumentError,
  InvalidEventsError,
  InvalidFileObjectError,
  NotRegisteredError,
  SelectorBusyError,
  SelectorClosedError,
  osError,
} from '../errors';
import { formatValue } from '../format';
import { errno } from '../libc';

const { EINTR } = constants.errno;

// #region events
/** Ready to read (or at EOF, or in error): Python's `selectors.EVENT_READ`. */
export const EVENT_READ = 1;
/** Ready to write (or in error): Python's `selectors.EVENT_WRITE`. */
export const EVENT_WRITE = 2;
const ALL_EVENTS = EVENT_READ | EVENT_WRITE;
// #endregion events

/** An fd, or anything that has one (a `Socket`, a `Waker`, a Node `fs.promises` FileHandle's fd …). */
export type FileObj = number | { fileno(): number };

// #region SelectorKey
/**
 * What the selector remembers about one registration. Immutable: `modify` replaces it.
 * `data` is yours: the article's crawler stores the callback to run when the fd is ready.
 */
export class SelectorKey<T = unknown> {
  constructor(
    readonly fileobj: FileObj,
    readonly fd: number,
    readonly events: number,
    readonly data: T,
  ) {
    Object.freeze(this);
  }

  toString(): string {
    const names = [this.events & EVENT_READ ? 'READ' : '', this.events & EVENT_WRITE ? 'WRITE' : '']
      .filter(Boolean)
      .join('|');
    return `SelectorKey(fd=${this.fd}, events=${names}, data=${formatValue(this.data)})`;
  }
}
// #endregion SelectorKey

/** One result of `select()`: the key and the events that are ready (a subset of `key.events`). */
export type Ready<T = unknown> = [key: SelectorKey<T>, events: number];

/**
 * Turns a file object into its fd, as Python's `_fileobj_to_fd`.
 * @throws InvalidFileObjectError for anything that is not a non-negative integer fd or has no `fileno()`
 */
export function fileobjToFd(fileobj: unknown, method: string): number {
  let fd: unknown = fileobj;
  if (typeof fileobj !== 'number') {
    const fileno = (fileobj as { fileno?: unknown } | null | undefined)?.fileno;
    if (typeof fileno !== 'function') {
      throw new InvalidFileObjectError(
        `${method}() expected a file descriptor or an object with fileno(), got ${formatValue(fileobj)}`,
      );
    }
    fd = (fileno as () => unknown).call(fileobj);
  }
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) {
    const from = typeof fileobj === 'number' ? '' : ` (from fileno() of ${String(fileobj)})`;
    throw new InvalidFileObjectError(
      `${method}() expected a non-negative integer file descriptor, got ${formatValue(fd)}${from}`,
    );
  }
  return fd;
}

function checkEvents(events: unknown, method: string): number {
  if (
    typeof events !== 'number' ||
    !Number.isInteger(events) ||
    events <= 0 ||
    (events & ~ALL_EVENTS) !== 0
  ) {
    throw new InvalidEventsError(
      `${method}() expected events EVENT_READ (1), EVENT_WRITE (2) or both (3), got ${formatValue(events)}`,
    );
  }
  return events;
}

// #region eventsFromFlags
/**
 * Turns epoll's or poll's result flags into EVENT_READ/EVENT_WRITE, as Python does: anything but
 * plain IN (ERR, HUP, NVAL for an fd closed behind our back) wakes writers, anything but plain OUT
 * wakes readers, so a reset peer is reported to whoever waits on the fd.
 */
export function eventsFromFlags(flags: number, inFlag: number, outFlag: number): number {
  return (flags & ~inFlag ? EVENT_WRITE : 0) | (flags & ~outFlag ? EVENT_READ : 0);
}
// #endregion eventsFromFlags

/** Milliseconds as the backends take them: -1 waits forever, 0 polls, > 0 waits at most that long. */
function normalizeTimeout(timeoutMs: unknown, method: string): number {
  if (timeoutMs === null || timeoutMs === undefined) return -1;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs)) {
    throw new InvalidArgumentError(
      `${method}() expected a timeout in milliseconds, null or undefined, got ${formatValue(timeoutMs)}`,
    );
  }
  if (timeoutMs === Infinity) return -1;
  return timeoutMs > 0 ? timeoutMs : 0;
}

/** Whole milliseconds for epoll_wait and poll, rounded up so a wait never ends early. */
export function timeoutToMs(timeout: number): number {
  return timeout < 0 ? -1 : Math.min(Math.ceil(timeout), 0x7fffffff);
}

const now = (): number => performance.now();

/** How a backend's `waitAsync` reports back: `wait`'s result, or an FFI failure. */
export type AsyncDone = (result: number, failure?: unknown) => void;

/** Adapts koffi's `(err, result)` async callback to `AsyncDone`, reading errno on failure. */
export function koffiDone(
  done: AsyncDone,
  errnoNow: () => number,
): (err: unknown, n: number) => void {
  return (err, n) => {
    if (err) done(-1, err);
    else done(n < 0 ? -errnoNow() : n);
  };
}

export abstract class BaseSelector<T = unknown> {
  readonly #keys = new Map<number, SelectorKey<T>>();
  #closed = false;
  #waiting = false;

  /** Adds `fd` to the kernel object; throws an OSError (EBADF for a closed fd …) on failure. */
  protected abstract addFd(fd: number, events: number): void;
  /** Removes `fd`; best effort, since the fd may already be closed. */
  protected abstract removeFd(fd: number, events: number): void;
  /** Changes the events watched for `fd`. */
  protected abstract modifyFd(fd: number, oldEvents: number, newEvents: number): void;
  /** One wait: the count the kernel reported, or -errno. `timeout` as `normalizeTimeout` gives it. */
  protected abstract wait(timeout: number): number;
  /**
   * The same wait on a worker thread; `done` gets what `wait` would return, or the error the FFI
   * raised before the call could run.
   */
  protected abstract waitAsync(timeout: number, done: AsyncDone): void;
  /** Turns the last wait's `count` results into ready keys (masked, zero-event entries skipped). */
  protected abstract collect(count: number, ready: Ready<T>[]): void;
  /** Releases the kernel object. */
  protected abstract closeBackend(): void;

  // #region register
  /**
   * Starts watching `fileobj` for `events` (EVENT_READ, EVENT_WRITE or both), remembering `data`.
   * @throws AlreadyRegisteredError if its fd is registered already (use `modify`)
   * @throws OSError EBADF if the fd is not open
   */
  register(fileobj: FileObj, events: number, data?: T): SelectorKey<T> {
    this.#ensureOpen('register');
    checkEvents(events, 'register');
    const fd = fileobjToFd(fileobj, 'register');
    const existing = this.#keys.get(fd);
    if (existing) {
      throw new AlreadyRegisteredError(
        `register(): fd ${fd} is already registered (by ${formatValue(existing.fileobj)}); use modify() to change its events`,
      );
    }
    const key = new SelectorKey<T>(fileobj, fd, events, data as T);
    this.#keys.set(fd, key);
    try {
      this.addFd(fd, events);
    } catch (err) {
      this.#keys.delete(fd);
      throw err;
    }
    return key;
  }

  /**
   * Stops watching `fileobj` and returns its key. Works for an object whose fd is already closed
   * (a `Socket` after `close()`), by finding its key.
   */
  unregister(fileobj: FileObj): SelectorKey<T> {
    this.#ensureOpen('unregister');
    const key = this.#lookup(fileobj, 'unregister');
    this.#keys.delete(key.fd);
    this.removeFd(key.fd, key.events);
    return key;
  }

  /** Changes the events and data of a registration; returns the new key. */
  modify(fileobj: FileObj, events: number, data?: T): SelectorKey<T> {
    this.#ensureOpen('modify');
    const key = this.#lookup(fileobj, 'modify');
    checkEvents(events, 'modify');
    if (events !== key.events) this.modifyFd(key.fd, key.events, events);
    const next = new SelectorKey<T>(key.fileobj, key.fd, events, data as T);
    this.#keys.set(key.fd, next);
    return next;
  }
  // #endregion register

  // #region select
  /**
   * Waits until a registered fd is ready, or `timeoutMs` passes.
   *
   * `null`/`undefined` (the default) waits as long as it takes; `0` (or less) only polls.
   * Returns `[key, events]` pairs; an empty array means the time ran out. Blocks the calling
   * thread: inside Node's own loop use `selectAsync`.
   */
  select(timeoutMs?: number | null): Ready<T>[] {
    this.#ensureOpen('select');
    this.#ensureIdle('select');
    let timeout = normalizeTimeout(timeoutMs, 'select');
    const deadline = timeout > 0 ? now() + timeout : 0;
    for (;;) {
      const count = this.wait(timeout);
      if (count >= 0) return this.#ready(count);
      if (-count !== EINTR) throw osError(-count, this.syscall);
      // PEP 475: a signal is no reason to return; wait again for what is left of the timeout.
      if (timeout > 0) timeout = Math.max(0, deadline - now());
    }
  }
  // #endregion select

  /**
   * `select()` run on a libuv worker thread, so Node's own loop stays free meanwhile. Resolves
   * with the same result. One wait at a time per selector; cut it short with a registered `Waker`.
   */
  selectAsync(timeoutMs?: number | null): Promise<Ready<T>[]> {
    this.#ensureOpen('selectAsync');
    this.#ensureIdle('selectAsync');
    let timeout = normalizeTimeout(timeoutMs, 'selectAsync');
    const deadline = timeout > 0 ? now() + timeout : 0;
    this.#waiting = true;
    return new Promise<Ready<T>[]>((resolve, reject) => {
      const attempt = (): void => {
        this.waitAsync(timeout, (count, failure) => {
          if (failure !== undefined) {
            this.#waiting = false;
            if (this.#closed) this.closeBackend();
            reject(failure instanceof Error ? failure : new Error(formatValue(failure)));
            return;
          }
          if (count < 0 && -count === EINTR && !this.#closed) {
            if (timeout > 0) timeout = Math.max(0, deadline - now());
            attempt();
            return;
          }
          this.#waiting = false;
          if (this.#closed) {
            this.closeBackend();
            resolve([]);
          } else if (count >= 0) {
            resolve(this.#ready(count));
          } else {
            reject(osError(-count, this.syscall));
          }
        });
      };
      try {
        attempt();
      } catch (err) {
        this.#waiting = false;
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** The key of a registered file object. @throws NotRegisteredError */
  getKey(fileobj: FileObj): SelectorKey<T> {
    this.#ensureOpen('getKey');
    return this.#lookup(fileobj, 'getKey');
  }

  /** Every registration, by fd (read-only; empty once closed). */
  getMap(): ReadonlyMap<number, SelectorKey<T>> {
    return this.#keys;
  }

  /** Forgets every registration and releases the kernel object. Closing twice is harmless. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#keys.clear();
    if (!this.#waiting) this.closeBackend();
  }

  get closed(): boolean {
    return this.#closed;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** The system call behind `select()`, for error messages. */
  protected abstract readonly syscall: string;

  /** A registration by fd, for `collect` (undefined if it was dropped meanwhile). */
  protected keyFor(fd: number): SelectorKey<T> | undefined {
    return this.#keys.get(fd);
  }

  /** The live registrations, for backends that rebuild their kernel arguments (poll, select). */
  protected keys(): IterableIterator<SelectorKey<T>> {
    return this.#keys.values();
  }

  protected get size(): number {
    return this.#keys.size;
  }

  /** Returns an errno as this class's hooks report failure. */
  protected static failure(): number {
    return -errno();
  }

  #ready(count: number): Ready<T>[] {
    const ready: Ready<T>[] = [];
    if (count > 0) this.collect(count, ready);
    return ready;
  }

  #lookup(fileobj: FileObj, method: string): SelectorKey<T> {
    let fd: number;
    try {
      fd = fileobjToFd(fileobj, method);
    } catch (err) {
      // A closed Socket reports fileno() -1: find it by identity, as Python does.
      for (const key of this.#keys.values()) if (key.fileobj === fileobj) return key;
      throw err;
    }
    const key = this.#keys.get(fd);
    if (!key)
      throw new NotRegisteredError(
        `${method}(): ${formatValue(fileobj)} (fd ${fd}) is not registered`,
      );
    return key;
  }

  #ensureOpen(method: string): void {
    if (this.#closed)
      throw new SelectorClosedError(`${method}() on a closed ${this.constructor.name}`);
  }

  #ensureIdle(method: string): void {
    if (this.#waiting) {
      throw new SelectorBusyError(
        `${method}() while a selectAsync() on this ${this.constructor.name} is still waiting; await it first`,
      );
    }
  }

  toString(): string {
    if (this.#closed) return `<${this.constructor.name} [closed]>`;
    return `<${this.constructor.name} registered=${this.#keys.size}${this.#waiting ? ' waiting' : ''}>`;
  }
}
