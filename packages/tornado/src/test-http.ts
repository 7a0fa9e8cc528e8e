/**
 * For the HTTP server tests: an `HTTPServer` on 127.0.0.1 started inside a test's loop and shut
 * down (every connection closed) before the test's main task returns, raw clients (IOStreams)
 * that show the exact bytes on the wire, a small response reader, the request callbacks the
 * tests share, and log capture.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach } from 'vitest';
import { sleep } from '@aio/coroutine';
import { Future } from '@aio/future';
import { AF_INET, AF_UNIX, SOCK_STREAM, Socket } from '@aio/selector';
import { HTTP1Connection } from './http1connection';
import { HTTPServer, type HTTPServerOptions, type RequestCallback } from './httpserver';
import {
  HTTPHeaders,
  ResponseStartLine,
  type HTTPServerConnectionDelegate,
  type HTTPServerRequest,
} from './httputil';
import { IOStream, SSLIOStream, type BaseIOStream } from './iostream';
import {
  addHandler,
  appLog,
  genLog,
  removeHandler,
  setLevel,
  type Handler,
  type LogRecord,
} from './log';
import { closeLoops } from './locks/test-support';
import { bindSockets } from './netutil';
import type { SSLOptions } from './netutil';

const TLS = fileURLToPath(new URL('../../../tooling/fixtures/tls/', import.meta.url));
/** The server side of the test certificates (CN localhost, signed by ca.pem). */
export const SERVER_TLS = { certfile: `${TLS}server.pem`, keyfile: `${TLS}server.key` };
/** A client that trusts the test CA. */
export const CLIENT_TLS = { caCerts: `${TLS}ca.pem` };

/** Streams and servers a test made, closed after it whatever happened (for `afterEach`). */
const leftovers: { streams: BaseIOStream[]; sockets: Socket[]; servers: HTTPServer[] } = {
  streams: [],
  sockets: [],
  servers: [],
};

/** Closes what a failed test may have left open; for `afterEach` (before `closeLoops()`). */
export function closeLeftovers(): void {
  for (const stream of leftovers.streams.splice(0)) stream.close();
  for (const sock of leftovers.sockets.splice(0)) if (!sock.closed) sock.close();
  for (const server of leftovers.servers.splice(0)) server.stop();
}

/** A running server and the clients a test opened to it. */
export class Harness {
  readonly server: HTTPServer;
  readonly port: number;
  readonly clients: BaseIOStream[] = [];
  readonly rawSockets: Socket[] = [];

  constructor(server: HTTPServer, port: number) {
    this.server = server;
    this.port = port;
  }

  /** A plain TCP client connected to the server. */
  *connect(): Generator<unknown, IOStream, unknown> {
    const stream = this.track(new IOStream(new Socket(AF_INET, SOCK_STREAM)));
    return yield* stream.connect(['127.0.0.1', this.port]);
  }

  /** A TLS client connected to the server (it trusts the test CA, and expects `localhost`). */
  *connectTls(sslOptions: SSLOptions = CLIENT_TLS): Generator<unknown, SSLIOStream, unknown> {
    const stream = this.track(new SSLIOStream(new Socket(AF_INET, SOCK_STREAM), { sslOptions }));
    return yield* stream.connect(['127.0.0.1', this.port], 'localhost');
  }

  /** A client on a Unix socket at `path`. */
  *connectUnix(path: string): Generator<unknown, IOStream, unknown> {
    const stream = this.track(new IOStream(new Socket(AF_UNIX, SOCK_STREAM)));
    return yield* stream.connect(path);
  }

  /**
   * A bare non-blocking socket connected to the server, for what an IOStream hides: sending
   * after the server's FIN, and telling a reset from a clean close.
   */
  rawSocket(): RawClient {
    const sock = new Socket(AF_INET, SOCK_STREAM);
    leftovers.sockets.push(sock);
    this.rawSockets.push(sock);
    sock.connect(['127.0.0.1', this.port]);
    sock.setBlocking(false);
    return new RawClient(sock);
  }

  track<S extends BaseIOStream>(stream: S): S {
    this.clients.push(stream);
    leftovers.streams.push(stream);
    return stream;
  }

  /** One request on a new connection: writes `raw`, reads one response. */
  *fetch(raw: string | Buffer, options: ReadOptions = {}): Generator<unknown, Response, unknown> {
    const stream = yield* this.connect();
    void stream.write(raw);
    return yield* readResponse(stream, options);
  }

  /** One request on a new connection: writes `raw`, returns every byte until the server closes. */
  *rawFetch(raw: string | Buffer): Generator<unknown, string, unknown> {
    const stream = yield* this.connect();
    void stream.write(raw);
    return (yield* stream.readUntilClose()).toString('latin1');
  }

  /** Stops accepting, closes the clients, and waits until the server has closed every connection. */
  *shutdown(): Generator<unknown, void, unknown> {
    this.server.stop();
    for (const client of this.clients.splice(0)) client.close();
    for (const sock of this.rawSockets.splice(0)) if (!sock.closed) sock.close();
    yield* this.server.closeAllConnections();
  }
}

/**
 * Starts an `HTTPServer` on 127.0.0.1 (an unused port), runs `body` with it, and shuts it down
 * however `body` ended: each connection closed before the test's loop is checked for timers.
 */
export function* withServer<T>(
  handler: RequestCallback | HTTPServerConnectionDelegate,
  options: HTTPServerOptions,
  body: (harness: Harness) => Generator<unknown, T, unknown>,
): Generator<unknown, T, unknown> {
  const server = new HTTPServer(handler, options);
  leftovers.servers.push(server);
  const [listener] = bindSockets(0, '127.0.0.1');
  server.addSockets([listener!]);
  const harness = new Harness(server, (listener!.getsockname() as [string, number])[1]);
  try {
    return yield* body(harness);
  } finally {
    yield* harness.shutdown();
  }
}

/** A non-blocking socket polled from the loop (the server runs on the same loop). */
export class RawClient {
  constructor(readonly sock: Socket) {}

  /** Sends it all (small writes: the kernel takes them at once). */
  send(data: string | Buffer): void {
    this.sock.sendall(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /**
   * Reads until EOF, a reset, or `ms` milliseconds: what came, and how it ended (`'eof'`, the
   * error's code such as `'ECONNRESET'`, or `'timeout'`).
   */
  *readUntilClose(ms = 2000): Generator<unknown, { data: string; end: string }, unknown> {
    const buffer = Buffer.alloc(65536);
    let data = '';
    const deadline = Date.now() + ms;
    for (;;) {
      let n: number;
      try {
        n = this.sock.tryRecvInto(buffer);
      } catch (error) {
        return { data, end: String((error as { code?: string }).code ?? error) };
      }
      if (n === 0) return { data, end: 'eof' };
      if (n > 0) {
        data += buffer.subarray(0, n).toString('latin1');
        continue;
      }
      if (Date.now() > deadline) return { data, end: 'timeout' };
      yield* sleep(1);
    }
  }

  close(): void {
    if (!this.sock.closed) this.sock.close();
  }
}

/** A response as read off the wire. */
export interface Response {
  version: string;
  code: number;
  reason: string;
  headers: HTTPHeaders;
  body: Buffer;
  /** The status line and header block, exactly as sent. */
  head: string;
  /** For a chunked body: each chunk's size, in order (the last, empty one left out). */
  chunks: number[] | null;
}

export interface ReadOptions {
  /** The request was HEAD: the response has no body, whatever its headers say. */
  head?: boolean;
}

/**
 * Reads one response from `stream`: the status line and headers, then the body as its headers
 * frame it (none for HEAD, 1xx, 204 and 304; chunked; a Content-Length; or until the close).
 */
export function* readResponse(
  stream: BaseIOStream,
  options: ReadOptions = {},
): Generator<unknown, Response, unknown> {
  const head = (yield* stream.readUntil('\r\n\r\n')).toString('latin1');
  const eol = head.indexOf('\r\n');
  const line = head.slice(0, eol);
  const match = /^(HTTP\/\d\.\d) (\d{3}) ?(.*)$/.exec(line);
  if (match === null) throw new Error(`not a status line: ${JSON.stringify(line)}`);
  const code = Number(match[2]);
  const headers = HTTPHeaders.parse(head.slice(eol + 2));
  let body: Buffer = Buffer.alloc(0);
  let chunks: number[] | null = null;
  const length = headers.get('Content-Length');
  if (options.head === true || code < 200 || code === 204 || code === 304) {
    // no body
  } else if (headers.get('Transfer-Encoding')?.toLowerCase() === 'chunked') {
    chunks = [];
    const parts: Buffer[] = [];
    for (;;) {
      const sizeLine = (yield* stream.readUntil('\r\n')).toString('latin1');
      const size = parseInt(sizeLine, 16);
      if (!/^[0-9a-f]+\r\n$/i.test(sizeLine)) throw new Error(`bad chunk size line ${sizeLine}`);
      if (size === 0) {
        const end = (yield* stream.readUntil('\r\n')).toString('latin1');
        if (end !== '\r\n') throw new Error(`trailers: ${end}`);
        break;
      }
      const data = yield* stream.readBytes(size + 2);
      if (data.subarray(size).toString('latin1') !== '\r\n')
        throw new Error('chunk not ended by CRLF');
      parts.push(data.subarray(0, size));
      chunks.push(size);
    }
    body = Buffer.concat(parts);
  } else if (length !== undefined) {
    const n = Number(length);
    if (n > 0) body = yield* stream.readBytes(n);
  } else {
    body = yield* stream.readUntilClose();
  }
  return {
    version: match[1]!,
    code,
    reason: match[3]!,
    headers,
    body,
    head,
    chunks,
  };
}

/** Answers `request` with `code` and `body` (and a Content-Length), then finishes. */
export function respond(
  request: HTTPServerRequest,
  body: string | Buffer = '',
  code = 200,
  extra: Record<string, string> = {},
): void {
  const connection = request.connection!;
  const reason = code === 200 ? 'OK' : 'Whatever';
  void connection.writeHeaders(
    new ResponseStartLine('HTTP/1.1', code, reason),
    new HTTPHeaders({ 'Content-Length': String(Buffer.byteLength(body)), ...extra }),
    body,
  );
  connection.finish();
}

/** tornado's HelloWorldRequestHandler: GET says hello, POST counts the body. */
export function hello(request: HTTPServerRequest): void {
  respond(
    request,
    request.method === 'POST' ? `Got ${request.body.length} bytes in POST` : 'Hello world',
  );
}

/** tornado's EchoHandler: the request's arguments (query and body), values as UTF-8 text, as JSON. */
export function echo(request: HTTPServerRequest): void {
  const out: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(request.arguments)) {
    out[name] = values.map((value) => value.toString('utf8'));
  }
  respond(request, JSON.stringify(out), 200, { 'Content-Type': 'application/json' });
}

/** `connection` as the HTTP1Connection an HTTPServer's requests have (checked). */
export function http1(connection: unknown): HTTP1Connection {
  if (!(connection instanceof HTTP1Connection)) {
    throw new TypeError(`not an HTTP1Connection: ${String(connection)}`);
  }
  return connection;
}

/** A future settled by `loop.callLater(ms)`: what a slow delegate returns. */
export function later<T>(loop: import('@aio/loop').EventLoop, ms: number, value: T): Future<T> {
  const future = new Future<T>(loop);
  loop.callLater(ms, () => {
    if (!future.done()) future.setResult(value);
  });
  return future;
}

/** What `tornado.general` (info and up) and `tornado.application` log, recorded instead of printed. */
export interface CapturedLogs {
  readonly gen: LogRecord[];
  readonly app: LogRecord[];
  /** Every message, both loggers. */
  messages(): string[];
  stop(): void;
}

/**
 * The hooks of an HTTP test file, registered where it is called (at the top of the file): before
 * each test the tornado loggers are captured; after it the capture stops, the streams and sockets
 * the test left are closed (`closeLeftovers`) and so are its loops. Returns the captured logs,
 * always those of the test running now.
 */
export function useHttpTestHooks(): CapturedLogs {
  let current: CapturedLogs | null = null;
  const now = (): CapturedLogs => {
    if (current === null) throw new Error('useHttpTestHooks(): the logs are read outside a test');
    return current;
  };
  beforeEach(() => {
    current = captureLogs();
  });
  afterEach(() => {
    current?.stop();
    current = null;
    closeLeftovers();
    closeLoops();
  });
  return {
    get gen() {
      return now().gen;
    },
    get app() {
      return now().app;
    },
    messages: () => now().messages(),
    stop: () => now().stop(),
  };
}

export function captureLogs(): CapturedLogs {
  const gen: LogRecord[] = [];
  const app: LogRecord[] = [];
  const genHandler: Handler = { level: 0, handle: (r) => void gen.push(r), close: () => {} };
  const appHandler: Handler = { level: 0, handle: (r) => void app.push(r), close: () => {} };
  addHandler(genLog, genHandler);
  addHandler(appLog, appHandler);
  setLevel(genLog, 'debug');
  return {
    gen,
    app,
    messages: () => [...gen, ...app].map((record) => record.message),
    stop: () => {
      setLevel(genLog, null);
      removeHandler(genLog, genHandler);
      removeHandler(appLog, appHandler);
    },
  };
}

/** The exact bytes of the server's answer to bad input. */
export function errorResponse(status: number, reason: string): string {
  return `HTTP/1.1 ${String(status)} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
}

export const BAD_REQUEST = errorResponse(400, 'Bad Request');
