/**
 * The fallback server of `pnpm bench httpclient` when nginx is not installed: Node's `http`
 * answering every request with `hello` (`Content-Type: text/plain`, `Content-Length: 5`), as
 * the bench's nginx config does, and keeping the same access log: one line per request,
 * `<connection> <connection_requests> <uri> <status>` (src/lib/access-log.ts reads it), written
 * to `--log` when the server stops.
 *
 *   http-hello-log.ts --log FILE
 *
 * `keepAliveTimeout` and `maxRequestsPerSocket` leave every connection open for as long as the
 * client wants it. Same protocol as every bench server: prints `{"port": N}` once listening on
 * 127.0.0.1, and stops when stdin reaches EOF.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { log: { type: 'string' } } });
if (values.log === undefined) {
  process.stderr.write('http-hello-log.ts: --log FILE is required\n');
  process.exit(2);
}
const logFile = values.log;

const BODY = 'hello';
/** Each connection's serial number and the requests it has carried. */
const connections = new WeakMap<Socket, { id: number; requests: number }>();
let nextId = 1;
const lines: string[] = [];

const server = createServer((request, response) => {
  let connection = connections.get(request.socket);
  if (connection === undefined) {
    connection = { id: nextId++, requests: 0 };
    connections.set(request.socket, connection);
  }
  connection.requests++;
  response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '5' });
  response.end(BODY);
  lines.push(`${connection.id} ${connection.requests} ${request.url ?? ''} 200`);
  request.resume();
});
server.keepAliveTimeout = 600_000;
server.maxRequestsPerSocket = 0;
server.listen(0, '127.0.0.1', 4096, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
process.stdin.on('end', () => {
  writeFileSync(logFile, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
  server.close();
  server.closeAllConnections();
});
process.stdin.resume();
