/**
 * The keep-alive pool of `AsyncHTTPClient` (tornado's simple client has none: it closes every
 * connection after its request). A connection is kept after a response when it may carry
 * another — the response said nothing against it, its body was read to the end, nothing went
 * wrong — under a key made of everything that makes two connections interchangeable: scheme,
 * host, port, the TLS settings, the proxy, the local address.
 *
 * An idle connection has no read waiting, so nothing on the loop watches it: the server may
 * close it meanwhile. `take` checks before handing one out, as urllib3 does: a connection whose
 * socket has anything to read (the server's FIN, a TLS alert, stray bytes) is closed, not reused.
 * That is one `recv(MSG_PEEK)`, which fails with EAGAIN on a live idle connection. A server
 * that closes at the very moment a request goes out is the fetch's to retry (see fetch.ts).
 * Each idle connection has a timer: past `idleTimeout` (or the server's `Keep-Alive: timeout`,
 * whichever is shorter) it is closed.
 */
import type { EventLoop, TimerHandle } from '@aio/loop';
import { MSG_PEEK, WOULD_BLOCK } from '@aio/selector';
import type { IOStream } from '../iostream';

interface Idle {
  readonly stream: IOStream;
  readonly timer: TimerHandle;
}

export class ConnectionPool {
  readonly #loop: EventLoop;
  readonly #idleTimeout: number;
  /** Idle connections per key, the most recently used last. */
  readonly #idle = new Map<string, Idle[]>();
  #closed = false;
  /** Connections handed out again (for `stats`). */
  reused = 0;

  constructor(loop: EventLoop, idleTimeout: number) {
    this.#loop = loop;
    this.#idleTimeout = idleTimeout;
  }

  /** How many connections are idle. */
  get idleCount(): number {
    let n = 0;
    for (const list of this.#idle.values()) n += list.length;
    return n;
  }

  /** A live idle connection for `key` (the most recently used), or null. */
  take(key: string): IOStream | null {
    const list = this.#idle.get(key);
    if (list === undefined) return null;
    while (list.length > 0) {
      const { stream, timer } = list.pop()!;
      timer.cancel();
      if (list.length === 0) this.#idle.delete(key);
      if (isIdleAndOpen(stream)) {
        this.reused++;
        return stream;
      }
      stream.close();
    }
    return null;
  }

  /**
   * Keeps `stream` (idle: no read waiting, nothing buffered) for `key`, for at most
   * `keepAliveMs` (the server's own limit, when it gave one) or the pool's idle timeout.
   */
  give(key: string, stream: IOStream, keepAliveMs: number | null): void {
    if (this.#closed || stream.closed()) {
      stream.close();
      return;
    }
    const timeout = Math.min(this.#idleTimeout, keepAliveMs ?? Infinity);
    if (timeout <= 0) {
      stream.close();
      return;
    }
    let list = this.#idle.get(key);
    if (list === undefined) this.#idle.set(key, (list = []));
    const entry: Idle = {
      stream,
      timer: this.#loop.callLater(timeout, () => this.#expire(key, entry)),
    };
    list.push(entry);
  }

  #expire(key: string, entry: Idle): void {
    const list = this.#idle.get(key);
    const at = list?.indexOf(entry) ?? -1;
    if (at >= 0) {
      list!.splice(at, 1);
      if (list!.length === 0) this.#idle.delete(key);
    }
    entry.stream.close();
  }

  /** Closes every idle connection; later `give`s close theirs at once. */
  close(): void {
    this.#closed = true;
    for (const list of this.#idle.values()) {
      for (const { stream, timer } of list) {
        timer.cancel();
        stream.close();
      }
    }
    this.#idle.clear();
  }
}

/** Where `isIdleAndOpen` peeks: one byte, never kept. */
const PEEK = Buffer.alloc(1);

/**
 * True when the socket has nothing to read: the peer has neither closed it nor sent anything.
 * `tryRecvInto` says so with WOULD_BLOCK; `recv` would throw a BlockingIOError for it, and
 * making that error (its stack) was a sixth of the client's CPU per kept-alive request.
 */
function isIdleAndOpen(stream: IOStream): boolean {
  if (stream.closed() || stream.bufferedBytes > 0 || stream.reading()) return false;
  try {
    // WOULD_BLOCK: live and idle; 0 (EOF) or a byte nobody asked for: not reusable.
    return stream.socket.tryRecvInto(PEEK, 1, MSG_PEEK) === WOULD_BLOCK;
  } catch {
    return false; // ECONNRESET and the like
  }
}
