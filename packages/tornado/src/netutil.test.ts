/**
 * netutil — the themes of tornado's netutil_test.py (is_valid_ip, port allocation, reuse_port,
 * the resolvers) and of its add_accept_handler and bind_unix_socket, on real sockets: TCP on
 * 127.0.0.1 and ::1, Unix sockets in a temporary directory and in Linux's abstract namespace,
 * getaddrinfo on libuv's threads, and a child process whose fd limit runs out while clients
 * wait. Each loop is a fresh one, on real time (`main(…, 'real')`), and must end with no timer
 * armed.
 */
import { lstatSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Future } from '@aio/future';
import { getRunningLoop } from '@aio/loop';
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  GaiError,
  IPPROTO_IPV6,
  IPV6_V6ONLY,
  OSError,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_REUSEADDR,
  SO_REUSEPORT,
  Socket,
  type Address,
} from '@aio/selector';
import * as netutil from './netutil';
import {
  DEFAULT_BACKLOG,
  DefaultLoopResolver,
  NumericResolver,
  OverrideResolver,
  Resolver,
  addAcceptHandler,
  bindSockets,
  bindUnixSocket,
  isValidIp,
  type OverrideMapping,
  type ResolvedAddress,
} from './netutil';
import { MODES, closeLoops, main, thrown } from './locks/test-support';
import { PACKAGE_ROOT, TS_FLAGS, collect } from './test-run-ts';
import { ipv6Loopback } from './test-ipv6';

const open: Socket[] = [];
let dir: string;

/** Sockets made by a test, closed after it (the fd guard then finds none left). */
function track<S extends Socket | Socket[]>(made: S): S {
  if (Array.isArray(made)) open.push(...made);
  else open.push(made);
  return made;
}

/** The one socket `bindSockets` gave for a single address, tracked. */
function bindOne(...args: Parameters<typeof bindSockets>): Socket {
  const sockets = track(bindSockets(...args));
  expect(sockets).toHaveLength(1);
  return sockets[0]!;
}

const portOf = (sock: Socket): number => (sock.getsockname() as [string, number])[1];

/** A blocking client connected to `address`: the kernel completes it from the backlog. */
function connectTo(family: number, address: Address): Socket {
  const client = track(new Socket(family, SOCK_STREAM));
  client.connect(address);
  return client;
}

const ipv6 = ipv6Loopback; // else the IPv6 cases say they were skipped
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aio-netutil-'));
  return () => rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  for (const sock of open.splice(0)) if (!sock.closed) sock.close();
  Resolver.configure(null);
  closeLoops();
});

it('exports the names it promises', () => {
  expect(Object.keys(netutil).sort()).toEqual([
    'CERT_NONE',
    'CERT_OPTIONAL',
    'CERT_REQUIRED',
    'DEFAULT_BACKLOG',
    'DefaultLoopResolver',
    'NumericResolver',
    'OverrideResolver',
    'Resolver',
    'SSLCertVerificationError',
    'SSLConfigError',
    'SSLContext',
    'SSLEOFError',
    'SSLError',
    'TLSVersion',
    'addAcceptHandler',
    'bindSockets',
    'bindUnixSocket',
    'createDefaultContext',
    'isValidIp',
    'sslOptionsToContext',
    'sslWrapSocket',
  ]);
});

describe('isValidIp', () => {
  it('accepts what getaddrinfo reads as a numeric address, and nothing else', () => {
    for (const ip of ['127.0.0.1', '4.4.4.4', '::1', '2620:0:1cfe:face:b00c::3', '127.1']) {
      expect([ip, isValidIp(ip)]).toEqual([ip, true]);
    }
    for (const ip of [
      'www.google.com',
      'localhost',
      '4.4.4.4<',
      ' 127.0.0.1',
      '',
      ' ',
      '\n',
      '\x00',
      '127.0.0.1\x00evil',
      'a'.repeat(100),
    ]) {
      expect([ip, isValidIp(ip)]).toEqual([ip, false]);
    }
  });

  it('names a value that is not a string', () => {
    expect(thrown(() => isValidIp(1 as unknown as string))).toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_TYPE',
      message: 'isValidIp(): ip must be a string, got 1',
    });
  });
});

describe('bindSockets', () => {
  it('gives listening, non-blocking sockets with SO_REUSEADDR', () => {
    const sock = bindOne(0, '127.0.0.1');
    expect(sock.family).toBe(AF_INET);
    expect(sock.getBlocking()).toBe(false);
    expect(sock.getsockopt(SOL_SOCKET, SO_REUSEADDR)).not.toBe(0);
    expect(portOf(sock)).toBeGreaterThan(0);
    connectTo(AF_INET, ['127.0.0.1', portOf(sock)]); // it listens: the kernel completes it
  });

  it('binds every address with the same port when port is 0 (tornado: same port allocation)', () => {
    const sockets = track(bindSockets(0, 'localhost'));
    expect(sockets.length).toBeGreaterThan(0);
    const port = portOf(sockets[0]!);
    expect(sockets.map(portOf)).toEqual(sockets.map(() => port));
  });

  it('binds IPv4 and IPv6 apart on all interfaces, the IPv6 socket IPV6_V6ONLY', (ctx) => {
    if (!ipv6) ctx.skip();
    const sockets = track(bindSockets(0, ''));
    expect(sockets.map((s) => s.family)).toEqual([AF_INET, AF_INET6]);
    expect(sockets[1]!.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY)).not.toBe(0);
    expect(portOf(sockets[1]!)).toBe(portOf(sockets[0]!));
  });

  it('shares a port between sets of sockets with reusePort (tornado: test_reuse_port)', () => {
    const first = track(bindSockets(0, '127.0.0.1', { reusePort: true }));
    const port = portOf(first[0]!);
    const second = track(bindSockets(port, '127.0.0.1', { reusePort: true }));
    expect(second.map(portOf)).toEqual([port]);
    expect(second[0]!.getsockopt(SOL_SOCKET, SO_REUSEPORT)).not.toBe(0);
  });

  it('throws EADDRINUSE for a taken port', () => {
    const taken = bindOne(0, '127.0.0.1');
    const error = thrown(() => bindSockets(portOf(taken), '127.0.0.1'));
    expect(error).toBeInstanceOf(OSError);
    expect(error).toMatchObject({ code: 'EADDRINUSE', syscall: 'bind' });
  });

  it('closes the sockets it made when a later address fails', (ctx) => {
    if (!ipv6) ctx.skip();
    // Take only the IPv6 half of a port: the IPv4 socket binds first, then the IPv6 one fails.
    const squatter = track(new Socket(AF_INET6, SOCK_STREAM));
    squatter.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1);
    squatter.bind(['::', 0]);
    const port = portOf(squatter);
    let error: unknown;
    try {
      track(bindSockets(port, ''));
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'EADDRINUSE' });
    // The IPv4 socket it bound first was closed: the port is free again on IPv4.
    const again = track(bindSockets(port, '0.0.0.0'));
    expect(again.map(portOf)).toEqual([port]);
  });

  it('throws a GaiError for an address that does not resolve', () => {
    const error = thrown(() => bindSockets(0, 'an invalid domain'));
    expect(error).toBeInstanceOf(GaiError);
    expect(error).toMatchObject({ code: 'EAI_NONAME' });
  });

  it('names a bad argument', () => {
    expect(thrown(() => bindSockets(70_000))).toMatchObject({
      name: 'RangeError',
      code: 'ERR_INVALID_ARG_VALUE',
      message: 'bindSockets(): port must be an integer from 0 to 65535, got 70000',
    });
    expect(thrown(() => bindSockets('80' as unknown as number))).toMatchObject({
      name: 'TypeError',
      message: 'bindSockets(): port must be a number, got "80"',
    });
    expect(thrown(() => bindSockets(0, '127.0.0.1', { backlog: -1 }))).toMatchObject({
      name: 'RangeError',
      message: 'bindSockets(): backlog must be an integer >= 0, got -1',
    });
  });
});

describe('bindUnixSocket', () => {
  it('listens at the path, with the mode asked for (0o600 by default)', () => {
    const path = join(dir, 'default.sock');
    const sock = track(bindUnixSocket(path));
    expect(sock.getBlocking()).toBe(false);
    expect(lstatSync(path).isSocket()).toBe(true);
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
    connectTo(AF_UNIX, path);

    const shared = join(dir, 'shared.sock');
    track(bindUnixSocket(shared, { mode: 0o660 }));
    expect(lstatSync(shared).mode & 0o777).toBe(0o660);
  });

  it('replaces the socket file a server left behind', () => {
    const path = join(dir, 'stale.sock');
    const gone = new Socket(AF_UNIX, SOCK_STREAM);
    gone.bind(path);
    gone.listen(1);
    gone.close(); // the file stays, nobody listens
    expect(lstatSync(path).isSocket()).toBe(true);
    track(bindUnixSocket(path));
    connectTo(AF_UNIX, path);
  });

  it('does not take the path of a server still listening there', () => {
    const path = join(dir, 'live.sock');
    const live = track(bindUnixSocket(path));
    const error = thrown(() => bindUnixSocket(path));
    expect(error).toBeInstanceOf(OSError);
    expect(error).toMatchObject({ code: 'EADDRINUSE' });
    expect((error as Error).message).toContain('a server is listening there');
    connectTo(AF_UNIX, path); // the first server still has it
    expect(track(live.tryAccept()![0])).toBeInstanceOf(Socket);
  });

  it('refuses a path that is another kind of file, and leaves the file alone', () => {
    const path = join(dir, 'not-a-socket');
    writeFileSync(path, 'keep me');
    const error = thrown(() => bindUnixSocket(path));
    expect(error).toMatchObject({ code: 'ENOTSOCK' });
    expect((error as Error).message).toContain('exists and is not a socket');
    expect(readFileSync(path, 'utf8')).toBe('keep me');
  });

  it('binds a name in the abstract namespace, which has no file', () => {
    const name = `\0aio-netutil-${process.pid}-${Date.now()}`;
    track(bindUnixSocket(name));
    connectTo(AF_UNIX, name);
  });
});

describe.each(MODES)('addAcceptHandler (%s mode)', (mode) => {
  it('calls back with each connection, non-blocking, and its address; stop() stops it', async () => {
    await main(
      function* () {
        const listener = bindOne(0, '127.0.0.1');
        const port = portOf(listener);
        const accepted: [Socket, Address][] = [];
        const three = new Future<void>(getRunningLoop());
        const stop = addAcceptHandler(listener, (conn, address) => {
          accepted.push([track(conn), address]);
          if (accepted.length === 3) three.setResult();
        });
        const clients = [1, 2, 3].map(() => connectTo(AF_INET, ['127.0.0.1', port]));
        yield* three;
        expect(accepted.map(([conn]) => conn.getBlocking())).toEqual([false, false, false]);
        expect(accepted.map(([, address]) => address).sort()).toEqual(
          clients.map((c) => c.getsockname()).sort(),
        );
        stop();
        stop(); // twice is fine
        connectTo(AF_INET, ['127.0.0.1', port]);
        const later = new Future<void>(getRunningLoop());
        getRunningLoop().callLater(30, () => later.setResult());
        yield* later;
        expect(accepted).toHaveLength(3); // the fourth waits in the backlog, unaccepted
        expect(track(listener.tryAccept()![0])).toBeInstanceOf(Socket);
      },
      mode,
      'real',
    );
  });

  it('accepts at most 128 connections per wake-up, then lets the loop run', async () => {
    await main(
      function* () {
        const listener = bindOne(0, '127.0.0.1', { backlog: 512 });
        const total = DEFAULT_BACKLOG + 72;
        for (let i = 0; i < total; i++) connectTo(AF_INET, ['127.0.0.1', portOf(listener)]);
        const loop = getRunningLoop();
        let count = 0;
        let afterFirstWakeUp = -1;
        const all = new Future<void>(loop);
        const stop = addAcceptHandler(listener, (conn) => {
          track(conn);
          // Runs after the handler returns: on the loop's next turn.
          if (++count === 1) loop.callSoon(() => (afterFirstWakeUp = count));
          if (count === total) all.setResult();
        });
        yield* all;
        stop();
        expect(afterFirstWakeUp).toBe(DEFAULT_BACKLOG);
      },
      mode,
      'real',
    );
  });

  it('skips nothing and stops at once when the callback stops it', async () => {
    await main(
      function* () {
        const listener = bindOne(0, '127.0.0.1');
        for (let i = 0; i < 3; i++) connectTo(AF_INET, ['127.0.0.1', portOf(listener)]);
        let count = 0;
        const first = new Future<void>(getRunningLoop());
        const stop = addAcceptHandler(listener, (conn) => {
          track(conn);
          count++;
          stop();
          first.setResult();
        });
        yield* first;
        expect(count).toBe(1);
        expect(track(listener.tryAccept()![0])).toBeInstanceOf(Socket); // the other two are still there
      },
      mode,
      'real',
    );
  });

  it('names a bad argument', async () => {
    await main(
      function* () {
        const listener = bindOne(0, '127.0.0.1');
        expect(thrown(() => addAcceptHandler(listener, null as never))).toMatchObject({
          name: 'TypeError',
          message: 'addAcceptHandler(): callback must be a function, got null',
        });
        expect(thrown(() => addAcceptHandler(3 as never, () => {}))).toMatchObject({
          name: 'TypeError',
          message: 'addAcceptHandler(): sock must be an aio Socket, got 3',
        });
      },
      mode,
      'real',
    );
  });
});

describe('addAcceptHandler out of file descriptors', () => {
  it('pauses, backing off, and accepts everyone once fds are free again', async () => {
    // A child process fills every fd its soft limit allows, then clients connect. The limit is
    // 1,024, not a tight one: loading the modules (tsx reads many files at once) must not meet
    // EMFILE before the test starts; 64 did, now and then, on a busy machine.
    const script = join(PACKAGE_ROOT, 'src/netutil/test-fixtures/emfile.ts');
    const child = spawn(
      'sh',
      ['-c', 'ulimit -n 1024 && exec "$0" "$@"', process.execPath, ...TS_FLAGS, script],
      { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: 100_000 },
    );
    let clients: Socket[] = [];
    child.stdout.once('data', (chunk: Buffer) => {
      const { port } = JSON.parse(chunk.toString().split('\n')[0]!) as { port: number };
      clients = [1, 2, 3].map(() => connectTo(AF_INET, ['127.0.0.1', port]));
    });
    const { code, stdout, stderr } = await collect(child);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      accepted: number;
      warnings: string[];
      handlerCalls: number;
    };
    expect(clients).toHaveLength(3);
    expect(report.accepted).toBe(3);
    expect(report.warnings[0]).toMatch(/accept\(\) on .*EMFILE.*pausing accepts for 5 ms/);
    expect(report.warnings[1]).toMatch(/pausing accepts for 10 ms/);
    // Backing off, not spinning: a handful of wake-ups while the fds were gone, not thousands.
    expect(report.handlerCalls).toBeLessThan(20);
  });
});

describe.each(MODES)('resolvers (%s mode)', (mode) => {
  it('DefaultLoopResolver finds localhost off the loop’s thread', async () => {
    const found = await main(
      function* () {
        return yield* new DefaultLoopResolver().resolve('localhost', 80);
      },
      mode,
      'real',
    );
    const loopback = found.some(
      ([family, address]) =>
        (family === AF_INET && address[0] === '127.0.0.1' && address[1] === 80) ||
        (family === AF_INET6 && address[0] === '::1' && address[1] === 80),
    );
    expect(loopback, JSON.stringify(found)).toBe(true);
  });

  it('DefaultLoopResolver fails with a GaiError (an OSError) for a bad host', async () => {
    const error = await main(
      function* () {
        try {
          yield* new DefaultLoopResolver().resolve('an invalid domain', 80);
        } catch (caught) {
          return caught;
        }
        return null;
      },
      mode,
      'real',
    );
    expect(error).toBeInstanceOf(GaiError);
    expect(error).toBeInstanceOf(OSError);
  });

  it('OverrideResolver maps host-port-family, then host-port, then host (tornado’s mapping)', async () => {
    const resolver = new OverrideResolver(new NumericResolver(), [
      [
        ['google.com', 80],
        ['1.2.3.4', 80],
      ],
      [
        ['google.com', 80, AF_INET],
        ['1.2.3.4', 80],
      ],
      [
        ['google.com', 80, AF_INET6],
        ['2a02:6b8:7c:40c:c51e:495f:e23a:3', 80],
      ],
      ['example.com', '127.0.1.1'],
      [
        ['example.com', 443],
        ['127.0.0.2', 8443],
      ],
    ]);
    const results = await main(
      function* () {
        const out: ResolvedAddress[][] = [];
        out.push(yield* resolver.resolve('google.com', 80, AF_INET));
        out.push(yield* resolver.resolve('google.com', 80, AF_INET6));
        out.push(yield* resolver.resolve('google.com', 80));
        out.push(yield* resolver.resolve('example.com', 80));
        out.push(yield* resolver.resolve('example.com', 443));
        return out;
      },
      mode,
      'real',
    );
    expect(results).toEqual([
      [[AF_INET, ['1.2.3.4', 80]]],
      [[AF_INET6, ['2a02:6b8:7c:40c:c51e:495f:e23a:3', 80, 0, 0]]],
      [[AF_INET, ['1.2.3.4', 80]]],
      [[AF_INET, ['127.0.1.1', 80]]],
      [[AF_INET, ['127.0.0.2', 8443]]],
    ]);
  });

  it('NumericResolver resolves numbers at once and refuses a name', async () => {
    const [numeric, refused] = await main(
      function* () {
        const resolver = new NumericResolver();
        const ok = yield* resolver.resolve('127.0.0.1', 8080);
        const future = resolver.resolve('localhost', 8080);
        expect(future.done()).toBe(true); // no lookup, no waiting
        return [ok, future.exception()];
      },
      mode,
      'real',
    );
    expect(numeric).toEqual([[AF_INET, ['127.0.0.1', 8080]]]);
    expect(refused).toBeInstanceOf(GaiError);
    expect(refused).toMatchObject({ code: 'EAI_NONAME' });
    expect((refused as Error).message).toContain('will not look up a name');
  });
});

describe('Resolver', () => {
  it('makes the configured implementation: DefaultLoopResolver unless configured', () => {
    expect(new Resolver()).toBeInstanceOf(DefaultLoopResolver);
    Resolver.configure(NumericResolver);
    expect(new Resolver()).toBeInstanceOf(NumericResolver);
    expect(Resolver.configuredClass()).toBe(NumericResolver);
    Resolver.configure(OverrideResolver, new NumericResolver(), { 'example.com': '127.0.0.1' });
    const made = new Resolver();
    if (!(made instanceof OverrideResolver)) throw new Error(`made ${String(made)}`);
    expect(made.resolver).toBeInstanceOf(NumericResolver);
    Resolver.configure(null);
    expect(new Resolver()).toBeInstanceOf(DefaultLoopResolver);
    expect(String(new NumericResolver())).toBe('<NumericResolver>');
  });

  it('OverrideResolver closes the resolver it wraps', () => {
    let closed = 0;
    class Counting extends NumericResolver {
      override close(): void {
        closed++;
      }
    }
    new OverrideResolver(new Counting(), {}).close();
    expect(closed).toBe(1);
  });

  it('names bad configuration and bad arguments', () => {
    const messageOf = (fn: () => unknown): string => {
      const error = thrown(fn);
      expect(error).toBeInstanceOf(TypeError);
      return (error as TypeError).message;
    };
    expect(messageOf(() => Resolver.configure(Object as unknown as typeof NumericResolver))).toBe(
      'Resolver.configure(): impl must be a subclass of Resolver, got [Function: Object]',
    );
    const badMapping = [[['h', 1], 'x']] as unknown as OverrideMapping; // a host for a host-port key
    expect(messageOf(() => new OverrideResolver({} as never, {}))).toBe(
      'new OverrideResolver(): resolver must be a Resolver, got {}',
    );
    expect(messageOf(() => new OverrideResolver(new NumericResolver(), badMapping))).toBe(
      'new OverrideResolver(): mapping[["h",1]] must be a [host, port] pair, got "x"',
    );
    expect(thrown(() => new NumericResolver().resolve('127.0.0.1', -1))).toMatchObject({
      name: 'RangeError',
      message: 'NumericResolver.resolve(): port must be an integer from 0 to 65535, got -1',
    });
    class Unfinished extends Resolver {}
    expect(thrown(() => new Unfinished().resolve('a', 1))).toMatchObject({
      message: 'Unfinished does not implement resolve()',
    });
  });
});
