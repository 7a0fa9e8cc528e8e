/**
 * The loop's timers: a binary min-heap ordered by (`when`, `sequence`).
 *
 * Cancelling a timer only marks it (O(1)); the loop drops cancelled timers when they reach the top,
 * and rebuilds the heap without them once they are more than half of it, so a million timers
 * scheduled and cancelled do not keep a million entries alive (asyncio's lazy removal with
 * `_MIN_SCHEDULED_TIMER_HANDLES` and `_MIN_CANCELLED_TIMER_HANDLES_FRACTION`).
 */
import type { TimerHandle } from './handles';

/** Below this many timers, compaction is not worth it. */
export const MIN_TIMERS_TO_COMPACT = 100;
/** Compact once cancelled timers are more than this fraction of the heap. */
export const CANCELLED_FRACTION_TO_COMPACT = 0.5;

const before = (a: TimerHandle, b: TimerHandle): boolean =>
  a.when < b.when || (a.when === b.when && a.sequence < b.sequence);

export class TimerHeap {
  #items: TimerHandle[] = [];
  #cancelled = 0;

  get size(): number {
    return this.#items.length;
  }

  /** How many timers in the heap are cancelled and not yet dropped. */
  get cancelledCount(): number {
    return this.#cancelled;
  }

  peek(): TimerHandle | undefined {
    return this.#items[0];
  }

  push(timer: TimerHandle): void {
    const items = this.#items;
    let i = items.push(timer) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(timer, items[parent]!)) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = timer;
  }

  pop(): TimerHandle | undefined {
    const items = this.#items;
    const top = items[0];
    if (top === undefined) return undefined;
    const last = items.pop()!;
    if (items.length > 0) this.#siftDown(last, 0);
    top.scheduled = false;
    if (top.cancelled()) this.#cancelled--;
    return top;
  }

  // #region lazyCancel
  /** Called when a timer in the heap is cancelled; compacts when cancelled ones dominate. */
  noteCancelled(): void {
    this.#cancelled++;
    if (
      this.#items.length > MIN_TIMERS_TO_COMPACT &&
      this.#cancelled > this.#items.length * CANCELLED_FRACTION_TO_COMPACT
    ) {
      this.compact();
    }
  }

  /** Pops cancelled timers off the top, so `peek()` shows the next live one. */
  dropCancelledHead(): void {
    while (this.#items[0]?.cancelled()) this.pop();
  }
  // #endregion lazyCancel

  /** Rebuilds the heap without its cancelled timers, in O(n). */
  compact(): void {
    const live: TimerHandle[] = [];
    for (const timer of this.#items) {
      if (timer.cancelled()) timer.scheduled = false;
      else live.push(timer);
    }
    this.#items = live;
    this.#cancelled = 0;
    for (let i = (live.length >> 1) - 1; i >= 0; i--) this.#siftDown(live[i]!, i);
  }

  clear(): void {
    for (const timer of this.#items) timer.scheduled = false;
    this.#items = [];
    this.#cancelled = 0;
  }

  #siftDown(timer: TimerHandle, start: number): void {
    const items = this.#items;
    const n = items.length;
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && before(items[child + 1]!, items[child]!)) child++;
      if (!before(items[child]!, timer)) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = timer;
  }
}
