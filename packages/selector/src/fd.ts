/**
 * Questions about a raw file descriptor that several layers ask.
 */
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
