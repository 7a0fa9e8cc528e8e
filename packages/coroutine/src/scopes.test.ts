/**
 * taskGroup and timeout scopes, with generator and async bodies, and run().
 *
 * The scopes run on loops on virtual time (the loop package's test-support.ts): a real selector,
 * but a clock that moves only when the loop waits. These tests are about order — a child failing
 * before its sibling's long sleep ends, a block done before its deadline or not — which a real
 * clock on a loaded machine can blur, letting timers meant for different moments fall due in one
 * iteration. run() makes its own loop, on real time; its tests do not race the clock.
 */
import { EventLoop, getRunningLoop } from '@aio/loop';
import { virtualTime } from '../../loop/src/test-support';
import { CancelledError, Future, TimeoutError } from '@aio/future';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskGroupError } from './errors';
import { run } from './run';
import { sleep } from './sleep';
import { Task, allTasks, createTask } from './task';
import { TaskGroup, taskGroup } from './task-group';
import { timeout, timeoutAt } from './timeout';

let loop: EventLoop | undefined;
afterEach(() => {
  if (loop && !loop.isClosed()) loop.close();
  loop = undefined;
});

/** A hosted loop on virtual time. */
function newLoop(): EventLoop {
  const time = virtualTime();
  return new EventLoop({ clock: time.clock, selector: time.selector });
}

async function main<T>(body: () => Generator<unknown, T, unknown>): Promise<T> {
  loop = newLoop();
  return loop.runUntilComplete(new Task<T>(body(), { loop }));
}

function* delayed<T>(ms: number, value: T, log?: string[]): Generator<unknown, T, unknown> {
  try {
    yield* sleep(ms);
    log?.push(`done ${String(value)}`);
    return value;
  } catch (error) {
    log?.push(`${(error as Error).name} ${String(value)}`);
    throw error;
  }
}

function* failing(ms: number, message: string): Generator<unknown, never, unknown> {
  yield* sleep(ms);
  throw new Error(message);
}

/** Fails once `moment` is done: children given one moment fail in the same loop iteration. */
function* failingAt(moment: Future<void>, message: string): Generator<unknown, never, unknown> {
  yield* moment;
  throw new Error(message);
}

describe('taskGroup', () => {
  it('waits for every child before it ends (generator body)', async () => {
    const log: string[] = [];
    const result = await main(function* () {
      const tasks = yield* taskGroup(function* (tg) {
        const a = tg.createTask(delayed(20, 'a', log));
        const b = tg.createTask(delayed(5, 'b', log));
        log.push('body done');
        return [a, b];
      });
      log.push('group done');
      return tasks.map((t) => t.result());
    });
    expect(result).toEqual(['a', 'b']);
    expect(log).toEqual(['body done', 'done b', 'done a', 'group done']);
  });

  it('the first failure cancels the siblings and the body; every error comes back in a TaskGroupError', async () => {
    const log: string[] = [];
    const error = await main(function* () {
      try {
        yield* taskGroup(function* (tg) {
          tg.createTask(delayed(1000, 'slow', log));
          // One timer for both failures: two 5 ms timers can fall in two iterations (on a busy
          // machine, on a real clock), and then the first failure cancels the second child.
          const moment = new Future<void>();
          getRunningLoop().callLater(5, () => moment.setResult());
          tg.createTask(failingAt(moment, 'child failed'));
          tg.createTask(failingAt(moment, 'second child failed'));
          try {
            yield* sleep(1000);
          } catch (e) {
            log.push(`body ${(e as Error).name}`);
            throw e;
          }
        });
      } catch (e) {
        return e;
      }
      return undefined;
    });
    expect(error).toBeInstanceOf(TaskGroupError);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as TaskGroupError).errors.map((e) => (e as Error).message)).toEqual([
      'child failed',
      'second child failed',
    ]);
    expect((error as Error).message).toBe('unhandled errors in a TaskGroup (2 sub-exceptions)');
    expect(log).toEqual(['CancelledError slow', 'body CancelledError']);
  });

  it('an error in the body cancels the children and is reported with theirs', async () => {
    const log: string[] = [];
    const error = await main(function* () {
      try {
        yield* taskGroup(function* (tg) {
          tg.createTask(delayed(1000, 'child', log));
          yield* sleep(1);
          throw new RangeError('body failed');
        });
      } catch (e) {
        return e;
      }
      return undefined;
    });
    expect((error as TaskGroupError).errors.map((e) => (e as Error).message)).toEqual([
      'body failed',
    ]);
    expect(log).toEqual(['CancelledError child']);
  });

  it('cancelled from outside, it cancels its children and ends with CancelledError', async () => {
    const log: string[] = [];
    loop = newLoop();
    const outer = new Task(
      (function* () {
        yield* taskGroup(function* (tg) {
          tg.createTask(delayed(1000, 'x', log));
          tg.createTask(delayed(1000, 'y', log));
          yield* sleep(1000);
        });
      })(),
      { loop },
    );
    loop.callLater(5, () => outer.cancel());
    await expect(loop.runUntilComplete(outer)).rejects.toThrow(CancelledError);
    expect(log.sort()).toEqual(['CancelledError x', 'CancelledError y']);
  });

  it('works awaited, with an async body that sees its signal abort', async () => {
    loop = newLoop();
    let sawAbort = false;
    const task = createTask(
      async () => {
        try {
          await taskGroup(async (tg: TaskGroup) => {
            tg.createTask(failing(5, 'async child failed'));
            await new Promise<void>((resolve) =>
              tg.signal.addEventListener('abort', () => resolve()),
            );
            sawAbort = true;
          });
        } catch (error) {
          return error;
        }
        return undefined;
      },
      { loop },
    );
    const error = await loop.runUntilComplete(task);
    expect(sawAbort).toBe(true);
    expect((error as TaskGroupError).errors.map((e) => (e as Error).message)).toEqual([
      'async child failed',
    ]);
  });

  it('refuses new children once finished', async () => {
    let group: TaskGroup | undefined;
    await main(function* () {
      yield* taskGroup(function* (tg) {
        group = tg;
        yield* sleep(1);
      });
    });
    expect(() => group!.createTask(delayed(1, 1))).toThrow(/TaskGroup is finished/);
  });
});

describe('timeout', () => {
  it('lets a block finish in time, and turns a late one into TimeoutError', async () => {
    const [fast, late] = await main(function* () {
      const f = yield* timeout(100, function* () {
        return yield* delayed(1, 'in time');
      });
      try {
        yield* timeout(10, function* () {
          yield* sleep(1000);
        });
      } catch (error) {
        return [f, error] as const;
      }
      return [f, undefined] as const;
    });
    expect(fast).toBe('in time');
    expect(late).toBeInstanceOf(TimeoutError);
    expect((late as Error).cause).toBeInstanceOf(CancelledError);
  });

  it('passes a cancellation from outside through unchanged', async () => {
    loop = newLoop();
    const task = new Task(
      (function* () {
        yield* timeout(1000, function* () {
          yield* sleep(1000);
        });
      })(),
      { loop },
    );
    loop.callLater(5, () => task.cancel());
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
  });

  it('can be rescheduled, and timeoutAt takes a loop time', async () => {
    const outcome = await main(function* () {
      const l = getRunningLoop();
      const value = yield* timeoutAt(l.time() + 10, function* (scope) {
        scope.reschedule(l.time() + 200);
        return yield* delayed(30, 'rescheduled in time');
      });
      return value;
    });
    expect(outcome).toBe('rescheduled in time');
  });

  it('awaited, with an async body that stops when its signal aborts', async () => {
    loop = newLoop();
    const task = createTask(
      async () => {
        try {
          await timeout(10, async (scope) => {
            await new Promise<void>((resolve) =>
              scope.signal.addEventListener('abort', () => resolve()),
            );
          });
        } catch (error) {
          return error;
        }
        return undefined;
      },
      { loop },
    );
    expect(await loop.runUntilComplete(task)).toBeInstanceOf(TimeoutError);
  });
});

describe('run', () => {
  it('runs a generator function, an async function or a generator to completion, then closes its loop', async () => {
    let seen: EventLoop | undefined;
    expect(
      await run(
        function* (a: number, b: number) {
          seen = getRunningLoop();
          yield* sleep(1);
          return a + b;
        },
        1,
        2,
      ),
    ).toBe(3);
    expect(seen!.isClosed()).toBe(true);
    expect(await run(async (x: string) => `${x}!`, 'async')).toBe('async!');
    expect(
      await run(
        (function* () {
          return yield* sleep(1, 'generator object');
        })(),
      ),
    ).toBe('generator object');
  });

  it('cancels and waits for the tasks main left behind', async () => {
    const log: string[] = [];
    await run(function* () {
      createTask(delayed(60_000, 'orphan', log));
      yield* sleep(1);
    });
    expect(log).toEqual(['CancelledError orphan']);
  });

  it('runs generators in blocking mode too', async () => {
    expect(
      await run.with({ mode: 'blocking' })(function* () {
        const [a, b] = (yield [delayed(5, 'a'), delayed(1, 'b')]) as string[];
        return a! + b!;
      }),
    ).toBe('ab');
  });

  it('refuses to run inside a running loop', async () => {
    const error = await run(function* () {
      try {
        yield run(function* () {});
      } catch (e) {
        return e;
      }
      return undefined;
    });
    expect((error as Error).message).toMatch(
      /^run\(\) cannot be called while an event loop is running/,
    );
  });

  it('leaves no task behind', async () => {
    let loopOfMain: EventLoop | undefined;
    await run(function* () {
      loopOfMain = getRunningLoop();
      yield* sleep(1);
    });
    expect(allTasks(loopOfMain).size).toBe(0);
  });
});
