/**
 * Listening sockets and accepting on them: tornado's `bind_sockets`, `bind_unix_socket`,
 * `add_accept_handler` and `is_valid_ip` (tornado/netutil.py), on @aio/selector's Socket.
 *
 * Where tornado leaves something behind, these do not: a `bindSockets` that fails on its second
 * address closes the first socket before throwing; `bindUnixSocket` removes a stale socket file
 * but refuses to take the path of a server still listening there; `addAcceptHandler` backs off
 * when the process is out of file descriptors instead of spinning on a listener that stays
 * readable.
 */
import { lstatSync, chmodSync, unlinkSync } from 'node:fs';
import { constants } from 'node:os';
import {
  AF_INET6,
  AF_UNIX,
  AF_UNSPEC,
  AI_NUMERICHOST,
  AI_PASSIVE,
  GaiError,
  IPPROTO_IPV6,
  IPV6_V6ONLY,
  OSError,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_REUSEADDR,
  SO_REUSEPORT,
  Socket,
  getaddrinfo,
  osError,
  type Address,
  type AddrInfo,
} from '@aio/selector';
import { IOLoop } from '../ioloop';
import { genLog } from '../log';
import { checkInteger, optionTypeError, optionValueError } from '../log/errors';

const E = constants.errno;

/** The `listen()` backlog when none is given, and the most connections one wake-up accepts. */
export const DEFAULT_BACKLOG = 128;

// #region bindSockets
/** Options of `bindSockets`. */
export interface BindSocketsOptions {
  /** `AF_INET` or `AF_INET6` to bind one family only. Default `AF_UNSPEC`: both, where available. */
  family?: number;
  /** The `listen()` backlog. Default 128. */
  backlog?: number;
  /** `AI_*` flags for getaddrinfo. Default `AI_PASSIVE`. */
  flags?: number;
  /** Sets `SO_REUSEPORT` on every socket, so that several processes can listen on one port. */
  reusePort?: boolean;
}

/**
 * Listening sockets for `port` on every address `address` resolves to: one per address, IPv4
 * before IPv6 (IPv6 sockets are `IPV6_V6ONLY`, so `0.0.0.0` and `::` can both be bound). An
 * empty or missing `address` means every interface. With `port` 0 the kernel picks a free port
 * for the first socket and the others bind the same one. Each socket is non-blocking, with
 * `SO_REUSEADDR`.
 *
 * Resolving `address` blocks while getaddrinfo works, as in tornado: call it at start-up.
 * @throws GaiError if `address` does not resolve; OSError (e.g. `EADDRINUSE`) if a bind fails,
 *   after closing the sockets made before it
 * @example
 * ```ts
 * const sockets = bindSockets(0, '127.0.0.1');
 * const [, port] = sockets[0].getsockname() as [string, number];
 * ```
 */
export function bindSockets(
  port: number,
  address: string | null = null,
  options: BindSocketsOptions = {},
): Socket[] {
  const where = 'bindSockets()';
  checkPort(where, port);
  if (address !== null && typeof address !== 'string') {
    throw optionTypeError(where, 'address', 'a string or null', address);
  }
  if (typeof options !== 'object' || options === null) {
    throw optionTypeError(where, 'options', 'an object', options);
  }
  const family = checkInteger(where, 'family', options.family ?? AF_UNSPEC, 0);
  const backlog = checkInteger(where, 'backlog', options.backlog ?? DEFAULT_BACKLOG, 0);
  const flags = checkInteger(where, 'flags', options.flags ?? AI_PASSIVE, 0);
  const reusePort = options.reusePort ?? false;
  if (typeof reusePort !== 'boolean') {
    throw optionTypeError(where, 'reusePort', 'a boolean', reusePort);
  }
  if (reusePort && SO_REUSEPORT === 0) {
    throw optionValueError(where, 'reusePort', 'false on this platform (no SO_REUSEPORT)', true);
  }

  const host = address === '' ? null : address;
  const key = JSON.stringify([port, host, family, flags, reusePort]);
  const adopted = adoptInherited(key);
  if (adopted !== null) return adopted;
  const infos = uniqueByAddress(getaddrinfo(host, port, family, SOCK_STREAM, 0, flags));
  infos.sort((a, b) => a[0] - b[0]); // IPv4 first, as tornado sorts them
  const sockets: Socket[] = [];
  let boundPort: number | null = null;
  try {
    for (const [af, type, proto, , sockaddr] of infos) {
      let sock: Socket;
      try {
        sock = new Socket(af, type, proto);
      } catch (error) {
        if (error instanceof OSError && error.errno === E.EAFNOSUPPORT) continue; // no IPv6 here
        throw error;
      }
      sockets.push(sock);
      sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
      if (reusePort) sock.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
      if (af === AF_INET6) sock.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1);
      sock.setBlocking(false);
      // An IP address: [host, port] or, for IPv6, [host, port, flowinfo, scopeId].
      const [ip, requested, ...rest] = sockaddr as readonly [string, number, ...number[]];
      const target =
        requested === 0 && boundPort !== null
          ? ([ip, boundPort, ...rest] as unknown as Address)
          : sockaddr;
      try {
        sock.bind(target);
      } catch (error) {
        // Docker's partly disabled IPv6: `localhost` resolves to ::1, which cannot be bound.
        if (
          error instanceof OSError &&
          error.errno === E.EADDRNOTAVAIL &&
          address === 'localhost' &&
          ip === '::1'
        ) {
          sockets.pop();
          sock.close();
          continue;
        }
        throw error;
      }
      boundPort = (sock.getsockname() as [string, number])[1];
      sock.listen(backlog);
    }
  } catch (error) {
    for (const sock of sockets) sock.close();
    throw error;
  }
  if (!inWorker()) {
    // Kept for forkProcesses; calls whose sockets are all closed are dropped on the way.
    for (let i = boundHere.length - 1; i >= 0; i--) {
      if (boundHere[i]!.sockets.every((sock) => sock.closed)) boundHere.splice(i, 1);
    }
    boundHere.push({ key, sockets });
  }
  return sockets;
}

// ─── Handing listening sockets down to forkProcesses' workers ───────────────────────────────

/** The environment variables a worker of `forkProcesses` (@aio/tornado/process) is started with. */
export const WORKER_ENV = {
  taskId: 'AIO_TORNADO_TASK_ID',
  sockets: 'AIO_TORNADO_INHERITED_SOCKETS',
} as const;

/** The fd of a worker's first inherited socket: after stdin, stdout, stderr and the IPC channel. */
const FIRST_INHERITED_FD = 4;

interface InheritedCall {
  /** The bindSockets arguments that made them. */
  readonly key: string;
  /** Each socket's fd in the worker, and its family. */
  readonly sockets: readonly { readonly fd: number; readonly family: number }[];
}

/** What bindSockets bound in this process (not a worker), in order, for forkProcesses. */
const boundHere: { key: string; sockets: Socket[] }[] = [];
/** In a worker: the calls whose sockets it inherited and has not adopted yet. */
let inherited: InheritedCall[] | null = null;

const inWorker = (): boolean => process.env[WORKER_ENV.taskId] !== undefined;

/**
 * For forkProcesses: the fds of the listening sockets bound so far and still open (to pass to each
 * worker, in this order), and what each worker's bindSockets calls must adopt.
 */
export function inheritedForWorkers(): { fds: number[]; entries: InheritedCall[] } {
  const fds: number[] = [];
  const entries: InheritedCall[] = [];
  for (const call of boundHere) {
    const open = call.sockets.filter((sock) => !sock.closed);
    if (open.length === 0) continue;
    entries.push({
      key: call.key,
      sockets: open.map((sock) => {
        fds.push(sock.fileno());
        return { fd: FIRST_INHERITED_FD + fds.length - 1, family: sock.family };
      }),
    });
  }
  return { fds, entries };
}

/** In a worker, the inherited sockets of the first call with these arguments not yet adopted. */
function adoptInherited(key: string): Socket[] | null {
  if (!inWorker()) return null;
  if (inherited === null) {
    try {
      inherited = JSON.parse(process.env[WORKER_ENV.sockets] ?? '[]') as InheritedCall[];
    } catch {
      inherited = [];
    }
  }
  const at = inherited.findIndex((call) => call.key === key);
  if (at === -1) return null;
  const [call] = inherited.splice(at, 1);
  return call!.sockets.map(({ fd, family }) => {
    const sock = new Socket(family, SOCK_STREAM, 0, fd);
    sock.setBlocking(false);
    return sock;
  });
}

/** getaddrinfo's results with repeats left out (it may give one address once per protocol). */
function uniqueByAddress(infos: AddrInfo[]): AddrInfo[] {
  const seen = new Set<string>();
  return infos.filter((info) => {
    const key = JSON.stringify(info);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function checkPort(where: string, port: unknown): void {
  if (typeof port !== 'number') throw optionTypeError(where, 'port', 'a number', port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw optionValueError(where, 'port', 'an integer from 0 to 65535', port);
  }
}
// #endregion bindSockets

// #region bindUnixSocket
/** Options of `bindUnixSocket`. */
export interface BindUnixSocketOptions {
  /** The socket file's permissions. Default `0o600`: only this user may connect. */
  mode?: number;
  /** The `listen()` backlog. Default 128. */
  backlog?: number;
}

/**
 * A listening Unix socket at `path` (one socket, not a list). A socket file left there by a
 * server that has gone (connecting to it is refused) is removed first; a server still listening
 * there is not displaced (tornado would unlink its file): that throws `EADDRINUSE`. A path
 * starting with `'\0'` is in Linux's abstract namespace and has no file.
 * @throws OSError `EADDRINUSE` if a server listens at `path`; `ENOTSOCK` if `path` is another
 *   kind of file (tornado: ValueError)
 * @example
 * ```ts
 * const sock = bindUnixSocket('/tmp/app.sock', { mode: 0o660 });
 * ```
 */
export function bindUnixSocket(path: string, options: BindUnixSocketOptions = {}): Socket {
  const where = 'bindUnixSocket()';
  if (typeof path !== 'string' || path === '') {
    throw optionTypeError(where, 'path', 'a non-empty string', path);
  }
  if (typeof options !== 'object' || options === null) {
    throw optionTypeError(where, 'options', 'an object', options);
  }
  const mode = checkInteger(where, 'mode', options.mode ?? 0o600, 0);
  if (mode > 0o7777) throw optionValueError(where, 'mode', 'a file mode up to 0o7777', mode);
  const backlog = checkInteger(where, 'backlog', options.backlog ?? DEFAULT_BACKLOG, 0);
  const abstract = path.startsWith('\0');
  if (!abstract) removeStaleSocket(path);

  const sock = new Socket(AF_UNIX, SOCK_STREAM);
  try {
    sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    sock.setBlocking(false);
    sock.bind(path);
    if (!abstract) chmodSync(path, mode);
    sock.listen(backlog);
  } catch (error) {
    sock.close();
    throw error;
  }
  return sock;
}

/** Removes the socket file at `path` if no server answers there. */
function removeStaleSocket(path: string): void {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!isSocket) {
    throw osError(E.ENOTSOCK, 'bindUnixSocket', `${path}: exists and is not a socket`);
  }
  const probe = new Socket(AF_UNIX, SOCK_STREAM);
  try {
    probe.setBlocking(false);
    // A Unix connect answers at once: 0 if a server listens (or EAGAIN if its backlog is full:
    // still alive), ECONNREFUSED if the file is all that is left of it.
    const err = probe.connectEx(path);
    if (err === E.ECONNREFUSED) {
      unlinkSync(path);
      return;
    }
    if (err === 0 || err === E.EAGAIN || err === E.EINPROGRESS) {
      throw osError(E.EADDRINUSE, 'bindUnixSocket', `${path}: a server is listening there`);
    }
    throw osError(err, 'connect', path);
  } finally {
    probe.close();
  }
}
// #endregion bindUnixSocket

// #region addAcceptHandler
/** Called with each accepted connection (non-blocking) and its peer's address. */
export type AcceptCallback = (connection: Socket, address: Address) => unknown;

/**
 * When the process is out of fds (`EMFILE`, `ENFILE`) or kernel memory (`ENOBUFS`, `ENOMEM`),
 * accepting stops for a while, then tries again: the listener stays readable while connections
 * wait, and retrying at once would spin the loop. The pause doubles while it goes on, as Go's
 * `net/http` does.
 */
const BACKOFF_FIRST_MS = 5;
const BACKOFF_MAX_MS = 1_000;
const RESOURCE_ERRORS = new Set([E.EMFILE, E.ENFILE, E.ENOBUFS, E.ENOMEM]);

/**
 * Accepts connections on the listening `sock` from the current IOLoop: `callback(connection,
 * address)` for each (`connection` is non-blocking). Returns a function that stops accepting
 * (safe to call twice). At most 128 connections are accepted per wake-up, so that a flood of
 * them does not starve the loop's other work. A connection reset while it waited
 * (`ECONNABORTED`) is skipped. When the process runs out of file descriptors, accepting pauses
 * (5 ms, doubling up to 1 s while it lasts; a warning on `tornado.general`) and resumes by
 * itself; waiting connections stay in the kernel's backlog meanwhile.
 * @throws TypeError if `callback` is not a function, or `sock` already has a handler
 * @example
 * ```ts
 * const [listener] = bindSockets(8888, '127.0.0.1');
 * const stop = addAcceptHandler(listener, (conn, address) => {
 *   console.log('connection from', address);
 *   conn.close();
 * });
 * // later: stop(); listener.close();
 * ```
 */
export function addAcceptHandler(sock: Socket, callback: AcceptCallback): () => void {
  if (!(sock instanceof Socket)) {
    throw optionTypeError('addAcceptHandler()', 'sock', 'an aio Socket', sock);
  }
  if (typeof callback !== 'function') {
    throw optionTypeError('addAcceptHandler()', 'callback', 'a function', callback);
  }
  const ioloop = IOLoop.current();
  let removed = false;
  let backoffMs = 0;
  let resume: ReturnType<IOLoop['callLater']> | null = null;

  const pause = (error: OSError): void => {
    backoffMs = backoffMs === 0 ? BACKOFF_FIRST_MS : Math.min(backoffMs * 2, BACKOFF_MAX_MS);
    genLog.warn(
      `accept() on ${String(sock)}: ${error.message}; pausing accepts for ${backoffMs} ms`,
    );
    ioloop.removeHandler(sock);
    resume = ioloop.callLater(backoffMs, () => {
      resume = null;
      if (!removed) ioloop.addHandler(sock, onReadable, IOLoop.READ);
    });
  };

  const onReadable = (): void => {
    for (let i = 0; i < DEFAULT_BACKLOG; i++) {
      if (removed) return; // the callback stopped us (and maybe closed the socket)
      let accepted: [Socket, Address] | null;
      try {
        accepted = sock.tryAccept();
      } catch (error) {
        if (error instanceof OSError && error.errno === E.ECONNABORTED) continue;
        if (error instanceof OSError && RESOURCE_ERRORS.has(error.errno)) {
          pause(error);
          return;
        }
        throw error;
      }
      if (accepted === null) return; // nobody else is waiting
      backoffMs = 0;
      callback(accepted[0], accepted[1]);
    }
  };

  ioloop.addHandler(sock, onReadable, IOLoop.READ);
  return () => {
    if (removed) return;
    removed = true;
    if (resume !== null) ioloop.removeTimeout(resume);
    resume = null;
    ioloop.removeHandler(sock);
  };
}
// #endregion addAcceptHandler

// #region isValidIp
/**
 * True if `ip` is a numeric IPv4 or IPv6 address, as getaddrinfo with `AI_NUMERICHOST` reads
 * one (so `'127.1'` and `'fe80::1%lo'` count, as in tornado); never a lookup, so it never blocks.
 */
export function isValidIp(ip: string): boolean {
  if (typeof ip !== 'string') throw optionTypeError('isValidIp()', 'ip', 'a string', ip);
  // getaddrinfo reads an empty host as localhost, and stops at a NUL.
  if (ip === '' || ip.includes('\0')) return false;
  try {
    return getaddrinfo(ip, 0, AF_UNSPEC, SOCK_STREAM, 0, AI_NUMERICHOST).length > 0;
  } catch (error) {
    if (error instanceof GaiError && error.code === 'EAI_NONAME') return false;
    throw error;
  }
}
// #endregion isValidIp
