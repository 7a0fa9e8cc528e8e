/**
 * @aio/selector: the kernel boundary of aio.
 *
 * Non-blocking BSD sockets on raw file descriptors (`Socket`, Python's socket object), a `Waker`
 * (the self-pipe), and Python's `selectors` API over epoll, kqueue, poll and select.
 *
 * @module @aio/selector
 */
// First, so that an unsupported OS (Windows) fails here with one clear error.
export { platform, type Platform } from './platform/index';
export { Socket, socketpair, WOULD_BLOCK } from './socket';
export {
  AF_UNSPEC,
  AF_UNIX,
  AF_INET,
  AF_INET6,
  SOCK_STREAM,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_CLOEXEC,
  SOL_SOCKET,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_KEEPALIVE,
  SO_BROADCAST,
  SO_LINGER,
  SO_SNDBUF,
  SO_RCVBUF,
  SO_SNDLOWAT,
  SO_RCVLOWAT,
  SO_ERROR,
  SO_TYPE,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPPROTO_IPV6,
  TCP_NODELAY,
  IPV6_V6ONLY,
  SHUT_RD,
  SHUT_WR,
  SHUT_RDWR,
  MSG_PEEK,
  MSG_WAITALL,
  MSG_DONTWAIT,
  SOMAXCONN,
  AI_PASSIVE,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_NUMERICSERV,
  AI_ADDRCONFIG,
  AI_V4MAPPED,
  AI_ALL,
} from './socket';
export type { Address, IPv4Address, IPv6Address, UnixAddress } from './address';
export { getaddrinfo, getaddrinfoAsync, type AddrInfo } from './getaddrinfo';
export { Waker } from './waker';
export { PipeEnd, pipe } from './pipe';
export { isFdOpen } from './fd';
export {
  BaseSelector,
  SelectorKey,
  EVENT_READ,
  EVENT_WRITE,
  fileobjToFd,
  type FileObj,
  type Ready,
} from './selectors/base';
export { EpollSelector } from './selectors/epoll';
export { KqueueSelector } from './selectors/kqueue';
export { PollSelector } from './selectors/poll';
export { SelectSelector } from './selectors/select';
export { DefaultSelector, type SelectorClass } from './selectors/default';
export {
  OSError,
  BlockingIOError,
  ConnectionError,
  BrokenPipeError,
  ConnectionAbortedError,
  ConnectionRefusedError,
  ConnectionResetError,
  InterruptedError,
  TimeoutError,
  GaiError,
  SelectorError,
  InvalidFileObjectError,
  AlreadyRegisteredError,
  NotRegisteredError,
  InvalidEventsError,
  SelectorClosedError,
  SelectorBusyError,
  FdTooLargeError,
  InvalidAddressError,
  InvalidArgumentError,
  UnsupportedPlatformError,
  errnoName,
  osError,
} from './errors';
