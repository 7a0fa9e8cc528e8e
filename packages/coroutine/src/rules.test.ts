/**
 * Two rules users meet first: aio work needs a running loop (a named error at once, never a
 * silent exit), and a timeout is one TimeoutError class, whichever layer raised it.
 */
import { EventLoop, NoRunningLoopError } from '@aio/loop';
import { virtualTime } from '../../loop/src/test-support';
import { OSError, TimeoutError as SelectorTimeoutError, socketpair } from '@aio/selector';
import { TimeoutError, sockRecv } from '@aio/future';
import { afterEach, describe, expect, it } from 'vitest';
import { asCompleted } from './as-completed';
import { ensureFuture } from './ensure-future';
import { gather } from './gather';
import { BoundedSemaphore, Event, Lock, Semaphore, withLock } from './locks';
import { Queue } from './queues';
import { run } from './run';
import { shield } from './shield';
import { sleep } from './sleep';
import { openConnection, startServer } from './streams/connection';
import { StreamReader } from './streams/reader';
import { allTasks, createTask } from './task';
import { TaskGroup, taskGroup } from './task-group';
import { timeout } from './timeout';
import { wait } from './wait';
import { waitFor } from './wait-for';

const loops: EventLoop[] = [];
afterEach(() => {
  for (const loop of loops.splice(0)) if (!loop.isClosed()) loop.close();
});

function* work(): Generator<unknown, number, unknown> {
  yield* sleep(1);
  return 1;
}

describe('with no loop running', () => {
  const calls: [string, () => unknown][] = [
    ['createTask()', () => createTask(work())],
    ['sleep()', () => sleep(10)],
    ['sleep(0)', () => sleep(0).then(() => undefined)],
    ['gather()', () => gather(work())],
    ['wait()', () => wait([work()])],
    ['waitFor()', () => waitFor(work(), 10)],
    ['asCompleted()', () => asCompleted([work()])],
    ['shield()', () => shield(work())],
    ['ensureFuture()', () => ensureFuture(work())],
    ['allTasks()', () => allTasks()],
    ['timeout()', () => timeout(10, work).then(() => undefined)],
    ['taskGroup()', () => taskGroup(function* () {}).then(() => undefined)],
    ['TaskGroup()', () => new TaskGroup()],
    ['withLock()', () => withLock(new Lock(), work).then(() => undefined)],
    ['Lock.acquire()', () => new Lock().acquire()],
    ['Semaphore.acquire()', () => new Semaphore(0).acquire()],
    ['BoundedSemaphore.acquire()', () => new BoundedSemaphore(1).acquire()],
    ['Event.wait()', () => new Event().wait()],
    ['Queue.get()', () => new Queue().get()],
    ['Queue.put()', () => new Queue({ maxsize: 1 }).put(1)],
    ['StreamReader.readline()', () => new StreamReader().readline()],
    ['openConnection()', () => openConnection('127.0.0.1', 9)],
    ['startServer()', () => startServer(() => undefined, '127.0.0.1', 0)],
  ];
  it.each(calls)(
    '%s throws NoRunningLoopError at once, naming itself and the way out',
    (what, call) => {
      let thrown: unknown;
      try {
        call();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(NoRunningLoopError);
      expect((thrown as NoRunningLoopError).code).toBe('ERR_AIO_NO_RUNNING_LOOP');
      expect((thrown as Error).message).toMatch(
        new RegExp(
          `^no running event loop: ${what.replace(/[()]/g, '\\$&').replace('Queue.', 'Queue\\.')} needs one\\. aio work runs only while its loop runs: start it with run\\(main\\)`,
        ),
      );
    },
  );

  it('the same calls work inside run()', async () => {
    const got = await run(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      lock.release();
      // A deadline no stall of a loaded machine reaches: not what this test is about.
      return yield* gather(work(), waitFor(work(), 60_000), sleep(1, 2));
    });
    expect(got).toEqual([1, 1, 2]);
  });
});

describe('one TimeoutError', () => {
  it('waitFor(), timeout() and a socket in timeout mode raise the same class, an OSError with code ETIMEDOUT', async () => {
    // On virtual time: the 5 ms deadlines come before the 1 s sleep however loaded the machine.
    const time = virtualTime();
    const loop = new EventLoop({ clock: time.clock, selector: time.selector });
    loops.push(loop);
    const [a, b] = socketpair();
    a.setBlocking(false);
    try {
      const errors = await loop.runUntilComplete(
        createTask(
          function* () {
            const caught: unknown[] = [];
            try {
              yield* waitFor(sleep(1000), 5);
            } catch (error) {
              caught.push(error);
            }
            try {
              yield* timeout(5, function* () {
                yield* sockRecv(loop, a, 10);
              });
            } catch (error) {
              caught.push(error);
            }
            return caught;
          },
          { loop },
        ),
      );
      b.settimeout(5);
      try {
        b.recv(10);
      } catch (error) {
        errors.push(error);
      }
      expect(TimeoutError).toBe(SelectorTimeoutError);
      expect(errors).toHaveLength(3);
      for (const error of errors) {
        expect(error).toBeInstanceOf(TimeoutError);
        expect(error).toBeInstanceOf(OSError);
        expect((error as TimeoutError).code).toBe('ETIMEDOUT');
        expect((error as TimeoutError).name).toBe('TimeoutError');
      }
      expect((errors[0] as Error).message).toBe('waitFor() timed out after 5 ms');
      expect((errors[1] as Error).message).toBe('the block timed out');
      expect((errors[2] as TimeoutError).syscall).toBe('recv');
    } finally {
      a.close();
      b.close();
    }
  });
});
