/**
 * Test helpers for the stream tests: fresh loops run to completion, and connected loopback TCP
 * sockets, all closed after each test (the fd guard checks).
 */
import { EventLoop } from '@aio/loop';
import { AF_INET, SOCK_STREAM, SOL_SOCKET, SO_LINGER, Socket } from '@aio/selector';
import { afterEach } from 'vitest';
import { createTask, Task } from '../task';
import { sleep } from '../sleep';

const loops: EventLoop[] = [];
const closeables: { close(): void }[] = [];
afterEach(() => {
  for (const c of closeables.splice(0)) c.close();
  for (const loop of loops.splice(0)) if (!loop.isClosed()) loop.close();
});

/** Closed after the test. */
export function track<T extends { close(): void }>(closeable: T): T {
  closeables.push(closeable);
  return closeable;
}

/** A loop closed after the test. */
export function newLoop(): EventLoop {
  const loop = new EventLoop();
  loops.push(loop);
  return loop;
}

/** Runs `body` as the main task of a fresh loop. */
export function main<T>(body: (loop: EventLoop) => Generator<unknown, T, unknown>): Promise<T> {
  const loop = newLoop();
  return loop.runUntilComplete(new Task<T>(body(loop), { loop }));
}

/** Runs an async `body` as the main task of a fresh loop. */
export function mainAsync<T>(body: (loop: EventLoop) => Promise<T>): Promise<T> {
  const loop = newLoop();
  return loop.runUntilComplete(createTask(() => body(loop), { loop }));
}

/** Two connected non-blocking loopback TCP sockets `[client, server]`, closed after the test. */
export function tcpPair(): [Socket, Socket] {
  const listener = new Socket(AF_INET, SOCK_STREAM);
  try {
    listener.bind(['127.0.0.1', 0]);
    listener.listen(1);
    const client = track(new Socket(AF_INET, SOCK_STREAM));
    client.connect(listener.getsockname());
    const [server] = listener.accept();
    track(server);
    client.setBlocking(false);
    server.setBlocking(false);
    return [client, server];
  } finally {
    listener.close();
  }
}

/** Makes `sock.close()` send a reset (RST) instead of a FIN: SO_LINGER on with a 0 s timeout. */
export function resetOnClose(sock: Socket): void {
  const linger = Buffer.alloc(8);
  linger.writeInt32LE(1, 0);
  linger.writeInt32LE(0, 4);
  sock.setsockopt(SOL_SOCKET, SO_LINGER, linger);
}

/** Gives up loop iterations until `condition` holds: waits on the code under test, not a clock. */
export function* until(condition: () => boolean, limit = 5000): Generator<unknown, void, unknown> {
  for (let i = 0; !condition(); i++) {
    if (i === limit)
      throw new Error(`not reached in ${limit} loop iterations: ${String(condition)}`);
    yield* sleep(i < 100 ? 0 : 1);
  }
}
