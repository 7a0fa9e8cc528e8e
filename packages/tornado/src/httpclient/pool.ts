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
 *
 * The check is skipped for a connection given back less than `FRESH_MS` ago when the request
 * taking it may be retried (idempotent, no body producer). Servers close idle connections after
 * seconds (nginx 75 s, Node 5 s, Apache 5 s), not within a tenth of a second of their response,
 * and one that does (or closes in the instant after a check: the check narrows that race, it
 * never closes it) costs such a request a retry on a new connection, not a failure. The peek
 * was a third of the system calls of a keep-alive request (`pnpm bench httpclient`; undici makes
 * none). The window is that long because under load a connection waits for its worker: 50
 * responses read in one turn resume their 50 workers in the next, a millisecond or more later.
 * With a 1 ms window the peek still ran for 84% of the bench's requests; with 100 ms, for none.
 *
 * Past `idleTimeout` (or the server's `Keep-Alive: timeout`, whichever is shorter) an idle
 * connection is closed. Rather than a timer per connection given back (armed and cancelled once
 * per request under load), each one records when it expires, `take` skips an expired one, and one
 * sweep timer, armed for the earliest expiry, closes the expired ones on time and re-arms itself
 * for the next. A connection taken leaves the sweep armed for it: the sweep then fires once for
 * nothing, where cancelling and re-arming it each time the connections in flight leave the pool
 * empty would put back much of the churn it saves. `close()` disarms it.
 */
import type { EventLoop, TimerHandle } from '@aio/loop';
import { MSG_PEEK, WOULD_BLOCK } from '@aio/selector';
import type { IOStream } from '../iostream';

/** How recently given back a connection is taken without checking it (ms; see above). */
export const FRESH_MS = 100;

interface Idle {
  readonly stream: IOStream;
  /** When it was given back (`loop.time()` ms). */
  readonly since: number;
  /** When it is closed, if still idle (`loop.time()` ms). */
  readonly expires: number;
}

export class ConnectionPool {
  readonly #loop: EventLoop;
  readonly #idleTimeout: number;
  /** Idle connections per key, the most recently used last. */
  readonly #idle = new Map<string, Idle[]>();
  #closed = false;
  /** The sweep's timer, armed for `#sweepAt` (the earliest expiry), or null. */
  #sweepTimer: TimerHandle | null = null;
  #sweepAt = Infinity;
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

  // #region take
  /**
   * A live idle connection for `key` (the most recently used), or null. `mayRetry`: the request
   * can be sent again if the connection turns out closed, so a fresh one is taken unchecked.
   */
  take(key: string, mayRetry = false): IOStream | null {
    const list = this.#idle.get(key);
    if (list === undefined) return null;
    const now = this.#loop.time();
    while (list.length > 0) {
      const { stream, since, expires } = list.pop()!;
      if (list.length === 0) this.#idle.delete(key);
      if (expires > now && isIdleAndOpen(stream, mayRetry && now - since < FRESH_MS)) {
        this.reused++;
        return stream;
      }
      stream.close();
    }
    return null;
  }
  // #endregion take

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
    const now = this.#loop.time();
    const expires = now + timeout;
    list.push({ stream, since: now, expires });
    if (expires < this.#sweepAt) this.#armSweep(expires);
  }

  #armSweep(at: number): void {
    this.#sweepTimer?.cancel();
    this.#sweepAt = at;
    this.#sweepTimer = this.#loop.callAt(at, this.#sweep);
  }

  /** Closes the expired idle connections, and re-arms for the next expiry. */
  readonly #sweep = (): void => {
    this.#sweepTimer = null;
    this.#sweepAt = Infinity;
    const now = this.#loop.time();
    let next = Infinity;
    for (const [key, list] of this.#idle) {
      // Expiries are not in order within a list: the server's keep-alive limit shortens some.
      let kept = 0;
      for (const entry of list) {
        if (entry.expires <= now) entry.stream.close();
        else {
          list[kept++] = entry;
          next = Math.min(next, entry.expires);
        }
      }
      list.length = kept;
      if (kept === 0) this.#idle.delete(key);
    }
    if (next !== Infinity) this.#armSweep(next);
  };

  /** Closes every idle connection; later `give`s close theirs at once. */
  close(): void {
    this.#closed = true;
    this.#sweepTimer?.cancel();
    this.#sweepTimer = null;
    this.#sweepAt = Infinity;
    for (const list of this.#idle.values()) for (const { stream } of list) stream.close();
    this.#idle.clear();
  }
}

/** Where `isIdleAndOpen` peeks: one byte, never kept. */
const PEEK = Buffer.alloc(1);

// #region is-idle-and-open
/**
 * True when the socket has nothing to read: the peer has neither closed it nor sent anything.
 * `tryRecvInto` says so with WOULD_BLOCK; `recv` would throw a BlockingIOError for it, and
 * making that error (its stack) was a sixth of the client's CPU per kept-alive request.
 * `unchecked`: only what is known without a system call.
 */
function isIdleAndOpen(stream: IOStream, unchecked: boolean): boolean {
  if (stream.closed() || stream.bufferedBytes > 0 || stream.reading()) return false;
  if (unchecked) return true;
  try {
    // WOULD_BLOCK: live and idle; 0 (EOF) or a byte nobody asked for: not reusable.
    return stream.socket.tryRecvInto(PEEK, 1, MSG_PEEK) === WOULD_BLOCK;
  } catch {
    return false; // ECONNRESET and the like
  }
}
// #endregion is-idle-and-open
