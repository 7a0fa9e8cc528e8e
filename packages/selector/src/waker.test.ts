import { describe, expect, it } from 'vitest';
import { EVENT_READ } from './selectors/base';
import { DefaultSelector } from './selectors/default';
import { track } from './test-support';
import { Waker } from './waker';

describe('Waker', () => {
  it('wake() makes it readable and drain() makes it quiet again', () => {
    const waker = track(new Waker());
    const sel = track(new DefaultSelector());
    sel.register(waker, EVENT_READ);
    expect(sel.select(0)).toEqual([]);
    waker.wake();
    expect(waker.pending).toBe(true);
    expect(sel.select(0)).toHaveLength(1);
    waker.drain();
    expect(waker.pending).toBe(false);
    expect(sel.select(0)).toEqual([]);
  });

  it('coalesces: many wakes need one drain', () => {
    const waker = track(new Waker());
    const sel = track(new DefaultSelector());
    sel.register(waker, EVENT_READ);
    for (let i = 0; i < 10_000; i++) waker.wake();
    expect(sel.select(0)).toHaveLength(1);
    waker.drain();
    expect(sel.select(0)).toEqual([]);
    waker.wake();
    expect(sel.select(0)).toHaveLength(1);
  });

  it('drain on a quiet waker returns at once', () => {
    const waker = track(new Waker());
    waker.drain();
    expect(waker.pending).toBe(false);
  });

  it('after close, fileno is -1 and wake/drain are harmless no-ops', () => {
    const waker = new Waker();
    expect(String(waker)).toMatch(/^<Waker fd=\d+>$/);
    waker.close();
    waker.close();
    expect(waker.fileno()).toBe(-1);
    waker.wake();
    waker.drain();
    expect(String(waker)).toBe('<Waker [closed]>');
  });
});
