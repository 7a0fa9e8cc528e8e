/**
 * The C load client's first client: every echo server is measured once a client has come and
 * gone (see the top of `src/peers/echo_client.c` for why asyncio needs it). Real loopback
 * servers written with Node `net`, so the test sees what the client did from the server side.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hasCompiler } from './native';
import { runEchoLoad } from './servers';

// This file starts the C load client: seconds alone, and ten times that on a loaded 2-core machine
// (the suite beside two CPU hogs), so the limits are 120 s, not 20.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const load = { connections: 3, messageSize: 1024, durationMs: 200, warmupMs: 0 };

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

function listen(onConnection: (socket: Socket) => void): Promise<number> {
  server = createServer(onConnection);
  return new Promise((resolve) => {
    server!.listen(0, '127.0.0.1', () => resolve((server!.address() as { port: number }).port));
  });
}

describe.skipIf(!hasCompiler())('the echo load client', () => {
  it('echoes one message on a first connection and waits for its close before the measured connections open', async () => {
    const events: string[] = [];
    let opened = 0;
    const port = await listen((socket) => {
      const id = opened++;
      events.push(`open ${id}`);
      socket.on('data', (data) => socket.write(data));
      socket.on('end', () => events.push(`end ${id}`)); // the client's EOF; net then closes ours
      socket.on('error', () => {});
    });

    const result = await runEchoLoad(port, load);

    expect(result.errors).toBe(0);
    expect(result.requests).toBeGreaterThan(0);
    expect(opened).toBe(1 + load.connections);
    expect(events.slice(0, 3)).toEqual(['open 0', 'end 0', 'open 1']);
  });

  it('fails, naming the first client, against a server that closes without echoing', async () => {
    const port = await listen((socket) => socket.destroy());

    await expect(runEchoLoad(port, load)).rejects.toThrow(
      /failed the first client: did not get its message echoed back/,
    );
  });
});
