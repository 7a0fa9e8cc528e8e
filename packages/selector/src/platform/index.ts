/**
 * Picks the running OS's platform module, once, at load time. On an OS without a module (Windows
 * above all: no raw BSD sockets to poll with epoll or kqueue) importing the package throws one
 * clear `UnsupportedPlatformError` instead of failing later somewhere deep in the FFI.
 */
import { UnsupportedPlatformError } from '../errors';
import { darwin } from './darwin';
import { freebsd } from './freebsd';
import { linux } from './linux';
import type { Platform } from './types';

export type { Platform } from './types';

export function platformFor(os: string): Platform {
  switch (os) {
    case 'linux':
      return linux;
    case 'darwin':
      return darwin;
    case 'freebsd':
      return freebsd;
    case 'win32':
      throw new UnsupportedPlatformError(
        '@aio/selector does not support Windows: it polls raw BSD sockets with epoll, kqueue or ' +
          'poll, which Windows does not have. Run it on Linux, macOS or FreeBSD (WSL works).',
      );
    default:
      throw new UnsupportedPlatformError(
        `@aio/selector supports linux, darwin and freebsd, got process.platform "${os}"`,
      );
  }
}

export const platform: Platform = platformFor(process.platform);
