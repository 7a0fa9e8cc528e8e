/**
 * One contract, run against every selector backend this OS has, on real socketpairs, pipes and
 * loopback TCP. A backend that is not available here (kqueue on Linux) is listed as skipped.
 */
import { constants } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { tsWorker } from '@aio/tooling/worker';
import {
  AlreadyRegisteredError,
  ConnectionResetError,
  FdTooLargeError,
  InvalidArgumentError,
  InvalidEventsError,
  InvalidFileObjectError,
  NotRegisteredError,
  OSError,
  SelectorBusyError,
  SelectorClosedError,
} from '../errors';
import { libc } from '../libc';
import { platform } from '../platform/index';
import {
  AF_INET,
  SOCK_STREAM,
  SO_LINGER,
  SOL_SOCKET,
  Socket,
  socketpair,
  WOULD_BLOCK,
} from '../socket';
import { closedFd, pipe, sleep, tcpPair, timed, track, writeFd } from '../test-support';
import { Waker } from '../waker';
import { EVENT_READ, EVENT_WRITE, type BaseSelector, type Ready } from './base';
import { DefaultSelector } from './default';
import { EpollSelector } from './epoll';
import { KqueueSelector } from './kqueue';
import { PollSelector } from './poll';
import { SelectSelector } from './select';

// This file starts worker threads (tsx loads each): seconds alone, and ten times that on a loaded
// 2-core machine (the suite beside two CPU hogs), so the limits are 120 s, not 20.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const backends = [EpollSelector, KqueueSelector, PollSelector, SelectSelector];

/** `[fd, events]` pairs, sorted, for comparing select() results. */
const summary = (ready: Ready[]): [number, number][] =>
  ready.map(([key, events]): [number, number] => [key.fd, events]).sort((a, b) => a[0] - b[0]);

/** Fills a non-blocking socket's send buffer until the kernel refuses more. */
function fill(sock: Socket): number {
  sock.setBlocking(false);
  const chunk = Buffer.alloc(64 * 1024);
  let total = 0;
  for (let n = sock.trySend(chunk); n !== WOULD_BLOCK; n = sock.trySend(chunk)) total += n;
  return total;
}

function drain(sock: Socket): number {
  sock.setBlocking(false);
  const buf = Buffer.alloc(256 * 1024);
  let total = 0;
  for (let n = sock.tryRecvInto(buf); n > 0; n = sock.tryRecvInto(buf)) total += n;
  return total;
}

it('DefaultSelector is the best backend of this OS', () => {
  const expected = platform.epoll ? EpollSelector : platform.kqueue ? KqueueSelector : PollSelector;
  expect(DefaultSelector).toBe(expected);
});

describe.each(backends.map((Backend) => [Backend.name, Backend] as const))(
  '%s',
  (name, Backend) => {
    const available = Backend.isAvailable();
    const make = <T = unknown>(): BaseSelector<T> => track(new Backend<T>());

    it.runIf(!available)(
      'refuses to construct where the OS lacks it, saying what to use instead',
      () => {
        expect(() => new Backend()).toThrow(/use DefaultSelector/);
      },
    );

    describe.runIf(available)('contract', () => {
      it('register returns an immutable key, found again by getKey and getMap', () => {
        const sel = make<string>();
        const [a] = track(socketpair());
        const key = sel.register(a, EVENT_READ, 'data-a');
        expect(key).toMatchObject({
          fileobj: a,
          fd: a.fileno(),
          events: EVENT_READ,
          data: 'data-a',
        });
        expect(Object.isFrozen(key)).toBe(true);
        expect(sel.getKey(a)).toBe(key);
        expect(sel.getKey(a.fileno())).toBe(key);
        expect([...sel.getMap().keys()]).toEqual([a.fileno()]);
        expect(String(key)).toMatch(/SelectorKey\(fd=\d+, events=READ, data="data-a"\)/);
      });

      it('reports a socket readable only once data arrives', () => {
        const sel = make();
        const [a, b] = track(socketpair());
        sel.register(b, EVENT_READ);
        expect(sel.select(0)).toEqual([]);
        a.send(Buffer.from('ping'));
        expect(summary(sel.select(0))).toEqual([[b.fileno(), EVENT_READ]]);
        expect(b.recv(16).toString()).toBe('ping');
        expect(sel.select(0)).toEqual([]);
      });

      it('reports a pipe readable, and its write end writable', () => {
        const sel = make();
        const [r, w] = pipe();
        sel.register(r, EVENT_READ, 'r');
        sel.register(w, EVENT_WRITE, 'w');
        expect(summary(sel.select(0))).toEqual([[w, EVENT_WRITE]]);
        writeFd(w, 'x');
        expect(summary(sel.select(0))).toEqual(
          [
            [r, EVENT_READ],
            [w, EVENT_WRITE],
          ].sort((x, y) => x[0]! - y[0]!),
        );
      });

      it('reports writability on loopback TCP, lost when the send buffer fills and back when the peer reads', () => {
        const sel = make();
        const [client, server] = tcpPair();
        sel.register(client, EVENT_WRITE);
        expect(summary(sel.select(0))).toEqual([[client.fileno(), EVENT_WRITE]]);
        expect(fill(client)).toBeGreaterThan(0);
        expect(sel.select(0)).toEqual([]);
        drain(server);
        // The kernel wakes writers once enough space is free; a short wait covers the ACK round trip.
        expect(summary(sel.select(1000))).toEqual([[client.fileno(), EVENT_WRITE]]);
      });

      it('reports only the events each key asked for, with readers and writers on one fd', () => {
        const sel = make();
        const [a, b] = track(socketpair());
        sel.register(a, EVENT_READ | EVENT_WRITE);
        expect(summary(sel.select(0))).toEqual([[a.fileno(), EVENT_WRITE]]);
        b.send(Buffer.from('x'));
        expect(summary(sel.select(0))).toEqual([[a.fileno(), EVENT_READ | EVENT_WRITE]]);
      });

      it('modify changes the events watched, and data alone without touching the kernel', () => {
        const sel = make<string>();
        const [a, b] = track(socketpair());
        b.send(Buffer.from('x'));
        sel.register(a, EVENT_WRITE, 'first');
        expect(summary(sel.select(0))).toEqual([[a.fileno(), EVENT_WRITE]]);
        const key = sel.modify(a, EVENT_READ, 'second');
        expect(key).toMatchObject({ events: EVENT_READ, data: 'second', fileobj: a });
        expect(sel.getKey(a)).toBe(key);
        expect(sel.select(0).map(([k, e]) => [k.data, e])).toEqual([['second', EVENT_READ]]);
        const third = sel.modify(a, EVENT_READ, 'third');
        expect(sel.select(0).map(([k]) => k)).toEqual([third]);
      });

      it('unregister stops reports, and works for a socket already closed', () => {
        const sel = make();
        const [a, b] = track(socketpair());
        sel.register(a, EVENT_READ);
        b.send(Buffer.from('x'));
        const key = sel.unregister(a);
        expect(key.fileobj).toBe(a);
        expect(sel.select(0)).toEqual([]);
        expect(sel.getMap().size).toBe(0);

        const [c] = track(socketpair());
        sel.register(c, EVENT_READ);
        c.close();
        expect(c.fileno()).toBe(-1);
        expect(sel.unregister(c).fileobj).toBe(c);
        expect(sel.getMap().size).toBe(0);
      });

      it('reports EOF as readable, and recv then returns an empty buffer', () => {
        const sel = make();
        const [a, b] = track(socketpair());
        sel.register(b, EVENT_READ);
        a.close();
        expect(summary(sel.select(0))).toEqual([[b.fileno(), EVENT_READ]]);
        expect(b.recv(16).length).toBe(0);
      });

      it('reports a peer reset as readable, and the read raises ConnectionResetError', () => {
        const sel = make();
        const [client, server] = tcpPair();
        sel.register(server, EVENT_READ);
        // SO_LINGER on with a zero timeout: close() sends RST instead of FIN.
        const linger = Buffer.alloc(8);
        linger.writeInt32LE(1, 0);
        linger.writeInt32LE(0, 4);
        client.setsockopt(SOL_SOCKET, SO_LINGER, linger);
        client.close();
        expect(summary(sel.select(1000))).toEqual([[server.fileno(), EVENT_READ]]);
        expect(() => server.recv(16)).toThrow(ConnectionResetError);
      });

      it('select with a timeout returns empty after it, not before', () => {
        const sel = make();
        const [a] = track(socketpair());
        sel.register(a, EVENT_READ);
        const [ready, ms] = timed(() => sel.select(120));
        expect(ready).toEqual([]);
        expect(ms).toBeGreaterThanOrEqual(120);
        expect(ms).toBeLessThan(1_000);
        // A poll does not wait: nothing will become ready, so a poll that waited would wait for
        // ever (or for the 120 ms above, were 0 mistaken for "the last timeout"). A second of
        // bound tells that from a poll delayed by a loaded machine.
        const [, pollMs] = timed(() => sel.select(0));
        expect(pollMs).toBeLessThan(1_000);
      });

      it('select with no timeout waits until something is ready', async () => {
        const sel = make();
        const [a, b] = track(socketpair());
        sel.register(b, EVENT_READ);
        // The writer is another thread's business: a worker wakes us after 100 ms.
        const worker = tsWorker(
          new URL('../test-fixtures/write-later-worker.ts', import.meta.url),
          {
            workerData: { fd: a.fileno(), delayMs: 100 },
          },
        );
        await new Promise((resolve) => worker.once('message', resolve));
        // Timed from before "go", so the worker's delay is a floor of the wait.
        const start = performance.now();
        worker.postMessage('go');
        const ready = sel.select();
        const ms = performance.now() - start;
        expect(summary(ready)).toEqual([[b.fileno(), EVENT_READ]]);
        expect(ms).toBeGreaterThanOrEqual(90);
        await worker.terminate();
      });

      it.runIf(process.platform === 'linux')(
        'retries a wait interrupted by a signal, for the rest of its timeout',
        async () => {
          const sel = make();
          const [a] = track(socketpair());
          sel.register(a, EVENT_READ);
          let signals = 0;
          const onSignal = (): void => void signals++;
          process.on('SIGUSR2', onSignal);
          const worker = tsWorker(new URL('../test-fixtures/signal-worker.ts', import.meta.url), {
            workerData: { delayMs: 60, pid: process.pid },
          });
          try {
            await new Promise((resolve) => worker.once('message', resolve));
            const sent = new Promise<{ sent: boolean }>((resolve) =>
              worker.once('message', resolve),
            );
            worker.postMessage('go');
            const [ready, ms] = timed(() => sel.select(300));
            expect((await sent).sent).toBe(true);
            // Node runs the JS signal handler on a later turn of its own loop: a busy machine may
            // take a while to get there.
            for (const until = Date.now() + 2_000; signals === 0 && Date.now() < until;)
              await sleep(10);
            expect(signals).toBe(1);
            expect(ready).toEqual([]);
            expect(ms).toBeGreaterThanOrEqual(300);
          } finally {
            process.off('SIGUSR2', onSignal);
            await worker.terminate();
          }
        },
      );

      it.runIf(Backend !== SelectSelector)(
        'watches 10,000 fds and reports just the ready ones',
        () => {
          const sel = make();
          const pairs: [Socket, Socket][] = [];
          for (let i = 0; i < 5_000; i++) pairs.push(track(socketpair()));
          for (const [a, b] of pairs) {
            sel.register(a, EVENT_READ);
            sel.register(b, EVENT_READ);
          }
          expect(sel.getMap().size).toBe(10_000);
          expect(sel.select(0)).toEqual([]);
          const chosen = [7, 1234, 4999];
          for (const i of chosen) pairs[i]![0].send(Buffer.from('x'));
          expect(summary(sel.select(0))).toEqual(
            chosen.map((i) => [pairs[i]![1].fileno(), EVENT_READ]),
          );
        },
      );

      describe('selectAsync', () => {
        it('waits off the main thread: timers keep firing meanwhile', async () => {
          const sel = make();
          const [a, b] = track(socketpair());
          sel.register(b, EVENT_READ, 'b');
          // The data comes from the main thread's 5th timer tick, counted rather than timed: a
          // wait that held the main thread would let no tick run, and time out empty.
          let ticks = 0;
          const timer = setInterval(() => {
            if (++ticks === 5) a.send(Buffer.from('late'));
          }, 10);
          const ready = await sel.selectAsync(10_000);
          clearInterval(timer);
          expect(ready.map(([k, e]) => [k.data, e])).toEqual([['b', EVENT_READ]]);
          expect(ticks).toBeGreaterThanOrEqual(5);
        });

        it('times out like select, and is cut short by a registered Waker', async () => {
          const sel = make();
          const waker = track(new Waker());
          sel.register(waker, EVENT_READ, 'waker');
          const start = performance.now();
          expect(await sel.selectAsync(80)).toEqual([]);
          expect(performance.now() - start).toBeGreaterThanOrEqual(80);

          setTimeout(() => waker.wake(), 50);
          const woken = performance.now();
          const ready = await sel.selectAsync(null);
          expect(ready.map(([k]) => k.data)).toEqual(['waker']);
          // Without the waker this wait has no end; 10 s only leaves a loaded machine room.
          expect(performance.now() - woken).toBeLessThan(10_000);
        });

        it('refuses a second wait while one is in flight', async () => {
          const sel = make();
          const waker = track(new Waker());
          sel.register(waker, EVENT_READ);
          const pending = sel.selectAsync(null);
          expect(() => sel.select(0)).toThrow(SelectorBusyError);
          expect(() => sel.selectAsync(0)).toThrow(SelectorBusyError);
          expect(String(sel)).toMatch(/waiting/);
          waker.wake();
          expect(await pending).toHaveLength(1);
          waker.drain();
          expect(sel.select(0)).toEqual([]);
        });

        it('sees registrations changed during the wait on its next call', async () => {
          const sel = make();
          const waker = track(new Waker());
          const [a, b] = track(socketpair());
          sel.register(waker, EVENT_READ, 'waker');
          const pending = sel.selectAsync(null);
          sel.register(b, EVENT_READ, 'b');
          a.send(Buffer.from('x'));
          waker.wake();
          await pending;
          waker.drain();
          expect((await sel.selectAsync(0)).map(([k]) => k.data)).toEqual(['b']);
        });

        it('close() during the wait resolves it empty and releases the kernel object after', async () => {
          const sel = new Backend();
          const waker = track(new Waker());
          sel.register(waker, EVENT_READ);
          const pending = sel.selectAsync(null);
          sel.close();
          expect(sel.closed).toBe(true);
          expect(() => sel.register(0, EVENT_READ)).toThrow(SelectorClosedError);
          waker.wake();
          expect(await pending).toEqual([]);
        });
      });

      describe('bad input', () => {
        it.each([['abc'], [-1], [1.5], [{}], [null], [{ fileno: () => 'x' }]])(
          'register(%o) throws InvalidFileObjectError saying what it got',
          (fileobj) => {
            const sel = make();
            expect(() => sel.register(fileobj as never, EVENT_READ)).toThrow(
              InvalidFileObjectError,
            );
            expect(() => sel.register(fileobj as never, EVENT_READ)).toThrow(
              /register\(\) expected/,
            );
            expect(sel.getMap().size).toBe(0);
          },
        );

        it('register of a closed fd throws OSError EBADF and keeps nothing', () => {
          const sel = make();
          const fd = closedFd();
          const err = (() => {
            try {
              sel.register(fd, EVENT_READ);
            } catch (e) {
              return e;
            }
            return undefined;
          })();
          expect(err).toBeInstanceOf(OSError);
          expect(err).toMatchObject({ code: 'EBADF', errno: constants.errno.EBADF });
          expect(sel.getMap().size).toBe(0);
        });

        it('register of a registered fd throws AlreadyRegisteredError', () => {
          const sel = make();
          const [a] = track(socketpair());
          sel.register(a, EVENT_READ);
          expect(() => sel.register(a.fileno(), EVENT_WRITE)).toThrow(AlreadyRegisteredError);
          expect(() => sel.register(a, EVENT_WRITE)).toThrow(/already registered.*use modify/);
        });

        it('unregister, modify and getKey of an unknown fd throw NotRegisteredError', () => {
          const sel = make();
          const [a] = track(socketpair());
          expect(() => sel.unregister(a)).toThrow(NotRegisteredError);
          expect(() => sel.modify(a, EVENT_READ)).toThrow(NotRegisteredError);
          expect(() => sel.getKey(a)).toThrow(/is not registered/);
        });

        it.each([[0], [4], [7], [-1], [1.5], ['1'], [undefined]])(
          'events %o throw InvalidEventsError',
          (events) => {
            const sel = make();
            const [a] = track(socketpair());
            expect(() => sel.register(a, events as never)).toThrow(InvalidEventsError);
            sel.register(a, EVENT_READ);
            expect(() => sel.modify(a, events as never)).toThrow(InvalidEventsError);
            expect(sel.getKey(a).events).toBe(EVENT_READ);
          },
        );

        it('a bad timeout throws InvalidArgumentError', () => {
          const sel = make();
          expect(() => sel.select('soon' as never)).toThrow(InvalidArgumentError);
        });

        it('a closed selector refuses everything with SelectorClosedError; closing twice is fine', () => {
          const sel = new Backend();
          const [a] = track(socketpair());
          sel.register(a, EVENT_READ);
          sel.close();
          sel.close();
          expect(sel.getMap().size).toBe(0);
          expect(() => sel.register(a, EVENT_READ)).toThrow(SelectorClosedError);
          expect(() => sel.unregister(a)).toThrow(SelectorClosedError);
          expect(() => sel.modify(a, EVENT_WRITE)).toThrow(SelectorClosedError);
          expect(() => sel.select(0)).toThrow(/select\(\) on a closed/);
          expect(() => sel.selectAsync(0)).toThrow(SelectorClosedError);
          expect(() => sel.getKey(a)).toThrow(SelectorClosedError);
          expect(String(sel)).toMatch(/\[closed\]/);
        });

        it('an fd closed behind its back does not break the selector for the others', () => {
          const sel = make();
          const [a, b] = track(socketpair());
          const [c, d] = track(socketpair());
          sel.register(b, EVENT_READ, 'b');
          sel.register(d, EVENT_READ, 'd');
          libc.close(b.detach());
          c.send(Buffer.from('x'));
          const ready = sel.select(0).map(([k]) => k.data);
          expect(ready).toContain('d');
          void a;
        });
      });
    });
  },
);

describe.runIf(SelectSelector.isAvailable())('SelectSelector limits', () => {
  it('refuses fds at or above FD_SETSIZE with FdTooLargeError naming the way out', () => {
    const sel = track(new SelectSelector());
    const sock = track(new Socket(AF_INET, SOCK_STREAM));
    const F_DUPFD_CLOEXEC = process.platform === 'linux' ? 1030 : 67;
    const high = libc.fcntl(sock.fileno(), F_DUPFD_CLOEXEC, platform.FD_SETSIZE + 100);
    expect(high).toBeGreaterThanOrEqual(platform.FD_SETSIZE);
    track(high);
    expect(() => sel.register(high, EVENT_READ)).toThrow(FdTooLargeError);
    expect(() => sel.register(high, EVENT_READ)).toThrow(
      /below FD_SETSIZE \(1024\), got fd \d+; use PollSelector/,
    );
    expect(sel.getMap().size).toBe(0);
  });
});
