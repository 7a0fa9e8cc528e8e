/**
 * A streams echo server in a process of its own, for tests that need one (under a low fd limit,
 * say): prints `{"port": N}` once listening, echoes each line, and exits when stdin closes.
 */
import { readSync } from 'node:fs';
import { getRunningLoop } from '@aio/loop';
import { Future } from '@aio/future';
import { run } from '../../run';
import { startServer } from '../connection';
import type { StreamReader } from '../reader';
import type { StreamWriter } from '../writer';

function* echo(reader: StreamReader, writer: StreamWriter): Generator<unknown, void, unknown> {
  for (;;) {
    const line = yield* reader.readline();
    if (line.length === 0) return;
    writer.write(line);
  }
}

await run(function* () {
  const loop = getRunningLoop();
  const server = yield* startServer(echo, '127.0.0.1', 0);
  const stdinClosed = new Future<void>(loop);
  const scratch = Buffer.alloc(256);
  loop.addReader(0, () => {
    let n = 0;
    try {
      n = readSync(0, scratch);
    } catch {
      n = 0;
    }
    if (n === 0 && !stdinClosed.done()) stdinClosed.setResult();
  });
  process.stdout.write(`${JSON.stringify({ port: server.addresses()[0]![1] })}\n`);
  yield* stdinClosed;
  loop.removeReader(0);
  server.close();
  server.abortClients();
  yield* server.waitClosed();
});
