/**
 * Questions about a raw file descriptor that several layers ask.
 */
import { constants } from 'node:os';
import { osError } from './errors';
import { errno, libc } from './libc';
import { platform } from './platform/index';

/**
 * True if `fd` is an open file descriptor of this process right now (one `fcntl(F_GETFD)`).
 *
 * An event loop uses it to find fds that were closed while it still watched them: epoll silently
 * forgets such an fd, and poll reports it as POLLNVAL on every wait.
 */
export function isFdOpen(fd: number): boolean {
  return Number.isInteger(fd) && fd >= 0 && libc.fcntl(fd, platform.F_GETFD) >= 0;
}

/** Throws OSError EBADF (from `syscall`) unless `fd` is open. */
export function checkFdOpen(fd: number, syscall = 'register'): void {
  if (libc.fcntl(fd, platform.F_GETFD) < 0) throw osError(errno(), syscall, `fd ${fd}`);
}

const { EAGAIN, EWOULDBLOCK } = constants.errno;

/** True for the errno of a non-blocking call that found nothing to do (EAGAIN, EWOULDBLOCK). */
export const isWouldBlock = (e: number): boolean => e === EAGAIN || e === EWOULDBLOCK;

/**
 * Sets (`on`) or clears `flag` in an fd's flags read with `getCmd` and written with `setCmd`
 * (F_GETFD/F_SETFD for FD_CLOEXEC, F_GETFL/F_SETFL for O_NONBLOCK); no write if nothing changes.
 * @throws OSError naming `what`
 */
export function setFdFlag(
  fd: number,
  getCmd: number,
  setCmd: number,
  flag: number,
  on: boolean,
  what: string,
): void {
  const flags = libc.fcntl(fd, getCmd);
  if (flags < 0) throw osError(errno(), 'fcntl', what);
  const next = on ? flags | flag : flags & ~flag;
  if (next !== flags && libc.fcntl(fd, setCmd, next) < 0) throw osError(errno(), 'fcntl', what);
}
