/**
 * Helpers for this package's tests: real socket pairs, pipes and loopback TCP connections, and a
 * way to close whatever a test opened. Not part of the package's API (excluded from `files`).
 */
import { afterEach } from 'vitest';
import { errno, libc } from './libc';
import { osError } from './errors';
import { platform } from './platform/index';
import { AF_INET, SOCK_STREAM, Socket } from './socket';

type Closeable = { close(): void } | number;
const opened: Closeable[] = [];

/** Remembers `thing` (or each of a pair) so it is closed after the current test, whatever happens. */
export function track<T extends Closeable | readonly Closeable[]>(thing: T): T {
  if (Array.isArray(thing)) opened.push(...(thing as readonly Closeable[]));
  else opened.push(thing as Closeable);
  return thing;
}

afterEach(() => {
  for (const thing of opened.splice(0).reverse()) {
    if (typeof thing === 'number') libc.close(thing);
    else thing.close();
  }
});

/** A connected loopback TCP pair: `[client, server]` (the listener is closed already). */
export function tcpPair(family = AF_INET): [Socket, Socket] {
  const host = family === AF_INET ? '127.0.0.1' : '::1';
  const listener = new Socket(family, SOCK_STREAM);
  try {
    listener.bind([host, 0]);
    listener.listen(1);
    const client = track(new Socket(family, SOCK_STREAM));
    client.connect(listener.getsockname());
    const [server] = listener.accept();
    return [client, track(server)];
  } finally {
    listener.close();
  }
}

/** A pipe: `[readFd, writeFd]`, both non-blocking and tracked. */
export function pipe(): [number, number] {
  const fds = new Int32Array(2);
  if (libc.pipe2!(fds, platform.O_CLOEXEC | platform.O_NONBLOCK) !== 0)
    throw osError(errno(), 'pipe2');
  return [track(fds[0]!), track(fds[1]!)];
}

export function writeFd(fd: number, text: string): number {
  const buf = Buffer.from(text);
  return libc.write(fd, buf, buf.length);
}

/** An fd number that is certainly not open right now. */
export function closedFd(): number {
  const sock = new Socket();
  const fd = sock.fileno();
  sock.close();
  return fd;
}

/** Milliseconds `fn` took. */
export function timed<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const result = fn();
  return [result, performance.now() - start];
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

export { SOCK_STREAM };
