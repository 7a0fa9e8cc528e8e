/**
 * Socket operations as futures, on real sockets (socketpairs and loopback TCP) and a real loop in
 * both modes: each settles when the kernel says so, and a cancelled or failed one leaves no
 * reader or writer behind.
 */
import { randomBytes } from 'node:crypto';
import {
  AF_INET,
  AF_UNIX,
  AI_NUMERICHOST,
  ConnectionRefusedError,
  ConnectionResetError,
  InvalidArgumentError,
  OSError,
  SO_LINGER,
  SOCK_STREAM,
  SOL_SOCKET,
  Socket,
  WOULD_BLOCK,
  socketpair,
  type Address,
} from '@aio/selector';
import { EventLoop, type ExceptionContext, type LoopMode } from '@aio/loop';
import { afterEach, describe, expect, it } from 'vitest';
import { Future } from './future';
import {
  getaddrinfo,
  readable,
  sockAccept,
  sockConnect,
  sockRecv,
  sockRecvInto,
  sockSendall,
  writable,
} from './io';

const loops: EventLoop[] = [];
const sockets: Socket[] = [];

afterEach(() => {
  for (const loop of loops.splice(0)) if (!loop.isRunning()) loop.close();
  for (const sock of sockets.splice(0)) sock.close();
});

function track<T extends Socket>(sock: T): T {
  sockets.push(sock);
  return sock;
}

/** A connected pair of Unix stream sockets, both non-blocking. */
function pair(): [Socket, Socket] {
  const [a, b] = socketpair();
  for (const sock of [track(a), track(b)]) sock.setBlocking(false);
  return [a, b];
}

/** A non-blocking TCP socket listening on 127.0.0.1 (an ephemeral port). */
function listener(): Socket {
  const sock = track(new Socket(AF_INET, SOCK_STREAM));
  sock.bind(['127.0.0.1', 0]);
  sock.listen(8);
  sock.setBlocking(false);
  return sock;
}

/** A connected loopback TCP pair `[client, server]`, both non-blocking. */
function tcpPair(): [Socket, Socket] {
  const server = listener();
  const client = track(new Socket(AF_INET, SOCK_STREAM));
  client.connect(server.getsockname());
  const [conn] = server.accept();
  track(conn);
  client.setBlocking(false);
  conn.setBlocking(false);
  return [client, conn];
}

/** Fills a non-blocking socket's send buffer until the kernel takes no more; returns the count. */
function fill(sock: Socket): number {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let total = 0;
  for (let n = sock.trySend(chunk); n !== WOULD_BLOCK; n = sock.trySend(chunk)) total += n;
  return total;
}

/** Reads whatever a non-blocking socket has (without the loop); returns the count. */
function drain(sock: Socket): number {
  const buf = Buffer.alloc(256 * 1024);
  let total = 0;
  for (let n = sock.tryRecvInto(buf); n > 0; n = sock.tryRecvInto(buf)) total += n;
  return total;
}

/** Makes `close()` send RST instead of FIN (SO_LINGER on, zero timeout). */
function setAbortiveClose(sock: Socket): void {
  const linger = Buffer.alloc(8);
  linger.writeInt32LE(1, 0);
  linger.writeInt32LE(0, 4);
  sock.setsockopt(SOL_SOCKET, SO_LINGER, linger);
}

/** Runs `loop` until `future` is done; the failure it ends with (fails the test if none). */
async function failureOf(loop: EventLoop, future: Future): Promise<unknown> {
  try {
    await loop.runUntilComplete(future);
  } catch (error) {
    return error;
  }
  throw new Error(`expected a failure, got ${future.toString()}`);
}

describe.each(['hosted', 'blocking'] as const)('%s loop', (mode: LoopMode) => {
  const reported: ExceptionContext[] = [];

  afterEach(() => {
    // Nothing in these tests should reach the exception handler.
    expect(reported.splice(0)).toEqual([]);
  });

  function makeLoop(): EventLoop {
    const loop = new EventLoop({ mode, log: (text) => reported.push({ message: text }) });
    loop.setExceptionHandler((_loop, context) => reported.push(context));
    loops.push(loop);
    return loop;
  }

  /** A future the loop finishes after `ms` milliseconds. */
  function sleep(loop: EventLoop, ms: number): Future<void> {
    const future = new Future<void>(loop);
    loop.callLater(ms, () => future.setResult());
    return future;
  }

  /** Runs the loop for `ms`, then checks `future` is still waiting. */
  async function expectPending(loop: EventLoop, future: Future, ms = 20): Promise<void> {
    await loop.runUntilComplete(sleep(loop, ms));
    expect(future.done(), future.toString()).toBe(false);
  }

  /** Runs the loop until everything scheduled so far (and what that schedules once) has run. */
  async function settle(loop: EventLoop): Promise<void> {
    const probe = new Future<void>(loop);
    loop.callSoon(() => loop.callSoon(() => probe.setResult()));
    await loop.runUntilComplete(probe);
  }

  describe('readable / writable', () => {
    it('readable waits for data, then settles and removes its reader', async () => {
      const loop = makeLoop();
      const [a, b] = pair();
      const ready = readable(loop, b);
      await expectPending(loop, ready);
      loop.callLater(5, () => a.send(Buffer.from('x')));
      await loop.runUntilComplete(ready);
      expect(ready.result()).toBeUndefined();
      expect(loop.removeReader(b)).toBe(false);
      // Readiness only: the data is still there.
      expect(b.recv(10).toString()).toBe('x');
    });

    it('readable settles for data already there, and at EOF', async () => {
      const loop = makeLoop();
      const [a, b] = pair();
      a.send(Buffer.from('waiting'));
      await loop.runUntilComplete(readable(loop, b));
      const [c, d] = pair();
      c.close();
      await loop.runUntilComplete(readable(loop, d.fileno()));
      expect(d.recv(10).length).toBe(0);
    });

    it('writable settles at once for a socket with room', async () => {
      const loop = makeLoop();
      const [a] = pair();
      const ready = writable(loop, a);
      await loop.runUntilComplete(ready);
      expect(loop.removeWriter(a)).toBe(false);
    });

    it('writable waits while the send buffer is full, and settles once the peer reads', async () => {
      const loop = makeLoop();
      const [a, b] = pair();
      expect(fill(a)).toBeGreaterThan(0);
      const ready = writable(loop, a);
      await expectPending(loop, ready);
      loop.callSoon(() => drain(b));
      await loop.runUntilComplete(ready);
      expect(loop.removeWriter(a)).toBe(false);
    });
  });

  describe('sockRecv', () => {
    it('returns data that is already there at once, without waiting', async () => {
      const loop = makeLoop();
      const [a, b] = pair();
      a.send(Buffer.from('hello'));
      const future = sockRecv(loop, b, 100);
      expect(future.done()).toBe(true);
      expect(future.result().toString()).toBe('hello');
      expect(await loop.runUntilComplete(future)).toEqual(Buffer.from('hello'));
      expect(loop.removeReader(b)).toBe(false);
    });

    it('returns at most n bytes; the rest waits for the next call', async () => {
      const loop = makeLoop();
      const [a, b] = pair();
      a.send(Buffer.from('abcdefgh'));
      expect((await loop.runUntilComplete(sockRecv(loop, b, 3))).toString()).toBe('abc');
      expect((await loop.runUntilComplete(sockRecv(loop, b, 100))).toString()).toBe('defgh');
    });

    it('after a short read, the next recv waits for readiness before trying, and gets what arrived meanwhile', async () => {
      const loop = makeLoop();
      const [a, b] = pair();
      a.send(Buffer.from('one'));
      const first = sockRecv(loop, b, 100);
      expect(first.result().toString()).toBe('one'); // short: the kernel had nothing more
      a.send(Buffer.from('two')); // arrives before the next recv is even asked for
      let tries = 0;
      const tryRecvInto = b.tryRecvInto.bind(b);
      b.tryRecvInto = (...args) => {
        tries++;
        return tryRecvInto(...args);
      };
      const second = sockRecv(loop, b, 100);
      expect(second.done()).toBe(false);
      expect(tries).toBe(0); // no speculative read: it waits for the poll to say readable
      expect((await loop.runUntilComplete(second)).toString()).toBe('two');
      expect(tries).toBe(1);
      expect(loop.removeReader(b)).toBe(false);
    });

    it('after a full read, the next recv tries at once', () => {
      const loop = makeLoop();
      const [a, b] = pair();
      a.send(Buffer.from('abcdefgh'));
      expect(sockRecv(loop, b, 3).result().toString()).toBe('abc');
      const rest = sockRecv(loop, b, 100);
      expect(rest.done()).toBe(true);
      expect(rest.result().toString()).toBe('defgh');
    });

    it('gives each read a Buffer of its own: later reads never overwrite an earlier result', async () => {
      const loop = makeLoop();
      const [a, b] = pair();
      const results: Buffer[] = [];
      const sent: Buffer[] = [];
      // Sizes around the copy-out slab's limits: many small reads, some over a quarter slab.
      for (const size of [1, 7, 1024, 4095, 4096, 4097, 9000, 1024, 3, 16_000, 1024, 1024]) {
        for (let round = 0; round < 3; round++) {
          const data = randomBytes(size);
          sent.push(data);
          a.send(data);
          // A read may come back shorter than what is there (recv's contract): read on.
          const parts: Buffer[] = [];
          for (let have = 0; have < size;) {
            const got = await loop.runUntilComplete(sockRecv(loop, b, 64 * 1024));
            expect(got.length).toBeGreaterThan(0);
            parts.push(got);
            have += got.length;
          }
          results.push(...parts);
        }
      }
      const all = Buffer.concat(sent);
      expect(Buffer.concat(results).equals(all)).toBe(true);
      results[0]![0] = results[0]![0]! ^ 0xff; // writing into one result touches no other
      expect(Buffer.concat(results.slice(1)).equals(all.subarray(results[0]!.length))).toBe(true);
    });

    it('bulk data: after a read that fills its slab room, reads take up to n at once; every byte arrives in order', async () => {
      const loop = makeLoop();
      const [a, b] = pair();
      const data = randomBytes(200 * 1024);
      let offset = 0;
      const parts: Buffer[] = [];
      while (offset < data.length || parts.reduce((n, p) => n + p.length, 0) < data.length) {
        // Keep the kernel buffer well stocked, as a bulk sender does.
        while (offset < data.length) {
          const sent = a.trySend(data.subarray(offset, offset + 64 * 1024));
          if (sent === WOULD_BLOCK) break;
          offset += sent;
        }
        parts.push(await loop.runUntilComplete(sockRecv(loop, b, 64 * 1024)));
      }
      expect(Buffer.concat(parts).equals(data)).toBe(true);
      expect(Math.max(...parts.map((p) => p.length))).toBeGreaterThan(16 * 1024);
    });

    it('returns an empty Buffer at EOF', async () => {
      const loop = makeLoop();
      const [a, b] = pair();
      a.close();
      const data = await loop.runUntilComplete(sockRecv(loop, b, 100));
      expect(Buffer.isBuffer(data)).toBe(true);
      expect(data.length).toBe(0);
    });

    it('waits when nothing is there, and resolves when data arrives', async () => {
      const loop = makeLoop();
      const [a, b] = pair();
      const future = sockRecv(loop, b, 100);
      await expectPending(loop, future);
      a.send(Buffer.from('late'));
      expect((await loop.runUntilComplete(future)).toString()).toBe('late');
      expect(loop.removeReader(b)).toBe(false);
    });

    it('a waiting recv sees EOF when the peer closes', async () => {
      const loop = makeLoop();
      const [a, b] = pair();
      const future = sockRecv(loop, b, 100);
      await expectPending(loop, future, 5);
      a.close();
      expect((await loop.runUntilComplete(future)).length).toBe(0);
    });

    it('a peer reset fails a waiting recv with ConnectionResetError and removes the reader', async () => {
      const loop = makeLoop();
      const [client, server] = tcpPair();
      const future = sockRecv(loop, server, 100);
      await expectPending(loop, future, 5);
      setAbortiveClose(client);
      client.close();
      const error = await failureOf(loop, future);
      expect(error).toBeInstanceOf(ConnectionResetError);
      expect((error as OSError).code).toBe('ECONNRESET');
      expect(loop.removeReader(server)).toBe(false);
    });

    it('a reset that already happened fails the recv at once', async () => {
      const loop = makeLoop();
      const [client, server] = tcpPair();
      setAbortiveClose(client);
      client.close();
      await loop.runUntilComplete(readable(loop, server)); // the RST has arrived
      const future = sockRecv(loop, server, 100);
      expect(future.done()).toBe(true);
      expect(future.exception()).toBeInstanceOf(ConnectionResetError);
    });
  });

  describe('sockRecvInto', () => {
    it('reads into the buffer and settles with the count', async () => {
      const loop = makeLoop();
      const [a, b] = pair();
      const buffer = Buffer.alloc(16, '.');
      const future = sockRecvInto(loop, b, buffer);
      await expectPending(loop, future, 5);
      a.send(Buffer.from('into'));
      expect(await loop.runUntilComplete(future)).toBe(4);
      expect(buffer.toString()).toBe('into............');
      expect(loop.removeReader(b)).toBe(false);
    });

    it('reads at most nbytes, into a view at its offset', async () => {
      const loop = makeLoop();
      const [a, b] = pair();
      a.send(Buffer.from('0123456789'));
      const backing = Buffer.alloc(10, '.');
      const view = backing.subarray(2, 8);
      expect(await loop.runUntilComplete(sockRecvInto(loop, b, view, 3))).toBe(3);
      expect(backing.toString()).toBe('..012.....');
    });

    it('settles with 0 at EOF', async () => {
      const loop = makeLoop();
      const [a, b] = pair();
      a.close();
      expect(await loop.runUntilComplete(sockRecvInto(loop, b, Buffer.alloc(8)))).toBe(0);
    });
  });

  describe('sockSendall', () => {
    it('sends a small buffer at once', async () => {
      const loop = makeLoop();
      const [a, b] = pair();
      const future = sockSendall(loop, a, Buffer.from('all of it'));
      expect(future.done()).toBe(true);
      await loop.runUntilComplete(future);
      expect(b.recv(100).toString()).toBe('all of it');
    });

    it('sends 8 MiB to a peer that reads slowly; every byte arrives, in order', async () => {
      const loop = makeLoop();
      const [client, server] = tcpPair();
      const size = 8 * 1024 * 1024;
      const data = randomBytes(size);
      const expected = Buffer.from(data);
      const sending = sockSendall(loop, client, data);
      expect(sending.done()).toBe(false); // far more than the kernel buffers hold
      // The caller may reuse its buffer once sockSendall returns.
      data.fill(0);

      const chunks: Buffer[] = [];
      const reader = async (): Promise<number> => {
        await sleep(loop, 20); // the sender must wait for room meanwhile
        expect(sending.done()).toBe(false);
        let total = 0;
        while (total < size) {
          const chunk = await sockRecv(loop, server, 256 * 1024);
          if (chunk.length === 0) break;
          chunks.push(chunk);
          total += chunk.length;
          if (chunks.length % 16 === 0) await sleep(loop, 1);
        }
        return total;
      };
      expect(await loop.runUntilComplete(reader())).toBe(size);
      await loop.runUntilComplete(sending);
      expect(Buffer.concat(chunks).equals(expected)).toBe(true);
      expect(loop.removeWriter(client)).toBe(false);
      expect(loop.removeReader(server)).toBe(false);
    });

    it('fails when the peer goes away mid-send, and removes its writer', async () => {
      const loop = makeLoop();
      const [a, b] = pair();
      const sending = sockSendall(loop, a, Buffer.alloc(4 * 1024 * 1024));
      await expectPending(loop, sending, 5);
      b.close();
      const error = await failureOf(loop, sending);
      expect(error).toBeInstanceOf(OSError);
      expect(['EPIPE', 'ECONNRESET']).toContain((error as OSError).code);
      expect(loop.removeWriter(a)).toBe(false);
    });
  });

  describe('sockConnect', () => {
    it('connects to a listening socket', async () => {
      const loop = makeLoop();
      const server = listener();
      const client = track(new Socket(AF_INET, SOCK_STREAM));
      client.setBlocking(false);
      await loop.runUntilComplete(sockConnect(loop, client, server.getsockname()));
      expect(client.getpeername()).toEqual(server.getsockname());
      expect(loop.removeWriter(client)).toBe(false);
      const [conn] = await loop.runUntilComplete(sockAccept(loop, server));
      track(conn);
      expect(conn.getpeername()).toEqual(client.getsockname());
    });

    it('fails with ConnectionRefusedError for a port nobody listens on', async () => {
      const loop = makeLoop();
      // Bound but not listening: the port is ours, and the kernel refuses connections to it.
      const closed = track(new Socket(AF_INET, SOCK_STREAM));
      closed.bind(['127.0.0.1', 0]);
      const client = track(new Socket(AF_INET, SOCK_STREAM));
      client.setBlocking(false);
      const error = await failureOf(loop, sockConnect(loop, client, closed.getsockname()));
      expect(error).toBeInstanceOf(ConnectionRefusedError);
      expect((error as OSError).code).toBe('ECONNREFUSED');
      expect((error as OSError).syscall).toBe('connect');
      expect(loop.removeWriter(client)).toBe(false);
    });

    it('resolves a host name (localhost) first', async () => {
      const loop = makeLoop();
      const server = listener();
      const [, port] = server.getsockname() as [string, number];
      const client = track(new Socket(AF_INET, SOCK_STREAM));
      client.setBlocking(false);
      const connecting = sockConnect(loop, client, ['localhost', port]);
      await loop.runUntilComplete(connecting);
      expect(client.getpeername()).toEqual(['127.0.0.1', port]);
      expect(loop.removeWriter(client)).toBe(false);
    });

    it('a connect by host name cancelled while resolving never connects', async () => {
      const loop = makeLoop();
      const server = listener();
      const [, port] = server.getsockname() as [string, number];
      const client = track(new Socket(AF_INET, SOCK_STREAM));
      client.setBlocking(false);
      const connecting = sockConnect(loop, client, ['localhost', port]);
      expect(connecting.cancel()).toBe(true);
      await loop.runUntilComplete(getaddrinfo(loop, 'localhost', port)); // past the resolver
      await settle(loop);
      expect(connecting.cancelled()).toBe(true);
      expect(loop.removeWriter(client)).toBe(false);
      expect(() => client.getpeername()).toThrow(/ENOTCONN|not connected/i);
    });

    it('connects a Unix socket to a path (no name resolution)', async () => {
      const loop = makeLoop();
      const path = `\0aio-future-io-test-${process.pid}-${mode}`;
      const server = track(new Socket(AF_UNIX, SOCK_STREAM));
      server.bind(path);
      server.listen(1);
      server.setBlocking(false);
      const client = track(new Socket(AF_UNIX, SOCK_STREAM));
      client.setBlocking(false);
      await loop.runUntilComplete(sockConnect(loop, client, path));
      const [conn] = await loop.runUntilComplete(sockAccept(loop, server));
      track(conn);
      await loop.runUntilComplete(sockSendall(loop, client, Buffer.from('over unix')));
      expect((await loop.runUntilComplete(sockRecv(loop, conn, 64))).toString()).toBe('over unix');
    });
  });

  describe('sockAccept', () => {
    it('waits for a connection, then gives a non-blocking socket and the peer address', async () => {
      const loop = makeLoop();
      const server = listener();
      const accepting = sockAccept(loop, server);
      await expectPending(loop, accepting);
      const client = track(new Socket(AF_INET, SOCK_STREAM));
      client.connect(server.getsockname()); // the kernel completes the handshake by itself
      const [conn, address] = await loop.runUntilComplete(accepting);
      track(conn);
      expect(conn.getBlocking()).toBe(false);
      expect(address).toEqual(client.getsockname());
      expect(loop.removeReader(server)).toBe(false);
      client.send(Buffer.from('ping'));
      expect((await loop.runUntilComplete(sockRecv(loop, conn, 10))).toString()).toBe('ping');
    });

    it('accepts a connection that is already waiting at once', () => {
      const loop = makeLoop();
      const server = listener();
      const client = track(new Socket(AF_INET, SOCK_STREAM));
      client.connect(server.getsockname());
      const accepting = sockAccept(loop, server);
      expect(accepting.done()).toBe(true);
      track(accepting.result()[0]);
    });
  });

  describe('getaddrinfo', () => {
    it("resolves 'localhost' off the main thread", async () => {
      const loop = makeLoop();
      const resolving = getaddrinfo(loop, 'localhost', 80);
      expect(resolving).toBeInstanceOf(Future);
      const infos = await loop.runUntilComplete(resolving);
      expect(infos.length).toBeGreaterThan(0);
      const addresses = infos.map((info) => info[4] as Exclude<Address, string>);
      for (const address of addresses) expect(address[1]).toBe(80);
      expect(addresses.some(([host]) => host === '127.0.0.1' || host === '::1')).toBe(true);
    });

    it('fails for a name that cannot resolve', async () => {
      const loop = makeLoop();
      // A numeric-host lookup of something that is not an address fails without any DNS.
      const notAnAddress = getaddrinfo(loop, 'not an address', 80, 0, 0, 0, AI_NUMERICHOST);
      const error = await failureOf(loop, notAnAddress);
      expect(error).toBeInstanceOf(OSError);
      expect((error as OSError).code).toMatch(/^EAI_/);
    });
  });

  describe('misuse', () => {
    it.each([
      ['sockRecv', (loop: EventLoop, s: Socket) => sockRecv(loop, s, 10)],
      ['sockRecvInto', (loop: EventLoop, s: Socket) => sockRecvInto(loop, s, Buffer.alloc(10))],
      ['sockSendall', (loop: EventLoop, s: Socket) => sockSendall(loop, s, Buffer.from('x'))],
      ['sockConnect', (loop: EventLoop, s: Socket) => sockConnect(loop, s, ['127.0.0.1', 9])],
      ['sockAccept', (loop: EventLoop, s: Socket) => sockAccept(loop, s)],
    ] as const)('%s refuses a blocking socket', (name, call) => {
      const loop = makeLoop();
      const [a] = socketpair().map(track);
      const tcp = track(new Socket(AF_INET, SOCK_STREAM));
      const sock = name === 'sockConnect' || name === 'sockAccept' ? tcp : a!;
      expect(sock.getBlocking()).toBe(true);
      expect(() => call(loop, sock)).toThrow(InvalidArgumentError);
      expect(() => call(loop, sock)).toThrow(/non-blocking socket/);
      expect(loop.removeReader(sock)).toBe(false);
      expect(loop.removeWriter(sock)).toBe(false);
    });
  });

  describe('cancellation leaves nothing behind', () => {
    it('a cancelled sockRecv: no reader, and the data that comes later is not swallowed', async () => {
      const loop = makeLoop();
      const [a, b] = pair();
      const future = sockRecv(loop, b, 100);
      await expectPending(loop, future, 5);
      expect(future.cancel()).toBe(true);
      await settle(loop);
      expect(loop.removeReader(b)).toBe(false);
      a.send(Buffer.from('for the next one'));
      await settle(loop);
      expect((await loop.runUntilComplete(sockRecv(loop, b, 100))).toString()).toBe(
        'for the next one',
      );
      expect(future.cancelled()).toBe(true);
    });

    it('a cancelled readable: no reader', async () => {
      const loop = makeLoop();
      const [, b] = pair();
      const future = readable(loop, b);
      await expectPending(loop, future, 5);
      future.cancel();
      await settle(loop);
      expect(loop.removeReader(b)).toBe(false);
    });

    it('a cancelled writable: no writer', async () => {
      const loop = makeLoop();
      const [a] = pair();
      fill(a);
      const future = writable(loop, a);
      await expectPending(loop, future, 5);
      future.cancel();
      await settle(loop);
      expect(loop.removeWriter(a)).toBe(false);
    });

    it('a cancelled sockAccept: no reader, and a later connection is still there to accept', async () => {
      const loop = makeLoop();
      const server = listener();
      const future = sockAccept(loop, server);
      await expectPending(loop, future, 5);
      future.cancel();
      await settle(loop);
      expect(loop.removeReader(server)).toBe(false);
      const client = track(new Socket(AF_INET, SOCK_STREAM));
      client.connect(server.getsockname());
      await settle(loop);
      const [conn, address] = await loop.runUntilComplete(sockAccept(loop, server));
      track(conn);
      expect(address).toEqual(client.getsockname());
    });

    it('a cancelled sockSendall: no writer, and it sends nothing more', async () => {
      const loop = makeLoop();
      const [a, b] = pair();
      const sent = fill(a);
      const future = sockSendall(loop, a, Buffer.alloc(64 * 1024, 'y'));
      await expectPending(loop, future, 5);
      future.cancel();
      await settle(loop);
      expect(loop.removeWriter(a)).toBe(false);
      // The buffer was full, so the cancelled sendall had sent nothing: the peer gets only the
      // bytes that were there before it.
      const received = drain(b);
      await loop.runUntilComplete(sleep(loop, 10));
      expect(received + drain(b)).toBe(sent);
    });

    it('a cancelled connect: no writer', async () => {
      const loop = makeLoop();
      const server = listener();
      const client = track(new Socket(AF_INET, SOCK_STREAM));
      client.setBlocking(false);
      const future = sockConnect(loop, client, server.getsockname());
      future.cancel();
      await settle(loop);
      expect(loop.removeWriter(client)).toBe(false);
    });

    it('cancelling a recv does not disturb a sendall waiting on the same socket', async () => {
      const loop = makeLoop();
      const [a, b] = pair();
      const backlog = fill(a);
      const tail = Buffer.from('after the backlog');
      const receiving = sockRecv(loop, a, 100);
      const sending = sockSendall(loop, a, tail);
      await expectPending(loop, receiving, 5);
      expect(sending.done()).toBe(false);
      receiving.cancel();
      await settle(loop);
      expect(loop.removeReader(a)).toBe(false);
      const chunks: Buffer[] = [];
      const reader = async (): Promise<void> => {
        while (!sending.done()) {
          chunks.push(await sockRecv(loop, b, 256 * 1024));
        }
      };
      await loop.runUntilComplete(reader());
      await loop.runUntilComplete(sending);
      await loop.runUntilComplete(sleep(loop, 5));
      const rest = Buffer.alloc(256 * 1024);
      for (let n = b.tryRecvInto(rest); n > 0; n = b.tryRecvInto(rest)) {
        chunks.push(Buffer.from(rest.subarray(0, n)));
      }
      const all = Buffer.concat(chunks);
      expect(all.length).toBe(backlog + tail.length);
      expect(all.subarray(backlog).equals(tail)).toBe(true);
      expect(receiving.cancelled()).toBe(true);
      expect(loop.removeWriter(a)).toBe(false);
    });

    it('cancelling a sockRecv that a second sockRecv superseded leaves the second one’s reader alone', async () => {
      // As asyncio (3.12): each operation removes the reader only if its own handle is still the
      // current one, so cancelling the first must not strand the second.
      const loop = makeLoop();
      const [a, b] = pair();
      const first = sockRecv(loop, b, 100);
      const second = sockRecv(loop, b, 100); // replaces the first one's reader
      first.cancel();
      await settle(loop);
      a.send(Buffer.from('for the second'));
      // Only for a stranded reader: the data is there, but a loaded machine may be slow to run.
      const guard = loop.callLater(10_000, () => loop.stop());
      try {
        expect((await loop.runUntilComplete(second)).toString()).toBe('for the second');
      } finally {
        guard.cancel();
        second.cancel();
      }
    });
  });
});
