/**
 * A streams echo server in a process of its own, for tests that need one (under a low fd limit,
 * say): prints `{"port": N}` once listening, echoes each line, and exits when stdin closes.
 */
import type { StreamReader } from '../reader';
import { serveUntilStdinCloses } from './serve';
import type { StreamWriter } from '../writer';

function* echo(reader: StreamReader, writer: StreamWriter): Generator<unknown, void, unknown> {
  for (;;) {
    const line = yield* reader.readline();
    if (line.length === 0) return;
    writer.write(line);
  }
}

await serveUntilStdinCloses(echo);
