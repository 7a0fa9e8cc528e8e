/**
 * `EventLoop`: asyncio's `BaseEventLoop` + `SelectorEventLoop` on @aio/selector.
 *
 * The loop keeps three things: a FIFO of ready handles, a heap of timers, and a selector whose
 * keys carry the reader and writer handles of each fd. `runOnce()` is one turn of the wheel (read
 * it first: it is the article's `loop()` grown up); `runForever()` turns it until `stop()`.
 *
 * ## Two ways to wait
 *
 * JavaScript has its own event loop (libuv) and its own microtask queue, and an `async` function
 * resumes only from that queue. So the loop runs in one of two modes:
 *
 * - `hosted` (default): iterations run back to back while work is ready, with the microtask queue
 *   drained between them (`await`), and the thread handed back to Node (`setImmediate`) at least
 *   every {@link HOST_SLICE_MS} ms. When nothing is ready the loop first polls (`select(0)`, one
 *   cheap syscall), and only if that finds nothing parks the wait on a libuv worker thread
 *   (`selectAsync`), so Node's timers, fs, sockets and promises all go on meanwhile. Anything
 *   that gives the loop work while it is parked — `callSoon`, an earlier timer, a new reader or
 *   writer, `stop()` — writes the loop's `Waker`, which ends the wait at once (asyncio's
 *   self-pipe).
 * - `blocking`: the wait happens on the main thread, exactly as in Python. Callbacks, and async
 *   functions awaiting what the callbacks resolve, all run (microtasks drain between iterations).
 *   Node's own macrotasks — its timers, sockets, `fs` callbacks, `dns` — get a turn only at one
 *   moment: just before the loop blocks, it yields once to Node (`setImmediate`), because that
 *   is the only way to let every pending promise continuation finish before the thread stops.
 *   While the loop waits, and while it is busy, Node gets nothing. Pick it to run a
 *   Python-shaped program, or for throughput on a process that does nothing else.
 *
 * ## Not paying a syscall per callback
 *
 * asyncio polls the selector once per iteration, even when callbacks are ready (timeout 0). One
 * `epoll_wait(0)` costs about a microsecond here, more than running a small callback, so while
 * callbacks keep coming this loop polls for I/O at most every {@link POLL_INTERVAL_MS} ms
 * instead. I/O is never starved: with callbacks ready it waits at most that long, and whenever
 * nothing is ready the loop polls or waits in every iteration. Timers are checked every iteration.
 *
 * ## Invariants
 *
 * - Callbacks run only inside `runOnce` (step 5), one at a time, in the order they became ready.
 * - Callbacks added while step 5 runs go to the next iteration: a callback that reschedules
 *   itself cannot keep the loop from its I/O.
 * - `#parked` is true exactly while a `selectAsync` wait is in flight; only then is the waker
 *   written.
 */
import {
  BaseSelector,
  DefaultSelector,
  EVENT_READ,
  EVENT_WRITE,
  OSError,
  Waker,
  fileobjToFd,
  isFdOpen,
  type FileObj,
  type Ready,
  type SelectorKey,
} from '@aio/selector';
import { setImmediate as yieldToNode } from 'node:timers/promises';
import {
  InvalidArgumentError,
  LoopClosedError,
  LoopRunningError,
  LoopStoppedError,
} from './errors';
import { formatExceptionContext, type ExceptionContext, type LogSink } from './exceptions';
import { formatValue } from './format';
import { Handle, TimerHandle, type Callback, type HandleOwner } from './handles';
import { loopState } from './state';
import { TimerHeap } from './timer-heap';

export type LoopMode = 'hosted' | 'blocking';

export interface EventLoopOptions {
  /** The selector to wait with (the loop owns it and closes it). Default: a new `DefaultSelector`. */
  selector?: BaseSelector;
  /** `'hosted'` (default) or `'blocking'`: see the module comment. */
  mode?: LoopMode;
  /** Debug mode: handles record where they were created, slow callbacks are reported. */
  debug?: boolean;
  /** The clock behind `time()`, in milliseconds. Default: `performance.now`. */
  clock?: () => number;
  /** Where the default exception handler and slow-callback warnings write. Default: `console.error`. */
  log?: LogSink;
}

/** Anything the loop can run from its ready queue: a Handle, or an object of a layer above. */
export interface Runnable {
  run(): void;
  cancelled(): boolean;
  /** How debug mode names it in a slow-callback report. */
  toString(): string;
}

/** The custom exception handler's shape: asyncio's `handler(loop, context)`. */
export type ExceptionHandler = (loop: EventLoop, context: ExceptionContext) => void;

/**
 * What `runUntilComplete` waits on: asyncio's Future, described structurally so that
 * @aio/future can satisfy it without this package importing upward.
 */
export interface FutureLike<T> {
  done(): boolean;
  result(): T;
  addDoneCallback(callback: (future: never) => void): void;
  removeDoneCallback?(callback: (future: never) => void): number;
}

/** With callbacks ready, poll for I/O at most this often (ms): 50 µs. */
export const POLL_INTERVAL_MS = 0.05;
/**
 * Parking a wait off-thread and being woken costs tens of microseconds, more than a whole
 * request/response turn on loopback. So a hosted loop that saw I/O within the last
 * SPIN_WINDOW_MS keeps polling for up to SPIN_MS before it parks. An idle loop parks at once.
 */
export const SPIN_MS = 0.1;
export const SPIN_WINDOW_MS = 1;
/** Microtask turns the spin lets pass between two polls. */
const SPIN_TURNS_PER_POLL = 4;
/** A busy hosted loop hands the thread back to Node at least this often (ms). */
export const HOST_SLICE_MS = 4;
/** While fds are registered, check for ones closed behind the loop's back this often (ms). */
export const FD_AUDIT_INTERVAL_MS = 1000;
/**
 * The most fds one audit checks (a syscall each), going round the watched fds in turn: a server
 * holding 10,000 idle connections checks each every 10 s instead of spending 10,000 syscalls and
 * their garbage every second.
 */
export const FD_AUDIT_BATCH = 1024;
/** A blocking loop with foreign promises pending waits at most this long at a time (ms). */
export const FOREIGN_SLICE_MS = 1;
/** The longest single wait (asyncio's MAXIMUM_SELECT_TIMEOUT): one day. */
const MAX_WAIT_MS = 24 * 3600 * 1000;

/** The reader and writer of one fd: the `data` of its selector key. */
interface FdHandles {
  reader: Handle | null;
  writer: Handle | null;
  /** When (loop time) the last handler was removed lazily (see #removeHandler). */
  idleSince: number;
}

/**
 * How long (ms) a lazily kept reader registration may see events with nobody to call before it
 * is really dropped (a writer's goes at its first such event, see #dispatch): long enough for a
 * coroutine or an async function's continuation (a loop iteration and a few microtask turns
 * away) to come back for its next read.
 */
const IDLE_GRACE_MS = 1;

type State = 'stopped' | 'running' | 'closed';
const NO_EVENTS: Ready[] = [];
/** Awaiting a settled promise yields one microtask turn, without allocating a new promise. */
const MICROTASK_TURN: Promise<void> = Promise.resolve();

export class EventLoop implements HandleOwner {
  // #region fields
  #ready: Runnable[] = [];
  #spare: Runnable[] = [];
  readonly #timers = new TimerHeap();
  readonly #selector: BaseSelector<FdHandles | null>;
  readonly #waker: Waker;
  readonly #wakerFd: number;
  readonly #mode: LoopMode;
  readonly #clock: () => number;
  readonly #log: LogSink;
  #debug: boolean;
  #state: State = 'stopped';
  #stopping = false;
  #parked = false;
  #parkUntil = Infinity;
  #lastPoll = -Infinity;
  /** When the selector last reported a ready fd (other than the waker). */
  #lastIo = -Infinity;
  #nextAudit = Infinity;
  /** Where the fd audit goes on from: a live iterator over the selector's map (see #auditFds). */
  #auditCursor: Iterator<SelectorKey<FdHandles | null>> | null = null;
  #exceptionHandler: ExceptionHandler | null = null;
  readonly #closeCallbacks: ((loop: EventLoop) => void)[] = [];
  /** Foreign promises the loop's work waits on (see keepAwakeUntil). */
  #foreignPending = 0;
  // #endregion fields

  /** Debug mode reports callbacks that take at least this long (ms). asyncio: 100 ms. */
  slowCallbackDurationMs = 100;

  constructor(options: EventLoopOptions = {}) {
    const mode = options.mode ?? 'hosted';
    if (mode !== 'hosted' && mode !== 'blocking') {
      throw new InvalidArgumentError(
        `EventLoop() expected mode 'hosted' or 'blocking', got ${formatValue(mode)}`,
      );
    }
    this.#mode = mode;
    this.#debug = options.debug ?? false;
    this.#clock = options.clock ?? performance.now.bind(performance);
    this.#log = options.log ?? ((text) => console.error(text));
    this.#selector = (options.selector ?? new DefaultSelector()) as BaseSelector<FdHandles | null>;
    this.#waker = new Waker();
    this.#wakerFd = this.#waker.fileno();
    try {
      this.#selector.register(this.#waker, EVENT_READ, null);
    } catch (err) {
      this.#waker.close();
      throw err;
    }
  }

  get mode(): LoopMode {
    return this.#mode;
  }

  /** The loop's clock: monotonic milliseconds (fractional). Timers are in this unit. */
  time(): number {
    return this.#clock();
  }

  // ─── Scheduling callbacks ──────────────────────────────────────────────────────────────────

  // #region callSoon
  /**
   * Runs `callback(...args)` on the next iteration, after the callbacks already waiting (FIFO).
   * @example
   * ```ts
   * loop.callSoon(console.log, 'hello from the loop');
   * ```
   */
  callSoon<A extends unknown[]>(callback: Callback<A>, ...args: A): Handle {
    this.#checkOpen('callSoon');
    checkCallback(callback, 'callSoon');
    const handle = new Handle(callback, args, this);
    this.#ready.push(handle);
    if (this.#parked) this.#waker.wake();
    return handle;
  }

  /**
   * Puts `runnable` on the ready queue, as `callSoon` does with the Handle it makes: for layers
   * above that schedule the same object many times (a Task scheduling its own steps) without
   * allocating a Handle each time. Its `run()` must not throw: it reports its own errors through
   * `callExceptionHandler`. It is skipped if `cancelled()` is true when its turn comes.
   */
  schedule(runnable: Runnable): void {
    this.#checkOpen('schedule');
    this.#ready.push(runnable);
    if (this.#parked) this.#waker.wake();
  }
  // #endregion callSoon

  // #region callLater
  /** Runs `callback(...args)` once `delayMs` milliseconds have passed (never earlier). */
  callLater<A extends unknown[]>(delayMs: number, callback: Callback<A>, ...args: A): TimerHandle {
    checkTime(delayMs, 'callLater', 'delayMs');
    return this.#schedule(this.time() + (delayMs > 0 ? delayMs : 0), callback, args, 'callLater');
  }

  /** Runs `callback(...args)` once `time()` reaches `when` (never earlier). */
  callAt<A extends unknown[]>(when: number, callback: Callback<A>, ...args: A): TimerHandle {
    checkTime(when, 'callAt', 'when');
    return this.#schedule(when, callback, args, 'callAt');
  }

  #schedule(when: number, callback: Callback, args: unknown[], method: string): TimerHandle {
    this.#checkOpen(method);
    checkCallback(callback, method);
    const timer = new TimerHandle(when, callback, args, this);
    this.#timers.push(timer);
    if (this.#parked && when < this.#parkUntil) this.#waker.wake();
    return timer;
  }
  // #endregion callLater

  /** @internal Called by a scheduled TimerHandle's `cancel()`. */
  timerHandleCancelled(_handle: TimerHandle): void {
    this.#timers.noteCancelled();
  }

  // ─── Watching file descriptors ─────────────────────────────────────────────────────────────

  /**
   * Calls `callback(...args)` whenever `fd` is readable (level-triggered: again and again while
   * data is there), until `removeReader`. A second reader on the same fd replaces the first.
   */
  addReader<A extends unknown[]>(fd: FileObj, callback: Callback<A>, ...args: A): Handle {
    return this.#addHandler(fd, EVENT_READ, callback, args, 'addReader');
  }

  /** Stops watching `fd` for reading. Returns false if it had no reader. */
  removeReader(fd: FileObj): boolean {
    return this.#removeHandler(fd, EVENT_READ);
  }

  /** Calls `callback(...args)` whenever `fd` is writable, until `removeWriter`. */
  addWriter<A extends unknown[]>(fd: FileObj, callback: Callback<A>, ...args: A): Handle {
    return this.#addHandler(fd, EVENT_WRITE, callback, args, 'addWriter');
  }

  /** Stops watching `fd` for writing. Returns false if it had no writer. */
  removeWriter(fd: FileObj): boolean {
    return this.#removeHandler(fd, EVENT_WRITE);
  }

  // #region addHandler
  #addHandler(
    fileobj: FileObj,
    event: number,
    callback: Callback,
    args: unknown[],
    method: string,
  ): Handle {
    this.#checkOpen(method);
    checkCallback(callback, method);
    const fd = fileobjToFd(fileobj, method);
    if (fd === this.#wakerFd) {
      throw new InvalidArgumentError(`${method}() got fd ${fd}, which is the loop's own waker`);
    }
    const handle = new Handle(callback, args, this);
    let key = this.#selector.getMap().get(fd);
    if (key !== undefined && key.data !== null && key.fileobj !== fileobj && isIdle(key.data)) {
      // Only a lazily kept registration is left, made for another object: the fd may have been
      // closed and its number reused since, so the kernel's registration may be gone. Start afresh.
      this.#selector.unregister(fd);
      key = undefined;
    }
    if (key !== undefined && (key.events & event) === 0) {
      // The other direction stays watched only if someone still waits on it: one epoll_ctl adds
      // this one and drops the other's lazily kept registration (a socket that connected, then
      // reads, goes from EPOLLOUT to EPOLLIN in one call instead of two).
      const otherEvent = event === EVENT_READ ? EVENT_WRITE : EVENT_READ;
      const other = event === EVENT_READ ? key.data!.writer : key.data!.reader;
      const keep = other !== null && !other.cancelled() ? key.events : 0;
      // A cancelled handle dropped here counts as removed, as #noteIdle would have made it.
      if (keep === 0 && other !== null) this.#setHandle(key.data!, otherEvent, null);
      try {
        this.#selector.modify(fd, keep | event, key.data);
      } catch (err) {
        // The kernel forgot this fd: it was closed behind our back (and its number reused).
        // Report the stale registration and start afresh.
        if (!(err instanceof OSError) || (err.code !== 'ENOENT' && err.code !== 'EBADF')) throw err;
        this.#selector.unregister(fd);
        if (!isIdle(key.data!)) this.#reportClosedFd(fd, key.data!);
        key = undefined;
      }
    }
    if (key === undefined) {
      const handles: FdHandles = { reader: null, writer: null, idleSince: 0 };
      this.#setHandle(handles, event, handle);
      this.#selector.register(fileobj, event, handles);
    } else {
      const handles = key.data!;
      const previous = event === EVENT_READ ? handles.reader : handles.writer;
      this.#setHandle(handles, event, handle);
      previous?.cancel();
    }
    if (this.#nextAudit === Infinity) this.#nextAudit = this.time() + FD_AUDIT_INTERVAL_MS;
    if (this.#parked) this.#waker.wake();
    return handle;
  }
  // #endregion addHandler

  /**
   * An event found no live handler for `event`: a handler whose Handle was cancelled counts as
   * removed (asyncio's rule: a cancelled reader is removed when its fd next fires, so it cannot
   * keep a level-triggered poll spinning). Returns true.
   */
  #noteIdle(handles: FdHandles, event: number, handle: Handle | null): boolean {
    if (handle !== null) {
      this.#setHandle(handles, event, null);
      handles.idleSince = this.#lastPoll;
    }
    return true;
  }

  #setHandle(handles: FdHandles, event: number, handle: Handle | null): void {
    if (event === EVENT_READ) handles.reader = handle;
    else handles.writer = handle;
  }

  // #region removeHandler
  /**
   * Removes a reader or writer. For a file object (a Socket), the kernel registration is kept
   * for now: the common pattern — a `sockRecv` finishes, the coroutine sends, and reads again —
   * adds the same reader right back, and keeping it saves two `epoll_ctl` calls per message.
   * The registration really goes when an event finds nobody to call (one `epoll_ctl` then; for a
   * reader, once IDLE_GRACE_MS has passed), or is replaced if another object brings the same fd
   * number. A raw fd number is removed at once: nothing tells the loop whether that number still
   * means the same file.
   */
  #removeHandler(fileobj: FileObj, event: number): boolean {
    if (this.#state === 'closed') return false;
    const key = this.#keyOf(fileobj);
    if (key === undefined || key.data === null) return false;
    const handles = key.data;
    const previous = event === EVENT_READ ? handles.reader : handles.writer;
    if (previous === null) return false;
    this.#setHandle(handles, event, null);
    const wasLive = !previous.cancelled(); // a cancelled Handle counted as removed already
    previous.cancel();
    // The last poll's time, not a fresh clock read: the grace period is a heuristic, and this
    // runs for every finished socket operation.
    handles.idleSince = this.#lastPoll;
    if (typeof key.fileobj === 'number') {
      this.#syncRegistration(key);
      if (this.#parked) this.#waker.wake();
    }
    return wasLive;
  }

  /** Makes the kernel watch exactly the events that have a handler (unregistering if none). */
  #syncRegistration(key: SelectorKey<FdHandles | null>): void {
    const handles = key.data!;
    const wanted =
      (handles.reader !== null ? EVENT_READ : 0) | (handles.writer !== null ? EVENT_WRITE : 0);
    if (wanted === key.events) return;
    if (wanted === 0) this.#selector.unregister(key.fd);
    else this.#selector.modify(key.fd, wanted, handles);
  }
  // #endregion removeHandler

  #keyOf(fileobj: FileObj): SelectorKey<FdHandles | null> | undefined {
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

  // ─── Running ───────────────────────────────────────────────────────────────────────────────

  /**
   * Runs the loop until `stop()`. Returns a Promise that settles when it has stopped.
   * @throws LoopRunningError if this or another loop is already running
   * @throws LoopClosedError if the loop is closed
   */
  runForever(): Promise<void> {
    this.#checkOpen('runForever');
    if (this.#state === 'running') throw new LoopRunningError('This event loop is already running');
    if (loopState.running !== null) {
      throw new LoopRunningError(
        `Cannot run the event loop while another loop is running (${String(loopState.running)})`,
      );
    }
    this.#state = 'running';
    loopState.running = this;
    const run = this.#mode === 'hosted' ? this.#runHosted() : this.#runBlocking();
    return run.finally(() => {
      this.#stopping = false;
      this.#parked = false;
      if (this.#state === 'running') this.#state = 'stopped';
      if (loopState.running === this) loopState.running = null;
    });
  }

  /**
   * Runs the loop until `future` is done and returns its result (or throws its exception).
   * `future` is anything with `done()`, `result()` and `addDoneCallback()` — an aio Future or
   * Task — or a plain Promise.
   */
  async runUntilComplete<T>(future: FutureLike<T> | PromiseLike<T>): Promise<T> {
    if (isFutureLike<T>(future)) {
      const onDone = (): void => this.stop();
      future.addDoneCallback(onDone);
      try {
        await this.runForever();
      } finally {
        future.removeDoneCallback?.(onDone);
      }
      if (!future.done()) throw new LoopStoppedError('Event loop stopped before Future completed.');
      return future.result();
    }
    if (!isPromiseLike<T>(future)) {
      throw new InvalidArgumentError(
        `runUntilComplete() expected a Future (done, result, addDoneCallback) or a Promise, got ${formatValue(future)}`,
      );
    }
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    future.then(
      (value) => {
        outcome = { ok: true, value };
        this.stop();
      },
      (error: unknown) => {
        outcome = { ok: false, error };
        this.stop();
      },
    );
    await this.runForever();
    if (outcome === undefined)
      throw new LoopStoppedError('Event loop stopped before the Promise settled.');
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /**
   * Calls `callback(loop)` when the loop closes, before it lets go of its resources (an upper
   * layer reports its unretrieved exceptions there). Returns a function that unregisters it.
   */
  addCloseCallback(callback: (loop: EventLoop) => void): () => void {
    checkCallback(callback, 'addCloseCallback');
    this.#closeCallbacks.push(callback);
    return () => {
      const i = this.#closeCallbacks.indexOf(callback);
      if (i >= 0) this.#closeCallbacks.splice(i, 1);
    };
  }

  /**
   * Tells the loop that a foreign promise (Node's fs, fetch, a timer …) will give it work when
   * it settles, so it must not sleep through it. A hosted loop needs nothing (Node runs while it
   * waits, and the work wakes it); a blocking loop then waits in slices of at most
   * {@link FOREIGN_SLICE_MS} ms, handing Node a turn between them, until the promise settles.
   */
  keepAwakeUntil(promise: PromiseLike<unknown>): void {
    if (this.#mode === 'hosted') return; // every Task of an async function comes here
    this.#foreignPending++;
    const settled = (): void => {
      this.#foreignPending--;
    };
    promise.then(settled, settled);
  }

  /** Stops the loop after the iteration that is running now. */
  stop(): void {
    this.#stopping = true;
    if (this.#parked) this.#waker.wake();
  }

  isRunning(): boolean {
    return this.#state === 'running';
  }

  isClosed(): boolean {
    return this.#state === 'closed';
  }

  /**
   * Closes the loop: drops pending callbacks and timers, closes the selector and the waker.
   * Closing twice is harmless. @throws LoopRunningError while running
   */
  close(): void {
    if (this.#state === 'running') throw new LoopRunningError('Cannot close a running event loop');
    if (this.#state === 'closed') return;
    // Close callbacks first, while the loop can still report what they find.
    for (const callback of this.#closeCallbacks.splice(0)) {
      try {
        callback(this);
      } catch (exception) {
        this.callExceptionHandler({ message: 'Exception in a close callback', exception });
      }
    }
    this.#state = 'closed';
    this.#ready = [];
    this.#spare = [];
    this.#timers.clear();
    this.#selector.close();
    this.#waker.close();
    if (loopState.current === this) loopState.current = null;
  }

  // Each iteration reads the clock once (about 40 ns a read here, a fifth of a whole iteration
  // of a callSoon chain) and passes `now` down; it is read again only after a wait.

  // #region runBlocking
  async #runBlocking(): Promise<void> {
    for (;;) {
      let now = this.time();
      let timeout = this.#prepare(now);
      let events: Ready<FdHandles | null>[];
      if (timeout === 0) {
        events = this.#pollIfDue(now);
      } else {
        events = this.#poll(now);
        if (events.length === 0) {
          // About to block this thread. First let every pending promise continuation finish (a
          // macrotask turn is the only way to drain the microtask queue): one of them may be
          // about to give the loop work, and it could not run while the thread is blocked.
          await yieldToNode();
          timeout = this.#prepare(this.time());
          // A foreign promise is pending: wake again soon to give Node its next turn.
          if (this.#foreignPending > 0 && (timeout < 0 || timeout > FOREIGN_SLICE_MS))
            timeout = FOREIGN_SLICE_MS;
          events = this.#wait(timeout);
          now = this.time();
        }
      }
      this.#dispatch(events, now);
      if (this.#stopping) return;
      // Let promise continuations (async functions awaiting what callbacks resolved) run.
      await MICROTASK_TURN;
    }
  }
  // #endregion runBlocking

  // #region runHosted
  async #runHosted(): Promise<void> {
    let sliceStart = this.time();
    for (;;) {
      let now = this.time();
      const timeout = this.#prepare(now);
      let events: Ready<FdHandles | null>[];
      if (timeout === 0) {
        events = this.#pollIfDue(now);
      } else {
        // Nothing ready: a cheap poll first; if I/O was flowing a moment ago, keep polling a
        // little (the next message is usually microseconds away); only then park off-thread.
        events = this.#poll(now);
        if (events.length === 0 && now - this.#lastIo < SPIN_WINDOW_MS)
          events = await this.#spin(timeout);
        if (events.length === 0 && this.#ready.length === 0 && !this.#stopping) {
          events = await this.#park(this.#prepare(this.time()));
          sliceStart = this.time();
        }
        now = this.time();
      }
      this.#dispatch(events, now);
      if (this.#stopping) return;
      if (now - sliceStart >= HOST_SLICE_MS) {
        // Busy for a while: let Node run its timers and I/O before going on.
        await yieldToNode();
        sliceStart = this.time();
      } else {
        await MICROTASK_TURN;
      }
    }
  }
  // #endregion runHosted

  /**
   * Polls for up to SPIN_MS (never past `timeout`), letting promise continuations run between
   * polls; returns as soon as there are events, or callbacks became ready meanwhile.
   */
  async #spin(timeout: number): Promise<Ready<FdHandles | null>[]> {
    let now = this.time();
    const deadline = now + (timeout < 0 ? SPIN_MS : Math.min(SPIN_MS, timeout));
    do {
      // A few microtask turns between polls: an async function's continuation (several turns
      // away) is often what will send the next message, and a poll before it runs finds nothing.
      for (let turn = 0; turn < SPIN_TURNS_PER_POLL; turn++) {
        await MICROTASK_TURN;
        if (this.#ready.length > 0 || this.#stopping) return NO_EVENTS as Ready<FdHandles | null>[];
      }
      now = this.time();
      const events = this.#poll(now);
      if (events.length > 0) return events;
    } while (now < deadline);
    return NO_EVENTS as Ready<FdHandles | null>[];
  }

  // #region park
  async #park(timeout: number): Promise<Ready<FdHandles | null>[]> {
    this.#parked = true;
    this.#parkUntil = timeout < 0 ? Infinity : this.time() + timeout;
    try {
      return await this.#selector.selectAsync(timeout < 0 ? null : timeout);
    } finally {
      this.#parked = false;
      this.#lastPoll = this.time();
    }
  }
  // #endregion park

  // #region runOnce
  /**
   * One iteration of the loop: asyncio's `_run_once`, and the only place callbacks run.
   *
   * Public so that a reader can drive a loop by hand (`while (!done) loop.runOnce()`, the article's
   * `loop()`); it waits on this thread, as blocking mode does.
   */
  runOnce(): void {
    this.#checkOpen('runOnce');
    const now = this.time();
    const timeout = this.#prepare(now);
    if (timeout === 0) {
      this.#dispatch(this.#pollIfDue(now), now);
    } else {
      const events = this.#wait(timeout);
      this.#dispatch(events, this.time());
    }
  }
  // #endregion runOnce

  // #region prepare
  /**
   * Steps 1 and 2 of an iteration.
   * 1. Drop cancelled timers from the top of the heap (the heap compacts itself when cancelled
   *    timers are more than half of it).
   * 2. Work out how long the selector may wait: not at all if callbacks are ready or the loop is
   *    stopping; until the next timer if there is one; else forever (-1). While fds are watched,
   *    no longer than the next check for fds closed behind the loop's back.
   */
  #prepare(now: number): number {
    this.#timers.dropCancelledHead();
    if (this.#ready.length > 0 || this.#stopping) return 0;
    let until = this.#nextAudit;
    const next = this.#timers.peek();
    if (next !== undefined && next.when < until) until = next.when;
    if (until === Infinity) return -1;
    return Math.min(Math.max(0, until - now), MAX_WAIT_MS);
  }
  // #endregion prepare

  /** Asks the selector what is ready right now, without waiting. */
  #poll(now: number): Ready<FdHandles | null>[] {
    this.#lastPoll = now;
    return this.#selector.select(0);
  }

  /** Waits on this thread for up to `timeout` ms (-1: until something happens). */
  #wait(timeout: number): Ready<FdHandles | null>[] {
    const events = this.#selector.select(timeout < 0 ? null : timeout);
    this.#lastPoll = this.time();
    return events;
  }

  /** With callbacks ready, poll for I/O only if the last poll is POLL_INTERVAL_MS old. */
  #pollIfDue(now: number): Ready<FdHandles | null>[] {
    return now - this.#lastPoll >= POLL_INTERVAL_MS
      ? this.#poll(now)
      : (NO_EVENTS as Ready<FdHandles | null>[]);
  }

  // #region dispatchIo
  /**
   * Steps 3 to 5 of an iteration, after the selector answered.
   * 3. Turn ready fds into ready callbacks: the reader and/or writer registered for each (the
   *    waker is only drained: its job was to end the wait).
   * 4. Move every timer whose `when` has come to the ready queue, in (when, schedule) order.
   * 5. Run exactly the callbacks that are ready now; those they schedule wait for the next
   *    iteration.
   */
  #dispatch(events: Ready<FdHandles | null>[], now: number): void {
    // 3. I/O events → ready callbacks
    for (let i = 0; i < events.length; i++) {
      const [key, mask] = events[i]!;
      const handles = key.data;
      if (handles === null) {
        this.#waker.drain();
        continue;
      }
      this.#lastIo = this.#lastPoll;
      let idleRead = false;
      let idleWrite = false;
      if (mask & EVENT_READ) {
        const reader = handles.reader;
        if (reader !== null && !reader.cancelled()) this.#ready.push(reader);
        else idleRead = this.#noteIdle(handles, EVENT_READ, reader);
      }
      if (mask & EVENT_WRITE) {
        const writer = handles.writer;
        if (writer !== null && !writer.cancelled()) this.#ready.push(writer);
        else idleWrite = this.#noteIdle(handles, EVENT_WRITE, writer);
      }
      // An event for a handler removed lazily (or cancelled): now drop that part of the
      // registration. At once for a raw fd number (it may mean another file by now) and for a
      // writer: a socket is writable nearly all the time, so a kept EPOLLOUT would be reported
      // by every poll of the grace period (some twenty of them on a busy loop, for each socket
      // that just connected). A socket object's reader gets the grace period: the coroutine
      // that just read is usually on its way back for the next chunk.
      if (
        idleWrite ||
        (idleRead &&
          (typeof key.fileobj === 'number' || this.#lastPoll - handles.idleSince >= IDLE_GRACE_MS))
      )
        this.#syncRegistration(key);
    }
    // #endregion dispatchIo

    // #region dispatchTimers
    // 4. due timers → ready callbacks
    for (
      let timer = this.#timers.peek();
      timer !== undefined && timer.when <= now;
      timer = this.#timers.peek()
    ) {
      this.#timers.pop();
      if (!timer.cancelled()) this.#ready.push(timer);
    }
    if (now >= this.#nextAudit) this.#auditFds(now);
    // #endregion dispatchTimers

    // #region runReady
    // 5. run what is ready now; callbacks added meanwhile go into the fresh queue
    const batch = this.#ready;
    if (batch.length === 0) return;
    this.#ready = this.#spare;
    try {
      if (this.#debug) this.#runDebug(batch);
      else for (let i = 0; i < batch.length; i++) if (!batch[i]!.cancelled()) batch[i]!.run();
    } finally {
      batch.length = 0;
      this.#spare = batch;
    }
    // #endregion runReady
  }

  #runDebug(batch: Runnable[]): void {
    for (const handle of batch) {
      if (handle.cancelled()) continue;
      const start = this.time();
      handle.run();
      const took = this.time() - start;
      if (took >= this.slowCallbackDurationMs)
        this.#log(`Executing ${handle.toString()} took ${took.toFixed(1)} ms`);
    }
  }

  /**
   * Finds fds that were closed while the loop still watched them. epoll forgets such an fd
   * silently (its reader would never run again) and poll reports it on every wait (a busy loop),
   * so every FD_AUDIT_INTERVAL_MS the loop asks the kernel whether watched fds are still open —
   * up to FD_AUDIT_BATCH of them, going round in turn — drops the ones that are not, and reports
   * them through the exception handler.
   */
  #auditFds(now: number): void {
    let stale: SelectorKey<FdHandles | null>[] | null = null;
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
      if (key.data !== null && !isFdOpen(key.fd)) (stale ??= []).push(key);
    }
    this.#auditCursor = cursor;
    for (const key of stale ?? []) {
      this.#selector.unregister(key.fd);
      // A registration kept lazily for a socket closed after its removeReader: nothing to report.
      if (!isIdle(key.data!)) this.#reportClosedFd(key.fd, key.data!);
    }
    this.#nextAudit = map.size > 1 ? now + FD_AUDIT_INTERVAL_MS : Infinity;
  }

  #reportClosedFd(fd: number, handles: FdHandles): void {
    const roles = [handles.reader && 'reader', handles.writer && 'writer']
      .filter(Boolean)
      .join(' and ');
    this.callExceptionHandler({
      message:
        `fd ${fd} was closed while the loop was watching it; its ${roles || 'registration'} was removed ` +
        '(call removeReader/removeWriter before closing an fd)',
      fd,
      handle: handles.reader ?? handles.writer ?? undefined,
    });
    handles.reader?.cancel();
    handles.writer?.cancel();
    handles.reader = handles.writer = null;
  }

  // ─── Errors and debugging ──────────────────────────────────────────────────────────────────

  /** Sets the handler for errors raised in callbacks (null restores the default). */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && typeof handler !== 'function') {
      throw new InvalidArgumentError(
        `setExceptionHandler() expected a function or null, got ${formatValue(handler)}`,
      );
    }
    this.#exceptionHandler = handler;
  }

  getExceptionHandler(): ExceptionHandler | null {
    return this.#exceptionHandler;
  }

  /** Reports an error: to the custom handler if one is set, else to `defaultExceptionHandler`. */
  callExceptionHandler(context: ExceptionContext): void {
    // A callback that met EBADF probably watches an fd closed behind the loop's back (poll keeps
    // reporting those): check the watched fds in this very iteration instead of a second later.
    if (context.exception instanceof OSError && context.exception.code === 'EBADF')
      this.#nextAudit = 0;
    if (this.#exceptionHandler === null) {
      this.defaultExceptionHandler(context);
      return;
    }
    try {
      this.#exceptionHandler(this, context);
    } catch (exception) {
      // The handler itself failed: say so, and what it was handling, without ever throwing.
      this.defaultExceptionHandler({
        message: 'Unhandled error in exception handler',
        exception,
        context,
      });
    }
  }

  /** Logs the message, every context entry, and the exception with its stack; the loop goes on. */
  defaultExceptionHandler(context: ExceptionContext): void {
    try {
      this.#log(formatExceptionContext(context));
    } catch {
      // A failing log sink must not take the loop down.
    }
  }

  setDebug(enabled: boolean): void {
    this.#debug = enabled;
  }

  getDebug(): boolean {
    return this.#debug;
  }

  #checkOpen(method: string): void {
    if (this.#state === 'closed')
      throw new LoopClosedError(`Event loop is closed: ${method}() on ${String(this)}`);
  }

  /** `<EventLoop running mode=hosted>`, `<EventLoop closed mode=blocking debug>` */
  toString(): string {
    return `<EventLoop ${this.#state} mode=${this.#mode}${this.#debug ? ' debug' : ''}>`;
  }

  get [Symbol.toStringTag](): string {
    return 'EventLoop';
  }
}

/**
 * True when an fd's registration has no live reader and no live writer left (a cancelled Handle
 * counts as removed); such a registration is kept lazily, see #removeHandler.
 */
function isIdle(handles: FdHandles): boolean {
  return (
    (handles.reader === null || handles.reader.cancelled()) &&
    (handles.writer === null || handles.writer.cancelled())
  );
}

function checkCallback(callback: unknown, method: string): void {
  if (typeof callback !== 'function') {
    throw new InvalidArgumentError(
      `${method}() expected a function as callback, got ${formatValue(callback)}`,
    );
  }
}

function checkTime(value: unknown, method: string, what: string): void {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new InvalidArgumentError(
      `${method}() expected ${what} in milliseconds, got ${formatValue(value)}`,
    );
  }
}

function isFutureLike<T>(x: unknown): x is FutureLike<T> {
  const f = x as Partial<FutureLike<T>> | null;
  return (
    typeof f === 'object' &&
    f !== null &&
    typeof f.done === 'function' &&
    typeof f.result === 'function' &&
    typeof f.addDoneCallback === 'function'
  );
}

function isPromiseLike<T>(x: unknown): x is PromiseLike<T> {
  return typeof (x as PromiseLike<T> | null)?.then === 'function';
}
