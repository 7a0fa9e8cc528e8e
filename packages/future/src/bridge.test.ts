/**
 * Crossing between futures and promises (wrapPromise, toPromise) and between futures
 * (chainFuture), on real loops in both modes, with Node's real fs and timers as foreign promises.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { EventLoop, setEventLoop, type ExceptionContext, type LoopMode } from '@aio/loop';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chainFuture, toPromise, wrapPromise } from './bridge';
import { CancelledError } from './errors';
import { Future } from './future';

const loops: EventLoop[] = [];
let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});

afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
  setEventLoop(null);
  for (const loop of loops.splice(0)) if (!loop.isRunning()) loop.close();
});

function makeLoop(mode: LoopMode = 'hosted', reported: ExceptionContext[] = []): EventLoop {
  const loop = new EventLoop({ mode, log: (text) => reported.push({ message: `log: ${text}` }) });
  loop.setExceptionHandler((_loop, context) => reported.push(context));
  loops.push(loop);
  return loop;
}

/** Runs the loop until everything scheduled so far (and whatever that schedules once) has run. */
async function settle(loop: EventLoop): Promise<void> {
  const probe = new Future<void>(loop);
  loop.callSoon(() => loop.callSoon(() => probe.setResult()));
  await loop.runUntilComplete(probe);
}

/** A promise with its resolve and reject, for settling it when the test says. */
function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Runs `loop` until `future` is done; the failure it ends with (fails the test if none). */
async function failureOf(loop: EventLoop, future: Future): Promise<unknown> {
  try {
    await loop.runUntilComplete(future);
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

const thisFile = fileURLToPath(import.meta.url);

describe.each(['hosted', 'blocking'] as const)('wrapPromise (%s loop)', (mode) => {
  it('settles with the value of a promise that resolves later', async () => {
    const loop = makeLoop(mode);
    const { promise, resolve } = deferred<number>();
    const future = wrapPromise(promise, loop);
    expect(future).toBeInstanceOf(Future);
    expect(future.getLoop()).toBe(loop);
    expect(future.done()).toBe(false);
    loop.callLater(5, () => resolve(42));
    expect(await loop.runUntilComplete(future)).toBe(42);
    expect(future.result()).toBe(42);
  });

  it('fails with the very error the promise rejects with', async () => {
    const loop = makeLoop(mode);
    const boom = new Error('boom');
    const future = wrapPromise(Promise.reject(boom), loop);
    expect(await failureOf(loop, future)).toBe(boom);
    expect(future.exception()).toBe(boom);
  });

  it('is cancelled (with the message) when the promise rejects with CancelledError', async () => {
    const loop = makeLoop(mode);
    const future = wrapPromise(Promise.reject(new CancelledError('called off')), loop);
    const error = await failureOf(loop, future);
    expect(future.cancelled()).toBe(true);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).message).toBe('called off');
  });

  it('treats a CancelledError look-alike from another copy of the package as cancellation', async () => {
    const loop = makeLoop(mode);
    const foreign = Object.assign(new Error('from elsewhere'), { code: 'ERR_AIO_CANCELLED' });
    const future = wrapPromise(Promise.reject(foreign), loop);
    await failureOf(loop, future);
    expect(future.cancelled()).toBe(true);
  });

  it('once cancelled, ignores what the promise does later — with no unhandled rejection', async () => {
    const reported: ExceptionContext[] = [];
    const loop = makeLoop(mode, reported);
    const resolving = deferred<string>();
    const rejecting = deferred<string>();
    const resolved = wrapPromise(resolving.promise, loop);
    const rejected = wrapPromise(rejecting.promise, loop);
    expect(resolved.cancel()).toBe(true);
    expect(rejected.cancel()).toBe(true);
    resolving.resolve('too late');
    rejecting.reject(new Error('too late'));
    await loop.runUntilComplete(Promise.allSettled([resolving.promise, rejecting.promise]));
    await settle(loop);
    await sleep(20); // Node reports unhandled rejections after the microtask queue drains
    expect(resolved.cancelled()).toBe(true);
    expect(rejected.cancelled()).toBe(true);
    expect(unhandled).toEqual([]);
    expect(reported).toEqual([]);
  });

  it('of a Future returns that same future', () => {
    const loop = makeLoop(mode);
    const future = new Future<number>(loop);
    expect(wrapPromise(future, loop)).toBe(future);
  });

  // A blocking loop that slept through what Node does would sleep until this guard stops it
  // (runUntilComplete then fails) instead of hanging. Far above what a loaded machine needs for a
  // file read or a 30 ms timer, which is all that tells the two apart.
  const GUARD_MS = 10_000;

  it("completes for Node's fs, which runs only when Node gets a turn", async () => {
    const loop = makeLoop(mode);
    const guard = loop.callLater(GUARD_MS, () => loop.stop());
    const start = performance.now();
    const text = await loop.runUntilComplete(wrapPromise(readFile(thisFile, 'utf8'), loop));
    guard.cancel();
    expect(text).toContain("completes for Node's fs");
    expect(performance.now() - start).toBeLessThan(GUARD_MS);
  });

  it('completes for a Node timer the loop knows nothing about', async () => {
    const loop = makeLoop(mode);
    const guard = loop.callLater(GUARD_MS, () => loop.stop());
    const start = performance.now();
    const value = await loop.runUntilComplete(wrapPromise(sleep(30, 'timer'), loop));
    guard.cancel();
    expect(value).toBe('timer');
    const took = performance.now() - start;
    expect(took).toBeGreaterThanOrEqual(25);
    expect(took).toBeLessThan(GUARD_MS);
  });
});

describe('wrapPromise and a closed loop', () => {
  it('a promise settling after the loop closed is ignored, without an unhandled rejection', async () => {
    // A done-callback is waiting when the loop closes and the promise settles later: settling
    // the future would schedule it on a closed loop (LoopClosedError inside a promise reaction,
    // an unhandled rejection). wrapPromise must drop the outcome instead.
    const loop = makeLoop();
    const future = wrapPromise(sleep(10, 'late'), loop);
    future.addDoneCallback(() => {});
    loop.close();
    await sleep(40);
    expect(unhandled.map(String)).toEqual([]);
  });
});

describe('wrapPromise defaults', () => {
  it('uses the current loop when none is given', () => {
    const loop = makeLoop();
    setEventLoop(loop);
    expect(wrapPromise(Promise.resolve(1)).getLoop()).toBe(loop);
  });
});

describe('toPromise', () => {
  it('gives a real Promise that resolves with the result', async () => {
    const loop = makeLoop();
    const future = new Future<number>(loop);
    const promise = toPromise(future);
    expect(promise).toBeInstanceOf(Promise);
    loop.callLater(5, () => future.setResult(7));
    expect(await loop.runUntilComplete(promise)).toBe(7);
  });

  it('rejects with the exception', async () => {
    const loop = makeLoop();
    const future = new Future<number>(loop);
    const boom = new Error('boom');
    const promise = toPromise(future);
    loop.callSoon(() => future.setException(boom));
    await expect(loop.runUntilComplete(promise)).rejects.toBe(boom);
  });

  it('rejects with CancelledError for a cancelled future', async () => {
    const loop = makeLoop();
    const future = new Future<number>(loop);
    const promise = toPromise(future);
    loop.callSoon(() => future.cancel('nope'));
    await expect(loop.runUntilComplete(promise)).rejects.toThrow(CancelledError);
  });

  it('round-trips: wrapPromise(toPromise(f)) settles like f', async () => {
    const loop = makeLoop();
    const future = new Future<string>(loop);
    const back = wrapPromise(toPromise(future), loop);
    // (Not `expect(back).not.toBe(future)`: vitest's equality hint iterates both, and iterating a
    // pending future throws.)
    expect(back === future).toBe(false);
    loop.callSoon(() => future.setResult('round trip'));
    expect(await loop.runUntilComplete(back)).toBe('round trip');
  });
});

describe('chainFuture', () => {
  it('copies a result to the destination', async () => {
    const loop = makeLoop();
    const source = new Future<number>(loop);
    const destination = new Future<number>(loop);
    chainFuture(source, destination);
    loop.callSoon(() => source.setResult(5));
    expect(await loop.runUntilComplete(destination)).toBe(5);
  });

  it('copies an exception (the same object) to the destination', async () => {
    const loop = makeLoop();
    const source = new Future<number>(loop);
    const destination = new Future<number>(loop);
    chainFuture(source, destination);
    const boom = new TypeError('boom');
    source.setException(boom);
    expect(await failureOf(loop, destination)).toBe(boom);
    expect(destination.exception()).toBe(boom);
  });

  it('cancels the destination when the source is cancelled', async () => {
    const loop = makeLoop();
    const source = new Future<number>(loop);
    const destination = new Future<number>(loop);
    chainFuture(source, destination);
    source.cancel();
    expect(await failureOf(loop, destination)).toBeInstanceOf(CancelledError);
    expect(destination.cancelled()).toBe(true);
  });

  it('copies a source that is done already', async () => {
    const loop = makeLoop();
    const source = new Future<string>(loop);
    source.setResult('already');
    const destination = new Future<string>(loop);
    chainFuture(source, destination);
    expect(await loop.runUntilComplete(destination)).toBe('already');
  });

  it('cancelling the destination cancels the source', async () => {
    const loop = makeLoop();
    const source = new Future<number>(loop);
    const destination = new Future<number>(loop);
    chainFuture(source, destination);
    destination.cancel();
    expect(source.cancelled()).toBe(false); // through a done-callback, on the loop
    await settle(loop);
    expect(source.cancelled()).toBe(true);
  });

  it('a source finishing after the destination was cancelled changes nothing and reports nothing', async () => {
    const reported: ExceptionContext[] = [];
    const loop = makeLoop('hosted', reported);
    const source = new Future<number>(loop);
    const destination = new Future<number>(loop);
    chainFuture(source, destination);
    destination.cancel();
    source.setResult(1); // before the destination's done-callback could cancel it
    await settle(loop);
    expect(destination.cancelled()).toBe(true);
    expect(source.result()).toBe(1);
    expect(reported).toEqual([]);
  });

  it('a promise rejected with no reason is copied as a failure too', async () => {
    // A rejection with `undefined` must still count as a failure: the source future gets an
    // Error saying so, and chainFuture copies it instead of mistaking it for a result.
    const reported: ExceptionContext[] = [];
    const loop = makeLoop('hosted', reported);
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the point
    const source = wrapPromise(Promise.reject(undefined), loop);
    const destination = new Future<number>(loop);
    chainFuture(source, destination);
    // Only for a source that never settles: a loaded machine may take a while to get there.
    const guard = loop.callLater(10_000, () => loop.stop());
    try {
      await loop.runUntilComplete(source).catch(() => {});
      await settle(loop);
      expect(reported.map((c) => c.message)).toEqual([]);
      expect(destination.done()).toBe(true);
    } finally {
      guard.cancel();
    }
  });

  it('across two loops: the destination settles on its own loop', async () => {
    const sourceLoop = makeLoop();
    const destinationLoop = makeLoop();
    const source = new Future<number>(sourceLoop);
    const destination = new Future<number>(destinationLoop);
    chainFuture(source, destination);
    source.setResult(3);
    await settle(sourceLoop);
    expect(destination.result()).toBe(3);
    expect(await destinationLoop.runUntilComplete(destination)).toBe(3);
  });
});
