/**
 * Everything about the kernel that differs between operating systems, gathered in one shape.
 *
 * Each OS gets one module (`linux.ts`, `darwin.ts`, `freebsd.ts`) that fills this in from its own
 * system headers; `index.ts` picks the module for the running OS once, at load time. Nothing else in
 * the package hard-codes a constant, a struct offset or a library name.
 */
export interface Platform {
  /** `process.platform` this module describes. */
  readonly name: 'linux' | 'darwin' | 'freebsd';
  /** Shared object koffi loads libc from. */
  readonly libc: string;
  /** False where this layout was written from the headers but never run (see the package README). */
  readonly tested: boolean;

  // <sys/socket.h>, <netinet/in.h>, <netinet/tcp.h>
  readonly AF_UNSPEC: number;
  readonly AF_UNIX: number;
  readonly AF_INET: number;
  readonly AF_INET6: number;
  readonly SOCK_STREAM: number;
  readonly SOCK_DGRAM: number;
  /** Flags or-ed into `socket()`'s type; 0 where the OS lacks them (then fcntl is used instead). */
  readonly SOCK_NONBLOCK: number;
  readonly SOCK_CLOEXEC: number;
  readonly SOL_SOCKET: number;
  readonly SO_REUSEADDR: number;
  readonly SO_REUSEPORT: number;
  readonly SO_KEEPALIVE: number;
  readonly SO_BROADCAST: number;
  readonly SO_LINGER: number;
  readonly SO_SNDBUF: number;
  readonly SO_RCVBUF: number;
  readonly SO_SNDLOWAT: number;
  readonly SO_RCVLOWAT: number;
  readonly SO_ERROR: number;
  readonly SO_TYPE: number;
  /** macOS's per-socket SIGPIPE switch; 0 where `MSG_NOSIGNAL` does the job. */
  readonly SO_NOSIGPIPE: number;
  readonly IPPROTO_TCP: number;
  readonly IPPROTO_UDP: number;
  readonly IPPROTO_IPV6: number;
  readonly TCP_NODELAY: number;
  readonly IPV6_V6ONLY: number;
  readonly SHUT_RD: number;
  readonly SHUT_WR: number;
  readonly SHUT_RDWR: number;
  readonly MSG_PEEK: number;
  readonly MSG_WAITALL: number;
  readonly MSG_DONTWAIT: number;
  /** Sent with every send(): a closed peer gives EPIPE, never a SIGPIPE. 0 where unsupported. */
  readonly MSG_NOSIGNAL: number;
  readonly SOMAXCONN: number;

  // <fcntl.h>
  readonly F_GETFD: number;
  readonly F_SETFD: number;
  readonly F_GETFL: number;
  readonly F_SETFL: number;
  readonly FD_CLOEXEC: number;
  readonly O_NONBLOCK: number;
  readonly O_CLOEXEC: number;

  // <netdb.h>
  readonly AI_PASSIVE: number;
  readonly AI_CANONNAME: number;
  readonly AI_NUMERICHOST: number;
  readonly AI_NUMERICSERV: number;
  readonly AI_ADDRCONFIG: number;
  readonly AI_V4MAPPED: number;
  readonly AI_ALL: number;
  /** getaddrinfo's own error codes (`EAI_NONAME` …), which are not errno values. */
  readonly gaiErrors: Readonly<Record<string, number>>;
  /** `struct addrinfo` puts `ai_canonname` before `ai_addr` on the BSDs and after it on Linux. */
  readonly addrinfoCanonnameFirst: boolean;

  // struct sockaddr layouts
  /** BSD sockaddrs start with a one-byte `sa_len` and a one-byte family; Linux has a two-byte family. */
  readonly sockaddrHasLen: boolean;
  /** Size of `sun_path` in `struct sockaddr_un`. */
  readonly sunPathSize: number;

  // <poll.h>
  readonly POLLIN: number;
  readonly POLLPRI: number;
  readonly POLLOUT: number;
  readonly POLLERR: number;
  readonly POLLHUP: number;
  readonly POLLNVAL: number;

  // <sys/select.h>
  readonly FD_SETSIZE: number;

  /** Linux only: <sys/epoll.h> and <sys/eventfd.h>. */
  readonly epoll?: {
    readonly EPOLLIN: number;
    readonly EPOLLOUT: number;
    readonly EPOLLERR: number;
    readonly EPOLLHUP: number;
    readonly EPOLL_CTL_ADD: number;
    readonly EPOLL_CTL_DEL: number;
    readonly EPOLL_CTL_MOD: number;
    readonly EPOLL_CLOEXEC: number;
    /** `struct epoll_event` is packed (12 bytes) on x86-64 and naturally aligned (16) elsewhere. */
    readonly eventSize: number;
    /** Byte offset of `data.fd` inside `struct epoll_event`. */
    readonly dataOffset: number;
    readonly EFD_CLOEXEC: number;
    readonly EFD_NONBLOCK: number;
  };

  /** macOS and the BSDs: <sys/event.h>. */
  readonly kqueue?: {
    readonly EVFILT_READ: number;
    readonly EVFILT_WRITE: number;
    readonly EV_ADD: number;
    readonly EV_DELETE: number;
    readonly EV_ERROR: number;
    readonly EV_EOF: number;
    /** `sizeof(struct kevent)`: 32 on macOS, 64 on FreeBSD 12+ (which added `ext[4]`). */
    readonly keventSize: number;
  };

  /** Which calls libc has: `accept4` and `pipe2` save a fcntl round trip where they exist. */
  readonly hasAccept4: boolean;
  readonly hasPipe2: boolean;
}
