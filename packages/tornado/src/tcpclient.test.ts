/**
 * TCPClient and its Happy Eyeballs connector — tornado's tcpclient_test.py by theme: connecting
 * by IPv4, IPv6 and names that resolve to both (TCPClientTest), a refused port, source address
 * and port, a resolver that never answers; the connector's family split (TestConnectorSplit) and
 * its sixteen step-by-step cases (ConnectorTest), driven, as tornado drives them, with streams
 * and futures of the test's own; and, on real sockets, the 300 ms fallback from a family whose
 * connect hangs (a listener with a full backlog drops SYNs) to the other.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Future, TimeoutError } from '@aio/future';
import { getRunningLoop, type LoopMode } from '@aio/loop';
import { sleep } from '@aio/coroutine';
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  ConnectionRefusedError,
  OSError,
  SOCK_STREAM,
  Socket,
  type Address,
} from '@aio/selector';
import { IOStream } from './iostream';
import { Resolver, bindSockets, type ResolvedAddress } from './netutil';
import { Queue } from './queues';
import { TCPClient } from './tcpclient';
import * as tcpclient from './tcpclient';
import { Connector, type FamilyAddress } from './tcpclient/connector';
import { TCPServer } from './tcpserver';
import { MODES, closeLoops, main } from './locks/test-support';
import { ipv6Loopback } from './test-ipv6';

const closables: { close(): void }[] = [];
afterEach(() => {
  for (const c of closables.splice(0)) c.close();
  closeLoops();
});

const ipv6 = ipv6Loopback;

/** tornado's TestTCPServer: keeps each stream, and queues it for the test. */
class TestTCPServer extends TCPServer {
  readonly streams: IOStream[] = [];
  readonly queue = new Queue<IOStream>();
  readonly port: number;

  constructor(family: number, host = 'localhost') {
    super();
    const sockets = bindSockets(0, host, { family });
    this.addSockets(sockets);
    this.port = (sockets[0]!.getsockname() as [string, number])[1];
  }

  override handleStream(stream: IOStream): void {
    this.streams.push(stream);
    this.queue.putNowait(stream);
  }

  override stop(): void {
    super.stop();
    for (const stream of this.streams) stream.close();
  }
}

/** A resolver with a fixed answer (or none, ever). */
class FixedResolver extends Resolver {
  constructor(readonly answer: ResolvedAddress[] | null) {
    super();
  }

  override resolve(): Future<ResolvedAddress[]> {
    const future = new Future<ResolvedAddress[]>(getRunningLoop());
    if (this.answer !== null) future.setResult(this.answer);
    return future;
  }
}

it('exports the names it promises', () => {
  expect(Object.keys(tcpclient).sort()).toEqual(['TCPClient']);
});

describe.each(MODES)('TCPClient (%s mode)', (mode: LoopMode) => {
  const run = <T>(body: () => Generator<unknown, T, unknown>): Promise<T> =>
    main(body, mode, 'real');

  function* doTestConnect(
    family: number,
    host: string,
    options: { sourceIp?: string; sourcePort?: number } = {},
    serverHost = family === AF_INET6 ? '::1' : 'localhost',
  ): Generator<unknown, [string, Address], unknown> {
    // tornado's server binds "localhost" and skips the IPv6 cases where it has no IPv6 address
    // (as here: /etc/hosts maps it to 127.0.0.1 alone); ours binds ::1 for them instead.
    const server = new TestTCPServer(family, serverHost);
    closables.push({ close: () => server.stop() });
    const client = new TCPClient();
    closables.push(client);
    const stream = yield* client.connect(host, server.port, { af: family, ...options });
    closables.push(stream);
    const serverStream = yield* server.queue.get();
    stream.write('hello');
    const data = yield* serverStream.readBytes(5);
    return [String(data), serverStream.socket.getpeername()];
  }

  it('connects by IPv4 address and by a name (ipv4_ipv4, ipv4_dual, unspec_ipv4, unspec_dual)', async () => {
    const got = await run(function* () {
      return [
        (yield* doTestConnect(AF_INET, '127.0.0.1'))[0],
        (yield* doTestConnect(AF_INET, 'localhost'))[0],
        (yield* doTestConnect(AF_UNSPEC, '127.0.0.1'))[0],
        (yield* doTestConnect(AF_UNSPEC, 'localhost'))[0],
      ];
    });
    expect(got).toEqual(['hello', 'hello', 'hello', 'hello']);
  });

  it('connects by IPv6 address (ipv6_ipv6, unspec_ipv6)', async (ctx) => {
    if (!ipv6) ctx.skip();
    const got = await run(function* () {
      return [
        (yield* doTestConnect(AF_INET6, '::1'))[0],
        (yield* doTestConnect(AF_UNSPEC, '::1', {}, '::1'))[0],
      ];
    });
    expect(got).toEqual(['hello', 'hello']);
  });

  it('a refused port fails with ConnectionRefusedError (an OSError)', async () => {
    const error = await run(function* () {
      const [sock] = bindSockets(0, '127.0.0.1');
      const port = (sock!.getsockname() as [string, number])[1];
      sock!.close();
      const client = new TCPClient();
      closables.push(client);
      try {
        yield* client.connect('127.0.0.1', port);
      } catch (caught) {
        return caught;
      }
      return null;
    });
    expect(error).toBeInstanceOf(ConnectionRefusedError);
    expect(error).toBeInstanceOf(OSError);
  });

  it('connects from a source address and port; a source address it cannot use fails loudly', async () => {
    const [fromIp, fromPort, failure] = await run(function* () {
      const ok = yield* doTestConnect(AF_INET, '127.0.0.1', { sourceIp: '127.0.0.1' });
      const [spare] = bindSockets(0, '127.0.0.1');
      const sourcePort = (spare!.getsockname() as [string, number])[1];
      spare!.close();
      const withPort = yield* doTestConnect(AF_INET, '127.0.0.1', { sourcePort });
      let failed: unknown = null;
      try {
        yield* doTestConnect(AF_INET, '127.0.0.1', { sourceIp: '8.8.8.8' });
      } catch (caught) {
        failed = caught;
      }
      return [ok[1], [withPort[1], sourcePort], failed] as const;
    });
    expect((fromIp as [string, number])[0]).toBe('127.0.0.1');
    const [peer, sourcePort] = fromPort as [[string, number], number];
    expect(peer).toEqual(['127.0.0.1', sourcePort]);
    expect(failure).toBeInstanceOf(OSError);
    expect(failure).toMatchObject({ code: 'EADDRNOTAVAIL' });
  });

  it('times out on a resolver that never answers (tornado: test_connect_timeout)', async () => {
    const error = await run(function* () {
      const client = new TCPClient(new FixedResolver(null));
      try {
        yield* client.connect('1.2.3.4', 12345, { timeout: 50 });
      } catch (caught) {
        return caught;
      }
      return null;
    });
    expect(error).toBeInstanceOf(TimeoutError);
  });

  it('falls back to the other family after 300 ms when the first one’s connect hangs', async (ctx) => {
    if (!ipv6) ctx.skip();
    const got = await run(function* () {
      // A listener whose backlog is full drops SYNs: a connect to it stays pending.
      const [full] = bindSockets(0, '127.0.0.1', { backlog: 0 });
      closables.push(full!);
      const fullPort = (full!.getsockname() as [string, number])[1];
      const fillers: Socket[] = [];
      for (let i = 0; i < 8; i++) {
        const filler = new Socket(AF_INET, SOCK_STREAM);
        filler.setBlocking(false);
        filler.connectEx(['127.0.0.1', fullPort]);
        fillers.push(filler);
        closables.push(filler);
      }
      yield* sleep(20);
      const server = new TestTCPServer(AF_INET6, '::1');
      closables.push({ close: () => server.stop() });
      const client = new TCPClient(
        new FixedResolver([
          [AF_INET, ['127.0.0.1', fullPort]],
          [AF_INET6, ['::1', server.port, 0, 0]],
        ]),
      );
      const started = getRunningLoop().time();
      const stream = yield* client.connect('dual.example', 0);
      closables.push(stream);
      const elapsed = getRunningLoop().time() - started;
      return [stream.socket.family, elapsed];
    });
    expect(got[0]).toBe(AF_INET6);
    expect(got[1]).toBeGreaterThanOrEqual(250); // it waited for the first family, then gave up
  });

  it('names bad arguments', async () => {
    await run(function* () {
      const client = new TCPClient();
      closables.push(client);
      expect(() => client.connect('', 80)).toThrow(
        'TCPClient.connect(): host must be a non-empty string',
      );
      expect(() => client.connect('localhost', 70_000)).toThrow(RangeError);
      expect(() => client.connect('localhost', 80, { timeout: -1 })).toThrow(
        'TCPClient.connect(): timeout must be milliseconds (>= 0) or a Timedelta, got -1',
      );
      expect(() =>
        client.connect('localhost', 80, { sslOptions: { certfile: 7 } as never }),
      ).toThrow('sslOptions: certfile must be a non-empty string, got 7');
      expect(() =>
        client.connect('localhost', 80, { sslOptions: { cert_reqs: 0 } as never }),
      ).toThrow("sslOptions: unknown key cert_reqs (tornado's cert_reqs is certReqs here)");
      yield* sleep(0);
    });
  });
});

// ─── The connector, step by step (tornado's ConnectorTest) ───────────────────────────────────

const AF1 = 1;
const AF2 = 2;

describe('Connector.split (tornado: TestConnectorSplit)', () => {
  it('keeps one family together', () => {
    const [primary, secondary] = Connector.split([
      [AF1, 'a'],
      [AF1, 'b'],
    ]);
    expect(primary).toEqual([
      [AF1, 'a'],
      [AF1, 'b'],
    ]);
    expect(secondary).toEqual([]);
  });

  it('splits mixed families by the first one', () => {
    const [primary, secondary] = Connector.split([
      [AF1, 'a'],
      [AF2, 'b'],
      [AF1, 'c'],
      [AF2, 'd'],
    ]);
    expect(primary).toEqual([
      [AF1, 'a'],
      [AF1, 'c'],
    ]);
    expect(secondary).toEqual([
      [AF2, 'b'],
      [AF2, 'd'],
    ]);
  });
});

class FakeStream {
  closed = false;
  close(): void {
    this.closed = true;
  }
}

/** tornado's ConnectorTest fixture: the attempts the connector made, settled by the test. */
class Attempts {
  readonly futures = new Map<string, Future<FakeStream>>();
  readonly streams = new Map<string, FakeStream>();
  readonly addrinfo: FamilyAddress[] = [
    [AF1, 'a'],
    [AF1, 'b'],
    [AF2, 'c'],
    [AF2, 'd'],
  ];

  create = (af: number, addr: Address): [FakeStream, Future<FakeStream>] => {
    const stream = new FakeStream();
    this.streams.set(String(addr), stream);
    const future = new Future<FakeStream>(getRunningLoop());
    this.futures.set(`${af}:${String(addr)}`, future);
    return [stream, future];
  };

  pending(): string[] {
    return [...this.futures.keys()].sort();
  }

  /** Settles one attempt, then lets the loop run the connector's callbacks. */
  *resolve(af: number, addr: string, success: boolean): Generator<unknown, void, unknown> {
    const key = `${af}:${addr}`;
    const future = this.futures.get(key)!;
    this.futures.delete(key);
    if (success) future.setResult(this.streams.get(addr)!);
    else {
      this.streams.delete(addr);
      future.setException(new OSError(111, 'connect', addr));
    }
    yield* sleep(0);
    yield* sleep(0);
  }

  /** A huge happy-eyeballs timeout and connect timeout: the tests trigger them by hand. */
  start(addrinfo: FamilyAddress[] = this.addrinfo): [Connector<FakeStream>, Future] {
    const conn = new Connector(addrinfo, this.create);
    const future = conn.start(3_600_000, getRunningLoop().time() + 3_600_000);
    return [conn, future];
  }

  /** Unless a test checked (and removed) them, no stream was closed. */
  checkNoneClosed(): void {
    for (const [addr, stream] of this.streams) expect([addr, stream.closed]).toEqual([addr, false]);
  }
}

const outcome = (future: Future): unknown =>
  future.done() ? (future.exception() ?? future.result()) : 'pending';

describe('Connector (tornado: ConnectorTest)', () => {
  const run = (body: (t: Attempts) => Generator<unknown, void, unknown>): Promise<void> =>
    main(
      function* () {
        const t = new Attempts();
        yield* body(t);
        t.checkNoneClosed();
      },
      'hosted',
      'real',
    );

  it('immediate success', () =>
    run(function* (t) {
      const [, future] = t.start();
      expect(t.pending()).toEqual(['1:a']);
      yield* t.resolve(AF1, 'a', true);
      expect(outcome(future)).toEqual([AF1, 'a', t.streams.get('a')]);
    }));

  it('immediate failure', () =>
    run(function* (t) {
      const [, future] = t.start([[AF1, 'a']]);
      expect(t.pending()).toEqual(['1:a']);
      yield* t.resolve(AF1, 'a', false);
      expect(outcome(future)).toBeInstanceOf(OSError);
    }));

  it('one family, second try', () =>
    run(function* (t) {
      const [, future] = t.start([
        [AF1, 'a'],
        [AF1, 'b'],
      ]);
      yield* t.resolve(AF1, 'a', false);
      expect(t.pending()).toEqual(['1:b']);
      yield* t.resolve(AF1, 'b', true);
      expect(outcome(future)).toEqual([AF1, 'b', t.streams.get('b')]);
    }));

  it('one family, second try fails', () =>
    run(function* (t) {
      const [, future] = t.start([
        [AF1, 'a'],
        [AF1, 'b'],
      ]);
      yield* t.resolve(AF1, 'a', false);
      expect(t.pending()).toEqual(['1:b']);
      yield* t.resolve(AF1, 'b', false);
      expect(outcome(future)).toBeInstanceOf(OSError);
    }));

  it('one family, second try after a timeout that changes nothing', () =>
    run(function* (t) {
      const [conn, future] = t.start([
        [AF1, 'a'],
        [AF1, 'b'],
      ]);
      conn.onTimeout(); // no second family: nothing happens
      expect(t.pending()).toEqual(['1:a']);
      yield* t.resolve(AF1, 'a', false);
      expect(t.pending()).toEqual(['1:b']);
      yield* t.resolve(AF1, 'b', true);
      expect(outcome(future)).toEqual([AF1, 'b', t.streams.get('b')]);
    }));

  it('two families, immediate failure starts the second family at once', () =>
    run(function* (t) {
      const [, future] = t.start();
      yield* t.resolve(AF1, 'a', false);
      expect(t.pending()).toEqual(['1:b', '2:c']);
      yield* t.resolve(AF1, 'b', false);
      yield* t.resolve(AF2, 'c', true);
      expect(outcome(future)).toEqual([AF2, 'c', t.streams.get('c')]);
    }));

  it('two families, timeout', () =>
    run(function* (t) {
      const [conn, future] = t.start();
      conn.onTimeout();
      expect(t.pending()).toEqual(['1:a', '2:c']);
      yield* t.resolve(AF2, 'c', true);
      expect(outcome(future)).toEqual([AF2, 'c', t.streams.get('c')]);
      // 'a' failing after the connection is made starts nothing ('a' was closed as a loser).
      expect(t.streams.get('a')!.closed).toBe(true);
      t.streams.delete('a');
      yield* t.resolve(AF1, 'a', false);
      expect(t.pending()).toEqual([]);
    }));

  it('success after timeout: the late one is closed', () =>
    run(function* (t) {
      const [conn, future] = t.start();
      conn.onTimeout();
      yield* t.resolve(AF1, 'a', true);
      expect(outcome(future)).toEqual([AF1, 'a', t.streams.get('a')]);
      yield* t.resolve(AF2, 'c', true);
      expect(t.streams.get('c')!.closed).toBe(true);
      t.streams.delete('c');
    }));

  it('all fail', () =>
    run(function* (t) {
      const [conn, future] = t.start();
      conn.onTimeout();
      yield* t.resolve(AF2, 'c', false);
      expect(t.pending()).toEqual(['1:a', '2:d']);
      yield* t.resolve(AF2, 'd', false);
      expect(t.pending()).toEqual(['1:a']); // one list is empty now
      yield* t.resolve(AF1, 'a', false);
      expect(t.pending()).toEqual(['1:b']);
      expect(future.done()).toBe(false);
      yield* t.resolve(AF1, 'b', false);
      expect(outcome(future)).toBeInstanceOf(OSError);
    }));

  it('one family: timeout after the connect timeout', () =>
    run(function* (t) {
      const [conn, future] = t.start([
        [AF1, 'a'],
        [AF1, 'b'],
      ]);
      conn.onConnectTimeout();
      t.futures.delete('1:a');
      expect(t.streams.get('a')!.closed).toBe(true);
      t.streams.delete('a');
      conn.onTimeout(); // the future is done: nothing more is tried
      expect(t.pending()).toEqual([]);
      expect(conn.streams.size).toBe(1);
      expect(outcome(future)).toBeInstanceOf(TimeoutError);
    }));

  it('one family: success before the connect timeout', () =>
    run(function* (t) {
      const [conn, future] = t.start([
        [AF1, 'a'],
        [AF1, 'b'],
      ]);
      yield* t.resolve(AF1, 'a', true);
      conn.onConnectTimeout();
      expect(t.pending()).toEqual([]);
      expect(t.streams.get('a')!.closed).toBe(false);
      expect(conn.streams.size).toBe(0); // the winner left the connector's set
      expect(outcome(future)).toEqual([AF1, 'a', t.streams.get('a')]);
    }));

  it('one family: second try, then the connect timeout', () =>
    run(function* (t) {
      const [conn, future] = t.start([
        [AF1, 'a'],
        [AF1, 'b'],
      ]);
      yield* t.resolve(AF1, 'a', false);
      expect(t.pending()).toEqual(['1:b']);
      conn.onConnectTimeout();
      t.futures.delete('1:b');
      expect(t.streams.get('b')!.closed).toBe(true);
      t.streams.delete('b');
      expect(conn.streams.size).toBe(2);
      expect(outcome(future)).toBeInstanceOf(TimeoutError);
    }));

  it('one family: second try fails before the connect timeout', () =>
    run(function* (t) {
      const [conn, future] = t.start([
        [AF1, 'a'],
        [AF1, 'b'],
      ]);
      yield* t.resolve(AF1, 'a', false);
      yield* t.resolve(AF1, 'b', false);
      conn.onConnectTimeout();
      expect(t.pending()).toEqual([]);
      expect(conn.streams.size).toBe(2);
      expect(outcome(future)).toBeInstanceOf(OSError);
    }));

  it('two families: timeout, then the connect timeout', () =>
    run(function* (t) {
      const [conn, future] = t.start();
      conn.onTimeout();
      expect(t.pending()).toEqual(['1:a', '2:c']);
      conn.onConnectTimeout();
      for (const key of ['1:a', '2:c']) t.futures.delete(key);
      for (const addr of ['a', 'c']) {
        expect(t.streams.get(addr)!.closed).toBe(true);
        t.streams.delete(addr);
      }
      expect(conn.streams.size).toBe(2);
      expect(outcome(future)).toBeInstanceOf(TimeoutError);
    }));

  it('two families: success after the timeout closes the other attempt', () =>
    run(function* (t) {
      const [conn, future] = t.start();
      conn.onTimeout();
      yield* t.resolve(AF1, 'a', true);
      t.futures.delete('2:c');
      expect(t.streams.get('c')!.closed).toBe(true);
      t.streams.delete('c');
      expect(conn.streams.size).toBe(1);
      expect(outcome(future)).toEqual([AF1, 'a', t.streams.get('a')]);
    }));

  it('two families: the connect timeout comes first, then the timeout starts nothing', () =>
    run(function* (t) {
      const [conn, future] = t.start();
      conn.onConnectTimeout();
      t.futures.delete('1:a');
      expect(t.streams.get('a')!.closed).toBe(true);
      t.streams.delete('a');
      conn.onTimeout();
      expect(t.pending()).toEqual([]);
      expect(conn.streams.size).toBe(1);
      expect(outcome(future)).toBeInstanceOf(TimeoutError);
    }));
});
