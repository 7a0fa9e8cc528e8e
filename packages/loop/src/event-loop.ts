/**
 * `EventLoop`: asyncio's `BaseEventLoop` + `SelectorEventLoop` on @aio/selector.
 *
 * The loop keeps three things: a FIFO of ready handles, a heap of timers, and the table of
 * watched fds (`Registrations`: each fd's reader and writer, as the data of its selector key).
 * `#turn()` is one turn of the wheel, asyncio's `_run_once` (read it first: it is the article's
 * `loop()` grown up). `runOnce()` runs one turn; `runForever()` runs turns until `stop()`.
 *
 * ## Three ways to wait
 *
 * A turn waits in one place, step 3, and only when no callback is ready. That wait is all that
 * differs between `runOnce()` and the two modes `runForever()` runs in:
 *
 * - `runOnce()` blocks this thread in the selector, as Python's `_run_once` does.
 * - `hosted` (default): polls (`select(0)`, one cheap syscall); if that finds nothing and I/O
 *   was flowing a moment ago, spins a little; then parks the wait on a libuv worker thread
 *   (`selectAsync`), so Node's timers, fs, sockets and promises all go on meanwhile. Anything that
 *   gives the loop work while it is parked — `callSoon`, an earlier timer, a new fd registration,
 *   `stop()` — writes the loop's `Waker`, which ends the wait at once (asyncio's self-pipe).
 * - `blocking`: polls; if that finds nothing, yields once to Node (`setImmediate`), because that
 *   is the only way to let every pending promise continuation finish before the thread stops;
 *   then blocks this thread in the selector, exactly as in Python. Node's own macrotasks — its
 *   timers, sockets, `fs` callbacks, `dns` — get a turn only at that moment: while the loop
 *   waits, and while it is busy, Node gets nothing. Pick it to run a Python-shaped program, or
 *   for throughput on a process that does nothing else.
 *
 * JavaScript has its own event loop (libuv) and its own microtask queue, and an `async` function
 * resumes only from that queue. So between two turns `runForever()` lets the microtask queue
 * drain (`await`), and a busy hosted loop hands the thread back to Node (`setImmediate`) at least
 * every {@link HOST_SLICE_MS} ms.
 *
 * ## Not paying a syscall per callback
 *
 * asyncio polls the selector once per iteration, even when callbacks are ready (timeout 0). One
 * `epoll_wait(0)` costs about a microsecond here, more than running a small callback, so while
 * callbacks keep coming this loop polls for I/O at most every {@link POLL_INTERVAL_MS} ms
 * instead. I/O is never starved: with callbacks ready it waits at most that long, and whenever
 * nothing is ready the loop polls or waits in every turn. Timers are checked every turn.
 *
 * ## Invariants
 *
 * - Callbacks run only inside `#turn` (step 5), one at a time, in the order they became ready.
 * - Callbacks added while step 5 runs go to the next turn: a callback that reschedules itself
 *   cannot keep the loop from its I/O.
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
  type FileObj,
  type Ready,
} from '@aio/selector';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToNode } from 'node:timers/promises';
import {
  InvalidArgumentError,
  LoopClosedError,
  LoopRunningError,
  LoopStoppedError,
} from './errors';
import { formatExceptionContext, type ExceptionContext, type LogSink } from './exceptions';
import { formatValue, isThenable } from '@aio/selector/internal';
import { Handle, TimerHandle, type Callback, type HandleOwner } from './handles';
import { KEEP_AWAKE_UNTIL, RUN, SCHEDULE, type Runnable } from './hooks';
import { Registrations, type FdHandlers } from './registrations';
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
/** A blocking loop with foreign promises pending waits at most this long at a time (ms). */
export const FOREIGN_SLICE_MS = 1;
/** The longest single wait (asyncio's MAXIMUM_SELECT_TIMEOUT): one day. */
const MAX_WAIT_MS = 24 * 3600 * 1000;

type Events = Ready<FdHandlers | null>[];
/**
 * How a turn waits in step 3 when no callback is ready: for at most `timeout` ms (-1: no limit),
 * from `now`. It returns what the selector reported: at once, or, if it had to give the thread
 * away first (to park off-thread, or to let Node run), through a promise.
 */
type Wait = (this: EventLoop, now: number, timeout: number) => Events | Promise<Events>;

type State = 'stopped' | 'running' | 'closed';
const NO_EVENTS: Events = [];
/** Awaiting a settled promise yields one microtask turn, without allocating a new promise. */
const MICROTASK_TURN: Promise<void> = Promise.resolve();
/**
 * The default clock. One function for every loop (and the waits below are methods, not
 * per-loop closures): optimized code that calls them then stays valid for the next loop, where
 * a bound function per loop made V8 deoptimize the turn when a second loop ran. `performance` is
 * node:perf_hooks' own, imported: the global one is a lazy accessor on `globalThis`, which every
 * call would go through (a LoadGlobalIC and a getter call, about 30 instructions per reading).
 */
const monotonic = (): number => performance.now();

export class EventLoop implements HandleOwner {
  // #region fields
  #ready: Runnable[] = [];
  #spare: Runnable[] = [];
  readonly #timers = new TimerHeap();
  readonly #selector: BaseSelector<FdHandlers | null>;
  /** The watched fds: their readers and writers, and when the kernel hears of a change. */
  readonly #fds: Registrations;
  readonly #waker: Waker;
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
  /** When a hosted loop next hands Node the thread (see #run); a blocking loop: never. */
  #sliceEnd = Infinity;
  #exceptionHandler: ExceptionHandler | null = null;
  readonly #closeCallbacks: ((loop: EventLoop) => void)[] = [];
  /** Foreign promises the loop's work waits on (see [KEEP_AWAKE_UNTIL]). */
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
    this.#clock = options.clock ?? monotonic;
    this.#log = options.log ?? ((text) => console.error(text));
    this.#selector = (options.selector ?? new DefaultSelector()) as BaseSelector<FdHandlers | null>;
    this.#waker = new Waker();
    try {
      this.#fds = new Registrations(this.#selector, this.#waker, {
        time: () => this.time(),
        callExceptionHandler: (context) => this.callExceptionHandler(context),
        // A wait parked on another thread watches what the kernel watched when it began.
        registrationsChanged: () => {
          if (this.#parked) this.#waker.wake();
        },
      });
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
   * allocating a Handle each time. Its `[RUN]()` must not throw: it reports its own errors through
   * `callExceptionHandler`. It is skipped if `cancelled()` is true when its turn comes.
   * A hook (`@aio/loop/internal`), not for application code.
   */
  [SCHEDULE](runnable: Runnable): void {
    this.#checkOpen('callSoon');
    this.#ready.push(runnable);
    if (this.#parked) this.#waker.wake();
  }
  // #endregion callSoon

  // #region callLater
  /** Runs `callback(...args)` once `delayMs` milliseconds have passed (never earlier). */
  callLater<A extends unknown[]>(delayMs: number, callback: Callback<A>, ...args: A): TimerHandle {
    checkTime(delayMs, 'callLater', 'delayMs');
    return this.#scheduleTimer(
      this.time() + (delayMs > 0 ? delayMs : 0),
      callback,
      args,
      'callLater',
    );
  }

  /** Runs `callback(...args)` once `time()` reaches `when` (never earlier). */
  callAt<A extends unknown[]>(when: number, callback: Callback<A>, ...args: A): TimerHandle {
    checkTime(when, 'callAt', 'when');
    return this.#scheduleTimer(when, callback, args, 'callAt');
  }

  #scheduleTimer(when: number, callback: Callback, args: unknown[], method: string): TimerHandle {
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

  /** Calls `callback(...args)` whenever `fd` is writable, until `removeWriter`. */
  addWriter<A extends unknown[]>(fd: FileObj, callback: Callback<A>, ...args: A): Handle {
    return this.#addHandler(fd, EVENT_WRITE, callback, args, 'addWriter');
  }

  // #region addHandler
  /**
   * A new Handle for the fd's reader or writer. The table (`Registrations`) decides what the
   * kernel is told: nothing at all when the fd's registration was kept since its last removal.
   */
  #addHandler(
    fileobj: FileObj,
    event: number,
    callback: Callback,
    args: unknown[],
    method: string,
  ): Handle {
    this.#checkOpen(method);
    checkCallback(callback, method);
    const handle = new Handle(callback, args, this);
    this.#fds.add(fileobj, event, handle, method);
    return handle;
  }
  // #endregion addHandler

  // #region removeHandler
  /**
   * Stops watching `fd` for reading. Returns false if it had no reader. On a socket object the
   * kernel's registration is kept for a moment, for the reader that usually comes right back
   * (see `Registrations`); a raw fd number is removed at once.
   */
  removeReader(fd: FileObj): boolean {
    // The last poll's time starts a kept reader's grace period, not a fresh clock read: the
    // grace period is a heuristic, and this runs for every finished socket operation.
    return this.#state !== 'closed' && this.#fds.remove(fd, EVENT_READ, this.#lastPoll);
  }

  /** Stops watching `fd` for writing. Returns false if it had no writer. */
  removeWriter(fd: FileObj): boolean {
    return this.#state !== 'closed' && this.#fds.remove(fd, EVENT_WRITE, this.#lastPoll);
  }
  // #endregion removeHandler

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
    return this.#run().finally(() => {
      this.#stopping = false;
      this.#parked = false;
      if (this.#state === 'running') this.#state = 'stopped';
      if (loopState.running === this) loopState.running = null;
    });
  }

  // #region run
  /**
   * `runForever`'s engine: turns with this mode's wait until `stop()`. Between two turns it lets
   * the microtask queue drain (async functions awaiting what the callbacks resolved continue
   * there); a hosted loop busy for HOST_SLICE_MS gives Node a macrotask turn instead, so Node's
   * own timers and I/O are never starved. A blocking loop gives Node nothing while busy.
   */
  async #run(): Promise<void> {
    const wait = this.#mode === 'hosted' ? this.#waitHosted : this.#waitBlocking;
    this.#newSlice(this.time());
    for (;;) {
      const waiting = this.#turn(wait);
      // The wait gave the thread away: the next turn takes what it found (and does not wait).
      if (waiting !== undefined) void this.#turn(wait, await waiting);
      if (this.#stopping) return;
      // The time of the last poll, not a clock read: a turn polls at least every
      // POLL_INTERVAL_MS, or waits, which polls.
      if (this.#lastPoll >= this.#sliceEnd) {
        await yieldToNode();
        this.#newSlice(this.time());
      } else {
        await MICROTASK_TURN;
      }
    }
  }

  /** Node has just had the thread: a hosted loop's next slice begins at `now`. */
  #newSlice(now: number): void {
    this.#sliceEnd = this.#mode === 'hosted' ? now + HOST_SLICE_MS : Infinity;
  }
  // #endregion run

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
    if (!isThenable(future)) {
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
    // The promise may settle from Node's side (a Node timer, fs, fetch): a blocking loop must
    // not sleep through that.
    this[KEEP_AWAKE_UNTIL](future);
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
   * A hook (`@aio/loop/internal`): application code uses `wrapPromise` (@aio/future).
   */
  [KEEP_AWAKE_UNTIL](promise: PromiseLike<unknown>): void {
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

  // ─── One turn ──────────────────────────────────────────────────────────────────────────────

  // #region runOnce
  /**
   * One turn of the loop, waiting on this thread if nothing is ready (as blocking mode does).
   * Public so that a reader can drive a loop by hand (`while (!done) loop.runOnce()`, the
   * article's `loop()`).
   */
  runOnce(): void {
    this.#checkOpen('runOnce');
    void this.#turn(this.#waitHere);
  }
  // #endregion runOnce

  // #region turn
  /**
   * One turn of the wheel: asyncio's `_run_once`, and the only place callbacks run.
   *
   * 1. Drop cancelled timers from the top of the heap (the heap compacts itself when cancelled
   *    timers are more than half of it).
   * 2. Work out how long the selector may wait: not at all if callbacks are ready or the loop is
   *    stopping; until the next timer if there is one; else forever (-1). While fds are watched,
   *    no longer than the next check for fds closed behind the loop's back.
   * 3. Ask the selector what is ready, and turn each ready fd into its reader and/or writer
   *    callback. With callbacks ready the loop polls, and only every POLL_INTERVAL_MS; otherwise
   *    it waits the way its caller does (`wait`: see the module comment). A wait that has to
   *    give the thread away first (to park off-thread, or to let Node run) returns a promise
   *    instead: the turn ends there, returning it, and the caller runs the next turn with what
   *    it delivers (`waited`), in place of asking the selector again.
   * 4. Move every timer whose `when` has come to the ready queue, in (when, schedule) order.
   * 5. Run exactly the callbacks that are ready now; those they schedule wait for the next turn.
   *
   * The clock is read once per turn (about 40 ns a read here, a fifth of a whole turn of a
   * callSoon chain). A wait reads it again only if it really waited: from then on, the time of
   * its last poll is the turn's time.
   */
  #turn(wait: Wait, waited?: Events): Promise<Events> | undefined {
    let now = this.time();
    // 1. and 2.: the longest wait, in ms (0: none, -1: no limit)
    const timeout = this.#prepare(now);

    // #region dispatchIo
    // 3. what is ready → ready callbacks (the fd table also drops the kept registrations an
    //    event found idle, and drains the waker)
    let events: Events;
    if (waited !== undefined) {
      events = waited;
    } else if (timeout === 0) {
      events = this.#pollIfDue(now);
    } else {
      const answer = wait.call(this, now, timeout);
      if (!Array.isArray(answer)) return answer;
      events = answer;
      now = this.#lastPoll;
    }
    if (events.length > 0 && this.#fds.collect(events, this.#ready, this.#lastPoll))
      this.#lastIo = this.#lastPoll;
    // #endregion dispatchIo

    // #region dispatchTimers
    // 4. due timers → ready callbacks; the fd audit, when it is due
    for (
      let timer = this.#timers.peek();
      timer !== undefined && timer.when <= now;
      timer = this.#timers.peek()
    ) {
      this.#timers.pop();
      if (!timer.cancelled()) this.#ready.push(timer);
    }
    if (now >= this.#fds.nextAudit) this.#fds.audit(now, this.#ready);
    // #endregion dispatchTimers

    // #region runReady
    // 5. run what is ready now; callbacks added meanwhile go into the fresh queue
    const batch = this.#ready;
    if (batch.length === 0) return undefined;
    this.#ready = this.#spare;
    try {
      if (this.#debug) this.#runDebug(batch);
      else for (let i = 0; i < batch.length; i++) if (!batch[i]!.cancelled()) batch[i]![RUN]();
    } finally {
      batch.length = 0;
      this.#spare = batch;
    }
    return undefined;
    // #endregion runReady
  }
  // #endregion turn

  // #region prepare
  /** Steps 1 and 2 of a turn (see #turn); the waits ask again after giving the thread away. */
  #prepare(now: number): number {
    this.#timers.dropCancelledHead();
    if (this.#ready.length > 0 || this.#stopping) return 0;
    let until = this.#fds.nextAudit;
    const next = this.#timers.peek();
    if (next !== undefined && next.when < until) until = next.when;
    if (until === Infinity) return -1;
    return Math.min(Math.max(0, until - now), MAX_WAIT_MS);
  }
  // #endregion prepare

  #runDebug(batch: Runnable[]): void {
    for (const handle of batch) {
      if (handle.cancelled()) continue;
      const start = this.time();
      handle[RUN]();
      const took = this.time() - start;
      if (took >= this.slowCallbackDurationMs)
        this.#log(`Executing ${handle.toString()} took ${took.toFixed(1)} ms`);
    }
  }

  // ─── Step 3: asking the selector ───────────────────────────────────────────────────────────

  /** Asks the selector what is ready right now, without waiting. */
  #poll(now: number): Events {
    this.#lastPoll = now;
    return this.#selector.select(0);
  }

  /** With callbacks ready, poll for I/O only if the last poll is POLL_INTERVAL_MS old. */
  #pollIfDue(now: number): Events {
    return now - this.#lastPoll >= POLL_INTERVAL_MS ? this.#poll(now) : NO_EVENTS;
  }

  /** Waits on this thread for up to `timeout` ms (-1: until something happens). */
  #block(timeout: number): Events {
    const events = this.#selector.select(timeout < 0 ? null : timeout);
    this.#lastPoll = this.time();
    return events;
  }

  /** runOnce's wait: block this thread. */
  #waitHere(_now: number, timeout: number): Events {
    return this.#block(timeout);
  }

  // #region runBlocking
  /** Blocking mode's wait: poll; if nothing is ready, give Node one turn, then block. */
  #waitBlocking(now: number): Events | Promise<Events> {
    const events = this.#poll(now);
    return events.length > 0 ? events : this.#yieldThenBlock();
  }

  async #yieldThenBlock(): Promise<Events> {
    // About to block this thread. First let every pending promise continuation finish (a
    // macrotask turn is the only way to drain the microtask queue): one of them may be about to
    // give the loop work, and it could not run while the thread is blocked.
    await yieldToNode();
    let timeout = this.#prepare(this.time());
    // A foreign promise is pending: wake again soon to give Node its next turn.
    if (this.#foreignPending > 0 && (timeout < 0 || timeout > FOREIGN_SLICE_MS))
      timeout = FOREIGN_SLICE_MS;
    return this.#block(timeout);
  }
  // #endregion runBlocking

  // #region runHosted
  /**
   * Hosted mode's wait: poll; if nothing is ready and I/O was flowing a moment ago, keep polling
   * a little (the next message is usually microseconds away); only then park off-thread.
   */
  #waitHosted(now: number, timeout: number): Events | Promise<Events> {
    const events = this.#poll(now);
    if (events.length > 0) return events;
    if (now - this.#lastIo < SPIN_WINDOW_MS) return this.#spinThenPark(timeout);
    return this.#park(this.#prepare(this.time()));
  }

  /**
   * Polls for up to SPIN_MS (never past `timeout`), letting promise continuations run between
   * polls, and parks if that found nothing; returns as soon as there are events, or callbacks
   * became ready meanwhile.
   */
  async #spinThenPark(timeout: number): Promise<Events> {
    let now = this.time();
    const deadline = now + (timeout < 0 ? SPIN_MS : Math.min(SPIN_MS, timeout));
    do {
      // A few microtask turns between polls: an async function's continuation (several turns
      // away) is often what will send the next message, and a poll before it runs finds nothing.
      for (let turn = 0; turn < SPIN_TURNS_PER_POLL; turn++) {
        await MICROTASK_TURN;
        if (this.#ready.length > 0 || this.#stopping) return NO_EVENTS;
      }
      now = this.time();
      const events = this.#poll(now);
      if (events.length > 0) return events;
    } while (now < deadline);
    return await this.#park(this.#prepare(this.time()));
  }
  // #endregion runHosted

  // #region park
  /** Waits off the main thread (libuv's pool) until the selector answers or the waker ends it. */
  async #park(timeout: number): Promise<Events> {
    this.#parked = true;
    this.#parkUntil = timeout < 0 ? Infinity : this.time() + timeout;
    try {
      return await this.#selector.selectAsync(timeout < 0 ? null : timeout);
    } finally {
      this.#parked = false;
      this.#lastPoll = this.time();
      this.#newSlice(this.#lastPoll); // Node had the thread meanwhile
    }
  }
  // #endregion park

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
      this.#fds.auditSoon();
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
