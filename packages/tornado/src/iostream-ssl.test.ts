/**
 * SSLIOStream, startTls, and TLS in TCPServer and TCPClient — the themes of tornado's
 * iostream_test.py for TLS (TestIOStreamStartTLS, WaitForHandshakeTest, the hostname checks,
 * TestIOStreamSSLContext; the read and write themes run over TLS in iostream.test.ts) and the
 * faults the networking issue names: a peer that stops mid-handshake, one that sends garbage,
 * one that leaves without close_notify, and a handshake timeout — each costs one stream, never
 * the loop or the server. Real TLS (OpenSSL) on 127.0.0.1 in both loop modes; the certificates
 * are tooling/fixtures/tls.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '@aio/coroutine';
import type { LoopMode } from '@aio/loop';
import { AF_INET, SOCK_STREAM, Socket } from '@aio/selector';
import {
  CERT_NONE,
  CERT_REQUIRED,
  SSLCertVerificationError,
  SSLContext,
  SSLError,
  createDefaultContext,
} from '@aio/selector/ssl';
import {
  IOStream,
  SSLHandshakeTimeoutError,
  SSLIOStream,
  StreamClosedError,
  type BaseIOStream,
} from './iostream';
import { TimeoutError } from './gen';
import { bindSockets, sslOptionsToContext, sslWrapSocket } from './netutil';
import { TCPClient } from './tcpclient';
import { TCPServer } from './tcpserver';
import { MODES, closeLoops, main } from './locks/test-support';
import { addHandler, genLog, removeHandler, type Handler, type LogRecord } from './log';

const FIXTURES = fileURLToPath(new URL('../../../tooling/fixtures/tls/', import.meta.url));
const SERVER = { certfile: `${FIXTURES}server.pem`, keyfile: `${FIXTURES}server.key` };
const CLIENT = { caCerts: `${FIXTURES}ca.pem` };

const sockets: Socket[] = [];
const streams: BaseIOStream[] = [];
const servers: TCPServer[] = [];

afterEach(() => {
  for (const stream of streams.splice(0)) stream.close();
  for (const sock of sockets.splice(0)) if (!sock.closed) sock.close();
  for (const server of servers.splice(0)) server.stop();
  closeLoops();
});

function keep<S extends BaseIOStream>(stream: S): S {
  streams.push(stream);
  return stream;
}

/** A connected TCP pair: [server side, client side], plain sockets, non-blocking. */
function socketPair(): [Socket, Socket] {
  const [listener] = bindSockets(0, '127.0.0.1');
  const client = new Socket(AF_INET, SOCK_STREAM);
  client.connect(listener!.getsockname());
  const [server] = listener!.accept();
  listener!.close();
  client.setBlocking(false);
  server.setBlocking(false);
  sockets.push(server, client);
  return [server, client];
}

/** A TCPServer that echoes lines, over TLS with `sslOptions`. */
class EchoServer extends TCPServer {
  override *handleStream(stream: IOStream): Generator<unknown, void, unknown> {
    keep(stream); // closed after the test, whatever its client did
    try {
      for (;;) yield* stream.write(yield* stream.readUntil('\n'));
    } catch (error) {
      if (!(error instanceof StreamClosedError)) throw error;
    }
  }
}

/** A TLS server that records how each connection's handshake ended (null: it succeeded). */
class HandshakeWatcher extends TCPServer {
  handshakeError: unknown = null;
  override *handleStream(stream: IOStream): Generator<unknown, void, unknown> {
    this.handshakeError = yield* failure(tlsOf(stream).waitForHandshake());
  }
}

function listen(server: TCPServer): number {
  servers.push(server);
  const [listener] = bindSockets(0, '127.0.0.1');
  server.addSockets([listener!]);
  return (listener!.getsockname() as [string, number])[1];
}

/** Records what `tornado.general` logs while `fn` runs. */
async function withGenLog<T>(fn: (records: LogRecord[]) => Promise<T>): Promise<T> {
  const records: LogRecord[] = [];
  const handler: Handler = { level: 0, handle: (r) => void records.push(r), close: () => {} };
  addHandler(genLog, handler);
  try {
    return await fn(records);
  } finally {
    removeHandler(genLog, handler);
  }
}

/** A TLS server's stream, as the SSLIOStream it is. */
function tlsOf(stream: IOStream): SSLIOStream {
  if (!(stream instanceof SSLIOStream)) throw new TypeError(`${String(stream)} is not TLS`);
  return stream;
}

function* failure(future: Iterable<unknown>): Generator<unknown, unknown, unknown> {
  try {
    yield* future as Generator<unknown, unknown, unknown>;
  } catch (error) {
    return error;
  }
  return null;
}

describe.each(MODES)('SSLIOStream (%s mode)', (mode: LoopMode) => {
  const run = <T>(body: () => Generator<unknown, T, unknown>): Promise<T> =>
    main(body, mode, 'real');

  it('shakes hands on a connected socket; waitForHandshake is the stream, the same future each time', async () => {
    const got = await run(function* () {
      const [a, b] = socketPair();
      const server = keep(new SSLIOStream(a, { sslOptions: SERVER, serverSide: true }));
      const client = keep(new SSLIOStream(b, { sslOptions: CLIENT, serverHostname: 'localhost' }));
      expect(client.waitForHandshake()).toBe(client.waitForHandshake());
      expect(client.version()).toBeNull();
      const done = yield* client.waitForHandshake();
      yield* server.waitForHandshake();
      return [
        done === client,
        client.version(),
        server.version(),
        client.getPeerCertificate()?.subject,
        String(client),
      ];
    });
    expect(got.slice(0, 4)).toEqual([true, 'TLSv1.3', 'TLSv1.3', '/CN=localhost']);
    expect(got[4]).toMatch(/^<SSLIOStream fd=\d+ open buffered=0 peer=127\.0\.0\.1:\d+>$/);
  });

  it('connect() then the handshake, with the host name checked; writes made meanwhile are sent after', async () => {
    const got = await run(function* () {
      const port = listen(new EchoServer({ sslOptions: SERVER }));
      const client = keep(
        new SSLIOStream(new Socket(AF_INET, SOCK_STREAM), { sslOptions: CLIENT }),
      );
      expect(() => client.waitForHandshake()).toThrow('call connect() first');
      const connecting = client.connect(['127.0.0.1', port], 'localhost');
      client.write('early\n');
      yield* connecting;
      return String(yield* client.readUntil('\n'));
    });
    expect(got).toBe('early\n');
  });

  it('a certificate for another name fails the handshake: SSLCertVerificationError as realError (tornado: test_no_match)', async () => {
    const error = await withGenLog(() =>
      run(function* () {
        const port = listen(new EchoServer({ sslOptions: SERVER }));
        const client = keep(
          new SSLIOStream(new Socket(AF_INET, SOCK_STREAM), { sslOptions: CLIENT }),
        );
        return yield* failure(client.connect(['127.0.0.1', port], 'example.com'));
      }),
    );
    expect(error).toBeInstanceOf(StreamClosedError);
    expect((error as StreamClosedError).realError).toBeInstanceOf(SSLCertVerificationError);
    expect(String((error as StreamClosedError).realError)).toContain("not valid for 'example.com'");
  });

  it('with checking off (certReqs CERT_NONE) any name and any certificate do (test_check_disabled)', async () => {
    const got = await run(function* () {
      const port = listen(new EchoServer({ sslOptions: SERVER }));
      const client = keep(
        new SSLIOStream(new Socket(AF_INET, SOCK_STREAM), { sslOptions: { certReqs: CERT_NONE } }),
      );
      yield* client.connect(['127.0.0.1', port], 'example.com');
      yield* client.write('unchecked\n');
      return String(yield* client.readUntil('\n'));
    });
    expect(got).toBe('unchecked\n');
  });

  it('takes a shared SSLContext as sslOptions (TestIOStreamSSLContext), and client certificates with it', async () => {
    const got = await run(function* () {
      const serverContext = new SSLContext('server');
      serverContext.loadCertChain(SERVER.certfile, SERVER.keyfile);
      serverContext.loadVerifyLocations({ cafile: CLIENT.caCerts });
      serverContext.verifyMode = CERT_REQUIRED;
      const clientContext = createDefaultContext('serverAuth', { cafile: CLIENT.caCerts });
      clientContext.loadCertChain(`${FIXTURES}client.pem`, `${FIXTURES}client.key`);
      const [a, b] = socketPair();
      const server = keep(new SSLIOStream(a, { sslOptions: serverContext, serverSide: true }));
      const client = keep(
        new SSLIOStream(b, { sslOptions: clientContext, serverHostname: 'localhost' }),
      );
      yield* client.write('with a client certificate\n');
      const line = String(yield* server.readUntil('\n'));
      return [line, server.getPeerCertificate()?.subject, server.sslContext === serverContext];
    });
    expect(got).toEqual(['with a client certificate\n', '/CN=aio test client', true]);
  });

  it('agrees on ALPN from the dictionary form', async () => {
    const got = await run(function* () {
      const [a, b] = socketPair();
      const server = keep(
        new SSLIOStream(a, {
          sslOptions: { ...SERVER, alpnProtocols: ['h2', 'http/1.1'] },
          serverSide: true,
        }),
      );
      const client = keep(
        new SSLIOStream(b, {
          sslOptions: { ...CLIENT, alpnProtocols: ['http/1.1'] },
          serverHostname: 'localhost',
        }),
      );
      yield* client.waitForHandshake();
      yield* server.waitForHandshake();
      return [client.selectedAlpnProtocol(), server.selectedAlpnProtocol()];
    });
    expect(got).toEqual(['http/1.1', 'http/1.1']);
  });

  it('startTls upgrades both ends after a plain exchange (tornado: test_start_tls_smtp)', async () => {
    const got = await run(function* () {
      const [a, b] = socketPair();
      const server = keep(new IOStream(a));
      const client = keep(new IOStream(b));
      yield* client.write('STARTTLS\r\n');
      const command = String(yield* server.readUntil('\r\n'));
      yield* server.write('220 Go ahead\r\n');
      const upgradedServer = server.startTls(true, SERVER);
      const reply = String(yield* client.readUntil('\r\n'));
      const upgradedClient = client.startTls(false, CLIENT, 'localhost');
      const [tlsServer, tlsClient] = [yield* upgradedServer, yield* upgradedClient];
      keep(tlsServer);
      keep(tlsClient);
      yield* tlsClient.write('EHLO over TLS\r\n');
      const line = String(yield* tlsServer.readUntil('\r\n'));
      return [command, reply, line, server.closed(), tlsServer.version(), tlsClient.socket === b];
    });
    expect(got).toEqual([
      'STARTTLS\r\n',
      '220 Go ahead\r\n',
      'EHLO over TLS\r\n',
      true,
      'TLSv1.3',
      true,
    ]);
  });

  it('startTls refuses a stream that is not idle, and bad options before giving the stream up', async () => {
    const got = await run(function* () {
      const [a, b] = socketPair();
      const server = keep(new IOStream(a));
      keep(new IOStream(b));
      const waiting = server.readBytes(1);
      const busy = (() => {
        try {
          server.startTls(true, SERVER);
        } catch (error) {
          return String(error);
        }
        return null;
      })();
      waiting.cancel();
      const bad = (() => {
        try {
          server.startTls(true, { certfile: '/nonexistent.pem' });
        } catch (error) {
          return String(error);
        }
        return null;
      })();
      yield* sleep(0);
      return [busy, bad, server.closed()];
    });
    expect(got[0]).toMatch(/^TypeError: startTls\(\): <IOStream .*> is not idle/);
    expect(got[1]).toBe(
      'SSLConfigError: loadCertChain(): certfile /nonexistent.pem does not exist',
    );
    expect(got[2]).toBe(false);
  });

  it('a client that trusts only the system store rejects our private CA; the server logs and closes (test_handshake_fail)', async () => {
    const [clientError, serverError, logged] = await withGenLog(async (records) => {
      const result = await run(function* () {
        const [a, b] = socketPair();
        const server = keep(new SSLIOStream(a, { sslOptions: SERVER, serverSide: true }));
        const client = keep(new SSLIOStream(b, { sslOptions: {}, serverHostname: 'localhost' }));
        const clientFailure = yield* failure(client.waitForHandshake());
        const serverFailure = yield* failure(server.waitForHandshake());
        return [clientFailure, serverFailure] as const;
      });
      return [...result, records.map((r) => r.message)] as const;
    });
    expect((clientError as StreamClosedError).realError).toBeInstanceOf(SSLCertVerificationError);
    expect((serverError as StreamClosedError).realError).toBeInstanceOf(SSLError);
    expect(logged.some((m) => /^SSL Error on <SSLIOStream/.test(m))).toBe(true);
  });
});

describe.each(MODES)('TLS faults cost one stream, never the server (%s mode)', (mode: LoopMode) => {
  const run = <T>(body: () => Generator<unknown, T, unknown>): Promise<T> =>
    main(body, mode, 'real');

  /** Connects a TLS client to `port` and has one line echoed: the server still serves. */
  function* echoOnce(port: number): Generator<unknown, string, unknown> {
    const client = new TCPClient();
    try {
      const stream = keep(
        yield* client.connect('localhost', port, { sslOptions: CLIENT, timeout: 5000 }),
      );
      yield* stream.write('still serving\n');
      return String(yield* stream.readUntil('\n'));
    } finally {
      client.close();
    }
  }

  /** A raw TCP socket connected to `port`, as an IOStream (to send what a TLS client would not). */
  function* rawClient(port: number): Generator<unknown, IOStream, unknown> {
    const stream = keep(new IOStream(new Socket(AF_INET, SOCK_STREAM)));
    return yield* stream.connect(['127.0.0.1', port]);
  }

  it('garbage instead of a ClientHello: that stream closes with an SSLError', async () => {
    const got = await withGenLog(async (records) => {
      const result = await run(function* () {
        const watcher = new HandshakeWatcher({ sslOptions: SERVER });
        const port = listen(watcher);
        const echoPort = listen(new EchoServer({ sslOptions: SERVER }));
        const raw = yield* rawClient(port);
        yield* raw.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
        const answer = yield* raw.readUntilClose(); // a TLS alert, then the close
        return [watcher.handshakeError, answer.length < 64, yield* echoOnce(echoPort)] as const;
      });
      return [...result, records.some((r) => r.message.startsWith('SSL Error on'))] as const;
    });
    expect((got[0] as StreamClosedError).realError).toBeInstanceOf(SSLError);
    expect(got.slice(1)).toEqual([true, 'still serving\n', true]);
  });

  it('a client that stops mid-handshake is closed by the handshake timeout', async () => {
    const got = await run(function* () {
      const watcher = new HandshakeWatcher({ sslOptions: SERVER, handshakeTimeout: 150 });
      const port = listen(watcher);
      const raw = yield* rawClient(port);
      // The first bytes of a TLS record header, then silence.
      yield* raw.write(Buffer.from([0x16, 0x03, 0x01]));
      const started = Date.now();
      const answer = yield* raw.readUntilClose();
      return [watcher.handshakeError, answer.length, Date.now() - started] as const;
    });
    expect((got[0] as StreamClosedError).realError).toBeInstanceOf(SSLHandshakeTimeoutError);
    expect(String((got[0] as StreamClosedError).realError)).toBe(
      'SSLHandshakeTimeoutError: TLS handshake did not finish within 150 ms',
    );
    expect(got[1]).toBe(0);
    expect(got[2]).toBeGreaterThanOrEqual(100);
  });

  it('a client that connects and says nothing is closed by the handshake timeout too', async () => {
    const got = await run(function* () {
      const port = listen(new EchoServer({ sslOptions: SERVER, handshakeTimeout: 100 }));
      const raw = yield* rawClient(port);
      return (yield* raw.readUntilClose()).length;
    });
    expect(got).toBe(0);
  });

  it('a client that leaves mid-handshake costs its stream only', async () => {
    const got = await run(function* () {
      const watcher = new HandshakeWatcher({ sslOptions: SERVER });
      const port = listen(watcher);
      const echoPort = listen(new EchoServer({ sslOptions: SERVER }));
      const raw = yield* rawClient(port);
      yield* raw.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
      raw.close();
      for (let i = 0; i < 100 && watcher.handshakeError === null; i++) yield* sleep(5);
      return [watcher.handshakeError, yield* echoOnce(echoPort)] as const;
    });
    expect(got[0]).toBeInstanceOf(StreamClosedError);
    expect(got[1]).toBe('still serving\n');
  });

  it('a peer that closes without close_notify: the stream reads EOF and closes cleanly', async () => {
    const got = await run(function* () {
      const [a, b] = socketPair();
      const server = keep(new SSLIOStream(a, { sslOptions: SERVER, serverSide: true }));
      const client = keep(new SSLIOStream(b, { sslOptions: CLIENT, serverHostname: 'localhost' }));
      yield* client.write('last words');
      yield* server.readBytes(4);
      // The TCP connection ends under TLS, both ways: no close_notify. (OpenSSL answers a
      // ragged EOF with a decode_error alert, which a half-closed peer would read as an error.)
      client.socket.shutdown(2 /* SHUT_RDWR */);
      const rest = String(yield* server.readUntilClose());
      return [rest, server.error, server.closed()];
    });
    expect(got).toEqual([' words', null, true]);
  });

  it('a TCPClient connect whose handshake outlasts its timeout fails with TimeoutError, nothing left open', async () => {
    const got = await run(function* () {
      // A server that accepts and never answers the ClientHello.
      const [listener] = bindSockets(0, '127.0.0.1');
      sockets.push(listener!);
      const port = (listener!.getsockname() as [string, number])[1];
      const client = new TCPClient();
      try {
        const started = Date.now();
        const error = yield* failure(
          client.connect('127.0.0.1', port, { sslOptions: CLIENT, timeout: 200 }),
        );
        return [error, Date.now() - started] as const;
      } finally {
        client.close();
      }
    });
    expect(got[0]).toBeInstanceOf(TimeoutError);
    expect(got[1]).toBeLessThan(2000);
  });

  it('cancelling a TCPClient connect mid-handshake closes the stream', async () => {
    const got = await run(function* () {
      const [listener] = bindSockets(0, '127.0.0.1');
      sockets.push(listener!);
      const port = (listener!.getsockname() as [string, number])[1];
      const client = new TCPClient();
      try {
        const connecting = client.connect('127.0.0.1', port, { sslOptions: CLIENT });
        yield* sleep(50);
        connecting.cancel();
        const error = yield* failure(connecting);
        // The server side sees the client's socket closed.
        const [conn] = listener!.accept();
        sockets.push(conn);
        const tls = keep(new IOStream(conn));
        const hello = yield* tls.readUntilClose();
        return [String(error), hello[0]];
      } finally {
        client.close();
      }
    });
    expect(got[0]).toMatch(/CancelledError/);
    expect(got[1]).toBe(0x16); // the ClientHello had gone out, then the close
  });
});

describe('sslOptions', () => {
  it('builds a dictionary into one context per side, once', () => {
    const options = { ...SERVER };
    const first = sslOptionsToContext(options, true);
    expect(sslOptionsToContext(options, true)).toBe(first);
    expect(first.role).toBe('server');
    const client = sslOptionsToContext(CLIENT, false);
    expect([client.role, client.verifyMode, client.checkHostname]).toEqual([
      'client',
      CERT_REQUIRED,
      true,
    ]);
  });

  it('sslWrapSocket wraps a socket for either side, the handshake not started', () => {
    const [a, b] = socketPair();
    const client = sslWrapSocket(b, CLIENT, { serverHostname: 'localhost' });
    const server = sslWrapSocket(a, SERVER, { serverSide: true });
    try {
      expect([client.serverSide, client.serverHostname, client.handshakeDone()]).toEqual([
        false,
        'localhost',
        false,
      ]);
      expect([server.serverSide, server.serverHostname, server.context.role]).toEqual([
        true,
        null,
        'server',
      ]);
    } finally {
      client.close();
      server.close();
    }
  });

  it('names a bad option', () => {
    expect(() => sslOptionsToContext({}, true)).toThrow(
      /certfile must be a certificate file for a server/,
    );
    expect(() => sslOptionsToContext({ keyfile: SERVER.keyfile }, false)).toThrow(
      /keyfile must be given with a certfile/,
    );
    expect(() => sslOptionsToContext({ certReqs: 9 as never }, false)).toThrow(
      /certReqs must be CERT_NONE/,
    );
    expect(() => sslOptionsToContext('x' as never, false)).toThrow(TypeError);
    expect(() => new TCPServer({ sslOptions: { certfile: '/nope.pem' } })).toThrow(
      'loadCertChain(): certfile /nope.pem does not exist',
    );
  });
});
