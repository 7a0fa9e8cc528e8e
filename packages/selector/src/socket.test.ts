import { mkdtempSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsWorker } from '@aio/tooling/worker';
import {
  BlockingIOError,
  ConnectionRefusedError,
  InvalidAddressError,
  InvalidArgumentError,
  OSError,
  BrokenPipeError,
} from './errors';
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
import { closedFd, tcpPair, track } from './test-support';

const { EINPROGRESS, EAGAIN, EBADF, ENOTCONN } = constants.errno;

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
    // Main thread keeps ticking while the worker sits in recv().
    let ticks = 0;
    const timer = setInterval(() => void ticks++, 10);
    await new Promise((resolve) => setTimeout(resolve, 150));
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
