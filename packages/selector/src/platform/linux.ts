/**
 * Linux, from glibc's and the kernel's headers (<asm-generic/socket.h>, <bits/socket.h>,
 * <sys/epoll.h>, <bits/eventfd.h>, <netdb.h>). Tested on x86-64 and arm64; the values below are
 * the same on both, except the layout of `struct epoll_event`.
 */
import type { Platform } from './types';

/** The Linux platform module for a CPU architecture (`process.arch` names). */
export function linuxFor(arch: string): Platform {
  // x86-64 declares `struct epoll_event` with __attribute__((packed)) so that its layout matches
  // 32-bit x86 (a 4-byte `events` then the 8-byte `data` union, 12 bytes); every other
  // architecture aligns `data` to 8 (16 bytes). Reading the wrong one silently swaps fds.
  const packedEpollEvent = arch === 'x64' || arch === 'ia32';
  return {
    name: 'linux',
    libc: 'libc.so.6',
    tested: true,

    AF_UNSPEC: 0,
    AF_UNIX: 1,
    AF_INET: 2,
    AF_INET6: 10,
    SOCK_STREAM: 1,
    SOCK_DGRAM: 2,
    SOCK_NONBLOCK: 0o4000,
    SOCK_CLOEXEC: 0o2000000,
    SOL_SOCKET: 1,
    SO_REUSEADDR: 2,
    SO_REUSEPORT: 15,
    SO_KEEPALIVE: 9,
    SO_BROADCAST: 6,
    SO_LINGER: 13,
    SO_SNDBUF: 7,
    SO_RCVBUF: 8,
    SO_SNDLOWAT: 19,
    SO_RCVLOWAT: 18,
    SO_ERROR: 4,
    SO_TYPE: 3,
    SO_NOSIGPIPE: 0,
    IPPROTO_TCP: 6,
    IPPROTO_UDP: 17,
    IPPROTO_IPV6: 41,
    TCP_NODELAY: 1,
    IPV6_V6ONLY: 26,
    SHUT_RD: 0,
    SHUT_WR: 1,
    SHUT_RDWR: 2,
    MSG_PEEK: 0x2,
    MSG_WAITALL: 0x100,
    MSG_DONTWAIT: 0x40,
    MSG_NOSIGNAL: 0x4000,
    SOMAXCONN: 4096,

    F_GETFD: 1,
    F_SETFD: 2,
    F_GETFL: 3,
    F_SETFL: 4,
    FD_CLOEXEC: 1,
    O_NONBLOCK: 0o4000,
    O_CLOEXEC: 0o2000000,

    AI_PASSIVE: 0x1,
    AI_CANONNAME: 0x2,
    AI_NUMERICHOST: 0x4,
    AI_NUMERICSERV: 0x400,
    AI_ADDRCONFIG: 0x20,
    AI_V4MAPPED: 0x8,
    AI_ALL: 0x10,
    gaiErrors: {
      EAI_BADFLAGS: -1,
      EAI_NONAME: -2,
      EAI_AGAIN: -3,
      EAI_FAIL: -4,
      EAI_NODATA: -5,
      EAI_FAMILY: -6,
      EAI_SOCKTYPE: -7,
      EAI_SERVICE: -8,
      EAI_ADDRFAMILY: -9,
      EAI_MEMORY: -10,
      EAI_SYSTEM: -11,
      EAI_OVERFLOW: -12,
    },
    addrinfoCanonnameFirst: false,

    sockaddrHasLen: false,
    sunPathSize: 108,

    POLLIN: 0x1,
    POLLPRI: 0x2,
    POLLOUT: 0x4,
    POLLERR: 0x8,
    POLLHUP: 0x10,
    POLLNVAL: 0x20,

    FD_SETSIZE: 1024,

    epoll: {
      EPOLLIN: 0x1,
      EPOLLOUT: 0x4,
      EPOLLERR: 0x8,
      EPOLLHUP: 0x10,
      EPOLL_CTL_ADD: 1,
      EPOLL_CTL_DEL: 2,
      EPOLL_CTL_MOD: 3,
      EPOLL_CLOEXEC: 0o2000000,
      eventSize: packedEpollEvent ? 12 : 16,
      dataOffset: packedEpollEvent ? 4 : 8,
      EFD_CLOEXEC: 0o2000000,
      EFD_NONBLOCK: 0o4000,
    },

    hasAccept4: true,
    hasPipe2: true,
  };
}

export const linux: Platform = linuxFor(process.arch);
