import { mkdtempSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { tsWorker } from '@aio/tooling/worker';
import {
  BlockingIOError,
  ConnectionRefusedError,
  InvalidAddressError,
  InvalidArgumentError,
  OSError,
  BrokenPipeError,
  TimeoutError,
} from './errors';
import { libc } from './libc';
import { platform } from './platform/index';
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  IPPROTO_TCP,
  SHUT_WR,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_TYPE,
  Socket,
  TCP_NODELAY,
  WOULD_BLOCK,
  socketpair,
} from './socket';
import { closedFd, sleep, tcpPair, timed, track } from './test-support';

// This file starts worker threads (tsx loads each): seconds alone, and ten times that on a loaded
// 2-core machine (the suite beside two CPU hogs), so the limits are 120 s, not 20.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const { EINPROGRESS, EAGAIN, EBADF, ENOTCONN, ETIMEDOUT, EWOULDBLOCK, ECONNREFUSED } =
  constants.errno;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('Socket over loopback TCP', () => {
  it.each([
    ['IPv4', AF_INET, '127.0.0.1'],
    ['IPv6', AF_INET6, '::1'],
  ] as const)(
    '%s: connect, accept, send and recv, with Python-shaped addresses',
    (_name, family, host) => {
      const [client, server] = tcpPair(family);
      const local = client.getsockname();
      expect(local[0]).toBe(host);
      expect(server.getpeername()).toEqual(local);
      if (family === AF_INET6) expect(local).toHaveLength(4);
      expect(client.send(Buffer.from('hello'))).toBe(5);
      expect(server.recv(1024).toString()).toBe('hello');
      server.sendall(Buffer.from('world'));
      expect(client.recv(3).toString()).toBe('wor');
      expect(client.recv(3).toString()).toBe('ld');
    },
  );

  it('recv returns an empty buffer at EOF, after shutdown(SHUT_WR)', () => {
    const [client, server] = tcpPair();
    client.sendall(Buffer.from('last words'));
    client.shutdown(SHUT_WR);
    expect(server.recv(100).toString()).toBe('last words');
    expect(server.recv(100)).toEqual(Buffer.alloc(0));
  });

  it('recvInto fills a slice of a larger buffer at its own offset', () => {
    const [client, server] = tcpPair();
    const big = Buffer.alloc(16, '.');
    const window = big.subarray(4, 12);
    client.sendall(Buffer.from('abcdefgh'));
    expect(server.recvInto(window)).toBe(8);
    expect(big.toString()).toBe('....abcdefgh....');
    client.sendall(Buffer.from('XYZ'));
    expect(server.recvInto(big, 2)).toBe(2);
    expect(big.subarray(0, 2).toString()).toBe('XY');
  });

  it('connect to a closed port throws ConnectionRefusedError with code, errno and syscall', () => {
    const probe = track(new Socket());
    probe.bind(['127.0.0.1', 0]);
    const [, port] = probe.getsockname() as [string, number];
    probe.close(); // nobody listens there now
    const err = thrown(() => track(new Socket()).connect(['127.0.0.1', port]));
    expect(err).toBeInstanceOf(ConnectionRefusedError);
    expect(err).toBeInstanceOf(OSError);
    expect(err).toMatchObject({
      code: 'ECONNREFUSED',
      errno: constants.errno.ECONNREFUSED,
      syscall: 'connect',
    });
    expect((err as Error).message).toBe(
      `connect ECONNREFUSED 127.0.0.1:${port} (Connection refused)`,
    );
    expect(track(new Socket()).connectEx(['127.0.0.1', port])).toBe(constants.errno.ECONNREFUSED);
  });

  it('connect resolves a host name, as Python does', () => {
    const listener = track(new Socket());
    listener.bind(['127.0.0.1', 0]);
    listener.listen();
    const [, port] = listener.getsockname() as [string, number];
    const client = track(new Socket());
    client.connect(['localhost', port]);
    expect(client.getpeername()).toEqual(['127.0.0.1', port]);
    track(listener.accept()[0]);
  });

  it('sendall on a non-blocking socket says how far it got when the buffer fills', () => {
    const [client] = tcpPair();
    client.setBlocking(false);
    const err = thrown(() => client.sendall(Buffer.alloc(64 * 1024 * 1024)));
    expect(err).toBeInstanceOf(BlockingIOError);
    expect((err as BlockingIOError).bytesSent).toBeGreaterThan(0);
    expect((err as BlockingIOError).bytesSent).toBeLessThan(64 * 1024 * 1024);
  });

  it('writing to a peer that is gone throws BrokenPipeError or ConnectionResetError, never a signal', () => {
    const [client, server] = tcpPair();
    server.close();
    const err = thrown(() => {
      for (let i = 0; i < 100; i++) client.send(Buffer.alloc(1024));
    });
    expect(err).toBeInstanceOf(OSError);
    expect(['EPIPE', 'ECONNRESET']).toContain((err as OSError).code);
    if ((err as OSError).code === 'EPIPE') expect(err).toBeInstanceOf(BrokenPipeError);
  });
});

describe('non-blocking mode', () => {
  it('recv and accept throw BlockingIOError; the try* twins return WOULD_BLOCK / null', () => {
    const [a] = track(socketpair());
    a.setBlocking(false);
    expect(a.getBlocking()).toBe(false);
    expect(thrown(() => a.recv(10))).toMatchObject({
      name: 'BlockingIOError',
      code: 'EAGAIN',
      errno: EAGAIN,
    });
    expect(a.tryRecvInto(Buffer.alloc(10))).toBe(WOULD_BLOCK);
    const listener = track(new Socket());
    listener.bind(['127.0.0.1', 0]);
    listener.listen();
    listener.setBlocking(false);
    expect(thrown(() => listener.accept())).toBeInstanceOf(BlockingIOError);
    expect(listener.tryAccept()).toBeNull();
  });

  it('connect throws BlockingIOError EINPROGRESS and connectEx returns it; SO_ERROR says how it went', () => {
    const listener = track(new Socket());
    listener.bind(['127.0.0.1', 0]);
    listener.listen();
    const client = track(new Socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK));
    expect(client.getBlocking()).toBe(SOCK_NONBLOCK === 0);
    client.setBlocking(false);
    const rc = client.connectEx(listener.getsockname());
    expect([0, EINPROGRESS]).toContain(rc);
    const other = track(new Socket());
    other.setBlocking(false);
    const err = thrown(() => other.connect(listener.getsockname()));
    expect(err).toBeInstanceOf(BlockingIOError);
    expect(err).toMatchObject({ code: 'EINPROGRESS' });
  });

  it('tryAccept gives a non-blocking socket, accept a blocking one, as Python', () => {
    const listener = track(new Socket());
    listener.bind(['127.0.0.1', 0]);
    listener.listen();
    track(new Socket()).connect(listener.getsockname());
    track(new Socket()).connect(listener.getsockname());
    const [first] = listener.accept();
    const second = listener.tryAccept();
    expect(second).not.toBeNull();
    track(first);
    track(second![0]);
    expect(first.getBlocking()).toBe(true);
    expect(second![0].getBlocking()).toBe(false);
  });
});

/** Whether the fd itself is O_NONBLOCK, whatever the Socket object believes. */
function fdIsNonBlocking(sock: Socket): boolean {
  return (libc.fcntl(sock.fileno(), platform.F_GETFL) & platform.O_NONBLOCK) !== 0;
}

// Waits are timed against the same clock as the deadline, so they are never short: the lower
// bounds below are exact. The upper bounds leave a loaded 2-core machine a second of slack.
describe('timeout mode (settimeout)', () => {
  it('recv on a silent peer throws TimeoutError, an OSError with code ETIMEDOUT, after the timeout', () => {
    const [a] = track(socketpair());
    a.settimeout(80);
    const [err, ms] = timed(() => thrown(() => a.recv(10)));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toBeInstanceOf(OSError);
    expect(err).toMatchObject({ code: 'ETIMEDOUT', errno: ETIMEDOUT, syscall: 'recv' });
    expect((err as Error).message).toBe('recv ETIMEDOUT (timed out)');
    expect(ms).toBeGreaterThanOrEqual(80);
    expect(ms).toBeLessThan(1_080);
    expect(a.gettimeout()).toBe(80); // still in timeout mode: the next call waits again
  });

  it('recv returns data that arrives while it waits, and data already there at once', async () => {
    const [a, b] = track(socketpair());
    const worker = tsWorker(new URL('./test-fixtures/write-later-worker.ts', import.meta.url), {
      workerData: { fd: a.fileno(), delayMs: 60 },
    });
    try {
      await new Promise((resolve) => worker.once('message', resolve));
      // A timeout far above the worker's 60 ms: a worker thread waits its turn for a core on a
      // loaded machine.
      b.settimeout(10_000);
      // Timed from before "go", so the worker's delay is a floor of the wait.
      const start = performance.now();
      worker.postMessage('go');
      const data = b.recv(10);
      const ms = performance.now() - start;
      expect(data.toString()).toBe('later');
      expect(ms).toBeGreaterThanOrEqual(50);
      expect(ms).toBeLessThan(10_000);
    } finally {
      await worker.terminate();
    }
    a.sendall(Buffer.from('now'));
    const buffer = Buffer.alloc(8);
    const [n, ms] = timed(() => b.recvInto(buffer));
    expect(buffer.subarray(0, n).toString()).toBe('now');
    // At once: a wait despite the data would last the whole 10 s timeout (waits are never short).
    expect(ms).toBeLessThan(10_000);
  });

  it('connect and accept work in timeout mode; the accepted socket is blocking, as in Python', () => {
    const listener = track(new Socket());
    listener.bind(['127.0.0.1', 0]);
    listener.listen();
    listener.settimeout(1_000);
    const client = track(new Socket());
    client.settimeout(1_000);
    client.connect(listener.getsockname());
    const [conn, address] = listener.accept();
    track(conn);
    expect(address).toEqual(client.getsockname());
    expect(client.getpeername()).toEqual(listener.getsockname());
    expect(client.gettimeout()).toBe(1_000);
    expect([conn.gettimeout(), conn.getBlocking(), fdIsNonBlocking(conn)]).toEqual([
      null,
      true,
      false,
    ]);
    client.sendall(Buffer.from('ping'));
    expect(conn.recv(10).toString()).toBe('ping');
  });

  it('accept with nobody connecting throws TimeoutError', () => {
    const listener = track(new Socket());
    listener.bind(['127.0.0.1', 0]);
    listener.listen();
    listener.settimeout(60);
    const [err, ms] = timed(() => thrown(() => listener.accept()));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ syscall: 'accept' });
    expect(ms).toBeGreaterThanOrEqual(60);
    expect(ms).toBeLessThan(1_060);
  });

  it('connect to a closed port throws ConnectionRefusedError, and connectEx returns ECONNREFUSED', () => {
    const probe = track(new Socket());
    probe.bind(['127.0.0.1', 0]);
    const [, port] = probe.getsockname() as [string, number];
    probe.close(); // nobody listens there now
    const client = track(new Socket());
    client.settimeout(1_000);
    const err = thrown(() => client.connect(['127.0.0.1', port]));
    expect(err).toBeInstanceOf(ConnectionRefusedError);
    expect(err).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect' });
    expect((err as Error).message).toBe(
      `connect ECONNREFUSED 127.0.0.1:${port} (Connection refused)`,
    );
    const other = track(new Socket());
    other.settimeout(1_000);
    expect(other.connectEx(['127.0.0.1', port])).toBe(ECONNREFUSED);
  });

  it('connect times out when the handshake cannot complete: a listener whose backlog is full', () => {
    // A listener that never accepts: once its accept queue is full, the kernel drops the SYNs of
    // new clients (they would retry after a second), so their connect hangs on loopback too.
    const listener = track(new Socket());
    listener.bind(['127.0.0.1', 0]);
    listener.listen(1);
    const address = listener.getsockname() as [string, number];
    let failure: [unknown, number] | undefined;
    for (let i = 0; i < 10 && failure === undefined; i++) {
      const client = track(new Socket());
      client.settimeout(100);
      const start = performance.now();
      try {
        client.connect(address); // there was still room in the queue
      } catch (err) {
        failure = [err, performance.now() - start];
      }
    }
    expect(failure).toBeDefined();
    const [err, ms] = failure!;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({
      code: 'ETIMEDOUT',
      syscall: 'connect',
      address: address.join(':'),
    });
    expect((err as Error).message).toBe(`connect ETIMEDOUT ${address.join(':')} (timed out)`);
    expect(ms).toBeGreaterThanOrEqual(100);
    expect(ms).toBeLessThan(1_100);
    // connectEx reports the timeout as EWOULDBLOCK, as CPython's connect_ex does.
    const other = track(new Socket());
    other.settimeout(50);
    expect(other.connectEx(address)).toBe(EWOULDBLOCK);
  });

  it('sendall to a peer that never reads throws TimeoutError once the buffers fill, with bytesSent', () => {
    const [client] = tcpPair();
    client.settimeout(100);
    const [err, ms] = timed(() => thrown(() => client.sendall(Buffer.alloc(64 * 1024 * 1024))));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ code: 'ETIMEDOUT', syscall: 'sendall' });
    expect((err as TimeoutError).bytesSent).toBeGreaterThan(0);
    expect((err as TimeoutError).bytesSent).toBeLessThan(64 * 1024 * 1024);
    expect(ms).toBeGreaterThanOrEqual(100);
    expect(ms).toBeLessThan(1_100);
    // send waits too: it takes what fits, and times out once nothing more does.
    const chunk = Buffer.alloc(1024 * 1024);
    const sendErr = thrown(() => {
      for (;;) client.send(chunk);
    });
    expect(sendErr).toMatchObject({ name: 'TimeoutError', syscall: 'send' });
  });

  it('sendall counts its timeout over the whole call, not per wait (CPython 3.5+)', async () => {
    // The peer drains 64 KiB every 5 ms: no single wait for buffer space comes near 150 ms, but
    // all of 16 MiB would take more than a second.
    const [mine, theirs] = track(socketpair());
    const worker = tsWorker(new URL('./test-fixtures/slow-reader-worker.ts', import.meta.url), {
      workerData: { fd: theirs.fileno(), chunk: 64 * 1024, intervalMs: 5 },
    });
    try {
      await new Promise((resolve) => worker.once('message', resolve));
      const received = new Promise<{ total: number }>((resolve) => worker.once('message', resolve));
      mine.settimeout(150);
      const [err, ms] = timed(() => thrown(() => mine.sendall(Buffer.alloc(16 * 1024 * 1024))));
      mine.close(); // EOF: the reader drains what is left, reports and exits
      expect(err).toBeInstanceOf(TimeoutError);
      expect(ms).toBeGreaterThanOrEqual(150);
      expect(ms).toBeLessThan(1_150);
      // bytesSent is exactly what reached the peer.
      expect((await received).total).toBe((err as TimeoutError).bytesSent);
    } finally {
      // terminate() cannot interrupt a thread blocked in recv(2); EOF can.
      mine.close();
      await worker.terminate();
    }
  });

  it('recvfrom on a datagram socket returns a datagram that is there, and times out when none is', () => {
    const a = track(new Socket(AF_INET, SOCK_DGRAM));
    const b = track(new Socket(AF_INET, SOCK_DGRAM));
    a.bind(['127.0.0.1', 0]);
    b.bind(['127.0.0.1', 0]);
    b.settimeout(60);
    expect(a.sendto(Buffer.from('datagram'), b.getsockname())).toBe(8);
    expect(b.recvfrom(100)).toEqual([Buffer.from('datagram'), a.getsockname()]);
    const [err, ms] = timed(() => thrown(() => b.recvfrom(100)));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ syscall: 'recvfrom' });
    expect(ms).toBeGreaterThanOrEqual(60);
  });

  it.runIf(process.platform === 'linux')(
    'a signal during the wait neither ends it early nor stretches it',
    async () => {
      const [a] = track(socketpair());
      a.settimeout(300);
      let signals = 0;
      const onSignal = (): void => void signals++;
      process.on('SIGUSR2', onSignal);
      const worker = tsWorker(new URL('./test-fixtures/signal-worker.ts', import.meta.url), {
        workerData: { delayMs: 60, pid: process.pid },
      });
      try {
        await new Promise((resolve) => worker.once('message', resolve));
        const sent = new Promise<{ sent: boolean }>((resolve) => worker.once('message', resolve));
        worker.postMessage('go');
        const [err, ms] = timed(() => thrown(() => a.recv(10)));
        expect((await sent).sent).toBe(true);
        // Node runs the JS signal handler on a later turn of its own loop.
        for (const until = Date.now() + 2_000; signals === 0 && Date.now() < until;)
          await sleep(10);
        expect(signals).toBe(1);
        expect(err).toBeInstanceOf(TimeoutError);
        expect(ms).toBeGreaterThanOrEqual(300);
        expect(ms).toBeLessThan(1_300);
      } finally {
        process.off('SIGUSR2', onSignal);
        await worker.terminate();
      }
    },
  );

  it('settimeout, setBlocking, gettimeout and getBlocking agree, as in Python', () => {
    const sock = track(new Socket());
    const state = (): unknown[] => [sock.gettimeout(), sock.getBlocking(), fdIsNonBlocking(sock)];
    expect(state()).toEqual([null, true, false]);
    sock.settimeout(250);
    expect(state()).toEqual([250, true, true]); // timeout mode: "blocking", on a non-blocking fd
    expect(String(sock)).toMatch(/^<Socket fd=\d+ AF_INET SOCK_STREAM timeout=250ms /);
    sock.settimeout(0);
    expect(state()).toEqual([0, false, true]);
    expect(String(sock)).toContain(' non-blocking');
    sock.setBlocking(true);
    expect(state()).toEqual([null, true, false]);
    sock.settimeout(0.5);
    expect(state()).toEqual([0.5, true, true]);
    sock.setBlocking(false);
    expect(state()).toEqual([0, false, true]);
    sock.settimeout(null);
    expect(state()).toEqual([null, true, false]);
    if (SOCK_NONBLOCK !== 0) {
      expect(track(new Socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK)).gettimeout()).toBe(0);
    }
  });

  it('settimeout(0) never waits: BlockingIOError at once, as setBlocking(false)', () => {
    const [a] = track(socketpair());
    a.settimeout(0);
    const [err, ms] = timed(() => thrown(() => a.recv(10)));
    expect(err).toBeInstanceOf(BlockingIOError);
    // Nothing will arrive: a recv that waited would wait for ever, or time out with TimeoutError.
    // The bound only tells a stall of a loaded machine from a wait.
    expect(ms).toBeLessThan(1_000);
  });

  it('the try* twins never wait in timeout mode', () => {
    const [a] = track(socketpair());
    a.settimeout(5_000);
    const [n, ms] = timed(() => a.tryRecvInto(Buffer.alloc(10)));
    expect(n).toBe(WOULD_BLOCK);
    // A wait would last the whole 5 s timeout (waits are never short): anything below is no wait.
    expect(ms).toBeLessThan(5_000);
  });

  it.each([-1, -0.5, NaN, Infinity, '100', undefined, 10n])(
    'settimeout(%s) throws InvalidArgumentError and leaves the mode as it was',
    (value) => {
      const sock = track(new Socket());
      sock.settimeout(100);
      const err = thrown(() => sock.settimeout(value as never));
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message).toMatch(
        /^settimeout\(\) expected a finite number of milliseconds >= 0, or null, got /,
      );
      expect(sock.gettimeout()).toBe(100);
    },
  );

  it('settimeout on a closed socket throws OSError EBADF', () => {
    const sock = new Socket();
    sock.close();
    expect(thrown(() => sock.settimeout(100))).toMatchObject({ name: 'OSError', code: 'EBADF' });
  });
});

describe('blocking mode really blocks its thread', () => {
  it('a blocking recv in a worker thread returns when the peer writes, while the main thread stays free', async () => {
    const [mine, theirs] = track(socketpair());
    const worker = tsWorker(new URL('./test-fixtures/blocking-recv-worker.ts', import.meta.url), {
      workerData: { fd: theirs.fileno() },
    });
    const messages: unknown[] = [];
    const done = new Promise<{ data: string; waitedMs: number }>((resolve, reject) => {
      worker.on('message', (m: { data?: string }) => {
        messages.push(m);
        if (m.data !== undefined) resolve(m as { data: string; waitedMs: number });
      });
      worker.on('error', reject);
    });
    await new Promise((resolve) => worker.once('message', resolve));
    expect(messages[0]).toEqual({ blocking: true });
    // Main thread keeps ticking while the worker sits in recv(): at least 150 ms, and at least 5
    // ticks (counted, not assumed from the time: a loaded machine runs fewer timers in 150 ms).
    let ticks = 0;
    const timer = setInterval(() => void ticks++, 10);
    await new Promise((resolve) => setTimeout(resolve, 150));
    for (const until = Date.now() + 10_000; ticks < 5 && Date.now() < until;)
      await new Promise((resolve) => setTimeout(resolve, 10));
    clearInterval(timer);
    expect(ticks).toBeGreaterThanOrEqual(5);
    expect(messages).toHaveLength(1);
    mine.send(Buffer.from('wake up'));
    const { data, waitedMs } = await done;
    expect(data).toBe('wake up');
    expect(waitedMs).toBeGreaterThanOrEqual(140);
    await worker.terminate();
  });
});

describe('AF_UNIX and datagrams', () => {
  it('binds and connects by path, and by abstract name on Linux', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aio-sock-'));
    try {
      const path = join(dir, 's');
      const listener = track(new Socket(AF_UNIX, SOCK_STREAM));
      listener.bind(path);
      listener.listen();
      expect(listener.getsockname()).toBe(path);
      const client = track(new Socket(AF_UNIX, SOCK_STREAM));
      client.connect(path);
      const [conn, address] = listener.accept();
      track(conn);
      expect(address).toBe('');
      client.sendall(Buffer.from('unix'));
      expect(conn.recv(10).toString()).toBe('unix');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    if (process.platform === 'linux') {
      const name = `\0aio-test-${process.pid}`;
      const listener = track(new Socket(AF_UNIX, SOCK_STREAM));
      listener.bind(name);
      expect(listener.getsockname()).toBe(name);
      expect(String(listener)).toContain(`laddr=@aio-test-${process.pid}`);
    }
  });

  it('UDP sendto and recvfrom carry the sender address', () => {
    const a = track(new Socket(AF_INET, SOCK_DGRAM));
    const b = track(new Socket(AF_INET, SOCK_DGRAM));
    a.bind(['127.0.0.1', 0]);
    b.bind(['127.0.0.1', 0]);
    expect(a.sendto(Buffer.from('datagram'), b.getsockname())).toBe(8);
    const [data, from] = b.recvfrom(100);
    expect(data.toString()).toBe('datagram');
    expect(from).toEqual(a.getsockname());
    b.sendto(Buffer.from('reply'), 0, from);
    expect(a.recvfrom(100)[0].toString()).toBe('reply');
  });
});

describe('options, lifecycle and printing', () => {
  it('setsockopt and getsockopt take ints, booleans and raw bytes', () => {
    const sock = track(new Socket());
    sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, true);
    expect(sock.getsockopt(SOL_SOCKET, SO_REUSEADDR)).not.toBe(0);
    sock.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
    expect(sock.getsockopt(IPPROTO_TCP, TCP_NODELAY)).not.toBe(0);
    expect(sock.getsockopt(SOL_SOCKET, SO_TYPE)).toBe(SOCK_STREAM);
    const raw = sock.getsockopt(SOL_SOCKET, SO_RCVBUF, 4);
    expect(raw.readInt32LE(0)).toBe(sock.getsockopt(SOL_SOCKET, SO_RCVBUF));
  });

  it('close is idempotent, fileno turns -1, and later calls throw OSError EBADF', () => {
    const sock = new Socket();
    expect(sock.fileno()).toBeGreaterThan(2);
    sock.close();
    sock.close();
    expect(sock.fileno()).toBe(-1);
    expect(sock.closed).toBe(true);
    expect(thrown(() => sock.recv(1))).toMatchObject({
      name: 'OSError',
      code: 'EBADF',
      errno: EBADF,
      syscall: 'recv',
    });
    expect(String(sock)).toBe('<Socket [closed] AF_INET SOCK_STREAM>');
  });

  it('getpeername on an unconnected socket throws ENOTCONN', () => {
    expect(thrown(() => track(new Socket()).getpeername())).toMatchObject({ errno: ENOTCONN });
  });

  it('wraps an existing fd, and detach gives it back unclosed', () => {
    const [a, b] = track(socketpair());
    const wrapped = new Socket(AF_UNIX, SOCK_STREAM, 0, a.fileno());
    expect(wrapped.detach()).toBe(a.fileno());
    expect(wrapped.fileno()).toBe(-1);
    b.send(Buffer.from('still open'));
    expect(a.recv(20).toString()).toBe('still open');
  });

  it('using-style disposal closes it', () => {
    let fd: number;
    {
      const sock = new Socket();
      fd = sock.fileno();
      sock[Symbol.dispose]();
      expect(sock.fileno()).toBe(-1);
    }
    expect(fd).toBeGreaterThan(0);
  });

  it('toString shows fd, family, type and both addresses', () => {
    const [client] = tcpPair();
    expect(String(client)).toMatch(
      /^<Socket fd=\d+ AF_INET SOCK_STREAM laddr=127\.0\.0\.1:\d+ raddr=127\.0\.0\.1:\d+>$/,
    );
  });
});

describe('bad input gets a named error', () => {
  it.each([
    [
      'a string for an AF_INET address',
      AF_INET,
      '127.0.0.1:80',
      /expected \[host, port\], got "127.0.0.1:80"/,
    ],
    ['a missing port', AF_INET, ['127.0.0.1'], /expected a port from 0 to 65535, got undefined/],
    ['a port out of range', AF_INET, ['127.0.0.1', 70000], /got 70000/],
    ['three fields for AF_INET', AF_INET, ['127.0.0.1', 80, 0], /expected \[host, port\]/],
    ['a bad flowinfo', AF_INET6, ['::1', 80, -1, 0], /flowinfo/],
    ['an array for AF_UNIX', AF_UNIX, ['a', 1], /expected a path string/],
    ['a path that is too long', AF_UNIX, `/tmp/${'x'.repeat(200)}`, /AF_UNIX path is too long/],
  ] as const)('%s throws InvalidAddressError', (_what, family, address, message) => {
    const sock = track(new Socket(family, SOCK_STREAM));
    const err = thrown(() => sock.connect(address as never));
    expect(err).toBeInstanceOf(InvalidAddressError);
    expect(err).toMatchObject({ code: 'ERR_AIO_INVALID_ADDRESS' });
    expect((err as Error).message).toMatch(message);
  });

  it('send of a string, recv of a negative size, recvInto past the buffer throw InvalidArgumentError', () => {
    const [a] = track(socketpair());
    expect(() => a.send('text' as never)).toThrow(InvalidArgumentError);
    expect(() => a.send('text' as never)).toThrow(
      'send() expected a Buffer or Uint8Array, got "text"',
    );
    expect(() => a.recv(-1)).toThrow(/bufsize to be an integer >= 0, got -1/);
    expect(() => a.recvInto(Buffer.alloc(4), 8)).toThrow(/too small for nbytes=8/);
    expect(() => new Socket(AF_INET, SOCK_STREAM, 0, -3)).toThrow(InvalidArgumentError);
  });

  it('wrapping an fd that is not open throws OSError EBADF', () => {
    expect(thrown(() => new Socket(AF_INET, SOCK_STREAM, 0, closedFd()))).toMatchObject({
      code: 'EBADF',
    });
  });

  it('an unknown address family is refused by the kernel with a named OSError', () => {
    expect(thrown(() => new Socket(9999, SOCK_STREAM))).toMatchObject({
      name: 'OSError',
      syscall: 'socket',
      code: 'EAFNOSUPPORT',
    });
  });
});
