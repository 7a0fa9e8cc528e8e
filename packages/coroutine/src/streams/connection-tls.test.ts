/**
 * openConnection() and startServer() with `ssl`, on real loopback TCP with the test CA's
 * certificates (tooling/fixtures/tls): echo over TLS, the SSLSocket through getExtraInfo, a
 * certificate not trusted or not for the name asked, serverHostname overriding the host, the
 * handshake's time limit on both sides (a raw peer that says nothing), a client that speaks no
 * TLS, the server closing while a handshake is pending, a Unix socket, and the options checked
 * up front. Every socket is closed at the end (the fd guard checks after the file).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventLoop, ExceptionContext } from '@aio/loop';
import {
  CancelledError,
  TimeoutError,
  sockAccept,
  sockConnect,
  sockRecv,
  sockSendall,
  sslDoHandshake,
} from '@aio/future';
import { AF_INET, SOCK_STREAM, Socket } from '@aio/selector';
import {
  SSLCertVerificationError,
  SSLContext,
  SSLError,
  SSLSocket,
  createDefaultContext,
} from '@aio/selector/ssl';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sleep } from '../sleep';
import { createTask, type Coroutine } from '../task';
import {
  openConnection,
  openUnixConnection,
  startServer,
  startUnixServer,
  type Server,
} from './connection';
import { StreamReader } from './reader';
import { SocketTransport } from './transport';
import type { StreamWriter } from './writer';
import { main, newLoop, track, until } from './test-sockets';

// Handshakes and name lookups on a loaded 2-core machine: generous limits, as connection.test.ts.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const FIXTURES = fileURLToPath(new URL('../../../../tooling/fixtures/tls/', import.meta.url));
const serverContext = new SSLContext('server');
serverContext.loadCertChain(`${FIXTURES}server.pem`, `${FIXTURES}server.key`);
/** Trusts the test CA only. */
const clientContext = createDefaultContext('serverAuth', { cafile: `${FIXTURES}ca.pem` });

/** An echo handler, line by line. */
function* echo(reader: StreamReader, writer: StreamWriter): Coroutine<void> {
  for (let line = yield* reader.readline(); line.length > 0; line = yield* reader.readline()) {
    writer.write(line);
    yield* writer.drain();
  }
}

function portOf(server: Server): number {
  return (server.addresses()[0] as [string, number])[1];
}

function recordExceptions(loop: EventLoop): ExceptionContext[] {
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((_loop, context) => seen.push(context));
  return seen;
}

function* caught(future: Iterable<unknown>): Coroutine {
  try {
    yield* future;
    return undefined;
  } catch (error) {
    return error;
  }
}

function* closeServer(server: Server): Coroutine<void> {
  server.close();
  server.closeClients();
  yield* server.waitClosed();
}

/** One echo round trip over a TLS connection to the server. */
function* roundTrip(port: number, line: string): Coroutine<string> {
  const [reader, writer] = yield* openConnection('127.0.0.1', port, { ssl: clientContext });
  writer.write(line);
  const reply = (yield* reader.readline()).toString();
  writer.close();
  yield* writer.waitClosed();
  return reply;
}

/** A listening TCP socket on 127.0.0.1 that nobody serves: `[listener, port]`. */
function rawListener(): [Socket, number] {
  const listener = track(new Socket(AF_INET, SOCK_STREAM));
  listener.bind(['127.0.0.1', 0]);
  listener.listen(8);
  listener.setBlocking(false);
  return [listener, (listener.getsockname() as [string, number])[1]];
}

/** A plain TCP client connected to `port`, closed after the test. */
function* rawClient(loop: EventLoop, port: number): Coroutine<Socket> {
  const sock = track(new Socket(AF_INET, SOCK_STREAM));
  sock.setBlocking(false);
  yield* sockConnect(loop, sock, ['127.0.0.1', port]);
  return sock;
}

/** Reads until EOF (what a failed handshake may send first, an alert, is skipped). */
function* readToEof(loop: EventLoop, sock: Socket): Coroutine<void> {
  while ((yield* sockRecv(loop, sock, 4096)).length > 0);
}

describe('openConnection() and startServer() over TLS', () => {
  it('echoes lines, and the writers give the SSLSocket as sslObject', async () => {
    const got = await main(function* () {
      let serverSide: unknown = null;
      const server = yield* startServer(
        function* (reader, writer) {
          serverSide = writer.getExtraInfo('sslObject');
          yield* echo(reader, writer);
        },
        '127.0.0.1',
        0,
        { ssl: serverContext },
      );
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server), {
        ssl: clientContext,
      });
      writer.write('hello\n');
      const first = (yield* reader.readline()).toString();
      writer.write('over TLS\n');
      const second = (yield* reader.readline()).toString();
      const clientSide = writer.getExtraInfo('sslObject') as SSLSocket;
      const version = clientSide.version();
      const shown = String(server);
      writer.close();
      yield* writer.waitClosed();
      yield* closeServer(server);
      return {
        replies: [first, second],
        client: clientSide instanceof SSLSocket && !clientSide.serverSide,
        server: serverSide instanceof SSLSocket && serverSide.serverSide,
        version,
        name: clientSide.serverHostname, // the host, by default
        transportSocket: writer.getExtraInfo('socket') === clientSide,
        shown,
      };
    });
    expect(got).toEqual({
      replies: ['hello\n', 'over TLS\n'],
      client: true,
      server: true,
      version: 'TLSv1.3',
      name: '127.0.0.1',
      transportSocket: true,
      shown: expect.stringMatching(/serving tls connections=1>$/) as unknown,
    });
  });

  it('serves many clients at once, and a plain connection still has no sslObject', async () => {
    const got = await main(function* () {
      const tlsServer = yield* startServer(echo, '127.0.0.1', 0, { ssl: serverContext });
      const clients = [1, 2, 3, 4, 5].map((i) =>
        createTask(roundTrip(portOf(tlsServer), `client ${i}\n`)),
      );
      const replies: string[] = [];
      for (const client of clients) replies.push(yield* client);
      const plainServer = yield* startServer(echo, '127.0.0.1', 0);
      const [, writer] = yield* openConnection('127.0.0.1', portOf(plainServer));
      const sslObject = writer.getExtraInfo('sslObject', 'none');
      writer.close();
      yield* closeServer(plainServer);
      yield* closeServer(tlsServer);
      return { replies, sslObject };
    });
    expect(got).toEqual({
      replies: ['client 1\n', 'client 2\n', 'client 3\n', 'client 4\n', 'client 5\n'],
      sslObject: 'none',
    });
  });

  it('fails with SSLCertVerificationError when the CA is not trusted, and closes its socket', async () => {
    const got = await main(function* (loop) {
      const reports = recordExceptions(loop);
      const server = yield* startServer(echo, '127.0.0.1', 0, { ssl: serverContext });
      const port = portOf(server);
      // A client context that trusts nothing; and `true`, the system's store (no test CA there).
      const untrusting = new SSLContext('client');
      const errors = [
        yield* caught(openConnection('127.0.0.1', port, { ssl: untrusting })),
        yield* caught(openConnection('127.0.0.1', port, { ssl: true })),
      ];
      yield* until(() => server.connectionCount === 0); // the server's side failed too
      const reply = yield* roundTrip(port, 'still serving\n');
      yield* closeServer(server);
      return { errors, reply, reports };
    });
    for (const error of got.errors) {
      expect(error).toBeInstanceOf(SSLCertVerificationError);
      expect(error).toMatchObject({ verifyCode: 20 }); // unable to get local issuer certificate
    }
    expect(got.reply).toBe('still serving\n');
    expect(got.reports).toEqual([]); // not in debug mode: nothing reported
  });

  it('fails with SSLCertVerificationError when the certificate is not for the name', async () => {
    const got = await main(function* () {
      const server = yield* startServer(echo, '127.0.0.1', 0, { ssl: serverContext });
      const error = yield* caught(
        openConnection('127.0.0.1', portOf(server), {
          ssl: clientContext,
          serverHostname: 'example.com',
        }),
      );
      yield* closeServer(server);
      return error;
    });
    expect(got).toBeInstanceOf(SSLCertVerificationError);
    expect((got as SSLCertVerificationError).verifyMessage).toMatch(/example\.com/);
  });

  it('sends and checks serverHostname instead of the host; by default the host, never an address', async () => {
    const got = await main(function* () {
      const asked: (string | null)[] = []; // the names the server saw (SNI)
      const server = yield* startServer(
        function* (reader, writer) {
          asked.push((writer.getExtraInfo('sslObject') as SSLSocket).requestedServerName());
          yield* echo(reader, writer);
        },
        '127.0.0.1',
        0,
        { ssl: serverContext },
      );
      const port = portOf(server);
      const checked: unknown[] = []; // the names the clients checked the certificate against
      for (const [host, serverHostname] of [
        ['127.0.0.1', 'localhost'], // the certificate's name, for its address
        ['localhost', undefined], // a host name: itself (resolved, tried address by address)
        ['127.0.0.1', undefined], // an address: checked against the certificate's IP entry
      ] as const) {
        const [reader, writer] = yield* openConnection(host, port, {
          ssl: clientContext,
          serverHostname,
        });
        writer.write('ping\n');
        expect((yield* reader.readline()).toString()).toBe('ping\n');
        checked.push((writer.getExtraInfo('sslObject') as SSLSocket).serverHostname);
        writer.close();
        yield* writer.waitClosed();
      }
      yield* closeServer(server);
      return { checked, asked };
    });
    expect(got).toEqual({
      checked: ['localhost', 'localhost', '127.0.0.1'],
      asked: ['localhost', 'localhost', null], // SNI carries names, never addresses
    });
  });

  it('gives up on a server that never answers after sslHandshakeTimeout, with TimeoutError', async () => {
    const got = await main(function* (loop) {
      const [listener, port] = rawListener();
      const accepting = sockAccept(loop, listener);
      const started = loop.time();
      const error = yield* caught(
        openConnection('127.0.0.1', port, { ssl: clientContext, sslHandshakeTimeout: 100 }),
      );
      const elapsed = loop.time() - started;
      const [conn] = yield* accepting;
      track(conn);
      yield* readToEof(loop, conn); // the ClientHello, then EOF: the client closed its socket
      return { error, elapsed };
    });
    expect(got.error).toBeInstanceOf(TimeoutError);
    expect((got.error as Error).message).toMatch(
      /^the TLS handshake with 127\.0\.0\.1:\d+ took longer than 100 ms$/,
    );
    expect(got.elapsed).toBeGreaterThanOrEqual(99);
  });

  it('cancelling openConnection() during the handshake closes the socket', async () => {
    const got = await main(function* (loop) {
      const [listener, port] = rawListener();
      const accepting = sockAccept(loop, listener);
      const connecting = openConnection('127.0.0.1', port, { ssl: clientContext });
      const [conn] = yield* accepting;
      track(conn);
      yield* sockRecv(loop, conn, 4096); // the ClientHello: the handshake is under way
      connecting.cancel();
      const error = yield* caught(connecting);
      yield* readToEof(loop, conn);
      return error;
    });
    expect(got).toBeInstanceOf(CancelledError);
  });

  it('closes a client that sends nothing after sslHandshakeTimeout, and serves the next', async () => {
    const got = await main(function* (loop) {
      loop.setDebug(true);
      const reports = recordExceptions(loop);
      const server = yield* startServer(echo, '127.0.0.1', 0, {
        ssl: serverContext,
        sslHandshakeTimeout: 100,
      });
      const port = portOf(server);
      const silent = yield* rawClient(loop, port);
      yield* until(() => server.connectionCount === 1);
      const counted = server.connectionCount;
      yield* readToEof(loop, silent); // the server gave up on it
      const reply = yield* roundTrip(port, 'next\n');
      yield* closeServer(server);
      return { counted, reply, reports };
    });
    expect(got.counted).toBe(1);
    expect(got.reply).toBe('next\n');
    // In debug mode only, the failed handshake is reported.
    expect(got.reports).toHaveLength(1);
    expect(got.reports[0]!.message).toBe('TLS handshake failed');
    expect(got.reports[0]!.exception).toBeInstanceOf(TimeoutError);
    expect((got.reports[0]!.exception as Error).message).toMatch(
      /^the TLS handshake with 127\.0\.0\.1:\d+ took longer than 100 ms$/,
    );
    expect(got.reports[0]!.peername).toEqual(['127.0.0.1', expect.any(Number)]);
  });

  it('closes a client that speaks no TLS, reports it only in debug mode, and goes on', async () => {
    const got = await main(function* (loop) {
      const reports = recordExceptions(loop);
      const server = yield* startServer(echo, '127.0.0.1', 0, { ssl: serverContext });
      const port = portOf(server);
      const garbage = function* () {
        const sock = yield* rawClient(loop, port);
        yield* sockSendall(loop, sock, Buffer.from('GET / HTTP/1.0\r\n\r\n'));
        yield* readToEof(loop, sock);
        sock.close();
      };
      yield* garbage();
      const quiet = reports.length;
      loop.setDebug(true);
      yield* garbage();
      yield* until(() => reports.length === 1);
      const reply = yield* roundTrip(port, 'after garbage\n');
      yield* closeServer(server);
      return { quiet, reply, reports };
    });
    expect(got.quiet).toBe(0);
    expect(got.reply).toBe('after garbage\n');
    expect(got.reports).toHaveLength(1);
    expect(got.reports[0]!.message).toBe('TLS handshake failed');
    expect(got.reports[0]!.exception).toBeInstanceOf(SSLError);
  });

  it('counts a pending handshake as a connection: waitClosed() waits, closeClients() ends it', async () => {
    const got = await main(function* (loop) {
      // The handshake's time limit is far off: only closeClients() can end it in this test.
      const server = yield* startServer(echo, '127.0.0.1', 0, {
        ssl: serverContext,
        sslHandshakeTimeout: 60_000,
      });
      const client = yield* rawClient(loop, portOf(server));
      yield* until(() => server.connectionCount === 1);
      server.close();
      const closed = server.waitClosed();
      yield* sleep(20);
      const waitedForIt = !closed.done();
      server.closeClients();
      yield* until(() => closed.done(), 200);
      yield* readToEof(loop, client);
      return { waitedForIt, count: server.connectionCount };
    });
    expect(got).toEqual({ waitedForIt: true, count: 0 });
  });

  it('a handshake that finishes after close() still runs its handler, and waitClosed() waits for it', async () => {
    const got = await main(function* (loop) {
      const server = yield* startServer(echo, '127.0.0.1', 0, { ssl: serverContext });
      const sock = yield* rawClient(loop, portOf(server));
      yield* until(() => server.connectionCount === 1);
      server.close(); // stops listening; the connection it accepted goes on, as asyncio's
      const closed = server.waitClosed();
      const tls = track(clientContext.wrapSocket(sock, { serverHostname: 'localhost' }));
      yield* sslDoHandshake(loop, tls);
      const reader = new StreamReader();
      const transport = new SocketTransport(loop, tls, reader);
      transport.write('late\n');
      const reply = (yield* reader.readline()).toString();
      const stillOpen = !closed.done();
      transport.close();
      yield* closed;
      return { reply, stillOpen };
    });
    expect(got).toEqual({ reply: 'late\n', stillOpen: true });
  });

  it('abortClients() during a handshake leaves no socket behind', async () => {
    await main(function* (loop) {
      const server = yield* startServer(echo, '127.0.0.1', 0, { ssl: serverContext });
      const clients = [
        yield* rawClient(loop, portOf(server)),
        yield* rawClient(loop, portOf(server)),
      ];
      yield* until(() => server.connectionCount === 2);
      server.close();
      server.abortClients();
      const closed = server.waitClosed();
      yield* until(() => closed.done(), 200); // at once, not at the handshake's time limit
      for (const client of clients) yield* readToEof(loop, client);
      expect(server.connectionCount).toBe(0);
    });
  });
});

describe('openUnixConnection() and startUnixServer() over TLS', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aio-tls-unix-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('echoes lines, with serverHostname naming the server', async () => {
    const path = join(dir, 'tls.sock');
    const got = await main(function* () {
      const server = yield* startUnixServer(echo, path, { ssl: serverContext });
      const [reader, writer] = yield* openUnixConnection(path, {
        ssl: clientContext,
        serverHostname: 'localhost',
      });
      writer.write('unix and TLS\n');
      const reply = (yield* reader.readline()).toString();
      const version = (writer.getExtraInfo('sslObject') as SSLSocket).version();
      writer.close();
      yield* closeServer(server);
      return [reply, version];
    });
    expect(got).toEqual(['unix and TLS\n', 'TLSv1.3']);
  });
});

describe('the ssl options', () => {
  it('are checked up front, with clear errors', () => {
    const loop = newLoop();
    const connect = (options: object): unknown =>
      openConnection('127.0.0.1', 1, { loop, ...options });
    const serve = (options: object): unknown =>
      startServer(echo, '127.0.0.1', 0, { loop, ...options });
    expect(() => connect({ ssl: 'yes' })).toThrow(
      new TypeError('openConnection() expected ssl to be an SSLContext or true, got "yes"'),
    );
    expect(() => connect({ ssl: serverContext })).toThrow(
      /^openConnection\(\) expected ssl to be a client SSLContext \(createDefaultContext\(\)\), got <SSLContext server/,
    );
    expect(() => connect({ serverHostname: 'localhost' })).toThrow(
      new TypeError(
        'openConnection() takes serverHostname only with ssl, got "localhost" and no ssl',
      ),
    );
    expect(() => connect({ ssl: false, sslHandshakeTimeout: 5 })).toThrow(
      new TypeError('openConnection() takes sslHandshakeTimeout only with ssl, got 5 and no ssl'),
    );
    expect(() => connect({ ssl: clientContext, serverHostname: '' })).toThrow(
      new TypeError('openConnection() expected serverHostname to be a non-empty string, got ""'),
    );
    expect(() => connect({ ssl: clientContext, sslHandshakeTimeout: '5' })).toThrow(
      new TypeError('openConnection() expected sslHandshakeTimeout in milliseconds, got "5"'),
    );
    for (const ms of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => connect({ ssl: clientContext, sslHandshakeTimeout: ms })).toThrow(RangeError);
    }
    expect(() => openUnixConnection('/tmp/x.sock', { loop, ssl: clientContext })).toThrow(
      new TypeError(
        'openUnixConnection() with ssl needs serverHostname: a Unix socket has no host name',
      ),
    );
    for (const ssl of [true, clientContext, {}]) {
      expect(() => serve({ ssl })).toThrow(
        /^startServer\(\) expected ssl to be a server SSLContext \(new SSLContext\('server'\) with loadCertChain\), got /,
      );
    }
    expect(() => serve({ sslHandshakeTimeout: 5 })).toThrow(
      new TypeError('startServer() takes sslHandshakeTimeout only with ssl, got 5 and no ssl'),
    );
    expect(() => serve({ ssl: serverContext, sslHandshakeTimeout: 0 })).toThrow(
      new RangeError('startServer() expected sslHandshakeTimeout > 0 ms, got 0'),
    );
    expect(() => startUnixServer(echo, '/tmp/x.sock', { loop, ssl: clientContext })).toThrow(
      TypeError,
    );
  });
});
