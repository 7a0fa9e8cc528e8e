/**
 * Future semantics on a real loop: states and their one-way transitions, results and exceptions,
 * done-callbacks (always scheduled on the loop, never inline), the two ways to wait (thenable,
 * iterable), the printed forms, and the report of an exception nobody retrieved.
 */
import { EventLoop, getRunningLoop, setEventLoop, type ExceptionContext } from '@aio/loop';
import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError, InvalidStateError } from './errors';
import { Future, WAKE_UP, isFuture, type FutureWaiter } from './future';

const loops: EventLoop[] = [];

afterEach(() => {
  setEventLoop(null);
  for (const loop of loops.splice(0)) if (!loop.isRunning()) loop.close();
});

/** A hosted loop whose exception handler records every context instead of logging it. */
function makeLoop(reported: ExceptionContext[] = []): EventLoop {
  const loop = new EventLoop({ log: (text) => reported.push({ message: `log: ${text}` }) });
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

/** What `fn` throws (fails the test if it does not). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('states', () => {
  it('starts pending: not done, not cancelled, result() and exception() refuse', () => {
    const future = new Future<number>(makeLoop());
    expect(future.state).toBe('PENDING');
    expect(future.done()).toBe(false);
    expect(future.cancelled()).toBe(false);
    expect(() => future.result()).toThrow(InvalidStateError);
    expect(() => future.result()).toThrow('Result is not ready.');
    expect(() => future.exception()).toThrow(InvalidStateError);
  });

  it('pending → finished with a result', () => {
    const future = new Future<number>(makeLoop());
    future.setResult(42);
    expect(future.state).toBe('FINISHED');
    expect(future.done()).toBe(true);
    expect(future.cancelled()).toBe(false);
    expect(future.result()).toBe(42);
    expect(future.exception()).toBeUndefined();
  });

  it('pending → finished with an exception: result() throws that very exception', () => {
    const future = new Future<number>(makeLoop());
    const boom = new RangeError('boom');
    future.setException(boom);
    expect(future.state).toBe('FINISHED');
    expect(future.done()).toBe(true);
    expect(future.cancelled()).toBe(false);
    expect(future.exception()).toBe(boom);
    expect(thrown(() => future.result())).toBe(boom);
  });

  it('keeps a non-Error exception as it was given', () => {
    const future = new Future<number>(makeLoop());
    future.setException('just a string');
    expect(future.exception()).toBe('just a string');
    expect(thrown(() => future.result())).toBe('just a string');
  });

  it('pending → cancelled: result() and exception() throw CancelledError with the message', () => {
    const future = new Future<number>(makeLoop());
    expect(future.cancel('no longer needed')).toBe(true);
    expect(future.state).toBe('CANCELLED');
    expect(future.done()).toBe(true);
    expect(future.cancelled()).toBe(true);
    for (const read of [() => future.result(), () => future.exception()]) {
      const error = thrown(read);
      expect(error).toBeInstanceOf(CancelledError);
      expect((error as CancelledError).message).toBe('no longer needed');
      expect((error as CancelledError).code).toBe('ERR_AIO_CANCELLED');
    }
  });

  it('a cancel without a message gives a CancelledError with an empty message', () => {
    const future = new Future(makeLoop());
    future.cancel();
    const error = thrown(() => future.result()) as CancelledError;
    expect(error).toBeInstanceOf(CancelledError);
    expect(error.message).toBe('');
  });

  it.each([
    ['a result', (f: Future<number>) => f.setResult(1)],
    ['an exception', (f: Future<number>) => f.setException(new Error('first'))],
    ['cancellation', (f: Future<number>) => f.cancel('first')],
  ] as const)(
    'once done by %s, it stays so: setResult/setException throw, cancel() is false',
    (_how, finish) => {
      const future = new Future<number>(makeLoop());
      finish(future);
      const state = future.state;
      const before = future.toString();
      expect(() => future.setResult(2)).toThrow(InvalidStateError);
      expect(() => future.setException(new Error('second'))).toThrow(InvalidStateError);
      expect(future.cancel('second')).toBe(false);
      expect(future.state).toBe(state);
      expect(future.toString()).toBe(before);
      if (state === 'CANCELLED') expect(() => future.result()).toThrow('first');
      else if (future.exception() === undefined) expect(future.result()).toBe(1);
      else expect((future.exception() as Error).message).toBe('first');
    },
  );

  it('the InvalidStateError says what state the future was in', () => {
    const future = new Future<number>(makeLoop());
    future.setResult(1);
    const error = thrown(() => future.setResult(2)) as InvalidStateError;
    expect(error.code).toBe('ERR_AIO_INVALID_STATE');
    expect(error.message).toContain('FINISHED');
  });
});

describe('done callbacks', () => {
  it('are scheduled with callSoon, never called inline: code after setResult runs first', async () => {
    const loop = makeLoop();
    const future = new Future<string>(loop);
    const order: string[] = [];
    future.addDoneCallback((f) => order.push(`callback saw ${f.result()}`));
    future.setResult('value');
    order.push('after setResult');
    expect(order).toEqual(['after setResult']);
    await settle(loop);
    expect(order).toEqual(['after setResult', 'callback saw value']);
  });

  it('are not called inline by cancel() or setException() either', async () => {
    const loop = makeLoop();
    const cancelled = new Future(loop);
    const failed = new Future(loop);
    const calls: string[] = [];
    cancelled.addDoneCallback(() => calls.push('cancelled'));
    failed.addDoneCallback((f) => calls.push(`failed: ${(f.exception() as Error).message}`));
    cancelled.cancel();
    failed.setException(new Error('x'));
    expect(calls).toEqual([]);
    await settle(loop);
    expect(calls).toEqual(['cancelled', 'failed: x']);
  });

  it('run on the loop (it is the running loop inside them), with the future as argument', async () => {
    const loop = makeLoop();
    const future = new Future<number>(loop);
    let seen: { loop: EventLoop; arg: unknown } | undefined;
    future.addDoneCallback((arg) => {
      seen = { loop: getRunningLoop(), arg };
    });
    future.setResult(1);
    await settle(loop);
    expect(seen?.loop).toBe(loop);
    expect(seen?.arg).toBe(future);
  });

  it('run in registration order, each once', async () => {
    const loop = makeLoop();
    const future = new Future<number>(loop);
    const order: string[] = [];
    for (const name of ['a', 'b', 'c', 'd']) future.addDoneCallback(() => order.push(name));
    future.setResult(0);
    await settle(loop);
    await settle(loop);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('take their turn after callbacks the loop already had queued (FIFO)', async () => {
    const loop = makeLoop();
    const future = new Future<number>(loop);
    const order: string[] = [];
    future.addDoneCallback(() => order.push('done callback'));
    loop.callSoon(() => order.push('queued before setResult'));
    future.setResult(0);
    loop.callSoon(() => order.push('queued after setResult'));
    await settle(loop);
    expect(order).toEqual(['queued before setResult', 'done callback', 'queued after setResult']);
  });

  it('added to a done future are scheduled (not called inline)', async () => {
    const loop = makeLoop();
    const future = new Future<number>(loop);
    future.setResult(7);
    const calls: number[] = [];
    future.addDoneCallback((f) => calls.push(f.result()));
    expect(calls).toEqual([]);
    await settle(loop);
    expect(calls).toEqual([7]);
  });

  it('removeDoneCallback removes every registration and returns how many', async () => {
    const loop = makeLoop();
    const future = new Future<number>(loop);
    const calls: string[] = [];
    const twice = (): number => calls.push('twice');
    const kept = (): number => calls.push('kept');
    future.addDoneCallback(twice);
    future.addDoneCallback(kept);
    future.addDoneCallback(twice);
    expect(future.removeDoneCallback(twice)).toBe(2);
    expect(future.removeDoneCallback(twice)).toBe(0);
    expect(future.removeDoneCallback(() => {})).toBe(0);
    future.setResult(1);
    await settle(loop);
    expect(calls).toEqual(['kept']);
  });

  it('once scheduled they can no longer be removed (removeDoneCallback returns 0)', async () => {
    const loop = makeLoop();
    const future = new Future<number>(loop);
    const calls: string[] = [];
    const cb = (): number => calls.push('ran');
    future.addDoneCallback(cb);
    future.setResult(1);
    expect(future.removeDoneCallback(cb)).toBe(0);
    await settle(loop);
    expect(calls).toEqual(['ran']);
  });

  it('a callback that throws goes to the exception handler; the others still run', async () => {
    const reported: ExceptionContext[] = [];
    const loop = makeLoop(reported);
    const future = new Future<number>(loop);
    const calls: string[] = [];
    future.addDoneCallback(() => {
      throw new Error('callback failed');
    });
    future.addDoneCallback(() => calls.push('second'));
    future.setResult(1);
    await settle(loop);
    expect(calls).toEqual(['second']);
    expect(reported).toHaveLength(1);
    expect((reported[0]!.exception as Error).message).toBe('callback failed');
  });
});

describe('waiter objects (addWaiter, for the layers above)', () => {
  class Recorder implements FutureWaiter {
    readonly woken: unknown[] = [];
    [WAKE_UP](future: Future): void {
      this.woken.push(future.result());
    }
  }

  it('are woken inline, the moment the future is done', () => {
    const loop = makeLoop();
    const future = new Future<number>(loop);
    const waiter = new Recorder();
    future.addWaiter(waiter);
    expect(future.toString()).toBe('<Future pending cb=[Recorder.wakeup()]>');
    future.setResult(5);
    expect(waiter.woken).toEqual([5]); // inline: no loop iteration ran
  });

  it('added to a done future are woken through callSoon', async () => {
    const loop = makeLoop();
    const future = new Future<number>(loop);
    future.setResult(9);
    const waiter = new Recorder();
    future.addWaiter(waiter);
    expect(waiter.woken).toEqual([]);
    await settle(loop);
    expect(waiter.woken).toEqual([9]);
  });

  it('share the callback list with done-callbacks, in registration order', async () => {
    const loop = makeLoop();
    const future = new Future<string>(loop);
    const order: string[] = [];
    future.addDoneCallback(() => order.push('callback'));
    future.addWaiter({ [WAKE_UP]: () => order.push('waiter') });
    future.setResult('x');
    expect(order).toEqual(['waiter']); // the callback waits for callSoon
    await settle(loop);
    expect(order).toEqual(['waiter', 'callback']);
  });
});

describe('its loop', () => {
  it('getLoop() is the loop it was given', () => {
    const loop = makeLoop();
    expect(new Future(loop).getLoop()).toBe(loop);
  });

  it('defaults to the running loop inside a callback of a running loop', async () => {
    const running = makeLoop();
    const current = makeLoop();
    setEventLoop(current);
    let made: Future | undefined;
    running.callSoon(() => {
      made = new Future();
    });
    await settle(running);
    expect(made?.getLoop()).toBe(running);
  });

  it('defaults to the current loop when none is running', () => {
    const current = makeLoop();
    setEventLoop(current);
    expect(new Future().getLoop()).toBe(current);
  });

  it('with no loop at all, makes a new current loop', () => {
    const future = new Future();
    const loop = future.getLoop();
    loops.push(loop);
    expect(loop).toBeInstanceOf(EventLoop);
    expect(new Future().getLoop()).toBe(loop);
  });
});

describe('await future (thenable)', () => {
  it('resolves with the result once the loop runs its callbacks', async () => {
    const loop = makeLoop();
    const future = new Future<number>(loop);
    loop.callLater(5, () => future.setResult(42));
    const main = async (): Promise<number> => (await future) + 1;
    expect(await loop.runUntilComplete(main())).toBe(43);
  });

  it('resolves for a future that is done already', async () => {
    const loop = makeLoop();
    const future = new Future<string>(loop);
    future.setResult('early');
    const main = async (): Promise<string> => await future;
    expect(await loop.runUntilComplete(main())).toBe('early');
  });

  it('rejects with the exception', async () => {
    const loop = makeLoop();
    const future = new Future<number>(loop);
    const boom = new Error('boom');
    loop.callSoon(() => future.setException(boom));
    const main = async (): Promise<unknown> => {
      try {
        await future;
        return 'no throw';
      } catch (error) {
        return error;
      }
    };
    expect(await loop.runUntilComplete(main())).toBe(boom);
  });

  it('rejects with CancelledError (and its message) for a cancelled future', async () => {
    const loop = makeLoop();
    const future = new Future<number>(loop);
    loop.callSoon(() => future.cancel('stop'));
    const main = async (): Promise<unknown> => {
      try {
        await future;
        return 'no throw';
      } catch (error) {
        return error;
      }
    };
    const error = await loop.runUntilComplete(main());
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).message).toBe('stop');
  });

  it('then() chains like a promise: both handlers, and the value they return', async () => {
    const loop = makeLoop();
    const ok = new Future<number>(loop);
    const bad = new Future<number>(loop);
    ok.setResult(2);
    bad.setException(new Error('bad'));
    const doubled = ok.then((x) => x * 2);
    const recovered = bad.then(
      () => 'not this',
      (error: unknown) => `caught ${(error as Error).message}`,
    );
    expect(doubled).toBeInstanceOf(Promise);
    expect(await loop.runUntilComplete(Promise.all([doubled, recovered]))).toEqual([
      4,
      'caught bad',
    ]);
  });
});

describe('yield* future (iterable)', () => {
  it('yields the pending future itself, then returns its result', () => {
    const future = new Future<number>(makeLoop());
    let got: number | undefined;
    function* coroutine(): Generator<Future<number>, string, unknown> {
      got = yield* future;
      return `got ${got}`;
    }
    const gen = coroutine();
    const first = gen.next();
    expect(first.done).toBe(false);
    expect(first.value).toBe(future);
    future.setResult(5);
    const second = gen.next();
    expect(second).toEqual({ done: true, value: 'got 5' });
    expect(got).toBe(5);
  });

  it('does not yield at all for a future that is done already', () => {
    const future = new Future<number>(makeLoop());
    future.setResult(9);
    function* coroutine(): Generator<Future<number>, number, unknown> {
      return yield* future;
    }
    expect(coroutine().next()).toEqual({ done: true, value: 9 });
  });

  it('throws the exception into the generator when resumed', () => {
    const future = new Future<number>(makeLoop());
    const boom = new Error('boom');
    function* coroutine(): Generator<Future<number>, unknown, unknown> {
      try {
        return yield* future;
      } catch (error) {
        return error;
      }
    }
    const gen = coroutine();
    expect(gen.next().value).toBe(future);
    future.setException(boom);
    expect(gen.next()).toEqual({ done: true, value: boom });
  });

  it('throws CancelledError into the generator for a cancelled future', () => {
    const future = new Future<number>(makeLoop());
    function* coroutine(): Generator<Future<number>, number, unknown> {
      return yield* future;
    }
    const gen = coroutine();
    gen.next();
    future.cancel('gone');
    expect(() => gen.next()).toThrow(CancelledError);
  });

  it('refuses to be resumed before the future is done', () => {
    const future = new Future<number>(makeLoop());
    function* coroutine(): Generator<Future<number>, number, unknown> {
      return yield* future;
    }
    const gen = coroutine();
    gen.next();
    expect(() => gen.next()).toThrow(InvalidStateError);
  });
});

describe('toString', () => {
  it('prints each state as asyncio does', () => {
    const loop = makeLoop();
    const pending = new Future(loop);
    expect(pending.toString()).toBe('<Future pending>');
    expect(String(pending)).toBe('<Future pending>');

    function wakeup(): void {}
    const watched = new Future(loop);
    watched.addDoneCallback(wakeup);
    expect(watched.toString()).toBe('<Future pending cb=[wakeup()]>');
    watched.addDoneCallback(function other() {});
    expect(watched.toString()).toBe('<Future pending cb=[wakeup(), other()]>');

    const finished = new Future<number>(loop);
    finished.setResult(42);
    expect(finished.toString()).toBe('<Future finished result=42>');

    const text = new Future<string>(loop);
    text.setResult('hi');
    expect(text.toString()).toBe('<Future finished result="hi">');

    const failed = new Future(loop);
    failed.setException(new Error('boom'));
    expect(failed.toString()).toBe('<Future finished exception=Error("boom")>');
    failed.exception();

    const cancelled = new Future(loop);
    cancelled.cancel();
    expect(cancelled.toString()).toBe('<Future cancelled>');
  });

  it('uses the subclass name, and toStringTag', () => {
    class Task extends Future<number> {}
    const task = new Task(makeLoop());
    expect(task.toString()).toBe('<Task pending>');
    expect(Object.prototype.toString.call(task)).toBe('[object Task]');
  });
});

describe('isFuture', () => {
  it('is true for futures (and subclasses, and a future branded by another copy)', () => {
    const loop = makeLoop();
    class Sub extends Future {}
    expect(isFuture(new Future(loop))).toBe(true);
    expect(Future.isFuture(new Sub(loop))).toBe(true);
    expect(isFuture({ [Symbol.for('@aio/future.Future')]: true })).toBe(true);
  });

  it('is false for promises, thenables and everything else', () => {
    for (const [label, value] of [
      ['a promise', Promise.resolve(1)],
      ['a thenable', { then() {} }],
      ['a future look-alike', { done: () => true, result: () => 1, addDoneCallback() {} }],
      ['null', null],
      ['undefined', undefined],
      ['a number', 42],
      ['a string', 'future'],
    ] as const) {
      expect(isFuture(value), label).toBe(false);
    }
  });
});

describe('an exception never retrieved', () => {
  const MESSAGE = 'Future exception was never retrieved';

  it('is reported through the exception handler when the loop closes', () => {
    const reported: ExceptionContext[] = [];
    const loop = makeLoop(reported);
    const lost = new Error('lost');
    const future = new Future(loop);
    future.setException(lost);
    expect(reported).toEqual([]);
    loop.close();
    expect(reported).toHaveLength(1);
    expect(reported[0]!.message).toBe(MESSAGE);
    expect(reported[0]!.exception).toBe(lost);
    expect(String(reported[0]!.future)).toBe('<Future finished exception=Error("lost")>');
  });

  it("also reaches the default handler's log sink, with the stack", () => {
    const logged: string[] = [];
    const loop = new EventLoop({ log: (text) => logged.push(text) });
    loops.push(loop);
    new Future(loop).setException(new Error('into the log'));
    loop.close();
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^Future exception was never retrieved\n/);
    expect(logged[0]).toContain('Error: into the log\n    at ');
  });

  it('names the subclass in the message', () => {
    const reported: ExceptionContext[] = [];
    const loop = makeLoop(reported);
    class Job extends Future {}
    new Job(loop).setException(new Error('x'));
    loop.close();
    expect(reported.map((c) => c.message)).toEqual(['Job exception was never retrieved']);
  });

  it.each([
    ['result()', (f: Future): unknown => thrown(() => f.result())],
    ['exception()', (f: Future): unknown => f.exception()],
  ] as const)('is not reported once %s retrieved it', (_how, retrieve) => {
    const reported: ExceptionContext[] = [];
    const loop = makeLoop(reported);
    const future = new Future(loop);
    future.setException(new Error('seen'));
    retrieve(future);
    loop.close();
    expect(reported).toEqual([]);
  });

  it('is not reported once await retrieved it', async () => {
    const reported: ExceptionContext[] = [];
    const loop = makeLoop(reported);
    const future = new Future(loop);
    loop.callSoon(() => future.setException(new Error('awaited')));
    const main = async (): Promise<string> => {
      try {
        await future;
        return 'no throw';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(await loop.runUntilComplete(main())).toBe('awaited');
    loop.close();
    expect(reported).toEqual([]);
  });

  it('is not reported for a result or a cancellation, and only once per future', () => {
    const reported: ExceptionContext[] = [];
    const loop = makeLoop(reported);
    new Future(loop).setResult(1);
    new Future(loop).cancel();
    new Future(loop).setException(new Error('one'));
    new Future(loop).setException(new Error('two'));
    loop.close();
    loop.close();
    expect(reported.map((c) => (c.exception as Error).message).sort()).toEqual(['one', 'two']);
  });

  describe('on garbage collection', () => {
    const gc = (globalThis as { gc?: () => void }).gc;

    /** Makes a future that fails and drops it: nothing outside this frame refers to it. */
    function dropFailedFuture(loop: EventLoop, error: unknown, retrieve: boolean): void {
      const future = new Future(loop);
      future.setException(error);
      if (retrieve) future.exception();
    }

    /**
     * Collects garbage on later macrotasks until `until()` holds or 100 rounds passed (about a
     * second alone): counted in rounds, not time, so a loaded machine gets as many.
     */
    async function collect(until: () => boolean): Promise<void> {
      let rounds = 0;
      do {
        gc!();
        await new Promise((resolve) => setTimeout(resolve, 10));
      } while (!until() && ++rounds < 100);
    }

    it('the test process exposes gc()', () => {
      expect(typeof gc).toBe('function');
    });

    it('is reported when the future is collected, while the loop is still open', async () => {
      const reported: ExceptionContext[] = [];
      const loop = makeLoop(reported);
      const lost = new Error('collected');
      dropFailedFuture(loop, lost, false);
      expect(reported).toEqual([]);
      await collect(() => reported.length > 0);
      expect(reported).toHaveLength(1);
      expect(reported[0]!.message).toBe(MESSAGE);
      expect(reported[0]!.exception).toBe(lost);
      expect(String(reported[0]!.future)).toBe('<Future finished exception=Error("collected")>');
      // Reported once: closing the loop does not report it again.
      loop.close();
      expect(reported).toHaveLength(1);
    });

    it('is not reported when a retrieved one is collected', async () => {
      const reported: ExceptionContext[] = [];
      const loop = makeLoop(reported);
      dropFailedFuture(loop, new Error('retrieved'), true);
      // A sentinel, dropped the same way, shows that collection did happen meanwhile.
      const sentinel = new Error('sentinel');
      dropFailedFuture(loop, sentinel, false);
      await collect(() => reported.length > 0);
      expect(reported.map((c) => c.exception)).toEqual([sentinel]);
    });
  });
});
