/**
 * Queues for tasks on one loop: asyncio's `Queue`, `PriorityQueue` and `LifoQueue` (Python 3.13,
 * with `shutdown`). Not thread-safe, as asyncio's are not: they pass items between coroutines.
 *
 * A `get()` on an empty queue (a `put()` on a full one) returns a Future that waits in line; each
 * line is served first come, first served, and serving completes the Future: with the next item
 * for a get, once its item is in for a put.
 *
 * `yield*` does a little more, as asyncio's coroutines do. The item served to a waiting
 * `yield* queue.get()` is set aside for its task (it still takes room in the queue) and becomes
 * the task's only when the task resumes; the room given to a waiting `yield* queue.put(item)` is
 * set aside, and the item goes in when the task resumes. If the task is cancelled in between (at
 * the moment it was served), the cancellation wins and the item or the room goes to the next in
 * line: nothing is lost or taken twice, and a put that ended in CancelledError has not put. Other
 * ways of waiting cannot do that: an async function always gets its result (cancelling its task
 * only aborts its signal), but a generator cancelled before it resumes from a bare `yield`, or a
 * `waitFor` cancelled as it is served, drops it.
 *
 * Invariant: getters wait only while the queue is empty, putters only while it is full (counting
 * what is set aside), and whatever ends that (an item in, an item or its room out) serves one
 * waiter. So nobody waits while they could be served.
 */
import { inspect } from 'node:util';
import { getEventLoop, type EventLoop } from '@aio/loop';
import { Future, InvalidStateError, inlineSafe } from '@aio/future';
import { formatValue } from './format';

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
  /**
   * The `yield*` getters served with an item whose tasks have not resumed yet: their items are
   * still in the queue in asyncio's terms (they take room, and `shutdown(true)` drops them).
   */
  readonly #itemsSetAside = new Set<QueueGetter<T>>();
  /** Room given to `yield*` putters whose tasks have not resumed yet. */
  #roomSetAside = 0;
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
      this.itemCount() + this.#itemsSetAside.size + this.#roomSetAside >= this.#maxsize
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
    if (this.#isShutDown) return failed(new QueueShutDown('put() on a queue that is shut down'));
    if (!this.full()) {
      this.#putNow(item);
      return resolved(undefined);
    }
    const putter = new QueuePutter(this.#boundLoop(), item);
    putter.line = this.#putters;
    putter.within = () => this.#putWithin(putter);
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
    if (!this.empty()) return resolved(this.#take());
    if (this.#isShutDown) return failed(new QueueShutDown('get() on a queue that is shut down'));
    const getter = new QueueGetter<T>(this.#boundLoop());
    getter.line = this.#getters;
    getter.within = () => this.#getWithin(getter);
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
    if (this.#unfinished === 0) return resolved(undefined);
    const joiner = new Future<void>(this.#boundLoop());
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
      while (!this.empty()) {
        this.takeItem();
        if (this.#unfinished > 0) this.#finishOne();
      }
      // The items set aside go too: their getters fail with QueueShutDown when they resume.
      for (let n = this.#itemsSetAside.size; n > 0 && this.#unfinished > 0; n--) this.#finishOne();
      this.#itemsSetAside.clear();
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
   * Serves the first getter in line: with the next item (set aside if a `yield*` waits on it),
   * or with QueueShutDown if there is none (only a shutdown serves a getter without an item).
   */
  #serveGetter(): void {
    const getter = this.#getters.shift();
    if (getter === undefined) return;
    getter.line = null;
    if (this.empty()) {
      getter.setException(new QueueShutDown('get() on a queue that was shut down'));
    } else if (getter.owned) {
      this.#itemsSetAside.add(getter);
      getter.setResult(this.takeItem());
    } else {
      getter.setResult(this.#take());
    }
  }

  /**
   * Serves the first putter in line: its item goes in (a `yield*` gets room set aside instead),
   * or it fails with QueueShutDown.
   */
  #servePutter(): void {
    const putter = this.#putters.shift();
    if (putter === undefined) return;
    putter.line = null;
    if (this.#isShutDown) {
      putter.setException(new QueueShutDown('put() on a queue that was shut down'));
    } else if (putter.owned) {
      this.#roomSetAside++;
      putter.setResult(undefined);
    } else {
      this.#putNow(putter.item);
      putter.setResult(undefined);
    }
  }

  /**
   * The rest of a `get()` that a generator `yield*`s while it waits, in the generator's frame
   * (asyncio's `get()` coroutine): the item served is the task's once it resumes.
   */
  *#getWithin(getter: QueueGetter<T>): Generator<Future<T>, T, unknown> {
    let resumed = false;
    try {
      yield getter;
      resumed = true;
    } finally {
      if (!resumed) this.#abandonGet(getter);
    }
    const item = getter.result(); // or QueueShutDown
    if (!this.#itemsSetAside.delete(getter)) {
      throw new QueueShutDown('get() on a queue that was shut down'); // shutdown(true) dropped it
    }
    this.#servePutter(); // the item's room is free now
    return item;
  }

  /**
   * A `yield*` getter's task stopped waiting (it was cancelled). If it had been served, its item
   * goes back, to the next getter in line if there is one: asyncio's `except:` clause in `get()`.
   * Without it, a getter cancelled at the moment it was served would lose the item.
   */
  #abandonGet(getter: QueueGetter<T>): void {
    if (getter.cancel() || getter.cancelled()) return; // it was still in line: not any more
    // Served with QueueShutDown, or its item was dropped by shutdown(true): nothing to give back.
    if (!this.#itemsSetAside.delete(getter)) return;
    this.returnItem(getter.result());
    this.#serveGetter();
  }

  /** The same for a `put()`: its item goes in once the task resumes. */
  *#putWithin(putter: QueuePutter<T>): Generator<Future<void>, void, unknown> {
    let resumed = false;
    try {
      yield putter;
      resumed = true;
    } finally {
      if (!resumed) this.#abandonPut(putter);
    }
    putter.result(); // or QueueShutDown
    this.#roomSetAside--;
    // Shut down since it was given room: nothing goes in any more.
    if (this.#isShutDown) throw new QueueShutDown('put() on a queue that was shut down');
    this.#putNow(putter.item);
  }

  /** A `yield*` putter's task stopped waiting: room given to it goes to the next putter. */
  #abandonPut(putter: QueuePutter<T>): void {
    if (putter.cancel() || putter.cancelled()) return;
    if (putter.exception() !== undefined) return; // served with QueueShutDown: no room
    this.#roomSetAside--;
    if (!this.full()) this.#servePutter();
  }

  /** One unfinished item less; at none, `join()` is over. */
  #finishOne(): void {
    if (--this.#unfinished > 0) return;
    for (const joiner of this.#joiners.splice(0)) if (!joiner.done()) joiner.setResult(undefined);
  }

  /** asyncio's `_get_loop()`: the running loop, which must be the one of earlier waits. */
  #boundLoop(): EventLoop {
    const loop = getEventLoop();
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
 * A get() or put() waiting in line, as the queue hands it out; the queue completes it when it
 * serves it. A `yield*` of it while it waits marks it `owned` (see the module comment).
 */
class Waiting<R> extends Future<R> {
  /** The line it stands in; null once served or cancelled. */
  line: Deque<this> | null = null;
  /** A `yield*` waits on it: what it is served with is set aside until the task resumes. */
  owned = false;
  /** The rest of the operation, for a `yield*` to run in its own frame. */
  within: (() => Generator<Future<R>, R, unknown>) | null = null;

  /** Cancelling a waiting get or put takes it out of line. */
  override cancel(message?: string): boolean {
    if (!super.cancel(message)) return false;
    this.line?.remove(this);
    this.line = null;
    return true;
  }

  /** `yield*` of an operation still in line runs the rest of it in the caller's frame. */
  override [Symbol.iterator](): Iterator<Future<R>, R, unknown> {
    const within = this.within;
    this.within = null;
    if (this.line === null || within === null) return super[Symbol.iterator]();
    this.owned = true;
    return within();
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

function resolved<R>(value: R): Future<R> {
  const future = new Future<R>(getEventLoop());
  future.setResult(value);
  return future;
}

function failed<R>(error: Error): Future<R> {
  const future = new Future<R>(getEventLoop());
  future.setException(error);
  return future;
}

/**
 * A first-in, first-out list: an array with a moving head, so taking from the front costs O(1).
 * The head part is dropped once it is most of the array.
 */
class Deque<T> {
  #array: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#array.length - this.#head;
  }

  push(value: T): void {
    this.#array.push(value);
  }

  unshift(value: T): void {
    if (this.#head > 0) this.#array[--this.#head] = value;
    else this.#array.unshift(value);
  }

  /** The first value, or undefined if there is none. */
  shift(): T | undefined {
    const array = this.#array;
    if (this.#head === array.length) return undefined;
    const value = array[this.#head];
    array[this.#head++] = undefined;
    if (this.#head === array.length) {
      array.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= array.length) {
      array.splice(0, this.#head);
      this.#head = 0;
    }
    return value;
  }

  remove(value: T): boolean {
    const index = this.#array.indexOf(value, this.#head);
    if (index < 0) return false;
    this.#array.splice(index, 1);
    return true;
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
