/**
 * Node's own HTTP server for `pnpm bench http`: `node:http` answering every request with
 * "Hello, world!" (`Content-Type: text/plain`, `Content-Length: 13`), the way a Node programmer
 * writes it. A request with a body is answered once the body has been read (`end`); a body
 * shorter or longer than its `Content-Length` said is answered 500, as the aio server does.
 *
 *   node-http-hello.ts [--backlog N]
 *
 * `keepAliveTimeout` is ten minutes (Node's default, 5 s, would close the idle connections of
 * the memory measurement under it). Same protocol as every bench server: prints `{"port": N}`
 * once listening on 127.0.0.1, and stops when stdin reaches EOF.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { backlog: { type: 'string', default: '1024' } } });
const backlog = Number(values.backlog);
if (!Number.isInteger(backlog) || backlog < 1) {
  process.stderr.write(
    `node-http-hello.ts: --backlog must be an integer >= 1, got ${values.backlog}\n`,
  );
  process.exit(2);
}

const BODY = 'Hello, world!';

function answer(request: IncomingMessage, response: ServerResponse, received: number): void {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) !== received) {
    const why = `body of ${received} bytes, Content-Length ${declared}`;
    response.writeHead(500, { 'Content-Type': 'text/plain', 'Content-Length': String(why.length) });
    response.end(why);
    return;
  }
  response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '13' });
  response.end(BODY);
}

const server = createServer((request, response) => {
  if (request.method === 'GET' || request.method === 'HEAD') {
    answer(request, response, 0);
    request.resume();
    return;
  }
  let received = 0;
  request.on('data', (chunk: Buffer) => (received += chunk.length));
  request.on('end', () => answer(request, response, received));
});
server.keepAliveTimeout = 600_000;
server.listen(0, '127.0.0.1', backlog, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
process.stdin.on('end', () => {
  server.close();
  server.closeAllConnections();
});
process.stdin.resume();
