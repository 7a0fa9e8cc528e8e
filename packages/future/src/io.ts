/**
 * Socket operations as futures: asyncio's `loop.sock_recv`, `sock_sendall`, `sock_connect`,
 * `sock_accept`, and readiness itself (`readable`, `writable`).
 *
 * Each tries the operation at once (most reads and writes on a busy connection succeed without
 * waiting), and only if it would block registers a reader or writer on the loop. Every one is
 * safe to cancel: a done-callback removes the reader or writer whatever ends the future, so a
 * cancelled or failed operation leaves nothing registered. The socket must be non-blocking.
 */
import { constants } from 'node:os';
import { isIP } from 'node:net';
import type { EventLoop, Handle } from '@aio/loop';
import {
  AF_UNIX,
  InvalidArgumentError,
  SOL_SOCKET,
  SO_ERROR,
  WOULD_BLOCK,
  fileobjToFd,
  getaddrinfoAsync,
  osError,
  type AddrInfo,
  type Address,
  type FileObj,
  type Socket,
} from '@aio/selector';
import { recvScratch } from '@aio/selector/internal';
import { SSL_ERROR_WANT_READ, type SSLSocket } from '@aio/selector/ssl';
import { wrapPromise } from './bridge';
import { Future } from './future';
import { failedFuture, resolvedFuture, resolvedVoid } from './resolved';

const { EINPROGRESS, EAGAIN, EINTR } = constants.errno;

function checkNonBlocking(sock: Socket, method: string): void {
  if (sock.getBlocking()) {
    throw new InvalidArgumentError(
      `${method}() needs a non-blocking socket: call sock.setBlocking(false) first`,
    );
  }
}

// #region readable
/** Settles when `fd` is readable (or at EOF, or in error). Cancelling removes the reader. */
export function readable(loop: EventLoop, fd: FileObj): Future<void> {
  return readiness(loop, fd, 'read');
}

/** Settles when `fd` is writable. Cancelling removes the writer. */
export function writable(loop: EventLoop, fd: FileObj): Future<void> {
  return readiness(loop, fd, 'write');
}

function readiness(loop: EventLoop, fileobj: FileObj, kind: 'read' | 'write'): Future<void> {
  fileobjToFd(fileobj, kind === 'read' ? 'readable' : 'writable'); // validates, with a clear error
  return new ClosureOperation<void>(loop, fileobj, kind, () => undefined).begin(false);
}
// #endregion readable

/** What an attempt returns when the operation would block: wait for readiness, then try again. */
const AGAIN: unique symbol = Symbol('again');
type Attempt<T> = () => T | typeof AGAIN;

/**
 * A socket operation as a Future: it attempts itself (`attempt()`), at once if asked to, and
 * again each time the fd is ready, until an attempt gives a value (not AGAIN); an attempt that
 * throws fails the future. It is its own reader/writer (a static callback with the operation as
 * argument), so waiting costs no closure and no done-callback.
 *
 * Whatever ends it — success, failure or `cancel()` — removes the reader/writer, but only if it
 * is still ours: a later operation on the same fd replaces it (cancelling our handle), and must
 * keep its own (asyncio's `_sock_read_done` makes the same check). Sockets are passed to the
 * loop as objects, not fd numbers: then the loop may keep the kernel registration between a
 * read and the next one on the same socket (see EventLoop#removeReader).
 */
abstract class Operation<T> extends Future<T> {
  #handle: Handle | null = null;

  constructor(
    loop: EventLoop,
    private readonly fileobj: FileObj,
    private readonly kind: 'read' | 'write',
  ) {
    super(loop);
  }

  // #region begin
  /** One try at the operation: its value, or AGAIN if it would block. */
  protected abstract attempt(): T | typeof AGAIN;

  /** Tries at once if `tryFirst`; waits for readiness if it did not finish. Returns this. */
  begin(tryFirst: boolean): this {
    if (tryFirst && this.#settleOnce()) return this;
    const loop = this.getLoop();
    this.#handle =
      this.kind === 'read'
        ? loop.addReader(this.fileobj, Operation.onReady, this)
        : loop.addWriter(this.fileobj, Operation.onReady, this);
    return this;
  }

  /** Attempts once; true if that settled the future. */
  #settleOnce(): boolean {
    let value: T | typeof AGAIN;
    try {
      value = this.attempt();
    } catch (error) {
      this.setException(error);
      return true;
    }
    if (value === AGAIN) return false;
    this.setResult(value);
    return true;
  }

  static onReady(this: void, op: Operation<unknown>): void {
    if (!op.done() && op.#settleOnce()) op.#removeIfOurs();
  }
  // #endregion begin

  // #region removeIfOurs
  override cancel(message?: string): boolean {
    if (!super.cancel(message)) return false;
    this.#removeIfOurs();
    return true;
  }

  #removeIfOurs(): void {
    const handle = this.#handle;
    if (handle === null || handle.cancelled()) return;
    if (typeof this.fileobj !== 'number') {
      // A socket object: cancelling our Handle is enough, and costs no lookup. The loop counts a
      // cancelled reader/writer as removed and drops its registration lazily, as it does after
      // removeReader (see EventLoop#removeReader).
      handle.cancel();
      return;
    }
    // A raw fd number: removed at once (the number may mean another file soon).
    const loop = this.getLoop();
    if (this.kind === 'read') loop.removeReader(this.fileobj);
    else loop.removeWriter(this.fileobj);
  }
  // #endregion removeIfOurs
}

/** An operation whose attempt is a function (the less common ones: connect, accept, …). */
class ClosureOperation<T> extends Operation<T> {
  constructor(
    loop: EventLoop,
    fileobj: FileObj,
    kind: 'read' | 'write',
    private readonly fn: Attempt<T>,
  ) {
    super(loop, fileobj, kind);
  }

  protected attempt(): T | typeof AGAIN {
    return this.fn();
  }
}

/** Tries `attempt` at once; only if it would block does it wait for readiness. */
function operation<T>(
  loop: EventLoop,
  fd: FileObj,
  kind: 'read' | 'write',
  attempt: Attempt<T>,
): Future<T> {
  return new ClosureOperation(loop, fd, kind, attempt).begin(true);
}

/**
 * Sockets whose last read came back short: the kernel had no more bytes at that moment. The
 * next read on such a socket waits for readability before trying, instead of trying at once and
 * almost always failing — on a request/response connection the reply has just been sent and the
 * peer has not answered yet, so that try is a wasted syscall (a third of an echo server's). It
 * is only a hint: the loop's readiness polling is level-triggered, so bytes that arrived since
 * make the socket readable on the next poll; the cost of a wrong hint is one loop iteration.
 * libuv's reads work the same way.
 */
const readHints = new WeakMap<Socket, ReadHint>();
interface ReadHint {
  drained: boolean;
}

/** The read hint of `sock`, made on its first read; a mutable record, so no WeakMap churn. */
function readHintOf(sock: Socket): ReadHint {
  let hint = readHints.get(sock);
  if (hint === undefined) readHints.set(sock, (hint = { drained: false }));
  return hint;
}

/** Starts a read: at once, unless the last read drained the socket (see `readHints`). */
function beginRead<T>(op: Operation<T>, hint: ReadHint): Future<T> {
  const tryFirst = !hint.drained;
  hint.drained = false;
  return op.begin(tryFirst);
}

/**
 * Reads land in the one scratch buffer every package shares (@aio/selector's; a read is
 * synchronous, so sharing is safe) and are copied out at their real size: a `sockRecv(65536)`
 * that gets 1 KiB allocates 1 KiB, not 64.
 */
const SCRATCH = recvScratch();

/**
 * Small reads are copied out of SCRATCH into slices of a 16 KiB slab of our own, as Node's
 * `Buffer.allocUnsafe` does with its 8 KiB pool: one allocation per slab instead of one per
 * read. The larger slab halves the pool allocations, which cost more than the copies (malloc,
 * and V8's tracking of every ArrayBuffer); the price is that a small Buffer kept for long keeps
 * its 16 KiB slab alive. Reads over a quarter of the slab get a Buffer of their own.
 */
const SLAB_SIZE = 16 * 1024;
let slab = newSlab();
let slabUsed = 0;
// Views are made from the ArrayBuffers themselves: `buffer.subarray()` reads `.buffer`, a call
// into the runtime each time.
const SCRATCH_BYTES = SCRATCH.buffer;
const SCRATCH_OFFSET = SCRATCH.byteOffset;

function newSlab(): ArrayBuffer {
  const fresh = Buffer.allocUnsafeSlow(SLAB_SIZE);
  return fresh.buffer;
}

/** The first `got` bytes of SCRATCH, copied into a Buffer of their own size. */
function copyOut(got: number): Buffer {
  const source = new Uint8Array(SCRATCH_BYTES, SCRATCH_OFFSET, got);
  if (got > SLAB_SIZE >>> 2) return Buffer.from(source);
  if (slabUsed + got > SLAB_SIZE) {
    slab = newSlab();
    slabUsed = 0;
  }
  const out = Buffer.from(slab, slabUsed, got);
  slabUsed = (slabUsed + got + 7) & ~7; // 8-byte aligned, as Node's pool
  out.set(source);
  return out;
}

// #region sockRecv
/** Receives up to `n` bytes (an empty Buffer at EOF): asyncio's `sock_recv`. */
export function sockRecv(loop: EventLoop, sock: Socket, n: number): Future<Buffer> {
  checkNonBlocking(sock, 'sockRecv');
  if (!Number.isInteger(n) || n < 0) {
    throw new InvalidArgumentError(`sockRecv() expected a size >= 0, got ${String(n)}`);
  }
  if (n === 0) return resolvedFuture(loop, Buffer.alloc(0));
  const hint = readHintOf(sock);
  return beginRead(new RecvOperation(loop, sock, n, hint), hint);
}

/** `sockRecv` waiting for data: the hottest operation of a server, so a class of its own. */
class RecvOperation extends Operation<Buffer> {
  /** Where a read bigger than SCRATCH lands (made on the first attempt). */
  #into: Buffer | null = null;

  constructor(
    loop: EventLoop,
    private readonly sock: Socket,
    private readonly n: number,
    private readonly hint: ReadHint,
  ) {
    super(loop, sock, 'read');
  }

  protected attempt(): Buffer | typeof AGAIN {
    const n = this.n;
    const into = n <= SCRATCH.length ? SCRATCH : (this.#into ??= Buffer.allocUnsafe(n));
    const got = this.sock.tryRecvInto(into, n);
    if (got === WOULD_BLOCK) return AGAIN;
    this.hint.drained = got > 0 && got < n;
    if (into !== SCRATCH) return got === n ? into : Buffer.from(into.subarray(0, got));
    return copyOut(got);
  }
}
// #endregion sockRecv

/** Receives into `buffer`; settles with the count (0 at EOF): asyncio's `sock_recv_into`. */
export function sockRecvInto(
  loop: EventLoop,
  sock: Socket,
  buffer: Uint8Array,
  nbytes = 0,
): Future<number> {
  checkNonBlocking(sock, 'sockRecvInto');
  const asked = nbytes > 0 ? Math.min(nbytes, buffer.byteLength) : buffer.byteLength;
  const hint = readHintOf(sock);
  const op = new ClosureOperation(loop, sock, 'read', () => {
    const got = sock.tryRecvInto(buffer, nbytes);
    if (got === WOULD_BLOCK) return AGAIN;
    hint.drained = got > 0 && got < asked;
    return got;
  });
  return beginRead(op, hint);
}

// #region sockSendall
/** Sends all of `data`, waiting for room as needed: asyncio's `sock_sendall`. */
export function sockSendall(loop: EventLoop, sock: Socket, data: Uint8Array): Future<void> {
  checkNonBlocking(sock, 'sockSendall');
  if (data.byteLength === 0) return resolvedVoid(loop);
  // The common case first, with nothing allocated: the kernel takes it all at once.
  let sent: number;
  try {
    sent = sock.trySend(data);
  } catch (error) {
    return failedFuture(loop, error);
  }
  if (sent === data.byteLength) return resolvedVoid(loop);
  let rest = sent === WOULD_BLOCK ? data : data.subarray(sent);
  let copied = false;
  return operation<void>(loop, sock, 'write', () => {
    while (rest.byteLength > 0) {
      const sent = sock.trySend(rest);
      if (sent === WOULD_BLOCK) {
        // The caller may reuse its buffer once this returns: keep our own copy of what is left.
        if (!copied) {
          rest = Buffer.from(rest);
          copied = true;
        }
        return AGAIN;
      }
      rest = rest.subarray(sent);
    }
    return undefined;
  });
}
// #endregion sockSendall

/**
 * Connects `sock` to `address`: asyncio's `sock_connect`. A host name is resolved first, off
 * the main thread, with `getaddrinfo`.
 */
export function sockConnect(loop: EventLoop, sock: Socket, address: Address): Future<void> {
  checkNonBlocking(sock, 'sockConnect');
  if (
    Array.isArray(address) &&
    typeof address[0] === 'string' &&
    address[0] !== '' &&
    isIP(address[0]) === 0 &&
    sock.family !== AF_UNIX
  ) {
    const [host, port] = address as readonly [string, number];
    const result = new Future<void>(loop);
    const resolving = getaddrinfo(loop, host, port, sock.family, sock.type);
    resolving.addDoneCallback((done) => {
      if (result.done()) return;
      if (done.cancelled()) {
        result.cancel();
        return;
      }
      const failure = done.exception();
      const first = failure === undefined ? done.result()[0] : undefined;
      if (failure !== undefined || first === undefined) {
        result.setException(failure ?? new Error(`getaddrinfo found no address for ${host}`));
        return;
      }
      const inner = sockConnect(loop, sock, first[4]);
      inner.addDoneCallback((c) => {
        if (result.done()) return;
        if (c.cancelled()) result.cancel();
        else if (c.exception() !== undefined) result.setException(c.exception());
        else result.setResult();
      });
      result.addDoneCallback((r) => {
        if (r.cancelled()) inner.cancel();
      });
    });
    result.addDoneCallback((r) => {
      if (r.cancelled()) resolving.cancel();
    });
    return result;
  }
  // #region sockConnectIp
  const err = sock.connectEx(address);
  if (err === 0) return resolvedVoid(loop);
  if (err !== EINPROGRESS && err !== EAGAIN && err !== EINTR) {
    return failedFuture(loop, osError(err, 'connect', describeAddress(address)));
  }
  return new ClosureOperation<void>(loop, sock, 'write', () => {
    const soError = sock.getsockopt(SOL_SOCKET, SO_ERROR);
    if (soError !== 0) throw osError(soError, 'connect', describeAddress(address));
  }).begin(false);
  // #endregion sockConnectIp
}

// #region sslDoHandshake
/**
 * The TLS handshake of a non-blocking SSLSocket, as a Future: each step runs when the socket is
 * ready the way OpenSSL last asked (readable or writable), until it is done or fails (with the
 * SSLError, SSLCertVerificationError or OSError of `tryDoHandshake`). Cancelling stops it; the
 * socket is the caller's to close. Python's asyncio runs its handshakes the same way on a
 * socket; this is the one loop-driven piece of `@aio/selector/ssl`.
 */
export function sslDoHandshake(loop: EventLoop, tls: SSLSocket): Future<void> {
  if (tls.getBlocking()) {
    throw new InvalidArgumentError(
      'sslDoHandshake() needs a non-blocking socket: call tls.setBlocking(false) first',
    );
  }
  return new Handshake(loop, tls).step();
}

class Handshake extends Future<void> {
  #handle: Handle | null = null;
  #waitingFor: 'read' | 'write' | null = null;

  constructor(
    loop: EventLoop,
    private readonly tls: SSLSocket,
  ) {
    super(loop);
  }

  step(): this {
    let want: number;
    try {
      want = this.tls.tryDoHandshake();
    } catch (error) {
      this.#stopWaiting();
      this.setException(error);
      return this;
    }
    if (want === 0) {
      this.#stopWaiting();
      this.setResult();
      return this;
    }
    const kind = want === SSL_ERROR_WANT_READ ? 'read' : 'write';
    if (kind !== this.#waitingFor) {
      this.#stopWaiting();
      const loop = this.getLoop();
      this.#handle =
        kind === 'read'
          ? loop.addReader(this.tls, Handshake.onReady, this)
          : loop.addWriter(this.tls, Handshake.onReady, this);
      this.#waitingFor = kind;
    }
    return this;
  }

  static onReady(this: void, handshake: Handshake): void {
    if (!handshake.done()) handshake.step();
  }

  override cancel(message?: string): boolean {
    if (!super.cancel(message)) return false;
    this.#stopWaiting();
    return true;
  }

  /** Drops our reader or writer, if it is still ours (see Operation#removeIfOurs). */
  #stopWaiting(): void {
    const handle = this.#handle;
    this.#handle = null;
    this.#waitingFor = null;
    if (handle !== null && !handle.cancelled()) handle.cancel();
  }
}
// #endregion sslDoHandshake

/** Accepts a connection: `[conn, address]`, `conn` non-blocking. asyncio's `sock_accept`. */
export function sockAccept(loop: EventLoop, sock: Socket): Future<[Socket, Address]> {
  checkNonBlocking(sock, 'sockAccept');
  return operation(loop, sock, 'read', () => sock.tryAccept() ?? AGAIN);
}

/** getaddrinfo resolved on a worker thread, as a Future: asyncio's `loop.getaddrinfo`. */
export function getaddrinfo(
  loop: EventLoop,
  host: string | null,
  port: number | string | null = null,
  family = 0,
  type = 0,
  proto = 0,
  flags = 0,
): Future<AddrInfo[]> {
  return wrapPromise(getaddrinfoAsync(host, port, family, type, proto, flags), loop);
}

function describeAddress(address: Address): string {
  if (typeof address === 'string') return address;
  const [host, port] = address;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
