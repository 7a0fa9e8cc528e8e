/**
 * `Registrations`: the loop's table of watched fds — the reader and the writer of each, kept as
 * the `data` of its selector key — and the rules for when the kernel's registration really
 * changes.
 *
 * ## Why the kernel is told lazily
 *
 * The common pattern on a connection is: a read completes, the coroutine writes its answer, and
 * reads again. Dropping the reader from epoll after the read and adding it back a moment later
 * would cost two `epoll_ctl` calls per message. So removing a reader or writer of a socket
 * object (`removeReader`, or cancelling its Handle, asyncio's rule) only clears the handler and
 * keeps the kernel's registration for now; adding the same object back costs nothing. The
 * registration really goes when an event finds nobody to call:
 *
 * - a writer's at its first such event: a connected socket is writable nearly all the time, so a
 *   kept EPOLLOUT would come back from every poll of a reader's grace period (in a crawl, ~60
 *   events per page instead of 5);
 * - a reader's once IDLE_GRACE_MS has passed since the removal: a coroutine or an async
 *   function's continuation (a loop iteration and a few microtask turns away) is usually on its
 *   way back for the next read, and an event in between is only one more poll.
 *
 * A raw fd number is removed at once, and its kept registration goes at its first event: nothing
 * tells the loop whether that number still means the same file.
 *
 * ## States of one direction (reading or writing) of one fd
 *
 * ```
 *                  add: register or modify (1 epoll_ctl)
 *  ┌─────────────┐ ─────────────────────────────────────────▶ ┌──────┐ ◀─┐ add again: the new
 *  │ not watched │                                            │ live │ ──┘ Handle cancels the old
 *  └─────────────┘ ◀───────────────────────────────────────── └──────┘
 *    ▲   ▲   ▲      remove of a raw fd number (1 epoll_ctl)      │   ▲
 *    │   │   │                                                   │   │
 *    │   │   │       remove of a socket object, or cancel()      │   │ add, the same object
 *    │   │   │       of its Handle (no syscall)                  ▼   │ (no syscall: the point)
 *    │   │   │                                                ┌──────┐
 *    │   │   └─────────────────────────────────────────────── │ kept │
 *    │   │     an event finds nobody to call (1 epoll_ctl):   └──────┘
 *    │   │     a writer, or a raw fd number, at once;             │
 *    │   │     a reader once IDLE_GRACE_MS has passed             │
 *    │   └────────────────────────────────────────────────────────┘
 *    │         add of the other direction (dropped in that same epoll_ctl),
 *    │         or by another object with the same fd number (registered afresh)
 *    │
 *    └─ live or kept, and the fd was closed behind the loop's back: found when the next
 *       add's epoll_ctl fails, or by the audit; reported through the exception handler
 *       if it was live
 * ```
 *
 * The selector key goes when neither direction is watched. Invariants:
 * - `key.events` is what the kernel watches; a handler is live iff it is non-null and not
 *   cancelled; a watched direction without a live handler is `kept`, and `idleSince` says since
 *   when (the time of the last poll when it was removed: no clock read per removal).
 * - Every kernel change calls the owner's `registrationsChanged()`, so that a wait already in
 *   flight on another thread starts over with it (poll and select copy the fd set when a wait
 *   begins). A handler added to a direction the kernel watches already needs no such wake-up:
 *   the wait in flight reports that fd when it is ready.
 *
 * ## Closed fds
 *
 * epoll forgets an fd silently when it is closed (its reader would never run again), and poll
 * reports it on every wait (a busy loop). So an `epoll_ctl` that fails with ENOENT/EBADF during
 * `add` drops the stale registration on the spot (its number was reused), and while fds are
 * watched the loop calls `audit()` every FD_AUDIT_INTERVAL_MS: it asks the kernel whether up to
 * FD_AUDIT_BATCH watched fds are still open, going round them in turn, drops the ones that are
 * not, and reports those that had a live handler (a kept registration of a socket closed after
 * its `removeReader` is nobody's mistake). An fd object that says it is closed (a `Socket`
 * closed under a transport still reading it) is found without a syscall, and its live handlers
 * are reported and then run once more: their own call fails with EBADF, so their owner learns
 * of the close too (a transport ends the connection with that error).
 *
 * The loop's own `Waker` is registered here too, with `null` data: it only ends waits, so
 * `collect` drains it and `add` refuses its fd.
 */
import {
  EVENT_READ,
  EVENT_WRITE,
  OSError,
  fileobjToFd,
  isFdOpen,
  type BaseSelector,
  type FileObj,
  type Ready,
  type SelectorKey,
  type Waker,
} from '@aio/selector';
import { InvalidArgumentError } from './errors';
import type { Runnable } from './hooks';
import type { ExceptionContext } from './exceptions';
import type { Handle } from './handles';

/** While fds are registered, check for ones closed behind the loop's back this often (ms). */
export const FD_AUDIT_INTERVAL_MS = 1000;
/**
 * The most fds one audit checks (a syscall each), going round the watched fds in turn: a server
 * holding 10,000 idle connections checks each every 10 s instead of spending 10,000 syscalls and
 * their garbage every second.
 */
export const FD_AUDIT_BATCH = 1024;
/**
 * How long (ms) a kept reader registration may see events with nobody to call before it is
 * really dropped (a writer's goes at its first such event).
 */
export const IDLE_GRACE_MS = 1;

/** The reader and writer of one fd: the `data` of its selector key (the waker's is null). */
export interface FdHandlers {
  reader: Handle | null;
  writer: Handle | null;
  /** When (loop time of the last poll) a handler was last removed or found cancelled. */
  idleSince: number;
}

/** What the table needs from its loop. */
export interface RegistrationsOwner {
  /** The loop's clock (ms). */
  time(): number;
  /** Where a closed fd is reported. */
  callExceptionHandler(context: ExceptionContext): void;
  /** The kernel's registrations changed: a wait in flight must start over to see it. */
  registrationsChanged(): void;
}

type Key = SelectorKey<FdHandlers | null>;

export class Registrations {
  readonly #selector: BaseSelector<FdHandlers | null>;
  readonly #waker: Waker;
  readonly #wakerFd: number;
  readonly #owner: RegistrationsOwner;
  #nextAudit = Infinity;
  /** Where the audit goes on from: a live iterator over the selector's map (see audit). */
  #auditCursor: Iterator<Key> | null = null;

  /** Registers `waker` in `selector` (for reading, with null data). */
  constructor(selector: BaseSelector<FdHandlers | null>, waker: Waker, owner: RegistrationsOwner) {
    this.#selector = selector;
    this.#waker = waker;
    this.#wakerFd = waker.fileno();
    this.#owner = owner;
    selector.register(waker, EVENT_READ, null);
  }

  /** When the next audit is due (loop time); Infinity while no fd is watched. */
  get nextAudit(): number {
    return this.#nextAudit;
  }

  // #region add
  /**
   * Makes `handle` the reader (`EVENT_READ`) or writer (`EVENT_WRITE`) of `fileobj`, replacing
   * (cancelling) the one it had. `method` names the caller in error messages.
   */
  add(fileobj: FileObj, event: number, handle: Handle, method: string): void {
    const fd = fileobjToFd(fileobj, method);
    if (fd === this.#wakerFd) {
      throw new InvalidArgumentError(`${method}() got fd ${fd}, which is the loop's own waker`);
    }
    const selector = this.#selector;
    let key = selector.getMap().get(fd);
    let changed = false;
    if (key !== undefined && key.fileobj !== fileobj && isIdle(key.data!)) {
      // Only a kept registration is left, made for another object: the fd may have been closed
      // and its number reused since, so the kernel's registration may be gone. Start afresh.
      selector.unregister(fd);
      key = undefined;
      changed = true;
    }
    if (key !== undefined && (key.events & event) === 0) {
      // The other direction stays watched only if someone still waits on it: one epoll_ctl adds
      // this one and drops the other's kept registration (a socket that connected, then reads,
      // goes from EPOLLOUT to EPOLLIN in one call instead of two).
      const handlers = key.data!;
      const otherEvent = event === EVENT_READ ? EVENT_WRITE : EVENT_READ;
      const other = handlerOf(handlers, otherEvent);
      const keep = other !== null && !other.cancelled() ? key.events : 0;
      // A cancelled handle dropped here counts as removed, as collect() would have made it.
      if (keep === 0 && other !== null) setHandler(handlers, otherEvent, null);
      changed = true;
      try {
        selector.modify(fd, keep | event, handlers);
      } catch (err) {
        // The kernel forgot this fd: it was closed behind our back (and its number reused).
        // Report the stale registration and start afresh.
        if (!(err instanceof OSError) || (err.code !== 'ENOENT' && err.code !== 'EBADF')) throw err;
        selector.unregister(fd);
        if (!isIdle(handlers)) this.#reportClosed(fd, handlers);
        key = undefined;
      }
    }
    if (key === undefined) {
      const handlers: FdHandlers = { reader: null, writer: null, idleSince: 0 };
      setHandler(handlers, event, handle);
      changed = true;
      selector.register(fileobj, event, handlers);
    } else {
      const handlers = key.data!;
      const previous = handlerOf(handlers, event);
      setHandler(handlers, event, handle);
      previous?.cancel();
    }
    if (this.#nextAudit === Infinity) this.#nextAudit = this.#owner.time() + FD_AUDIT_INTERVAL_MS;
    if (changed) this.#owner.registrationsChanged();
  }
  // #endregion add

  // #region remove
  /**
   * Removes the reader or writer of `fileobj`: for a socket object the kernel registration is
   * kept (see the module comment), for a raw fd number it goes now. `pollTime` is the loop's
   * last poll, the start of a kept reader's grace period. Returns false if there was no live
   * handler (none, or a cancelled one, which counted as removed already).
   */
  remove(fileobj: FileObj, event: number, pollTime: number): boolean {
    const key = this.#keyOf(fileobj);
    if (key === undefined || key.data === null) return false;
    const handlers = key.data;
    const previous = handlerOf(handlers, event);
    if (previous === null) return false;
    setHandler(handlers, event, null);
    const wasLive = !previous.cancelled();
    previous.cancel();
    handlers.idleSince = pollTime;
    if (typeof key.fileobj === 'number' && this.#sync(key)) this.#owner.registrationsChanged();
    return wasLive;
  }
  // #endregion remove

  // #region collect
  /**
   * Turns what the selector reported into ready callbacks, pushed on `ready`: the reader and/or
   * writer of each fd (the waker is only drained: its job was to end the wait). An event that
   * finds nobody to call is where a kept registration ends (see the module comment). `pollTime`
   * is when the selector was asked. Returns true if an fd other than the waker was ready.
   */
  collect(events: Ready<FdHandlers | null>[], ready: Runnable[], pollTime: number): boolean {
    let io = false;
    for (let i = 0; i < events.length; i++) {
      const [key, mask] = events[i]!;
      const handlers = key.data;
      if (handlers === null) {
        this.#waker.drain();
        continue;
      }
      io = true;
      let idleRead = false;
      let idleWrite = false;
      if (mask & EVENT_READ) {
        const reader = handlers.reader;
        if (reader !== null && !reader.cancelled()) ready.push(reader);
        else idleRead = noteIdle(handlers, EVENT_READ, reader, pollTime);
      }
      if (mask & EVENT_WRITE) {
        const writer = handlers.writer;
        if (writer !== null && !writer.cancelled()) ready.push(writer);
        else idleWrite = noteIdle(handlers, EVENT_WRITE, writer, pollTime);
      }
      if (
        (idleWrite ||
          (idleRead &&
            (typeof key.fileobj === 'number' || pollTime - handlers.idleSince >= IDLE_GRACE_MS))) &&
        this.#sync(key)
      )
        this.#owner.registrationsChanged();
    }
    return io;
  }
  // #endregion collect

  /** Makes the kernel watch exactly the events that have a handler (unregistering if none). */
  #sync(key: Key): boolean {
    const handlers = key.data!;
    const wanted =
      (handlers.reader !== null ? EVENT_READ : 0) | (handlers.writer !== null ? EVENT_WRITE : 0);
    if (wanted === key.events) return false;
    if (wanted === 0) this.#selector.unregister(key.fd);
    else this.#selector.modify(key.fd, wanted, handlers);
    return true;
  }

  #keyOf(fileobj: FileObj): Key | undefined {
    let fd: number;
    try {
      fd = fileobjToFd(fileobj, 'removeReader');
    } catch {
      // A closed socket answers fileno() with -1: find its registration by identity.
      for (const key of this.#selector.getMap().values()) if (key.fileobj === fileobj) return key;
      return undefined;
    }
    return this.#selector.getMap().get(fd);
  }

  // #region audit
  /** Makes the next audit due at once (a callback met EBADF: a watched fd may be closed). */
  auditSoon(): void {
    this.#nextAudit = 0;
  }

  /**
   * Finds fds that were closed while the loop still watched them: checks up to FD_AUDIT_BATCH
   * of them, going round in turn, drops the ones no longer open, and reports those that had a
   * live handler. Schedules the next audit, if any fd is left to watch.
   */
  audit(now: number, ready: Runnable[]): void {
    let stale: Key[] | null = null;
    const map = this.#selector.getMap();
    // A Map iterator stays valid while entries come and go: it skips the deleted ones and
    // reaches the new ones. Past the end, the next audit starts again from the beginning.
    let cursor = this.#auditCursor ?? map.values();
    for (let checked = 0; checked < FD_AUDIT_BATCH; checked++) {
      const next = cursor.next();
      if (next.done === true) {
        cursor = map.values();
        if (checked > 0 || map.size === 0) break;
        continue;
      }
      const key = next.value;
      if (key.data !== null && (closedByOwner(key.fileobj) || !isFdOpen(key.fd))) {
        (stale ??= []).push(key);
      }
    }
    this.#auditCursor = cursor;
    for (const key of stale ?? []) {
      this.#selector.unregister(key.fd);
      const handlers = key.data!;
      // A registration kept for a socket closed after its removeReader: nothing to report.
      if (isIdle(handlers)) continue;
      const owned = closedByOwner(key.fileobj);
      this.#reportClosed(key.fd, handlers, !owned);
      if (owned) this.#runOnceMore(handlers, ready);
    }
    if (stale !== null) this.#owner.registrationsChanged();
    // The waker is always there: more than one key means an fd of someone's is watched.
    this.#nextAudit = map.size > 1 ? now + FD_AUDIT_INTERVAL_MS : Infinity;
  }
  // #endregion audit

  /**
   * A socket object closed while its reader or writer was still on (a stream whose socket was
   * closed under it): the kernel will never report the fd again, so the handlers run once more,
   * now. Their own call on the closed object fails (EBADF, without touching the fd number, which
   * may be another file's by now), and that is how their owner learns of it (a transport fails
   * its reads with the error, as when the socket itself fails). Then they are gone.
   */
  #runOnceMore(handlers: FdHandlers, ready: Runnable[]): void {
    for (const handle of [handlers.reader, handlers.writer]) {
      if (handle !== null && !handle.cancelled()) ready.push(handle);
    }
    handlers.reader = handlers.writer = null;
  }

  /** Reports a closed fd's live handlers; `cancel`: and cancels them (else the caller runs them). */
  #reportClosed(fd: number, handlers: FdHandlers, cancel = true): void {
    const roles = [handlers.reader && 'reader', handlers.writer && 'writer']
      .filter(Boolean)
      .join(' and ');
    this.#owner.callExceptionHandler({
      message:
        `fd ${fd} was closed while the loop was watching it; its ${roles || 'registration'} ` +
        (cancel ? 'was removed ' : 'runs once more (to meet the close), then is removed ') +
        '(call removeReader/removeWriter before closing an fd)',
      fd,
      handle: handlers.reader ?? handlers.writer ?? undefined,
    });
    if (!cancel) return;
    handlers.reader?.cancel();
    handlers.writer?.cancel();
    handlers.reader = handlers.writer = null;
  }

  toString(): string {
    return `<Registrations fds=${this.#selector.getMap().size - 1}>`;
  }
}

/** True for an fd object that says it was closed (`Socket.closed`, `PipeEnd.closed` …). */
function closedByOwner(fileobj: FileObj): boolean {
  return typeof fileobj === 'object' && (fileobj as { closed?: unknown }).closed === true;
}

function handlerOf(handlers: FdHandlers, event: number): Handle | null {
  return event === EVENT_READ ? handlers.reader : handlers.writer;
}

function setHandler(handlers: FdHandlers, event: number, handle: Handle | null): void {
  if (event === EVENT_READ) handlers.reader = handle;
  else handlers.writer = handle;
}

/**
 * An event found no live handler for `event`: a cancelled Handle counts as removed (asyncio's
 * rule: a cancelled reader is removed when its fd next fires, so it cannot keep a level-triggered
 * poll spinning), and its grace period starts now. Returns true.
 */
function noteIdle(
  handlers: FdHandlers,
  event: number,
  handle: Handle | null,
  pollTime: number,
): boolean {
  if (handle !== null) {
    setHandler(handlers, event, null);
    handlers.idleSince = pollTime;
  }
  return true;
}

/** True when neither direction has a live handler left: the registration is only kept. */
function isIdle(handlers: FdHandlers): boolean {
  return (
    (handlers.reader === null || handlers.reader.cancelled()) &&
    (handlers.writer === null || handlers.writer.cancelled())
  );
}
