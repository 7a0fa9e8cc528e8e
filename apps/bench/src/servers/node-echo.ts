/**
 * Node's own echo server for `pnpm bench loop`: `net` with `data` → `write`, the way a Node
 * programmer would write it. Same protocol as every bench server: prints `{"port": N}`, stops
 * when stdin reaches EOF. `--backlog N` sets listen()'s backlog (default 511, Node's).
 */
import { createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { backlog: { type: 'string', default: '511' } } });
const backlog = Number(values.backlog);

const sockets = new Set<Socket>();
const server = createServer((socket) => {
  sockets.add(socket);
  socket.setNoDelay(true);
  socket.on('data', (data) => socket.write(data));
  socket.on('error', () => socket.destroy());
  socket.on('close', () => sockets.delete(socket));
});
server.listen(0, '127.0.0.1', backlog, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
process.stdin.on('end', () => {
  for (const socket of sockets) socket.destroy();
  server.close();
});
process.stdin.resume();
