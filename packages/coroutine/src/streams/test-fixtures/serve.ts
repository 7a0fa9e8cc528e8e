/**
 * The part every server fixture shares: listen on 127.0.0.1 (a free port), print
 * `{"port": N}`, serve with `handler` until stdin closes, then close the server and its clients.
 */
import { readSync } from 'node:fs';
import { getRunningLoop } from '@aio/loop';
import { Future } from '@aio/future';
import { run } from '../../run';
import { startServer, type ConnectionHandler } from '../connection';

export function serveUntilStdinCloses(handler: ConnectionHandler): Promise<void> {
  return run(function* () {
    const loop = getRunningLoop();
    const server = yield* startServer(handler, '127.0.0.1', 0);
    const stdinClosed = new Future<void>(loop);
    const scratch = Buffer.alloc(256);
    loop.addReader(0, () => {
      let n = 0;
      try {
        n = readSync(0, scratch);
      } catch {
        n = 0; // stdin in error: as good as closed
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
}
