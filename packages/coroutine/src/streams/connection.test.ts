/**
 * openConnection() and startServer() on real loopback TCP: echo round trips with generator and
 * async handlers, many lines, a big write to a slow reader held in check by drain(), resets and
 * writes to a peer that left, handler errors reported while the server goes on, accept() running
 * out of fds, and close() releasing every fd (the fd guard checks after the file). The same on
 * Unix sockets in a temp dir: the socket file replaced when stale, refused when not a socket,
 * removed on close.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket as NetSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventLoop, ExceptionContext } from '@aio/loop';
import { CancelledError } from '@aio/future';
import {
  AF_UNIX,
  OSError,
  SOCK_STREAM,
  Socket as SelectorSocket,
  type Socket,
} from '@aio/selector';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { gather } from '../gather';
import { sleep } from '../sleep';
import { createTask } from '../task';
import {
  Server,
  ServerClosedError,
  openConnection,
  openUnixConnection,
  startServer,
  startUnixServer,
  type ConnectionHandler,
} from './connection';
import type { StreamReader } from './reader';
import { TransportClosedError } from './transport';
import type { StreamWriter } from './writer';
import { main, mainAsync, newLoop, resetOnClose, until } from './test-sockets';

// This file starts servers in child processes and name lookups on the thread pool: seconds alone,
// and ten times that on a loaded 2-core machine (the suite beside two CPU hogs), so the limits are
// 120 s, not 20.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

/** An echo handler, line by line, as a generator. */
function* echo(reader: StreamReader, writer: StreamWriter): Generator<unknown, void, unknown> {
  for (;;) {
    const line = yield* reader.readline();
    if (line.length === 0) break;
    writer.write(line);
    yield* writer.drain();
  }
}

function portOf(server: Server): number {
  return (server.addresses()[0] as [string, number])[1];
}

/** Records what reaches the loop's exception handler. */
function recordExceptions(loop: EventLoop): ExceptionContext[] {
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((_loop, context) => seen.push(context));
  return seen;
}

function* closeServer(server: Server): Generator<unknown, void, unknown> {
  server.close();
  server.closeClients();
  yield* server.waitClosed();
}

describe('openConnection() and startServer()', () => {
  it('echoes lines through a generator handler', async () => {
    const got = await main(function* () {
      const server = yield* startServer(echo, '127.0.0.1', 0);
      expect(server.isServing()).toBe(true);
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
      writer.write('hello\n');
      const first = (yield* reader.readline()).toString();
      writer.write('world\n');
      const second = (yield* reader.readline()).toString();
      writer.close();
      yield* writer.waitClosed();
      yield* closeServer(server);
      return [first, second];
    });
    expect(got).toEqual(['hello\n', 'world\n']);
  });

  it('echoes through an async handler, with an async client', async () => {
    const got = await mainAsync(async () => {
      const handler: ConnectionHandler = async (reader, writer) => {
        for await (const line of reader) {
          writer.write(line.toString().toUpperCase());
          await writer.drain();
        }
      };
      const server = await startServer(handler, '127.0.0.1', 0);
      const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
      writer.write('quiet\n');
      const reply = (await reader.readline()).toString();
      writer.writeEof();
      const rest = await reader.read();
      writer.close();
      await writer.waitClosed();
      server.close();
      await server.waitClosed();
      return [reply, rest.length];
    });
    expect(got).toEqual(['QUIET\n', 0]);
  });

  it('echoes many lines, written all at once and read back in order', async () => {
    const count = 20_000;
    const got = await main(function* () {
      const server = yield* startServer(echo, '127.0.0.1', 0);
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
      const sending = createTask(function* () {
        for (let i = 0; i < count; i++) {
          writer.write(`line ${i}\n`);
          yield* writer.drain();
        }
        writer.writeEof();
      });
      let matched = 0;
      for (let i = 0; ; i++) {
        const line = (yield* reader.readline()).toString();
        if (line === '') break;
        if (line === `line ${i}\n`) matched++;
      }
      yield* sending;
      writer.close();
      yield* closeServer(server);
      return matched;
    });
    expect(got).toBe(count);
  });

  it('a 4 MiB write to a slow reader waits in drain() and keeps the buffer near the high mark', async () => {
    const total = 4 * 1024 * 1024;
    const chunkSize = 64 * 1024;
    const got = await main(function* () {
      let maxBuffered = 0;
      let drainsThatWaited = 0;
      const server = yield* startServer(
        function* (_reader, writer) {
          const chunk = Buffer.alloc(chunkSize, 0x61);
          for (let sent = 0; sent < total; sent += chunkSize) {
            writer.write(chunk);
            maxBuffered = Math.max(maxBuffered, writer.transport.getWriteBufferSize());
            const drained = writer.drain();
            if (!drained.done()) drainsThatWaited++;
            yield* drained;
          }
        },
        '127.0.0.1',
        0,
      );
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server), {
        limit: 16 * 1024,
      });
      let received = 0;
      for (;;) {
        const chunk = yield* reader.read(16 * 1024);
        if (chunk.length === 0) break;
        received += chunk.length;
        yield* sleep(1); // a slow reader
      }
      writer.close();
      yield* closeServer(server);
      return { received, maxBuffered, drainsThatWaited };
    });
    expect(got.received).toBe(total);
    expect(got.drainsThatWaited).toBeGreaterThan(0);
    // Never more than the high mark plus the one write that crossed it.
    expect(got.maxBuffered).toBeLessThanOrEqual(64 * 1024 + chunkSize);
  });

  it('a peer reset in the middle of a read fails the read with ECONNRESET', async () => {
    const got = await main(function* () {
      let seen: unknown = null;
      const server = yield* startServer(
        function* (reader) {
          try {
            yield* reader.readexactly(100);
          } catch (error) {
            seen = error;
          }
        },
        '127.0.0.1',
        0,
      );
      const [, writer] = yield* openConnection('127.0.0.1', portOf(server));
      writer.write('only ten..');
      yield* writer.drain();
      yield* sleep(5);
      const sock = writer.getExtraInfo('socket') as Socket;
      resetOnClose(sock);
      writer.transport.abort();
      yield* until(() => seen !== null);
      yield* closeServer(server);
      return seen;
    });
    expect(got).toMatchObject({ code: 'ECONNRESET' });
  });

  it('writing after the peer closed throws, and the process goes on', async () => {
    const got = await main(function* () {
      let seen: unknown = null;
      const server = yield* startServer(
        function* (reader, writer) {
          yield* reader.read(); // until the client has gone
          try {
            for (let i = 0; i < 1000; i++) {
              writer.write('anyone there?\n');
              yield* writer.drain();
              yield* sleep(1);
            }
          } catch (error) {
            seen = error;
          }
        },
        '127.0.0.1',
        0,
      );
      const [, writer] = yield* openConnection('127.0.0.1', portOf(server));
      writer.close();
      yield* writer.waitClosed();
      yield* until(() => seen !== null);
      yield* closeServer(server);
      return seen;
    });
    const code = (got as { code?: unknown }).code;
    expect(got instanceof TransportClosedError || code === 'EPIPE' || code === 'ECONNRESET').toBe(
      true,
    );
  });

  it('reports a handler that throws, closes its connection, and serves the others', async () => {
    const got = await main(function* (loop) {
      const reports = recordExceptions(loop);
      const server = yield* startServer(
        function* (reader, writer) {
          const line = (yield* reader.readline()).toString();
          if (line === 'boom\n') throw new Error('handler failed');
          writer.write(`ok ${line}`);
        },
        '127.0.0.1',
        0,
      );
      const port = portOf(server);
      const [badReader, badWriter] = yield* openConnection('127.0.0.1', port);
      badWriter.write('boom\n');
      const badReply = yield* badReader.read(); // EOF: the server closed it
      badWriter.close();
      const [goodReader, goodWriter] = yield* openConnection('127.0.0.1', port);
      goodWriter.write('fine\n');
      const goodReply = (yield* goodReader.read()).toString();
      goodWriter.close();
      yield* closeServer(server);
      return { badReply: badReply.length, goodReply, reports };
    });
    expect(got.badReply).toBe(0);
    expect(got.goodReply).toBe('ok fine\n');
    expect(got.reports).toHaveLength(1);
    expect(got.reports[0]!.message).toMatch(/connection handler/);
    expect(got.reports[0]!.exception).toMatchObject({ message: 'handler failed' });
  });

  it('close() stops listening and releases everything; waitClosed() waits for the clients', async () => {
    await main(function* () {
      const server = yield* startServer(echo, '127.0.0.1', 0);
      const port = portOf(server);
      const clients = [
        yield* openConnection('127.0.0.1', port),
        yield* openConnection('127.0.0.1', port),
      ];
      for (const [reader, writer] of clients) {
        writer.write('hi\n');
        expect((yield* reader.readline()).toString()).toBe('hi\n');
      }
      expect(server.connectionCount).toBe(2);
      const listening = server.sockets[0]!;
      server.close();
      expect(server.isServing()).toBe(false);
      expect(server.sockets).toHaveLength(0);
      expect(listening.closed).toBe(true);
      const closed = server.waitClosed();
      yield* sleep(5);
      expect(closed.done()).toBe(false); // clients are still connected
      const refused = yield* caught(openConnection('127.0.0.1', port));
      expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
      for (const [, writer] of clients) writer.close();
      yield* closed;
      expect(server.connectionCount).toBe(0);
      expect(String(server)).toContain('closed');
    });
  });

  it('serveForever() runs until cancelled, and cancelling it closes the server', async () => {
    await main(function* () {
      const server = yield* startServer(echo, '127.0.0.1', 0);
      const forever = createTask(function* () {
        yield* server.serveForever();
      });
      yield* sleep(1);
      expect(() => server.serveForever()).toThrow(ServerClosedError);
      forever.cancel();
      const error = yield* caught(forever);
      expect(error).toBeInstanceOf(CancelledError);
      expect(server.isServing()).toBe(false);
      yield* server.waitClosed();
    });
  });

  it('openConnection() resolves a host name off the main thread and tries each address', async () => {
    const got = await main(function* () {
      const server = yield* startServer(echo, '127.0.0.1', 0);
      const [reader, writer] = yield* openConnection('localhost', portOf(server));
      writer.write('by name\n');
      const reply = (yield* reader.readline()).toString();
      writer.close();
      yield* closeServer(server);
      return reply;
    });
    expect(got).toBe('by name\n');
  });

  it('openConnection() fails with ECONNREFUSED when nobody listens', async () => {
    const got = await main(function* () {
      const server = yield* startServer(echo, '127.0.0.1', 0);
      const port = portOf(server);
      yield* closeServer(server);
      return yield* caught(openConnection('127.0.0.1', port));
    });
    expect(got).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('serves connections concurrently, one task each', async () => {
    const got = await main(function* () {
      const server = yield* startServer(echo, '127.0.0.1', 0);
      const port = portOf(server);
      const client = (n: number) =>
        createTask(function* () {
          const [reader, writer] = yield* openConnection('127.0.0.1', port);
          const lines: string[] = [];
          for (let i = 0; i < 20; i++) {
            writer.write(`${n}:${i}\n`);
            lines.push((yield* reader.readline()).toString());
          }
          writer.close();
          yield* writer.waitClosed();
          return lines.join('') === Array.from({ length: 20 }, (_, i) => `${n}:${i}\n`).join('');
        });
      const results = yield* gather(...Array.from({ length: 10 }, (_, n) => client(n)));
      yield* closeServer(server);
      return results;
    });
    expect(got).toEqual(Array.from({ length: 10 }, () => true));
  });
});

function* caught(future: Iterable<unknown, unknown>): Generator<unknown, unknown, unknown> {
  try {
    yield* future;
    return undefined;
  } catch (error) {
    return error;
  }
}

/**
 * Running out of fds, for real: the server runs in a child process whose soft fd limit is lowered
 * to 48 once it listens (about 28 fds are Node's own; `prlimit`, from util-linux), and this
 * process opens more connections than it can accept. The kernel completes them all (the listen
 * backlog holds them); the server's accept() fails with EMFILE until some close. The limit is
 * not set before the child starts (`ulimit -n 48`): Node loading the sources through tsx opens
 * many at once, and in a CI run it failed with EMFILE before it listened.
 */
describe.runIf(process.platform === 'linux')('accept() out of fds', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const fixture = fileURLToPath(new URL('./test-fixtures/echo-server.ts', import.meta.url));

  /** The child's CPU time so far, in ms (utime + stime from /proc, in 10 ms ticks). */
  function cpuMsOf(pid: number): number {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  }

  /** A line client on Node's own `net` (the test's side, not the code under test). */
  interface LineClient {
    socket: NetSocket;
    ask(line: string): Promise<string>;
  }

  function lineClient(port: number): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      let waiting: ((line: string) => void) | null = null;
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        received += chunk;
        const end = received.indexOf('\n');
        if (end >= 0 && waiting) {
          const line = received.slice(0, end + 1);
          received = received.slice(end + 1);
          const done = waiting;
          waiting = null;
          done(line);
        }
      });
      socket.on('error', () => undefined); // a reset at cleanup is fine
      socket.once('connect', () =>
        resolve({
          socket,
          ask: (line) =>
            new Promise<string>((answered) => {
              waiting = answered;
              socket.write(`${line}\n`);
            }),
        }),
      );
      socket.once('error', reject);
    });
  }

  function delay(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    return Promise.race([
      promise,
      delay(ms).then(() => Promise.reject(new Error(`${what}: no answer within ${ms} ms`))),
    ]);
  }

  it('backs off instead of spinning, keeps serving its connections, and accepts again once fds free up', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@aio/source', fixture],
      { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let exitStatus: string | null = null;
    const exited = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        exitStatus = signal === null ? `exit code ${String(code)}` : `signal ${signal}`;
        resolve();
      }),
    );
    const clients: LineClient[] = [];
    try {
      const port = await within(
        new Promise<number>((resolve, reject) => {
          let out = '';
          child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
            out += chunk;
            const end = out.indexOf('\n');
            if (end >= 0) resolve((JSON.parse(out.slice(0, end)) as { port: number }).port);
          });
          // A child that dies before it listens says why, at once.
          void exited.then(() =>
            reject(new Error(`the server child ended (${String(exitStatus)}) before it listened`)),
          );
        }),
        // Node with tsx starts in a second alone, in over 10 s beside two CPU hogs.
        60_000,
        'the server child',
      ).catch((error: unknown) => {
        // What it printed is what says why it did not answer.
        throw new Error(`${(error as Error).message}; its stderr: ${JSON.stringify(stderr)}`);
      });
      const lowered = spawnSync('prlimit', ['--pid', String(child.pid), '--nofile=48:'], {
        encoding: 'utf8',
      });
      expect(lowered.status, `prlimit: ${String(lowered.error ?? lowered.stderr)}`).toBe(0);
      const first = await lineClient(port);
      clients.push(first);
      expect(await within(first.ask('a'), 10_000, 'first')).toBe('a\n');

      for (let i = 0; i < 40; i++) clients.push(await lineClient(port));
      // The child accepts what it can, then runs out of fds: watched for on its stderr, where the
      // failed accept is reported, rather than assumed to happen within some time.
      for (const until = Date.now() + 30_000; !stderr.includes('EMFILE') && Date.now() < until;)
        await delay(20);
      expect(stderr).toContain('EMFILE');

      const before = cpuMsOf(child.pid!);
      await delay(1_000);
      const used = cpuMsOf(child.pid!) - before;
      expect(used, 'CPU ms the server used in 1 s while out of fds').toBeLessThan(500);
      expect(stderr).toContain('EMFILE');

      // It still serves the connections it has.
      expect(await within(first.ask('b'), 10_000, 'first, out of fds')).toBe('b\n');

      // The last connection has not been accepted; free some fds and it is.
      const last = clients[clients.length - 1]!;
      const answer = within(last.ask('z'), 15_000, 'the last connection');
      for (const client of clients.slice(1, 31)) client.socket.destroy();
      expect(await answer).toBe('z\n');
    } finally {
      for (const client of clients) client.socket.destroy();
      child.stdin.end();
      await within(exited, 15_000, 'the server child exiting').catch(() => child.kill('SIGKILL'));
    }
  }, 180_000);
});

describe('openUnixConnection() and startUnixServer()', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aio-unix-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('echoes lines through a generator handler and a generator client', async () => {
    const path = join(dir, 'echo.sock');
    const got = await main(function* () {
      const server = yield* startUnixServer(echo, path);
      expect(server.addresses()).toEqual([path]);
      expect(lstatSync(path).isSocket()).toBe(true);
      const [reader, writer] = yield* openUnixConnection(path);
      writer.write('hello\n');
      const first = (yield* reader.readline()).toString();
      writer.write('unix\n');
      const second = (yield* reader.readline()).toString();
      writer.close();
      yield* writer.waitClosed();
      yield* closeServer(server);
      return [first, second];
    });
    expect(got).toEqual(['hello\n', 'unix\n']);
  });

  it('echoes through an async handler, with an async client', async () => {
    const path = join(dir, 'async.sock');
    const got = await mainAsync(async () => {
      const handler: ConnectionHandler = async (reader, writer) => {
        for await (const line of reader) {
          writer.write(line.toString().toUpperCase());
          await writer.drain();
        }
      };
      const server = await startUnixServer(handler, path, { backlog: 5 });
      const [reader, writer] = await openUnixConnection(path, { limit: 1024 });
      writer.write('quiet\n');
      const reply = (await reader.readline()).toString();
      writer.writeEof();
      const rest = await reader.read();
      writer.close();
      await writer.waitClosed();
      server.close();
      await server.waitClosed();
      return [reply, rest.length];
    });
    expect(got).toEqual(['QUIET\n', 0]);
  });

  it('close() removes the socket file, and connecting then fails with ENOENT', async () => {
    const path = join(dir, 'gone.sock');
    const got = await main(function* () {
      const server = yield* startUnixServer(echo, path);
      expect(existsSync(path)).toBe(true);
      server.close();
      const removed = !existsSync(path);
      server.close(); // twice is harmless
      yield* server.waitClosed();
      const refused = yield* caught(openUnixConnection(path));
      return { removed, refused };
    });
    expect(got.removed).toBe(true);
    expect(got.refused).toMatchObject({ code: 'ENOENT' });
  });

  it('close() leaves a socket file another server bound at the same path since', async () => {
    const path = join(dir, 'shared.sock');
    await main(function* () {
      const first = yield* startUnixServer(echo, path);
      const second = yield* startUnixServer(echo, path); // replaces the first one's file
      first.close();
      expect(existsSync(path)).toBe(true);
      const [reader, writer] = yield* openUnixConnection(path);
      writer.write('second\n');
      expect((yield* reader.readline()).toString()).toBe('second\n');
      writer.close();
      yield* closeServer(first);
      yield* closeServer(second);
      expect(existsSync(path)).toBe(false);
    });
  });

  it('replaces a stale socket file left by a server that did not clean up', async () => {
    const path = join(dir, 'stale.sock');
    const stale = new SelectorSocket(AF_UNIX, SOCK_STREAM);
    stale.bind(path);
    stale.close(); // the file stays, and nobody listens on it
    expect(lstatSync(path).isSocket()).toBe(true);
    const got = await main(function* () {
      const server = yield* startUnixServer(echo, path);
      const [reader, writer] = yield* openUnixConnection(path);
      writer.write('fresh\n');
      const reply = (yield* reader.readline()).toString();
      writer.close();
      yield* closeServer(server);
      return reply;
    });
    expect(got).toBe('fresh\n');
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a path that exists and is not a socket, and leaves the file alone', async () => {
    const path = join(dir, 'not-a-socket');
    writeFileSync(path, 'keep me');
    const got = await main(function* () {
      return yield* caught(startUnixServer(echo, path));
    });
    expect(got).toBeInstanceOf(OSError);
    expect(got).toMatchObject({ code: 'EADDRINUSE' });
    expect((got as Error).message).toContain(path);
    expect((got as Error).message).toMatch(/not a socket/);
    expect(readFileSync(path, 'utf8')).toBe('keep me');
  });

  it('checks its arguments up front, with clear errors', () => {
    const loop = newLoop();
    expect(() => startUnixServer(echo, '', { loop })).toThrow(/expected a socket path/);
    expect(() => startUnixServer(echo, join(dir, 'x'), { backlog: -1, loop })).toThrow(
      /backlog >= 0/,
    );
    expect(() => openUnixConnection(42 as unknown as string, { loop })).toThrow(
      /expected a socket path, got 42/,
    );
  });

  it('openUnixConnection() fails with ECONNREFUSED on a socket file nobody listens on', async () => {
    const path = join(dir, 'deaf.sock');
    const deaf = new SelectorSocket(AF_UNIX, SOCK_STREAM);
    deaf.bind(path);
    deaf.close();
    const got = await main(function* () {
      return yield* caught(openUnixConnection(path));
    });
    expect(got).toMatchObject({ code: 'ECONNREFUSED' });
  });
});
