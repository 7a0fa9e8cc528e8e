/**
 * tornado's `_Connector` (tornado/tcpclient.py): "Happy Eyeballs" (RFC 6555) over the addresses
 * a resolver gave.
 *
 * The addresses are split by family: the primary list is the first address's family, the
 * secondary list the others. One attempt runs per list at a time. The primary list starts; if its
 * attempt fails, the next primary address is tried, and the secondary list starts at once; if
 * the first attempt is still pending after `timeout` (300 ms), the secondary list starts beside
 * it. The first connection made wins: every other attempt still open is closed. With all failed,
 * the future fails with the last error; past `connectTimeout` it fails with TimeoutError and
 * every attempt is closed.
 *
 * A state machine over an injected `connect(af, address)`: TCPClient passes real sockets; the
 * tests drive it with streams and futures of their own, step by step, as tornado's do.
 */
import { Future, TimeoutError } from '@aio/future';
import type { TimerHandle } from '@aio/loop';
import type { Address } from '@aio/selector';
import { IOLoop, type Timeout } from '../ioloop';

/** What a connection attempt makes: something to close if it loses. */
export interface Closable {
  close(): void;
}

/** `[family, address]`, as a Resolver gives them. */
export type FamilyAddress = readonly [family: number, address: Address];

/** Starts one attempt: the stream, and the future that says whether it connected. */
export type ConnectFn<S extends Closable> = (family: number, address: Address) => [S, Future<S>];

/** How long the first family has alone before the second starts beside it (tornado's 0.3 s). */
export const INITIAL_CONNECT_TIMEOUT_MS = 300;

export class Connector<S extends Closable> {
  readonly ioloop: IOLoop;
  readonly future: Future<[family: number, address: Address, stream: S]>;
  /** Attempts not finished yet, in all. */
  remaining: number;
  lastError: unknown = null;
  readonly primaryAddrs: FamilyAddress[];
  readonly secondaryAddrs: FamilyAddress[];
  /** The attempts' streams still open: closed when another wins, or at the connect timeout. */
  readonly streams = new Set<S>();
  #timeout: TimerHandle | null = null;
  #connectTimeout: TimerHandle | null = null;

  constructor(
    addrinfo: readonly FamilyAddress[],
    readonly connect: ConnectFn<S>,
  ) {
    if (addrinfo.length === 0) throw new TypeError('Connector: no address to connect to');
    this.ioloop = IOLoop.current();
    this.future = new Future(this.ioloop.asyncioLoop);
    this.remaining = addrinfo.length;
    [this.primaryAddrs, this.secondaryAddrs] = Connector.split(addrinfo);
  }

  /** The first address's family, and the others. */
  static split(addrinfo: readonly FamilyAddress[]): [FamilyAddress[], FamilyAddress[]] {
    const primary: FamilyAddress[] = [];
    const secondary: FamilyAddress[] = [];
    const primaryFamily = addrinfo[0]?.[0];
    for (const entry of addrinfo) (entry[0] === primaryFamily ? primary : secondary).push(entry);
    return [primary, secondary];
  }

  /**
   * Starts with the primary family; the secondary one after `timeoutMs` (or at once, once a
   * primary attempt fails). `connectTimeout` (a `loop.time()` deadline or a Timedelta) bounds
   * the whole.
   */
  start(
    timeoutMs = INITIAL_CONNECT_TIMEOUT_MS,
    connectTimeout: Timeout | null = null,
  ): Future<[family: number, address: Address, stream: S]> {
    this.tryConnect(this.primaryAddrs[Symbol.iterator]());
    this.#timeout = this.ioloop.callLater(timeoutMs, () => this.onTimeout());
    if (connectTimeout !== null) {
      this.#connectTimeout = this.ioloop.addTimeout(connectTimeout, () => this.onConnectTimeout());
    }
    return this.future;
  }

  // #region happy-eyeballs
  tryConnect(addrs: Iterator<FamilyAddress>): void {
    const next = addrs.next();
    if (next.done === true) {
      // This list is done; the other may still be working. Fail only when both are.
      if (this.remaining === 0 && !this.future.done()) {
        this.future.setException(this.lastError ?? new Error('connection failed'));
        this.#clearTimeouts();
      }
      return;
    }
    const [family, address] = next.value;
    const [stream, attempt] = this.connect(family, address);
    this.streams.add(stream);
    attempt.addDoneCallback((done) => this.onConnectDone(addrs, family, address, done));
  }

  onConnectDone(
    addrs: Iterator<FamilyAddress>,
    family: number,
    address: Address,
    done: Future<S>,
  ): void {
    this.remaining -= 1;
    const error = done.cancelled() ? new Error('connection attempt cancelled') : done.exception();
    if (error !== undefined) {
      if (this.future.done()) return;
      // Remember the error for the end, and try the next address.
      this.lastError = error;
      this.tryConnect(addrs);
      // The first attempt failed: the other family need not wait for the timeout.
      if (this.#timeout !== null) this.onTimeout();
      return;
    }
    const stream = done.result();
    this.#clearTimeouts();
    if (this.future.done()) {
      stream.close(); // a late arrival
      return;
    }
    this.streams.delete(stream);
    this.future.setResult([family, address, stream]);
    this.closeStreams();
  }

  onTimeout(): void {
    this.#timeout?.cancel(); // when called before its time (the first attempt failed)
    this.#timeout = null;
    if (!this.future.done()) this.tryConnect(this.secondaryAddrs[Symbol.iterator]());
  }
  // #endregion happy-eyeballs

  onConnectTimeout(): void {
    if (!this.future.done()) this.future.setException(new TimeoutError('connect timed out'));
    this.#clearTimeouts();
    this.closeStreams();
  }

  #clearTimeouts(): void {
    this.#timeout?.cancel();
    this.#timeout = null;
    this.#connectTimeout?.cancel();
    this.#connectTimeout = null;
  }

  /** Gives up: no more attempts, and every stream closed (the winner's too, if one won). */
  abort(): void {
    const future = this.future;
    if (!future.done()) future.cancel();
    else if (!future.cancelled() && future.exception() === undefined) future.result()[2].close();
    this.#clearTimeouts();
    this.closeStreams();
  }

  closeStreams(): void {
    for (const stream of this.streams) stream.close();
  }
}
