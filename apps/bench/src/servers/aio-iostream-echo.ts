/**
 * The aio IOStream echo server for `pnpm bench iostream`: tornado's TCPServer with a
 * `handleStream` that reads a line (`readUntil('\n')`) and writes it back, as a generator
 * coroutine, on @aio/tornado.
 *
 *   aio-iostream-echo.ts --mode hosted|blocking [--backlog N] [--workers N]
 *                        [--certfile PEM --keyfile PEM]
 *
 * With `--certfile` and `--keyfile` it serves TLS: the TCPServer gets them as `sslOptions`, and
 * each connection is an SSLIOStream whose handshake starts on accept (the same handler: its
 * first `readUntil` waits for the handshake).
 *
 * With `--workers N` (N > 1) the listening socket is bound first, then `forkProcesses(N)`
 * (@aio/tornado/process) starts N worker processes that all accept on it; the supervisor prints
 * the port, and each worker stops, as the single server does, when stdin (which they share)
 * reaches EOF — then the supervisor exits too.
 *
 * Speaks the bench servers' protocol: prints `{"port": N}` once listening, and stops when stdin
 * reaches EOF (watched by the IOLoop itself, a handler on fd 0, so blocking mode stops too):
 * then it stops the server, closes every stream, and exits 0.
 */
import { IOLoop } from '@aio/tornado/ioloop';
import { StreamClosedError, type IOStream } from '@aio/tornado/iostream';
import { bindSockets } from '@aio/tornado/netutil';
import { forkProcesses, taskId } from '@aio/tornado/process';
import { TCPServer } from '@aio/tornado/tcpserver';
import { announcePort, serverArgs, stdinClosed } from '../lib/serve';

const { mode, backlog, values } = serverArgs('aio-iostream-echo.ts', {
  workers: { type: 'string', default: '1' },
  certfile: { type: 'string' },
  keyfile: { type: 'string' },
});

const workers = Number(values.workers);
if (!Number.isInteger(workers) || workers < 1) {
  process.stderr.write(
    `aio-iostream-echo.ts: --workers must be an integer >= 1, got ${values.workers}\n`,
  );
  process.exit(2);
}

const { certfile, keyfile } = values as { certfile?: string; keyfile?: string };
if ((certfile === undefined) !== (keyfile === undefined)) {
  process.stderr.write('aio-iostream-echo.ts: --certfile and --keyfile go together\n');
  process.exit(2);
}
const sslOptions = certfile === undefined ? undefined : { certfile, keyfile };

class EchoServer extends TCPServer {
  readonly streams = new Set<IOStream>();

  override *handleStream(stream: IOStream): Generator<unknown, void, unknown> {
    this.streams.add(stream);
    try {
      for (;;) yield* stream.write(yield* stream.readUntil('\n'));
    } catch (error) {
      if (!(error instanceof StreamClosedError)) throw error;
    } finally {
      this.streams.delete(stream);
      stream.close();
    }
  }
}

const [listener] = bindSockets(0, '127.0.0.1', { backlog });
const [, port] = listener!.getsockname() as [string, number];
if (workers > 1) {
  if (taskId() === null) announcePort(port);
  await forkProcesses(workers, { maxRestarts: 0 }); // the supervisor stays here
}

const ioloop = new IOLoop({ mode });
await ioloop.runSync(function* main(): Generator<unknown, void, unknown> {
  const server = new EchoServer({ sslOptions });
  server.addSockets([listener!]);

  const stopped = stdinClosed(ioloop.asyncioLoop);

  if (workers === 1) announcePort(port);

  yield* stopped;
  server.stop();
  for (const stream of server.streams) stream.close();
});
ioloop.close();
process.exitCode = 0;
