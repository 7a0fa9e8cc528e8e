/**
 * tornado's `Queue`, `PriorityQueue` and `LifoQueue`: the coroutine layer's queues (they are
 * subclasses, so one `instanceof` works across the layers) with tornado's `timeout` on `get()`,
 * `put()` and `join()`, and tornado's constructor, `new Queue(maxsize)`.
 *
 * A timed-out get or put has left its line at once, so it never takes an item or puts its own
 * later, and it does not count against anyone (tornado leaves expired waiters in its deques
 * until the next get or put sweeps them). Everything else is the coroutine layer's: first come
 * first served on both sides, and a `yield*` of a get (a put) cancelled at the moment it is
 * served passes the item (the room) to the next in line. See TimedWait for how the two fit.
 */
import { Future } from '@aio/future';
import { formatValue } from '@aio/selector/internal';
import { PriorityQueue as CoroutinePriorityQueue, Queue as CoroutineQueue } from '@aio/coroutine';
import type { Timeout } from '../internal/timeout';
import { deadlineOrNull } from '../locks/deadline';
import { TimedWait } from '../locks/timed-wait';

/**
 * Coordinates producer and consumer coroutines — tornado's `queues.Queue`. `put()` waits while
 * the queue holds `maxsize` items (0: no limit), `get()` while it is empty; `taskDone()` and
 * `join()` count the items handled. Each of them takes an optional `timeout`: a deadline in
 * `loop.time()` milliseconds, or a Timedelta from now; past it, the call fails with TimeoutError.
 * @example
 * ```ts
 * const q = new Queue<number>(2);
 * async function consumer() {
 *   for await (const item of q) {
 *     try { await work(item); } finally { q.taskDone(); }
 *   }
 * }
 * async function producer() {
 *   for (let item = 0; item < 5; item++) await q.put(item);
 * }
 * // in a generator task:
 * const item = yield* q.get(timedelta({ seconds: 1 }));
 * ```
 */
export class Queue<T> extends CoroutineQueue<T> {
  /** @param maxsize how many items before `put()` waits; 0 (the default) for no limit
   * @throws TypeError unless a number; RangeError unless a whole number, 0 or more */
  constructor(maxsize = 0) {
    if (typeof maxsize !== 'number')
      throw new TypeError(
        `${new.target.name}(maxsize) expected a number (0: no limit), got ${formatValue(maxsize)}`,
      );
    super({ maxsize });
  }

  /**
   * Puts `item` in, waiting while the queue is full: a Future (`yield*` or `await` it). With a
   * `timeout`, fails with TimeoutError if no room came by then, and the item was not put.
   * @throws TypeError for a timeout that is not a number or a Timedelta
   */
  override put(item: T, timeout?: Timeout | null): Future<void> {
    const deadline = deadlineOrNull(timeout, `${this.constructor.name}.put`);
    return this.#within(super.put(item), deadline, `${this.constructor.name}.put()`);
  }

  /**
   * Takes the next item out, waiting while the queue is empty: a Future (`yield*` or `await` it).
   * With a `timeout`, fails with TimeoutError if no item came by then, and took none.
   * @throws TypeError for a timeout that is not a number or a Timedelta
   */
  override get(timeout?: Timeout | null): Future<T> {
    const deadline = deadlineOrNull(timeout, `${this.constructor.name}.get`);
    return this.#within(super.get(), deadline, `${this.constructor.name}.get()`);
  }

  /**
   * Waits until every item put has been marked done with `taskDone()` (at once if none is
   * unfinished). With a `timeout`, fails with TimeoutError if that did not happen by then.
   * @throws TypeError for a timeout that is not a number or a Timedelta
   */
  override join(timeout?: Timeout | null): Future<void> {
    const deadline = deadlineOrNull(timeout, `${this.constructor.name}.join`);
    return this.#within(super.join(), deadline, `${this.constructor.name}.join()`);
  }

  /** The coroutine layer's future itself, unless there is a deadline to keep. */
  #within<R>(inner: Future<R>, deadline: number | null, what: string): Future<R> {
    if (deadline === null || inner.done()) return inner;
    return new TimedWait<R, R>({ inner, deadline, map: (value) => value, what });
  }
}

/**
 * A queue that gives the most recently put item first (a stack) — tornado's `queues.LifoQueue`.
 * @example
 * ```ts
 * const q = new LifoQueue<number>();
 * q.putNowait(3); q.putNowait(2); q.putNowait(1);
 * q.getNowait(); // 1
 * ```
 */
export class LifoQueue<T> extends Queue<T> {
  readonly #stack: T[] = [];

  protected override addItem(item: T): void {
    this.#stack.push(item);
  }

  protected override takeItem(): T {
    return this.#stack.pop() as T;
  }

  protected override returnItem(item: T): void {
    this.#stack.push(item);
  }

  protected override itemCount(): number {
    return this.#stack.length;
  }
}

/** Options of `new PriorityQueue(maxsize, options)`. */
export interface PriorityQueueOptions<T> {
  /**
   * Orders the items as `Array.prototype.sort` does: negative if `a` comes out before `b`.
   * Default: the coroutine layer's natural order — numbers, bigints and strings by `<`, arrays
   * element by element, as Python compares tuples.
   */
  compare?: (a: T, b: T) => number;
}

/**
 * A queue that gives the lowest item first — tornado's `queues.PriorityQueue`. Entries are
 * typically `[priority, data]` pairs; items that compare equal come out in the order they were
 * put.
 * @example
 * ```ts
 * const q = new PriorityQueue<[number, string]>();
 * q.putNowait([1, 'medium-priority item']);
 * q.putNowait([0, 'high-priority item']);
 * q.putNowait([10, 'low-priority item']);
 * q.getNowait(); // [0, 'high-priority item']
 * const byDeadline = new PriorityQueue<Job>(0, { compare: (a, b) => a.deadline - b.deadline });
 * ```
 */
export class PriorityQueue<T> extends Queue<T> {
  /**
   * The items, in an unbounded coroutine-layer PriorityQueue used only through its `*Nowait`
   * methods: its heap and its natural order, without a second copy of them here.
   */
  readonly #heap: CoroutinePriorityQueue<T>;

  /** @throws TypeError if `compare` is given and is not a function */
  constructor(maxsize = 0, options: PriorityQueueOptions<T> = {}) {
    super(maxsize);
    this.#heap = new CoroutinePriorityQueue<T>({ compare: options.compare });
  }

  protected override addItem(item: T): void {
    this.#heap.putNowait(item);
  }

  protected override takeItem(): T {
    return this.#heap.getNowait();
  }

  protected override returnItem(item: T): void {
    this.#heap.putNowait(item);
  }

  protected override itemCount(): number {
    return this.#heap.qsize();
  }
}
