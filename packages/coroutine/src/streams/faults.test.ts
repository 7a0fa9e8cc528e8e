/**
 * Faults on real loopback TCP: 100 MB to a slow reader held in check by drain() (the server, in a
 * child process, stays within 16 MB more RSS, and every byte arrives in order), a peer reset in
 * the middle of a read while another client is being served, and writes to a peer that left —
 * each surfaces in its handler as an error, and the server (in the test process) goes on
 * serving. Everything is closed explicitly; the fd guard checks after the file.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EventLoop, ExceptionContext } from '@aio/loop';
import { ConnectionResetError, type Socket } from '@aio/selector';
import { describe, expect, it } from 'vitest';
import { sleep } from '../sleep';
import { openConnection, startServer, type Server } from './connection';
import type { StreamReader } from './reader';
import { TransportClosedError } from './transport';
import type { StreamWriter } from './writer';
import { main, resetOnClose, until } from './test-sockets';

const MiB = 1024 * 1024;

function portOf(server: Server): number {
  return (server.addresses()[0] as [string, number])[1];
}

function* closeServer(server: Server): Generator<unknown, void, unknown> {
  server.close();
  server.closeClients();
  yield* server.waitClosed();
}

/** Records what reaches the loop's exception handler. */
function recordExceptions(loop: EventLoop): ExceptionContext[] {
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((_loop, context) => seen.push(context));
  return seen;
}

/** One line sent, its echo read back. */
function* ask(
  reader: StreamReader,
  writer: StreamWriter,
  line: string,
): Generator<unknown, string, unknown> {
  writer.write(`${line}\n`);
  yield* writer.drain();
  return (yield* reader.readline()).toString();
}

/** A peer that resets (RST) instead of closing, so the other side sees ECONNRESET. */
function reset(writer: StreamWriter): void {
  resetOnClose(writer.getExtraInfo('socket') as Socket);
  writer.transport.abort();
}

function isConnectionLost(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    error instanceof TransportClosedError ||
    error instanceof ConnectionResetError ||
    code === 'EPIPE' ||
    code === 'ECONNRESET'
  );
}

/**
 * The slow-reader test's server runs in a child process (test-fixtures/flood-server.ts), so its
 * memory is the server's alone: in this process the client's 100 MB of read buffers would be
 * garbage the collector frees when it likes, noise larger than what is measured.
 */
describe.runIf(process.platform === 'linux')('a slow reader', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const fixture = fileURLToPath(new URL('./test-fixtures/flood-server.ts', import.meta.url));

  /** The process's resident set, in bytes (VmRSS from /proc). */
  function rssOf(pid: number): number {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (match === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  }

  /** The chunk's bytes after the 4-byte index, as flood-server.ts writes them. */
  function floodByte(i: number): number {
    return (i * 31 + (i >>> 8)) & 0xff;
  }

  it('100 MB written with write(); drain() to a slow reader: the server stays under 16 MB more RSS, every byte arrives in order', async () => {
    const total = 100 * MiB;
    const chunkSize = 64 * 1024;
    const template = Buffer.alloc(chunkSize);
    for (let i = 0; i < chunkSize; i++) template[i] = floodByte(i);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@aio/source', fixture, String(total)],
      { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const lines: Record<string, number>[] = [];
    let lineArrived: () => void = () => undefined;
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      for (let end = out.indexOf('\n'); end >= 0; end = out.indexOf('\n')) {
        lines.push(JSON.parse(out.slice(0, end)) as Record<string, number>);
        out = out.slice(end + 1);
        lineArrived();
      }
    });
    const nextLine = async (n: number, what: string): Promise<Record<string, number>> => {
      // Generous: Node with tsx starts in a second alone, in over 10 s beside two CPU hogs.
      const deadline = Date.now() + 60_000;
      while (lines.length < n) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`${what}: no line from the server child; stderr: ${stderr}`);
        await new Promise<void>((resolve) => {
          lineArrived = resolve;
          setTimeout(resolve, 100);
        });
      }
      return lines[n - 1]!;
    };
    try {
      const { port } = await nextLine(1, 'listening');
      const got = await main(function* () {
        const [reader, writer] = yield* openConnection('127.0.0.1', port!);
        let baseline = 0;
        let peak = 0;
        let received = 0;
        let mismatches = 0;
        let firstMismatch = -1;
        for (let reads = 0; ; reads++) {
          const data = yield* reader.read(chunkSize);
          if (data.length === 0) break;
          for (let k = 0; k < data.length; k++) {
            const offset = received + k;
            const i = offset % chunkSize;
            const expected =
              i < 4 ? (Math.floor(offset / chunkSize) >>> (8 * (3 - i))) & 0xff : template[i];
            if (data[k] !== expected) {
              if (firstMismatch < 0) firstMismatch = offset;
              mismatches++;
            }
          }
          received += data.length;
          // The baseline once the flood runs (its chunk and the connection exist).
          if (reads === 0) baseline = peak = rssOf(child.pid!);
          else if (reads % 8 === 0) peak = Math.max(peak, rssOf(child.pid!));
          yield* sleep(1); // slower than the server: it waits in drain()
        }
        writer.close();
        yield* writer.waitClosed();
        return { received, mismatches, firstMismatch, growth: peak - baseline };
      });
      const done = await nextLine(2, 'the flood finishing');
      console.log(
        `server RSS growth over the 100 MB transfer: ${(got.growth / MiB).toFixed(1)} MiB; ` +
          `drains that waited: ${done.waited}`,
      );
      expect(done.sent).toBe(total);
      expect(done.waited).toBeGreaterThan(0);
      expect(got.received).toBe(total);
      expect({ mismatches: got.mismatches, firstMismatch: got.firstMismatch }).toEqual({
        mismatches: 0,
        firstMismatch: -1,
      });
      expect(got.growth, 'the server child RSS growth in bytes').toBeLessThan(16 * MiB);
    } finally {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    // About 4 s alone; 66 s beside two CPU hogs and the rest of the suite.
  }, 300_000);
});

describe('a peer that goes away', () => {
  /** Echoes lines; records how each connection's handler ended. */
  function echoRecording(ends: unknown[]) {
    return function* (
      reader: StreamReader,
      writer: StreamWriter,
    ): Generator<unknown, void, unknown> {
      try {
        for (;;) {
          const line = yield* reader.readline();
          if (line.length === 0) break;
          writer.write(line);
          yield* writer.drain();
        }
        ends.push('eof');
      } catch (error) {
        ends.push(error);
      }
    };
  }

  it('a reset in the middle of a read fails that handler’s read, while another client is served before and after', async () => {
    const got = await main(function* () {
      const ends: unknown[] = [];
      const server = yield* startServer(echoRecording(ends), '127.0.0.1', 0);
      const port = portOf(server);
      const [steadyReader, steadyWriter] = yield* openConnection('127.0.0.1', port);
      const replies = [yield* ask(steadyReader, steadyWriter, 'before')];

      const [, resetWriter] = yield* openConnection('127.0.0.1', port);
      resetWriter.write('half a line, no newline'); // the handler waits in readline()
      yield* resetWriter.drain();
      yield* until(() => server.connectionCount === 2);
      replies.push(yield* ask(steadyReader, steadyWriter, 'during'));
      reset(resetWriter);
      yield* until(() => ends.length === 1);
      replies.push(yield* ask(steadyReader, steadyWriter, 'after'));

      // A third client, connected after the reset, is served too.
      const [lateReader, lateWriter] = yield* openConnection('127.0.0.1', port);
      replies.push(yield* ask(lateReader, lateWriter, 'late'));
      lateWriter.close();
      steadyWriter.close();
      yield* lateWriter.waitClosed();
      yield* steadyWriter.waitClosed();
      yield* until(() => ends.length === 3);
      yield* closeServer(server);
      return { replies, ends };
    });
    expect(got.replies).toEqual(['before\n', 'during\n', 'after\n', 'late\n']);
    expect(got.ends[0]).toBeInstanceOf(ConnectionResetError);
    expect(got.ends[0]).toMatchObject({ code: 'ECONNRESET' });
    expect(got.ends.slice(1)).toEqual(['eof', 'eof']);
  });

  it('writing to a peer that reset throws in the handler; the server and the process go on', async () => {
    const got = await main(function* () {
      const written: unknown[] = [];
      const server = yield* startServer(
        function* (reader, writer) {
          const line = (yield* reader.readline()).toString();
          if (line !== 'flood\n') {
            writer.write(line); // an ordinary client: one echo
            return;
          }
          try {
            // Writes until the peer's reset surfaces; a loop that never fails is a bug.
            for (let i = 0; i < 100_000; i++) {
              writer.write(Buffer.alloc(1024, 0x2e));
              yield* writer.drain();
              if (i % 16 === 0) yield* sleep(1);
            }
            written.push('never failed');
          } catch (error) {
            written.push(error);
          }
        },
        '127.0.0.1',
        0,
      );
      const port = portOf(server);
      const [floodReader, floodWriter] = yield* openConnection('127.0.0.1', port);
      floodWriter.write('flood\n');
      yield* floodReader.readexactly(1024); // the handler is writing
      reset(floodWriter);
      yield* until(() => written.length === 1);

      const [reader, writer] = yield* openConnection('127.0.0.1', port);
      writer.write('still here\n');
      const reply = (yield* reader.read()).toString();
      writer.close();
      yield* writer.waitClosed();
      yield* closeServer(server);
      return { error: written[0], reply };
    });
    expect(isConnectionLost(got.error), String(got.error)).toBe(true);
    expect(got.reply).toBe('still here\n');
  });

  it('a write to a peer that closed, not caught by the handler, is reported to the loop and the server goes on', async () => {
    const got = await main(function* (loop) {
      const reports = recordExceptions(loop);
      let writing = false;
      const server = yield* startServer(
        function* (reader, writer) {
          const line = (yield* reader.readline()).toString();
          if (line !== 'leave\n') {
            writer.write(line);
            return;
          }
          yield* reader.read(); // EOF: the peer has closed
          writing = true;
          for (;;) {
            writer.write('anyone there?\n'); // throws once the connection is known lost
            yield* writer.drain();
            yield* sleep(1);
          }
        },
        '127.0.0.1',
        0,
      );
      const port = portOf(server);
      const [, leaving] = yield* openConnection('127.0.0.1', port);
      leaving.write('leave\n');
      leaving.close(); // a plain close (FIN): the server's writes fail once the RST comes back
      yield* leaving.waitClosed();
      yield* until(() => reports.length === 1);
      yield* until(() => server.connectionCount === 0);

      const [reader, writer] = yield* openConnection('127.0.0.1', port);
      writer.write('next\n');
      const reply = (yield* reader.read()).toString();
      writer.close();
      yield* writer.waitClosed();
      yield* closeServer(server);
      return { reports, reply, writing };
    });
    expect(got.writing).toBe(true);
    expect(got.reports).toHaveLength(1);
    expect(got.reports[0]!.message).toMatch(/connection handler/);
    const error = got.reports[0]!.exception;
    expect(isConnectionLost(error), String(error)).toBe(true);
    expect(got.reply).toBe('next\n');
  });
});
