/**
 * Node's own TLS line-echo server for `pnpm bench iostream`: `tls.createServer` with the bench's
 * certificate, writing back every whole line it has received, the way a Node programmer would
 * write it (`data` → `write`, a partial line kept for the next chunk).
 *
 *   node-tls-echo.ts --certfile PEM --keyfile PEM [--backlog N]
 *
 * Same protocol as every bench server: prints `{"port": N}`, stops when stdin reaches EOF.
 * `--backlog N` sets listen()'s backlog (default 511, Node's).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createServer, type TLSSocket } from 'node:tls';

const { values } = parseArgs({
  options: {
    certfile: { type: 'string' },
    keyfile: { type: 'string' },
    backlog: { type: 'string', default: '511' },
  },
});
if (values.certfile === undefined || values.keyfile === undefined) {
  process.stderr.write('node-tls-echo.ts: --certfile and --keyfile are required\n');
  process.exit(2);
}
const backlog = Number(values.backlog);

const sockets = new Set<TLSSocket>();
const server = createServer(
  { cert: readFileSync(values.certfile), key: readFileSync(values.keyfile) },
  (socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    /** The bytes after the last newline received: the start of a line not yet whole. */
    let partial: Buffer | null = null;
    socket.on('data', (data: Buffer) => {
      const chunk = partial === null ? data : Buffer.concat([partial, data]);
      const end = chunk.lastIndexOf(10) + 1; // just past the last newline
      partial = end === chunk.length ? null : chunk.subarray(end);
      if (end > 0) socket.write(end === chunk.length ? chunk : chunk.subarray(0, end));
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  },
);
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
