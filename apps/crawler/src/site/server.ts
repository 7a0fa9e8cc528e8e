/**
 * The embedded site the crawler downloads from: a fastify server in its own process.
 *
 * Its own process, so that the crawler's blocking stages (which freeze their thread on purpose)
 * cannot freeze the server too. Every page waits `latency` ms before answering, standing in for
 * the network the article's example.com sat behind, so that the ratios between strategies show.
 *
 * Its pages are pages.ts's. The server prints `{"port": …}` on stdout once it
 * listens, and exits when its parent goes away (stdin closes), so nothing is ever left running.
 */
import Fastify from 'fastify';
import { parseArgs } from 'node:util';
import { pageBody, pageIndex } from './pages';

const { values } = parseArgs({
  options: {
    pages: { type: 'string', default: '10' },
    latency: { type: 'string', default: '100' },
    size: { type: 'string', default: '2048' },
  },
});
const pages = Number(values.pages);
const latency = Number(values.latency);
const size = Number(values.size);

const bodies = Array.from({ length: pages }, (_, i) => pageBody(i, pages, size));
const app = Fastify({ logger: false, keepAliveTimeout: 1000 });
app.get('/*', async (request, reply) => {
  const path = request.url.split('?')[0] ?? '/';
  const index = pageIndex(path, pages);
  if (index < 0) return reply.code(404).type('text/plain').send('not found\n');
  await new Promise((resolve) => setTimeout(resolve, latency));
  return reply.type('text/html; charset=utf-8').send(bodies[index]);
});

await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
process.stdout.write(`${JSON.stringify({ port })}\n`);

const stop = (): void => {
  void app.close().then(() => process.exit(0));
};
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
