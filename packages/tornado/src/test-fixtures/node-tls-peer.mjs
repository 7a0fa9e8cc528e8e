/**
 * Node's `tls` module as a peer in a child process, for ssl-interop.test.ts in blocking mode (our
 * loop then holds the test process's thread, and Node's own I/O there does not run). Plain
 * JavaScript, so `node` runs it without a loader.
 *
 *   node node-tls-peer.mjs server CERT KEY   one connection: its first line comes back as
 *                                            "node <version> <alpn> <sni>: <line>"; prints "PORT n"
 *   node node-tls-peer.mjs client PORT CA    sends a line to localhost:PORT, prints the reply and
 *                                            what was agreed as JSON
 *
 * Either gives up after 10 s.
 */
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:tls';

const [mode, ...args] = process.argv.slice(2);
setTimeout(() => {
  console.error('node-tls-peer: gave up after 10 s');
  process.exit(2);
}, 10_000).unref();

if (mode === 'server') {
  const [cert, key] = args;
  const server = createServer(
    { cert: readFileSync(cert), key: readFileSync(key), ALPNProtocols: ['http/1.1'] },
    (socket) => {
      server.close();
      let line = '';
      socket.setEncoding('utf8').on('data', (chunk) => {
        line += chunk;
        if (!line.includes('\n')) return;
        const agreed = `${socket.getProtocol()} ${socket.alpnProtocol} ${socket.servername}`;
        socket.end(`node ${agreed}: ${line}`);
      });
    },
  );
  server.listen(0, '127.0.0.1', () => console.log(`PORT ${server.address().port}`));
} else if (mode === 'client') {
  const [port, ca] = args;
  const socket = connect({
    host: '127.0.0.1',
    port: Number(port),
    servername: 'localhost',
    ca: readFileSync(ca),
    ALPNProtocols: ['h2', 'http/1.1'],
  });
  let reply = '';
  let agreed = {};
  socket.setEncoding('utf8');
  socket.on('secureConnect', () => {
    agreed = {
      protocol: socket.getProtocol(),
      alpn: socket.alpnProtocol,
      authorized: socket.authorized,
    };
    socket.write('hello from node\n');
  });
  socket.on('data', (chunk) => (reply += chunk));
  socket.on('end', () => {
    console.log(JSON.stringify({ reply, ...agreed }));
    socket.end();
  });
  socket.on('error', (error) => {
    console.log(JSON.stringify({ error: error.code ?? error.message }));
    process.exitCode = 1;
  });
} else {
  console.error(`node-tls-peer: unknown mode ${mode}`);
  process.exit(2);
}
