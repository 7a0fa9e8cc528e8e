/**
 * The aio streams echo server for `pnpm bench streams`: @aio/coroutine's `startServer`, one
 * handler task per connection reading with `reader.read(64 KiB)` and writing back with
 * `writer.write` + `yield* writer.drain()` — the program asyncio's docs write with
 * `asyncio.start_server` (`src/peers/streams_echo_asyncio.py` is the same program in Python).
 * It echoes raw bytes, not lines: the load clients send messages without newlines.
 *
 *   aio-streams-echo.ts --mode hosted|blocking [--backlog N]
 *
 * Speaks the bench servers' protocol: prints `{"port": N}` once listening, and stops when stdin
 * reaches EOF. Stdin is watched by the loop itself (a reader on fd 0), so the server stops in
 * blocking mode too, where Node's own stream events would not run while the loop waits. Then it
 * stops listening, aborts every connection, waits for the server to close and exits 0.
 */
import {
  run,
  startServer,
  type Coroutine,
  type StreamReader,
  type StreamWriter,
} from '@aio/coroutine';
import { getRunningLoop } from '@aio/loop';
import { announcePort, serverArgs, stdinClosed } from '../lib/serve';

const { mode, backlog } = serverArgs('aio-streams-echo.ts');

const READ_SIZE = 64 * 1024;

function* echo(reader: StreamReader, writer: StreamWriter): Coroutine<void> {
  try {
    for (;;) {
      const data = yield* reader.read(READ_SIZE);
      if (data.length === 0) break;
      writer.write(data);
      yield* writer.drain();
    }
  } catch {
    // Reset by the peer (or cancelled at shutdown): either way the connection is over.
  } finally {
    writer.close();
  }
}

function* main(): Coroutine<void> {
  const loop = getRunningLoop();
  const server = yield* startServer(echo, '127.0.0.1', 0, { backlog });

  const stopped = stdinClosed(loop);

  const [, port] = server.addresses()[0] as [string, number];
  announcePort(port);

  try {
    yield* stopped;
  } finally {
    server.close();
    server.abortClients();
    yield* server.waitClosed();
  }
}

await run.with({ mode })(main);
process.exitCode = 0;
