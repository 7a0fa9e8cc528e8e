/**
 * websocket — tornado's websocket_test.py theme by theme: the handshake and its refusals
 * (WebSocketTest's HTTP cases, check_origin, subprotocols, headers both ways), echo of text and
 * binary, coroutine and async on_message taken one at a time, open as a coroutine, errors in
 * open and on_message, close codes and reasons both ways, writing after close, pings (manual,
 * periodic, timing out), max_message_size, compression with and without context takeover, and
 * the client's HTTP failures. Then what tornado's suite leaves to Autobahn, with a raw client:
 * bad frames refused with the right close code, fragments with control frames between them,
 * UTF-8 refused as soon as it is invalid. A real HTTPServer + Application on 127.0.0.1, in both
 * loop modes, `ws` (npm) as a peer where a second implementation says more.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Future } from '@aio/future';
import { getEventLoop, type LoopMode } from '@aio/loop';
import * as gen from './gen';
import { HTTPClientError, HTTPRequest } from './httpclient';
import type { IOStream } from './iostream';
import { Event } from './locks';
import { until } from './locks/test-support';
import { bindUnusedPort } from './testing';
import { CLIENT_TLS, SERVER_TLS, type Harness } from './test-http';
import { MODES, serveApp, useWebTestHooks } from './test-web';
import { Application, RequestHandler, HandlerStateError } from './web';
import {
  WebSocketClientConnection,
  WebSocketClosedError,
  WebSocketError,
  WebSocketHandler,
  computeAcceptValue,
  websocketConnect,
  type CompressionOptions,
  type WebSocketConnectOptions,
  WebSocketProtocol,
} from './websocket';
import { applyMask } from './websocket/mask';

/** The connections a test opened (client protocols, server handlers): closed after it. */
const opened: { streams: { close(): void }[] } = { streams: [] };

const logs = useWebTestHooks(() => {
  for (const stream of opened.streams.splice(0)) stream.close();
});

/** A future made on first use, on the loop running then (a test's loop starts in serveApp). */
class Later<T> {
  #future: Future<T> | null = null;
  get future(): Future<T> {
    return (this.#future ??= new Future<T>(getEventLoop()));
  }
}

type Closed = Later<[number | null, string | null]>;

/** A handler whose close the test can wait for (tornado's TestWebSocketHandler). */
class TestHandler extends WebSocketHandler {
  closed: Closed | null = null;
  compression: CompressionOptions | null = null;

  override initialize(kwargs: { closed?: Closed; compression?: CompressionOptions | null }) {
    this.closed = kwargs.closed ?? null;
    this.compression = kwargs.compression ?? null;
  }

  override getCompressionOptions() {
    return this.compression;
  }

  override onClose() {
    if (this.closed !== null && !this.closed.future.done()) {
      this.closed.future.setResult([this.closeCode, this.closeReason]);
    }
  }
}

/** Every connection's stream (both sides), for the cleanup after a failed test. */
const { attach } = Object.getOwnPropertyDescriptors(WebSocketProtocol.prototype);
Object.defineProperty(WebSocketProtocol.prototype, 'attach', {
  ...attach,
  value(this: WebSocketProtocol, stream: IOStream) {
    opened.streams.push(stream);
    (attach.value as (this: WebSocketProtocol, stream: IOStream) => void).call(this, stream);
  },
});

class EchoHandler extends TestHandler {
  override *onMessage(message: string | Buffer) {
    try {
      yield this.writeMessage(message, { binary: typeof message !== 'string' });
    } catch (error) {
      if (!(error instanceof WebSocketClosedError)) throw error;
    }
  }
}

function future<T>(): Future<T> {
  return new Future<T>(getEventLoop());
}

/** Connects to `path` of the server under test. */
function* connect(
  h: Harness,
  path: string,
  options: WebSocketConnectOptions = {},
): Generator<unknown, WebSocketClientConnection, unknown> {
  return yield* websocketConnect(`ws://127.0.0.1:${String(h.port)}${path}`, options);
}

/** Closes `conn` and reads until the end (so no close timer is left on the loop). */
function* closeAndDrain(
  conn: WebSocketClientConnection,
  code: number | null = null,
  reason: string | null = null,
): Generator<unknown, void, unknown> {
  conn.close(code, reason);
  while ((yield* conn.readMessage()) !== null);
}

/** `error`'s outcome from running `body`. */
function* failure(
  body: () => Generator<unknown, unknown, unknown>,
): Generator<unknown, unknown, unknown> {
  try {
    yield* body();
  } catch (error) {
    return error;
  }
  throw new Error('expected it to fail');
}

/** The raw handshake for a client written by hand. */
function handshake(path = '/echo', extra = ''): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`
  );
}

/** A masked client frame, as a raw client sends it. */
function frame(
  first: number,
  payload: Buffer | string,
  masked = true,
  lengthOverride?: number,
): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  const length = lengthOverride ?? data.length;
  const head: number[] = [first];
  const mask = masked ? 0x80 : 0;
  if (length < 126) head.push(mask | length);
  else if (length <= 0xffff) head.push(mask | 126, length >> 8, length & 0xff);
  else
    head.push(
      mask | 127,
      0,
      0,
      0,
      0,
      (length >>> 24) & 0xff,
      (length >> 16) & 0xff,
      (length >> 8) & 0xff,
      length & 0xff,
    );
  if (!masked) return Buffer.concat([Buffer.from(head), data]);
  const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  applyMask(data, key);
  return Buffer.concat([Buffer.from(head), key, data]);
}

/** A raw client past the handshake: its stream, with the 101's head read. */
function* rawClient(h: Harness, path = '/echo', extra = ''): Generator<unknown, IOStream, unknown> {
  const stream = yield* h.connect();
  void stream.write(handshake(path, extra));
  const head = (yield* stream.readUntil('\r\n\r\n')).toString('latin1');
  expect(head).toMatch(/^HTTP\/1\.1 101 /);
  return stream;
}

/** The server frames a raw client reads: [first byte, payload] each, until the server closes. */
function* framesUntilClose(stream: IOStream): Generator<unknown, [number, Buffer][], unknown> {
  const data = yield* stream.readUntilClose();
  const frames: [number, Buffer][] = [];
  let at = 0;
  while (at + 2 <= data.length) {
    let length = data[at + 1]! & 0x7f;
    let head = 2;
    if (length === 126) {
      length = data.readUInt16BE(at + 2);
      head = 4;
    }
    frames.push([data[at]!, data.subarray(at + head, at + head + length)]);
    at += head + length;
  }
  return frames;
}

/** The close code and reason of a close frame's payload. */
function closeOf(frames: [number, Buffer][]): [number, string] | null {
  const close = frames.find(([first]) => (first & 0x0f) === 0x8);
  if (close === undefined) return null;
  return [close[1].readUInt16BE(0), close[1].subarray(2).toString('utf8')];
}

describe.each(MODES)('WebSocketHandler and websocketConnect (%s mode)', (mode: LoopMode) => {
  // ─── The handshake ───────────────────────────────────────────────────────────────────────

  it('refuses a plain GET with 400, a missing key with 400, a version it does not speak with 426', async () => {
    const app = new Application([['/echo', EchoHandler]]);
    const [plain, noKey, badKey, version, post] = await serveApp(app, mode, function* (fetch) {
      const upgrade = { Connection: 'Upgrade', Upgrade: 'WebSocket' };
      return [
        yield* fetch('/echo'),
        yield* fetch('/echo', { headers: { ...upgrade, 'Sec-WebSocket-Version': '13' } }),
        yield* fetch('/echo', {
          headers: { ...upgrade, 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'short' },
        }),
        yield* fetch('/echo', { headers: { ...upgrade, 'Sec-WebSocket-Version': '12' } }),
        yield* fetch('/echo', { method: 'POST', body: '' }),
      ];
    });
    expect(plain.code).toBe(400);
    expect(plain.body.toString()).toBe('Can "Upgrade" only to "WebSocket".');
    expect(noKey.code).toBe(400);
    expect(badKey.code).toBe(400);
    expect(version.code).toBe(426);
    expect(version.headers.get('Sec-WebSocket-Version')).toBe('7, 8, 13');
    expect(post.code).toBe(405); // tornado's: only GET is a WebSocket handler's method
    expect(logs.gen.map((r) => r.message)).toContain('Can "Upgrade" only to "WebSocket".');
  });

  it('answers the handshake with RFC 6455’s accept value, and echoes text and binary', async () => {
    const app = new Application([['/echo', EchoHandler]]);
    await serveApp(app, mode, function* (_fetch, h) {
      const raw = yield* h.connect();
      void raw.write(handshake());
      const head = (yield* raw.readUntil('\r\n\r\n')).toString('latin1');
      // RFC 6455 §1.3's own example.
      expect(computeAcceptValue('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
      expect(head).toMatch(/\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/i);
      expect(head).toMatch(/Upgrade: websocket/i);
      expect(head).not.toMatch(/Content-Type/i);
      raw.close();

      const conn = yield* connect(h, '/echo');
      expect(String(conn)).toMatch(
        /^<WebSocketClientConnection ws:\/\/127\.0\.0\.1:\d+\/echo open>$/,
      );
      yield conn.writeMessage('hello é');
      expect(yield* conn.readMessage()).toBe('hello é');
      yield conn.writeMessage(Buffer.from('hello \xe9', 'latin1'), { binary: true });
      expect(yield* conn.readMessage()).toEqual(Buffer.from('hello \xe9', 'latin1'));
      yield conn.writeMessage({ a: 1, b: '</script>' });
      expect(yield* conn.readMessage()).toBe('{"a": 1, "b": "<\\/script>"}');
      const big = Buffer.alloc(300_000, 7);
      yield conn.writeMessage(big, { binary: true });
      expect(Buffer.compare((yield* conn.readMessage()) as Buffer, big)).toBe(0);
      yield* closeAndDrain(conn);
      expect(String(conn)).toMatch(/ closed>$/);
    });
    expect(logs.access.map((r) => r.message).some((m) => m.startsWith('101 GET /echo'))).toBe(true);
  });

  it('wss://: TLS through the HTTP client, the certificate checked against the CA given', async () => {
    const app = new Application([['/echo', EchoHandler]]);
    await serveApp(
      app,
      mode,
      function* (_fetch, h) {
        const url = `wss://localhost:${String(h.port)}/echo`;
        const conn = yield* websocketConnect(new HTTPRequest(url, { caCerts: CLIENT_TLS.caCerts }));
        yield* conn.writeMessage('over TLS');
        expect(yield* conn.readMessage()).toBe('over TLS');
        yield* closeAndDrain(conn);
        // Without the CA, the certificate does not verify.
        const refused = yield* failure(function* () {
          yield* websocketConnect(url);
        });
        expect((refused as Error).name).toMatch(/SSLCertVerificationError/);
      },
      { sslOptions: SERVER_TLS },
    );
  });

  it('runs prepare (async too) before the handshake, passes path groups to open, sends headers both ways', async () => {
    class PathArgs extends TestHandler {
      override open(arg: string) {
        void this.writeMessage(arg);
      }
    }
    class AsyncPrepare extends EchoHandler {
      override *prepare() {
        yield gen.moment;
      }
    }
    class HeaderEcho extends TestHandler {
      override setDefaultHeaders() {
        this.setHeader('X-Extra-Response-Header', 'Extra-Response-Value');
      }
      override prepare() {
        for (const [name, value] of this.request.headers.getAll()) {
          if (name.toLowerCase().startsWith('x-test')) this.setHeader(name, value);
        }
      }
      override open() {
        void this.writeMessage(this.request.headers.get('X-Test-Hello') ?? '');
      }
    }
    const app = new Application([
      ['/path_args/(.*)', PathArgs],
      ['/async_prepare', AsyncPrepare],
      ['/header_echo', HeaderEcho],
    ]);
    await serveApp(app, mode, function* (_fetch, h) {
      const a = yield* connect(h, '/path_args/hello');
      expect(yield* a.readMessage()).toBe('hello');
      const b = yield* connect(h, '/async_prepare');
      void b.writeMessage('hi');
      expect(yield* b.readMessage()).toBe('hi');
      const c = yield* websocketConnect(
        new HTTPRequest(`ws://127.0.0.1:${String(h.port)}/header_echo`, {
          headers: { 'X-Test-Hello': 'hello' },
        }),
      );
      expect(yield* c.readMessage()).toBe('hello');
      expect(c.headers!.get('X-Test-Hello')).toBe('hello');
      expect(c.headers!.get('X-Extra-Response-Header')).toBe('Extra-Response-Value');
      for (const conn of [a, b, c]) yield* closeAndDrain(conn);
    });
  });

  it('refuses HTTP methods once the connection is a WebSocket', async () => {
    const refused: string[] = [];
    class Header extends TestHandler {
      override open() {
        const attempts: [string, () => unknown][] = [
          ['write', () => this.write('no')],
          ['redirect', () => this.redirect('http://localhost/elsewhere')],
          ['setHeader', () => this.setHeader('X-Test', '')],
          ['setCookie', () => this.setCookie('Chocolate', 'Chip')],
          ['setStatus', () => this.setStatus(503)],
          ['flush', () => this.flush()],
          ['finish', () => this.finish()],
        ];
        for (const [name, attempt] of attempts) {
          try {
            attempt();
          } catch (error) {
            if (error instanceof HandlerStateError) refused.push(name);
          }
        }
        void this.writeMessage(String(this));
      }
    }
    const app = new Application([['/header', Header]]);
    await serveApp(app, mode, function* (_fetch, h) {
      const conn = yield* connect(h, '/header');
      expect(yield* conn.readMessage()).toBe('<Header /header open>');
      yield* closeAndDrain(conn);
    });
    expect(refused).toEqual([
      'write',
      'redirect',
      'setHeader',
      'setCookie',
      'setStatus',
      'flush',
      'finish',
    ]);
  });

  it('checkOrigin: same host by default, with or without a path; another host or a partial URL is 403', async () => {
    const app = new Application([['/echo', EchoHandler]]);
    await serveApp(app, mode, function* (_fetch, h) {
      const url = `ws://127.0.0.1:${String(h.port)}/echo`;
      const withOrigin = (origin: string) =>
        websocketConnect(new HTTPRequest(url, { headers: { Origin: origin } }));
      for (const origin of [
        `http://127.0.0.1:${String(h.port)}`,
        `http://127.0.0.1:${String(h.port)}/something`,
      ]) {
        const conn = yield* withOrigin(origin);
        void conn.writeMessage('hello');
        expect(yield* conn.readMessage()).toBe('hello');
        yield* closeAndDrain(conn);
      }
      for (const origin of [
        `127.0.0.1:${String(h.port)}`,
        'http://somewhereelse.com',
        `http://subtenant.localhost`,
      ]) {
        const error = yield* failure(function* () {
          yield* withOrigin(origin);
        });
        expect(error).toBeInstanceOf(HTTPClientError);
        expect((error as HTTPClientError).code).toBe(403);
      }
    });
  });

  it('subprotocols: selectSubprotocol is called once with the offers; none offered is null', async () => {
    const calls: string[][] = [];
    class Subprotocol extends TestHandler {
      override selectSubprotocol(subprotocols: string[]) {
        calls.push(subprotocols);
        return subprotocols.includes('goodproto') ? 'goodproto' : null;
      }
      override open() {
        void this.writeMessage(`subprotocol=${String(this.selectedSubprotocol)}`);
      }
    }
    const app = new Application([['/subprotocol', Subprotocol]]);
    await serveApp(app, mode, function* (_fetch, h) {
      const a = yield* connect(h, '/subprotocol', { subprotocols: ['badproto', 'goodproto'] });
      expect(a.selectedSubprotocol).toBe('goodproto');
      expect(yield* a.readMessage()).toBe('subprotocol=goodproto');
      const b = yield* connect(h, '/subprotocol');
      expect(b.selectedSubprotocol).toBe(null);
      expect(yield* b.readMessage()).toBe('subprotocol=null');
      for (const conn of [a, b]) yield* closeAndDrain(conn);
    });
    expect(calls).toEqual([['badproto', 'goodproto'], []]);
  });

  it('the client fails with the HTTP error for 404 and for a redirect (not followed), WebSocketError for a 200', async () => {
    class NonWebSocket extends RequestHandler {
      override get() {
        this.write('ok');
      }
    }
    class Redirect extends RequestHandler {
      override get() {
        this.redirect('/echo');
      }
    }
    const app = new Application([
      ['/echo', EchoHandler],
      ['/non_ws', NonWebSocket],
      ['/redirect', Redirect],
    ]);
    await serveApp(app, mode, function* (_fetch, h) {
      const notFound = yield* failure(() => connect(h, '/notfound'));
      expect(notFound).toBeInstanceOf(HTTPClientError);
      expect((notFound as HTTPClientError).code).toBe(404);
      const redirect = yield* failure(() => connect(h, '/redirect'));
      expect((redirect as HTTPClientError).code).toBe(302);
      expect((redirect as HTTPClientError).response!.headers.get('Location')).toBe('/echo');
      const plain = yield* failure(() => connect(h, '/non_ws'));
      expect(plain).toBeInstanceOf(WebSocketError);
    });
    // Nobody listening: the connect error itself.
    await serveApp(new Application(), mode, function* () {
      const [sock, port] = bindUnusedPort();
      sock.close();
      const refused = yield* failure(function* () {
        yield* websocketConnect(`ws://127.0.0.1:${String(port)}/`, { connectTimeout: 3_600_000 });
      });
      expect((refused as { code?: string }).code).toBe('ECONNREFUSED');
    });
    expect(() => websocketConnect('http://127.0.0.1:1/')).toThrow(/unsupported url scheme/);
  });

  // ─── Messages ────────────────────────────────────────────────────────────────────────────

  it('a generator or async onMessage handles one message at a time, in order', async () => {
    class CoroutineOnMessage extends TestHandler {
      sleeping = 0;
      override *onMessage(message: string | Buffer) {
        if (this.sleeping > 0) void this.writeMessage('another coroutine is already sleeping');
        this.sleeping++;
        yield gen.sleep(10);
        this.sleeping--;
        void this.writeMessage(message);
      }
    }
    class NativeOnMessage extends TestHandler {
      sleeping = 0;
      override async onMessage(message: string | Buffer) {
        if (this.sleeping > 0) void this.writeMessage('another coroutine is already sleeping');
        this.sleeping++;
        await gen.sleep(10);
        this.sleeping--;
        void this.writeMessage(message);
      }
    }
    const app = new Application([
      ['/coroutine', CoroutineOnMessage],
      ['/native', NativeOnMessage],
    ]);
    await serveApp(app, mode, function* (_fetch, h) {
      for (const path of ['/coroutine', '/native']) {
        const conn = yield* connect(h, path);
        yield conn.writeMessage('hello1');
        yield conn.writeMessage('hello2');
        expect(yield* conn.readMessage()).toBe('hello1');
        expect(yield* conn.readMessage()).toBe('hello2');
        yield* closeAndDrain(conn);
      }
    });
  });

  it('open may be a coroutine: no message reaches onMessage before it is done', async () => {
    const messageSent = new Event();
    class OpenCoroutine extends TestHandler {
      openFinished = false;
      override *open() {
        yield messageSent.wait();
        yield gen.sleep(10);
        this.openFinished = true;
      }
      override onMessage() {
        if (!this.openFinished) throw new Error('onMessage called before open finished');
        void this.writeMessage('ok');
      }
    }
    const app = new Application([['/open_coroutine', OpenCoroutine]]);
    await serveApp(app, mode, function* (_fetch, h) {
      const conn = yield* connect(h, '/open_coroutine');
      yield conn.writeMessage('hello');
      messageSent.set();
      expect(yield* conn.readMessage()).toBe('ok');
      yield* closeAndDrain(conn);
    });
  });

  it('an exception in onMessage, open or an async open is logged and closes the connection with 1011', async () => {
    class ErrorInOnMessage extends TestHandler {
      override onMessage() {
        throw new Error('boom in onMessage');
      }
    }
    class ErrorInOpen extends TestHandler {
      override open() {
        throw new Error('boom in open');
      }
    }
    class ErrorInAsyncOpen extends TestHandler {
      override async open() {
        await gen.sleep(0);
        throw new Error('boom in async open');
      }
    }
    const app = new Application([
      ['/error_in_on_message', ErrorInOnMessage],
      ['/error_in_open', ErrorInOpen],
      ['/error_in_async_open', ErrorInAsyncOpen],
    ]);
    await serveApp(app, mode, function* (_fetch, h) {
      const a = yield* connect(h, '/error_in_on_message');
      void a.writeMessage('hello');
      expect(yield* a.readMessage()).toBe(null);
      expect([a.closeCode, a.closeReason]).toEqual([1011, 'internal error']);
      for (const path of ['/error_in_open', '/error_in_async_open']) {
        const conn = yield* connect(h, path);
        expect(yield* conn.readMessage()).toBe(null);
        expect(conn.closeCode).toBe(1011);
      }
    });
    const uncaught = logs.app.filter((r) => r.message.startsWith('Uncaught exception'));
    expect(uncaught).toHaveLength(3);
  });

  // ─── Closing ─────────────────────────────────────────────────────────────────────────────

  it('close codes and reasons go both ways; onClose is called once, whoever closed', async () => {
    let closes = 0;
    class CloseReason extends TestHandler {
      override open() {
        this.close(1001, 'goodbye');
      }
      override onClose() {
        closes++;
        super.onClose();
      }
    }
    const serverClosed: Closed = new Later();
    const clientClosed: Closed = new Later();
    const app = new Application([
      ['/close_reason', CloseReason, { closed: serverClosed }],
      ['/echo', EchoHandler, { closed: clientClosed }],
    ]);
    await serveApp(app, mode, function* (_fetch, h) {
      const a = yield* connect(h, '/close_reason');
      expect(yield* a.readMessage()).toBe(null);
      expect([a.closeCode, a.closeReason]).toEqual([1001, 'goodbye']);
      // The client echoed the code it got, so the server heard 1001 too.
      const [code] = yield* serverClosed.future;
      expect(code).toBe(1001);
      // Writing after the close is refused.
      expect(() => a.writeMessage('hello')).toThrow(WebSocketClosedError);
      expect(() => a.ping()).toThrow(WebSocketClosedError);

      const b = yield* connect(h, '/echo');
      yield* closeAndDrain(b, 1001, 'goodbye');
      expect(yield* clientClosed.future).toEqual([1001, 'goodbye']);
      expect(() => b.writeMessage('hello é')).toThrow(WebSocketClosedError);
    });
    expect(closes).toBe(1);
  });

  it('a handler that writes after the client left gets WebSocketClosedError; onClose sees no code', async () => {
    const outcome = new Later<unknown>();
    class Writer extends TestHandler {
      override onClose() {
        try {
          void this.writeMessage('too late');
          outcome.future.setResult('written');
        } catch (error) {
          outcome.future.setResult(error);
        }
        super.onClose();
      }
    }
    const closed: Closed = new Later();
    const app = new Application([['/writer', Writer, { closed }]]);
    await serveApp(app, mode, function* (_fetch, h) {
      const stream = yield* rawClient(h, '/writer');
      stream.close(); // no close frame: the connection is just gone
      expect(yield* closed.future).toEqual([null, null]);
      expect(yield* outcome.future).toBeInstanceOf(WebSocketClosedError);
    });
  });

  it('a peer that never answers our close is dropped after the close timeout (5 s)', async () => {
    class Closer extends TestHandler {
      override open() {
        this.close(1000, 'bye');
      }
    }
    const closed: Closed = new Later();
    const app = new Application([['/closer', Closer, { closed }]]);
    const started = Date.now();
    await serveApp(app, mode, function* (_fetch, h) {
      const stream = yield* rawClient(h, '/closer');
      const frames = yield* framesUntilClose(stream);
      expect(closeOf(frames)).toEqual([1000, 'bye']);
      expect(yield* closed.future).toEqual([null, null]);
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
  }, 15_000);

  // ─── Pings ───────────────────────────────────────────────────────────────────────────────

  it('pings: manual ones reach onPing as bytes; periodic ones both ways; a control payload over 125 bytes is refused', async () => {
    class ManualPing extends TestHandler {
      override onPing(data: Buffer) {
        void this.writeMessage(data, { binary: true });
      }
    }
    class PongCounter extends TestHandler {
      override onPong() {
        void this.writeMessage('got pong');
      }
    }
    class PingCounter extends TestHandler {
      override onPing() {
        void this.writeMessage('got ping');
      }
    }
    const manual = new Application([['/', ManualPing]]);
    await serveApp(manual, mode, function* (_fetch, h) {
      const conn = yield* connect(h, '/');
      expect(() => conn.ping('a'.repeat(126))).toThrow(RangeError);
      conn.ping('hello');
      expect(yield* conn.readMessage()).toEqual(Buffer.from('hello'));
      conn.ping(Buffer.from('binary hello'));
      expect(yield* conn.readMessage()).toEqual(Buffer.from('binary hello'));
      yield* closeAndDrain(conn);
    });
    const serverPings = new Application([['/', PongCounter]], {
      websocketPingInterval: 0.01,
      websocketPingTimeout: 0,
    });
    await serveApp(serverPings, mode, function* (_fetch, h) {
      const conn = yield* connect(h, '/');
      for (let i = 0; i < 3; i++) expect(yield* conn.readMessage()).toBe('got pong');
      yield* closeAndDrain(conn);
    });
    const clientPings = new Application([['/', PingCounter]]);
    await serveApp(clientPings, mode, function* (_fetch, h) {
      const conn = yield* connect(h, '/', { pingInterval: 0.01, pingTimeout: 0 });
      for (let i = 0; i < 3; i++) expect(yield* conn.readMessage()).toBe('got ping');
      yield* closeAndDrain(conn);
    });
  });

  it('pingInterval/pingTimeout close a peer that stops answering pings', async () => {
    const closed: Closed = new Later();
    const app = new Application([['/', TestHandler, { closed }]], {
      websocketPingInterval: 0.05,
      websocketPingTimeout: 0.05,
    });
    await serveApp(app, mode, function* (_fetch, h) {
      // A live client keeps answering: still open after several intervals.
      const live = yield* connect(h, '/');
      yield gen.sleep(250);
      expect(String(live)).toMatch(/ open>$/);
      yield* closeAndDrain(live);
      // A dead one (raw, answering nothing) hears a ping, then the close.
      const dead = yield* rawClient(h, '/');
      const frames = yield* framesUntilClose(dead);
      expect(frames[0]![0]).toBe(0x89); // a ping
      expect(closeOf(frames)).toEqual([1000, 'ping timed out']);
    });
  }, 15_000);

  // ─── Limits and compression ──────────────────────────────────────────────────────────────

  it('maxMessageSize: a message over the limit closes the connection with 1009', async () => {
    const app = new Application([['/', EchoHandler]], { websocketMaxMessageSize: 1024 });
    await serveApp(app, mode, function* (_fetch, h) {
      const conn = yield* connect(h, '/');
      void conn.writeMessage('a'.repeat(1024));
      expect(yield* conn.readMessage()).toBe('a'.repeat(1024));
      void conn.writeMessage('a'.repeat(1025));
      expect(yield* conn.readMessage()).toBe(null);
      expect([conn.closeCode, conn.closeReason]).toEqual([1009, 'message too big']);
      // Fragments count together.
      const raw = yield* rawClient(h, '/');
      void raw.write(Buffer.concat([frame(0x01, 'a'.repeat(600)), frame(0x80, 'a'.repeat(600))]));
      expect(closeOf(yield* framesUntilClose(raw))![0]).toBe(1009);
    });
  });

  const MESSAGE = 'Hello world. Testing 123 123';
  for (const [name, server, client, compressed] of [
    ['no compression', null, null, false],
    ['server-only compression (not negotiated)', {}, null, false],
    ['client-only compression (not negotiated)', null, {}, false],
    ['compression on both sides, with context takeover', {}, {}, true],
  ] as const) {
    it(`${name}: messages round-trip, and the wire bytes say whether they were compressed`, async () => {
      class Limited extends TestHandler {
        override get maxMessageSize() {
          return 1024;
        }
        override onMessage(message: string | Buffer) {
          void this.writeMessage(String(message.length));
        }
      }
      const app = new Application([
        ['/echo', EchoHandler, { compression: server }],
        ['/limited', Limited, { compression: server }],
      ]);
      await serveApp(app, mode, function* (_fetch, h) {
        const conn = yield* connect(h, '/echo', { compressionOptions: client });
        const protocol = conn.protocol!;
        expect(protocol.compressed).toBe(compressed);
        for (let i = 0; i < 3; i++) {
          void conn.writeMessage(MESSAGE);
          expect(yield* conn.readMessage()).toBe(MESSAGE);
        }
        expect(protocol.messageBytesOut).toBe(MESSAGE.length * 3);
        expect(protocol.messageBytesIn).toBe(MESSAGE.length * 3);
        if (compressed) {
          expect(protocol.wireBytesOut).toBeLessThan(3 * (MESSAGE.length + 6));
          expect(protocol.wireBytesIn).toBeLessThan(3 * (MESSAGE.length + 2));
          // The mask key is 4 bytes a message.
          expect(protocol.wireBytesOut).toBe(protocol.wireBytesIn + 12);
        } else {
          expect(protocol.wireBytesOut).toBe(3 * (MESSAGE.length + 6));
          expect(protocol.wireBytesIn).toBe(3 * (MESSAGE.length + 2));
        }
        yield* closeAndDrain(conn);

        const limited = yield* connect(h, '/limited', { compressionOptions: client });
        void limited.writeMessage('a'.repeat(128));
        expect(yield* limited.readMessage()).toBe('128');
        // Too big once inflated, though small compressed: refused all the same.
        void limited.writeMessage('a'.repeat(2048));
        expect(yield* limited.readMessage()).toBe(null);
        expect(limited.closeCode).toBe(1009);
      });
    });
  }

  // ws runs on Node's own sockets, which a blocking loop does not let run.
  it.skipIf(mode === 'blocking')(
    'compression negotiated with ws (npm): with and without context takeover on each side',
    async () => {
      const sizes: number[][] = [];
      class Measuring extends TestHandler {
        #last = 0;
        override onMessage(message: string | Buffer) {
          const protocol = this.wsConnection!;
          sizes.at(-1)!.push(protocol.wireBytesIn - this.#last);
          this.#last = protocol.wireBytesIn;
          void this.writeMessage(message);
        }
      }
      const app = new Application([['/', Measuring, { compression: { compressionLevel: 9 } }]]);
      await serveApp(app, mode, function* (_fetch, h) {
        for (const noTakeover of [false, true]) {
          sizes.push([]);
          const done = future<[string[], string]>();
          const ws = new WebSocket(`ws://127.0.0.1:${String(h.port)}/`, {
            perMessageDeflate: {
              threshold: 0,
              clientNoContextTakeover: noTakeover,
              serverNoContextTakeover: noTakeover,
            },
          });
          const got: string[] = [];
          // One message at a time: the server counts wire bytes per read, and three messages sent
          // at once may arrive in one read (then the first would seem to carry all three).
          const send = () => ws.send('a fairly repetitive message, a fairly repetitive message');
          ws.on('open', send);
          ws.on('message', (data) => {
            got.push((data as Buffer).toString());
            if (got.length === 3) ws.close(1000);
            else send();
          });
          ws.on('close', () => done.setResult([got, ws.extensions]));
          const [messages, extensions] = yield* done;
          expect(messages).toEqual(
            Array(3).fill('a fairly repetitive message, a fairly repetitive message'),
          );
          expect(extensions).toMatch(/permessage-deflate/);
        }
      });
      const [takeover, fresh] = sizes;
      // With context takeover the second message refers to the first and is smaller; without, each
      // is compressed alone and all three are the same size.
      expect(takeover![1]).toBeLessThan(takeover![0]!);
      expect(new Set(fresh).size).toBe(1);
    },
  );

  // ─── The protocol against a raw client ───────────────────────────────────────────────────

  it('refuses bad frames with 1002: reserved bits, unknown opcodes, long or fragmented control frames, stray continuations, unmasked frames', async () => {
    const app = new Application([['/echo', EchoHandler]]);
    const cases: [string, Buffer][] = [
      ['RSV2 set', frame(0xa1, 'x')],
      ['RSV1 without deflate', frame(0xc1, 'x')],
      ['opcode 3', frame(0x83, 'x')],
      ['opcode 11', frame(0x8b, 'x')],
      ['ping of 126 bytes', frame(0x89, 'p'.repeat(126))],
      ['fragmented ping', frame(0x09, 'p')],
      ['continuation without a message', frame(0x80, 'x')],
      ['new message inside a fragmented one', Buffer.concat([frame(0x01, 'a'), frame(0x81, 'b')])],
      ['unmasked client frame', frame(0x81, 'x', false)],
      ['1-byte close payload', frame(0x88, Buffer.from([3]))],
      ['close code 999', frame(0x88, Buffer.from([0x03, 0xe7]))],
      ['close code 1005', frame(0x88, Buffer.from([0x03, 0xed]))],
      ['close code 2999', frame(0x88, Buffer.from([0x0b, 0xb7]))],
    ];
    await serveApp(app, mode, function* (_fetch, h) {
      for (const [name, bytes] of cases) {
        const stream = yield* rawClient(h);
        void stream.write(bytes);
        const close = closeOf(yield* framesUntilClose(stream));
        expect(close?.[0], name).toBe(1002);
      }
    });
  });

  it('fragments with control frames between them make one message; valid close codes are echoed', async () => {
    const app = new Application([['/echo', EchoHandler]]);
    await serveApp(app, mode, function* (_fetch, h) {
      const stream = yield* rawClient(h);
      void stream.write(
        Buffer.concat([
          frame(0x01, 'frag'),
          frame(0x89, 'ping in between'),
          frame(0x00, 'men'),
          frame(0x8a, 'unsolicited pong'),
          frame(0x80, 'ted'),
          frame(0x88, Buffer.concat([Buffer.from([0x0f, 0xa0]), Buffer.from('ciao')])), // 4000
        ]),
      );
      const frames = yield* framesUntilClose(stream);
      expect(frames.map(([first, payload]) => [first, payload.toString('latin1')])).toEqual([
        [0x8a, 'ping in between'],
        [0x81, 'fragmented'],
        [0x88, '\x0f\xa0'],
      ]);
    });
  });

  it('invalid UTF-8 closes with 1007 as soon as a fragment shows it, before the message ends', async () => {
    let messages = 0;
    class Counting extends EchoHandler {
      override onMessage(message: string | Buffer) {
        messages++;
        return super.onMessage(message);
      }
    }
    const app = new Application([['/echo', Counting]]);
    await serveApp(app, mode, function* (_fetch, h) {
      // Valid text split inside characters is fine.
      const euro = Buffer.from('κόσμε €', 'utf8');
      const ok = yield* rawClient(h);
      void ok.write(
        Buffer.concat([frame(0x01, euro.subarray(0, 3)), frame(0x80, euro.subarray(3))]),
      );
      const echoed = yield* ok.readBytes(2 + euro.length);
      expect(echoed.subarray(2)).toEqual(euro);
      ok.close();
      // A surrogate in the first fragment: refused without waiting for the rest.
      const bad = yield* rawClient(h);
      void bad.write(frame(0x01, Buffer.from([0x61, 0xed, 0xa0, 0x80])));
      expect(closeOf(yield* framesUntilClose(bad))![0]).toBe(1007);
      // Invalid in a single frame, and in a close reason.
      for (const bytes of [
        frame(0x81, Buffer.from([0xc0, 0x80])),
        frame(0x88, Buffer.from([0x03, 0xe8, 0xff])),
      ]) {
        const stream = yield* rawClient(h);
        void stream.write(bytes);
        expect(closeOf(yield* framesUntilClose(stream))![0]).toBe(1007);
      }
    });
    expect(messages).toBe(1);
  });

  // ws runs on Node's own sockets, which a blocking loop does not let run.
  it.skipIf(mode === 'blocking')(
    'interoperates with ws (npm): large, fragmented-by-size and binary messages, close codes',
    async () => {
      const closed: Closed = new Later();
      const app = new Application([['/echo', EchoHandler, { closed }]]);
      await serveApp(app, mode, function* (_fetch, h) {
        const done = future<unknown[]>();
        const ws = new WebSocket(`ws://127.0.0.1:${String(h.port)}/echo`);
        const got: unknown[] = [];
        ws.on('open', () => {
          ws.send('Ünïcödé '.repeat(20_000));
          ws.send(Buffer.alloc(100_000, 1));
          ws.send('x');
        });
        ws.on('message', (data, binary) => {
          got.push(binary ? (data as Buffer).length : (data as Buffer).toString().length);
          if (got.length === 3) ws.close(4001, 'ws is done');
        });
        ws.on('close', (code) => done.setResult([...got, code]));
        expect(yield* done).toEqual([160_000, 100_000, 1, 4001]);
        expect(yield* closed.future).toEqual([4001, 'ws is done']);
      });
    },
  );

  it('leaves no fd open after many connections, whoever closes', async () => {
    const before = openSockets();
    const app = new Application([['/echo', EchoHandler]]);
    await serveApp(app, mode, function* (_fetch, h) {
      for (let i = 0; i < 20; i++) {
        const conn = yield* connect(h, '/echo');
        void conn.writeMessage(`m${String(i)}`);
        expect(yield* conn.readMessage()).toBe(`m${String(i)}`);
        if (i % 2 === 0) yield* closeAndDrain(conn);
        else {
          conn.protocol!.stream!.close(); // gone without a close frame
          expect(yield* conn.readMessage()).toBe(null);
        }
      }
    });
    for (let i = 0; i < 100 && openSockets() > before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(openSockets()).toBeLessThanOrEqual(before);
  });
});

describe('@aio/tornado/websocket surface', () => {
  it('exports exactly these names, with stable error codes', async () => {
    const api = await import('./websocket');
    expect(Object.keys(api).sort()).toEqual([
      'DEFAULT_MAX_MESSAGE_SIZE',
      'WebSocketClientConnection',
      'WebSocketClosedError',
      'WebSocketError',
      'WebSocketHandler',
      'WebSocketProtocol',
      'WebSocketProtocolError',
      'computeAcceptValue',
      'websocketConnect',
    ]);
    expect([
      new WebSocketError('x').code,
      new WebSocketClosedError().code,
      new api.WebSocketProtocolError('x').code,
    ]).toEqual(['ERR_AIO_WEBSOCKET', 'ERR_AIO_WEBSOCKET_CLOSED', 'ERR_AIO_WEBSOCKET_PROTOCOL']);
    expect(new WebSocketClosedError()).toBeInstanceOf(WebSocketError);
    expect(api.DEFAULT_MAX_MESSAGE_SIZE).toBe(10 * 1024 * 1024);
  });
});

describe('onMessageCallback', () => {
  it('gets every message, then null; readMessage never resolves', async () => {
    const app = new Application([['/echo', EchoHandler]]);
    const seen: (string | Buffer | null)[] = [];
    await serveApp(app, 'hosted', function* (_fetch, h) {
      const conn = yield* connect(h, '/echo', { onMessageCallback: (m) => seen.push(m) });
      const pending = conn.readMessage();
      void conn.writeMessage('one');
      void conn.writeMessage('two');
      yield* until(() => seen.length === 2);
      conn.close();
      yield* until(() => seen.length === 3);
      expect(pending.done()).toBe(false);
      pending.cancel();
    });
    expect(seen).toEqual(['one', 'two', null]);
  });
});

/** Sockets open in this process (Linux). */
function openSockets(): number {
  let count = 0;
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${name}`).startsWith('socket:')) count++;
    } catch {
      // the fd readdir used
    }
  }
  return count;
}
