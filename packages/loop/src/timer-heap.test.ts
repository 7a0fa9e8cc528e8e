import { describe, expect, it } from 'vitest';
import { TimerHandle, type HandleOwner } from './handles';
import { TimerHeap } from './timer-heap';

function heapWithOwner(): [TimerHeap, HandleOwner] {
  const heap = new TimerHeap();
  const owner: HandleOwner = {
    callExceptionHandler: () => {},
    getDebug: () => false,
    timerHandleCancelled: () => heap.noteCancelled(),
  };
  return [heap, owner];
}

const noop = (): void => {};

describe('TimerHeap', () => {
  it('pops in order of when, ties in the order they were pushed', () => {
    const [heap, owner] = heapWithOwner();
    const whens = [5, 1, 3, 3, 9, 0, 3, 7];
    const timers = whens.map((when, i) => new TimerHandle(when, noop, [i], owner));
    for (const t of timers) heap.push(t);
    const order: number[] = [];
    for (let t = heap.pop(); t; t = heap.pop()) order.push(timers.indexOf(t));
    expect(order).toEqual([5, 1, 2, 3, 6, 0, 7, 4]);
  });

  it('keeps order through 10,000 random timers', () => {
    const [heap, owner] = heapWithOwner();
    for (let i = 0; i < 10_000; i++)
      heap.push(new TimerHandle(Math.floor(Math.random() * 500), noop, [], owner));
    let last: TimerHandle | undefined;
    for (let t = heap.pop(); t; t = heap.pop()) {
      if (last)
        expect(last.when < t.when || (last.when === t.when && last.sequence < t.sequence)).toBe(
          true,
        );
      last = t;
    }
  });

  it('a million timers scheduled then cancelled do not keep the heap large', () => {
    const [heap, owner] = heapWithOwner();
    const timers: TimerHandle[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      const t = new TimerHandle(i, noop, [], owner);
      heap.push(t);
      timers.push(t);
    }
    expect(heap.size).toBe(1_000_000);
    for (const t of timers) t.cancel();
    // Compaction runs whenever cancelled timers pass half the heap: it never holds much garbage.
    expect(heap.size).toBeLessThanOrEqual(101);
    expect(heap.cancelledCount).toBeLessThanOrEqual(heap.size);
    heap.dropCancelledHead();
    expect(heap.size).toBe(0);
    // CPU-bound: about a second alone, 29 s beside two CPU hogs and the rest of the suite.
  }, 180_000);

  it('dropCancelledHead exposes the next live timer; pop skips nothing silently', () => {
    const [heap, owner] = heapWithOwner();
    const a = new TimerHandle(1, noop, [], owner);
    const b = new TimerHandle(2, noop, [], owner);
    heap.push(a);
    heap.push(b);
    a.cancel();
    heap.dropCancelledHead();
    expect(heap.peek()).toBe(b);
    expect(a.scheduled).toBe(false);
    expect(heap.cancelledCount).toBe(0);
  });
});
