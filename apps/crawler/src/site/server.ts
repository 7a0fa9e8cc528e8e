/**
 * The embedded site the crawler downloads from: a fastify server in its own process.
 *
 * Its own process, so that the crawler's blocking stages (which freeze their thread on purpose)
 * cannot freeze the server too. Every page waits `latency` ms before answering, standing in for
 * the network the article's example.com sat behind, so that the ratios between strategies show.
 *
 * Its pages are pages.ts's. The server prints `{"port": …, "refusedPort": …}` on stdout once it
 * listens, and exits when its parent goes away (stdin closes), so nothing is ever left running.
 *
 * `--faults` makes some pages fail on the wire (pages.ts's `faultPlan` says which):
 * - `reset` and `malformed` take the socket from fastify (`reply.hijack()`) and write to it raw:
 *   HTTP's own framing is what they break, so no HTTP library may stand in between.
 * - `slow` answers after `--slow-ms`. Stopping must not wait for it: fastify's
 *   `forceCloseConnections` destroys every connection when the server closes.
 * - `refused` pages are served by nobody: the crawler connects to `refusedPort` for them. That port
 *   belongs to a TCP socket bound here but never listening, so the kernel answers each SYN with a
 *   RST (ECONNREFUSED), at once and every time, and no other process can take the port while the
 *   socket stays open — unlike a port closed after use, which anything may bind again. Node's
 *   `net` cannot bind without listening; `@aio/selector`'s `Socket` can.
 *
 * So it loads `@aio/selector` from source: to run it by hand, as site/index.ts does,
 * `node --conditions=@aio/source --import tsx src/site/server.ts --pages=10 --faults=all`.
 */
import { Socket } from '@aio/selector';
import Fastify from 'fastify';
import type { Socket as NetSocket } from 'node:net';
import { parseArgs } from 'node:util';
import { faultPlan, pageBody, pageIndex, parseFaults, type FaultKind } from './pages';

const { values } = parseArgs({
  options: {
    pages: { type: 'string', default: '10' },
    latency: { type: 'string', default: '100' },
    size: { type: 'string', default: '2048' },
    faults: { type: 'string' },
    'slow-ms': { type: 'string', default: '60000' },
  },
});
const pages = Number(values.pages);
const latency = Number(values.latency);
const size = Number(values.size);
const slowMs = Number(values['slow-ms']);
const plan: ReadonlyMap<number, FaultKind> =
  values.faults === undefined ? new Map() : faultPlan(pages, parseFaults(values.faults));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bodies = Array.from({ length: pages }, (_, i) => pageBody(i, pages, size));

/** What fastify would send for page `index`, as raw bytes: the reset fault cuts it short. */
function rawResponse(index: number): { head: Buffer; body: Buffer } {
  const body = Buffer.from(bodies[index]!);
  const head = Buffer.from(
    'HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\n' +
      `content-length: ${body.length}\r\nconnection: close\r\n\r\n`,
    'latin1',
  );
  return { head, body };
}

// Not HTTP, but close enough to fool a careless check: a transposed protocol name, then bytes
// no header can hold (NUL, a lone CR, 0xFF).
const MALFORMED = Buffer.concat([
  Buffer.from('HTPT/1.1 200 OK\r\nthis is not HTTP\r'),
  Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x00, 0x0a]),
]);

const app = Fastify({ logger: false, keepAliveTimeout: 1000, forceCloseConnections: true });
app.get('/*', async (request, reply) => {
  const path = request.url.split('?')[0] ?? '/';
  const index = pageIndex(path, pages);
  if (index < 0) return reply.code(404).type('text/plain').send('not found\n');
  const fault = plan.get(index);
  await sleep(fault === 'slow' ? slowMs : latency);
  if (fault === 'reset' || fault === 'malformed') {
    reply.hijack();
    const socket: NetSocket = reply.raw.socket!;
    if (fault === 'malformed') {
      socket.end(MALFORMED);
      return reply;
    }
    const { head, body } = rawResponse(index);
    // The RST must come after the bytes: wait until they are in the kernel, or destroying the
    // stream would drop them unsent.
    socket.write(Buffer.concat([head, body.subarray(0, body.length >> 1)]), () =>
      socket.resetAndDestroy(),
    );
    return reply;
  }
  // `refused` pages are served here too, for anyone who asks this port rather than refusedPort.
  return reply.type('text/html; charset=utf-8').send(bodies[index]);
});

// Bound, never listening: see the top of the file.
const refuser = new Socket();
refuser.bind(['127.0.0.1', 0]);
const refusedPort = (refuser.getsockname() as [string, number])[1];

// A thousand clients connecting at once must all fit in the accept queue: a SYN dropped from a
// full queue is retransmitted only after a second. The kernel caps this at net.core.somaxconn.
await app.listen({ host: '127.0.0.1', port: 0, backlog: 4096 });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
process.stdout.write(`${JSON.stringify({ port, refusedPort })}\n`);

const stop = (): void => {
  void app.close().then(() => {
    refuser.close();
    process.exit(0);
  });
};
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
