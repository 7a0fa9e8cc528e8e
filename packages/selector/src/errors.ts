/**
 * The errors @aio/selector throws, as a catalogue of named classes.
 *
 * Two families:
 * - `OSError` and its subclasses carry a failed system call's result the way Node and Python both
 *   expect: `code` ('ECONNREFUSED'), `errno` (the positive C value, as Python's `OSError.errno` and
 *   `Socket.connectEx()`; Node's own errors carry it negated) and `syscall` ('connect'). The
 *   subclass follows Python's hierarchy, so `instanceof ConnectionResetError` works as `except
 *   ConnectionResetError` does, and `err.code === 'ECONNRESET'` works as in Node.
 * - Usage errors (`InvalidFileObjectError`, `AlreadyRegisteredError`, …) say what was expected,
 *   where, and what was got, and carry a stable `ERR_AIO_*` code.
 */
import { constants } from 'node:os';

const errnoNames = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  // EWOULDBLOCK == EAGAIN and EDEADLOCK == EDEADLK: keep the name people grep for.
  if (!errnoNames.has(value)) errnoNames.set(value, name);
}
const E = constants.errno;

/** The symbolic name of an errno value on this OS (`111` → `'ECONNREFUSED'` on Linux). */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`;
}

let strerrorImpl: ((errno: number) => string) | undefined;
/** strerror's text per errno, asked of libc once each: errors on hot paths need it again and again. */
const strerrorTexts = new Map<number, string | undefined>();
function strerror(errno: number): string | undefined {
  let text = strerrorTexts.get(errno);
  if (text === undefined && strerrorImpl !== undefined) {
    text = strerrorImpl(errno);
    strerrorTexts.set(errno, text);
  }
  return text;
}
/** Lets the libc binding supply `strerror` without this module loading the FFI. */
export function setStrerror(fn: (errno: number) => string): void {
  strerrorImpl = fn;
}

/** An operating-system error from a system call: Python's `OSError`, Node's `ErrnoException`. */
export class OSError extends Error {
  override name = 'OSError';
  /** Symbolic errno name, e.g. 'ECONNREFUSED'. */
  readonly code: string;
  /** The positive C errno value. */
  readonly errno: number;
  /** The system call that failed, e.g. 'connect'. */
  readonly syscall: string;
  /** The address involved, when there was one (`127.0.0.1:80`, `/tmp/sock`). */
  readonly address?: string;

  constructor(
    errno: number,
    syscall: string,
    detail?: string,
    code = errnoName(errno),
    text = strerror(errno),
  ) {
    super(`${syscall} ${code}${detail ? ` ${detail}` : ''}${text ? ` (${text})` : ''}`);
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
    if (detail !== undefined) this.address = detail;
  }
}

/**
 * A non-blocking call found nothing to do: `EAGAIN`/`EWOULDBLOCK`, or `EINPROGRESS` from
 * `connect`. Not a failure: wait for readiness and try again.
 */
export class BlockingIOError extends OSError {
  override name = 'BlockingIOError';
  /** For `sendall()` on a non-blocking socket: how many bytes went out before it would block. */
  bytesSent?: number;
}

export class ConnectionError extends OSError {
  override name = 'ConnectionError';
}
export class BrokenPipeError extends ConnectionError {
  override name = 'BrokenPipeError';
}
export class ConnectionAbortedError extends ConnectionError {
  override name = 'ConnectionAbortedError';
}
export class ConnectionRefusedError extends ConnectionError {
  override name = 'ConnectionRefusedError';
}
export class ConnectionResetError extends ConnectionError {
  override name = 'ConnectionResetError';
}
/**
 * An operation ran out of time: Python's `TimeoutError`, the one class for every timeout, as in
 * Python 3.11 (where `socket.timeout` and `asyncio.TimeoutError` are aliases of it). A socket in
 * timeout mode (`settimeout(ms)`) throws it with code 'ETIMEDOUT' and the text "timed out";
 * `osError` builds it for the kernel's own ETIMEDOUT (a handshake or keepalive nobody answered);
 * the layers above throw it when a deadline passes (`waitFor`, `timeout`, tornado's timeouts),
 * made from a message alone: code 'ETIMEDOUT', and `syscall` empty (no system call failed).
 * @example
 * ```ts
 * try { … } catch (error) {
 *   if (error instanceof TimeoutError) … // a socket's, waitFor's or tornado's, alike
 * }
 * ```
 */
export class TimeoutError extends OSError {
  override name = 'TimeoutError';
  /** For `sendall()` in timeout mode: how many bytes went out before the time ran out. */
  bytesSent?: number;

  /** A deadline passed: `new TimeoutError('waitFor() timed out after 30 ms')`. */
  constructor(message: string, options?: ErrorOptions);
  /** A system call timed out, as any OSError. */
  constructor(errno: number, syscall: string, detail?: string, code?: string, text?: string);
  constructor(
    first: string | number,
    second?: string | ErrorOptions,
    detail?: string,
    code?: string,
    text?: string,
  ) {
    // One super() call: a bundler that lowers class fields puts their initialisers after it.
    const fromMessage = typeof first === 'string';
    super(
      fromMessage ? E.ETIMEDOUT : first,
      fromMessage ? '' : (second as string),
      fromMessage ? undefined : detail,
      fromMessage ? 'ETIMEDOUT' : code,
      fromMessage ? undefined : text,
    );
    if (fromMessage) {
      this.message = first;
      const cause = (second as ErrorOptions | undefined)?.cause;
      if (cause !== undefined) this.cause = cause;
    }
  }
}
/** A system call was interrupted by a signal. The package retries these itself (PEP 475). */
export class InterruptedError extends OSError {
  override name = 'InterruptedError';
}

type OSErrorClass = new (errno: number, syscall: string, detail?: string) => OSError;
const byErrno = new Map<number, OSErrorClass>([
  [E.EAGAIN, BlockingIOError],
  [E.EWOULDBLOCK, BlockingIOError],
  [E.EINPROGRESS, BlockingIOError],
  [E.EALREADY, BlockingIOError],
  [E.EPIPE, BrokenPipeError],
  [E.ECONNABORTED, ConnectionAbortedError],
  [E.ECONNREFUSED, ConnectionRefusedError],
  [E.ECONNRESET, ConnectionResetError],
  [E.EINTR, InterruptedError],
  [E.ETIMEDOUT, TimeoutError],
]);

/** Builds the right `OSError` subclass for an errno, as Python's `OSError(errno, …)` does. */
export function osError(errno: number, syscall: string, detail?: string): OSError {
  const Class = byErrno.get(errno) ?? OSError;
  if (Class !== BlockingIOError) return new Class(errno, syscall, detail);
  // "Would block" is flow control, caught at once by the caller (every non-blocking connect
  // raises one): it is built without capturing a stack, which costs more than the rest of it.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new BlockingIOError(errno, syscall, detail);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** A `getaddrinfo()` failure (Python's `socket.gaierror`); `code` is the `EAI_*` name. */
export class GaiError extends OSError {
  override name = 'GaiError';
}

/** Base of the package's usage errors; each subclass has a stable `code`. */
export abstract class SelectorError extends Error {
  abstract readonly code: string;
}

/** Something that should have been an fd, or an object with `fileno()`, was not. */
export class InvalidFileObjectError extends SelectorError {
  override name = 'InvalidFileObjectError';
  readonly code = 'ERR_AIO_INVALID_FILEOBJ';
}

/** `register()` of an fd the selector already watches. */
export class AlreadyRegisteredError extends SelectorError {
  override name = 'AlreadyRegisteredError';
  readonly code = 'ERR_AIO_ALREADY_REGISTERED';
}

/** `unregister()`, `modify()` or `getKey()` of an fd the selector does not watch. */
export class NotRegisteredError extends SelectorError {
  override name = 'NotRegisteredError';
  readonly code = 'ERR_AIO_NOT_REGISTERED';
}

/** An events mask that is not a non-empty subset of `EVENT_READ | EVENT_WRITE`. */
export class InvalidEventsError extends SelectorError {
  override name = 'InvalidEventsError';
  readonly code = 'ERR_AIO_INVALID_EVENTS';
}

/** Any use of a selector after `close()`. */
export class SelectorClosedError extends SelectorError {
  override name = 'SelectorClosedError';
  readonly code = 'ERR_AIO_SELECTOR_CLOSED';
}

/** `select()` or `selectAsync()` while a `selectAsync()` on the same selector is still waiting. */
export class SelectorBusyError extends SelectorError {
  override name = 'SelectorBusyError';
  readonly code = 'ERR_AIO_SELECTOR_BUSY';
}

/** An fd that `select(2)` cannot watch: `SelectSelector` takes only fds below FD_SETSIZE. */
export class FdTooLargeError extends SelectorError {
  override name = 'FdTooLargeError';
  readonly code = 'ERR_AIO_FD_TOO_LARGE';
}

/** An address that does not fit the socket's family (`['127.0.0.1']` with no port, …). */
export class InvalidAddressError extends SelectorError {
  override name = 'InvalidAddressError';
  readonly code = 'ERR_AIO_INVALID_ADDRESS';
}

/** An argument of the wrong type or range (`recv(-1)`, `send('text')`, …). */
export class InvalidArgumentError extends SelectorError {
  override name = 'InvalidArgumentError';
  readonly code = 'ERR_AIO_INVALID_ARGUMENT';
}

/** The package, or one of its backends, does not run on this operating system. */
export class UnsupportedPlatformError extends SelectorError {
  override name = 'UnsupportedPlatformError';
  readonly code = 'ERR_AIO_UNSUPPORTED_PLATFORM';
}
