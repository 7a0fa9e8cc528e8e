/**
 * HTTP1Connection and HTTP1ServerConnection without HTTPServer — tornado's http1connection_test.py
 * (an HTTP/1.0 response without a Content-Length, read to the close) and ours: a client's side
 * (the request it writes, chunked when it has no length; the responses it reads: chunked, none
 * for 204/304/HEAD, bad framing refused), a server connection's delegate calls (startRequest,
 * onClose, a startRequest that throws), detach() for protocols that start with HTTP, the
 * parameters' checks, and a header timeout on a lone connection. A connected TCP pair on
 * 127.0.0.1 in both loop modes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoopMode } from '@aio/loop';
import { AF_INET, SOCK_STREAM, Socket } from '@aio/selector';
import * as http1connection from './http1connection';
import { HTTP1Connection, HTTP1ServerConnection } from './http1connection';
import {
  HTTPHeaders,
  HTTPInputError,
  HTTPOutputError,
  RequestStartLine,
  ResponseStartLine,
  type HTTPMessageDelegate,
} from './httputil';
import { IOStream, type BaseIOStream } from './iostream';
import { bindSockets } from './netutil';
import { MODES, closeLoops, main, settle, until } from './locks/test-support';
import { captureLogs, http1, type CapturedLogs } from './test-http';

let logs: CapturedLogs;
const sockets: Socket[] = [];
const streams: BaseIOStream[] = [];

beforeEach(() => {
  logs = captureLogs();
});

afterEach(() => {
  logs.stop();
  for (const stream of streams.splice(0)) stream.close();
  for (const sock of sockets.splice(0)) if (!sock.closed) sock.close();
  closeLoops();
});

/** A connected TCP pair as IOStreams: [server side, client side]. Inside a loop. */
function streamPair(): [IOStream, IOStream] {
  const [listener] = bindSockets(0, '127.0.0.1');
  const client = new Socket(AF_INET, SOCK_STREAM);
  sockets.push(client);
  client.connect(listener!.getsockname());
  const [server] = listener!.accept();
  sockets.push(server);
  listener!.close();
  client.setBlocking(false);
  server.setBlocking(false);
  const pair: [IOStream, IOStream] = [new IOStream(server), new IOStream(client)];
  streams.push(...pair);
  return pair;
}

/** A message delegate that records what it is given. */
class Recorder implements HTTPMessageDelegate {
  startLine: RequestStartLine | ResponseStartLine | null = null;
  headers: HTTPHeaders | null = null;
  readonly chunks: Buffer[] = [];
  readonly events: string[] = [];

  headersReceived(startLine: RequestStartLine | ResponseStartLine, headers: HTTPHeaders): void {
    this.startLine = startLine;
    this.headers = headers;
    this.events.push('headers');
  }

  dataReceived(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.events.push('data');
  }

  finish(): void {
    this.events.push('finish');
  }

  onConnectionClose(): void {
    this.events.push('onConnectionClose');
  }

  get body(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }
}

it('exports the names it promises', () => {
  expect(Object.keys(http1connection).sort()).toEqual(['HTTP1Connection', 'HTTP1ServerConnection']);
});

describe.each(MODES)('HTTP1Connection (%s mode)', (mode: LoopMode) => {
  const run = <T>(body: () => Generator<unknown, T, unknown>): Promise<T> =>
    main(body, mode, 'real');

  describe('a client reading responses', () => {
    /** Has the server side send `raw` (and close if asked); the client reads one response. */
    function* readRaw(
      raw: string,
      options: { close?: boolean; method?: string } = {},
    ): Generator<unknown, [Recorder, boolean, HTTP1Connection], unknown> {
      const [server, client] = streamPair();
      const conn = new HTTP1Connection(client, true);
      if (options.method !== undefined) {
        yield* conn.writeHeaders(
          new RequestStartLine(options.method, '/', 'HTTP/1.1'),
          new HTTPHeaders({ Host: 'a' }),
        );
        conn.finish();
      }
      void server.write(raw);
      if (options.close === true) server.close();
      const delegate = new Recorder();
      const keepGoing = yield* conn.readResponse(delegate);
      return [delegate, keepGoing, conn];
    }

    it('http1connection_test: an HTTP/1.0 response without Content-Length is read to the close', async () => {
      const [delegate, keepGoing] = await run(() =>
        readRaw('HTTP/1.0 200 Not Modified\r\n\r\nhello', { close: true }),
      );
      expect((delegate.startLine as ResponseStartLine).code).toBe(200);
      expect(delegate.body).toBe('hello');
      expect(delegate.events.at(-1)).toBe('finish');
      expect(keepGoing).toBe(false);
    });

    it('a chunked response (extensions and trailers too); the connection may carry another', async () => {
      const [delegate, keepGoing] = await run(() =>
        readRaw(
          'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n',
        ),
      );
      expect(delegate.body).toBe('hello world');
      expect(keepGoing).toBe(true);
    });

    it('no body for 204, 304 (whatever its Content-Length) and the answer to HEAD', async () => {
      const got = await run(function* () {
        const out: unknown[] = [];
        for (const [raw, method] of [
          ['HTTP/1.1 204 No Content\r\n\r\n', undefined],
          ['HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n', undefined],
          ['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n', 'HEAD'],
        ] as const) {
          const [delegate, keepGoing] = yield* readRaw(raw, { method });
          out.push([delegate.body, delegate.events, keepGoing]);
        }
        return out;
      });
      // Each connection may carry another request: a client finishing its request before the
      // response is read is the usual order, not a reason to close (tornado's client closes
      // there: it never reuses a connection; ours keeps it for the pool).
      expect(got).toEqual([
        ['', ['headers', 'finish'], true],
        ['', ['headers', 'finish'], true],
        ['', ['headers', 'finish'], true],
      ]);
    });

    it.each([
      [
        'Content-Length and Transfer-Encoding',
        'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n',
      ],
      ['a 204 with a body length', 'HTTP/1.1 204 No Content\r\nContent-Length: 2\r\n\r\nab'],
      ['a 1xx with a Content-Length', 'HTTP/1.1 100 Continue\r\nContent-Length: 0\r\n\r\n'],
      ['a bad status line', 'HTTP/1.1 2000 OK\r\n\r\n'],
      ['a bad Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nab'],
    ])(
      'refuses a response with %s: readResponse fails with HTTPInputError, the connection closed, the delegate not finished',
      async (_name, raw) => {
        const [delegate, error, conn] = await run(function* () {
          const [server, client] = streamPair();
          const conn = new HTTP1Connection(client, true);
          void server.write(raw);
          const delegate = new Recorder();
          try {
            yield* conn.readResponse(delegate);
          } catch (caught) {
            return [delegate, caught, conn] as const;
          }
          throw new Error('readResponse did not fail');
        });
        expect(error).toBeInstanceOf(HTTPInputError);
        expect(delegate.events).not.toContain('finish');
        expect(conn.stream?.closed() ?? true).toBe(true);
        // The caller hears of it; nothing is logged.
        expect(logs.gen).toEqual([]);
      },
    );

    it('a 100 Continue and a 103 before the response: the delegate hears each, then the response', async () => {
      const [delegate, keepGoing] = await run(() =>
        readRaw(
          'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n' +
            'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
        ),
      );
      expect((delegate.startLine as ResponseStartLine).code).toBe(200);
      expect(delegate.events).toEqual(['headers', 'headers', 'headers', 'data', 'finish']);
      expect(delegate.body).toBe('ok');
      expect(keepGoing).toBe(true);
    });

    it('a response body over maxBodySize is refused', async () => {
      const got = await run(function* () {
        const [server, client] = streamPair();
        const conn = new HTTP1Connection(client, true, { maxBodySize: 4 });
        void server.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
        const delegate = new Recorder();
        try {
          yield* conn.readResponse(delegate);
        } catch (error) {
          return [(error as HTTPInputError).status, delegate.events];
        }
        return 'read';
      });
      // Refused before headersReceived: the delegate is owed nothing.
      expect(got).toEqual([413, []]);
    });
  });

  describe('a client writing a request', () => {
    it('POST without a length is chunked; GET is not; finish ends the chunks', async () => {
      const got = await run(function* () {
        const [server, client] = streamPair();
        const post = new HTTP1Connection(client, true);
        const headers = new HTTPHeaders({ Host: 'a' });
        yield* post.writeHeaders(new RequestStartLine('POST', '/up', 'HTTP/1.1'), headers, 'abc');
        yield* post.write('defgh');
        post.finish();
        const get = new HTTP1Connection(client, true);
        yield* get.writeHeaders(
          new RequestStartLine('GET', '/x?y', 'HTTP/1.0'),
          new HTTPHeaders({ Host: 'a' }),
        );
        get.finish();
        let data = '';
        const expected =
          'POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n5\r\ndefgh\r\n0\r\n\r\n' +
          'GET /x?y HTTP/1.1\r\nHost: a\r\n\r\n';
        while (data.length < expected.length) {
          data += String(yield* server.readBytes(expected.length - data.length, { partial: true }));
        }
        return [data, expected];
      });
      expect(got[0]).toBe(got[1]);
    });

    it('a request line with a space or control character in the method or target is HTTPOutputError', async () => {
      const got = await run(function* () {
        const [, client] = streamPair();
        const out: unknown[] = [];
        for (const [method, path] of [
          ['GET', '/a b'],
          ['GET', '/a\r\nX: y'],
          ['G T', '/'],
        ]) {
          try {
            new HTTP1Connection(client, true).writeHeaders(
              new RequestStartLine(method!, path!, 'HTTP/1.1'),
              new HTTPHeaders(),
            );
            out.push('written');
          } catch (error) {
            out.push(error instanceof HTTPOutputError);
          }
        }
        return out;
      });
      expect(got).toEqual([true, true, true]);
    });

    it('a client writes a RequestStartLine, a server a ResponseStartLine, and only once it read a request', async () => {
      await run(function* () {
        const [server, client] = streamPair();
        expect(() =>
          new HTTP1Connection(client, true).writeHeaders(
            new ResponseStartLine('HTTP/1.1', 200, 'OK'),
            new HTTPHeaders(),
          ),
        ).toThrow(TypeError);
        expect(() =>
          new HTTP1Connection(server, false).writeHeaders(
            new RequestStartLine('GET', '/', 'HTTP/1.1'),
            new HTTPHeaders(),
          ),
        ).toThrow(TypeError);
        expect(() =>
          new HTTP1Connection(server, false).writeHeaders(
            new ResponseStartLine('HTTP/1.1', 200, 'OK'),
            new HTTPHeaders(),
          ),
        ).toThrow('no request to answer');
        yield* settle(1);
      });
    });

    it('a request and its response through a client and a server connection', async () => {
      const got = await run(function* () {
        const [serverStream, clientStream] = streamPair();
        const serverConn = new HTTP1ServerConnection(serverStream);
        let closed = 0;
        serverConn.startServing({
          startRequest: (_server, request) => {
            const recorder = new Recorder();
            recorder.finish = () => {
              const body = `${(recorder.startLine as RequestStartLine).path} got ${recorder.body}`;
              void request.writeHeaders(
                new ResponseStartLine('HTTP/1.1', 201, 'Created'),
                new HTTPHeaders(),
              );
              void request.write(body);
              request.finish();
            };
            return recorder;
          },
          onClose: () => void closed++,
        });
        const client = new HTTP1Connection(clientStream, true);
        yield* client.writeHeaders(
          new RequestStartLine('PUT', '/one', 'HTTP/1.1'),
          new HTTPHeaders({ Host: 'a' }),
          'payload',
        );
        client.finish();
        const response = new Recorder();
        // True: the connection may carry another request (tornado's client would close it).
        const keepGoing = yield* client.readResponse(response);
        clientStream.close();
        yield* until(() => closed === 1);
        return [
          (response.startLine as ResponseStartLine).code,
          response.headers?.get('Transfer-Encoding'),
          response.body,
          keepGoing,
        ];
      });
      expect(got).toEqual([201, 'chunked', '/one got payload', true]);
    });
  });

  describe('HTTP1ServerConnection', () => {
    it('onClose once when the client leaves; startServing twice throws', async () => {
      const events: string[] = [];
      await run(function* () {
        const [server, client] = streamPair();
        const conn = new HTTP1ServerConnection(server);
        conn.startServing({
          startRequest: () => {
            events.push('startRequest');
            return new Recorder();
          },
          onClose: (which) => events.push(which === conn ? 'onClose' : 'onClose of another'),
        });
        expect(() => conn.startServing({ startRequest: () => new Recorder() })).toThrow(TypeError);
        client.close();
        yield* until(() => events.includes('onClose'));
        yield* conn.close(); // settles at once: it is over
      });
      expect(events).toEqual(['startRequest', 'onClose']);
    });

    it('a startRequest that throws: logged, the connection closed, onClose called', async () => {
      const got = await run(function* () {
        const [server, client] = streamPair();
        const conn = new HTTP1ServerConnection(server);
        let closed = 0;
        conn.startServing({
          startRequest: () => {
            throw new Error('no delegate for you');
          },
          onClose: () => void closed++,
        });
        const data = String(yield* client.readUntilClose());
        return [data, closed, server.closed()];
      });
      expect(got).toEqual(['', 1, true]);
      expect(logs.app.map((r) => r.message)).toEqual(['Uncaught exception in startRequest']);
    });

    it('drain() closes an idle connection at once; close() one that is busy', async () => {
      const got = await run(function* () {
        const [idleServer, idleClient] = streamPair();
        const [busyServer, busyClient] = streamPair();
        const idle = new HTTP1ServerConnection(idleServer);
        const busy = new HTTP1ServerConnection(busyServer);
        const delegate = { startRequest: () => new Recorder() };
        idle.startServing(delegate);
        busy.startServing(delegate);
        void busyClient.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n'); // never answered
        yield* settle(1);
        yield* idle.drain();
        const idleData = String(yield* idleClient.readUntilClose());
        yield* busy.close();
        const busyData = String(yield* busyClient.readUntilClose());
        return [idleData, busyData];
      });
      expect(got).toEqual(['', '']);
    });

    it('detach() in headersReceived: the stream is the application’s, left open after HTTP is over', async () => {
      const got = await run(function* () {
        const [server, client] = streamPair();
        const conn = new HTTP1ServerConnection(server);
        let onClose = 0;
        conn.startServing({
          startRequest: (_server, request) => ({
            headersReceived: () => {
              const stream = http1(request).detach();
              streams.push(stream);
              void stream.write(
                'HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n',
              );
              stream.readUntil('\n').addDoneCallback((line) => {
                if (line.exception() === undefined && !stream.closed()) {
                  void stream.write(line.result());
                }
              });
            },
            dataReceived: () => {},
            finish: () => {},
            onConnectionClose: () => {},
          }),
          onClose: () => void onClose++,
        });
        yield* client.write(
          'GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nping\n',
        );
        const head = String(yield* client.readUntil('\r\n\r\n'));
        const echoed = String(yield* client.readUntil('\n'));
        return [head.split('\r\n')[0], echoed, onClose];
      });
      expect(got).toEqual(['HTTP/1.1 101 Switching Protocols', 'ping\n', 1]);
    });
  });

  describe('parameters and timeouts', () => {
    it('bad parameters are refused at construction', async () => {
      await run(function* () {
        const [server] = streamPair();
        for (const params of [
          { chunkSize: 0 },
          { maxHeaderSize: 63 },
          { headerTimeout: 0 },
          { bodyTimeout: -1 },
          { maxBodySize: -1 },
          { noKeepAlive: 'yes' },
          { decompress: 1 },
        ]) {
          expect(
            () => new HTTP1Connection(server, false, params as never),
            JSON.stringify(params),
          ).toThrow();
          expect(
            () => new HTTP1ServerConnection(server, params as never),
            JSON.stringify(params),
          ).toThrow();
        }
        expect(() => new HTTP1Connection(server, false, 'x' as never)).toThrow(TypeError);
        // Times are milliseconds; null means none.
        new HTTP1Connection(server, false, { headerTimeout: null, bodyTimeout: 1, maxBodySize: 0 });
        yield* settle(1);
      });
    });

    it('a lone server connection’s headerTimeout closes a silent client and logs it', async () => {
      const got = await run(function* () {
        const [server, client] = streamPair();
        const conn = new HTTP1Connection(server, false, { headerTimeout: 30 });
        const started = Date.now();
        const delegate = new Recorder();
        const keepGoing = yield* conn.readResponse(delegate);
        const data = String(yield* client.readUntilClose());
        return [keepGoing, data, Date.now() - started >= 25, delegate.events];
      });
      expect(got).toEqual([false, '', true, []]);
      expect(logs.gen.map((r) => r.message)).toEqual([
        expect.stringMatching(/^Timeout on HTTP connection/),
      ]);
    });

    it('a lone connection leaves no timer armed once its message is read', async () => {
      await run(function* () {
        const [server, client] = streamPair();
        const conn = new HTTP1Connection(client, true, {
          headerTimeout: 60_000,
          bodyTimeout: 60_000,
        });
        void server.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        const delegate = new Recorder();
        expect(yield* conn.readResponse(delegate)).toBe(true);
        expect(delegate.body).toBe('ok');
      });
    });
  });
});
