/**
 * IOStream — the themes of tornado's iostream_test.py (TestReadWriteMixin, TestIOStreamMixin):
 * read semantics (until, regex, bytes, partial, into, until close), max_bytes, close with
 * buffered data, write futures and flow control, errors (a reset peer, a full buffer, a read
 * while reading), and ours: no bytes lost when a reading task is cancelled as it is woken. Real
 * TCP connections on 127.0.0.1 in both loop modes; each loop is fresh, on real time.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Future, CancelledError } from '@aio/future';
import { getRunningLoop, type LoopMode } from '@aio/loop';
import { ConcurrentReadError, createTask, sleep } from '@aio/coroutine';
import {
  AF_INET,
  ConnectionRefusedError,
  ConnectionResetError,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_LINGER,
  Socket,
  socketpair,
  pipe,
  BrokenPipeError,
} from '@aio/selector';
import * as iostream from './iostream';
import {
  BaseIOStream,
  IOStream,
  PipeIOStream,
  SSLIOStream,
  type IOStreamOptions,
  StreamBufferFullError,
  StreamClosedError,
  UnsatisfiableReadError,
} from './iostream';
import { bindSockets } from './netutil';
import { MODES, closeLoops, main, thrown } from './locks/test-support';
import { PACKAGE_ROOT, TS_FLAGS, collect } from './test-run-ts';
import { addHandler, genLog, removeHandler, setLevel, type Handler, type LogRecord } from './log';

const sockets: Socket[] = [];
const streams: BaseIOStream[] = [];

afterEach(() => {
  for (const stream of streams.splice(0)) stream.close();
  for (const sock of sockets.splice(0)) if (!sock.closed) sock.close();
  closeLoops();
});

/** What the read and write themes run over: plain TCP, and TLS (tornado's TestIOStreamSSL). */
type Transport = 'TCP' | 'TLS';
const CASES = MODES.flatMap((mode) => (['TCP', 'TLS'] as const).map((t) => [mode, t] as const));
const TLS_FIXTURES = fileURLToPath(new URL('../../../tooling/fixtures/tls/', import.meta.url));
const serverTls = { certfile: `${TLS_FIXTURES}server.pem`, keyfile: `${TLS_FIXTURES}server.key` };
const clientTls = { caCerts: `${TLS_FIXTURES}ca.pem` };

/**
 * A connected pair over TCP loopback: [server side, client side], both IOStreams — SSLIOStreams
 * over `'TLS'`, their handshake under way (reads and writes wait for it).
 */
function pairOf(
  options: ConstructorParameters<typeof IOStream>[1] = {},
  transport: Transport = 'TCP',
): [IOStream, IOStream] {
  const [listener] = bindSockets(0, '127.0.0.1');
  sockets.push(listener!);
  const client = new Socket(AF_INET, SOCK_STREAM);
  client.connect(listener!.getsockname());
  const [server] = listener!.accept();
  listener!.close();
  client.setBlocking(false);
  const pair: [IOStream, IOStream] =
    transport === 'TCP'
      ? [new IOStream(server, options), new IOStream(client)]
      : [
          new SSLIOStream(server, { ...options, sslOptions: serverTls, serverSide: true }),
          new SSLIOStream(client, { sslOptions: clientTls, serverHostname: 'localhost' }),
        ];
  streams.push(...pair);
  return pair;
}

/** Records what `tornado.general` logs while `fn` runs. */
async function withGenLog<T>(fn: (records: LogRecord[]) => Promise<T>): Promise<T> {
  const records: LogRecord[] = [];
  const handler: Handler = { level: 0, handle: (r) => void records.push(r), close: () => {} };
  addHandler(genLog, handler);
  setLevel(genLog, 'debug'); // info records too ("Unsatisfiable read")
  try {
    return await fn(records);
  } finally {
    setLevel(genLog, null);
    removeHandler(genLog, handler);
  }
}

function later<T>(ms: number, fn: () => T): Future<T> {
  const future = new Future<T>(getRunningLoop());
  getRunningLoop().callLater(ms, () => future.setResult(fn()));
  return future;
}

it('exports the names it promises', () => {
  expect(Object.keys(iostream).sort()).toEqual([
    'BaseIOStream',
    'IOStream',
    'PipeIOStream',
    'SSLHandshakeTimeoutError',
    'SSLIOStream',
    'StreamBufferFullError',
    'StreamClosedError',
    'UnsatisfiableReadError',
  ]);
});

describe.each(CASES)('IOStream reads (%s mode, %s)', (mode: LoopMode, transport: Transport) => {
  const streamPair = (options: IOStreamOptions = {}): [IOStream, IOStream] =>
    pairOf(options, transport);
  const run = <T>(body: () => Generator<unknown, T, unknown>): Promise<T> =>
    main(body, mode, 'real');

  it('readUntil, readUntilRegex, readBytes and readUntilClose take what they promise', async () => {
    const got = await run(function* () {
      const [server, client] = streamPair();
      yield* client.write('HTTP/1.1 200 OK\r\nA: b\r\n\r\nhello worldtail bytes');
      const line = yield* server.readUntil('\r\n');
      const header = yield* server.readUntilRegex(/\r\n\r\n/);
      const five = yield* server.readBytes(5);
      const space = yield* server.readBytes(1);
      const rest = later(20, () => client.close());
      const tail = yield* server.readUntilClose();
      yield* rest;
      return [line, header, five, space, tail].map(String);
    });
    expect(got).toEqual(['HTTP/1.1 200 OK\r\n', 'A: b\r\n\r\n', 'hello', ' ', 'worldtail bytes']);
  });

  it('readBytes with partial is done with what is there, up to the size asked', async () => {
    const got = await run(function* () {
      const [server, client] = streamPair();
      yield* client.write('abc');
      const first = yield* server.readBytes(50, { partial: true });
      yield* client.write('defgh');
      const second = yield* server.readBytes(2, { partial: true });
      const third = yield* server.readBytes(50, { partial: true });
      return [first, second, third].map(String);
    });
    expect(got).toEqual(['abc', 'de', 'fgh']);
  });

  it('readInto fills the caller’s buffer, or part of it with partial', async () => {
    const got = await run(function* () {
      const [server, client] = streamPair();
      const target = Buffer.alloc(6);
      yield* client.write('hel');
      const waiting = server.readInto(target);
      expect(waiting.done()).toBe(false);
      yield* client.write('lo!');
      const n = yield* waiting;
      yield* client.write('xy');
      const partialTarget = Buffer.alloc(10);
      const m = yield* server.readInto(partialTarget, { partial: true });
      return [n, target.toString(), m, partialTarget.subarray(0, m).toString()];
    });
    expect(got).toEqual([6, 'hello!', 2, 'xy']);
  });

  it('reads a delimiter split across many small writes, and a line longer than 64 KiB', async () => {
    const got = await run(function* () {
      const [server, client] = streamPair();
      for (const piece of ['ab', 'c\r', '\nd']) {
        yield* client.write(piece);
        yield* sleep(2);
      }
      const line = yield* server.readUntil('\r\n');
      const long = 'x'.repeat(200_000);
      client.write(`${long}\n`);
      const longLine = yield* server.readUntil('\n');
      return [String(line), longLine.length];
    });
    expect(got).toEqual(['abc\r\n', 200_002]); // 'd', the x's, '\n'
  });

  it('readUntil with maxBytes: found within it is fine, past it closes the stream', async () => {
    const [ok, error, closed] = await withGenLog(async (records) => {
      const result = await run(function* () {
        const [server, client] = streamPair();
        yield* client.write('abcd\r\nefgh');
        const within = yield* server.readUntil('\r\n', 6);
        let failure: unknown = null;
        try {
          yield* server.readUntil('\r\n', 3); // 'efgh' already passes 3 bytes
        } catch (caught) {
          failure = caught;
        }
        return [String(within), failure, server.closed()] as const;
      });
      expect(records.map((r) => r.message)).toEqual([
        'Unsatisfiable read, closing connection: delimiter "\\r\\n" not found within 3 bytes',
      ]);
      return result;
    });
    expect(ok).toBe('abcd\r\n');
    expect(error).toBeInstanceOf(StreamClosedError);
    expect((error as StreamClosedError).realError).toBeInstanceOf(UnsatisfiableReadError);
    expect(closed).toBe(true);
  });

  it('readUntilRegex with maxBytes closes the stream once the data outgrows it unmatched', async () => {
    const error = await withGenLog(() =>
      run(function* () {
        const [server, client] = streamPair();
        const waiting = server.readUntilRegex(/\d{3}/, 8);
        yield* client.write('abcdefghijk');
        try {
          yield* waiting;
        } catch (caught) {
          return caught;
        }
        return null;
      }),
    );
    expect(error).toBeInstanceOf(StreamClosedError);
    expect((error as StreamClosedError).realError).toBeInstanceOf(UnsatisfiableReadError);
  });

  it('after the peer closes, what is buffered can still be read (close with buffered data)', async () => {
    const got = await run(function* () {
      const [server, client] = streamPair();
      yield* client.write('1234567890');
      client.close();
      const first = yield* server.readBytes(4);
      // No read waits and the buffer holds bytes: the stream reads no more (tornado leaves the
      // socket alone), so it has not seen the EOF yet.
      yield* sleep(10);
      expect(server.closed()).toBe(false);
      const second = yield* server.readBytes(4); // from the buffer
      let third: unknown = null;
      try {
        yield* server.readBytes(4); // 2 left: it reads on, and meets the EOF
      } catch (caught) {
        third = caught;
      }
      expect(server.closed()).toBe(true);
      const sync = thrown(() => server.readBytes(4)); // closed, and the buffer cannot answer
      const rest = yield* server.readUntilClose(); // what is left, at once
      const two = thrown(() => server.readBytes(1));
      return [String(first), String(second), third, sync, String(rest), two];
    });
    expect(got.slice(0, 2)).toEqual(['1234', '5678']);
    expect(got[2]).toBeInstanceOf(StreamClosedError);
    expect(got[3]).toBeInstanceOf(StreamClosedError);
    expect(got[4]).toBe('90');
    expect(got[5]).toBeInstanceOf(StreamClosedError);
  });

  it('a read waiting when the peer closes fails with StreamClosedError, and the close callback runs', async () => {
    const got = await run(function* () {
      const [server, client] = streamPair();
      const calls: string[] = [];
      server.setCloseCallback(() => calls.push('closed'));
      const waiting = server.readBytes(10);
      yield* client.write('abc');
      client.close();
      let error: unknown = null;
      try {
        yield* waiting;
      } catch (caught) {
        error = caught;
      }
      yield* later(5, () => undefined);
      return [error, calls, server.error];
    });
    expect(got[0]).toBeInstanceOf(StreamClosedError);
    expect((got[0] as StreamClosedError).realError).toBeNull();
    expect(got[1]).toEqual(['closed']);
    expect(got[2]).toBeNull();
  });

  it('refuses a second read while one waits', async () => {
    const error = await run(function* () {
      const [server] = streamPair();
      const first = server.readBytes(1);
      const second = thrown(() => server.readUntil('\n'));
      first.cancel();
      return second;
    });
    expect(error).toBeInstanceOf(ConcurrentReadError);
    expect((error as Error).message).toMatch(
      /^Already reading: <(SSL)?IOStream fd=\d+ open reading/,
    );
  });

  it('a read cancelled while it waits leaves the bytes for the next read', async () => {
    const got = await run(function* () {
      const [server, client] = streamPair();
      const waiting = server.readBytes(5);
      yield* client.write('abc');
      yield* sleep(10);
      waiting.cancel();
      yield* client.write('de');
      return String(yield* server.readBytes(5));
    });
    expect(got).toBe('abcde');
  });

  it('gives the bytes back when the reading task is cancelled as it is woken (no lost read)', async () => {
    const [outcome, next] = await run(function* () {
      const [server, client] = streamPair();
      if (client instanceof SSLIOStream) yield* client.waitForHandshake();
      const loop = getRunningLoop();
      const reader = createTask(function* () {
        return yield* server.readBytes(3);
      });
      yield* sleep(5); // the reader waits
      // Two fds ready for one poll: the stream's socket (its bytes are handed to the reader)
      // and a socketpair whose callback cancels the reader, in the same loop step, before the
      // reader resumes. Whichever runs first, the bytes must not be lost.
      const [a, b] = socketpair();
      sockets.push(a, b);
      loop.addReader(b, () => {
        loop.removeReader(b);
        reader.cancel();
      });
      // Sent at once (over TLS too: the handshake is done, so write() encrypts and sends now).
      client.write('xyz');
      a.send(Buffer.from('!'));
      let result: unknown;
      try {
        result = yield* reader;
      } catch (caught) {
        result = caught;
      }
      const rest = result instanceof CancelledError ? String(yield* server.readBytes(3)) : null;
      return [result, rest];
    });
    expect(outcome).toBeInstanceOf(CancelledError);
    expect(next).toBe('xyz');
  });
});

describe.each(CASES)(
  'IOStream writes and errors (%s mode, %s)',
  (mode: LoopMode, transport: Transport) => {
    const streamPair = (options: IOStreamOptions = {}): [IOStream, IOStream] =>
      pairOf(options, transport);
    const run = <T>(body: () => Generator<unknown, T, unknown>): Promise<T> =>
      main(body, mode, 'real');

    it('a write future is done once its bytes are with the kernel, even when they had to wait', async () => {
      const got = await run(function* () {
        const [server, client] = streamPair();
        const big = Buffer.alloc(8 * 1024 * 1024, 'b'); // more than the socket buffers hold
        const writing = server.write(big);
        const after = server.write('!');
        expect(writing.done()).toBe(false);
        expect(server.writing()).toBe(true);
        const body = yield* client.readBytes(big.length + 1);
        yield* writing;
        yield* after;
        return [body.length, body.at(-1), server.writing()];
      });
      expect(got).toEqual([8 * 1024 * 1024 + 1, '!'.charCodeAt(0), false]);
    });

    it('maxWriteBufferSize: a write that would pass it throws StreamBufferFullError', async () => {
      const error = await run(function* () {
        const [server] = streamPair({ maxWriteBufferSize: 1024 * 1024 });
        const filler = Buffer.alloc(16 * 1024 * 1024);
        let caught: unknown = null;
        for (let i = 0; i < 64 && caught === null; i++) {
          try {
            server.write(filler.subarray(0, 512 * 1024));
          } catch (error) {
            caught = error;
          }
        }
        expect(server.closed()).toBe(false);
        return caught;
      });
      expect(error).toBeInstanceOf(StreamBufferFullError);
    });

    it('maxBufferSize: a read that outgrows it closes that stream, and others go on', async () => {
      const [error, streamError, other] = await withGenLog(async (records) => {
        const result = await run(function* () {
          const [server, client] = streamPair({ maxBufferSize: 64 * 1024 });
          const [otherServer, otherClient] = streamPair();
          const waiting = server.readUntil('\n'); // never comes
          client.write(Buffer.alloc(1024 * 1024, 'a'));
          let failure: unknown = null;
          try {
            yield* waiting;
          } catch (caught) {
            failure = caught;
          }
          yield* otherClient.write('still here\n');
          return [failure, server.error, String(yield* otherServer.readUntil('\n'))] as const;
        });
        expect(records.some((r) => r.message.startsWith('Reached maximum read buffer size'))).toBe(
          true,
        );
        return result;
      });
      expect(error).toBeInstanceOf(StreamClosedError);
      expect(streamError).toBeInstanceOf(StreamBufferFullError);
      expect(other).toBe('still here\n');
    });

    it('a peer that resets the connection: the read fails with StreamClosedError carrying it', async () => {
      const got = await run(function* () {
        const [server, client] = streamPair();
        const waiting = server.readBytes(1);
        // SO_LINGER 0: close sends RST instead of FIN.
        client.socket.setsockopt(SOL_SOCKET, SO_LINGER, Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]));
        client.close();
        try {
          yield* waiting;
        } catch (caught) {
          return [caught, server.error];
        }
        return [null, null];
      });
      expect(got[0]).toBeInstanceOf(StreamClosedError);
      expect((got[0] as StreamClosedError).realError).toBeInstanceOf(ConnectionResetError);
      expect(got[1]).toBeInstanceOf(ConnectionResetError);
    });

    it('writes on a closed stream throw, and waiting writes fail when it closes', async () => {
      const got = await run(function* () {
        const [server, client] = streamPair();
        const big = server.write(Buffer.alloc(8 * 1024 * 1024));
        server.close();
        let failure: unknown = null;
        try {
          yield* big;
        } catch (caught) {
          failure = caught;
        }
        client.close();
        return [failure, thrown(() => server.write('x')), String(server)];
      });
      expect(got[0]).toBeInstanceOf(StreamClosedError);
      expect(got[1]).toBeInstanceOf(StreamClosedError);
      expect(got[2]).toBe(transport === 'TCP' ? '<IOStream closed>' : '<SSLIOStream closed>');
    });

    it('names bad arguments', async () => {
      await run(function* () {
        const [server] = streamPair();
        expect(thrown(() => server.readUntil(''))).toMatchObject({
          name: 'TypeError',
          message: 'readUntil(): delimiter must be a non-empty string or Uint8Array, got ""',
        });
        expect(thrown(() => server.readBytes(-1))).toMatchObject({
          name: 'RangeError',
          message: 'readBytes(): n must be an integer >= 0, got -1',
        });
        expect(thrown(() => server.write(3 as never))).toMatchObject({ name: 'TypeError' });
        expect(thrown(() => new IOStream(3 as never))).toMatchObject({
          message: 'new IOStream(): socket must be an aio Socket, got 3',
        });
      });
    });
  },
);

describe.each(MODES)('IOStream.connect (%s mode)', (mode: LoopMode) => {
  const run = <T>(body: () => Generator<unknown, T, unknown>): Promise<T> =>
    main(body, mode, 'real');

  it('connects without blocking; writes made meanwhile are sent once connected', async () => {
    const got = await run(function* () {
      const [listener] = bindSockets(0, '127.0.0.1');
      sockets.push(listener!);
      const stream = new IOStream(new Socket(AF_INET, SOCK_STREAM));
      streams.push(stream);
      expect(String(stream)).toMatch(/^<IOStream fd=\d+ open buffered=0 connecting>$/);
      const connecting = stream.connect(listener!.getsockname());
      const wrote = stream.write('early bird\n');
      const answer = stream.readUntil('\n');
      const connected = yield* connecting;
      const [conn] = listener!.accept();
      conn.setBlocking(false);
      const server = new IOStream(conn);
      streams.push(server);
      const line = yield* server.readUntil('\n');
      yield* wrote;
      yield* server.write('worm\n');
      return [connected === stream, String(line), String(yield* answer)];
    });
    expect(got).toEqual([true, 'early bird\n', 'worm\n']);
  });

  it('a refused connection closes the stream: StreamClosedError carrying ConnectionRefusedError', async () => {
    const got = await run(function* () {
      const [listener] = bindSockets(0, '127.0.0.1');
      const address = listener!.getsockname();
      listener!.close(); // nobody listens there now
      const stream = new IOStream(new Socket(AF_INET, SOCK_STREAM));
      streams.push(stream);
      const waiting = stream.write('never sent');
      try {
        yield* stream.connect(address);
      } catch (caught) {
        let writeError: unknown = null;
        try {
          yield* waiting;
        } catch (error) {
          writeError = error;
        }
        return [caught, stream.closed(), stream.error, writeError];
      }
      return [];
    });
    expect(got[0]).toBeInstanceOf(StreamClosedError);
    expect((got[0] as StreamClosedError).realError).toBeInstanceOf(ConnectionRefusedError);
    expect(got[1]).toBe(true);
    expect(got[2]).toBeInstanceOf(ConnectionRefusedError);
    expect(got[3]).toBeInstanceOf(StreamClosedError);
  });

  it('closing while connecting fails the connect and closes the socket', async () => {
    const got = await run(function* () {
      // A listener with a full backlog would leave the connect pending for long; a closed
      // stream must not wait for it either way.
      const [listener] = bindSockets(0, '127.0.0.1');
      sockets.push(listener!);
      const stream = new IOStream(new Socket(AF_INET, SOCK_STREAM));
      const connecting = stream.connect(listener!.getsockname());
      stream.close();
      try {
        yield* connecting;
      } catch (caught) {
        return [caught, stream.socket.closed];
      }
      return [];
    });
    expect(got[0]).toBeInstanceOf(StreamClosedError);
    expect(got[1]).toBe(true);
  });

  it('a connect that failed just before the stream closed leaves no unretrieved error behind', async () => {
    // What a server stopping amid failing TLS handshakes did: the connect's future had failed,
    // its callback had not run yet, and close() came in between.
    class Probe extends IOStream {
      begin(connecting: Future<void>): Future<this> {
        return this.connectWith(() => connecting, 'begin()');
      }
    }
    const reports: string[] = [];
    await run(function* () {
      const loop = getRunningLoop();
      loop.setExceptionHandler((_loop, context) => void reports.push(context.message));
      const connecting = new Future<void>(loop);
      const stream = new Probe(new Socket(AF_INET, SOCK_STREAM));
      const result = stream.begin(connecting);
      connecting.setException(new ConnectionResetError(104, 'do_handshake'));
      stream.close();
      yield* sleep(5);
      expect(result.exception()).toBeInstanceOf(StreamClosedError);
    });
    closeLoops(); // reports what no one retrieved
    expect(reports.filter((m) => m.includes('never retrieved'))).toEqual([]);
  });
});

describe.each(['TCP', 'TLS'] as const)('IOStream under a fast writer (%s)', (transport) => {
  it('a slow reader takes 100 MiB with its memory growing less than 16 MiB', async () => {
    const script = join(PACKAGE_ROOT, 'src/iostream/test-fixtures/slow-reader.ts');
    const args = transport === 'TLS' ? ['--tls'] : [];
    const child = spawn(process.execPath, [...TS_FLAGS, '--expose-gc', script, ...args], {
      cwd: PACKAGE_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 100_000,
    });
    const total = 100 * 1024 * 1024;
    child.stdout.once('data', (chunk: Buffer) => {
      const { port } = JSON.parse(chunk.toString().split('\n')[0]!) as { port: number };
      const socket =
        transport === 'TCP'
          ? connect(port, '127.0.0.1')
          : tlsConnect({ port, host: '127.0.0.1', ca: readFileSync(`${TLS_FIXTURES}ca.pem`) });
      const block = Buffer.alloc(1024 * 1024, 'x');
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          sent += block.length;
          if (!socket.write(block)) {
            socket.once('drain', pump); // Node's own flow control: the reader sets the pace
            return;
          }
        }
        socket.end();
      };
      socket.on(transport === 'TCP' ? 'connect' : 'secureConnect', pump).on('error', () => {});
    });
    const { code, stdout, stderr } = await collect(child);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      received: number;
      rssStartMiB: number;
      rssPeakMiB: number;
    };
    expect(report.received).toBe(total);
    expect(report.rssPeakMiB - report.rssStartMiB).toBeLessThan(16);
  });
});

describe.each(MODES)('PipeIOStream (%s mode)', (mode: LoopMode) => {
  it('reads what the other end of a pipe writes, then its close', async () => {
    const got = await main(
      function* () {
        const [r, w] = pipe();
        const reader = new PipeIOStream(r);
        const writer = new PipeIOStream(w.fileno()); // an fd number works too
        streams.push(reader, writer);
        yield* writer.write('line one\nrest');
        const line = String(yield* reader.readUntil('\n'));
        writer.close();
        const rest = String(yield* reader.readUntilClose());
        return [line, rest, reader.closed(), String(reader)];
      },
      mode,
      'real',
    );
    expect(got).toEqual(['line one\n', 'rest', true, '<PipeIOStream closed>']);
  });

  it('a write to a pipe whose reader is gone fails with StreamClosedError carrying BrokenPipeError', async () => {
    const got = await main(
      function* () {
        const [r, w] = pipe();
        r.close();
        const writer = new PipeIOStream(w);
        streams.push(writer);
        try {
          yield* writer.write('nobody reads this');
        } catch (caught) {
          return [caught, writer.error];
        }
        return [null, null];
      },
      mode,
      'real',
    );
    expect(got[0]).toBeInstanceOf(StreamClosedError);
    expect(got[1]).toBeInstanceOf(BrokenPipeError);
  });
});
