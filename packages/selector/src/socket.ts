/**
 * `Socket`: Python's socket object on a raw file descriptor.
 *
 * Every method is one system call (or a short retry loop around one), reached through koffi, so a
 * reader can hold this file next to `socketmodule.c` and the man pages. Blocking mode really blocks
 * the calling thread, exactly as Python does: the crawler's first stages need that, and a worker
 * thread can use it without freezing the main one.
 *
 * Would-block, two ways:
 * - As in Python, a non-blocking call that cannot proceed throws `BlockingIOError` ('EAGAIN', or
 *   'EINPROGRESS' from `connect`).
 * - The hot paths the upper layers drive from readiness callbacks have allocation-free twins that
 *   return `WOULD_BLOCK` (-1) instead: `trySend`, `tryRecvInto` and `tryAccept` (`null`). A loop
 *   doing thousands of reads a second should not build and throw an Error for the common case.
 *
 * Interrupted calls (EINTR) are retried, as PEP 475 does; a blocking `connect` interrupted by a
 * signal waits for the connection to finish instead of failing.
 *
 * Timeouts are CPython's three modes, kept in one field, `#timeout`: blocking (-1: the fd blocks
 * in the kernel), non-blocking (0) and timeout mode (> 0 ms: the fd is O_NONBLOCK and the socket
 * does the waiting). In timeout mode a call is tried at once; only when it would block does it
 * wait in poll(2) and try again, against one deadline per call (fixed at its first wait, or at the
 * start of `sendall`), so retries and signals never stretch it. CPython polls before every call;
 * trying first saves that poll when data is already there, and keeps the mode off the hot path:
 * the field is read only when a call would block (and once up front by `sendall`).
 */
import { performance } from 'node:perf_hooks';
import { inspect } from 'node:util';
import { constants } from 'node:os';
import {
  decodeAddress,
  encodeAddress,
  formatAddress,
  SOCKADDR_STORAGE_SIZE,
  type Address,
} from './address';
import { BlockingIOError, InvalidArgumentError, OSError, TimeoutError, osError } from './errors';
import { isWouldBlock, setFdFlag } from './fd';
import { formatValue } from './format';
import { SCRATCH_SIZE, recvScratch } from './scratch';
import { errno, libc } from './libc';
import { platform as P } from './platform/index';
import { timeoutToMs } from './selectors/base';

const { EINTR, EAGAIN, EWOULDBLOCK, EINPROGRESS, EBADF, ETIMEDOUT } = constants.errno;

// #region WOULD_BLOCK
/** Returned by `trySend` and `tryRecvInto` when the call would block. */
export const WOULD_BLOCK = -1;
// #endregion WOULD_BLOCK

// Python's names, with this OS's values.
export const AF_UNSPEC = P.AF_UNSPEC;
export const AF_UNIX = P.AF_UNIX;
export const AF_INET = P.AF_INET;
export const AF_INET6 = P.AF_INET6;
export const SOCK_STREAM = P.SOCK_STREAM;
export const SOCK_DGRAM = P.SOCK_DGRAM;
/** Or-ed into a type, makes the new socket non-blocking (0 where the OS lacks it; fcntl then). */
export const SOCK_NONBLOCK = P.SOCK_NONBLOCK;
export const SOCK_CLOEXEC = P.SOCK_CLOEXEC;
export const SOL_SOCKET = P.SOL_SOCKET;
export const SO_REUSEADDR = P.SO_REUSEADDR;
export const SO_REUSEPORT = P.SO_REUSEPORT;
export const SO_KEEPALIVE = P.SO_KEEPALIVE;
export const SO_BROADCAST = P.SO_BROADCAST;
export const SO_LINGER = P.SO_LINGER;
export const SO_SNDBUF = P.SO_SNDBUF;
export const SO_RCVBUF = P.SO_RCVBUF;
export const SO_SNDLOWAT = P.SO_SNDLOWAT;
export const SO_RCVLOWAT = P.SO_RCVLOWAT;
export const SO_ERROR = P.SO_ERROR;
export const SO_TYPE = P.SO_TYPE;
export const IPPROTO_TCP = P.IPPROTO_TCP;
export const IPPROTO_UDP = P.IPPROTO_UDP;
export const IPPROTO_IPV6 = P.IPPROTO_IPV6;
export const TCP_NODELAY = P.TCP_NODELAY;
export const IPV6_V6ONLY = P.IPV6_V6ONLY;
export const SHUT_RD = P.SHUT_RD;
export const SHUT_WR = P.SHUT_WR;
export const SHUT_RDWR = P.SHUT_RDWR;
export const MSG_PEEK = P.MSG_PEEK;
export const MSG_WAITALL = P.MSG_WAITALL;
export const MSG_DONTWAIT = P.MSG_DONTWAIT;
export const SOMAXCONN = P.SOMAXCONN;
export const AI_PASSIVE = P.AI_PASSIVE;
export const AI_CANONNAME = P.AI_CANONNAME;
export const AI_NUMERICHOST = P.AI_NUMERICHOST;
export const AI_NUMERICSERV = P.AI_NUMERICSERV;
export const AI_ADDRCONFIG = P.AI_ADDRCONFIG;
export const AI_V4MAPPED = P.AI_V4MAPPED;
export const AI_ALL = P.AI_ALL;

const FAMILY_NAMES = new Map([
  [AF_UNIX, 'AF_UNIX'],
  [AF_INET, 'AF_INET'],
  [AF_INET6, 'AF_INET6'],
]);
const TYPE_NAMES = new Map([
  [SOCK_STREAM, 'SOCK_STREAM'],
  [SOCK_DGRAM, 'SOCK_DGRAM'],
]);
const TYPE_FLAGS = SOCK_NONBLOCK | SOCK_CLOEXEC;

/** Sockets dropped without `close()` are closed when collected, with Python's ResourceWarning. */
const unclosed = new FinalizationRegistry<number>((fd) => {
  libc.close(fd);
  process.emitWarning(
    `unclosed socket fd=${fd} was closed by the garbage collector`,
    'ResourceWarning',
  );
});

function checkInt(value: unknown, what: string, method: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(
      `${method}() expected ${what} to be an integer >= ${min}, got ${formatValue(value)}`,
    );
  }
  return value;
}

function checkBytes(data: unknown, method: string): Uint8Array {
  if (!(data instanceof Uint8Array)) {
    throw new InvalidArgumentError(
      `${method}() expected a Buffer or Uint8Array, got ${formatValue(data)}`,
    );
  }
  return data;
}

/**
 * Makes an fd this module created behave the same on every OS: close-on-exec (Linux and FreeBSD
 * ask for it in the creating call), and no SIGPIPE on a closed peer (macOS needs a socket option).
 */
function prepareNewFd(fd: number): void {
  if (SOCK_CLOEXEC === 0) setFdFlag(fd, P.F_GETFD, P.F_SETFD, P.FD_CLOEXEC, true, 'cloexec');
  if (P.SO_NOSIGPIPE !== 0) {
    intScratch.writeInt32LE(1, 0);
    if (libc.setsockopt(fd, P.SOL_SOCKET, P.SO_NOSIGPIPE, intScratch, 4) !== 0) {
      throw osError(errno(), 'setsockopt', 'SO_NOSIGPIPE');
    }
  }
}

/** Scratch space for addresses and lengths; safe to share because every use is synchronous. */
const addrScratch = Buffer.alloc(SOCKADDR_STORAGE_SIZE);
const lenScratch = new Uint32Array(1);
const intScratch = Buffer.alloc(4);
const pollScratch = Buffer.alloc(8);

/**
 * Timeout mode's wait: polls `fd` for `events` until `deadline` (a `performance.now()` time;
 * Infinity waits as long as it takes). False once the deadline has passed. A signal (EINTR) or an
 * early wake-up polls again for the time left, so the wait is neither cut short nor stretched.
 */
function waitReady(fd: number, events: number, deadline: number): boolean {
  pollScratch.writeInt32LE(fd, 0);
  pollScratch.writeInt16LE(events, 4);
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    const n = libc.poll(pollScratch, 1, left === Infinity ? -1 : timeoutToMs(left));
    if (n > 0) return true; // ready, or POLLERR/POLLHUP: the retried call reports those
    if (n < 0) {
      const err = errno();
      if (err !== EINTR) throw osError(err, 'poll');
    }
  }
}

/** What timeout mode throws when the time runs out: Python's `TimeoutError('timed out')`. */
function timedOut(syscall: string, address?: Address): TimeoutError {
  const detail = address === undefined ? undefined : formatAddress(address);
  return new TimeoutError(ETIMEDOUT, syscall, detail, undefined, 'timed out');
}

/** `#connect`'s result when timeout mode ran out of time (errno values are positive). */
const TIMED_OUT = -1;

/**
 * A BSD socket on a raw fd, with Python's methods.
 *
 * @example
 * ```ts
 * import { Socket, AF_INET, SOCK_STREAM } from '@aio/selector';
 *
 * const sock = new Socket(AF_INET, SOCK_STREAM);
 * sock.connect(['127.0.0.1', 8080]);            // blocks until connected
 * sock.sendall(Buffer.from('GET / HTTP/1.0\r\n\r\n'));
 * const chunks: Buffer[] = [];
 * for (let chunk = sock.recv(4096); chunk.length > 0; chunk = sock.recv(4096)) chunks.push(chunk);
 * sock.close();
 * ```
 */
export class Socket {
  readonly family: number;
  /** The socket type without SOCK_NONBLOCK/SOCK_CLOEXEC (as Python reports it). */
  readonly type: number;
  readonly proto: number;
  #fd: number;
  /** -1: blocking; 0: non-blocking; > 0: timeout mode, in ms. The fd is O_NONBLOCK unless -1. */
  #timeout: number;

  /**
   * Creates a socket, or wraps an existing fd (`fileno`), which it then owns and will close.
   * New sockets are close-on-exec and blocking, as in Python.
   */
  constructor(family = AF_INET, type = SOCK_STREAM, proto = 0, fileno?: number) {
    checkInt(family, 'family', 'Socket');
    checkInt(type, 'type', 'Socket');
    checkInt(proto, 'proto', 'Socket');
    this.family = family;
    this.type = type & ~TYPE_FLAGS;
    this.proto = proto;
    if (fileno === undefined) {
      const fd = libc.socket(family, type | SOCK_CLOEXEC, proto);
      if (fd < 0) throw osError(errno(), 'socket');
      this.#fd = fd;
      try {
        prepareNewFd(fd);
      } catch (err) {
        libc.close(fd);
        throw err;
      }
      this.#timeout = SOCK_NONBLOCK !== 0 && (type & SOCK_NONBLOCK) !== 0 ? 0 : -1;
    } else {
      this.#fd = checkInt(fileno, 'fileno', 'Socket');
      const flags = libc.fcntl(fileno, P.F_GETFL);
      if (flags < 0) throw osError(errno(), 'fcntl', `fd ${fileno}`);
      this.#timeout = (flags & P.O_NONBLOCK) !== 0 ? 0 : -1;
    }
    unclosed.register(this, this.#fd, this);
  }

  /** The fd, or -1 once closed (as Python). */
  fileno(): number {
    return this.#fd;
  }

  /** True once `close()` or `detach()` ran. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  #open(syscall: string): number {
    if (this.#fd < 0) throw new OSError(EBADF, syscall, 'socket is closed');
    return this.#fd;
  }

  /** False only in non-blocking mode (`gettimeout() === 0`); timeout mode counts as blocking. */
  getBlocking(): boolean {
    return this.#timeout !== 0;
  }

  // #region setBlocking
  /**
   * `false` makes every call return at once (throwing BlockingIOError where it would wait):
   * `settimeout(0)`. `true` is `settimeout(null)`. Either way it ends timeout mode.
   */
  setBlocking(flag: boolean): void {
    this.settimeout(flag ? null : 0);
  }
  // #endregion setBlocking

  /**
   * Python's `settimeout`, in milliseconds (as every time in aio):
   * - `null`: blocking mode, no timeout (`setBlocking(true)`);
   * - `0`: non-blocking mode (`setBlocking(false)`);
   * - `> 0`: timeout mode. The fd becomes non-blocking, and `connect`, `accept`, `send`,
   *   `sendall`, `sendto`, `recv`, `recvInto` and `recvfrom` wait at most this long for the
   *   socket to be ready, then throw `TimeoutError`; for `sendall` it bounds the whole call.
   *   `trySend`, `tryRecvInto` and `tryAccept` never wait.
   *
   * Anything else (negative, NaN, Infinity, not a number) throws InvalidArgumentError.
   *
   * @example
   * ```ts
   * const sock = new Socket();
   * sock.settimeout(5_000);
   * sock.connect(['127.0.0.1', 8080]); // TimeoutError if no handshake within 5 s
   * sock.sendall(Buffer.from('GET / HTTP/1.0\r\n\r\n')); // 5 s for all of it
   * const chunk = sock.recv(4096); // TimeoutError if nothing arrives within 5 s
   * ```
   */
  settimeout(timeoutMs: number | null): void {
    if (
      timeoutMs !== null &&
      !(typeof timeoutMs === 'number' && timeoutMs >= 0 && timeoutMs < Infinity)
    ) {
      throw new InvalidArgumentError(
        `settimeout() expected a finite number of milliseconds >= 0, or null, got ${formatValue(timeoutMs)}`,
      );
    }
    const fd = this.#open('fcntl');
    setFdFlag(fd, P.F_GETFL, P.F_SETFL, P.O_NONBLOCK, timeoutMs !== null, `fd ${fd}`);
    this.#timeout = timeoutMs ?? -1;
  }

  /** The timeout in milliseconds: `null` in blocking mode, `0` in non-blocking mode. */
  gettimeout(): number | null {
    return this.#timeout < 0 ? null : this.#timeout;
  }

  /**
   * A call would block: what happens next, as in CPython's `sock_call`. Non-blocking mode throws
   * BlockingIOError. Timeout mode waits for `events` until the deadline (fixed on the first round,
   * when `deadline` is 0), throws TimeoutError once it passes, and returns the deadline for the
   * next round. (A blocking socket gets here only if its fd was made non-blocking behind its back
   * or an SO_RCVTIMEO/SO_SNDTIMEO ran out: BlockingIOError, as before.)
   */
  #waitOrThrow(events: number, deadline: number, syscall: string, address?: Address): number {
    if (this.#timeout <= 0) {
      const detail = address === undefined ? undefined : formatAddress(address);
      throw new BlockingIOError(EAGAIN, syscall, detail);
    }
    if (deadline === 0) deadline = performance.now() + this.#timeout;
    if (!waitReady(this.#fd, events, deadline)) throw timedOut(syscall, address);
    return deadline;
  }

  // #region connect
  /**
   * Connects to `address`. A blocking socket waits for the handshake; one in timeout mode waits
   * at most its timeout (then TimeoutError); a non-blocking one throws BlockingIOError
   * ('EINPROGRESS'): wait until it is writable, then read SO_ERROR.
   */
  connect(address: Address): void {
    const err = this.#connect(address);
    if (err === TIMED_OUT) throw timedOut('connect', address);
    if (err !== 0) throw osError(err, 'connect', formatAddress(address));
  }

  /**
   * Like `connect`, but returns the errno instead of throwing: 0 on success, EINPROGRESS when
   * non-blocking, and EWOULDBLOCK (= EAGAIN) when timeout mode ran out of time, as CPython's
   * `connect_ex` does.
   */
  connectEx(address: Address): number {
    const err = this.#connect(address);
    return err === TIMED_OUT ? EWOULDBLOCK : err;
  }

  /** connect(2), then CPython's `internal_connect`: 0, an errno, or TIMED_OUT. */
  #connect(address: Address): number {
    const fd = this.#open('connect');
    const [sa, len] = encodeAddress(this.family, address, 'connect');
    if (libc.connect(fd, sa, len) === 0) return 0;
    const err = errno();
    // After EINTR (any fd) or EINPROGRESS (a non-blocking fd) the kernel goes on connecting in the
    // background. A blocking socket and one in timeout mode wait for the outcome and read it from
    // SO_ERROR, rather than connect again (which would give EALREADY); a non-blocking socket
    // leaves that to its caller.
    const waits = err === EINTR ? this.#timeout !== 0 : err === EINPROGRESS && this.#timeout > 0;
    if (!waits) return err === EINTR ? EINPROGRESS : err;
    const deadline = this.#timeout > 0 ? performance.now() + this.#timeout : Infinity;
    if (!waitReady(fd, P.POLLOUT, deadline)) return TIMED_OUT;
    return this.getsockopt(SOL_SOCKET, SO_ERROR);
  }
  // #endregion connect

  bind(address: Address): void {
    const fd = this.#open('bind');
    const [sa, len] = encodeAddress(this.family, address, 'bind');
    if (libc.bind(fd, sa, len) !== 0) throw osError(errno(), 'bind', formatAddress(address));
  }

  /** Starts accepting connections; the backlog defaults to Python's min(SOMAXCONN, 128). */
  listen(backlog = Math.min(SOMAXCONN, 128)): void {
    const fd = this.#open('listen');
    if (libc.listen(fd, checkInt(backlog, 'backlog', 'listen')) !== 0)
      throw osError(errno(), 'listen');
  }

  /**
   * Accepts a connection: `[conn, address]`. As in Python the new socket is blocking whatever the
   * listening socket is; on a non-blocking listener with nobody waiting it throws BlockingIOError.
   */
  accept(): [Socket, Address] {
    for (let deadline = 0; ;) {
      const result = this.#accept(true);
      if (result !== null) return result;
      deadline = this.#waitOrThrow(P.POLLIN, deadline, 'accept');
    }
  }

  /**
   * The hot-path accept for readiness loops: the new socket is already non-blocking (one system
   * call with accept4), and `null` means nobody is waiting. Other errors (EMFILE …) throw.
   */
  tryAccept(): [Socket, Address] | null {
    return this.#accept(false);
  }

  #accept(blocking: boolean): [Socket, Address] | null {
    const fd = this.#open('accept');
    let conn: number;
    for (;;) {
      lenScratch[0] = SOCKADDR_STORAGE_SIZE;
      conn = libc.accept4
        ? libc.accept4(fd, addrScratch, lenScratch, SOCK_CLOEXEC | (blocking ? 0 : SOCK_NONBLOCK))
        : libc.accept(fd, addrScratch, lenScratch);
      if (conn >= 0) break;
      const err = errno();
      if (err === EINTR) continue;
      if (isWouldBlock(err)) return null;
      throw osError(err, 'accept');
    }
    const address = decodeAddress(addrScratch, lenScratch[0]);
    try {
      // BSD accept() inherits O_NONBLOCK from the listener; set it the way the caller asked.
      if (!libc.accept4) setFdFlag(conn, P.F_GETFL, P.F_SETFL, P.O_NONBLOCK, !blocking, 'nonblock');
      prepareNewFd(conn);
      return [new Socket(this.family, this.type, this.proto, conn), address];
    } catch (err) {
      libc.close(conn);
      throw err;
    }
  }

  /**
   * Sends what the kernel will take now; returns the count (maybe less than `data.length`).
   * Throws BlockingIOError on a full non-blocking socket.
   */
  send(data: Uint8Array, flags = 0): number {
    for (let deadline = 0; ;) {
      const n = this.trySend(data, flags);
      if (n !== WOULD_BLOCK) return n;
      deadline = this.#waitOrThrow(P.POLLOUT, deadline, 'send');
    }
  }

  /** `send` for readiness loops: returns WOULD_BLOCK (-1) instead of throwing on a full socket. */
  trySend(data: Uint8Array, flags = 0): number {
    const fd = this.#open('send');
    checkBytes(data, 'send');
    for (;;) {
      // `length`, not `byteLength` (the same for bytes): V8 inlines only the first.
      const n = libc.send(fd, data, data.length, flags | P.MSG_NOSIGNAL);
      if (n >= 0) return n;
      const err = errno();
      if (err === EINTR) continue;
      if (isWouldBlock(err)) return WOULD_BLOCK;
      throw osError(err, 'send');
    }
  }

  /**
   * Sends all of `data`. A blocking socket waits as needed; a non-blocking one throws
   * BlockingIOError when the kernel buffer fills. In timeout mode the timeout bounds the whole
   * call, as since CPython 3.5: its clock starts with the call, and every wait for buffer space
   * counts against it. BlockingIOError and TimeoutError carry `bytesSent`: how far it got.
   */
  sendall(data: Uint8Array, flags = 0): void {
    checkBytes(data, 'sendall');
    let deadline = this.#timeout > 0 ? performance.now() + this.#timeout : 0;
    let offset = 0;
    try {
      while (offset < data.byteLength) {
        const n = this.trySend(offset === 0 ? data : data.subarray(offset), flags);
        if (n !== WOULD_BLOCK) offset += n;
        else deadline = this.#waitOrThrow(P.POLLOUT, deadline, 'sendall');
      }
    } catch (err) {
      if (err instanceof BlockingIOError || err instanceof TimeoutError) err.bytesSent = offset;
      throw err;
    }
  }

  /** Sends a datagram to `address` (Python's `sendto(data, address)` or `sendto(data, flags, address)`). */
  sendto(data: Uint8Array, flagsOrAddress: number | Address, maybeAddress?: Address): number {
    const fd = this.#open('sendto');
    checkBytes(data, 'sendto');
    const [flags, address] =
      typeof flagsOrAddress === 'number' ? [flagsOrAddress, maybeAddress] : [0, flagsOrAddress];
    const [sa, len] = encodeAddress(this.family, address, 'sendto');
    for (let deadline = 0; ;) {
      const n = libc.sendto(fd, data, data.byteLength, flags | P.MSG_NOSIGNAL, sa, len);
      if (n >= 0) return n;
      const err = errno();
      if (isWouldBlock(err)) deadline = this.#waitOrThrow(P.POLLOUT, deadline, 'sendto', address);
      else if (err !== EINTR) throw osError(err, 'sendto', formatAddress(address));
    }
  }

  /** Receives up to `bufsize` bytes; an empty Buffer means the peer closed (EOF). */
  recv(bufsize: number, flags = 0): Buffer {
    checkInt(bufsize, 'bufsize', 'recv');
    // Reads land in the shared scratch buffer (scratch.ts), then what came is copied out.
    if (bufsize <= SCRATCH_SIZE) {
      // Read into the one scratch buffer, then copy out only what came: a short read or EOF
      // then costs no bufsize-sized allocation, and small results come from Node's pool.
      const scratch = recvScratch();
      const n = this.recvInto(scratch, bufsize, flags);
      return n === 0 ? Buffer.alloc(0) : Buffer.from(scratch.subarray(0, n));
    }
    const buf = Buffer.allocUnsafe(bufsize);
    const n = this.recvInto(buf, bufsize, flags);
    // Don't pin a large buffer for a small read: Python shrinks it too.
    return n === bufsize
      ? buf
      : n < bufsize >>> 1
        ? Buffer.from(buf.subarray(0, n))
        : buf.subarray(0, n);
  }

  // #region tryRecvInto
  /** Receives into `buffer` (up to `nbytes`, default all of it); returns the count, 0 at EOF. */
  recvInto(buffer: Uint8Array, nbytes = 0, flags = 0): number {
    for (let deadline = 0; ;) {
      const n = this.tryRecvInto(buffer, nbytes, flags);
      if (n !== WOULD_BLOCK) return n;
      deadline = this.#waitOrThrow(P.POLLIN, deadline, 'recv');
    }
  }

  /** `recvInto` for readiness loops: WOULD_BLOCK (-1) when nothing is there yet, 0 at EOF. */
  tryRecvInto(buffer: Uint8Array, nbytes = 0, flags = 0): number {
    const fd = this.#open('recv');
    const len = this.#checkRecvBuffer(buffer, nbytes, 'recvInto');
    for (;;) {
      const n = libc.recv(fd, buffer, len, flags);
      if (n >= 0) return n;
      const err = errno();
      if (err === EINTR) continue;
      if (isWouldBlock(err)) return WOULD_BLOCK;
      throw osError(err, 'recv');
    }
  }
  // #endregion tryRecvInto

  #checkRecvBuffer(buffer: Uint8Array, nbytes: number, method: string): number {
    checkBytes(buffer, method);
    checkInt(nbytes, 'nbytes', method);
    if (nbytes > buffer.length) {
      throw new InvalidArgumentError(
        `${method}() buffer has ${buffer.byteLength} bytes, too small for nbytes=${nbytes}`,
      );
    }
    return nbytes === 0 ? buffer.length : nbytes;
  }

  /** Receives a datagram: `[data, senderAddress]`. */
  recvfrom(bufsize: number, flags = 0): [Buffer, Address] {
    const fd = this.#open('recvfrom');
    checkInt(bufsize, 'bufsize', 'recvfrom');
    const buf = Buffer.allocUnsafe(bufsize);
    for (let deadline = 0; ;) {
      lenScratch[0] = SOCKADDR_STORAGE_SIZE;
      const n = libc.recvfrom(fd, buf, bufsize, flags, addrScratch, lenScratch);
      if (n >= 0)
        return [Buffer.from(buf.subarray(0, n)), decodeAddress(addrScratch, lenScratch[0])];
      const err = errno();
      if (isWouldBlock(err)) deadline = this.#waitOrThrow(P.POLLIN, deadline, 'recvfrom');
      else if (err !== EINTR) throw osError(err, 'recvfrom');
    }
  }

  /** Shuts down reading (SHUT_RD), writing (SHUT_WR, sends FIN) or both (SHUT_RDWR). */
  shutdown(how: number): void {
    const fd = this.#open('shutdown');
    if (libc.shutdown(fd, how) !== 0) throw osError(errno(), 'shutdown');
  }

  /** Closes the fd. Closing twice is harmless, as in Python. */
  close(): void {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1;
    unclosed.unregister(this);
    if (libc.close(fd) !== 0) {
      const err = errno();
      // Linux has released the fd even when close reports EINTR; ECONNRESET is the peer's news.
      if (err !== EINTR && err !== constants.errno.ECONNRESET)
        throw osError(err, 'close', `fd ${fd}`);
    }
  }

  /** Gives up ownership: returns the fd without closing it; the socket then acts closed. */
  detach(): number {
    const fd = this.#fd;
    this.#fd = -1;
    unclosed.unregister(this);
    return fd;
  }

  /** Sets an option: an integer (booleans become 0/1) or raw bytes. */
  setsockopt(level: number, option: number, value: number | boolean | Uint8Array): void {
    const fd = this.#open('setsockopt');
    let buf: Uint8Array;
    if (value instanceof Uint8Array) buf = value;
    else if (typeof value === 'number' || typeof value === 'boolean') {
      intScratch.writeInt32LE(Number(value), 0);
      buf = intScratch;
    } else {
      throw new InvalidArgumentError(
        `setsockopt() expected a number, boolean or Buffer, got ${formatValue(value)}`,
      );
    }
    if (libc.setsockopt(fd, level, option, buf, buf.byteLength) !== 0)
      throw osError(errno(), 'setsockopt');
  }

  /** Reads an option: an integer, or with `buflen` the raw bytes. */
  getsockopt(level: number, option: number): number;
  getsockopt(level: number, option: number, buflen: number): Buffer;
  getsockopt(level: number, option: number, buflen?: number): number | Buffer {
    const fd = this.#open('getsockopt');
    const buf =
      buflen === undefined ? intScratch : Buffer.alloc(checkInt(buflen, 'buflen', 'getsockopt', 1));
    lenScratch[0] = buf.length;
    if (libc.getsockopt(fd, level, option, buf, lenScratch) !== 0)
      throw osError(errno(), 'getsockopt');
    return buflen === undefined ? buf.readInt32LE(0) : Buffer.from(buf.subarray(0, lenScratch[0]));
  }

  /** This end's address. */
  getsockname(): Address {
    const fd = this.#open('getsockname');
    lenScratch[0] = SOCKADDR_STORAGE_SIZE;
    if (libc.getsockname(fd, addrScratch, lenScratch) !== 0) throw osError(errno(), 'getsockname');
    return decodeAddress(addrScratch, lenScratch[0]);
  }

  /** The peer's address; ENOTCONN when not connected. */
  getpeername(): Address {
    const fd = this.#open('getpeername');
    lenScratch[0] = SOCKADDR_STORAGE_SIZE;
    if (libc.getpeername(fd, addrScratch, lenScratch) !== 0) throw osError(errno(), 'getpeername');
    return decodeAddress(addrScratch, lenScratch[0]);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  get [Symbol.toStringTag](): string {
    return 'Socket';
  }

  /** `<Socket fd=5 AF_INET SOCK_STREAM laddr=127.0.0.1:41234 raddr=127.0.0.1:8080>` */
  toString(): string {
    const family = FAMILY_NAMES.get(this.family) ?? `family=${this.family}`;
    const type = TYPE_NAMES.get(this.type) ?? `type=${this.type}`;
    if (this.#fd < 0) return `<Socket [closed] ${family} ${type}>`;
    let text = `<Socket fd=${this.#fd} ${family} ${type}`;
    if (this.#timeout === 0) text += ' non-blocking';
    else if (this.#timeout > 0) text += ` timeout=${this.#timeout}ms`;
    for (const [label, get] of [
      ['laddr', () => this.getsockname()],
      ['raddr', () => this.getpeername()],
    ] as const) {
      try {
        const address = get();
        if (address !== '') text += ` ${label}=${formatAddress(address)}`;
      } catch {
        // not bound / not connected: leave it out, as Python's repr does
      }
    }
    return `${text}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** A connected pair of sockets (AF_UNIX by default), as Python's `socket.socketpair()`. */
export function socketpair(family = AF_UNIX, type = SOCK_STREAM, proto = 0): [Socket, Socket] {
  const fds = new Int32Array(2);
  if (libc.socketpair(family, type | SOCK_CLOEXEC, proto, fds) !== 0)
    throw osError(errno(), 'socketpair');
  try {
    prepareNewFd(fds[0]!);
    prepareNewFd(fds[1]!);
    return [new Socket(family, type, proto, fds[0]), new Socket(family, type, proto, fds[1])];
  } catch (err) {
    libc.close(fds[0]!);
    libc.close(fds[1]!);
    throw err;
  }
}
