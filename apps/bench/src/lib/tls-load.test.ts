/**
 * The TLS load client (`src/peers/tls_client.c`) against real loopback servers written with
 * Node's `tls`, so the test sees what the client did from the server side: full handshakes, the
 * echo checked, and a server that loses a message failing the round instead of passing for a
 * slow one.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hasCompiler } from './native';
import type { RunningServer } from './servers';
import { TLS_CERT, tlsClientBinary, tlsLoadClient } from './tls-load';

// The C client is compiled on first use, and each run lasts its warm-up, duration and up to 5 s
// of the first client's patience: generous limits for a loaded 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const load = { connections: 3, messageSize: 1024, durationMs: 300, warmupMs: 0, lines: true };

let server: Server | undefined;
/** Every connection accepted: a server that never reads never sees its client leave. */
const sockets = new Set<TLSSocket>();

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A TLS server on the bench's certificate; `onSecure` gets each connection after its handshake. */
function listen(onSecure: (socket: TLSSocket) => void): Promise<RunningServer> {
  const options = { cert: readFileSync(TLS_CERT.certfile), key: readFileSync(TLS_CERT.keyfile) };
  server = createServer(options, (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    onSecure(socket);
  });
  return new Promise((resolve) => {
    server!.listen(0, '127.0.0.1', () => {
      const { port } = server!.address() as { port: number };
      resolve({ port, pid: process.pid, stop: () => Promise.resolve() });
    });
  });
}

/** Line echo, as the bench's servers: the client sends whole lines and awaits each. */
function echo(socket: TLSSocket): void {
  socket.on('data', (data: Buffer) => socket.write(data));
}

const built = hasCompiler() ? tlsClientBinary() : { skipped: 'no C compiler' };
const binary = 'binary' in built ? built.binary : null;

describe.skipIf(binary === null)('the TLS load client', () => {
  const client = (mode: 'echo' | 'handshakes', durationMs = load.durationMs) =>
    tlsLoadClient(binary!, mode, { ...load, durationMs });

  it('makes a full handshake for every connection, and counts each line echoed back', async () => {
    let connections = 0;
    let resumed = 0;
    const running = await listen((socket) => {
      connections++;
      if (socket.isSessionReused()) resumed++;
      echo(socket);
    });

    const result = await client('handshakes').run(running);

    expect(result.errors).toBe(0);
    expect(result.requests).toBeGreaterThan(0);
    expect(result.resumed).toBe(0);
    expect(resumed).toBe(0);
    // The first client, then one connection per request (some still open when the run ended).
    expect(connections).toBeGreaterThanOrEqual(1 + result.requests);
    expect(result.protocol).toBe('TLSv1.3');
    expect(result.clientCpu).toBeGreaterThan(0);
    expect(result.serverCpuPerRequestUs).toBeGreaterThan(0);
  });

  it('keeps its connections for the echo: the first client and one per connection', async () => {
    let connections = 0;
    const running = await listen((socket) => {
      connections++;
      echo(socket);
    });

    const result = await client('echo').run(running);

    expect(result.errors).toBe(0);
    expect(result.requests).toBeGreaterThan(load.connections);
    expect(connections).toBe(1 + load.connections);
  });

  it('fails the round, naming the first client, against a server that never echoes', async () => {
    const running = await listen(() => {});

    await expect(client('echo').run(running)).rejects.toThrow(
      /failed the first client: did not get its message echoed back within 5 s/,
    );
  });

  it('fails the round against a server that stops answering, instead of reporting it slow', async () => {
    let connections = 0;
    const running = await listen((socket) => {
      // The first client and the first measured connection are served; the others never are.
      if (++connections <= 2) echo(socket);
    });

    await expect(client('echo', 3_000).run(running)).rejects.toThrow(
      /2 of 3 connections failed: a message got no answer from the server for 2 s/,
    );
  });
});
