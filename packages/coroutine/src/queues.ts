/**
 * Queues for tasks on one loop: asyncio's `Queue`, `PriorityQueue` and `LifoQueue` (Python 3.13,
 * with `shutdown`). Not thread-safe, as asyncio's are not: they pass items between coroutines.
 *
 * A `get()` on an empty queue (a `put()` on a full one) returns a Future that waits in line; each
 * line is served first come, first served, and serving completes the Future: with the next item
 * for a get, once its item is in for a put.
 *
 * **No lost wake-up.** A waiting get or put is a Handoff (see @aio/future's handoff.ts): what it
 * is served with — an item, or room for its item — is handed over provisionally, and whoever
 * consumes it (a task, however it waits, or a `waitFor`, `gather` or `shield` it went through)
 * takes it or gives it back. Until then the item served to a get is set aside (it still takes
 * room in the queue), and the room served to a put is kept for it (its item goes in once taken).
 * If the consumer gives it back — its task was cancelled at the moment it was served — the item
 * goes back to the front of the queue and on to the next getter, the room to the next putter:
 * nothing is lost or taken twice, and a put that ended in CancelledError has not put. A wait
 * served before `shutdown()` completes as served (a put's item still goes in, unless the
 * shutdown was immediate).
 *
 * Invariant: getters wait only while the queue is empty, putters only while it is full (counting
 * what is set aside), and whatever ends that (an item in, an item or its room out) serves one
 * waiter. So nobody waits while they could be served.
 */
import { inspect } from 'node:util';
import { getRunningLoop, type EventLoop } from '@aio/loop';
import { Future, InvalidStateError } from '@aio/future';
import {
  Handoff,
  failedFuture,
  inlineSafe,
  resolvedFuture,
  type HandoffHooks,
} from '@aio/future/internal';
import { formatValue } from '@aio/selector/internal';
import { Deque } from './deque';

/** `getNowait()` found the queue empty. */
export class QueueEmpty extends Error {
  override name = 'QueueEmpty';
  readonly code = 'ERR_AIO_QUEUE_EMPTY';
}

/** `putNowait()` found the queue full. */
export class QueueFull extends Error {
  override name = 'QueueFull';
  readonly code = 'ERR_AIO_QUEUE_FULL';
}

/**
 * The queue is shut down: putting always fails with this, getting once nothing is left. A consumer
 * loop catches it to end (`for await` over a queue ends by itself).
 */
export class QueueShutDown extends Error {
  override name = 'QueueShutDown';
  readonly code = 'ERR_AIO_QUEUE_SHUT_DOWN';
}

/** Options of `new Queue()` and `new LifoQueue()`. */
export interface QueueOptions {
  /** How many items the queue holds before `put()` waits. Default 0: no limit. */
  maxsize?: number;
}

/** Options of `new PriorityQueue()`. */
export interface PriorityQueueOptions<T> extends QueueOptions {
  /**
   * Orders the items as `Array.prototype.sort` does: negative if `a` comes out before `b`.
   * Default: numbers, bigints and strings by `<`, and arrays element by element (see
   * `PriorityQueue`).
   */
  compare?: (a: T, b: T) => number;
}

/**
 * A first-in, first-out queue of items: asyncio's `Queue`.
 *
 * `put()` waits while the queue is full (with `maxsize` items; 0 means no limit), `get()` while it
 * is empty; both return a Future, to `yield*` in a generator or `await` in an async function.
 * `taskDone()` and `join()` count the items put and handled; `shutdown()` ends it.
 *
 * A generator consumer loops until the queue is shut down and drained:
 * ```ts
 * function* worker(queue: Queue<string>) {
 *   try {
 *     for (;;) {
 *       const url = yield* queue.get();
 *       yield* fetch(url);
 *       queue.taskDone();
 *     }
 *   } catch (error) {
 *     if (!(error instanceof QueueShutDown)) throw error;
 *   }
 * }
 * ```
 * An async consumer iterates: `for await (const url of queue) { … }` ends the same way.
 */
export class Queue<T> implements AsyncIterable<T> {
  readonly #maxsize: number;
  readonly #items = new Deque<T>();
  readonly #getters = new Deque<QueueGetter<T>>();
  readonly #putters = new Deque<QueuePutter<T>>();
  /** Items handed over to getters and not taken yet: still in the queue as far as room goes. */
  #itemsSetAside = 0;
  /** Room handed over to putters and not taken yet: their items go in once it is. */
  #roomSetAside = 0;
  /** shutdown(true) dropped the items: an item given back now is dropped too. */
  #dropping = false;
  readonly #getterHooks: HandoffHooks<T> = {
    taken: () => {
      this.#itemsSetAside--;
      this.#servePutter(); // the item's room is free now
    },
    givenBack: (item) => {
      this.#itemsSetAside--;
      if (this.#dropping) {
        if (this.#unfinished > 0) this.#finishOne();
        return;
      }
      this.returnItem(item);
      this.#serveGetter();
    },
  };
  readonly #putterHooks: HandoffHooks<void> = {
    taken: (_, putter) => {
      this.#roomSetAside--;
      if (!this.#dropping && putter instanceof QueuePutter) this.#putNow(putter.item as T);
    },
    givenBack: () => {
      this.#roomSetAside--;
      if (!this.full()) this.#servePutter();
    },
  };
  /** Items put and not yet marked done with `taskDone()`. */
  #unfinished = 0;
  readonly #joiners: Future<void>[] = [];
  #isShutDown = false;
  /** The loop of the first wait: waiting futures must all belong to one loop. */
  #loop: EventLoop | null = null;

  /** @throws RangeError unless `maxsize` is a whole number, 0 or more */
  constructor(options: QueueOptions = {}) {
    const { maxsize = 0 } = options;
    if (typeof maxsize !== 'number' || !Number.isInteger(maxsize) || maxsize < 0) {
      throw new RangeError(
        `${new.target.name} expected maxsize to be a whole number >= 0 (0: no limit), got ${formatValue(maxsize)}`,
      );
    }
    this.#maxsize = maxsize;
  }

  /** How many items the queue holds before `put()` waits (0: no limit). */
  get maxsize(): number {
    return this.#maxsize;
  }

  /** How many items are in the queue, ready to get. */
  qsize(): number {
    return this.itemCount();
  }

  /** True if the queue holds no item to get. */
  empty(): boolean {
    return this.itemCount() === 0;
  }

  /**
   * True if a put would wait: the queue holds `maxsize` items (never, with no limit), counting
   * those set aside for `yield*` getters and the room set aside for `yield*` putters.
   */
  full(): boolean {
    return (
      this.#maxsize > 0 &&
      this.itemCount() + this.#itemsSetAside + this.#roomSetAside >= this.#maxsize
    );
  }

  /**
   * Puts `item` in, waiting while the queue is full. Fails with `QueueShutDown` if the queue is
   * shut down, or is shut down while the put waits.
   * @example
   * ```ts
   * yield* queue.put(job);   // in a generator task
   * await queue.put(job);    // in an async function
   * ```
   */
  put(item: T): Future<void> {
    if (this.#isShutDown)
      return failedFuture(
        getRunningLoop(this.#what('put')),
        new QueueShutDown('put() on a queue that is shut down'),
      );
    if (!this.full()) {
      this.#putNow(item);
      return resolvedFuture(getRunningLoop(this.#what('put')), undefined);
    }
    const putter = new QueuePutter(this.#boundLoop('put'), item);
    putter.line = this.#putters;
    this.#putters.push(putter);
    return putter;
  }

  /**
   * Puts `item` in at once.
   * @throws QueueFull if the queue is full; QueueShutDown if it is shut down
   */
  putNowait(item: T): void {
    if (this.#isShutDown) throw new QueueShutDown('putNowait() on a queue that is shut down');
    if (this.full()) throw new QueueFull(`putNowait() on a full queue (maxsize ${this.#maxsize})`);
    this.#putNow(item);
  }

  /**
   * Takes the next item out, waiting while the queue is empty. Fails with `QueueShutDown` once
   * the queue is shut down and empty.
   * @example
   * ```ts
   * const job = yield* queue.get();   // in a generator task
   * const job = await queue.get();    // in an async function
   * ```
   */
  get(): Future<T> {
    if (!this.empty()) return resolvedFuture(getRunningLoop(this.#what('get')), this.#take());
    if (this.#isShutDown)
      return failedFuture(
        getRunningLoop(this.#what('get')),
        new QueueShutDown('get() on a queue that is shut down'),
      );
    const getter = new QueueGetter<T>(this.#boundLoop('get'));
    getter.line = this.#getters;
    this.#getters.push(getter);
    return getter;
  }

  /**
   * Takes the next item out at once.
   * @throws QueueEmpty if the queue is empty; QueueShutDown if it is also shut down
   */
  getNowait(): T {
    if (this.empty()) {
      throw this.#isShutDown
        ? new QueueShutDown('getNowait() on a queue that is shut down and empty')
        : new QueueEmpty('getNowait() on an empty queue');
    }
    return this.#take();
  }

  /**
   * Marks one item taken out as handled, for `join()`. Call it once per item, when the work on
   * it is over.
   * @throws InvalidStateError if called more times than items were put
   */
  taskDone(): void {
    if (this.#unfinished <= 0) {
      throw new InvalidStateError('taskDone() called more times than items were put');
    }
    this.#finishOne();
  }

  /**
   * Waits until every item put has been marked done with `taskDone()` (at once if none is
   * unfinished).
   */
  join(): Future<void> {
    if (this.#unfinished === 0)
      return resolvedFuture(getRunningLoop(this.#what('join')), undefined);
    const joiner = new Future<void>(this.#boundLoop('join'));
    // Drop the joins given up on (cancelled), so a loop of timed-out joins does not pile up.
    for (let i = this.#joiners.length - 1; i >= 0; i--)
      if (this.#joiners[i]!.done()) this.#joiners.splice(i, 1);
    this.#joiners.push(joiner);
    return joiner;
  }

  /**
   * Shuts the queue down (asyncio 3.13): from now on `put()` and `putNowait()` fail with
   * `QueueShutDown`, and so do waiting puts. Gets go on taking what is left, then fail with
   * `QueueShutDown`. With `immediate`, the items left are dropped (and counted as done for
   * `join()`), so waiting gets fail at once. Calling it again is allowed.
   */
  shutdown(immediate = false): void {
    this.#isShutDown = true;
    if (immediate) {
      this.#dropping = true;
      while (!this.empty()) {
        this.takeItem();
        if (this.#unfinished > 0) this.#finishOne();
      }
    }
    // Every waiter is served now: a getter with an item or the end, a putter with the end.
    while (this.#getters.length > 0) this.#serveGetter();
    while (this.#putters.length > 0) this.#servePutter();
  }

  /**
   * `for await (const item of queue)`: takes the items as they come, and ends (without an error)
   * once the queue is shut down and empty.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T, undefined> {
    const iterator: AsyncIterableIterator<T, undefined> = {
      next: () =>
        new Promise<IteratorResult<T, undefined>>((resolve, reject) => {
          // Settled from the outcome, not with `await`: an item that is itself a promise is
          // handed over as it is, not awaited.
          const settle = (done: Future<T>): void => {
            try {
              resolve({ done: false, value: done.result() });
            } catch (error) {
              if (error instanceof QueueShutDown) resolve({ done: true, value: undefined });
              // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- as it failed
              else reject(error);
            }
          };
          const next = this.get();
          if (next.done()) settle(next);
          else next.addDoneCallback(inlineSafe(settle));
        }),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  // ─── How the items are kept (asyncio's _put, _get and qsize) ──────────────────────────────
  // Subclasses override all four together.

  /** Stores an item. */
  protected addItem(item: T): void {
    this.#items.push(item);
  }

  /** Removes and returns the item that comes out next; the queue is not empty. */
  protected takeItem(): T {
    return this.#items.shift() as T;
  }

  /**
   * Stores again an item that `takeItem()` gave and nobody used (its getter was cancelled as it
   * was served), so that it comes out next again as far as the order allows.
   */
  protected returnItem(item: T): void {
    this.#items.unshift(item);
  }

  /** How many items are stored. */
  protected itemCount(): number {
    return this.#items.length;
  }

  // ─── Serving the lines ───────────────────────────────────────────────────────────────────

  /** asyncio's put_nowait without the checks: stores the item, serves a getter. */
  #putNow(item: T): void {
    this.addItem(item);
    this.#unfinished++;
    this.#serveGetter();
  }

  /** asyncio's get_nowait without the checks: takes an item, serves a putter with its room. */
  #take(): T {
    const item = this.takeItem();
    this.#servePutter();
    return item;
  }

  /**
   * Serves the first getter in line: hands it the next item (set aside until its consumer takes
   * it), or fails it with QueueShutDown if there is none (only a shutdown serves a getter then).
   */
  #serveGetter(): void {
    const getter = this.#getters.shift();
    if (getter === undefined) return;
    getter.line = null;
    if (this.empty()) {
      getter.fail(new QueueShutDown('get() on a queue that was shut down'));
      return;
    }
    this.#itemsSetAside++;
    getter.handOver(this.takeItem(), this.#getterHooks);
  }

  /**
   * Serves the first putter in line: hands it room (kept for it until its consumer takes it, and
   * then its item goes in), or fails it with QueueShutDown.
   */
  #servePutter(): void {
    const putter = this.#putters.shift();
    if (putter === undefined) return;
    putter.line = null;
    if (this.#isShutDown) {
      putter.fail(new QueueShutDown('put() on a queue that was shut down'));
      return;
    }
    this.#roomSetAside++;
    putter.handOver(undefined, this.#putterHooks);
  }

  /** One unfinished item less; at none, `join()` is over. */
  #finishOne(): void {
    if (--this.#unfinished > 0) return;
    for (const joiner of this.#joiners.splice(0)) if (!joiner.done()) joiner.setResult(undefined);
  }

  /** How errors name a method of this queue: `Queue.get()`. */
  #what(method: string): string {
    return `${this.constructor.name}.${method}()`;
  }

  /** asyncio's `_get_loop()`: the running loop, which must be the one of earlier waits. */
  #boundLoop(method: string): EventLoop {
    const loop = getRunningLoop(this.#what(method));
    this.#loop ??= loop;
    if (this.#loop !== loop)
      throw new Error(`${this.toString()} is bound to a different event loop`);
    return loop;
  }

  /** `<Queue maxsize=2 qsize=2 putters=1 unfinished=2>`, `<LifoQueue maxsize=0 qsize=0 shutdown>` */
  toString(): string {
    const parts = [`maxsize=${this.#maxsize}`, `qsize=${this.qsize()}`];
    if (this.#getters.length > 0) parts.push(`getters=${this.#getters.length}`);
    if (this.#putters.length > 0) parts.push(`putters=${this.#putters.length}`);
    if (this.#unfinished > 0) parts.push(`unfinished=${this.#unfinished}`);
    if (this.#isShutDown) parts.push('shutdown');
    return `<${this.constructor.name} ${parts.join(' ')}>`;
  }

  get [Symbol.toStringTag](): string {
    return this.constructor.name;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * A last-in, first-out queue (a stack): the newest item comes out first. asyncio's `LifoQueue`.
 * @example
 * ```ts
 * const stack = new LifoQueue<number>();
 * stack.putNowait(1);
 * stack.putNowait(2);
 * stack.getNowait(); // 2
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

/**
 * A queue that gives the smallest item first (a binary heap): asyncio's `PriorityQueue`.
 *
 * Items are ordered by `compare` if given, else naturally: numbers and bigints by `<`, strings
 * by `<` (UTF-16 code units), and arrays element by element, the shorter first when one is a
 * prefix of the other, as Python compares tuples. So `[priority, payload]` entries come out by
 * priority; values that are none of those (objects, booleans, undefined) count as equal, so
 * payloads never need to be comparable. A number against a string is a TypeError. Items that
 * compare equal come out in the order they were put.
 * @example
 * ```ts
 * const jobs = new PriorityQueue<[number, string]>();
 * jobs.putNowait([2, 'later']);
 * jobs.putNowait([1, 'first']);
 * jobs.getNowait(); // [1, 'first']
 * const byDeadline = new PriorityQueue<Job>({ compare: (a, b) => a.deadline - b.deadline });
 * ```
 */
export class PriorityQueue<T> extends Queue<T> {
  readonly #heap: BinaryHeap<T>;

  /** @throws TypeError if `compare` is given and is not a function */
  constructor(options: PriorityQueueOptions<T> = {}) {
    super(options);
    const { compare = naturalOrder } = options;
    if (typeof compare !== 'function') {
      throw new TypeError(
        `PriorityQueue expected compare to be a function (a, b) => number, got ${formatValue(compare)}`,
      );
    }
    this.#heap = new BinaryHeap(compare);
  }

  protected override addItem(item: T): void {
    this.#heap.push(item);
  }

  protected override takeItem(): T {
    return this.#heap.pop();
  }

  protected override returnItem(item: T): void {
    this.#heap.push(item);
  }

  protected override itemCount(): number {
    return this.#heap.size;
  }
}

// ─── Internals ─────────────────────────────────────────────────────────────────────────────

/**
 * A get() or put() waiting in line, as the queue hands it out; the queue settles it when it
 * serves it, handing over what it is served with (see the module comment).
 */
class Waiting<R> extends Handoff<R> {
  /** The line it stands in; null once served or cancelled. */
  line: Deque<this> | null = null;

  /** Cancelling a waiting get or put takes it out of line. */
  override cancel(message?: string): boolean {
    if (!super.cancel(message)) return false;
    this.line?.remove(this);
    this.line = null;
    return true;
  }

  override setResult(): never {
    throw new InvalidStateError(
      'a waiting get() or put() is settled by its queue, not by setResult()',
    );
  }

  override setException(): never {
    throw new InvalidStateError(
      'a waiting get() or put() is settled by its queue, not by setException()',
    );
  }

  /** @internal Fails the wait (the queue was shut down). */
  fail(error: Error): void {
    super.setException(error);
  }
}

/** A waiting `get()`. */
class QueueGetter<T> extends Waiting<T> {}

/** A waiting `put()`, with its item. */
class QueuePutter<T> extends Waiting<void> {
  constructor(
    loop: EventLoop,
    readonly item: T,
  ) {
    super(loop);
  }
}

/**
 * A binary min-heap. Each item carries the number of its put, which breaks ties, so equal items
 * come out first in, first out (Python's heapq does not promise that).
 */
class BinaryHeap<T> {
  readonly #items: T[] = [];
  readonly #order: number[] = [];
  #puts = 0;

  constructor(readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.#items.length;
  }

  /** Adds `item`. Every comparison comes first: a compare that throws leaves the heap as it was. */
  push(item: T): void {
    const items = this.#items;
    const order = this.#order;
    const itemOrder = this.#puts;
    let index = items.length;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const c = this.compare(item, items[parent]!);
      if (!(c < 0 || (c === 0 && itemOrder < order[parent]!))) break; // its place
      index = parent;
    }
    // Move the larger items on the way down one level each, and put the new one in their place.
    for (let hole = items.length; hole > index;) {
      const parent = (hole - 1) >> 1;
      items[hole] = items[parent]!;
      order[hole] = order[parent]!;
      hole = parent;
    }
    items[index] = item;
    order[index] = itemOrder;
    this.#puts++;
  }

  /** Removes and returns the smallest item; the heap is not empty. */
  pop(): T {
    const items = this.#items;
    const top = items[0]!;
    const last = items.pop()!;
    const lastOrder = this.#order.pop()!;
    if (items.length > 0) {
      items[0] = last;
      this.#order[0] = lastOrder;
      this.#siftDown(0);
    }
    return top;
  }

  #before(i: number, j: number): boolean {
    const c = this.compare(this.#items[i]!, this.#items[j]!);
    return c < 0 || (c === 0 && this.#order[i]! < this.#order[j]!);
  }

  #swap(i: number, j: number): void {
    const items = this.#items;
    const order = this.#order;
    [items[i], items[j]] = [items[j]!, items[i]!];
    [order[i], order[j]] = [order[j]!, order[i]!];
  }

  #siftDown(index: number): void {
    const size = this.#items.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= size) return;
      const right = left + 1;
      const child = right < size && this.#before(right, left) ? right : left;
      if (!this.#before(child, index)) return;
      this.#swap(index, child);
      index = child;
    }
  }
}

/** PriorityQueue's default order; see there. */
function naturalOrder(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    const length = Math.min(a.length, b.length);
    for (let i = 0; i < length; i++) {
      const c = naturalOrder(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  const numeric = isNumeric(a);
  if (numeric ? isNumeric(b) : typeof a === 'string' && typeof b === 'string') {
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
  if ((numeric && typeof b === 'string') || (typeof a === 'string' && isNumeric(b))) {
    throw new TypeError(
      `PriorityQueue cannot order ${formatValue(a)} and ${formatValue(b)}: give it a compare function`,
    );
  }
  return 0;
}

function isNumeric(value: unknown): value is number | bigint {
  return typeof value === 'number' || typeof value === 'bigint';
}
