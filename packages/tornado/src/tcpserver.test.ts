/**
 * TCPServer — the themes of tornado's tcpserver_test.py (handle_stream as a generator coroutine
 * whose failure is logged, as a native coroutine, stop twice, stop from inside a handler while
 * more connections wait), and ours: a handler that fails has its stream closed and the server
 * goes on; clients nobody here wrote (Node's `net`, Python's `socket`) talk to it. Real TCP on
 * 127.0.0.1, both loop modes, fresh loops on real time.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { wrapPromise } from '@aio/future';
import type { LoopMode } from '@aio/loop';
import { gather, sleep } from '@aio/coroutine';
import { AF_INET, SOCK_STREAM, Socket, type Address } from '@aio/selector';
import { IOStream, StreamClosedError } from './iostream';
import { TCPServer } from './tcpserver';
import * as tcpserver from './tcpserver';
import { MODES, closeLoops, main } from './locks/test-support';
import { captureAppLog } from './test-log-capture';
import { collect } from './test-run-ts';

const servers: TCPServer[] = [];
const streams: IOStream[] = [];
let log: ReturnType<typeof captureAppLog>;

function track<S extends TCPServer>(server: S): S {
  servers.push(server);
  return server;
}

/** A client IOStream connected to `server`'s first address. */
function* client(port: number): Generator<unknown, IOStream, unknown> {
  const stream = new IOStream(new Socket(AF_INET, SOCK_STREAM));
  streams.push(stream);
  return yield* stream.connect(['127.0.0.1', port]);
}

function portOf(server: TCPServer): number {
  const match = /127\.0\.0\.1:(\d+)/.exec(String(server));
  if (match === null) throw new Error(`${String(server)} does not listen on 127.0.0.1`);
  return Number(match[1]);
}

afterEach(() => {
  log?.stop();
  for (const stream of streams.splice(0)) stream.close();
  for (const server of servers.splice(0)) server.stop();
  closeLoops();
});

it('exports the names it promises', () => {
  expect(Object.keys(tcpserver).sort()).toEqual(['TCPServer']);
});

describe.each(MODES)('TCPServer (%s mode)', (mode: LoopMode) => {
  const run = <T>(body: () => Generator<unknown, T, unknown>): Promise<T> =>
    main(body, mode, 'real');

  it('a generator handleStream that fails is logged, its stream closed (tornado: coroutine logging)', async () => {
    log = captureAppLog();
    const got = await run(function* () {
      class TestServer extends TCPServer {
        override *handleStream(stream: IOStream): Generator<unknown, void, unknown> {
          yield* stream.readBytes(5);
          throw new Error('handler failed after reading');
        }
      }
      const server = track(new TestServer());
      server.listen(0, '127.0.0.1');
      const stream = yield* client(portOf(server));
      yield* stream.write('hello');
      const rest = yield* stream.readUntilClose(); // the server closed it
      yield* sleep(5);
      return String(rest);
    });
    expect(got).toBe('');
    expect(log.messages().some((m) => m.startsWith('Exception in callback'))).toBe(true);
    expect(log.records.map((r) => String((r as { err?: Error }).err?.message))).toContain(
      'handler failed after reading',
    );
  });

  it('an async handleStream writes and closes (tornado: native coroutine)', async () => {
    const got = await run(function* () {
      class TestServer extends TCPServer {
        override async handleStream(stream: IOStream): Promise<void> {
          await stream.write('data');
          stream.close();
        }
      }
      const server = track(new TestServer());
      server.listen(0, '127.0.0.1');
      const stream = yield* client(portOf(server));
      return String(yield* stream.readUntilClose());
    });
    expect(got).toBe('data');
  });

  it('a handler that throws at once is logged, its connection closed, and the next one served', async () => {
    log = captureAppLog();
    const got = await run(function* () {
      let calls = 0;
      class TestServer extends TCPServer {
        override handleStream(stream: IOStream): unknown {
          if (++calls === 1) throw new Error('first one fails');
          return stream.write('second one served').then(() => stream.close());
        }
      }
      const server = track(new TestServer());
      server.listen(0, '127.0.0.1');
      const first = yield* client(portOf(server));
      const firstRest = String(yield* first.readUntilClose());
      const second = yield* client(portOf(server));
      return [firstRest, String(yield* second.readUntilClose())];
    });
    expect(got).toEqual(['', 'second one served']);
    expect(log.messages()).toContain('Error in connection callback');
  });

  it('stop() twice is fine; a stopped server accepts no more', async () => {
    const refused = await run(function* () {
      const server = track(new TCPServer());
      server.listen(0, '127.0.0.1');
      const port = portOf(server);
      server.stop();
      server.stop();
      expect(String(server)).toBe('<TCPServer stopped>');
      try {
        yield* client(port);
      } catch (caught) {
        return caught;
      }
      return null;
    });
    expect(refused).toBeInstanceOf(StreamClosedError);
  });

  it('stop() from a handler while more connections wait breaks nothing (tornado #2069)', async () => {
    log = captureAppLog();
    const connected = await run(function* () {
      const waiting: IOStream[] = [];
      class TestServer extends TCPServer {
        override *handleStream(stream: IOStream): Generator<unknown, void, unknown> {
          this.stop();
          waiting.push(stream);
          yield* stream.readUntilClose();
        }
      }
      const server = track(new TestServer());
      server.listen(0, '127.0.0.1');
      const port = portOf(server);
      const attempts = Array.from({ length: 40 }, () =>
        wrapPromise(
          (async () => {
            try {
              const stream = new IOStream(new Socket(AF_INET, SOCK_STREAM));
              streams.push(stream);
              await stream.connect(['127.0.0.1', port]);
              return true;
            } catch {
              return false;
            }
          })(),
        ),
      );
      const outcomes = yield* gather(...attempts);
      for (const stream of waiting) stream.close();
      return outcomes.filter(Boolean).length;
    });
    expect(connected).toBeGreaterThan(0);
    expect(log.messages()).toEqual([]); // no EBADF, no error of any kind
  });

  it('bind() then start(); start() twice throws', async () => {
    await run(function* () {
      class Hello extends TCPServer {
        override async handleStream(stream: IOStream): Promise<void> {
          await stream.write('hi');
          stream.close();
        }
      }
      const server = track(new Hello());
      server.bind(0, '127.0.0.1');
      expect(String(server)).toBe('<Hello not listening>');
      void server.start(); // one process: accepting at once
      expect(() => server.start()).toThrow('TCPServer.start(): started already');
      const stream = yield* client(portOf(server));
      expect(String(yield* stream.readUntilClose())).toBe('hi');
    });
  });
});

const python = existsSync('/usr/bin/python3');
describe('TCPServer and clients nobody here wrote', () => {
  class EchoServer extends TCPServer {
    override *handleStream(stream: IOStream, _address: Address): Generator<unknown, void, unknown> {
      try {
        for (;;) yield* stream.write(yield* stream.readUntil('\n'));
      } catch (error) {
        if (!(error instanceof StreamClosedError)) throw error;
      }
    }
  }

  it.skipIf(!python)('echoes lines to Node’s net and to Python’s socket', async () => {
    const [fromNode, fromPython] = await main(
      function* () {
        const server = track(new EchoServer());
        server.listen(0, '127.0.0.1');
        const port = portOf(server);
        const node = wrapPromise(
          new Promise<string>((resolve, reject) => {
            const socket = connect(port, '127.0.0.1', () => socket.end('one\ntwo\n'));
            let text = '';
            socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
            socket.on('error', reject).on('close', () => resolve(text));
          }),
        );
        const python = spawn(
          '/usr/bin/python3',
          [
            '-c',
            [
              'import socket, sys',
              `s = socket.create_connection(("127.0.0.1", ${port}))`,
              's.sendall(b"from python\\n")',
              'f = s.makefile("rb")',
              'sys.stdout.write(f.readline().decode())',
            ].join('\n'),
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        const pythonOut = wrapPromise(collect(python));
        const fromNode = yield* node;
        const out = yield* pythonOut;
        return [fromNode, out.code === 0 ? out.stdout : `exit ${out.code}: ${out.stderr}`];
      },
      'hosted',
      'real',
    );
    expect(fromNode).toBe('one\ntwo\n');
    expect(fromPython).toBe('from python\n');
  });
});
