import { run, sleep } from '@aio/coroutine';
import * as aioFuture from '@aio/future';
import { EventLoop } from '@aio/loop';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Future,
  chainFuture,
  futureAddDoneCallback,
  futureSetExceptionUnlessCancelled,
  futureSetResultUnlessCancelled,
  isFuture,
} from './futures';

const loops: EventLoop[] = [];
function newLoop(log?: (text: string) => void): EventLoop {
  const loop = new EventLoop(log === undefined ? {} : { log });
  loops.push(loop);
  return loop;
}
afterEach(() => {
  for (const loop of loops.splice(0)) loop.close();
});

describe('Future', () => {
  it('is the aio Future itself, not a copy', () => {
    expect(Future).toBe(aioFuture.Future);
    expect(isFuture).toBe(aioFuture.isFuture);
    expect(isFuture(new Future(newLoop()))).toBe(true);
    expect(isFuture(Promise.resolve(1))).toBe(false);
  });
});

describe('futureAddDoneCallback', () => {
  it('calls the callback at once for a future that is done already', () => {
    const future = new Future<number>(newLoop());
    future.setResult(1);
    const calls: number[] = [];
    futureAddDoneCallback(future, (f) => calls.push(f.result()));
    expect(calls).toEqual([1]);
  });

  it('calls it through the loop for a pending future, after it is done', async () => {
    await run(async () => {
      const future = new Future<number>();
      const calls: number[] = [];
      futureAddDoneCallback(future, (f) => calls.push(f.result()));
      future.setResult(2);
      expect(calls).toEqual([]); // never inline: asyncio's rule for pending futures
      await sleep(1);
      expect(calls).toEqual([2]);
    });
  });
});

describe('futureSetResultUnlessCancelled / futureSetExceptionUnlessCancelled', () => {
  it('set the outcome of a pending future', () => {
    const loop = newLoop();
    const a = new Future<number>(loop);
    futureSetResultUnlessCancelled(a, 1);
    expect(a.result()).toBe(1);
    const b = new Future<number>(loop);
    const error = new Error('b failed');
    futureSetExceptionUnlessCancelled(b, error);
    expect(b.exception()).toBe(error);
  });

  it('leave a cancelled future alone; the exception is reported instead of lost', () => {
    const logged: string[] = [];
    const loop = newLoop((text) => logged.push(text));
    const a = new Future<number>(loop);
    a.cancel();
    futureSetResultUnlessCancelled(a, 1);
    expect(a.cancelled()).toBe(true);
    const b = new Future<number>(loop);
    b.cancel();
    futureSetExceptionUnlessCancelled(b, new Error('too late'));
    expect(b.cancelled()).toBe(true);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^Exception after Future was cancelled\n[\s\S]*Error: too late/);
  });

  it('still throw for a future that is done with a result (only cancellation is excused)', () => {
    const a = new Future<number>(newLoop());
    a.setResult(1);
    expect(() => futureSetResultUnlessCancelled(a, 2)).toThrow(aioFuture.InvalidStateError);
  });
});

describe('chainFuture (tornado)', () => {
  it('copies a result, at once if the first future is done already', () => {
    const loop = newLoop();
    const a = new Future<number>(loop);
    const b = new Future<number>(loop);
    a.setResult(7);
    chainFuture(a, b);
    expect(b.result()).toBe(7);
  });

  it('copies an exception and a cancellation when the first future completes', async () => {
    await run(async () => {
      const a = new Future<number>();
      const b = new Future<number>();
      chainFuture(a, b);
      const error = new Error('a failed');
      a.setException(error);
      await expect(Promise.resolve(b)).rejects.toBe(error);

      const c = new Future<number>();
      const d = new Future<number>();
      chainFuture(c, d);
      c.cancel();
      await expect(Promise.resolve(d)).rejects.toBeInstanceOf(aioFuture.CancelledError);
      expect(d.cancelled()).toBe(true);
    });
  });

  it('runs one way: cancelling the second future leaves the first alone, and its outcome is dropped', async () => {
    await run(async () => {
      const a = new Future<number>();
      const b = new Future<number>();
      chainFuture(a, b);
      b.cancel();
      await Promise.resolve();
      expect(a.cancelled()).toBe(false);
      a.setResult(1);
      await a;
      expect(b.cancelled()).toBe(true);
    });
  });

  it('does not overwrite a second future that is done already', () => {
    const loop = newLoop();
    const a = new Future<number>(loop);
    const b = new Future<number>(loop);
    b.setResult(2);
    a.setResult(1);
    chainFuture(a, b);
    expect(b.result()).toBe(2);
  });
});
