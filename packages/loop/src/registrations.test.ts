/**
 * The fd table and its lazily kept kernel registrations, on real socketpairs and a real
 * selector. On Linux each check also reads what the kernel itself watches, from the epoll fd's
 * `/proc/self/fdinfo` entry, so "kept" and "dropped" are the kernel's word, not the table's.
 */
import { readFileSync } from 'node:fs';
import {
  DefaultSelector,
  EVENT_READ,
  EVENT_WRITE,
  EpollSelector,
  Waker,
  socketpair,
  type BaseSelector,
  type Socket,
} from '@aio/selector';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors';
import type { ExceptionContext } from './exceptions';
import type { Runnable } from './hooks';
import { Handle, type HandleOwner } from './handles';
import {
  FD_AUDIT_BATCH,
  FD_AUDIT_INTERVAL_MS,
  IDLE_GRACE_MS,
  Registrations,
  type FdHandlers,
} from './registrations';

const closeables: { close(): void }[] = [];
afterEach(() => {
  for (const c of closeables.splice(0).reverse()) c.close();
});

function pair(): [Socket, Socket] {
  const sockets = socketpair();
  closeables.push(...sockets);
  return sockets;
}

/** A table on a real selector, with an owner that records what the table tells it. */
function table(): {
  fds: Registrations;
  selector: BaseSelector<FdHandlers | null>;
  waker: Waker;
  owner: { now: number; reported: ExceptionContext[]; changes: number };
  handle: () => Handle;
  /** Polls the selector (without waiting) and collects what it reports, at loop time `at`. */
  poll: (at: number) => Handle[];
} {
  const selector = new DefaultSelector<FdHandlers | null>();
  const waker = new Waker();
  closeables.push(waker, selector);
  const owner = { now: 0, reported: [] as ExceptionContext[], changes: 0 };
  const fds = new Registrations(selector, waker, {
    time: () => owner.now,
    callExceptionHandler: (context) => owner.reported.push(context),
    registrationsChanged: () => owner.changes++,
  });
  const handleOwner: HandleOwner = {
    callExceptionHandler: () => {},
    getDebug: () => false,
    timerHandleCancelled: () => {},
  };
  return {
    fds,
    selector,
    waker,
    owner,
    handle: () => new Handle(() => {}, [], handleOwner),
    poll: (at) => {
      const ready: Handle[] = [];
      fds.collect(selector.select(0), ready, at);
      return ready;
    },
  };
}

const EPOLLIN = 0x1;
const EPOLLOUT = 0x4;

/**
 * The events the kernel watches for `fd` (EVENT_READ | EVENT_WRITE), read from the epoll fd's
 * fdinfo on Linux; elsewhere the selector's own record.
 */
function kernelEvents(selector: BaseSelector, fd: number): number {
  if (!(selector instanceof EpollSelector)) return selector.getMap().get(fd)?.events ?? 0;
  const info = readFileSync(`/proc/self/fdinfo/${selector.fileno()}`, 'utf8');
  const line = info.split('\n').find((l) => new RegExp(`^tfd:\\s+${fd}\\s`).test(l));
  if (line === undefined) return 0;
  const flags = parseInt(/events:\s*([0-9a-f]+)/.exec(line)![1]!, 16);
  return (flags & EPOLLIN ? EVENT_READ : 0) | (flags & EPOLLOUT ? EVENT_WRITE : 0);
}

describe('Registrations', () => {
  it('registers the waker; collect drains it and reports no I/O; add refuses its fd', () => {
    const { fds, selector, waker, handle } = table();
    expect(kernelEvents(selector, waker.fileno())).toBe(EVENT_READ);
    waker.wake();
    const ready: Handle[] = [];
    expect(fds.collect(selector.select(0), ready, 0)).toBe(false);
    expect(ready).toEqual([]);
    expect(selector.select(0)).toEqual([]); // drained
    expect(() => fds.add(waker.fileno(), EVENT_READ, handle(), 'addReader')).toThrow(
      InvalidArgumentError,
    );
    expect(() => fds.add(waker.fileno(), EVENT_READ, handle(), 'addReader')).toThrow(
      `addReader() got fd ${waker.fileno()}, which is the loop's own waker`,
    );
  });

  it('collects the reader and the writer of a ready fd', () => {
    const { fds, poll, handle } = table();
    const [a, b] = pair();
    const reader = handle();
    const writer = handle();
    fds.add(b, EVENT_READ, reader, 'addReader');
    fds.add(b, EVENT_WRITE, writer, 'addWriter');
    expect(poll(0)).toEqual([writer]); // nothing to read yet; room to write
    a.send(Buffer.from('x'));
    expect(poll(0)).toEqual([reader, writer]);
  });

  it('a second handle for the same direction replaces the first and cancels it, with no syscall', () => {
    const { fds, owner, handle, poll } = table();
    const [a, b] = pair();
    const first = handle();
    fds.add(b, EVENT_READ, first, 'addReader');
    expect(owner.changes).toBe(1);
    const second = handle();
    fds.add(b, EVENT_READ, second, 'addReader');
    expect(first.cancelled()).toBe(true);
    expect(owner.changes).toBe(1);
    a.send(Buffer.from('x'));
    expect(poll(0)).toEqual([second]);
  });

  describe('a socket object', () => {
    it('keeps its reader registration after remove, and gets it back with no syscall', () => {
      const { fds, selector, owner, handle } = table();
      const [, b] = pair();
      const reader = handle();
      fds.add(b, EVENT_READ, reader, 'addReader');
      expect(fds.remove(b, EVENT_READ, 0)).toBe(true);
      expect(reader.cancelled()).toBe(true);
      expect(kernelEvents(selector, b.fileno())).toBe(EVENT_READ);
      expect(fds.remove(b, EVENT_READ, 0)).toBe(false);
      fds.add(b, EVENT_READ, handle(), 'addReader');
      expect(owner.changes).toBe(1); // the first add only
      expect(kernelEvents(selector, b.fileno())).toBe(EVENT_READ);
    });

    it('drops a kept reader at the first event once IDLE_GRACE_MS has passed, not before', () => {
      const { fds, selector, owner, handle, poll } = table();
      const [a, b] = pair();
      fds.add(b, EVENT_READ, handle(), 'addReader');
      fds.remove(b, EVENT_READ, 10);
      a.send(Buffer.from('unread'));
      expect(poll(10 + IDLE_GRACE_MS / 2)).toEqual([]); // nobody to call, but within the grace
      expect(kernelEvents(selector, b.fileno())).toBe(EVENT_READ);
      expect(poll(10 + IDLE_GRACE_MS)).toEqual([]);
      expect(kernelEvents(selector, b.fileno())).toBe(0);
      expect(selector.getMap().has(b.fileno())).toBe(false);
      expect(owner.changes).toBe(2);
      expect(poll(20)).toEqual([]); // the data is still there, and no longer reported
      expect(selector.select(0)).toEqual([]);
    });

    it('drops a removed writer at its first idle event, with no grace', () => {
      const { fds, selector, handle, poll } = table();
      const [, b] = pair();
      fds.add(b, EVENT_WRITE, handle(), 'addWriter');
      fds.remove(b, EVENT_WRITE, 10);
      expect(kernelEvents(selector, b.fileno())).toBe(EVENT_WRITE);
      expect(poll(10)).toEqual([]);
      expect(kernelEvents(selector, b.fileno())).toBe(0);
      expect(selector.getMap().has(b.fileno())).toBe(false);
    });

    it('a cancelled Handle counts as removed: never collected, its registration kept for the grace', () => {
      const { fds, selector, handle, poll } = table();
      const [a, b] = pair();
      const cancelled = handle();
      fds.add(b, EVENT_READ, cancelled, 'addReader');
      cancelled.cancel();
      a.send(Buffer.from('x'));
      expect(poll(5)).toEqual([]); // found cancelled at this event: its grace starts now
      expect(fds.remove(b, EVENT_READ, 5)).toBe(false);
      expect(kernelEvents(selector, b.fileno())).toBe(EVENT_READ);
      expect(poll(5 + IDLE_GRACE_MS)).toEqual([]);
      expect(kernelEvents(selector, b.fileno())).toBe(0);
    });

    it('adding the other direction drops a kept one in the same epoll_ctl; a live one stays', () => {
      const { fds, selector, owner, handle } = table();
      const [, b] = pair();
      fds.add(b, EVENT_WRITE, handle(), 'addWriter');
      fds.remove(b, EVENT_WRITE, 0); // kept: still watched for writing
      const changes = owner.changes;
      fds.add(b, EVENT_READ, handle(), 'addReader');
      expect(kernelEvents(selector, b.fileno())).toBe(EVENT_READ);
      expect(owner.changes).toBe(changes + 1);
      fds.add(b, EVENT_WRITE, handle(), 'addWriter'); // a live writer is kept beside the reader
      expect(kernelEvents(selector, b.fileno())).toBe(EVENT_READ | EVENT_WRITE);
      // A writer whose Handle was cancelled counts as removed too.
      const [, c] = pair();
      const writer = handle();
      fds.add(c, EVENT_WRITE, writer, 'addWriter');
      writer.cancel();
      fds.add(c, EVENT_READ, handle(), 'addReader');
      expect(kernelEvents(selector, c.fileno())).toBe(EVENT_READ);
      expect(fds.remove(c, EVENT_WRITE, 0)).toBe(false);
    });

    it('finds its registration by identity once closed (fileno() is then -1)', () => {
      const { fds, handle } = table();
      const [, b] = pair();
      fds.add(b, EVENT_READ, handle(), 'addReader');
      b.close();
      expect(fds.remove(b, EVENT_READ, 0)).toBe(true);
    });
  });

  describe('a raw fd number', () => {
    it('is removed from the kernel at once', () => {
      const { fds, selector, owner, handle } = table();
      const [, b] = pair();
      fds.add(b.fileno(), EVENT_READ, handle(), 'addReader');
      expect(fds.remove(b.fileno(), EVENT_READ, 0)).toBe(true);
      expect(kernelEvents(selector, b.fileno())).toBe(0);
      expect(selector.getMap().has(b.fileno())).toBe(false);
      expect(owner.changes).toBe(2);
    });

    it('with a cancelled Handle, is dropped at its first event, with no grace', () => {
      const { fds, selector, handle, poll } = table();
      const [a, b] = pair();
      const reader = handle();
      fds.add(b.fileno(), EVENT_READ, reader, 'addReader');
      reader.cancel();
      a.send(Buffer.from('x'));
      expect(poll(0)).toEqual([]);
      expect(kernelEvents(selector, b.fileno())).toBe(0);
    });
  });

  describe('fds closed behind its back', () => {
    /** Closes `sock` and opens sockets until one gets its fd number; returns it and its peer. */
    function reuseNumberOf(sock: Socket): [Socket, Socket] {
      const fd = sock.fileno();
      sock.close();
      const fresh = [...pair(), ...pair()];
      const reused = fresh.find((s) => s.fileno() === fd);
      expect(reused).toBeDefined();
      return [reused!, fresh[fresh.indexOf(reused!) ^ 1]!];
    }

    it('a kept registration whose number another socket brings is registered afresh', () => {
      const { fds, selector, owner, handle, poll } = table();
      const [, b] = pair();
      fds.add(b, EVENT_READ, handle(), 'addReader');
      fds.remove(b, EVENT_READ, 0);
      const [reused, peer] = reuseNumberOf(b);
      const reader = handle();
      fds.add(reused, EVENT_READ, reader, 'addReader');
      expect(selector.getMap().get(reused.fileno())?.fileobj).toBe(reused);
      expect(kernelEvents(selector, reused.fileno())).toBe(EVENT_READ);
      peer.send(Buffer.from('x'));
      expect(poll(0)).toEqual([reader]);
      expect(owner.reported).toEqual([]); // kept registrations are nobody's mistake
    });

    it('a live one is reported when the kernel refuses the next add on its number', () => {
      const { fds, selector, owner, handle, poll } = table();
      const [, b] = pair();
      const fd = b.fileno();
      const writer = handle();
      fds.add(b, EVENT_WRITE, writer, 'addWriter');
      const [reused, peer] = reuseNumberOf(b);
      const reader = handle();
      fds.add(reused, EVENT_READ, reader, 'addReader');
      expect(owner.reported).toEqual([
        {
          message:
            `fd ${fd} was closed while the loop was watching it; its writer was removed ` +
            '(call removeReader/removeWriter before closing an fd)',
          fd,
          handle: writer,
        },
      ]);
      expect(writer.cancelled()).toBe(true);
      expect(kernelEvents(selector, fd)).toBe(EVENT_READ);
      peer.send(Buffer.from('x'));
      expect(poll(0)).toEqual([reader]);
    });

    it('the audit is due FD_AUDIT_INTERVAL_MS after the first add, and only while fds are watched', () => {
      const { fds, owner, handle } = table();
      expect(fds.nextAudit).toBe(Infinity);
      owner.now = 100;
      const [, b] = pair();
      fds.add(b.fileno(), EVENT_READ, handle(), 'addReader');
      expect(fds.nextAudit).toBe(100 + FD_AUDIT_INTERVAL_MS);
      fds.audit(fds.nextAudit, []);
      expect(fds.nextAudit).toBe(100 + 2 * FD_AUDIT_INTERVAL_MS);
      fds.remove(b.fileno(), EVENT_READ, 0);
      fds.audit(fds.nextAudit, []);
      expect(fds.nextAudit).toBe(Infinity);
      fds.auditSoon();
      expect(fds.nextAudit).toBe(0);
    });

    it('the audit reports a closed fd that had a live handler, and drops a kept one silently', () => {
      const { fds, selector, owner, handle } = table();
      const [, live] = pair();
      const [, kept] = pair();
      const liveFd = live.fileno();
      const keptFd = kept.fileno();
      const reader = handle();
      // Watched by number: closing it is behind the loop's back, and only the kernel can tell.
      fds.add(liveFd, EVENT_READ, reader, 'addReader');
      fds.add(kept, EVENT_READ, handle(), 'addReader');
      fds.remove(kept, EVENT_READ, 0);
      live.close();
      kept.close();
      const changes = owner.changes;
      const ready: Runnable[] = [];
      fds.audit(FD_AUDIT_INTERVAL_MS, ready);
      expect(ready).toEqual([]);
      expect(owner.reported).toEqual([
        {
          message:
            `fd ${liveFd} was closed while the loop was watching it; its reader was removed ` +
            '(call removeReader/removeWriter before closing an fd)',
          fd: liveFd,
          handle: reader,
        },
      ]);
      expect(selector.getMap().has(liveFd)).toBe(false);
      expect(selector.getMap().has(keptFd)).toBe(false);
      expect(owner.changes).toBe(changes + 1);
      expect(fds.nextAudit).toBe(Infinity); // only the waker is left
    });

    it('one audit checks at most FD_AUDIT_BATCH fds, and the next goes on where it stopped', () => {
      const { fds, owner, handle } = table();
      const watched = Array.from({ length: FD_AUDIT_BATCH + 100 }, () => pair()[1]);
      for (const sock of watched) fds.add(sock.fileno(), EVENT_READ, handle(), 'addReader');
      const last = watched.at(-1)!; // registered last: beyond the first audit's batch
      const fd = last.fileno();
      last.close();
      fds.audit(FD_AUDIT_INTERVAL_MS, []);
      expect(owner.reported).toEqual([]);
      fds.audit(2 * FD_AUDIT_INTERVAL_MS, []);
      expect(owner.reported.map((context) => context.fd)).toEqual([fd]);
    });

    it('a socket object closed under its live reader: reported, and the reader runs once more', () => {
      const { fds, selector, owner, handle } = table();
      const [, sock] = pair();
      const fd = sock.fileno();
      const reader = handle();
      const writer = handle();
      fds.add(sock, EVENT_READ, reader, 'addReader');
      fds.add(sock, EVENT_WRITE, writer, 'addWriter');
      sock.close(); // its owner closed it, and the object says so: no syscall needed to tell
      const ready: Runnable[] = [];
      fds.audit(FD_AUDIT_INTERVAL_MS, ready);
      // They run now: their own call on the closed socket fails with EBADF, telling their owner.
      expect(ready).toEqual([reader, writer]);
      expect([reader.cancelled(), writer.cancelled()]).toEqual([false, false]);
      expect(owner.reported.map((context) => context.fd)).toEqual([fd]);
      expect(selector.getMap().has(fd)).toBe(false);
    });
  });
});
