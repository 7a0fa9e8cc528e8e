/**
 * For iostream.test.ts: a TCPServer whose handler reads slowly — 64 KiB at a time, a pause after
 * each — while its client writes as fast as it can. Prints `{"port": N}` once listening; when the
 * client has closed, prints `{"received", "rssStartMiB", "rssPeakMiB"}` (the peak sampled after
 * every read) and exits. With no read waiting the stream leaves the socket unread, so the kernel's
 * window holds the writer back and the server's memory stays flat. With `--tls` the server
 * speaks TLS (tooling/fixtures/tls): OpenSSL reads no further ahead than the stream asks either.
 */
import { fileURLToPath } from 'node:url';
import { sleep } from '@aio/coroutine';
import { IOLoop } from '../../ioloop';
import { StreamClosedError, type IOStream } from '../../iostream';
import { bindSockets } from '../../netutil';
import { TCPServer } from '../../tcpserver';

const mib = (bytes: number): number => bytes / (1024 * 1024);
const io = IOLoop.current();
let received = 0;
let peak = 0;
let start = 0;

class SlowReader extends TCPServer {
  override *handleStream(stream: IOStream): Generator<unknown, void, unknown> {
    global.gc?.();
    start = process.memoryUsage.rss();
    peak = start;
    try {
      for (;;) {
        received += (yield* stream.readBytes(64 * 1024, { partial: true })).length;
        peak = Math.max(peak, process.memoryUsage.rss());
        yield* sleep(1);
      }
    } catch (error) {
      if (!(error instanceof StreamClosedError)) throw error;
    } finally {
      stream.close();
      io.stop();
    }
  }
}

const fixtures = fileURLToPath(new URL('../../../../../tooling/fixtures/tls/', import.meta.url));
const server = new SlowReader(
  process.argv.includes('--tls')
    ? { sslOptions: { certfile: `${fixtures}server.pem`, keyfile: `${fixtures}server.key` } }
    : {},
);
const [listener] = bindSockets(0, '127.0.0.1');
server.addSockets([listener!]);
process.stdout.write(
  `${JSON.stringify({ port: (listener!.getsockname() as [string, number])[1] })}\n`,
);
const bound = io.callLater(120_000, () => io.stop()); // should the client never finish
await io.start();
io.removeTimeout(bound);
server.stop();
io.close();
process.stdout.write(
  `${JSON.stringify({ received, rssStartMiB: mib(start), rssPeakMiB: mib(peak) })}\n`,
);
