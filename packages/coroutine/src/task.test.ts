/**
 * Task: how a generator coroutine (and an async function) is driven, on a real loop.
 *
 * The loops run on virtual time (the loop package's test-support.ts): a real selector, but a
 * clock that moves only when the loop waits. Several tests line things up with timers (a cancel
 * at 5 ms while the task sleeps for a second), which a loaded machine on a real clock could let
 * fall due in one iteration.
 */
import { EventLoop, type LoopMode } from '@aio/loop';
import { virtualTime, type VirtualTime } from '../../loop/src/test-support';
import { CancelledError, Future } from '@aio/future';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from './sleep';
import { Task, allTasks, createTask, currentTask } from './task';

const loops: EventLoop[] = [];
afterEach(() => {
  for (const loop of loops.splice(0)) if (!loop.isRunning()) loop.close();
});

/** A loop's clock and selector on virtual time. */
function onVirtualTime(): { clock: () => number; selector: VirtualTime['selector'] } {
  const time = virtualTime();
  return { clock: time.clock, selector: time.selector };
}

/** A loop on virtual time, logging into `logged`, closed after the test. */
function makeLoop(mode: LoopMode = 'hosted', logged: string[] = []): EventLoop {
  const loop = new EventLoop({ mode, ...onVirtualTime(), log: (text) => logged.push(text) });
  loops.push(loop);
  return loop;
}

describe.each(['hosted', 'blocking'] as const)('Task driving a generator (%s mode)', (mode) => {
  it('never runs its first step inline', async () => {
    const loop = makeLoop(mode);
    const order: string[] = [];
    const task = createTask(
      (function* () {
        order.push('coroutine');
        return 1;
      })(),
      { loop },
    );
    order.push('after createTask');
    expect(await loop.runUntilComplete(task)).toBe(1);
    expect(order).toEqual(['after createTask', 'coroutine']);
  });

  it('sends each awaited result back in, with yield and with yield*', async () => {
    const loop = makeLoop(mode);
    const a = new Future<number>(loop);
    const b = new Future<string>(loop);
    loop.callLater(5, () => a.setResult(1));
    loop.callLater(10, () => b.setResult('two'));
    const task = createTask(
      (function* () {
        const x = (yield a) as number;
        const y: string = yield* b;
        return `${x} ${y}`;
      })(),
      { loop },
    );
    expect(await loop.runUntilComplete(task)).toBe('1 two');
  });

  it('delegates to sub-generators with yield*, exceptions and all', async () => {
    const loop = makeLoop(mode);
    function* inner(n: number): Generator<unknown, number, unknown> {
      yield* sleep(1);
      if (n < 0) throw new RangeError('negative');
      return n * 10;
    }
    const task = createTask(
      (function* () {
        const ten = yield* inner(1);
        try {
          yield* inner(-1);
        } catch (error) {
          return [ten, (error as Error).message];
        }
        return [];
      })(),
      { loop },
    );
    expect(await loop.runUntilComplete(task)).toEqual([10, 'negative']);
  });

  it('awaits a Promise, an array (together) and a Task', async () => {
    const loop = makeLoop(mode);
    const child = createTask(
      (function* () {
        yield* sleep(5);
        return 'child';
      })(),
      { loop },
    );
    const task = createTask(
      (function* (): Generator<unknown, unknown[], unknown> {
        const fromPromise = yield Promise.resolve('promise');
        const both = yield [sleep(3, 'a'), sleep(1, 'b')];
        const fromTask = yield child;
        return [fromPromise, both, fromTask];
      })(),
      { loop },
    );
    expect(await loop.runUntilComplete(task)).toEqual(['promise', ['a', 'b'], 'child']);
  });

  it('throws a failed awaitable into the coroutine, where it can be caught', async () => {
    const loop = makeLoop(mode);
    const failing = new Future<number>(loop);
    loop.callSoon(() => failing.setException(new Error('boom')));
    const task = createTask(
      (function* () {
        try {
          yield failing;
        } catch (error) {
          return `caught ${(error as Error).message}`;
        }
        return 'not reached';
      })(),
      { loop },
    );
    expect(await loop.runUntilComplete(task)).toBe('caught boom');
  });

  it('ends with the exception its coroutine raises', async () => {
    const loop = makeLoop(mode);
    const task = createTask(
      (function* () {
        yield* sleep(1);
        throw new TypeError('bad');
      })(),
      { loop },
    );
    await expect(loop.runUntilComplete(task)).rejects.toThrow('bad');
    expect(task.exception()).toBeInstanceOf(TypeError);
  });

  it('sleep(0) gives up exactly one loop iteration', async () => {
    const loop = makeLoop(mode);
    const order: string[] = [];
    const task = createTask(
      (function* () {
        order.push('before');
        loop.callSoon(() => order.push('iteration 1'));
        yield* sleep(0);
        order.push('after sleep(0)');
        loop.callSoon(() => order.push('iteration 3'));
        yield sleep(0);
        order.push('after yield sleep(0)');
      })(),
      { loop },
    );
    await loop.runUntilComplete(task);
    // The callback scheduled before sleep(0) runs in the same iteration the task resumes in,
    // but first: the task resumes in the very next iteration, not later.
    expect(order).toEqual([
      'before',
      'iteration 1',
      'after sleep(0)',
      'iteration 3',
      'after yield sleep(0)',
    ]);
  });

  it('a bare yield also gives up one iteration', async () => {
    const loop = makeLoop(mode);
    let steps = 0;
    const task = createTask(
      (function* () {
        for (let i = 0; i < 5; i++) {
          steps++;
          yield;
        }
        return steps;
      })(),
      { loop },
    );
    expect(await loop.runUntilComplete(task)).toBe(5);
  });

  it('throws a TypeError naming what was yielded, and where, into the coroutine', async () => {
    const loop = makeLoop(mode);
    const task = createTask(
      (function* fetchPage() {
        try {
          yield 42;
        } catch (error) {
          return (error as Error).message;
        }
        return '';
      })(),
      { loop, name: 'fetch-1' },
    );
    expect(await loop.runUntilComplete(task)).toMatch(
      /^coroutine fetchPage\(\) \(task fetch-1\) yielded 42, which is not awaitable: yield a Future, a Task, a Promise or an array of them, or yield\* a generator$/,
    );
  });

  it('says to use yield* when a generator is yielded', async () => {
    const loop = makeLoop(mode);
    function* sub(): Generator<unknown, number, unknown> {
      return 1;
    }
    const task = createTask(
      (function* main() {
        yield sub();
      })(),
      { loop },
    );
    await expect(loop.runUntilComplete(task)).rejects.toThrow(
      /yielded a generator: delegate to it with yield\* instead of yield/,
    );
  });

  it('cannot await itself', async () => {
    const loop = makeLoop(mode);
    const self: { task?: Task<void> } = {};
    self.task = createTask(
      (function* () {
        yield self.task;
      })(),
      { loop },
    );
    await expect(loop.runUntilComplete(self.task)).rejects.toThrow(/^Task cannot await on itself/);
  });

  describe('cancellation', () => {
    it('throws CancelledError into the coroutine at its yield, runs finally, cancels the awaited future', async () => {
      const loop = makeLoop(mode);
      const waitedOn = new Future<void>(loop);
      const log: string[] = [];
      const task = createTask(
        (function* () {
          try {
            yield waitedOn;
          } finally {
            log.push('finally');
          }
        })(),
        { loop },
      );
      loop.callLater(5, () => task.cancel('stop it'));
      await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
      expect(task.cancelled()).toBe(true);
      expect(waitedOn.cancelled()).toBe(true);
      expect(log).toEqual(['finally']);
      expect(() => task.result()).toThrow('stop it');
    });

    it('a coroutine may catch the cancellation and go on (cancel-then-catch)', async () => {
      const loop = makeLoop(mode);
      const task = createTask(
        (function* () {
          try {
            yield* sleep(1000);
          } catch (error) {
            if (!(error instanceof CancelledError)) throw error;
          }
          yield* sleep(1);
          return 'survived';
        })(),
        { loop },
      );
      loop.callLater(5, () => task.cancel());
      expect(await loop.runUntilComplete(task)).toBe('survived');
      expect(task.cancelling()).toBe(1);
      expect(task.uncancel()).toBe(0);
    });

    it('cancelling again while it cleans up in finally interrupts the cleanup too', async () => {
      const loop = makeLoop(mode);
      const log: string[] = [];
      const task: Task<void> = createTask(
        (function* () {
          try {
            yield* sleep(1000);
          } finally {
            log.push('cleanup start');
            // The second cancellation arrives while the cleanup waits.
            loop.callLater(5, () => task.cancel());
            try {
              yield* sleep(1000);
              log.push('cleanup end');
            } catch (error) {
              log.push(`cleanup ${(error as Error).name}`);
              // eslint-disable-next-line no-unsafe-finally -- the point: the cleanup itself is cancelled
              throw error;
            }
          }
        })(),
        { loop },
      );
      loop.callLater(5, () => task.cancel());
      await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
      expect(log).toEqual(['cleanup start', 'cleanup CancelledError']);
      expect(task.cancelling()).toBe(2);
    });

    it('a task cancelled before its first step never runs its body', async () => {
      const loop = makeLoop(mode);
      let ran = false;
      const task = createTask(
        (function* () {
          ran = true;
          yield* sleep(1);
        })(),
        { loop },
      );
      expect(task.cancel()).toBe(true);
      await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
      expect(ran).toBe(false);
      expect(task.cancel()).toBe(false);
    });
  });

  it('knows its name, its coroutine, the current task and all tasks, and prints them', async () => {
    const loop = makeLoop(mode);
    const waitedOn = new Future<void>(loop);
    let seenCurrent: Task | null = null;
    const gen = (function* fetchPage() {
      seenCurrent = currentTask();
      yield waitedOn;
    })();
    const task = createTask(gen, { loop, name: 'fetch-3' });
    expect(task.getName()).toBe('fetch-3');
    task.setName('fetch-4');
    expect(task.getCoro()).toBe(gen);
    expect(String(task)).toBe('<Task pending name=fetch-4 coro=fetchPage()>');
    let whileWaiting = '';
    let tasksWhileWaiting = new Set<Task>();
    loop.callLater(5, () => {
      whileWaiting = String(task);
      tasksWhileWaiting = allTasks(loop);
      waitedOn.setResult();
    });
    await loop.runUntilComplete(task);
    expect(whileWaiting).toMatch(
      /^<Task pending name=fetch-4 (cb=\[\w+\(\)\] )?coro=fetchPage\(\) wait_for=<Future pending cb=\[Task\.wakeup\(\)\]>>$/,
    );
    expect(tasksWhileWaiting).toEqual(new Set([task]));
    expect(seenCurrent).toBe(task);
    expect(currentTask(loop)).toBeNull();
    expect(allTasks(loop).size).toBe(0);
    expect(String(task)).toBe('<Task finished name=fetch-4 result=undefined coro=fetchPage()>');
    expect(() => task.setResult()).toThrow(/Task does not support setResult/);
  });

  it('reports an exception nobody retrieved when its loop closes', async () => {
    const logged: string[] = [];
    const loop = new EventLoop({ mode, ...onVirtualTime(), log: (text) => logged.push(text) });
    createTask(
      (function* failing() {
        yield* sleep(1);
        throw new Error('lost');
      })(),
      { loop, name: 'lost-task' },
    ).addDoneCallback(function stopLoop() {
      loop.stop();
    });
    await loop.runForever();
    loop.close();
    expect(logged.join('\n')).toMatch(
      /^Task exception was never retrieved\nfuture: <Task finished name=lost-task exception=Error\("lost"\) cb=\[stopLoop\(\)\] coro=failing\(\)>\nError: lost/,
    );
  });
});

describe('Task running an async function (hosted mode)', () => {
  it('follows its promise to a result or an exception', async () => {
    const loop = makeLoop();
    const ok = createTask(
      async () => {
        await sleep(2);
        return 'done';
      },
      { loop },
    );
    expect(await loop.runUntilComplete(ok)).toBe('done');
    const bad = createTask(
      async () => {
        await sleep(1);
        throw new Error('async boom');
      },
      { loop },
    );
    await expect(loop.runUntilComplete(bad)).rejects.toThrow('async boom');
  });

  it('runs the function in its first step, not inline, with currentTask set', async () => {
    const loop = makeLoop();
    const order: string[] = [];
    let seen: Task | null = null;
    const task = createTask(
      async () => {
        order.push('body');
        seen = currentTask();
        return 1;
      },
      { loop },
    );
    order.push('after createTask');
    await loop.runUntilComplete(task);
    expect(order).toEqual(['after createTask', 'body']);
    expect(seen).toBe(task);
  });

  it('cancelling aborts its signal; rejecting with the reason ends it cancelled', async () => {
    const loop = makeLoop();
    let aborted: unknown;
    const task = createTask(
      (signal) =>
        new Promise<never>((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted = signal.reason;
            reject(signal.reason as Error);
          });
        }),
      { loop },
    );
    loop.callLater(5, () => task.cancel('enough'));
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(task.cancelled()).toBe(true);
    expect(aborted).toBeInstanceOf(CancelledError);
    expect((aborted as Error).message).toBe('enough');
  });

  it('an async function that ignores the abort and returns ends with its result', async () => {
    const loop = makeLoop();
    const task = createTask(
      async (signal) => {
        await sleep(10);
        return signal.aborted ? 'ignored the cancellation' : 'never cancelled';
      },
      { loop },
    );
    loop.callLater(2, () => task.cancel());
    expect(await loop.runUntilComplete(task)).toBe('ignored the cancellation');
  });

  it('a rejected promise that nobody awaits is not an unhandled rejection', async () => {
    const loop = makeLoop();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const task = createTask(
        async () => {
          throw new Error('retrieved later');
        },
        { loop },
      );
      const timer = new Future<void>(loop);
      loop.callLater(20, () => timer.setResult());
      await loop.runUntilComplete(timer);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
      expect(task.exception()).toBeInstanceOf(Error);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('also accepts a plain promise', async () => {
    const loop = makeLoop();
    const task = createTask(Promise.resolve(7), { loop });
    expect(await loop.runUntilComplete(task)).toBe(7);
  });

  it('rejects what it cannot run with a TypeError', () => {
    const loop = makeLoop();
    expect(() => createTask(42 as never, { loop })).toThrow(
      /^createTask\(\) expected a generator, an async function or a promise, got 42$/,
    );
  });

  it('refuses a Future, which runs already, and points to ensureFuture', () => {
    const loop = makeLoop();
    const future = new Future<number>(loop);
    expect(() => createTask(future as never, { loop })).toThrow(
      /got <Future pending>: a Future runs already, so await or yield it as it is \(ensureFuture\(\) accepts any awaitable\)/,
    );
  });

  it('refuses a generator function that takes parameters: it would be called without them', () => {
    const loop = makeLoop();
    function* fetchPage(url: string): Generator<unknown, string, unknown> {
      yield;
      return url;
    }
    expect(() => createTask(fetchPage as never, { loop })).toThrow(
      'createTask() got the generator function fetchPage, which takes parameters: call it with them, createTask(fetchPage(…))',
    );
    expect(allTasks(loop).size).toBe(0);
  });

  it('runs a generator function of no parameters, calling it with no arguments', async () => {
    const loop = makeLoop();
    const seen: unknown[] = [];
    const task = createTask(
      function* (...args: unknown[]) {
        seen.push(...args);
        yield* sleep(1);
        return 'ran';
      },
      { loop },
    );
    expect(await loop.runUntilComplete(task)).toBe('ran');
    expect(seen).toEqual([]);
  });

  it('fails with a TypeError when its function returns neither a generator nor a promise', async () => {
    const loop = makeLoop();
    const task = createTask(
      function answer() {
        return 1;
      } as never,
      { loop },
    );
    await expect(loop.runUntilComplete(task)).rejects.toThrow(
      /^createTask\(\) expected answer\(\) to return a generator or a promise \(as a generator or an async function does\), got 1$/,
    );
  });

  it('following a plain promise, ends cancelled at its next step when cancelled', async () => {
    const loop = makeLoop();
    const never = new Promise<number>(() => {});
    const task = createTask(never, { loop });
    loop.callLater(5, () => task.cancel('enough'));
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(task.cancelled()).toBe(true);
    expect(() => task.result()).toThrow('enough');
  });
});

describe('async functions in blocking mode', () => {
  it('run as long as they await aio futures and tasks', async () => {
    const loop = makeLoop('blocking');
    const task = createTask(
      async () => {
        const a = await sleep(2, 'a');
        const b = await createTask(
          (function* () {
            return yield* sleep(1, 'b');
          })(),
          { loop },
        );
        return a + b;
      },
      { loop },
    );
    expect(await loop.runUntilComplete(task)).toBe('ab');
  });

  it("can also await Node's own promises: the task keeps the blocking loop handing Node turns", async () => {
    const loop = makeLoop('blocking');
    const task = createTask(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return 'node timer fired';
      },
      { loop },
    );
    expect(await loop.runUntilComplete(task)).toBe('node timer fired');
  });
});
