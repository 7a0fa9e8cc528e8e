/**
 * macOS, from the SDK's <sys/socket.h>, <netinet/in.h>, <sys/event.h>, <netdb.h>, <poll.h>.
 *
 * UNTESTED: written against the system headers but never run on a Mac. The kqueue path and every
 * value here wait for a macOS CI runner; the package README says so. Differences from Linux that
 * matter: sockaddrs carry a leading `sa_len` byte, there is no `accept4`/`pipe2`/`SOCK_NONBLOCK`
 * (fcntl does that work), SIGPIPE is switched off per socket with SO_NOSIGPIPE, and `struct
 * addrinfo` orders `ai_canonname` before `ai_addr`.
 */
import type { Platform } from './types';

export const darwin: Platform = {
  name: 'darwin',
  libc: '/usr/lib/libSystem.B.dylib',
  tested: false,

  AF_UNSPEC: 0,
  AF_UNIX: 1,
  AF_INET: 2,
  AF_INET6: 30,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOCK_NONBLOCK: 0,
  SOCK_CLOEXEC: 0,
  SOL_SOCKET: 0xffff,
  SO_REUSEADDR: 0x4,
  SO_REUSEPORT: 0x200,
  SO_KEEPALIVE: 0x8,
  SO_BROADCAST: 0x20,
  SO_LINGER: 0x80,
  SO_SNDBUF: 0x1001,
  SO_RCVBUF: 0x1002,
  SO_SNDLOWAT: 0x1003,
  SO_RCVLOWAT: 0x1004,
  SO_ERROR: 0x1007,
  SO_TYPE: 0x1008,
  SO_NOSIGPIPE: 0x1022,
  IPPROTO_TCP: 6,
  IPPROTO_UDP: 17,
  IPPROTO_IPV6: 41,
  TCP_NODELAY: 0x1,
  IPV6_V6ONLY: 27,
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
  MSG_PEEK: 0x2,
  MSG_WAITALL: 0x40,
  MSG_DONTWAIT: 0x80,
  MSG_NOSIGNAL: 0,
  SOMAXCONN: 128,

  F_GETFD: 1,
  F_SETFD: 2,
  F_GETFL: 3,
  F_SETFL: 4,
  FD_CLOEXEC: 1,
  O_NONBLOCK: 0x4,
  O_CLOEXEC: 0x1000000,

  AI_PASSIVE: 0x1,
  AI_CANONNAME: 0x2,
  AI_NUMERICHOST: 0x4,
  AI_NUMERICSERV: 0x1000,
  AI_ADDRCONFIG: 0x400,
  AI_V4MAPPED: 0x800,
  AI_ALL: 0x100,
  gaiErrors: {
    EAI_AGAIN: 2,
    EAI_BADFLAGS: 3,
    EAI_FAIL: 4,
    EAI_FAMILY: 5,
    EAI_MEMORY: 6,
    EAI_NODATA: 7,
    EAI_NONAME: 8,
    EAI_SERVICE: 9,
    EAI_SOCKTYPE: 10,
    EAI_SYSTEM: 11,
    EAI_OVERFLOW: 14,
  },
  addrinfoCanonnameFirst: true,

  sockaddrHasLen: true,
  sunPathSize: 104,

  POLLIN: 0x1,
  POLLPRI: 0x2,
  POLLOUT: 0x4,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLNVAL: 0x20,

  FD_SETSIZE: 1024,

  kqueue: {
    EVFILT_READ: -1,
    EVFILT_WRITE: -2,
    EV_ADD: 0x1,
    EV_DELETE: 0x2,
    EV_ERROR: 0x4000,
    EV_EOF: 0x8000,
    keventSize: 32,
  },

  hasAccept4: false,
  hasPipe2: false,
};
