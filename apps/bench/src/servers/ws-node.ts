/**
 * npm's `ws`, the Node peer of `pnpm bench websocket`: its echo server as ws's README writes it,
 * a `WebSocketServer` on a `node:http` server, each message sent back as it came (text as text,
 * binary as binary).
 *
 *   ws-node.ts [--deflate] [--backlog N]
 *
 * `--deflate`: permessage-deflate with ws's default options (`perMessageDeflate: {}`: the server
 * keeps its context between messages, and compresses messages of 1,024 bytes or more, which every
 * message of the bench's deflate case is). Off otherwise, as ws's default is.
 *
 * SIGUSR2 runs a full garbage collection when Node was started with `--expose-gc`: the idle
 * memory measurement reads the resident set after one. Same protocol as every bench server:
 * prints `{"port": N}` once listening on 127.0.0.1, and stops when stdin reaches EOF.
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import type * as WS from 'ws';

// ws is CommonJS and `require`s Node's built-ins, which an ES module bundle cannot: loaded at run
// time from this package's node_modules, as build.mjs leaves fastify.
const { WebSocketServer } = createRequire(import.meta.url)('ws') as typeof WS;

const { values } = parseArgs({
  options: {
    deflate: { type: 'boolean', default: false },
    backlog: { type: 'string', default: '1024' },
  },
});
const backlog = Number(values.backlog);
if (!Number.isInteger(backlog) || backlog < 1) {
  process.stderr.write(`ws-node.ts: --backlog must be an integer >= 1, got ${values.backlog}\n`);
  process.exit(2);
}

const server = createServer();
const wss = new WebSocketServer({
  server,
  path: '/ws',
  perMessageDeflate: values.deflate ? {} : false,
});
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    ws.send(data, { binary: isBinary });
  });
});

server.listen({ port: 0, host: '127.0.0.1', backlog }, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
process.on('SIGUSR2', () => globalThis.gc?.());
process.stdin.on('end', () => {
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  server.close();
});
process.stdin.resume();
