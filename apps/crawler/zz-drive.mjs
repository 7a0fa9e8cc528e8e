import { createRequire as __cr } from 'module';
const require = __cr(import.meta.url);

// src/measure.ts
import { cpuUsage, resourceUsage } from 'node:process';

// src/site/pages.ts
function pagePath(index) {
  return index === 0 ? '/' : `/${index}`;
}
function pageIndex(path, pages2) {
  const index = path === '/' ? 0 : Number(path.slice(1));
  return Number.isInteger(index) && index >= 0 && index < pages2 ? index : -1;
}
function pageBody(index, pages2, size) {
  const links = [1, 2, 3]
    .map((step) => (index + step) % pages2)
    .map((target) => `<a href="${pagePath(target)}">page ${target}</a>`)
    .join(' ');
  const head = `<!doctype html><html><head><title>page ${index}</title></head><body><h1>page ${index}</h1><p>${links}</p><p>`;
  const tail = '</p></body></html>\n';
  const filler = `lorem ipsum ${index} `
    .repeat(Math.ceil(size / 12))
    .slice(0, Math.max(0, size - head.length - tail.length));
  return head + filler + tail;
}

// src/timeline.ts
var now = () => performance.timeOrigin + performance.now();
function describeError(error) {
  if (!(error instanceof Error)) return String(error);
  const code = error.code;
  const label = typeof code === 'string' ? code : error.name === 'Error' ? '' : error.name;
  return !label || error.message.startsWith(label) ? error.message : `${label}: ${error.message}`;
}
var Timeline = class {
  #pages = /* @__PURE__ */ new Map();
  #check;
  #fetched = 0;
  #failed = 0;
  #firstError;
  /** Called after each page ends (fetched or failed). */
  onPageEnd;
  constructor(check) {
    this.#check = check;
  }
  /** Pages fetched so far. */
  get fetchedCount() {
    return this.#fetched;
  }
  /** Pages failed so far. */
  get failedCount() {
    return this.#failed;
  }
  /** Pages begun and not ended yet. */
  get inFlight() {
    return this.#pages.size - this.#fetched - this.#failed;
  }
  /** The first failure, as `path: error`. */
  get firstError() {
    return this.#firstError;
  }
  begin(path, at = now()) {
    this.#pages.set(path, { path, start: at, bytes: 0 });
  }
  connected(path, at = now()) {
    const page = this.#page(path);
    page.connected ??= at;
  }
  /** `bytes` more bytes arrived; the first call is the page's first byte. */
  received(path, bytes, at = now()) {
    const page = this.#page(path);
    if (bytes > 0) page.firstByte ??= at;
    page.bytes += bytes;
  }
  /** The whole response arrived: the page is fetched if the check passes, else failed. */
  done(path, response, at = now()) {
    const page = this.#page(path);
    page.bytes = response.length;
    const problem = this.#check?.(path, response);
    this.#end(page, at, problem);
  }
  failed(path, error, at = now()) {
    this.#end(this.#page(path), at, describeError(error));
  }
  /** Takes over a record made elsewhere (by a pool member), checking its response if given. */
  add(record, response) {
    const page = { ...record, end: void 0, error: void 0 };
    this.#pages.set(page.path, page);
    if (record.error !== void 0 || response === void 0) {
      this.#end(page, record.end ?? now(), record.error ?? 'no response');
    } else {
      page.bytes = response.length;
      this.#end(page, record.end ?? now(), this.#check?.(page.path, response));
    }
  }
  /** Every page not ended yet fails with `error` (the strategy itself gave up). */
  failUnfinished(paths, error, at = now()) {
    for (const path of paths) {
      const page = this.#pages.get(path);
      if (page?.end !== void 0) continue;
      if (page === void 0) this.begin(path, at);
      this.failed(path, error, at);
    }
  }
  records() {
    return [...this.#pages.values()];
  }
  #page(path) {
    const page = this.#pages.get(path);
    if (page === void 0) throw new Error(`timeline: ${path} was never begun`);
    return page;
  }
  #end(page, at, problem) {
    if (page.end !== void 0) return;
    page.end = at;
    if (problem === void 0) {
      this.#fetched++;
    } else {
      page.error = problem;
      this.#failed++;
      this.#firstError ??= `${page.path}: ${problem}`;
    }
    this.onPageEnd?.(this);
  }
};

// src/measure.ts
function checkResponse(path, response, expected) {
  if (response.length === 0) return 'empty response: the server closed without answering';
  const statusLine = response.toString('latin1', 0, Math.min(response.length, 64)).split('\r\n')[0];
  const status = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!status)
    return `malformed response: ${JSON.stringify(statusLine.slice(0, 40))} is no status line`;
  const headerEnd = response.indexOf('\r\n\r\n');
  if (headerEnd < 0) return `malformed response: the headers never end (${response.length} bytes)`;
  if (status[1] !== '200') return `HTTP ${status[1]}${status[2] ? ` ${status[2]}` : ''}`;
  if (expected === void 0) return void 0;
  const body = response.subarray(headerEnd + 4);
  if (body.equals(expected)) return void 0;
  return body.length === expected.length
    ? `the body differs from the site's page ${path}`
    : `the body has ${body.length} bytes, the site's page ${path} has ${expected.length}`;
}
function makeTarget(spec2) {
  const { embedded } = spec2;
  const timeline = new Timeline((path, response) => {
    if (embedded === void 0) return checkResponse(path, response);
    const index = pageIndex(path, embedded.pages);
    const expected = index < 0 ? void 0 : pageBody(index, embedded.pages, embedded.sizeBytes);
    return checkResponse(path, response, expected === void 0 ? void 0 : Buffer.from(expected));
  });
  return {
    host: spec2.host,
    paths: spec2.paths,
    concurrency: spec2.concurrency,
    timeoutMs: spec2.timeoutMs,
    address: (path) => spec2.elsewhere?.[path] ?? spec2.address,
    url(path) {
      const elsewhere = spec2.elsewhere?.[path];
      if (spec2.origin !== void 0 && elsewhere === void 0) return spec2.origin + path;
      const [ip, port2] = elsewhere ?? spec2.address;
      return `http://${ip}:${port2}${path}`;
    },
    timeline,
  };
}
async function measure(strategy, target) {
  const cpuBefore = cpuUsage();
  const start = now();
  let extraCpuMs = 0;
  let extraMaxRssKiB = 0;
  try {
    const result = await strategy.run(target);
    extraCpuMs = result?.extraCpuMs ?? 0;
    extraMaxRssKiB = result?.extraMaxRssKiB ?? 0;
  } catch (error) {
    target.timeline.failUnfinished(target.paths, error);
  }
  const end = now();
  const cpu = cpuUsage(cpuBefore);
  const { timeline } = target;
  timeline.failUnfinished(target.paths, new Error(`${strategy.name} never fetched it`), end);
  return {
    strategy: strategy.name,
    wallMs: end - start,
    cpuMs: (cpu.user + cpu.system) / 1e3 + extraCpuMs,
    peakRssMiB: (resourceUsage().maxRSS + extraMaxRssKiB) / 1024,
    fetched: timeline.fetchedCount,
    failed: timeline.failedCount,
    ...(timeline.firstError === void 0 ? {} : { firstError: timeline.firstError }),
    bytes: timeline.records().reduce((sum, page) => sum + page.bytes, 0),
    pages: timeline.records().map((page) => relative(page, start, end)),
  };
}
function relative(page, start, end) {
  const at = (t) => (t === void 0 ? void 0 : Math.max(0, t - start));
  const times = {
    path: page.path,
    start: at(page.start),
    end: at(page.end ?? end),
    bytes: page.bytes,
    ...(page.connected === void 0 ? {} : { connected: at(page.connected) }),
    ...(page.firstByte === void 0 ? {} : { firstByte: at(page.firstByte) }),
    ...(page.error === void 0 ? {} : { error: page.error }),
  };
  return times;
}

// src/site/index.ts
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
var tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
var serverScript = fileURLToPath(new URL('./server.ts', import.meta.url));
var running = /* @__PURE__ */ new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

// ../../packages/selector/src/errors.ts
import { constants } from 'node:os';
import { inspect } from 'node:util';
var errnoNames = /* @__PURE__ */ new Map();
for (const [name2, value] of Object.entries(constants.errno)) {
  if (!errnoNames.has(value)) errnoNames.set(value, name2);
}
var E = constants.errno;
function errnoName(errno2) {
  return errnoNames.get(errno2) ?? `E${errno2}`;
}
function describe(value) {
  if (typeof value === 'string') return JSON.stringify(value);
  return inspect(value, { depth: 0, breakLength: Infinity });
}
var strerrorImpl;
function setStrerror(fn2) {
  strerrorImpl = fn2;
}
var OSError = class extends Error {
  name = 'OSError';
  /** Symbolic errno name, e.g. 'ECONNREFUSED'. */
  code;
  /** The positive C errno value. */
  errno;
  /** The system call that failed, e.g. 'connect'. */
  syscall;
  /** The address involved, when there was one (`127.0.0.1:80`, `/tmp/sock`). */
  address;
  constructor(errno2, syscall, detail, code = errnoName(errno2), text = strerrorImpl?.(errno2)) {
    super(`${syscall} ${code}${detail ? ` ${detail}` : ''}${text ? ` (${text})` : ''}`);
    this.code = code;
    this.errno = errno2;
    this.syscall = syscall;
    if (detail !== void 0) this.address = detail;
  }
};
var BlockingIOError = class extends OSError {
  name = 'BlockingIOError';
  /** For `sendall()` on a non-blocking socket: how many bytes went out before it would block. */
  bytesSent;
};
var ConnectionError = class extends OSError {
  name = 'ConnectionError';
};
var BrokenPipeError = class extends ConnectionError {
  name = 'BrokenPipeError';
};
var ConnectionAbortedError = class extends ConnectionError {
  name = 'ConnectionAbortedError';
};
var ConnectionRefusedError = class extends ConnectionError {
  name = 'ConnectionRefusedError';
};
var ConnectionResetError = class extends ConnectionError {
  name = 'ConnectionResetError';
};
var TimeoutError = class extends OSError {
  name = 'TimeoutError';
  /** For `sendall()` in timeout mode: how many bytes went out before the time ran out. */
  bytesSent;
};
var InterruptedError = class extends OSError {
  name = 'InterruptedError';
};
var byErrno = /* @__PURE__ */ new Map([
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
function osError(errno2, syscall, detail) {
  const Class = byErrno.get(errno2) ?? OSError;
  return new Class(errno2, syscall, detail);
}
var GaiError = class extends OSError {
  name = 'GaiError';
};
var SelectorError = class extends Error {};
var InvalidFileObjectError = class extends SelectorError {
  name = 'InvalidFileObjectError';
  code = 'ERR_AIO_INVALID_FILEOBJ';
};
var AlreadyRegisteredError = class extends SelectorError {
  name = 'AlreadyRegisteredError';
  code = 'ERR_AIO_ALREADY_REGISTERED';
};
var NotRegisteredError = class extends SelectorError {
  name = 'NotRegisteredError';
  code = 'ERR_AIO_NOT_REGISTERED';
};
var InvalidEventsError = class extends SelectorError {
  name = 'InvalidEventsError';
  code = 'ERR_AIO_INVALID_EVENTS';
};
var SelectorClosedError = class extends SelectorError {
  name = 'SelectorClosedError';
  code = 'ERR_AIO_SELECTOR_CLOSED';
};
var SelectorBusyError = class extends SelectorError {
  name = 'SelectorBusyError';
  code = 'ERR_AIO_SELECTOR_BUSY';
};
var InvalidAddressError = class extends SelectorError {
  name = 'InvalidAddressError';
  code = 'ERR_AIO_INVALID_ADDRESS';
};
var InvalidArgumentError = class extends SelectorError {
  name = 'InvalidArgumentError';
  code = 'ERR_AIO_INVALID_ARGUMENT';
};
var UnsupportedPlatformError = class extends SelectorError {
  name = 'UnsupportedPlatformError';
  code = 'ERR_AIO_UNSUPPORTED_PLATFORM';
};

// ../../packages/selector/src/platform/darwin.ts
var darwin = {
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
  SOL_SOCKET: 65535,
  SO_REUSEADDR: 4,
  SO_REUSEPORT: 512,
  SO_KEEPALIVE: 8,
  SO_BROADCAST: 32,
  SO_LINGER: 128,
  SO_SNDBUF: 4097,
  SO_RCVBUF: 4098,
  SO_SNDLOWAT: 4099,
  SO_RCVLOWAT: 4100,
  SO_ERROR: 4103,
  SO_TYPE: 4104,
  SO_NOSIGPIPE: 4130,
  IPPROTO_TCP: 6,
  IPPROTO_UDP: 17,
  IPPROTO_IPV6: 41,
  TCP_NODELAY: 1,
  IPV6_V6ONLY: 27,
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
  MSG_PEEK: 2,
  MSG_WAITALL: 64,
  MSG_DONTWAIT: 128,
  MSG_NOSIGNAL: 0,
  SOMAXCONN: 128,
  F_GETFD: 1,
  F_SETFD: 2,
  F_GETFL: 3,
  F_SETFL: 4,
  FD_CLOEXEC: 1,
  O_NONBLOCK: 4,
  O_CLOEXEC: 16777216,
  AI_PASSIVE: 1,
  AI_CANONNAME: 2,
  AI_NUMERICHOST: 4,
  AI_NUMERICSERV: 4096,
  AI_ADDRCONFIG: 1024,
  AI_V4MAPPED: 2048,
  AI_ALL: 256,
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
  POLLIN: 1,
  POLLPRI: 2,
  POLLOUT: 4,
  POLLERR: 8,
  POLLHUP: 16,
  POLLNVAL: 32,
  FD_SETSIZE: 1024,
  kqueue: {
    EVFILT_READ: -1,
    EVFILT_WRITE: -2,
    EV_ADD: 1,
    EV_DELETE: 2,
    EV_ERROR: 16384,
    EV_EOF: 32768,
    keventSize: 32,
  },
  hasAccept4: false,
  hasPipe2: false,
};

// ../../packages/selector/src/platform/freebsd.ts
var freebsd = {
  name: 'freebsd',
  libc: 'libc.so.7',
  tested: false,
  AF_UNSPEC: 0,
  AF_UNIX: 1,
  AF_INET: 2,
  AF_INET6: 28,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOCK_NONBLOCK: 536870912,
  SOCK_CLOEXEC: 268435456,
  SOL_SOCKET: 65535,
  SO_REUSEADDR: 4,
  SO_REUSEPORT: 512,
  SO_KEEPALIVE: 8,
  SO_BROADCAST: 32,
  SO_LINGER: 128,
  SO_SNDBUF: 4097,
  SO_RCVBUF: 4098,
  SO_SNDLOWAT: 4099,
  SO_RCVLOWAT: 4100,
  SO_ERROR: 4103,
  SO_TYPE: 4104,
  SO_NOSIGPIPE: 0,
  IPPROTO_TCP: 6,
  IPPROTO_UDP: 17,
  IPPROTO_IPV6: 41,
  TCP_NODELAY: 1,
  IPV6_V6ONLY: 27,
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
  MSG_PEEK: 2,
  MSG_WAITALL: 64,
  MSG_DONTWAIT: 128,
  MSG_NOSIGNAL: 131072,
  SOMAXCONN: 128,
  F_GETFD: 1,
  F_SETFD: 2,
  F_GETFL: 3,
  F_SETFL: 4,
  FD_CLOEXEC: 1,
  O_NONBLOCK: 4,
  O_CLOEXEC: 1048576,
  AI_PASSIVE: 1,
  AI_CANONNAME: 2,
  AI_NUMERICHOST: 4,
  AI_NUMERICSERV: 8,
  AI_ADDRCONFIG: 1024,
  AI_V4MAPPED: 2048,
  AI_ALL: 256,
  gaiErrors: {
    EAI_AGAIN: 2,
    EAI_BADFLAGS: 3,
    EAI_FAIL: 4,
    EAI_FAMILY: 5,
    EAI_MEMORY: 6,
    EAI_NONAME: 8,
    EAI_SERVICE: 9,
    EAI_SOCKTYPE: 10,
    EAI_SYSTEM: 11,
    EAI_OVERFLOW: 14,
  },
  addrinfoCanonnameFirst: true,
  sockaddrHasLen: true,
  sunPathSize: 104,
  POLLIN: 1,
  POLLPRI: 2,
  POLLOUT: 4,
  POLLERR: 8,
  POLLHUP: 16,
  POLLNVAL: 32,
  FD_SETSIZE: 1024,
  kqueue: {
    EVFILT_READ: -1,
    EVFILT_WRITE: -2,
    EV_ADD: 1,
    EV_DELETE: 2,
    EV_ERROR: 16384,
    EV_EOF: 32768,
    keventSize: 64,
  },
  hasAccept4: true,
  hasPipe2: true,
};

// ../../packages/selector/src/platform/linux.ts
function linuxFor(arch) {
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
    SOCK_NONBLOCK: 2048,
    SOCK_CLOEXEC: 524288,
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
    MSG_PEEK: 2,
    MSG_WAITALL: 256,
    MSG_DONTWAIT: 64,
    MSG_NOSIGNAL: 16384,
    SOMAXCONN: 4096,
    F_GETFD: 1,
    F_SETFD: 2,
    F_GETFL: 3,
    F_SETFL: 4,
    FD_CLOEXEC: 1,
    O_NONBLOCK: 2048,
    O_CLOEXEC: 524288,
    AI_PASSIVE: 1,
    AI_CANONNAME: 2,
    AI_NUMERICHOST: 4,
    AI_NUMERICSERV: 1024,
    AI_ADDRCONFIG: 32,
    AI_V4MAPPED: 8,
    AI_ALL: 16,
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
    POLLIN: 1,
    POLLPRI: 2,
    POLLOUT: 4,
    POLLERR: 8,
    POLLHUP: 16,
    POLLNVAL: 32,
    FD_SETSIZE: 1024,
    epoll: {
      EPOLLIN: 1,
      EPOLLOUT: 4,
      EPOLLERR: 8,
      EPOLLHUP: 16,
      EPOLL_CTL_ADD: 1,
      EPOLL_CTL_DEL: 2,
      EPOLL_CTL_MOD: 3,
      EPOLL_CLOEXEC: 524288,
      eventSize: packedEpollEvent ? 12 : 16,
      dataOffset: packedEpollEvent ? 4 : 8,
      EFD_CLOEXEC: 524288,
      EFD_NONBLOCK: 2048,
    },
    hasAccept4: true,
    hasPipe2: true,
  };
}
var linux = linuxFor(process.arch);

// ../../packages/selector/src/platform/index.ts
function platformFor(os) {
  switch (os) {
    case 'linux':
      return linux;
    case 'darwin':
      return darwin;
    case 'freebsd':
      return freebsd;
    case 'win32':
      throw new UnsupportedPlatformError(
        '@aio/selector does not support Windows: it polls raw BSD sockets with epoll, kqueue or poll, which Windows does not have. Run it on Linux, macOS or FreeBSD (WSL works).',
      );
    default:
      throw new UnsupportedPlatformError(
        `@aio/selector supports linux, darwin and freebsd, got process.platform "${os}"`,
      );
  }
}
var platform = platformFor(process.platform);

// ../../packages/selector/src/socket.ts
import { inspect as inspect2 } from 'node:util';
import { constants as constants3 } from 'node:os';

// ../../packages/selector/src/libc.ts
import koffi from 'koffi';
var lib = koffi.load(platform.libc);
function fn(decl) {
  return lib.func(decl);
}
function optional(available, decl) {
  return available ? fn(decl) : void 0;
}
var isLinux = platform.name === 'linux';
var nfds = isLinux ? 'unsigned long' : 'uint32_t';
var errno = () => koffi.errno();
var fcntlVariadic = lib.func('int fcntl(int fd, int cmd, ...)');
var libc = {
  socket: fn('int socket(int, int, int)'),
  socketpair: fn('int socketpair(int, int, int, void *)'),
  connect: fn('int connect(int, void *, uint32_t)'),
  bind: fn('int bind(int, void *, uint32_t)'),
  listen: fn('int listen(int, int)'),
  accept: fn('int accept(int, void *, void *)'),
  accept4: optional(platform.hasAccept4, 'int accept4(int, void *, void *, int)'),
  send: fn('intptr_t send(int, void *, size_t, int)'),
  recv: fn('intptr_t recv(int, void *, size_t, int)'),
  sendto: fn('intptr_t sendto(int, void *, size_t, int, void *, uint32_t)'),
  recvfrom: fn('intptr_t recvfrom(int, void *, size_t, int, void *, void *)'),
  shutdown: fn('int shutdown(int, int)'),
  close: fn('int close(int)'),
  read: fn('intptr_t read(int, void *, size_t)'),
  write: fn('intptr_t write(int, void *, size_t)'),
  setsockopt: fn('int setsockopt(int, int, int, void *, uint32_t)'),
  getsockopt: fn('int getsockopt(int, int, int, void *, void *)'),
  getsockname: fn('int getsockname(int, void *, void *)'),
  getpeername: fn('int getpeername(int, void *, void *)'),
  /** fcntl with an int argument (F_GETFD, F_SETFL …); variadic, as the ABI requires on arm64 macOS. */
  fcntl: (fd, cmd, arg = 0) => fcntlVariadic(fd, cmd, 'int', arg),
  pipe: fn('int pipe(void *)'),
  pipe2: optional(platform.hasPipe2, 'int pipe2(void *, int)'),
  eventfd: optional(isLinux, 'int eventfd(unsigned int, int)'),
  epoll_create1: optional(isLinux, 'int epoll_create1(int)'),
  epoll_ctl: optional(isLinux, 'int epoll_ctl(int, int, int, void *)'),
  epoll_wait: optional(isLinux, 'int epoll_wait(int, void *, int, int)'),
  kqueue: optional(platform.kqueue !== void 0, 'int kqueue()'),
  kevent: optional(platform.kqueue !== void 0, 'int kevent(int, void *, int, void *, int, void *)'),
  poll: fn(`int poll(void *, ${nfds}, int)`),
  select: fn('int select(int, void *, void *, void *, void *)'),
  inet_ntop: lib.func('const char *inet_ntop(int, void *, void *, uint32_t)'),
  inet_pton: fn('int inet_pton(int, const char *, void *)'),
  if_nametoindex: lib.func('unsigned int if_nametoindex(const char *)'),
  if_indextoname: lib.func('const char *if_indextoname(unsigned int, void *)'),
  strerror: lib.func('const char *strerror(int)'),
  gai_strerror: lib.func('const char *gai_strerror(int)'),
  getaddrinfo: lib.func('int getaddrinfo(const char *, const char *, void *, _Out_ void **)'),
  freeaddrinfo: lib.func('void freeaddrinfo(void *)'),
};
setStrerror((code) => libc.strerror(code));
var POINTER_SIZE = koffi.sizeof('void *');
function writeInt64(buf, value, offset) {
  buf.writeUInt32LE(value % 4294967296, offset);
  buf.writeUInt32LE(Math.floor(value / 4294967296), offset + 4);
}
function copyFromPointer(pointer, len) {
  if (len === 0) return Buffer.alloc(0);
  return Buffer.from(new Uint8Array(koffi.view(pointer, len)));
}
function readPointerField(pointer, offset) {
  return koffi.decode(pointer, offset, 'void *');
}
function readIntField(pointer, offset) {
  return koffi.decode(pointer, offset, 'int');
}
function readCString(pointer) {
  return pointer === null ? null : koffi.decode(pointer, 'const char *');
}

// ../../packages/selector/src/addrinfo.ts
var POINTER = POINTER_SIZE;
var align = (n, to) => Math.ceil(n / to) * to;
var FIRST_POINTER = align(20, POINTER);
var OFF_ADDR = platform.addrinfoCanonnameFirst ? FIRST_POINTER + POINTER : FIRST_POINTER;
var OFF_CANONNAME = platform.addrinfoCanonnameFirst ? FIRST_POINTER : FIRST_POINTER + POINTER;
var OFF_NEXT = FIRST_POINTER + 2 * POINTER;
var ADDRINFO_SIZE = OFF_NEXT + POINTER;
var gaiNames = new Map(Object.entries(platform.gaiErrors).map(([name2, code]) => [code, name2]));
function service(port2) {
  if (port2 === null || port2 === void 0) return null;
  if (typeof port2 === 'number' && Number.isInteger(port2) && port2 >= 0 && port2 <= 65535)
    return String(port2);
  if (typeof port2 === 'string') return port2;
  throw new InvalidAddressError(
    `getaddrinfo() expected a port number, a service name or null, got ${describe(port2)}`,
  );
}
function prepare(host, port2, family, type, proto, flags) {
  if (host !== null && typeof host !== 'string') {
    throw new InvalidAddressError(
      `getaddrinfo() expected a host string or null, got ${describe(host)}`,
    );
  }
  const hints = Buffer.alloc(ADDRINFO_SIZE);
  hints.writeInt32LE(flags, 0);
  hints.writeInt32LE(family, 4);
  hints.writeInt32LE(type, 8);
  hints.writeInt32LE(proto, 12);
  return { host, service: service(port2), hints, out: [null] };
}
function finish(call, rc, errnoValue) {
  if (rc !== 0) {
    const name2 = gaiNames.get(rc);
    if (name2 === 'EAI_SYSTEM') throw osError(errnoValue, 'getaddrinfo', call.host ?? void 0);
    throw new GaiError(
      rc,
      'getaddrinfo',
      call.host ?? void 0,
      name2 ?? `EAI_${rc}`,
      libc.gai_strerror(rc),
    );
  }
  const results = [];
  try {
    for (let node = call.out[0]; node !== null; node = readPointerField(node, OFF_NEXT)) {
      const addrlen = readIntField(node, 16);
      results.push({
        family: readIntField(node, 4),
        type: readIntField(node, 8),
        proto: readIntField(node, 12),
        canonname: readCString(readPointerField(node, OFF_CANONNAME)) ?? '',
        sockaddr: copyFromPointer(readPointerField(node, OFF_ADDR), addrlen),
      });
    }
  } finally {
    libc.freeaddrinfo(call.out[0]);
  }
  return results;
}
function lookup(host, port2, family, type, proto, flags) {
  const call = prepare(host, port2, family, type, proto, flags);
  const rc = libc.getaddrinfo(call.host, call.service, call.hints, call.out);
  return finish(call, rc, rc === 0 ? 0 : errno());
}
function lookupAsync(host, port2, family, type, proto, flags) {
  return new Promise((resolve, reject) => {
    const call = prepare(host, port2, family, type, proto, flags);
    libc.getaddrinfo.async(call.host, call.service, call.hints, call.out, (err, rc) => {
      if (err) {
        reject(err instanceof Error ? err : new Error(describe(err)));
        return;
      }
      try {
        resolve(finish(call, rc, rc === 0 ? 0 : errno()));
      } catch (failure) {
        reject(failure instanceof Error ? failure : new Error(describe(failure)));
      }
    });
  });
}
function resolveHostBytes(host, family, out) {
  const [first] = lookup(host, null, family, platform.SOCK_STREAM, 0, 0);
  if (!first) throw new GaiError(0, 'getaddrinfo', host, 'EAI_NONAME', 'no address found');
  const offset = family === platform.AF_INET ? 4 : 8;
  first.sockaddr.copy(out, 0, offset, offset + out.length);
}

// ../../packages/selector/src/address.ts
var SOCKADDR_STORAGE_SIZE = 128;
var { AF_INET, AF_INET6, AF_UNIX } = platform;
var SIN_SIZE = 16;
var SIN6_SIZE = 28;
function familyName(family) {
  if (family === AF_INET) return 'AF_INET';
  if (family === AF_INET6) return 'AF_INET6';
  if (family === AF_UNIX) return 'AF_UNIX';
  return `family ${family}`;
}
function writeFamily(buf, family, size) {
  if (platform.sockaddrHasLen) {
    buf[0] = size;
    buf[1] = family;
  } else {
    buf.writeUInt16LE(family, 0);
  }
}
function readFamily(buf) {
  return platform.sockaddrHasLen ? buf[1] : buf[0] | (buf[1] << 8);
}
function checkPort(port2, syscall) {
  if (typeof port2 !== 'number' || !Number.isInteger(port2) || port2 < 0 || port2 > 65535) {
    throw new InvalidAddressError(
      `${syscall}() expected a port from 0 to 65535, got ${describe(port2)}`,
    );
  }
  return port2;
}
function hostBytes(family, host, out, syscall) {
  if (host === '') return;
  if (family === AF_INET && host === '<broadcast>') {
    out.fill(255);
    return;
  }
  if (libc.inet_pton(family, host, out) === 1) return;
  if (host.includes('\0')) {
    throw new InvalidAddressError(
      `${syscall}() expected a host name without NUL bytes, got ${describe(host)}`,
    );
  }
  resolveHostBytes(host, family, out);
}
function encodeAddress(family, address, syscall) {
  if (family === AF_UNIX) {
    if (typeof address !== 'string' && !(address instanceof Uint8Array)) {
      throw new InvalidAddressError(
        `${syscall}() on an AF_UNIX socket expected a path string, got ${describe(address)}`,
      );
    }
    const path = typeof address === 'string' ? Buffer.from(address, 'utf8') : Buffer.from(address);
    const abstract = path[0] === 0;
    if (path.length > platform.sunPathSize - (abstract ? 0 : 1)) {
      throw new InvalidAddressError(
        `${syscall}() AF_UNIX path is too long: ${path.length} bytes, at most ${platform.sunPathSize - 1}`,
      );
    }
    const size = 2 + path.length + (abstract ? 0 : 1);
    const buf = Buffer.alloc(2 + platform.sunPathSize);
    writeFamily(buf, family, size);
    path.copy(buf, 2);
    return [buf, size];
  }
  if (!Array.isArray(address) || typeof address[0] !== 'string') {
    throw new InvalidAddressError(
      `${syscall}() on an ${familyName(family)} socket expected [host, port], got ${describe(address)}`,
    );
  }
  const [host, rawPort] = address;
  const port2 = checkPort(rawPort, syscall);
  if (family === AF_INET) {
    if (address.length !== 2) {
      throw new InvalidAddressError(
        `${syscall}() on an AF_INET socket expected [host, port], got ${describe(address)}`,
      );
    }
    const buf = Buffer.alloc(SIN_SIZE);
    writeFamily(buf, family, SIN_SIZE);
    buf.writeUInt16BE(port2, 2);
    const ip = Buffer.alloc(4);
    hostBytes(family, host, ip, syscall);
    ip.copy(buf, 4);
    return [buf, SIN_SIZE];
  }
  if (family === AF_INET6) {
    if (address.length !== 2 && address.length !== 4) {
      throw new InvalidAddressError(
        `${syscall}() on an AF_INET6 socket expected [host, port] or [host, port, flowinfo, scopeId], got ${describe(address)}`,
      );
    }
    const flowinfo = address[2] ?? 0;
    let scopeId = address[3] ?? 0;
    if (
      typeof flowinfo !== 'number' ||
      !Number.isInteger(flowinfo) ||
      flowinfo < 0 ||
      flowinfo > 1048575
    ) {
      throw new InvalidAddressError(
        `${syscall}() expected flowinfo from 0 to 1048575, got ${describe(flowinfo)}`,
      );
    }
    if (
      typeof scopeId !== 'number' ||
      !Number.isInteger(scopeId) ||
      scopeId < 0 ||
      scopeId > 4294967295
    ) {
      throw new InvalidAddressError(
        `${syscall}() expected a scope id from 0 to 4294967295, got ${describe(scopeId)}`,
      );
    }
    let bare = host;
    const zone = host.indexOf('%');
    if (zone >= 0) {
      bare = host.slice(0, zone);
      const name2 = host.slice(zone + 1);
      scopeId = /^\d+$/.test(name2) ? Number(name2) : libc.if_nametoindex(name2);
      if (scopeId === 0)
        throw new InvalidAddressError(
          `${syscall}() found no network interface named ${describe(name2)}`,
        );
    }
    const buf = Buffer.alloc(SIN6_SIZE);
    writeFamily(buf, family, SIN6_SIZE);
    buf.writeUInt16BE(port2, 2);
    buf.writeUInt32BE(flowinfo, 4);
    const ip = Buffer.alloc(16);
    hostBytes(family, bare, ip, syscall);
    ip.copy(buf, 8);
    buf.writeUInt32LE(scopeId, 24);
    return [buf, SIN6_SIZE];
  }
  throw new InvalidAddressError(
    `${syscall}() does not know how to encode an address for ${familyName(family)}`,
  );
}
var ntopBuffer = Buffer.alloc(64);
function decodeAddress(buf, len) {
  const family = len >= 2 ? readFamily(buf) : platform.AF_UNSPEC;
  if (family === AF_INET) {
    return [`${buf[4]}.${buf[5]}.${buf[6]}.${buf[7]}`, buf.readUInt16BE(2)];
  }
  if (family === AF_INET6) {
    const host = libc.inet_ntop(AF_INET6, buf.subarray(8, 24), ntopBuffer, ntopBuffer.length);
    if (host === null) throw new OSError(22, 'inet_ntop');
    return [host, buf.readUInt16BE(2), buf.readUInt32BE(4), buf.readUInt32LE(24)];
  }
  if (family === AF_UNIX || family === platform.AF_UNSPEC) {
    if (len <= 2) return '';
    let path = buf.subarray(2, len);
    if (path[0] !== 0) {
      const nul = path.indexOf(0);
      if (nul >= 0) path = path.subarray(0, nul);
    }
    return path.toString('utf8');
  }
  throw new InvalidAddressError(`cannot decode an address of family ${family}`);
}
function formatAddress(address) {
  if (typeof address === 'string')
    return address.startsWith('\0') ? `@${address.slice(1)}` : address;
  if (Array.isArray(address) && typeof address[0] === 'string') {
    const [host, port2] = address;
    return host.includes(':') ? `[${host}]:${String(port2)}` : `${host}:${String(port2)}`;
  }
  return describe(address);
}

// ../../packages/selector/src/selectors/base.ts
import { constants as constants2 } from 'node:os';
var { EINTR } = constants2.errno;
var EVENT_READ = 1;
var EVENT_WRITE = 2;
var ALL_EVENTS = EVENT_READ | EVENT_WRITE;
var SelectorKey = class {
  constructor(fileobj, fd, events, data) {
    this.fileobj = fileobj;
    this.fd = fd;
    this.events = events;
    this.data = data;
    Object.freeze(this);
  }
  fileobj;
  fd;
  events;
  data;
  toString() {
    const names3 = [
      this.events & EVENT_READ ? 'READ' : '',
      this.events & EVENT_WRITE ? 'WRITE' : '',
    ]
      .filter(Boolean)
      .join('|');
    return `SelectorKey(fd=${this.fd}, events=${names3}, data=${describe(this.data)})`;
  }
};
function fileobjToFd(fileobj, method) {
  let fd = fileobj;
  if (typeof fileobj !== 'number') {
    const fileno = fileobj?.fileno;
    if (typeof fileno !== 'function') {
      throw new InvalidFileObjectError(
        `${method}() expected a file descriptor or an object with fileno(), got ${describe(fileobj)}`,
      );
    }
    fd = fileno.call(fileobj);
  }
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) {
    const from = typeof fileobj === 'number' ? '' : ` (from fileno() of ${String(fileobj)})`;
    throw new InvalidFileObjectError(
      `${method}() expected a non-negative integer file descriptor, got ${describe(fd)}${from}`,
    );
  }
  return fd;
}
function checkEvents(events, method) {
  if (
    typeof events !== 'number' ||
    !Number.isInteger(events) ||
    events <= 0 ||
    (events & ~ALL_EVENTS) !== 0
  ) {
    throw new InvalidEventsError(
      `${method}() expected events EVENT_READ (1), EVENT_WRITE (2) or both (3), got ${describe(events)}`,
    );
  }
  return events;
}
function eventsFromFlags(flags, inFlag, outFlag) {
  return (flags & ~inFlag ? EVENT_WRITE : 0) | (flags & ~outFlag ? EVENT_READ : 0);
}
function normalizeTimeout(timeoutMs, method) {
  if (timeoutMs === null || timeoutMs === void 0) return -1;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs)) {
    throw new InvalidArgumentError(
      `${method}() expected a timeout in milliseconds, null or undefined, got ${describe(timeoutMs)}`,
    );
  }
  if (timeoutMs === Infinity) return -1;
  return timeoutMs > 0 ? timeoutMs : 0;
}
function timeoutToMs(timeout) {
  return timeout < 0 ? -1 : Math.min(Math.ceil(timeout), 2147483647);
}
var now2 = () => performance.now();
function koffiDone(done, errnoNow) {
  return (err, n) => {
    if (err) done(-1, err);
    else done(n < 0 ? -errnoNow() : n);
  };
}
var BaseSelector = class {
  #keys = /* @__PURE__ */ new Map();
  #closed = false;
  #waiting = false;
  /**
   * Starts watching `fileobj` for `events` (EVENT_READ, EVENT_WRITE or both), remembering `data`.
   * @throws AlreadyRegisteredError if its fd is registered already (use `modify`)
   * @throws OSError EBADF if the fd is not open
   */
  register(fileobj, events, data) {
    this.#ensureOpen('register');
    checkEvents(events, 'register');
    const fd = fileobjToFd(fileobj, 'register');
    const existing = this.#keys.get(fd);
    if (existing) {
      throw new AlreadyRegisteredError(
        `register(): fd ${fd} is already registered (by ${describe(existing.fileobj)}); use modify() to change its events`,
      );
    }
    const key = new SelectorKey(fileobj, fd, events, data);
    this.#keys.set(fd, key);
    try {
      this.addFd(fd, events);
    } catch (err) {
      this.#keys.delete(fd);
      throw err;
    }
    return key;
  }
  /**
   * Stops watching `fileobj` and returns its key. Works for an object whose fd is already closed
   * (a `Socket` after `close()`), by finding its key.
   */
  unregister(fileobj) {
    this.#ensureOpen('unregister');
    const key = this.#lookup(fileobj, 'unregister');
    this.#keys.delete(key.fd);
    this.removeFd(key.fd, key.events);
    return key;
  }
  /** Changes the events and data of a registration; returns the new key. */
  modify(fileobj, events, data) {
    this.#ensureOpen('modify');
    const key = this.#lookup(fileobj, 'modify');
    checkEvents(events, 'modify');
    if (events !== key.events) this.modifyFd(key.fd, key.events, events);
    const next = new SelectorKey(key.fileobj, key.fd, events, data);
    this.#keys.set(key.fd, next);
    return next;
  }
  /**
   * Waits until a registered fd is ready, or `timeoutMs` passes.
   *
   * `null`/`undefined` (the default) waits as long as it takes; `0` (or less) only polls.
   * Returns `[key, events]` pairs; an empty array means the time ran out. Blocks the calling
   * thread: inside Node's own loop use `selectAsync`.
   */
  select(timeoutMs) {
    this.#ensureOpen('select');
    this.#ensureIdle('select');
    let timeout = normalizeTimeout(timeoutMs, 'select');
    const deadline = timeout > 0 ? now2() + timeout : 0;
    for (;;) {
      const count = this.wait(timeout);
      if (count >= 0) return this.#ready(count);
      if (-count !== EINTR) throw osError(-count, this.syscall);
      if (timeout > 0) timeout = Math.max(0, deadline - now2());
    }
  }
  /**
   * `select()` run on a libuv worker thread, so Node's own loop stays free meanwhile. Resolves
   * with the same result. One wait at a time per selector; cut it short with a registered `Waker`.
   */
  selectAsync(timeoutMs) {
    this.#ensureOpen('selectAsync');
    this.#ensureIdle('selectAsync');
    let timeout = normalizeTimeout(timeoutMs, 'selectAsync');
    const deadline = timeout > 0 ? now2() + timeout : 0;
    this.#waiting = true;
    return new Promise((resolve, reject) => {
      const attempt = () => {
        this.waitAsync(timeout, (count, failure) => {
          if (failure !== void 0) {
            this.#waiting = false;
            if (this.#closed) this.closeBackend();
            reject(failure instanceof Error ? failure : new Error(describe(failure)));
            return;
          }
          if (count < 0 && -count === EINTR && !this.#closed) {
            if (timeout > 0) timeout = Math.max(0, deadline - now2());
            attempt();
            return;
          }
          this.#waiting = false;
          if (this.#closed) {
            this.closeBackend();
            resolve([]);
          } else if (count >= 0) {
            resolve(this.#ready(count));
          } else {
            reject(osError(-count, this.syscall));
          }
        });
      };
      try {
        attempt();
      } catch (err) {
        this.#waiting = false;
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }
  /** The key of a registered file object. @throws NotRegisteredError */
  getKey(fileobj) {
    this.#ensureOpen('getKey');
    return this.#lookup(fileobj, 'getKey');
  }
  /** Every registration, by fd (read-only; empty once closed). */
  getMap() {
    return this.#keys;
  }
  /** Forgets every registration and releases the kernel object. Closing twice is harmless. */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#keys.clear();
    if (!this.#waiting) this.closeBackend();
  }
  get closed() {
    return this.#closed;
  }
  [Symbol.dispose]() {
    this.close();
  }
  /** A registration by fd, for `collect` (undefined if it was dropped meanwhile). */
  keyFor(fd) {
    return this.#keys.get(fd);
  }
  /** The live registrations, for backends that rebuild their kernel arguments (poll, select). */
  keys() {
    return this.#keys.values();
  }
  get size() {
    return this.#keys.size;
  }
  /** Returns an errno as this class's hooks report failure. */
  static failure() {
    return -errno();
  }
  #ready(count) {
    const ready = [];
    if (count > 0) this.collect(count, ready);
    return ready;
  }
  #lookup(fileobj, method) {
    let fd;
    try {
      fd = fileobjToFd(fileobj, method);
    } catch (err) {
      for (const key2 of this.#keys.values()) if (key2.fileobj === fileobj) return key2;
      throw err;
    }
    const key = this.#keys.get(fd);
    if (!key)
      throw new NotRegisteredError(
        `${method}(): ${describe(fileobj)} (fd ${fd}) is not registered`,
      );
    return key;
  }
  #ensureOpen(method) {
    if (this.#closed)
      throw new SelectorClosedError(`${method}() on a closed ${this.constructor.name}`);
  }
  #ensureIdle(method) {
    if (this.#waiting) {
      throw new SelectorBusyError(
        `${method}() while a selectAsync() on this ${this.constructor.name} is still waiting; await it first`,
      );
    }
  }
  toString() {
    if (this.#closed) return `<${this.constructor.name} [closed]>`;
    return `<${this.constructor.name} registered=${this.#keys.size}${this.#waiting ? ' waiting' : ''}>`;
  }
};

// ../../packages/selector/src/socket.ts
var { EINTR: EINTR2, EAGAIN, EWOULDBLOCK, EINPROGRESS, EBADF, ETIMEDOUT } = constants3.errno;
var WOULD_BLOCK = -1;
var AF_UNSPEC = platform.AF_UNSPEC;
var AF_UNIX2 = platform.AF_UNIX;
var AF_INET2 = platform.AF_INET;
var AF_INET62 = platform.AF_INET6;
var SOCK_STREAM = platform.SOCK_STREAM;
var SOCK_DGRAM = platform.SOCK_DGRAM;
var SOCK_NONBLOCK = platform.SOCK_NONBLOCK;
var SOCK_CLOEXEC = platform.SOCK_CLOEXEC;
var SOL_SOCKET = platform.SOL_SOCKET;
var SO_REUSEADDR = platform.SO_REUSEADDR;
var SO_REUSEPORT = platform.SO_REUSEPORT;
var SO_KEEPALIVE = platform.SO_KEEPALIVE;
var SO_BROADCAST = platform.SO_BROADCAST;
var SO_LINGER = platform.SO_LINGER;
var SO_SNDBUF = platform.SO_SNDBUF;
var SO_RCVBUF = platform.SO_RCVBUF;
var SO_SNDLOWAT = platform.SO_SNDLOWAT;
var SO_RCVLOWAT = platform.SO_RCVLOWAT;
var SO_ERROR = platform.SO_ERROR;
var SO_TYPE = platform.SO_TYPE;
var IPPROTO_TCP = platform.IPPROTO_TCP;
var IPPROTO_UDP = platform.IPPROTO_UDP;
var IPPROTO_IPV6 = platform.IPPROTO_IPV6;
var TCP_NODELAY = platform.TCP_NODELAY;
var IPV6_V6ONLY = platform.IPV6_V6ONLY;
var SHUT_RD = platform.SHUT_RD;
var SHUT_WR = platform.SHUT_WR;
var SHUT_RDWR = platform.SHUT_RDWR;
var MSG_PEEK = platform.MSG_PEEK;
var MSG_WAITALL = platform.MSG_WAITALL;
var MSG_DONTWAIT = platform.MSG_DONTWAIT;
var SOMAXCONN = platform.SOMAXCONN;
var AI_PASSIVE = platform.AI_PASSIVE;
var AI_CANONNAME = platform.AI_CANONNAME;
var AI_NUMERICHOST = platform.AI_NUMERICHOST;
var AI_NUMERICSERV = platform.AI_NUMERICSERV;
var AI_ADDRCONFIG = platform.AI_ADDRCONFIG;
var AI_V4MAPPED = platform.AI_V4MAPPED;
var AI_ALL = platform.AI_ALL;
var FAMILY_NAMES = /* @__PURE__ */ new Map([
  [AF_UNIX2, 'AF_UNIX'],
  [AF_INET2, 'AF_INET'],
  [AF_INET62, 'AF_INET6'],
]);
var TYPE_NAMES = /* @__PURE__ */ new Map([
  [SOCK_STREAM, 'SOCK_STREAM'],
  [SOCK_DGRAM, 'SOCK_DGRAM'],
]);
var TYPE_FLAGS = SOCK_NONBLOCK | SOCK_CLOEXEC;
var unclosed = new FinalizationRegistry((fd) => {
  libc.close(fd);
  process.emitWarning(
    `unclosed socket fd=${fd} was closed by the garbage collector`,
    'ResourceWarning',
  );
});
function checkInt(value, what, method, min = 0) {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(
      `${method}() expected ${what} to be an integer >= ${min}, got ${describe(value)}`,
    );
  }
  return value;
}
function checkBytes(data, method) {
  if (!(data instanceof Uint8Array)) {
    throw new InvalidArgumentError(
      `${method}() expected a Buffer or Uint8Array, got ${describe(data)}`,
    );
  }
  return data;
}
function prepareNewFd(fd) {
  if (SOCK_CLOEXEC === 0)
    setFdFlag(fd, platform.F_GETFD, platform.F_SETFD, platform.FD_CLOEXEC, true, 'cloexec');
  if (platform.SO_NOSIGPIPE !== 0) {
    intScratch.writeInt32LE(1, 0);
    if (libc.setsockopt(fd, platform.SOL_SOCKET, platform.SO_NOSIGPIPE, intScratch, 4) !== 0) {
      throw osError(errno(), 'setsockopt', 'SO_NOSIGPIPE');
    }
  }
}
var isWouldBlock = (e) => e === EAGAIN || e === EWOULDBLOCK;
var addrScratch = Buffer.alloc(SOCKADDR_STORAGE_SIZE);
var lenScratch = new Uint32Array(1);
var intScratch = Buffer.alloc(4);
var pollScratch = Buffer.alloc(8);
function waitReady(fd, events, deadline) {
  pollScratch.writeInt32LE(fd, 0);
  pollScratch.writeInt16LE(events, 4);
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    const n = libc.poll(pollScratch, 1, left === Infinity ? -1 : timeoutToMs(left));
    if (n > 0) return true;
    if (n < 0) {
      const err = errno();
      if (err !== EINTR2) throw osError(err, 'poll');
    }
  }
}
function timedOut(syscall, address) {
  const detail = address === void 0 ? void 0 : formatAddress(address);
  return new TimeoutError(ETIMEDOUT, syscall, detail, void 0, 'timed out');
}
var TIMED_OUT = -1;
function setFdFlag(fd, getCmd, setCmd, flag, on, what) {
  const flags = libc.fcntl(fd, getCmd);
  if (flags < 0) throw osError(errno(), 'fcntl', what);
  const next = on ? flags | flag : flags & ~flag;
  if (next !== flags && libc.fcntl(fd, setCmd, next) < 0) throw osError(errno(), 'fcntl', what);
}
var RECV_SCRATCH_SIZE = 64 * 1024;
var recvScratch;
var Socket = class _Socket {
  family;
  /** The socket type without SOCK_NONBLOCK/SOCK_CLOEXEC (as Python reports it). */
  type;
  proto;
  #fd;
  /** -1: blocking; 0: non-blocking; > 0: timeout mode, in ms. The fd is O_NONBLOCK unless -1. */
  #timeout;
  /**
   * Creates a socket, or wraps an existing fd (`fileno`), which it then owns and will close.
   * New sockets are close-on-exec and blocking, as in Python.
   */
  constructor(family = AF_INET2, type = SOCK_STREAM, proto = 0, fileno) {
    checkInt(family, 'family', 'Socket');
    checkInt(type, 'type', 'Socket');
    checkInt(proto, 'proto', 'Socket');
    this.family = family;
    this.type = type & ~TYPE_FLAGS;
    this.proto = proto;
    if (fileno === void 0) {
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
      const flags = libc.fcntl(fileno, platform.F_GETFL);
      if (flags < 0) throw osError(errno(), 'fcntl', `fd ${fileno}`);
      this.#timeout = (flags & platform.O_NONBLOCK) !== 0 ? 0 : -1;
    }
    unclosed.register(this, this.#fd, this);
  }
  /** The fd, or -1 once closed (as Python). */
  fileno() {
    return this.#fd;
  }
  /** True once `close()` or `detach()` ran. */
  get closed() {
    return this.#fd < 0;
  }
  #open(syscall) {
    if (this.#fd < 0) throw new OSError(EBADF, syscall, 'socket is closed');
    return this.#fd;
  }
  /** False only in non-blocking mode (`gettimeout() === 0`); timeout mode counts as blocking. */
  getBlocking() {
    return this.#timeout !== 0;
  }
  /**
   * `false` makes every call return at once (throwing BlockingIOError where it would wait):
   * `settimeout(0)`. `true` is `settimeout(null)`. Either way it ends timeout mode.
   */
  setBlocking(flag) {
    this.settimeout(flag ? null : 0);
  }
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
  settimeout(timeoutMs) {
    if (
      timeoutMs !== null &&
      !(typeof timeoutMs === 'number' && timeoutMs >= 0 && timeoutMs < Infinity)
    ) {
      throw new InvalidArgumentError(
        `settimeout() expected a finite number of milliseconds >= 0, or null, got ${describe(timeoutMs)}`,
      );
    }
    const fd = this.#open('fcntl');
    setFdFlag(
      fd,
      platform.F_GETFL,
      platform.F_SETFL,
      platform.O_NONBLOCK,
      timeoutMs !== null,
      `fd ${fd}`,
    );
    this.#timeout = timeoutMs ?? -1;
  }
  /** The timeout in milliseconds: `null` in blocking mode, `0` in non-blocking mode. */
  gettimeout() {
    return this.#timeout < 0 ? null : this.#timeout;
  }
  /**
   * A call would block: what happens next, as in CPython's `sock_call`. Non-blocking mode throws
   * BlockingIOError. Timeout mode waits for `events` until the deadline (fixed on the first round,
   * when `deadline` is 0), throws TimeoutError once it passes, and returns the deadline for the
   * next round. (A blocking socket gets here only if its fd was made non-blocking behind its back
   * or an SO_RCVTIMEO/SO_SNDTIMEO ran out: BlockingIOError, as before.)
   */
  #waitOrThrow(events, deadline, syscall, address) {
    if (this.#timeout <= 0) {
      const detail = address === void 0 ? void 0 : formatAddress(address);
      throw new BlockingIOError(EAGAIN, syscall, detail);
    }
    if (deadline === 0) deadline = performance.now() + this.#timeout;
    if (!waitReady(this.#fd, events, deadline)) throw timedOut(syscall, address);
    return deadline;
  }
  /**
   * Connects to `address`. A blocking socket waits for the handshake; one in timeout mode waits
   * at most its timeout (then TimeoutError); a non-blocking one throws BlockingIOError
   * ('EINPROGRESS'): wait until it is writable, then read SO_ERROR.
   */
  connect(address) {
    const err = this.#connect(address);
    if (err === TIMED_OUT) throw timedOut('connect', address);
    if (err !== 0) throw osError(err, 'connect', formatAddress(address));
  }
  /**
   * Like `connect`, but returns the errno instead of throwing: 0 on success, EINPROGRESS when
   * non-blocking, and EWOULDBLOCK (= EAGAIN) when timeout mode ran out of time, as CPython's
   * `connect_ex` does.
   */
  connectEx(address) {
    const err = this.#connect(address);
    return err === TIMED_OUT ? EWOULDBLOCK : err;
  }
  /** connect(2), then CPython's `internal_connect`: 0, an errno, or TIMED_OUT. */
  #connect(address) {
    const fd = this.#open('connect');
    const [sa, len] = encodeAddress(this.family, address, 'connect');
    if (libc.connect(fd, sa, len) === 0) return 0;
    const err = errno();
    const waits = err === EINTR2 ? this.#timeout !== 0 : err === EINPROGRESS && this.#timeout > 0;
    if (!waits) return err === EINTR2 ? EINPROGRESS : err;
    const deadline = this.#timeout > 0 ? performance.now() + this.#timeout : Infinity;
    if (!waitReady(fd, platform.POLLOUT, deadline)) return TIMED_OUT;
    return this.getsockopt(SOL_SOCKET, SO_ERROR);
  }
  bind(address) {
    const fd = this.#open('bind');
    const [sa, len] = encodeAddress(this.family, address, 'bind');
    if (libc.bind(fd, sa, len) !== 0) throw osError(errno(), 'bind', formatAddress(address));
  }
  /** Starts accepting connections; the backlog defaults to Python's min(SOMAXCONN, 128). */
  listen(backlog = Math.min(SOMAXCONN, 128)) {
    const fd = this.#open('listen');
    if (libc.listen(fd, checkInt(backlog, 'backlog', 'listen')) !== 0)
      throw osError(errno(), 'listen');
  }
  /**
   * Accepts a connection: `[conn, address]`. As in Python the new socket is blocking whatever the
   * listening socket is; on a non-blocking listener with nobody waiting it throws BlockingIOError.
   */
  accept() {
    for (let deadline = 0; ;) {
      const result = this.#accept(true);
      if (result !== null) return result;
      deadline = this.#waitOrThrow(platform.POLLIN, deadline, 'accept');
    }
  }
  /**
   * The hot-path accept for readiness loops: the new socket is already non-blocking (one system
   * call with accept4), and `null` means nobody is waiting. Other errors (EMFILE …) throw.
   */
  tryAccept() {
    return this.#accept(false);
  }
  #accept(blocking2) {
    const fd = this.#open('accept');
    let conn;
    for (;;) {
      lenScratch[0] = SOCKADDR_STORAGE_SIZE;
      conn = libc.accept4
        ? libc.accept4(fd, addrScratch, lenScratch, SOCK_CLOEXEC | (blocking2 ? 0 : SOCK_NONBLOCK))
        : libc.accept(fd, addrScratch, lenScratch);
      if (conn >= 0) break;
      const err = errno();
      if (err === EINTR2) continue;
      if (isWouldBlock(err)) return null;
      throw osError(err, 'accept');
    }
    const address = decodeAddress(addrScratch, lenScratch[0]);
    try {
      if (!libc.accept4)
        setFdFlag(
          conn,
          platform.F_GETFL,
          platform.F_SETFL,
          platform.O_NONBLOCK,
          !blocking2,
          'nonblock',
        );
      prepareNewFd(conn);
      return [new _Socket(this.family, this.type, this.proto, conn), address];
    } catch (err) {
      libc.close(conn);
      throw err;
    }
  }
  /**
   * Sends what the kernel will take now; returns the count (maybe less than `data.length`).
   * Throws BlockingIOError on a full non-blocking socket.
   */
  send(data, flags = 0) {
    for (let deadline = 0; ;) {
      const n = this.trySend(data, flags);
      if (n !== WOULD_BLOCK) return n;
      deadline = this.#waitOrThrow(platform.POLLOUT, deadline, 'send');
    }
  }
  /** `send` for readiness loops: returns WOULD_BLOCK (-1) instead of throwing on a full socket. */
  trySend(data, flags = 0) {
    const fd = this.#open('send');
    checkBytes(data, 'send');
    for (;;) {
      const n = libc.send(fd, data, data.byteLength, flags | platform.MSG_NOSIGNAL);
      if (n >= 0) return n;
      const err = errno();
      if (err === EINTR2) continue;
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
  sendall(data, flags = 0) {
    checkBytes(data, 'sendall');
    let deadline = this.#timeout > 0 ? performance.now() + this.#timeout : 0;
    let offset = 0;
    try {
      while (offset < data.byteLength) {
        const n = this.trySend(offset === 0 ? data : data.subarray(offset), flags);
        if (n !== WOULD_BLOCK) offset += n;
        else deadline = this.#waitOrThrow(platform.POLLOUT, deadline, 'sendall');
      }
    } catch (err) {
      if (err instanceof BlockingIOError || err instanceof TimeoutError) err.bytesSent = offset;
      throw err;
    }
  }
  /** Sends a datagram to `address` (Python's `sendto(data, address)` or `sendto(data, flags, address)`). */
  sendto(data, flagsOrAddress, maybeAddress) {
    const fd = this.#open('sendto');
    checkBytes(data, 'sendto');
    const [flags, address] =
      typeof flagsOrAddress === 'number' ? [flagsOrAddress, maybeAddress] : [0, flagsOrAddress];
    const [sa, len] = encodeAddress(this.family, address, 'sendto');
    for (let deadline = 0; ;) {
      const n = libc.sendto(fd, data, data.byteLength, flags | platform.MSG_NOSIGNAL, sa, len);
      if (n >= 0) return n;
      const err = errno();
      if (isWouldBlock(err))
        deadline = this.#waitOrThrow(platform.POLLOUT, deadline, 'sendto', address);
      else if (err !== EINTR2) throw osError(err, 'sendto', formatAddress(address));
    }
  }
  /** Receives up to `bufsize` bytes; an empty Buffer means the peer closed (EOF). */
  recv(bufsize, flags = 0) {
    checkInt(bufsize, 'bufsize', 'recv');
    if (bufsize <= RECV_SCRATCH_SIZE) {
      const scratch = (recvScratch ??= Buffer.allocUnsafeSlow(RECV_SCRATCH_SIZE));
      const n2 = this.recvInto(scratch, bufsize, flags);
      return n2 === 0 ? Buffer.alloc(0) : Buffer.from(scratch.subarray(0, n2));
    }
    const buf = Buffer.allocUnsafe(bufsize);
    const n = this.recvInto(buf, bufsize, flags);
    return n === bufsize
      ? buf
      : n < bufsize >>> 1
        ? Buffer.from(buf.subarray(0, n))
        : buf.subarray(0, n);
  }
  /** Receives into `buffer` (up to `nbytes`, default all of it); returns the count, 0 at EOF. */
  recvInto(buffer, nbytes = 0, flags = 0) {
    for (let deadline = 0; ;) {
      const n = this.tryRecvInto(buffer, nbytes, flags);
      if (n !== WOULD_BLOCK) return n;
      deadline = this.#waitOrThrow(platform.POLLIN, deadline, 'recv');
    }
  }
  /** `recvInto` for readiness loops: WOULD_BLOCK (-1) when nothing is there yet, 0 at EOF. */
  tryRecvInto(buffer, nbytes = 0, flags = 0) {
    const fd = this.#open('recv');
    const len = this.#checkRecvBuffer(buffer, nbytes, 'recvInto');
    for (;;) {
      const n = libc.recv(fd, buffer, len, flags);
      if (n >= 0) return n;
      const err = errno();
      if (err === EINTR2) continue;
      if (isWouldBlock(err)) return WOULD_BLOCK;
      throw osError(err, 'recv');
    }
  }
  #checkRecvBuffer(buffer, nbytes, method) {
    checkBytes(buffer, method);
    checkInt(nbytes, 'nbytes', method);
    if (nbytes > buffer.byteLength) {
      throw new InvalidArgumentError(
        `${method}() buffer has ${buffer.byteLength} bytes, too small for nbytes=${nbytes}`,
      );
    }
    return nbytes === 0 ? buffer.byteLength : nbytes;
  }
  /** Receives a datagram: `[data, senderAddress]`. */
  recvfrom(bufsize, flags = 0) {
    const fd = this.#open('recvfrom');
    checkInt(bufsize, 'bufsize', 'recvfrom');
    const buf = Buffer.allocUnsafe(bufsize);
    for (let deadline = 0; ;) {
      lenScratch[0] = SOCKADDR_STORAGE_SIZE;
      const n = libc.recvfrom(fd, buf, bufsize, flags, addrScratch, lenScratch);
      if (n >= 0)
        return [Buffer.from(buf.subarray(0, n)), decodeAddress(addrScratch, lenScratch[0])];
      const err = errno();
      if (isWouldBlock(err)) deadline = this.#waitOrThrow(platform.POLLIN, deadline, 'recvfrom');
      else if (err !== EINTR2) throw osError(err, 'recvfrom');
    }
  }
  /** Shuts down reading (SHUT_RD), writing (SHUT_WR, sends FIN) or both (SHUT_RDWR). */
  shutdown(how) {
    const fd = this.#open('shutdown');
    if (libc.shutdown(fd, how) !== 0) throw osError(errno(), 'shutdown');
  }
  /** Closes the fd. Closing twice is harmless, as in Python. */
  close() {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1;
    unclosed.unregister(this);
    if (libc.close(fd) !== 0) {
      const err = errno();
      if (err !== EINTR2 && err !== constants3.errno.ECONNRESET)
        throw osError(err, 'close', `fd ${fd}`);
    }
  }
  /** Gives up ownership: returns the fd without closing it; the socket then acts closed. */
  detach() {
    const fd = this.#fd;
    this.#fd = -1;
    unclosed.unregister(this);
    return fd;
  }
  /** Sets an option: an integer (booleans become 0/1) or raw bytes. */
  setsockopt(level, option, value) {
    const fd = this.#open('setsockopt');
    let buf;
    if (value instanceof Uint8Array) buf = value;
    else if (typeof value === 'number' || typeof value === 'boolean') {
      intScratch.writeInt32LE(Number(value), 0);
      buf = intScratch;
    } else {
      throw new InvalidArgumentError(
        `setsockopt() expected a number, boolean or Buffer, got ${describe(value)}`,
      );
    }
    if (libc.setsockopt(fd, level, option, buf, buf.byteLength) !== 0)
      throw osError(errno(), 'setsockopt');
  }
  getsockopt(level, option, buflen) {
    const fd = this.#open('getsockopt');
    const buf =
      buflen === void 0 ? intScratch : Buffer.alloc(checkInt(buflen, 'buflen', 'getsockopt', 1));
    lenScratch[0] = buf.length;
    if (libc.getsockopt(fd, level, option, buf, lenScratch) !== 0)
      throw osError(errno(), 'getsockopt');
    return buflen === void 0 ? buf.readInt32LE(0) : Buffer.from(buf.subarray(0, lenScratch[0]));
  }
  /** This end's address. */
  getsockname() {
    const fd = this.#open('getsockname');
    lenScratch[0] = SOCKADDR_STORAGE_SIZE;
    if (libc.getsockname(fd, addrScratch, lenScratch) !== 0) throw osError(errno(), 'getsockname');
    return decodeAddress(addrScratch, lenScratch[0]);
  }
  /** The peer's address; ENOTCONN when not connected. */
  getpeername() {
    const fd = this.#open('getpeername');
    lenScratch[0] = SOCKADDR_STORAGE_SIZE;
    if (libc.getpeername(fd, addrScratch, lenScratch) !== 0) throw osError(errno(), 'getpeername');
    return decodeAddress(addrScratch, lenScratch[0]);
  }
  [Symbol.dispose]() {
    this.close();
  }
  get [Symbol.toStringTag]() {
    return 'Socket';
  }
  /** `<Socket fd=5 AF_INET SOCK_STREAM laddr=127.0.0.1:41234 raddr=127.0.0.1:8080>` */
  toString() {
    const family = FAMILY_NAMES.get(this.family) ?? `family=${this.family}`;
    const type = TYPE_NAMES.get(this.type) ?? `type=${this.type}`;
    if (this.#fd < 0) return `<Socket [closed] ${family} ${type}>`;
    let text = `<Socket fd=${this.#fd} ${family} ${type}`;
    if (this.#timeout === 0) text += ' non-blocking';
    else if (this.#timeout > 0) text += ` timeout=${this.#timeout}ms`;
    for (const [label, get] of [
      ['laddr', () => this.getsockname()],
      ['raddr', () => this.getpeername()],
    ]) {
      try {
        const address = get();
        if (address !== '') text += ` ${label}=${formatAddress(address)}`;
      } catch {}
    }
    return `${text}>`;
  }
  [inspect2.custom]() {
    return this.toString();
  }
};

// ../../packages/selector/src/getaddrinfo.ts
async function getaddrinfoAsync(host, port2 = null, family = 0, type = 0, proto = 0, flags = 0) {
  return (await lookupAsync(host, port2, family, type, proto, flags)).map(toTuple);
}
function toTuple(info) {
  return [
    info.family,
    info.type,
    info.proto,
    info.canonname,
    decodeAddress(info.sockaddr, info.sockaddr.length),
  ];
}

// ../../packages/selector/src/waker.ts
import { constants as constants4 } from 'node:os';
var { EAGAIN: EAGAIN2, EWOULDBLOCK: EWOULDBLOCK2, EINTR: EINTR3 } = constants4.errno;
var ONE = Buffer.alloc(8);
ONE.writeBigUInt64LE(1n, 0);
var Waker = class {
  #readFd;
  #writeFd;
  #pending = false;
  #scratch = Buffer.alloc(64);
  constructor() {
    const epoll = platform.epoll;
    if (epoll && libc.eventfd) {
      const fd = libc.eventfd(0, epoll.EFD_CLOEXEC | epoll.EFD_NONBLOCK);
      if (fd < 0) throw osError(errno(), 'eventfd');
      this.#readFd = this.#writeFd = fd;
      return;
    }
    const fds = new Int32Array(2);
    const rc = libc.pipe2
      ? libc.pipe2(fds, platform.O_CLOEXEC | platform.O_NONBLOCK)
      : libc.pipe(fds);
    if (rc !== 0) throw osError(errno(), 'pipe');
    this.#readFd = fds[0];
    this.#writeFd = fds[1];
    if (!libc.pipe2) {
      for (const fd of fds) {
        if (
          libc.fcntl(fd, platform.F_SETFD, platform.FD_CLOEXEC) < 0 ||
          libc.fcntl(fd, platform.F_SETFL, platform.O_NONBLOCK) < 0
        ) {
          const err = errno();
          this.close();
          throw osError(err, 'fcntl');
        }
      }
    }
  }
  /** The fd to register for EVENT_READ (-1 once closed). */
  fileno() {
    return this.#readFd;
  }
  /** True while a wake-up is written and not yet drained. */
  get pending() {
    return this.#pending;
  }
  /** Makes `fileno()` readable. Cheap to call often; a no-op once closed. */
  wake() {
    if (this.#pending || this.#writeFd < 0) return;
    this.#pending = true;
    const size = this.#readFd === this.#writeFd ? 8 : 1;
    while (libc.write(this.#writeFd, ONE, size) < 0) {
      const err = errno();
      if (err === EINTR3) continue;
      if (err === EAGAIN2 || err === EWOULDBLOCK2) return;
      this.#pending = false;
      throw osError(err, 'write', 'waker');
    }
  }
  /** Consumes every pending wake-up, so the fd stops being readable. */
  drain() {
    if (this.#readFd < 0) return;
    for (;;) {
      const n = libc.read(this.#readFd, this.#scratch, this.#scratch.length);
      if (n > 0 && this.#readFd !== this.#writeFd) continue;
      if (n < 0) {
        const err = errno();
        if (err === EINTR3) continue;
        if (err !== EAGAIN2 && err !== EWOULDBLOCK2) throw osError(err, 'read', 'waker');
      }
      break;
    }
    this.#pending = false;
  }
  close() {
    if (this.#readFd >= 0) libc.close(this.#readFd);
    if (this.#writeFd >= 0 && this.#writeFd !== this.#readFd) libc.close(this.#writeFd);
    this.#readFd = this.#writeFd = -1;
    this.#pending = false;
  }
  [Symbol.dispose]() {
    this.close();
  }
  toString() {
    if (this.#readFd < 0) return '<Waker [closed]>';
    return `<Waker fd=${this.#readFd}${this.#pending ? ' pending' : ''}>`;
  }
};

// ../../packages/selector/src/fd.ts
function isFdOpen(fd) {
  return Number.isInteger(fd) && fd >= 0 && libc.fcntl(fd, platform.F_GETFD) >= 0;
}
function checkFdOpen(fd, syscall = 'register') {
  if (libc.fcntl(fd, platform.F_GETFD) < 0) throw osError(errno(), syscall, `fd ${fd}`);
}

// ../../packages/selector/src/selectors/epoll.ts
var EP = platform.epoll;
var EpollSelector = class extends BaseSelector {
  /** True on Linux. */
  static isAvailable() {
    return EP !== void 0;
  }
  syscall = 'epoll_wait';
  #epfd;
  #ctl;
  #out;
  #outBuffer;
  #capacity = 0;
  constructor() {
    super();
    if (!EP || !libc.epoll_create1) {
      throw new UnsupportedPlatformError(
        `EpollSelector needs Linux's epoll, not available on ${process.platform}; use DefaultSelector`,
      );
    }
    const fd = libc.epoll_create1(EP.EPOLL_CLOEXEC);
    if (fd < 0) throw osError(errno(), 'epoll_create1');
    this.#epfd = fd;
    this.#ctl = Buffer.alloc(EP.eventSize);
    this.#outBuffer = Buffer.alloc(0);
    this.#out = new Int32Array(0);
    this.#grow(1);
  }
  /** The epoll fd itself (a selector can be registered in another selector, or in Node's poll). */
  fileno() {
    return this.closed ? -1 : this.#epfd;
  }
  #grow(capacity) {
    this.#capacity = capacity;
    this.#outBuffer = Buffer.alloc(capacity * EP.eventSize);
    this.#out = new Int32Array(
      this.#outBuffer.buffer,
      this.#outBuffer.byteOffset,
      this.#outBuffer.length >> 2,
    );
  }
  #control(op, fd, events) {
    let mask = 0;
    if (events & EVENT_READ) mask |= EP.EPOLLIN;
    if (events & EVENT_WRITE) mask |= EP.EPOLLOUT;
    this.#ctl.writeUInt32LE(mask, 0);
    this.#ctl.writeInt32LE(fd, EP.dataOffset);
    return libc.epoll_ctl(this.#epfd, op, fd, this.#ctl);
  }
  addFd(fd, events) {
    if (this.#control(EP.EPOLL_CTL_ADD, fd, events) !== 0)
      throw osError(errno(), 'epoll_ctl', `fd ${fd}`);
  }
  removeFd(fd) {
    this.#control(EP.EPOLL_CTL_DEL, fd, 0);
  }
  modifyFd(fd, _old, events) {
    if (this.#control(EP.EPOLL_CTL_MOD, fd, events) !== 0)
      throw osError(errno(), 'epoll_ctl', `fd ${fd}`);
  }
  #prepare() {
    const wanted = Math.max(this.size, 1);
    if (wanted > this.#capacity) this.#grow(Math.max(wanted, this.#capacity * 2));
    return this.#capacity;
  }
  wait(timeout) {
    const max = this.#prepare();
    const n = libc.epoll_wait(this.#epfd, this.#outBuffer, max, timeoutToMs(timeout));
    return n < 0 ? -errno() : n;
  }
  waitAsync(timeout, done) {
    const max = this.#prepare();
    libc.epoll_wait.async(
      this.#epfd,
      this.#outBuffer,
      max,
      timeoutToMs(timeout),
      koffiDone(done, errno),
    );
  }
  collect(count, ready) {
    const out = this.#out;
    const stride = EP.eventSize >> 2;
    const fdIndex = EP.dataOffset >> 2;
    const { EPOLLIN, EPOLLOUT } = EP;
    for (let i = 0, base = 0; i < count; i++, base += stride) {
      const key = this.keyFor(out[base + fdIndex]);
      if (key === void 0) continue;
      const events = eventsFromFlags(out[base], EPOLLIN, EPOLLOUT) & key.events;
      if (events !== 0) ready.push([key, events]);
    }
  }
  closeBackend() {
    libc.close(this.#epfd);
  }
};

// ../../packages/selector/src/selectors/kqueue.ts
var KQ = platform.kqueue;
var KqueueSelector = class extends BaseSelector {
  static isAvailable() {
    return KQ !== void 0;
  }
  syscall = 'kevent';
  #kq;
  #out = Buffer.alloc(0);
  #timespecBuffer = Buffer.alloc(16);
  #change = Buffer.alloc(KQ?.keventSize ?? 0);
  constructor() {
    super();
    if (!KQ || !libc.kqueue || !libc.kevent) {
      throw new UnsupportedPlatformError(
        `KqueueSelector needs kqueue (macOS or BSD), not available on ${process.platform}; use DefaultSelector`,
      );
    }
    const kq = libc.kqueue();
    if (kq < 0) throw osError(errno(), 'kqueue');
    if (libc.fcntl(kq, platform.F_SETFD, platform.FD_CLOEXEC) < 0) {
      const err = errno();
      libc.close(kq);
      throw osError(err, 'fcntl');
    }
    this.#kq = kq;
  }
  fileno() {
    return this.closed ? -1 : this.#kq;
  }
  /** Applies one change (EV_ADD or EV_DELETE of one filter); returns 0 or -errno. */
  #control(fd, filter, flags) {
    const change = this.#change;
    change.fill(0);
    writeInt64(change, fd, 0);
    change.writeInt16LE(filter, 8);
    change.writeUInt16LE(flags, 10);
    return libc.kevent(this.#kq, change, 1, null, 0, null) < 0 ? -errno() : 0;
  }
  #apply(fd, add, remove) {
    for (const [event, filter] of [
      [EVENT_READ, KQ.EVFILT_READ],
      [EVENT_WRITE, KQ.EVFILT_WRITE],
    ]) {
      if (remove & event) this.#control(fd, filter, KQ.EV_DELETE);
      if (add & event) {
        const rc = this.#control(fd, filter, KQ.EV_ADD);
        if (rc < 0) throw osError(-rc, 'kevent', `fd ${fd}`);
      }
    }
  }
  addFd(fd, events) {
    try {
      this.#apply(fd, events, 0);
    } catch (err) {
      this.#apply(fd, 0, events);
      throw err;
    }
  }
  removeFd(fd, events) {
    this.#apply(fd, 0, events);
  }
  modifyFd(fd, oldEvents, newEvents) {
    this.#apply(fd, newEvents & ~oldEvents, oldEvents & ~newEvents);
  }
  #prepare() {
    const max = Math.max(this.size * 2, 1);
    if (this.#out.length < max * KQ.keventSize) this.#out = Buffer.alloc(max * KQ.keventSize);
    return max;
  }
  #timespec(timeout) {
    if (timeout < 0) return null;
    const nanos = Math.ceil(timeout * 1e6);
    writeInt64(this.#timespecBuffer, Math.floor(nanos / 1e9), 0);
    writeInt64(this.#timespecBuffer, nanos % 1e9, 8);
    return this.#timespecBuffer;
  }
  wait(timeout) {
    const max = this.#prepare();
    const n = libc.kevent(this.#kq, null, 0, this.#out, max, this.#timespec(timeout));
    return n < 0 ? -errno() : n;
  }
  waitAsync(timeout, done) {
    const max = this.#prepare();
    libc.kevent.async(
      this.#kq,
      null,
      0,
      this.#out,
      max,
      this.#timespec(timeout),
      koffiDone(done, errno),
    );
  }
  collect(count, ready) {
    const merged = /* @__PURE__ */ new Map();
    for (let i = 0; i < count; i++) {
      const offset = i * KQ.keventSize;
      const fd = this.#out.readUInt32LE(offset);
      const filter = this.#out.readInt16LE(offset + 8);
      const event =
        filter === KQ.EVFILT_READ ? EVENT_READ : filter === KQ.EVFILT_WRITE ? EVENT_WRITE : 0;
      merged.set(fd, (merged.get(fd) ?? 0) | event);
    }
    for (const [fd, events] of merged) {
      const key = this.keyFor(fd);
      const masked = key ? events & key.events : 0;
      if (key && masked !== 0) ready.push([key, masked]);
    }
  }
  closeBackend() {
    libc.close(this.#kq);
  }
};

// ../../packages/selector/src/selectors/poll.ts
var { POLLIN, POLLOUT } = platform;
var POLLFD_SIZE = 8;
var PollSelector = class extends BaseSelector {
  static isAvailable() {
    return true;
  }
  syscall = 'poll';
  #pollfds = Buffer.alloc(0);
  #count = 0;
  #dirty = true;
  addFd(fd) {
    checkFdOpen(fd);
    this.#dirty = true;
  }
  removeFd() {
    this.#dirty = true;
  }
  modifyFd() {
    this.#dirty = true;
  }
  #prepare() {
    if (!this.#dirty) return;
    const buf = Buffer.alloc(Math.max(this.size, 1) * POLLFD_SIZE);
    let offset = 0;
    for (const key of this.keys()) {
      buf.writeInt32LE(key.fd, offset);
      buf.writeInt16LE(
        (key.events & EVENT_READ ? POLLIN : 0) | (key.events & EVENT_WRITE ? POLLOUT : 0),
        offset + 4,
      );
      offset += POLLFD_SIZE;
    }
    this.#pollfds = buf;
    this.#count = this.size;
    this.#dirty = false;
  }
  wait(timeout) {
    this.#prepare();
    const n = libc.poll(this.#pollfds, this.#count, timeoutToMs(timeout));
    return n < 0 ? -errno() : n;
  }
  waitAsync(timeout, done) {
    this.#prepare();
    libc.poll.async(this.#pollfds, this.#count, timeoutToMs(timeout), koffiDone(done, errno));
  }
  collect(count, ready) {
    const buf = this.#pollfds;
    let found = 0;
    for (
      let offset = 0;
      found < count && offset < this.#count * POLLFD_SIZE;
      offset += POLLFD_SIZE
    ) {
      const revents = buf.readInt16LE(offset + 6);
      if (revents === 0) continue;
      found++;
      const key = this.keyFor(buf.readInt32LE(offset));
      if (key === void 0) continue;
      const events = eventsFromFlags(revents, POLLIN, POLLOUT) & key.events;
      if (events !== 0) ready.push([key, events]);
    }
  }
  closeBackend() {
    this.#pollfds = Buffer.alloc(0);
    this.#count = 0;
  }
};

// ../../packages/selector/src/selectors/default.ts
var DefaultSelector = EpollSelector.isAvailable()
  ? EpollSelector
  : KqueueSelector.isAvailable()
    ? KqueueSelector
    : PollSelector;

// src/strategies/types.ts
function request(host, path) {
  return Buffer.from(
    `GET ${path} HTTP/1.0\r
Host: ${host}\r
\r
`,
    'ascii',
  );
}
var PageTimeoutError = class extends Error {
  name = 'PageTimeoutError';
  code = 'ETIMEDOUT';
  constructor(path, timeoutMs) {
    super(`GET ${path}: no whole response within ${timeoutMs} ms`);
  }
};
var LONGEST_RUN_S = 180;
function refuseSequential(plan) {
  const latencyMs = Math.max(plan.latencyMs ?? 100, 1);
  const seconds = (plan.pages * latencyMs) / 1e3;
  if (seconds <= LONGEST_RUN_S) return void 0;
  const most = Math.floor((LONGEST_RUN_S * 1e3) / latencyMs);
  return `${plan.pages} pages one after another at ${latencyMs} ms each would take about ${Math.round(seconds / 60)} min; it runs up to ${most} pages (or pick an event-loop stage)`;
}
var MEMBER_START_S = 0.3;
var MOST_MEMBERS = 256;
function refusePool(plan, what) {
  const members = Math.min(plan.concurrency, plan.pages);
  if (members > MOST_MEMBERS) {
    return `${members} ${what} would each start a Node of their own (tens of MB and ~${MEMBER_START_S} s of CPU each); it runs up to --concurrency ${MOST_MEMBERS}`;
  }
  const latencyMs = Math.max(plan.latencyMs ?? 100, 1);
  const seconds = (Math.ceil(plan.pages / members) * latencyMs) / 1e3 + members * MEMBER_START_S;
  if (seconds <= LONGEST_RUN_S) return void 0;
  return `${plan.pages} pages through ${members} ${what} would take about ${Math.round(seconds / 60)} min`;
}

// src/strategies/blocking.ts
function blockingWay(target, path) {
  const { timeline } = target;
  timeline.begin(path);
  const sock = new Socket();
  try {
    sock.settimeout(target.timeoutMs);
    sock.connect(target.address(path));
    timeline.connected(path);
    sock.sendall(request(target.host, path));
    const chunks = [];
    let chunk = sock.recv(4096);
    while (chunk.length > 0) {
      timeline.received(path, chunk.length);
      chunks.push(chunk);
      chunk = sock.recv(4096);
    }
    const response = Buffer.concat(chunks);
    timeline.done(path, response);
    return response;
  } catch (err) {
    timeline.failed(path, err);
    throw err;
  } finally {
    sock.close();
  }
}
function syncWay(target) {
  for (const path of target.paths) {
    try {
      blockingWay(target, path);
    } catch {}
  }
}
var blocking = {
  name: 'blocking',
  section: '3.1',
  title: 'blocking sockets, one page after another',
  run: syncWay,
  concurrency: () => 1,
  refuse: refuseSequential,
};

// ../../packages/loop/src/event-loop.ts
import { setImmediate as yieldToNode } from 'node:timers/promises';

// ../../packages/loop/src/errors.ts
var LoopError = class extends Error {};
var LoopClosedError = class extends LoopError {
  name = 'LoopClosedError';
  code = 'ERR_AIO_LOOP_CLOSED';
};
var LoopRunningError = class extends LoopError {
  name = 'LoopRunningError';
  code = 'ERR_AIO_LOOP_RUNNING';
};
var NoRunningLoopError = class extends LoopError {
  name = 'NoRunningLoopError';
  code = 'ERR_AIO_NO_RUNNING_LOOP';
};
var LoopStoppedError = class extends LoopError {
  name = 'LoopStoppedError';
  code = 'ERR_AIO_LOOP_STOPPED';
};

// ../../packages/loop/src/format.ts
import { inspect as inspect3 } from 'node:util';
var MAX_ARG = 40;
function formatValue(value, max = MAX_ARG) {
  const text =
    typeof value === 'string'
      ? JSON.stringify(value)
      : inspect3(value, { depth: 0, breakLength: Infinity }).replace(/\s*\n\s*/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}\u2026` : text;
}
function formatCallback(callback, args) {
  const name2 =
    typeof callback === 'function' && callback.name
      ? callback.name.replace(/^bound /, '')
      : '<anonymous>';
  return `${name2}(${args.map((arg) => formatValue(arg)).join(', ')})`;
}
function creationSite(stack) {
  if (!stack) return void 0;
  for (const line of stack.split('\n').slice(1)) {
    if (
      /[/\\]loop[/\\](dist[/\\]|src[/\\][^/\\]+(?<!\.test)\.ts:)/.test(line) ||
      line.includes('node:internal')
    )
      continue;
    const match = /\(?([^\s()]+):(\d+):\d+\)?$/.exec(line.trim());
    if (match)
      return `${match[1]
        .replace(/^file:\/\//, '')
        .split(/[/\\]/)
        .slice(-2)
        .join('/')}:${match[2]}`;
  }
  return void 0;
}

// ../../packages/loop/src/exceptions.ts
function describeValue(value) {
  if (typeof value === 'object' && value !== null && value.toString !== Object.prototype.toString) {
    return value.toString();
  }
  return formatValue(value, 300);
}
function formatExceptionContext(context) {
  const lines = [context.message || 'Unhandled exception in event loop'];
  for (const key of Object.keys(context).sort()) {
    if (key === 'message' || key === 'exception') continue;
    const value = context[key];
    lines.push(`${key}: ${describeValue(value)}`);
  }
  const { exception } = context;
  if (exception !== void 0) {
    lines.push(
      exception instanceof Error
        ? (exception.stack ?? String(exception))
        : `exception: ${formatValue(exception)}`,
    );
  }
  return lines.join('\n');
}

// ../../packages/loop/src/handles.ts
var NO_ARGS = Object.freeze([]);
var Handle = class {
  callback;
  /**
   * The arguments, or null when there is exactly one, kept in `#arg`: the most common handle,
   * a reader given its transport, then keeps no array alive (a C10k server holds ten thousand).
   */
  #args;
  #arg;
  owner;
  #cancelled = false;
  /** Where the handle was created (`file.ts:12`), recorded in debug mode only. */
  createdAt;
  constructor(callback, args, owner) {
    this.callback = callback;
    this.#args = args.length === 0 ? NO_ARGS : args.length === 1 ? null : args;
    this.#arg = args.length === 1 ? args[0] : void 0;
    this.owner = owner;
    this.createdAt = owner.getDebug() ? creationSite(new Error().stack) : void 0;
  }
  /** The arguments the callback is called with. */
  get args() {
    return this.#args ?? [this.#arg];
  }
  /** Stops the callback from running. Harmless if it ran already or was cancelled before. */
  cancel() {
    this.#cancelled = true;
  }
  cancelled() {
    return this.#cancelled;
  }
  /** Runs the callback now; an exception goes to the loop's exception handler. */
  run() {
    try {
      const args = this.#args;
      if (args === null) this.callback(this.#arg);
      else if (args.length === 0) this.callback();
      else this.callback(...args);
    } catch (exception) {
      this.owner.callExceptionHandler({
        message: `Exception in callback ${formatCallback(this.callback, this.args)}`,
        exception,
        handle: this,
      });
    }
  }
  describe() {
    const parts = [`cb=${formatCallback(this.callback, this.args)}`];
    if (this.createdAt) parts.push(`created at ${this.createdAt}`);
    if (this.#cancelled) parts.push('cancelled');
    return parts;
  }
  /** `<Handle cb=tick(1) created at app.ts:12 cancelled>` */
  toString() {
    return `<${this.constructor.name} ${this.describe().join(' ')}>`;
  }
};
var nextSequence = 0;
var TimerHandle = class extends Handle {
  constructor(when, callback, args, owner) {
    super(callback, args, owner);
    this.when = when;
  }
  when;
  /** Tie-breaker: timers due at the same `when` run in the order they were scheduled. */
  sequence = nextSequence++;
  /** True while the timer sits in its loop's heap (cleared when it is popped or dropped). */
  scheduled = true;
  cancel() {
    if (this.cancelled()) return;
    super.cancel();
    if (this.scheduled) this.owner.timerHandleCancelled(this);
  }
  describe() {
    return [`when=${this.when.toFixed(1)}`, ...super.describe()];
  }
};

// ../../packages/loop/src/state.ts
var KEY = /* @__PURE__ */ Symbol.for('@aio/loop.state');
var globals = globalThis;
var loopState = (globals[KEY] ??= { running: null, current: null });

// ../../packages/loop/src/timer-heap.ts
var MIN_TIMERS_TO_COMPACT = 100;
var CANCELLED_FRACTION_TO_COMPACT = 0.5;
var before = (a, b) => a.when < b.when || (a.when === b.when && a.sequence < b.sequence);
var TimerHeap = class {
  #items = [];
  #cancelled = 0;
  get size() {
    return this.#items.length;
  }
  /** How many timers in the heap are cancelled and not yet dropped. */
  get cancelledCount() {
    return this.#cancelled;
  }
  peek() {
    return this.#items[0];
  }
  push(timer) {
    const items = this.#items;
    let i = items.push(timer) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(timer, items[parent])) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = timer;
  }
  pop() {
    const items = this.#items;
    const top = items[0];
    if (top === void 0) return void 0;
    const last = items.pop();
    if (items.length > 0) this.#siftDown(last, 0);
    top.scheduled = false;
    if (top.cancelled()) this.#cancelled--;
    return top;
  }
  /** Called when a timer in the heap is cancelled; compacts when cancelled ones dominate. */
  noteCancelled() {
    this.#cancelled++;
    if (
      this.#items.length > MIN_TIMERS_TO_COMPACT &&
      this.#cancelled > this.#items.length * CANCELLED_FRACTION_TO_COMPACT
    ) {
      this.compact();
    }
  }
  /** Pops cancelled timers off the top, so `peek()` shows the next live one. */
  dropCancelledHead() {
    while (this.#items[0]?.cancelled()) this.pop();
  }
  /** Rebuilds the heap without its cancelled timers, in O(n). */
  compact() {
    const live = [];
    for (const timer of this.#items) {
      if (timer.cancelled()) timer.scheduled = false;
      else live.push(timer);
    }
    this.#items = live;
    this.#cancelled = 0;
    for (let i = (live.length >> 1) - 1; i >= 0; i--) this.#siftDown(live[i], i);
  }
  clear() {
    for (const timer of this.#items) timer.scheduled = false;
    this.#items = [];
    this.#cancelled = 0;
  }
  #siftDown(timer, start) {
    const items = this.#items;
    const n = items.length;
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && before(items[child + 1], items[child])) child++;
      if (!before(items[child], timer)) break;
      items[i] = items[child];
      i = child;
    }
    items[i] = timer;
  }
};

// ../../packages/loop/src/event-loop.ts
var POLL_INTERVAL_MS = 0.05;
var SPIN_MS = 0.1;
var SPIN_WINDOW_MS = 1;
var SPIN_TURNS_PER_POLL = 4;
var HOST_SLICE_MS = 4;
var FD_AUDIT_INTERVAL_MS = 1e3;
var FD_AUDIT_BATCH = 1024;
var FOREIGN_SLICE_MS = 1;
var MAX_WAIT_MS = 24 * 3600 * 1e3;
var IDLE_GRACE_MS = 1;
var NO_EVENTS = [];
var MICROTASK_TURN = Promise.resolve();
var EventLoop = class {
  #ready = [];
  #spare = [];
  #timers = new TimerHeap();
  #selector;
  #waker;
  #wakerFd;
  #mode;
  #clock;
  #log;
  #debug;
  #state = 'stopped';
  #stopping = false;
  #parked = false;
  #parkUntil = Infinity;
  #lastPoll = -Infinity;
  /** When the selector last reported a ready fd (other than the waker). */
  #lastIo = -Infinity;
  #nextAudit = Infinity;
  /** Where the fd audit goes on from: a live iterator over the selector's map (see #auditFds). */
  #auditCursor = null;
  #exceptionHandler = null;
  #closeCallbacks = [];
  /** Foreign promises the loop's work waits on (see keepAwakeUntil). */
  #foreignPending = 0;
  /** Debug mode reports callbacks that take at least this long (ms). asyncio: 100 ms. */
  slowCallbackDurationMs = 100;
  constructor(options = {}) {
    const mode = options.mode ?? 'hosted';
    if (mode !== 'hosted' && mode !== 'blocking') {
      throw new InvalidArgumentError(
        `EventLoop() expected mode 'hosted' or 'blocking', got ${formatValue(mode)}`,
      );
    }
    this.#mode = mode;
    this.#debug = options.debug ?? false;
    this.#clock = options.clock ?? performance.now.bind(performance);
    this.#log = options.log ?? ((text) => console.error(text));
    this.#selector = options.selector ?? new DefaultSelector();
    this.#waker = new Waker();
    this.#wakerFd = this.#waker.fileno();
    try {
      this.#selector.register(this.#waker, EVENT_READ, null);
    } catch (err) {
      this.#waker.close();
      throw err;
    }
  }
  get mode() {
    return this.#mode;
  }
  /** The loop's clock: monotonic milliseconds (fractional). Timers are in this unit. */
  time() {
    return this.#clock();
  }
  // ─── Scheduling callbacks ──────────────────────────────────────────────────────────────────
  /**
   * Runs `callback(...args)` on the next iteration, after the callbacks already waiting (FIFO).
   * @example
   * ```ts
   * loop.callSoon(console.log, 'hello from the loop');
   * ```
   */
  callSoon(callback, ...args) {
    this.#checkOpen('callSoon');
    checkCallback(callback, 'callSoon');
    const handle = new Handle(callback, args, this);
    this.#ready.push(handle);
    if (this.#parked) this.#waker.wake();
    return handle;
  }
  /**
   * Puts `runnable` on the ready queue, as `callSoon` does with the Handle it makes: for layers
   * above that schedule the same object many times (a Task scheduling its own steps) without
   * allocating a Handle each time. Its `run()` must not throw: it reports its own errors through
   * `callExceptionHandler`. It is skipped if `cancelled()` is true when its turn comes.
   */
  schedule(runnable) {
    this.#checkOpen('schedule');
    this.#ready.push(runnable);
    if (this.#parked) this.#waker.wake();
  }
  /** Runs `callback(...args)` once `delayMs` milliseconds have passed (never earlier). */
  callLater(delayMs, callback, ...args) {
    checkTime(delayMs, 'callLater', 'delayMs');
    return this.#schedule(this.time() + (delayMs > 0 ? delayMs : 0), callback, args, 'callLater');
  }
  /** Runs `callback(...args)` once `time()` reaches `when` (never earlier). */
  callAt(when, callback, ...args) {
    checkTime(when, 'callAt', 'when');
    return this.#schedule(when, callback, args, 'callAt');
  }
  #schedule(when, callback, args, method) {
    this.#checkOpen(method);
    checkCallback(callback, method);
    const timer = new TimerHandle(when, callback, args, this);
    this.#timers.push(timer);
    if (this.#parked && when < this.#parkUntil) this.#waker.wake();
    return timer;
  }
  /** @internal Called by a scheduled TimerHandle's `cancel()`. */
  timerHandleCancelled(_handle) {
    this.#timers.noteCancelled();
  }
  // ─── Watching file descriptors ─────────────────────────────────────────────────────────────
  /**
   * Calls `callback(...args)` whenever `fd` is readable (level-triggered: again and again while
   * data is there), until `removeReader`. A second reader on the same fd replaces the first.
   */
  addReader(fd, callback, ...args) {
    return this.#addHandler(fd, EVENT_READ, callback, args, 'addReader');
  }
  /** Stops watching `fd` for reading. Returns false if it had no reader. */
  removeReader(fd) {
    return this.#removeHandler(fd, EVENT_READ);
  }
  /** Calls `callback(...args)` whenever `fd` is writable, until `removeWriter`. */
  addWriter(fd, callback, ...args) {
    return this.#addHandler(fd, EVENT_WRITE, callback, args, 'addWriter');
  }
  /** Stops watching `fd` for writing. Returns false if it had no writer. */
  removeWriter(fd) {
    return this.#removeHandler(fd, EVENT_WRITE);
  }
  #addHandler(fileobj, event, callback, args, method) {
    this.#checkOpen(method);
    checkCallback(callback, method);
    const fd = fileobjToFd(fileobj, method);
    if (fd === this.#wakerFd) {
      throw new InvalidArgumentError(`${method}() got fd ${fd}, which is the loop's own waker`);
    }
    const handle = new Handle(callback, args, this);
    let key = this.#selector.getMap().get(fd);
    if (key !== void 0 && key.data !== null && key.fileobj !== fileobj && isIdle(key.data)) {
      this.#selector.unregister(fd);
      key = void 0;
    }
    if (key !== void 0 && (key.events & event) === 0) {
      try {
        this.#selector.modify(fd, key.events | event, key.data);
      } catch (err) {
        if (!(err instanceof OSError) || (err.code !== 'ENOENT' && err.code !== 'EBADF')) throw err;
        this.#selector.unregister(fd);
        if (!isIdle(key.data)) this.#reportClosedFd(fd, key.data);
        key = void 0;
      }
    }
    if (key === void 0) {
      const handles = { reader: null, writer: null, idleSince: 0 };
      this.#setHandle(handles, event, handle);
      this.#selector.register(fileobj, event, handles);
    } else {
      const handles = key.data;
      const previous = event === EVENT_READ ? handles.reader : handles.writer;
      this.#setHandle(handles, event, handle);
      previous?.cancel();
    }
    if (this.#nextAudit === Infinity) this.#nextAudit = this.time() + FD_AUDIT_INTERVAL_MS;
    if (this.#parked) this.#waker.wake();
    return handle;
  }
  /**
   * An event found no live handler for `event`: a handler whose Handle was cancelled counts as
   * removed (asyncio's rule: a cancelled reader is removed when its fd next fires, so it cannot
   * keep a level-triggered poll spinning). Returns true.
   */
  #noteIdle(handles, event, handle) {
    if (handle !== null) {
      this.#setHandle(handles, event, null);
      handles.idleSince = this.#lastPoll;
    }
    return true;
  }
  #setHandle(handles, event, handle) {
    if (event === EVENT_READ) handles.reader = handle;
    else handles.writer = handle;
  }
  /**
   * Removes a reader or writer. For a file object (a Socket), the kernel registration is kept
   * for now: the common pattern — a `sockRecv` finishes, the coroutine sends, and reads again —
   * adds the same reader right back, and keeping it saves two `epoll_ctl` calls per message.
   * The registration really goes when an event finds nobody to call (one `epoll_ctl` then), or
   * is replaced if another object brings the same fd number. A raw fd number is removed at once:
   * nothing tells the loop whether that number still means the same file.
   */
  #removeHandler(fileobj, event) {
    if (this.#state === 'closed') return false;
    const key = this.#keyOf(fileobj);
    if (key === void 0 || key.data === null) return false;
    const handles = key.data;
    const previous = event === EVENT_READ ? handles.reader : handles.writer;
    if (previous === null) return false;
    this.#setHandle(handles, event, null);
    const wasLive = !previous.cancelled();
    previous.cancel();
    handles.idleSince = this.#lastPoll;
    if (typeof key.fileobj === 'number') {
      this.#syncRegistration(key);
      if (this.#parked) this.#waker.wake();
    }
    return wasLive;
  }
  /** Makes the kernel watch exactly the events that have a handler (unregistering if none). */
  #syncRegistration(key) {
    const handles = key.data;
    const wanted =
      (handles.reader !== null ? EVENT_READ : 0) | (handles.writer !== null ? EVENT_WRITE : 0);
    if (wanted === key.events) return;
    if (wanted === 0) this.#selector.unregister(key.fd);
    else this.#selector.modify(key.fd, wanted, handles);
  }
  #keyOf(fileobj) {
    let fd;
    try {
      fd = fileobjToFd(fileobj, 'removeReader');
    } catch {
      for (const key of this.#selector.getMap().values()) if (key.fileobj === fileobj) return key;
      return void 0;
    }
    return this.#selector.getMap().get(fd);
  }
  // ─── Running ───────────────────────────────────────────────────────────────────────────────
  /**
   * Runs the loop until `stop()`. Returns a Promise that settles when it has stopped.
   * @throws LoopRunningError if this or another loop is already running
   * @throws LoopClosedError if the loop is closed
   */
  runForever() {
    this.#checkOpen('runForever');
    if (this.#state === 'running') throw new LoopRunningError('This event loop is already running');
    if (loopState.running !== null) {
      throw new LoopRunningError(
        `Cannot run the event loop while another loop is running (${String(loopState.running)})`,
      );
    }
    this.#state = 'running';
    loopState.running = this;
    const run2 = this.#mode === 'hosted' ? this.#runHosted() : this.#runBlocking();
    return run2.finally(() => {
      this.#stopping = false;
      this.#parked = false;
      if (this.#state === 'running') this.#state = 'stopped';
      if (loopState.running === this) loopState.running = null;
    });
  }
  /**
   * Runs the loop until `future` is done and returns its result (or throws its exception).
   * `future` is anything with `done()`, `result()` and `addDoneCallback()` — an aio Future or
   * Task — or a plain Promise.
   */
  async runUntilComplete(future) {
    if (isFutureLike(future)) {
      const onDone = () => this.stop();
      future.addDoneCallback(onDone);
      try {
        await this.runForever();
      } finally {
        future.removeDoneCallback?.(onDone);
      }
      if (!future.done()) throw new LoopStoppedError('Event loop stopped before Future completed.');
      return future.result();
    }
    if (!isPromiseLike(future)) {
      throw new InvalidArgumentError(
        `runUntilComplete() expected a Future (done, result, addDoneCallback) or a Promise, got ${formatValue(future)}`,
      );
    }
    let outcome;
    future.then(
      (value) => {
        outcome = { ok: true, value };
        this.stop();
      },
      (error) => {
        outcome = { ok: false, error };
        this.stop();
      },
    );
    await this.runForever();
    if (outcome === void 0)
      throw new LoopStoppedError('Event loop stopped before the Promise settled.');
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }
  /**
   * Calls `callback(loop)` when the loop closes, before it lets go of its resources (an upper
   * layer reports its unretrieved exceptions there). Returns a function that unregisters it.
   */
  addCloseCallback(callback) {
    checkCallback(callback, 'addCloseCallback');
    this.#closeCallbacks.push(callback);
    return () => {
      const i = this.#closeCallbacks.indexOf(callback);
      if (i >= 0) this.#closeCallbacks.splice(i, 1);
    };
  }
  /**
   * Tells the loop that a foreign promise (Node's fs, fetch, a timer …) will give it work when
   * it settles, so it must not sleep through it. A hosted loop needs nothing (Node runs while it
   * waits, and the work wakes it); a blocking loop then waits in slices of at most
   * {@link FOREIGN_SLICE_MS} ms, handing Node a turn between them, until the promise settles.
   */
  keepAwakeUntil(promise) {
    this.#foreignPending++;
    const settled = () => {
      this.#foreignPending--;
    };
    promise.then(settled, settled);
  }
  /** Stops the loop after the iteration that is running now. */
  stop() {
    this.#stopping = true;
    if (this.#parked) this.#waker.wake();
  }
  isRunning() {
    return this.#state === 'running';
  }
  isClosed() {
    return this.#state === 'closed';
  }
  /**
   * Closes the loop: drops pending callbacks and timers, closes the selector and the waker.
   * Closing twice is harmless. @throws LoopRunningError while running
   */
  close() {
    if (this.#state === 'running') throw new LoopRunningError('Cannot close a running event loop');
    if (this.#state === 'closed') return;
    for (const callback of this.#closeCallbacks.splice(0)) {
      try {
        callback(this);
      } catch (exception) {
        this.callExceptionHandler({ message: 'Exception in a close callback', exception });
      }
    }
    this.#state = 'closed';
    this.#ready = [];
    this.#spare = [];
    this.#timers.clear();
    this.#selector.close();
    this.#waker.close();
    if (loopState.current === this) loopState.current = null;
  }
  // Each iteration reads the clock once (about 40 ns a read here, a fifth of a whole iteration
  // of a callSoon chain) and passes `now` down; it is read again only after a wait.
  async #runBlocking() {
    for (;;) {
      let now3 = this.time();
      let timeout = this.#prepare(now3);
      let events;
      if (timeout === 0) {
        events = this.#pollIfDue(now3);
      } else {
        events = this.#poll(now3);
        if (events.length === 0) {
          await yieldToNode();
          timeout = this.#prepare(this.time());
          if (this.#foreignPending > 0 && (timeout < 0 || timeout > FOREIGN_SLICE_MS))
            timeout = FOREIGN_SLICE_MS;
          events = this.#wait(timeout);
          now3 = this.time();
        }
      }
      this.#dispatch(events, now3);
      if (this.#stopping) return;
      await MICROTASK_TURN;
    }
  }
  async #runHosted() {
    let sliceStart = this.time();
    for (;;) {
      let now3 = this.time();
      const timeout = this.#prepare(now3);
      let events;
      if (timeout === 0) {
        events = this.#pollIfDue(now3);
      } else {
        events = this.#poll(now3);
        if (events.length === 0 && now3 - this.#lastIo < SPIN_WINDOW_MS)
          events = await this.#spin(timeout);
        if (events.length === 0 && this.#ready.length === 0 && !this.#stopping) {
          events = await this.#park(this.#prepare(this.time()));
          sliceStart = this.time();
        }
        now3 = this.time();
      }
      this.#dispatch(events, now3);
      if (this.#stopping) return;
      if (now3 - sliceStart >= HOST_SLICE_MS) {
        await yieldToNode();
        sliceStart = this.time();
      } else {
        await MICROTASK_TURN;
      }
    }
  }
  /**
   * Polls for up to SPIN_MS (never past `timeout`), letting promise continuations run between
   * polls; returns as soon as there are events, or callbacks became ready meanwhile.
   */
  async #spin(timeout) {
    let now3 = this.time();
    const deadline = now3 + (timeout < 0 ? SPIN_MS : Math.min(SPIN_MS, timeout));
    do {
      for (let turn = 0; turn < SPIN_TURNS_PER_POLL; turn++) {
        await MICROTASK_TURN;
        if (this.#ready.length > 0 || this.#stopping) return NO_EVENTS;
      }
      now3 = this.time();
      const events = this.#poll(now3);
      if (events.length > 0) return events;
    } while (now3 < deadline);
    return NO_EVENTS;
  }
  async #park(timeout) {
    this.#parked = true;
    this.#parkUntil = timeout < 0 ? Infinity : this.time() + timeout;
    try {
      return await this.#selector.selectAsync(timeout < 0 ? null : timeout);
    } finally {
      this.#parked = false;
      this.#lastPoll = this.time();
    }
  }
  /**
   * One iteration of the loop: asyncio's `_run_once`, and the only place callbacks run.
   *
   * Public so that a reader can drive a loop by hand (`while (!done) loop.runOnce()`, the article's
   * `loop()`); it waits on this thread, as blocking mode does.
   */
  runOnce() {
    this.#checkOpen('runOnce');
    const now3 = this.time();
    const timeout = this.#prepare(now3);
    if (timeout === 0) {
      this.#dispatch(this.#pollIfDue(now3), now3);
    } else {
      const events = this.#wait(timeout);
      this.#dispatch(events, this.time());
    }
  }
  /**
   * Steps 1 and 2 of an iteration.
   * 1. Drop cancelled timers from the top of the heap (the heap compacts itself when cancelled
   *    timers are more than half of it).
   * 2. Work out how long the selector may wait: not at all if callbacks are ready or the loop is
   *    stopping; until the next timer if there is one; else forever (-1). While fds are watched,
   *    no longer than the next check for fds closed behind the loop's back.
   */
  #prepare(now3) {
    this.#timers.dropCancelledHead();
    if (this.#ready.length > 0 || this.#stopping) return 0;
    let until = this.#nextAudit;
    const next = this.#timers.peek();
    if (next !== void 0 && next.when < until) until = next.when;
    if (until === Infinity) return -1;
    return Math.min(Math.max(0, until - now3), MAX_WAIT_MS);
  }
  /** Asks the selector what is ready right now, without waiting. */
  #poll(now3) {
    this.#lastPoll = now3;
    return this.#selector.select(0);
  }
  /** Waits on this thread for up to `timeout` ms (-1: until something happens). */
  #wait(timeout) {
    const events = this.#selector.select(timeout < 0 ? null : timeout);
    this.#lastPoll = this.time();
    return events;
  }
  /** With callbacks ready, poll for I/O only if the last poll is POLL_INTERVAL_MS old. */
  #pollIfDue(now3) {
    return now3 - this.#lastPoll >= POLL_INTERVAL_MS ? this.#poll(now3) : NO_EVENTS;
  }
  /**
   * Steps 3 to 5 of an iteration, after the selector answered.
   * 3. Turn ready fds into ready callbacks: the reader and/or writer registered for each (the
   *    waker is only drained: its job was to end the wait).
   * 4. Move every timer whose `when` has come to the ready queue, in (when, schedule) order.
   * 5. Run exactly the callbacks that are ready now; those they schedule wait for the next
   *    iteration.
   */
  #dispatch(events, now3) {
    for (let i = 0; i < events.length; i++) {
      const [key, mask] = events[i];
      const handles = key.data;
      if (handles === null) {
        this.#waker.drain();
        continue;
      }
      this.#lastIo = this.#lastPoll;
      let idleEvent = false;
      if (mask & EVENT_READ) {
        const reader = handles.reader;
        if (reader !== null && !reader.cancelled()) this.#ready.push(reader);
        else idleEvent = this.#noteIdle(handles, EVENT_READ, reader);
      }
      if (mask & EVENT_WRITE) {
        const writer = handles.writer;
        if (writer !== null && !writer.cancelled()) this.#ready.push(writer);
        else idleEvent = this.#noteIdle(handles, EVENT_WRITE, writer);
      }
      if (
        idleEvent &&
        (typeof key.fileobj === 'number' || this.#lastPoll - handles.idleSince >= IDLE_GRACE_MS)
      )
        this.#syncRegistration(key);
    }
    for (
      let timer = this.#timers.peek();
      timer !== void 0 && timer.when <= now3;
      timer = this.#timers.peek()
    ) {
      this.#timers.pop();
      if (!timer.cancelled()) this.#ready.push(timer);
    }
    if (now3 >= this.#nextAudit) this.#auditFds(now3);
    const batch = this.#ready;
    if (batch.length === 0) return;
    this.#ready = this.#spare;
    try {
      if (this.#debug) this.#runDebug(batch);
      else for (let i = 0; i < batch.length; i++) if (!batch[i].cancelled()) batch[i].run();
    } finally {
      batch.length = 0;
      this.#spare = batch;
    }
  }
  #runDebug(batch) {
    for (const handle of batch) {
      if (handle.cancelled()) continue;
      const start = this.time();
      handle.run();
      const took = this.time() - start;
      if (took >= this.slowCallbackDurationMs)
        this.#log(`Executing ${handle.toString()} took ${took.toFixed(1)} ms`);
    }
  }
  /**
   * Finds fds that were closed while the loop still watched them. epoll forgets such an fd
   * silently (its reader would never run again) and poll reports it on every wait (a busy loop),
   * so every FD_AUDIT_INTERVAL_MS the loop asks the kernel whether watched fds are still open —
   * up to FD_AUDIT_BATCH of them, going round in turn — drops the ones that are not, and reports
   * them through the exception handler.
   */
  #auditFds(now3) {
    let stale = null;
    const map = this.#selector.getMap();
    let cursor = this.#auditCursor ?? map.values();
    for (let checked = 0; checked < FD_AUDIT_BATCH; checked++) {
      const next = cursor.next();
      if (next.done === true) {
        cursor = map.values();
        if (checked > 0 || map.size === 0) break;
        continue;
      }
      const key = next.value;
      if (key.data !== null && !isFdOpen(key.fd)) (stale ??= []).push(key);
    }
    this.#auditCursor = cursor;
    for (const key of stale ?? []) {
      this.#selector.unregister(key.fd);
      if (!isIdle(key.data)) this.#reportClosedFd(key.fd, key.data);
    }
    this.#nextAudit = map.size > 1 ? now3 + FD_AUDIT_INTERVAL_MS : Infinity;
  }
  #reportClosedFd(fd, handles) {
    const roles = [handles.reader && 'reader', handles.writer && 'writer']
      .filter(Boolean)
      .join(' and ');
    this.callExceptionHandler({
      message: `fd ${fd} was closed while the loop was watching it; its ${roles || 'registration'} was removed (call removeReader/removeWriter before closing an fd)`,
      fd,
      handle: handles.reader ?? handles.writer ?? void 0,
    });
    handles.reader?.cancel();
    handles.writer?.cancel();
    handles.reader = handles.writer = null;
  }
  // ─── Errors and debugging ──────────────────────────────────────────────────────────────────
  /** Sets the handler for errors raised in callbacks (null restores the default). */
  setExceptionHandler(handler) {
    if (handler !== null && typeof handler !== 'function') {
      throw new InvalidArgumentError(
        `setExceptionHandler() expected a function or null, got ${formatValue(handler)}`,
      );
    }
    this.#exceptionHandler = handler;
  }
  getExceptionHandler() {
    return this.#exceptionHandler;
  }
  /** Reports an error: to the custom handler if one is set, else to `defaultExceptionHandler`. */
  callExceptionHandler(context) {
    if (context.exception instanceof OSError && context.exception.code === 'EBADF')
      this.#nextAudit = 0;
    if (this.#exceptionHandler === null) {
      this.defaultExceptionHandler(context);
      return;
    }
    try {
      this.#exceptionHandler(this, context);
    } catch (exception) {
      this.defaultExceptionHandler({
        message: 'Unhandled error in exception handler',
        exception,
        context,
      });
    }
  }
  /** Logs the message, every context entry, and the exception with its stack; the loop goes on. */
  defaultExceptionHandler(context) {
    try {
      this.#log(formatExceptionContext(context));
    } catch {}
  }
  setDebug(enabled) {
    this.#debug = enabled;
  }
  getDebug() {
    return this.#debug;
  }
  #checkOpen(method) {
    if (this.#state === 'closed')
      throw new LoopClosedError(`Event loop is closed: ${method}() on ${String(this)}`);
  }
  /** `<EventLoop running mode=hosted>`, `<EventLoop closed mode=blocking debug>` */
  toString() {
    return `<EventLoop ${this.#state} mode=${this.#mode}${this.#debug ? ' debug' : ''}>`;
  }
  get [Symbol.toStringTag]() {
    return 'EventLoop';
  }
};
function isIdle(handles) {
  return (
    (handles.reader === null || handles.reader.cancelled()) &&
    (handles.writer === null || handles.writer.cancelled())
  );
}
function checkCallback(callback, method) {
  if (typeof callback !== 'function') {
    throw new InvalidArgumentError(
      `${method}() expected a function as callback, got ${formatValue(callback)}`,
    );
  }
}
function checkTime(value, method, what) {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new InvalidArgumentError(
      `${method}() expected ${what} in milliseconds, got ${formatValue(value)}`,
    );
  }
}
function isFutureLike(x) {
  const f = x;
  return (
    typeof f === 'object' &&
    f !== null &&
    typeof f.done === 'function' &&
    typeof f.result === 'function' &&
    typeof f.addDoneCallback === 'function'
  );
}
function isPromiseLike(x) {
  return typeof x?.then === 'function';
}

// ../../packages/loop/src/running.ts
function getRunningLoop() {
  if (loopState.running === null) {
    throw new NoRunningLoopError(
      'no running event loop: call this from a callback or coroutine running on a loop',
    );
  }
  return loopState.running;
}
function getRunningLoopOrNull() {
  return loopState.running;
}
function getEventLoop() {
  return loopState.running ?? (loopState.current ??= new EventLoop());
}
function setEventLoop(loop) {
  loopState.current = loop;
}

// ../../packages/future/src/future.ts
import { inspect as inspect5 } from 'node:util';

// ../../packages/future/src/errors.ts
var CancelledError = class extends Error {
  name = 'CancelledError';
  code = 'ERR_AIO_CANCELLED';
  constructor(message = '') {
    super(message);
  }
};
var InvalidStateError = class extends Error {
  name = 'InvalidStateError';
  code = 'ERR_AIO_INVALID_STATE';
};
var TimeoutError2 = class extends Error {
  name = 'TimeoutError';
  code = 'ERR_AIO_TIMEOUT';
};
function isCancelledError(error) {
  return error instanceof CancelledError || error?.code === 'ERR_AIO_CANCELLED';
}

// ../../packages/future/src/format.ts
import { inspect as inspect4 } from 'node:util';
function formatValue2(value, max = 60) {
  const text =
    typeof value === 'string'
      ? JSON.stringify(value)
      : inspect4(value, { depth: 0, breakLength: Infinity }).replace(/\s*\n\s*/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}\u2026` : text;
}

// ../../packages/future/src/future.ts
var PENDING = 0;
var RESULT = 1;
var EXCEPTION = 2;
var CANCELLED = 3;
var STATE_NAMES = ['PENDING', 'FINISHED', 'FINISHED', 'CANCELLED'];
var INLINE_SAFE = /* @__PURE__ */ Symbol.for('@aio/future.inlineSafe');
function inlineSafe(callback) {
  return Object.assign(callback, { [INLINE_SAFE]: true });
}
var WAKE_UP = /* @__PURE__ */ Symbol.for('@aio/future.wakeUp');
var FUTURE_BRAND = /* @__PURE__ */ Symbol.for('@aio/future.Future');
function report(record) {
  if (record.reported || record.loop.isClosed()) return;
  record.reported = true;
  record.loop.callExceptionHandler({
    message: `${record.kind} exception was never retrieved`,
    exception: record.exception,
    // The future itself may be gone (that is one way to get here): a stand-in that prints as it did.
    future: { toString: () => record.description },
  });
}
var collected = new FinalizationRegistry((record) => {
  pendingByLoop.get(record.loop)?.delete(record);
  report(record);
});
var pendingByLoop = /* @__PURE__ */ new WeakMap();
var unretrievedOf = /* @__PURE__ */ new WeakMap();
function pendingFor(loop) {
  let pending = pendingByLoop.get(loop);
  if (pending === void 0) {
    const created = /* @__PURE__ */ new Set();
    pending = created;
    pendingByLoop.set(loop, created);
    loop.addCloseCallback(() => {
      for (const record of created) report(record);
      created.clear();
    });
  }
  return pending;
}
var Future = class _Future {
  // One state number and one value slot (the result, the exception or the cancel message), so a
  // future stays small: a server keeps tens of thousands of them alive at once.
  #state = PENDING;
  #value = void 0;
  /** Allocated on the first callback: many futures get one or none. */
  /** None, one (most futures have exactly one waiter), or several. */
  #callbacks = null;
  #loop;
  /** @param loop the loop to schedule callbacks on; default: the running loop, else the current one */
  constructor(loop) {
    this.#loop = loop ?? getEventLoop();
  }
  /** True for an aio Future (also one made by another copy of this package). */
  static isFuture(value) {
    return (
      value instanceof _Future ||
      (typeof value === 'object' && value !== null && FUTURE_BRAND in value)
    );
  }
  get [FUTURE_BRAND]() {
    return true;
  }
  getLoop() {
    return this.#loop;
  }
  done() {
    return this.#state !== PENDING;
  }
  cancelled() {
    return this.#state === CANCELLED;
  }
  /** The state, as asyncio names it. */
  get state() {
    return STATE_NAMES[this.#state];
  }
  /**
   * The result. Throws the future's exception if it has one (which counts as retrieving it),
   * `CancelledError` if it was cancelled, `InvalidStateError` while it is pending.
   */
  result() {
    switch (this.#state) {
      case RESULT:
        return this.#value;
      case EXCEPTION:
        this.#retrieved();
        throw this.#value;
      case CANCELLED:
        throw this.makeCancelledError();
      case PENDING:
        throw new InvalidStateError('Result is not ready.');
    }
  }
  /** The exception (undefined if it finished with a result); throws as `result()` does otherwise. */
  exception() {
    switch (this.#state) {
      case RESULT:
        return void 0;
      case EXCEPTION:
        this.#retrieved();
        return this.#value;
      case CANCELLED:
        throw this.makeCancelledError();
      case PENDING:
        throw new InvalidStateError('Exception is not set.');
    }
  }
  /**
   * Schedules `callback(future)` for when the future is done (at once, via `callSoon`, if it is
   * done already). Callbacks run in the order they were added.
   */
  addDoneCallback(callback) {
    if (this.#state !== PENDING) this.#loop.callSoon(callback, this);
    else this.#addCallback(callback);
  }
  /**
   * Registers `waiter` to be woken (`waiter[WAKE_UP](future)`) the moment the future is done;
   * through `callSoon` if it is done already. For layers above (see `FutureWaiter`).
   */
  addWaiter(waiter) {
    if (this.#state !== PENDING) this.#loop.callSoon(wakeWaiter, waiter, this);
    else this.#addCallback(waiter);
  }
  #addCallback(callback) {
    if (this.#callbacks === null) this.#callbacks = callback;
    else if (Array.isArray(this.#callbacks)) this.#callbacks.push(callback);
    else this.#callbacks = [this.#callbacks, callback];
  }
  /** Removes every registration of `callback`; returns how many there were. */
  removeDoneCallback(callback) {
    const callbacks2 = this.#callbackList();
    const kept = callbacks2.filter((cb) => cb !== callback);
    this.#callbacks = kept.length === 0 ? null : kept.length === 1 ? kept[0] : kept;
    return callbacks2.length - kept.length;
  }
  /**
   * Cancels the future if it is pending: it becomes CANCELLED and its callbacks are scheduled.
   * Returns false if it was done already.
   */
  cancel(message) {
    if (this.#state !== PENDING) return false;
    this.#state = CANCELLED;
    this.#value = message;
    this.#scheduleCallbacks();
    return true;
  }
  /** Marks the future done with `result`. @throws InvalidStateError if it is done already */
  setResult(result) {
    if (this.#state !== PENDING) throw new InvalidStateError(`${this.state}: ${this.toString()}`);
    this.#value = result;
    this.#state = RESULT;
    this.#scheduleCallbacks();
  }
  /**
   * Marks the future done with `exception`. A nullish exception (a promise rejected with
   * `undefined`) becomes an Error saying so, so that `exception()` is never undefined for a
   * failed future. @throws InvalidStateError if it is done already
   */
  setException(exception) {
    if (this.#state !== PENDING) throw new InvalidStateError(`${this.state}: ${this.toString()}`);
    this.#value =
      exception === void 0 || exception === null
        ? new Error(`${this.constructor.name} failed with ${String(exception)}`)
        : exception;
    this.#state = EXCEPTION;
    this.#trackUnretrieved();
    this.#scheduleCallbacks();
  }
  /** The message `cancel()` was given, for subclasses that raise their own CancelledError. */
  get cancelMessage() {
    return this.#state === CANCELLED ? this.#value : void 0;
  }
  /** The CancelledError that `result()` throws for a cancelled future. */
  makeCancelledError() {
    return new CancelledError(this.cancelMessage ?? '');
  }
  #scheduleCallbacks() {
    const callbacks2 = this.#callbacks;
    if (callbacks2 === null) return;
    this.#callbacks = null;
    if (Array.isArray(callbacks2)) for (const callback of callbacks2) this.#runOrSchedule(callback);
    else this.#runOrSchedule(callbacks2);
  }
  /** Done-callbacks go through `callSoon`; inline-safe ones (see `inlineSafe`) run at once. */
  #runOrSchedule(callback) {
    if (typeof callback === 'function') {
      if (INLINE_SAFE in callback) callback(this);
      else this.#loop.callSoon(callback, this);
    } else if (callback instanceof PromiseSettler) callback.settle(this);
    else callback[WAKE_UP](this);
  }
  #callbackList() {
    const callbacks2 = this.#callbacks;
    return callbacks2 === null ? [] : Array.isArray(callbacks2) ? callbacks2 : [callbacks2];
  }
  #trackUnretrieved() {
    const record = {
      loop: this.#loop,
      exception: this.#value,
      kind: this.constructor.name,
      description: this.toString(),
      reported: false,
    };
    unretrievedOf.set(this, record);
    pendingFor(this.#loop).add(record);
    collected.register(this, record, this);
  }
  #retrieved() {
    const record = unretrievedOf.get(this);
    if (record === void 0) return;
    unretrievedOf.delete(this);
    pendingByLoop.get(this.#loop)?.delete(record);
    collected.unregister(this);
  }
  // ─── awaiting ────────────────────────────────────────────────────────────────────────────
  /**
   * Makes `await future` work. A cancelled future rejects with CancelledError.
   *
   * The promise is settled the moment the future is done, not one loop iteration later as a
   * done-callback would be: settling a promise runs no user code (its reactions are microtasks),
   * so the never-inline rule holds, and an `await` resumes right after the current callback
   * instead of a whole iteration later.
   */
  then(onFulfilled, onRejected) {
    return new Promise((resolve, reject) => {
      const settler = new PromiseSettler(resolve, reject);
      if (this.#state !== PENDING) settler.settle(this);
      else this.#addCallback(settler);
    }).then(onFulfilled, onRejected);
  }
  /**
   * `yield* future` in a generator coroutine: yields the future (unless it is done already), then
   * returns its result. A small hand-written iterator rather than a generator: every `yield*` of
   * a future makes one, and a generator object costs several times more to make and resume.
   */
  [Symbol.iterator]() {
    return new FutureIterator(this);
  }
  /** `<Future pending cb=[Task.wakeup()]>`, `<Future finished result=42>`, `<Future cancelled>` */
  toString() {
    return `<${this.constructor.name} ${this.describe().join(' ')}>`;
  }
  /** The words inside `<…>`, for subclasses (Task adds its name and coroutine). */
  describe() {
    const parts = [this.state.toLowerCase()];
    if (this.#state === RESULT) parts.push(`result=${formatValue2(this.#value)}`);
    if (this.#state === EXCEPTION) parts.push(`exception=${formatError(this.#value)}`);
    const callbacks2 = this.#callbackList();
    if (callbacks2.length > 0) {
      parts.push(`cb=[${callbacks2.map((cb) => `${waiterName(cb)}()`).join(', ')}]`);
    }
    return parts;
  }
  get [Symbol.toStringTag]() {
    return this.constructor.name;
  }
  [inspect5.custom]() {
    return this.toString();
  }
};
var FutureIterator = class {
  constructor(future) {
    this.future = future;
  }
  future;
  #yielded = false;
  next() {
    const future = this.future;
    if (!future.done()) {
      if (this.#yielded)
        throw new InvalidStateError(`yield* of ${future.toString()} resumed before it was done`);
      this.#yielded = true;
      return { done: false, value: future };
    }
    return { done: true, value: future.result() };
  }
  /** An error thrown in at the `yield` (the future's exception, a cancellation) goes on up. */
  throw(error) {
    throw error;
  }
};
var PromiseSettler = class {
  constructor(resolve, reject) {
    this.resolve = resolve;
    this.reject = reject;
  }
  resolve;
  reject;
  /** What `toString()` shows for it among a future's callbacks. */
  get name() {
    return 'Future.then';
  }
  settle(future) {
    let value;
    try {
      value = future.result();
    } catch (error) {
      this.reject(error);
      return;
    }
    this.resolve(value);
  }
};
function wakeWaiter(waiter, future) {
  waiter[WAKE_UP](future);
}
function waiterName(waiter) {
  if (typeof waiter === 'function') return waiter.name || '<anonymous>';
  if (waiter instanceof PromiseSettler) return waiter.name;
  return `${waiter.constructor.name}.wakeup`;
}
function formatError(error) {
  if (error instanceof Error) return `${error.name}(${JSON.stringify(error.message)})`;
  return formatValue2(error);
}
function isFuture(value) {
  return Future.isFuture(value);
}

// ../../packages/future/src/bridge.ts
function wrapPromise(promise, loop = getEventLoop()) {
  if (isFuture(promise)) return promise;
  const future = new Future(loop);
  loop.keepAwakeUntil(promise);
  promise.then(
    (value) => {
      if (!future.done() && !loop.isClosed()) future.setResult(value);
    },
    (error) => {
      if (future.done() || loop.isClosed()) return;
      if (isCancelledError(error)) future.cancel(error.message);
      else future.setException(error);
    },
  );
  return future;
}

// ../../packages/future/src/io.ts
import { constants as constants5 } from 'node:os';
import { isIP } from 'node:net';
var { EINPROGRESS: EINPROGRESS2, EAGAIN: EAGAIN3, EINTR: EINTR4 } = constants5.errno;
function checkNonBlocking(sock, method) {
  if (sock.getBlocking()) {
    throw new InvalidArgumentError(
      `${method}() needs a non-blocking socket: call sock.setBlocking(false) first`,
    );
  }
}
var AGAIN = /* @__PURE__ */ Symbol('again');
var Operation = class _Operation extends Future {
  constructor(loop, fileobj, kind) {
    super(loop);
    this.fileobj = fileobj;
    this.kind = kind;
  }
  fileobj;
  kind;
  #handle = null;
  /** Tries at once if `tryFirst`; waits for readiness if it did not finish. Returns this. */
  begin(tryFirst) {
    if (tryFirst && this.#settleOnce()) return this;
    const loop = this.getLoop();
    this.#handle =
      this.kind === 'read'
        ? loop.addReader(this.fileobj, _Operation.onReady, this)
        : loop.addWriter(this.fileobj, _Operation.onReady, this);
    return this;
  }
  /** Attempts once; true if that settled the future. */
  #settleOnce() {
    let value;
    try {
      value = this.attempt();
    } catch (error) {
      this.setException(error);
      return true;
    }
    if (value === AGAIN) return false;
    this.setResult(value);
    return true;
  }
  static onReady(op) {
    if (!op.done() && op.#settleOnce()) op.#removeIfOurs();
  }
  cancel(message) {
    if (!super.cancel(message)) return false;
    this.#removeIfOurs();
    return true;
  }
  #removeIfOurs() {
    const handle = this.#handle;
    if (handle === null || handle.cancelled()) return;
    if (typeof this.fileobj !== 'number') {
      handle.cancel();
      return;
    }
    const loop = this.getLoop();
    if (this.kind === 'read') loop.removeReader(this.fileobj);
    else loop.removeWriter(this.fileobj);
  }
};
var ClosureOperation = class extends Operation {
  constructor(loop, fileobj, kind, fn2) {
    super(loop, fileobj, kind);
    this.fn = fn2;
  }
  fn;
  attempt() {
    return this.fn();
  }
};
var doneVoid = /* @__PURE__ */ new WeakMap();
var lastDoneVoid = null;
function resolvedVoid(loop) {
  if (lastDoneVoid !== null && lastDoneVoid.getLoop() === loop) return lastDoneVoid;
  let future = doneVoid.get(loop);
  if (future === void 0) {
    future = new Future(loop);
    future.setResult();
    doneVoid.set(loop, future);
  }
  lastDoneVoid = future;
  return future;
}
function resolved(loop, value) {
  const future = new Future(loop);
  future.setResult(value);
  return future;
}
function failed(loop, error) {
  const future = new Future(loop);
  future.setException(error);
  return future;
}
function operation(loop, fd, kind, attempt) {
  return new ClosureOperation(loop, fd, kind, attempt).begin(true);
}
var readHints = /* @__PURE__ */ new WeakMap();
function readHintOf(sock) {
  let hint = readHints.get(sock);
  if (hint === void 0) readHints.set(sock, (hint = { drained: false }));
  return hint;
}
function beginRead(op, hint) {
  const tryFirst = !hint.drained;
  hint.drained = false;
  return op.begin(tryFirst);
}
var SCRATCH = Buffer.allocUnsafe(64 * 1024);
var SLAB_SIZE = 16 * 1024;
var slab = newSlab();
var slabUsed = 0;
var SCRATCH_BYTES = SCRATCH.buffer;
var SCRATCH_OFFSET = SCRATCH.byteOffset;
function newSlab() {
  const fresh = Buffer.allocUnsafeSlow(SLAB_SIZE);
  return fresh.buffer;
}
function copyOut(got) {
  const source = new Uint8Array(SCRATCH_BYTES, SCRATCH_OFFSET, got);
  if (got > SLAB_SIZE >>> 2) return Buffer.from(source);
  if (slabUsed + got > SLAB_SIZE) {
    slab = newSlab();
    slabUsed = 0;
  }
  const out = Buffer.from(slab, slabUsed, got);
  slabUsed = (slabUsed + got + 7) & ~7;
  out.set(source);
  return out;
}
function sockRecv(loop, sock, n) {
  checkNonBlocking(sock, 'sockRecv');
  if (!Number.isInteger(n) || n < 0) {
    throw new InvalidArgumentError(`sockRecv() expected a size >= 0, got ${String(n)}`);
  }
  if (n === 0) return resolved(loop, Buffer.alloc(0));
  const hint = readHintOf(sock);
  return beginRead(new RecvOperation(loop, sock, n, hint), hint);
}
var RecvOperation = class extends Operation {
  constructor(loop, sock, n, hint) {
    super(loop, sock, 'read');
    this.sock = sock;
    this.n = n;
    this.hint = hint;
  }
  sock;
  n;
  hint;
  /** Where a read bigger than SCRATCH lands (made on the first attempt). */
  #into = null;
  attempt() {
    const n = this.n;
    const into = n <= SCRATCH.length ? SCRATCH : (this.#into ??= Buffer.allocUnsafe(n));
    const got = this.sock.tryRecvInto(into, n);
    if (got === WOULD_BLOCK) return AGAIN;
    this.hint.drained = got > 0 && got < n;
    if (into !== SCRATCH) return got === n ? into : Buffer.from(into.subarray(0, got));
    return copyOut(got);
  }
};
function sockSendall(loop, sock, data) {
  checkNonBlocking(sock, 'sockSendall');
  if (data.byteLength === 0) return resolvedVoid(loop);
  let sent;
  try {
    sent = sock.trySend(data);
  } catch (error) {
    return failed(loop, error);
  }
  if (sent === data.byteLength) return resolvedVoid(loop);
  let rest = sent === WOULD_BLOCK ? data : data.subarray(sent);
  let copied = false;
  return operation(loop, sock, 'write', () => {
    while (rest.byteLength > 0) {
      const sent2 = sock.trySend(rest);
      if (sent2 === WOULD_BLOCK) {
        if (!copied) {
          rest = Buffer.from(rest);
          copied = true;
        }
        return AGAIN;
      }
      rest = rest.subarray(sent2);
    }
    return void 0;
  });
}
function sockConnect(loop, sock, address) {
  checkNonBlocking(sock, 'sockConnect');
  if (
    Array.isArray(address) &&
    typeof address[0] === 'string' &&
    address[0] !== '' &&
    isIP(address[0]) === 0 &&
    sock.family !== AF_UNIX2
  ) {
    const [host, port2] = address;
    const result = new Future(loop);
    const resolving = getaddrinfo2(loop, host, port2, sock.family, sock.type);
    resolving.addDoneCallback((done) => {
      if (result.done()) return;
      if (done.cancelled()) {
        result.cancel();
        return;
      }
      const failure = done.exception();
      const first = failure === void 0 ? done.result()[0] : void 0;
      if (failure !== void 0 || first === void 0) {
        result.setException(failure ?? new Error(`getaddrinfo found no address for ${host}`));
        return;
      }
      const inner = sockConnect(loop, sock, first[4]);
      inner.addDoneCallback((c) => {
        if (result.done()) return;
        if (c.cancelled()) result.cancel();
        else if (c.exception() !== void 0) result.setException(c.exception());
        else result.setResult();
      });
      result.addDoneCallback((r) => {
        if (r.cancelled()) inner.cancel();
      });
    });
    result.addDoneCallback((r) => {
      if (r.cancelled()) resolving.cancel();
    });
    return result;
  }
  const err = sock.connectEx(address);
  if (err === 0) return resolvedVoid(loop);
  if (err !== EINPROGRESS2 && err !== EAGAIN3 && err !== EINTR4) {
    return failed(loop, osError(err, 'connect', describeAddress(address)));
  }
  return new ClosureOperation(loop, sock, 'write', () => {
    const soError = sock.getsockopt(SOL_SOCKET, SO_ERROR);
    if (soError !== 0) throw osError(soError, 'connect', describeAddress(address));
  }).begin(false);
}
function getaddrinfo2(loop, host, port2 = null, family = 0, type = 0, proto = 0, flags = 0) {
  return wrapPromise(getaddrinfoAsync(host, port2, family, type, proto, flags), loop);
}
function describeAddress(address) {
  if (typeof address === 'string') return address;
  const [host, port2] = address;
  return host.includes(':') ? `[${host}]:${port2}` : `${host}:${port2}`;
}

// ../../packages/coroutine/src/describe.ts
import { Session } from 'node:inspector';
var session;
var names = /* @__PURE__ */ new WeakMap();
function connect() {
  if (session !== void 0) return session;
  try {
    session = new Session();
    session.connect();
  } catch {
    session = null;
  }
  return session;
}
function internals(generator) {
  const s = connect();
  if (s === null) return void 0;
  const key = /* @__PURE__ */ Symbol.for('@aio/coroutine.inspect');
  const holder = globalThis;
  holder[key] = generator;
  let result;
  try {
    s.post(
      'Runtime.evaluate',
      { expression: `globalThis[Symbol.for('@aio/coroutine.inspect')]` },
      (err, res) => {
        const objectId = res?.result?.objectId;
        if (err || objectId === void 0) return;
        s.post('Runtime.getProperties', { objectId, ownProperties: true }, (err2, props) => {
          if (!err2) result = props.internalProperties;
        });
        s.post('Runtime.releaseObject', { objectId });
      },
    );
  } catch {
    result = void 0;
  } finally {
    Reflect.deleteProperty(holder, key);
  }
  return result;
}
function coroutineName(source) {
  if (typeof source === 'function') return source.name || '<anonymous>';
  if (typeof source !== 'object' || source === null) return '<unknown>';
  const cached = names.get(source);
  if (cached !== void 0) return cached;
  let name2 = typeof source.then === 'function' ? '<promise>' : '<generator>';
  const fn2 = internals(source)?.find((p) => p.name === '[[GeneratorFunction]]')?.value
    ?.description;
  const match = fn2 ? /^(?:async\s+)?function\s*\*\s*([\w$]+)/.exec(fn2) : null;
  if (match?.[1]) name2 = match[1];
  names.set(source, name2);
  return name2;
}

// ../../packages/coroutine/src/format.ts
import { inspect as inspect6 } from 'node:util';
function formatValue3(value, max = 60) {
  const text =
    typeof value === 'string'
      ? JSON.stringify(value)
      : inspect6(value, { depth: 0, breakLength: Infinity }).replace(/\s*\n\s*/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}\u2026` : text;
}

// ../../packages/coroutine/src/sleep.ts
var RELINQUISH = /* @__PURE__ */ Symbol.for('@aio/coroutine.relinquish');
var Relinquish = class {
  constructor(value) {
    this.value = value;
  }
  value;
  /** On the prototype, so that making one defines no property. */
  get [RELINQUISH]() {
    return true;
  }
  /** How far the current `yield*` has got: 0 before it yields, 1 after. */
  #step = 0;
  /**
   * `yield* sleep(0)`: yields this once (the task steps again on the next iteration), then
   * returns the value. The object is its own iterator, so a `sleep(0)` allocates one object.
   * Starting a `yield*` resets it, so one Relinquish may be reused; if two coroutines walk the
   * same one at once, one of them may wait one iteration more, never less.
   */
  [Symbol.iterator]() {
    this.#step = 0;
    return this;
  }
  next() {
    if (this.#step !== 0) return { done: true, value: this.value };
    this.#step = 1;
    return { done: false, value: this };
  }
  /**
   * An error thrown in at the pause (a cancellation) goes on up. Without this method `yield*`
   * would turn it into a TypeError ("the iterator does not provide a 'throw' method").
   */
  throw(error) {
    throw error;
  }
  /** `await sleep(0)`: resolves from a callback on the next loop iteration. */
  then(onFulfilled, onRejected) {
    return new Promise((resolve) => getEventLoop().callSoon(resolve, this.value)).then(
      onFulfilled,
      onRejected,
    );
  }
};
function isRelinquish(value) {
  return (
    value instanceof Relinquish ||
    (typeof value === 'object' && value !== null && RELINQUISH in value)
  );
}

// ../../packages/coroutine/src/ensure-future.ts
function ensureFuture(awaitable, loop = getEventLoop()) {
  if (isFuture(awaitable)) return awaitable;
  if (isRelinquish(awaitable)) {
    const future = new Future(loop);
    loop.callSoon(() => {
      if (!future.done()) future.setResult(awaitable.value);
    });
    return future;
  }
  if (isCoroutine(awaitable) || typeof awaitable === 'function')
    return new Task(awaitable, { loop });
  if (isThenable(awaitable)) return wrapPromise(awaitable, loop);
  throw new TypeError(
    `an awaitable (Future, Task, generator, async function or promise) is required, got ${formatValue3(awaitable)}`,
  );
}

// ../../packages/coroutine/src/gather.ts
var GatheringFuture = class extends Future {
  constructor(children) {
    super(children[0]?.getLoop() ?? getEventLoop());
    this.children = children;
  }
  children;
  #cancelRequested = false;
  /** Cancels the children that are still running; the gather ends cancelled once they finish. */
  cancel(message) {
    if (this.done()) return false;
    let cancelled = false;
    for (const child of this.children) if (child.cancel(message)) cancelled = true;
    if (cancelled) this.#cancelRequested = true;
    return cancelled;
  }
  /** @internal */
  get cancelRequested() {
    return this.#cancelRequested;
  }
  /** @internal: ends the gather cancelled (Future.cancel, not the override above). */
  finishCancelled(message) {
    super.cancel(message);
  }
};
function gather(...args) {
  let awaitables = args;
  let returnExceptions = false;
  if (args.length === 2 && Array.isArray(args[0]) && isOptions(args[1])) {
    awaitables = args[0];
    returnExceptions = args[1].returnExceptions === true;
  }
  const loop = getEventLoop();
  const children = toChildren(awaitables, loop);
  const outer = new GatheringFuture(children);
  if (children.length === 0) {
    outer.setResult([]);
    return outer;
  }
  let finished = 0;
  const onChildDone = inlineSafe((child) => {
    finished++;
    if (outer.done()) {
      if (!child.cancelled()) child.exception();
      return;
    }
    if (!returnExceptions) {
      if (child.cancelled()) {
        outer.setException(new CancelledError('a child of gather() was cancelled'));
        return;
      }
      const exception = child.exception();
      if (exception !== void 0) {
        outer.setException(exception);
        return;
      }
    }
    if (finished < children.length) return;
    const results = children.map((c) =>
      c.cancelled() ? new CancelledError() : (c.exception() ?? c.result()),
    );
    if (outer.cancelRequested) outer.finishCancelled();
    else outer.setResult(results);
  });
  for (const child of children) child.addDoneCallback(onChildDone);
  return outer;
}
function toChildren(awaitables, loop) {
  const children = new Array(awaitables.length);
  let seen = null;
  for (let i = 0; i < awaitables.length; i++) {
    const aw = awaitables[i];
    if (isFuture(aw)) {
      children[i] = aw;
      continue;
    }
    seen ??= /* @__PURE__ */ new Map();
    let child = seen.get(aw);
    if (child === void 0) {
      child = ensureFuture(aw, loop);
      seen.set(aw, child);
    }
    children[i] = child;
  }
  return children;
}
function isOptions(value) {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    'returnExceptions' in value &&
    Object.keys(value).length === 1
  );
}

// ../../packages/coroutine/src/task.ts
var taskCounter = 0;
var MUST_CANCEL = 1;
var STARTED = 2;
var STEP_PENDING = 4;
var STEP_THROWS = 8;
var STEP_WAKES = 16;
var tasksByLoop = /* @__PURE__ */ new WeakMap();
var lastList = null;
var lastListLoop = null;
function taskListOf(loop) {
  if (lastListLoop === loop) return lastList;
  let list = tasksByLoop.get(loop);
  if (list === void 0) tasksByLoop.set(loop, (list = { head: null }));
  lastList = list;
  lastListLoop = loop;
  return list;
}
var current = null;
var GeneratorFunction = Object.getPrototypeOf(function* () {});
function isGeneratorFunction(value) {
  return typeof value === 'function' && Object.getPrototypeOf(value) === GeneratorFunction;
}
var GeneratorPrototype = GeneratorFunction.prototype;
function isCoroutine(value) {
  if (typeof value !== 'object' || value === null) return false;
  if (Object.prototype.isPrototypeOf.call(GeneratorPrototype, value)) return true;
  const gen = value;
  return (
    typeof gen.next === 'function' &&
    typeof gen.throw === 'function' &&
    typeof gen.return === 'function' &&
    typeof gen[Symbol.iterator] === 'function'
  );
}
var NEVER_ABORTED = new AbortController();
function isThenable(value) {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof value.then === 'function'
  );
}
var Task = class extends Future {
  /** What the task runs: the source it was given, then the generator it drives (once started). */
  #coro;
  /** A number until someone asks: formatting `Task-<n>` for every task costs. */
  #name;
  #waiter = null;
  /** What only cancellation and async functions need, made when first needed (see `#rare`). */
  #rareState = null;
  /** MUST_CANCEL | STARTED | STEP_* bits: one small integer instead of five boolean fields. */
  #flags = 0;
  // The step the task has put on the loop's ready queue (see run()): what to send in.
  #stepValue = void 0;
  // Links in the loop's list of pending tasks.
  #prev = null;
  #next = null;
  constructor(source, options = {}) {
    super(options.loop);
    if (!isCoroutine(source) && !isThenable(source) && typeof source !== 'function') {
      throw new TypeError(
        `a Task runs a generator, an async function or a promise, got ${formatValue3(source)}`,
      );
    }
    this.#coro = source;
    this.#name = options.name ?? ++taskCounter;
    const list = taskListOf(this.getLoop());
    this.#next = list.head;
    if (list.head !== null) list.head.#prev = this;
    list.head = this;
    this.#scheduleStep(false, void 0);
  }
  /** `Task.wakeup`: what the task waits on is done; the step goes on the ready queue. */
  [WAKE_UP](done) {
    this.#scheduleStep(false, done, true);
  }
  /**
   * Puts the task's next step on the loop's ready queue: the task itself goes there (the loop
   * calls `run()`), so stepping allocates no Handle and no closure.
   */
  #scheduleStep(throws, value, wakes = false) {
    this.#flags =
      (this.#flags & ~(STEP_THROWS | STEP_WAKES)) |
      STEP_PENDING |
      (throws ? STEP_THROWS : 0) |
      (wakes ? STEP_WAKES : 0);
    this.#stepValue = value;
    this.getLoop().schedule(this);
  }
  /**
   * @internal The loop calls this to take the step the task scheduled; calling it yourself does
   * nothing unless a step is pending (and then takes it early: don't).
   */
  run() {
    const flags = this.#flags;
    if ((flags & STEP_PENDING) === 0) return;
    this.#flags = flags & ~STEP_PENDING;
    const throws = (flags & STEP_THROWS) !== 0;
    const value = this.#stepValue;
    this.#stepValue = void 0;
    try {
      if ((flags & STEP_WAKES) !== 0) this.#onWakeup(value);
      else this.#step(throws, throws ? value : void 0, value);
    } catch (exception) {
      this.getLoop().callExceptionHandler({
        message: `Exception in ${this.toString()}`,
        exception,
        task: this,
      });
    }
  }
  getName() {
    return typeof this.#name === 'number' ? `Task-${this.#name}` : this.#name;
  }
  setName(name2) {
    this.#name = name2;
  }
  /** What the task runs: the generator, the async function, or the promise. */
  getCoro() {
    return this.#coro;
  }
  /** How many cancellation requests are pending (asyncio 3.11's `cancelling()`). */
  cancelling() {
    return this.#rareState?.cancelsRequested ?? 0;
  }
  /** Takes back one cancellation request; returns how many are left. */
  uncancel() {
    const rare = this.#rareState;
    if (rare === null) return 0;
    if (rare.cancelsRequested > 0) {
      rare.cancelsRequested--;
      if (rare.cancelsRequested === 0) this.#flags &= ~MUST_CANCEL;
    }
    return rare.cancelsRequested;
  }
  /**
   * Requests cancellation: a generator gets `CancelledError` thrown in at its current `yield`
   * (its `finally` blocks run, and it may catch it); the future it waits on is cancelled too. An
   * async function's AbortSignal is aborted. Returns false if the task is done already.
   */
  cancel(message) {
    if (this.done()) return false;
    this.#rare().cancelsRequested++;
    const controller = this.#rareState?.controller;
    if (controller !== void 0) {
      this.#rare().cancelMessage = message;
      if (!controller.signal.aborted) controller.abort(new CancelledError(message ?? ''));
      return true;
    }
    if (this.#waiter !== null && this.#waiter.cancel(message)) {
      return true;
    }
    this.#flags |= MUST_CANCEL;
    this.#rare().cancelMessage = message;
    return true;
  }
  makeCancelledError() {
    return this.#rareState?.cancelledError ?? super.makeCancelledError();
  }
  #onWakeup(future) {
    let value;
    try {
      value = future.result();
    } catch (error) {
      this.#step(true, error, void 0);
      return;
    }
    this.#step(false, void 0, value);
  }
  /** One step: resume the coroutine with `value`, or throw `error` into it; see what it yields. */
  #step(hasError, error, value) {
    if (this.done()) throw new InvalidStateError(`Task.step: already done: ${this.toString()}`);
    if ((this.#flags & MUST_CANCEL) !== 0) {
      if (!isCancelledError(error)) error = new CancelledError(this.#cancelMessage() ?? '');
      hasError = true;
      this.#flags &= ~MUST_CANCEL;
    }
    this.#waiter = null;
    const previous = current;
    current = this;
    try {
      if ((this.#flags & STARTED) === 0) {
        this.#flags |= STARTED;
        if (!this.#start(hasError, error)) return;
      }
      let result;
      try {
        const coro = this.#coro;
        result = hasError ? coro.throw(error) : coro.next(value);
      } catch (thrown) {
        this.#finishWithError(thrown);
        return;
      }
      if (result.done === true) {
        if ((this.#flags & MUST_CANCEL) !== 0) {
          this.#flags &= ~MUST_CANCEL;
          this.#finishCancelled(new CancelledError(this.#cancelMessage() ?? ''));
        } else {
          this.#finishWithResult(result.value);
        }
        return;
      }
      this.#handleYield(result.value);
    } finally {
      current = previous;
    }
  }
  /**
   * The first step: decide what the task drives. Returns true to go on driving a generator,
   * false if the task follows a promise or is finished already.
   */
  #start(hasError, error) {
    const source = this.#coro;
    if (isCoroutine(source)) return true;
    if (hasError) {
      this.#finishWithError(error);
      return false;
    }
    if (isThenable(source)) {
      this.#follow(source);
      return false;
    }
    const controller = isGeneratorFunction(source) ? null : new AbortController();
    let produced;
    try {
      produced = source((controller ?? NEVER_ABORTED).signal);
    } catch (thrown) {
      this.#finishWithError(thrown);
      return false;
    }
    if (isCoroutine(produced)) {
      this.#coro = produced;
      return true;
    }
    if (isThenable(produced)) {
      this.#rare().controller = controller ?? new AbortController();
      this.#follow(produced);
      return false;
    }
    this.#finishWithResult(produced);
    return false;
  }
  /** Follows a promise to the end: its outcome becomes the task's. */
  #follow(promise) {
    this.getLoop().keepAwakeUntil(promise);
    promise.then(
      (value) => {
        if (!this.done()) this.#finishWithResult(value);
      },
      (failure) => {
        if (this.done()) return;
        const signal = this.#rareState?.controller?.signal;
        const aborted =
          signal?.aborted === true && (failure === signal.reason || failure?.name === 'AbortError');
        if (aborted) this.#finishCancelled(signal.reason);
        else this.#finishWithError(failure);
      },
    );
  }
  /** Takes the task out of its loop's list of pending tasks. */
  #unlink() {
    const list = taskListOf(this.getLoop());
    if (this.#prev !== null) this.#prev.#next = this.#next;
    else if (list.head === this) list.head = this.#next;
    if (this.#next !== null) this.#next.#prev = this.#prev;
    this.#prev = this.#next = null;
  }
  /** @internal The pending tasks of `loop`. */
  static pendingOf(loop) {
    const tasks = /* @__PURE__ */ new Set();
    for (let task = tasksByLoop.get(loop)?.head ?? null; task !== null; task = task.#next)
      tasks.add(task);
    return tasks;
  }
  // The three ways a task ends; each also drops it from its loop's list of pending tasks.
  #finishWithResult(value) {
    this.#unlink();
    super.setResult(value);
  }
  #finishWithError(error) {
    if (isCancelledError(error)) {
      this.#finishCancelled(error);
      return;
    }
    this.#unlink();
    super.setException(error);
  }
  #finishCancelled(error) {
    this.#unlink();
    this.#rare().cancelledError = error;
    super.cancel(error.message || void 0);
  }
  /** asyncio's "what did the coroutine yield?" (Task.__step's else-branch, tornado's handle_yield). */
  #handleYield(yielded) {
    const loop = this.getLoop();
    if (yielded === void 0) {
      this.#scheduleStep(false, void 0);
      return;
    }
    let future;
    if (yielded instanceof Future) future = yielded;
    else if (yielded instanceof Relinquish) {
      this.#scheduleStep(false, yielded.value);
      return;
    } else if (isFuture(yielded)) future = yielded;
    else if (isRelinquish(yielded)) {
      this.#scheduleStep(false, yielded.value);
      return;
    } else if (Array.isArray(yielded)) future = gather(...yielded);
    else if (isThenable(yielded)) future = wrapPromise(yielded, loop);
    else {
      const hint = isCoroutine(yielded)
        ? 'a generator: delegate to it with yield* instead of yield'
        : `${formatValue3(yielded)}, which is not awaitable: yield a Future, a Task, a Promise or an array of them, or yield* a generator`;
      this.#throwSoon(
        new TypeError(`coroutine ${this.#describeCoro()} (task ${this.getName()}) yielded ${hint}`),
      );
      return;
    }
    if (future.getLoop() !== loop) {
      this.#throwSoon(
        new Error(
          `Task ${this.toString()} got Future ${future.toString()} attached to a different loop`,
        ),
      );
      return;
    }
    if (future === this) {
      this.#throwSoon(new Error(`Task cannot await on itself: ${this.toString()}`));
      return;
    }
    future.addWaiter(this);
    this.#waiter = future;
    if ((this.#flags & MUST_CANCEL) !== 0 && future.cancel(this.#cancelMessage()))
      this.#flags &= ~MUST_CANCEL;
  }
  #rare() {
    return (this.#rareState ??= {
      cancelsRequested: 0,
      cancelMessage: void 0,
      cancelledError: null,
      controller: void 0,
    });
  }
  #cancelMessage() {
    return this.#rareState?.cancelMessage;
  }
  #throwSoon(error) {
    this.#scheduleStep(true, error);
  }
  #describeCoro() {
    return `${coroutineName(this.#coro)}()`;
  }
  describe() {
    const parts = super.describe();
    parts.splice(1, 0, `name=${this.getName()}`);
    parts.push(`coro=${this.#describeCoro()}`);
    if (this.#waiter !== null) parts.push(`wait_for=${this.#waiter.toString()}`);
    return parts;
  }
  setResult() {
    throw new InvalidStateError(
      'Task does not support setResult(): its result comes from its coroutine',
    );
  }
  setException() {
    throw new InvalidStateError(
      'Task does not support setException(): its exception comes from its coroutine',
    );
  }
};
function allTasks(loop = getRunningLoopOrNull() ?? getEventLoop()) {
  return Task.pendingOf(loop);
}

// ../../packages/coroutine/src/run.ts
async function runWith(options, main, args) {
  if (getRunningLoopOrNull() !== null) {
    throw new Error(
      'run() cannot be called while an event loop is running: createTask() or await it instead',
    );
  }
  if (typeof main !== 'function' && !isCoroutine(main)) {
    throw new TypeError('run() expected a generator function, an async function or a generator');
  }
  const loop = new EventLoop({ mode: options.mode, debug: options.debug });
  setEventLoop(loop);
  try {
    const source = isCoroutine(main) ? main : () => main(...args);
    const task = new Task(source, { loop, name: 'main' });
    return await loop.runUntilComplete(task);
  } finally {
    try {
      await cancelAllTasks(loop);
    } finally {
      setEventLoop(null);
      loop.close();
    }
  }
}
async function cancelAllTasks(loop) {
  const left = [...allTasks(loop)];
  if (left.length === 0) return;
  for (const task of left) task.cancel();
  await loop.runUntilComplete(gather(left, { returnExceptions: true }));
  for (const task of left) {
    if (task.cancelled()) continue;
    const exception = task.exception();
    if (exception !== void 0) {
      loop.callExceptionHandler({
        message: 'unhandled exception during run() shutdown',
        exception,
        task,
      });
    }
  }
}
var run = Object.assign((main, ...args) => runWith({}, main, args), {
  /** `run` with loop options: `run.with({ mode: 'blocking' })(main, ...args)`. */
  with:
    (options) =>
    (main, ...args) =>
      runWith(options, main, args),
});

// ../../packages/coroutine/src/wait-for.ts
function waitFor(awaitable, ms) {
  const loop = getEventLoop();
  const inner = ensureFuture(awaitable, loop);
  if (ms === null) return inner;
  const outer = new Future(loop);
  let timedOut2 = false;
  const timer = loop.callLater(Math.max(0, ms), () => {
    timedOut2 = true;
    if (!inner.cancel()) settle(inner);
  });
  const settle = (done) => {
    timer.cancel();
    if (outer.done()) {
      if (!done.cancelled()) done.exception();
      return;
    }
    if (done.cancelled()) {
      if (timedOut2) outer.setException(new TimeoutError2(`waitFor() timed out after ${ms} ms`));
      else outer.cancel();
      return;
    }
    const exception = done.exception();
    if (exception !== void 0) outer.setException(exception);
    else outer.setResult(done.result());
  };
  inner.addDoneCallback(settle);
  outer.addDoneCallback((o) => {
    if (o.cancelled()) {
      timer.cancel();
      inner.cancel();
    }
  });
  return outer;
}

// src/strategies/async-await.ts
function cancelOn(signal, future) {
  if (signal.aborted) future.cancel();
  const cancel = () => void future.cancel();
  signal.addEventListener('abort', cancel);
  future.addDoneCallback(() => signal.removeEventListener('abort', cancel));
  return future;
}
async function fetch2(target, path, signal) {
  const { timeline } = target;
  const loop = getRunningLoop();
  const sock = new Socket();
  sock.setBlocking(false);
  try {
    await cancelOn(signal, sockConnect(loop, sock, target.address(path)));
    timeline.connected(path);
    await cancelOn(signal, sockSendall(loop, sock, request(target.host, path)));
    const chunks = [];
    let chunk = await cancelOn(signal, sockRecv(loop, sock, 4096));
    while (chunk.length > 0) {
      timeline.received(path, chunk.length);
      chunks.push(chunk);
      chunk = await cancelOn(signal, sockRecv(loop, sock, 4096));
    }
    return Buffer.concat(chunks);
  } finally {
    sock.close();
  }
}
async function worker(target, todo) {
  const { timeline } = target;
  for (let next = todo.next(); !next.done; next = todo.next()) {
    const path = next.value;
    timeline.begin(path);
    try {
      timeline.done(
        path,
        await waitFor((signal) => fetch2(target, path, signal), target.timeoutMs),
      );
    } catch (err) {
      if (isCancelledError(err)) throw err;
      timeline.failed(path, err);
    }
  }
}
async function asyncAwaitWay(target) {
  const todo = target.paths.values();
  const workers = Math.min(target.concurrency, target.paths.length);
  await run(async () => {
    await gather(...Array.from({ length: workers }, () => () => worker(target, todo)));
  });
}
var asyncAwaitStrategy = {
  name: 'async-await',
  section: '4.3',
  title: 'async/await: async fetch, run + gather',
  run: asyncAwaitWay,
  concurrency: (requested) => requested,
};

// src/strategies/asyncio.ts
function* fetch3(target, path) {
  const { timeline } = target;
  const loop = getRunningLoop();
  const sock = new Socket();
  sock.setBlocking(false);
  try {
    yield* sockConnect(loop, sock, target.address(path));
    timeline.connected(path);
    yield* sockSendall(loop, sock, request(target.host, path));
    const chunks = [];
    let chunk = yield* sockRecv(loop, sock, 4096);
    while (chunk.length > 0) {
      timeline.received(path, chunk.length);
      chunks.push(chunk);
      chunk = yield* sockRecv(loop, sock, 4096);
    }
    return Buffer.concat(chunks);
  } finally {
    sock.close();
  }
}
function* worker2(target, todo) {
  const { timeline } = target;
  for (let next = todo.next(); !next.done; next = todo.next()) {
    const path = next.value;
    timeline.begin(path);
    try {
      timeline.done(path, yield* waitFor(fetch3(target, path), target.timeoutMs));
    } catch (err) {
      if (isCancelledError(err)) throw err;
      timeline.failed(path, err);
    }
  }
}
async function asyncioWay(target) {
  const todo = target.paths.values();
  const workers = Math.min(target.concurrency, target.paths.length);
  await run(function* main() {
    yield* gather(...Array.from({ length: workers }, () => worker2(target, todo)));
  });
}
var asyncioStrategy = {
  name: 'asyncio',
  section: '4.3',
  title: 'asyncio: generator coroutines, run + gather, sock_connect/sock_recv',
  run: asyncioWay,
  concurrency: (requested) => requested,
};

// src/strategies/callbacks.ts
function callbackWay(target) {
  const { timeline } = target;
  const selector = new DefaultSelector();
  const urlsTodo = target.paths;
  let next = 0;
  const crawlers = /* @__PURE__ */ new Set();
  class Crawler {
    constructor(url) {
      this.url = url;
    }
    url;
    sock = new Socket();
    response = [];
    deadline = performance.now() + target.timeoutMs;
    fetch() {
      timeline.begin(this.url);
      try {
        this.sock.setBlocking(false);
        try {
          this.sock.connect(target.address(this.url));
        } catch (err) {
          if (!(err instanceof BlockingIOError)) throw err;
        }
        selector.register(this.sock.fileno(), EVENT_WRITE, this.connected);
      } catch (err) {
        this.fail(err);
      }
    }
    connected = (key) => {
      selector.unregister(key.fd);
      try {
        this.sock.send(request(target.host, this.url));
      } catch (err) {
        this.fail(err);
        return;
      }
      timeline.connected(this.url);
      selector.register(key.fd, EVENT_READ, this.readResponse);
    };
    readResponse = () => {
      let chunk;
      try {
        chunk = this.sock.recv(4096);
      } catch (err) {
        this.fail(err);
        return;
      }
      if (chunk.length > 0) {
        timeline.received(this.url, chunk.length);
        this.response.push(chunk);
        return;
      }
      timeline.done(this.url, Buffer.concat(this.response));
      this.end();
    };
    fail(err) {
      timeline.failed(this.url, err);
      this.end();
    }
    end() {
      const fd = this.sock.fileno();
      if (fd >= 0 && selector.getMap().has(fd)) selector.unregister(fd);
      this.sock.close();
      crawlers.delete(this);
      startCrawlers();
    }
  }
  function startCrawlers() {
    while (crawlers.size < target.concurrency && next < urlsTodo.length) {
      const crawler = new Crawler(urlsTodo[next++]);
      crawlers.add(crawler);
      crawler.fetch();
    }
  }
  function loop() {
    while (crawlers.size > 0) {
      const first = crawlers.values().next().value;
      const events = selector.select(Math.max(0, first.deadline - performance.now()));
      for (const [eventKey, eventMask] of events) {
        const callback = eventKey.data;
        callback(eventKey, eventMask);
      }
      for (const crawler of crawlers) {
        if (crawler.deadline > performance.now()) break;
        crawler.fail(new PageTimeoutError(crawler.url, target.timeoutMs));
      }
    }
  }
  try {
    startCrawlers();
    loop();
  } finally {
    selector.close();
    for (const crawler of crawlers) crawler.sock.close();
  }
}
var callbacks = {
  name: 'callbacks',
  section: '3.5',
  title: 'non-blocking sockets + epoll + callbacks + event loop',
  run: callbackWay,
  concurrency: (requested) => requested,
};

// src/strategies/generators.ts
var Future2 = class {
  result = void 0;
  callbacks = [];
  addDoneCallback(fn2) {
    this.callbacks.push(fn2);
  }
  setResult(result) {
    this.result = result;
    for (const fn2 of this.callbacks) fn2(this);
  }
};
var Task2 = class {
  constructor(coro) {
    this.coro = coro;
    const f = new Future2();
    f.setResult(void 0);
    this.step(f);
  }
  coro;
  step = (future) => {
    const next = this.coro.next(future.result);
    if (next.done) return;
    const nextFuture = next.value;
    nextFuture.addDoneCallback(this.step);
  };
};
function generatorWay(target) {
  const { timeline } = target;
  const selector = new DefaultSelector();
  const urlsTodo = target.paths;
  let next = 0;
  const crawlers = /* @__PURE__ */ new Set();
  let stopping = false;
  class Crawler {
    constructor(url) {
      this.url = url;
    }
    url;
    response = [];
    task;
    deadline = performance.now() + target.timeoutMs;
    *fetch() {
      timeline.begin(this.url);
      const sock = new Socket();
      try {
        sock.setBlocking(false);
        try {
          sock.connect(target.address(this.url));
        } catch (err) {
          if (!(err instanceof BlockingIOError)) throw err;
        }
        const f = new Future2();
        const onConnected = () => {
          f.setResult(void 0);
        };
        selector.register(sock.fileno(), EVENT_WRITE, onConnected);
        yield f;
        selector.unregister(sock.fileno());
        sock.send(request(target.host, this.url));
        timeline.connected(this.url);
        while (true) {
          const f2 = new Future2();
          const onReadable = () => {
            f2.setResult(void 0);
          };
          selector.register(sock.fileno(), EVENT_READ, onReadable);
          yield f2;
          selector.unregister(sock.fileno());
          const chunk = sock.recv(4096);
          if (chunk.length > 0) {
            timeline.received(this.url, chunk.length);
            this.response.push(chunk);
          } else {
            timeline.done(this.url, Buffer.concat(this.response));
            break;
          }
        }
      } catch (err) {
        timeline.failed(this.url, err);
      } finally {
        if (selector.getMap().has(sock.fileno())) selector.unregister(sock.fileno());
        sock.close();
        crawlers.delete(this);
        startCrawlers();
      }
    }
  }
  function startCrawlers() {
    while (!stopping && crawlers.size < target.concurrency && next < urlsTodo.length) {
      const crawler = new Crawler(urlsTodo[next++]);
      crawlers.add(crawler);
      crawler.task = new Task2(crawler.fetch());
    }
  }
  function loop() {
    while (crawlers.size > 0) {
      const first = crawlers.values().next().value;
      const events = selector.select(Math.max(0, first.deadline - performance.now()));
      for (const [eventKey] of events) {
        const callback = eventKey.data;
        callback();
      }
      for (const crawler of crawlers) {
        if (crawler.deadline > performance.now()) break;
        crawler.task.coro.throw(new PageTimeoutError(crawler.url, target.timeoutMs));
      }
    }
  }
  try {
    startCrawlers();
    loop();
  } finally {
    stopping = true;
    selector.close();
    for (const crawler of crawlers) crawler.task?.coro.return();
  }
}
var generatorStrategy = {
  name: 'generators',
  section: '4.1',
  title: 'generator coroutines + Future + Task on the selector',
  run: generatorWay,
  concurrency: (requested) => requested,
};

// src/strategies/node-fetch.ts
import { STATUS_CODES } from 'node:http';
async function fetchPage(url, timeoutMs) {
  let response;
  let body;
  try {
    response = await fetch(url, {
      headers: { connection: 'close' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    body = await response.arrayBuffer();
  } catch (error) {
    const cause = error.cause?.message;
    throw new Error(`GET ${url} failed: ${cause ?? String(error)}`, { cause: error });
  }
  return rawResponse(response, Buffer.from(body));
}
async function worker3(target, todo) {
  const { timeline } = target;
  for (let next = todo.next(); !next.done; next = todo.next()) {
    const path = next.value;
    timeline.begin(path);
    try {
      timeline.done(path, await fetchPage(target.url(path), target.timeoutMs));
    } catch (err) {
      timeline.failed(path, err);
    }
  }
}
async function nodeFetchWay(target) {
  const todo = target.paths.values();
  const workers = Math.min(target.concurrency, target.paths.length);
  await Promise.all(Array.from({ length: workers }, () => worker3(target, todo)));
}
function rawResponse(response, body) {
  const reason = response.statusText || STATUS_CODES[response.status] || '';
  let head = `HTTP/1.1 ${response.status} ${reason}\r
`;
  for (const [name2, value] of response.headers)
    head += `${name2}: ${value}\r
`;
  return Buffer.concat([
    Buffer.from(
      `${head}\r
`,
      'latin1',
    ),
    body,
  ]);
}
var nodeFetchStrategy = {
  name: 'node-fetch',
  section: '\u2014',
  title: "Node's own fetch (undici), workers with Promise.all",
  run: nodeFetchWay,
  concurrency: (requested) => requested,
  https: true,
};

// src/strategies/nonblocking.ts
function nonblockingWay(target, path) {
  const { timeline } = target;
  timeline.begin(path);
  const deadline = performance.now() + target.timeoutMs;
  const retry = (err) => {
    if (!(err instanceof BlockingIOError)) throw err;
    if (performance.now() > deadline) throw new PageTimeoutError(path, target.timeoutMs);
  };
  const sock = new Socket();
  try {
    sock.setBlocking(false);
    try {
      sock.connect(target.address(path));
    } catch (err) {
      if (!(err instanceof BlockingIOError)) throw err;
    }
    const data = request(target.host, path);
    let sent = 0;
    while (sent < data.length) {
      try {
        sent += sock.send(data.subarray(sent));
      } catch (err) {
        retry(err);
      }
    }
    timeline.connected(path);
    const chunks = [];
    for (;;) {
      try {
        let chunk = sock.recv(4096);
        while (chunk.length > 0) {
          timeline.received(path, chunk.length);
          chunks.push(chunk);
          chunk = sock.recv(4096);
        }
        break;
      } catch (err) {
        retry(err);
      }
    }
    const response = Buffer.concat(chunks);
    timeline.done(path, response);
    return response;
  } catch (err) {
    timeline.failed(path, err);
    throw err;
  } finally {
    sock.close();
  }
}
function nonblockingSyncWay(target) {
  for (const path of target.paths) {
    try {
      nonblockingWay(target, path);
    } catch {}
  }
}
var nonblocking = {
  name: 'nonblocking',
  section: '3.4',
  title: 'non-blocking sockets, busy polling, one page after another',
  run: nonblockingSyncWay,
  concurrency: () => 1,
  refuse: refuseSequential,
};

// src/strategies/processes.ts
import { spawn } from 'node:child_process';

// src/strategies/pool.ts
import { createRequire as createRequire2 } from 'node:module';
import { fileURLToPath as fileURLToPath2 } from 'node:url';
var MEMBER_EXEC_ARGV = [
  '--conditions=@aio/source',
  '--require',
  createRequire2(import.meta.url).resolve('tsx/cjs'),
];
var MEMBER_SCRIPT = `require(${JSON.stringify(fileURLToPath2(import.meta.url))}).serve();`;
function ask(member, send, job, who) {
  return new Promise((resolve, reject) => {
    const settle = () => {
      member.off('message', onMessage).off('exit', onExit).off('error', onError);
    };
    const onMessage = (reply) => {
      settle();
      resolve(reply);
    };
    const onExit = (code, signal) => {
      settle();
      reject(new Error(`the ${who} fetching ${job.path} exited (${signal ?? code})`));
    };
    const onError = (err) => {
      settle();
      reject(err);
    };
    member.once('message', onMessage).once('exit', onExit).once('error', onError);
    send(job);
  });
}
async function fetchAll(members, target) {
  const { timeline } = target;
  const todo = target.paths.values();
  await Promise.all(
    members.map(async (member) => {
      for (let next = todo.next(); !next.done; next = todo.next()) {
        const path = next.value;
        const job = {
          host: target.host,
          address: target.address(path),
          timeoutMs: target.timeoutMs,
          path,
        };
        try {
          const { record, response } = await member.fetch(job);
          timeline.add(
            record,
            response && Buffer.from(response.buffer, response.byteOffset, response.byteLength),
          );
        } catch (err) {
          timeline.begin(path);
          timeline.failed(path, err);
          return;
        }
      }
    }),
  );
}

// src/strategies/processes.ts
var ChildMember = class {
  /** The child's CPU time as of its last reply, in ms. */
  cpuMs = 0;
  /** The child's peak resident memory as of its last reply, in KiB. */
  maxRssKiB = 0;
  #child;
  #exited;
  constructor() {
    this.#child = spawn(process.execPath, [...MEMBER_EXEC_ARGV, '--eval', MEMBER_SCRIPT], {
      // stdin, stdout, stderr, and the IPC channel; 'advanced' sends the bytes as they are.
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.#exited = new Promise((resolve) => {
      this.#child.once('exit', () => resolve());
      this.#child.once('error', () => this.#child.pid === void 0 && resolve());
    });
  }
  async fetch(job) {
    const reply = await ask(this.#child, (j) => this.#child.send(j), job, 'child process');
    this.cpuMs = Math.max(this.cpuMs, reply.cpuMs ?? 0);
    this.maxRssKiB = Math.max(this.maxRssKiB, reply.maxRssKiB ?? 0);
    return reply;
  }
  async end() {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill();
    await this.#exited;
  }
};
async function processWay(target) {
  const size = Math.min(target.concurrency, target.paths.length);
  const pool = Array.from({ length: size }, () => new ChildMember());
  try {
    await fetchAll(pool, target);
    return {
      extraCpuMs: pool.reduce((sum, child) => sum + child.cpuMs, 0),
      extraMaxRssKiB: pool.reduce((sum, child) => sum + child.maxRssKiB, 0),
    };
  } finally {
    await Promise.all(pool.map((child) => child.end()));
  }
}
var processes = {
  name: 'processes',
  section: '3.2',
  title: 'a pool of processes, each with blocking sockets',
  run: processWay,
  concurrency: (requested, pages2) => Math.min(requested, pages2),
  refuse: (plan) => refusePool(plan, 'child processes'),
};

// src/strategies/threads.ts
import { Worker } from 'node:worker_threads';
var ThreadMember = class {
  #worker = new Worker(MEMBER_SCRIPT, { eval: true, execArgv: [...MEMBER_EXEC_ARGV] });
  fetch(job) {
    return ask(this.#worker, (j) => this.#worker.postMessage(j), job, 'worker thread');
  }
  async end() {
    await this.#worker.terminate();
  }
};
async function threadWay(target) {
  const size = Math.min(target.concurrency, target.paths.length);
  const pool = Array.from({ length: size }, () => new ThreadMember());
  try {
    await fetchAll(pool, target);
  } finally {
    await Promise.all(pool.map((thread) => thread.end()));
  }
}
var threads = {
  name: 'threads',
  section: '3.3',
  title: 'a pool of worker threads, each with blocking sockets',
  run: threadWay,
  concurrency: (requested, pages2) => Math.min(requested, pages2),
  refuse: (plan) => refusePool(plan, 'worker threads'),
};

// ../../packages/tornado/src/gen.ts
import { inspect as inspect13 } from 'node:util';

// ../../packages/tornado/src/concurrent/futures.ts
function futureAddDoneCallback(future, callback) {
  if (future.done()) callback(future);
  else future.addDoneCallback(callback);
}
function futureSetResultUnlessCancelled(future, value) {
  if (!future.cancelled()) future.setResult(value);
}
function chainFuture2(a, b) {
  futureAddDoneCallback(a, (done) => {
    if (b.done()) return;
    if (done.cancelled()) {
      b.cancel();
      return;
    }
    const exception = done.exception();
    if (exception !== void 0) b.setException(exception);
    else b.setResult(done.result());
  });
}

// ../../packages/tornado/src/gen/convert.ts
import { inspect as inspect10 } from 'node:util';

// ../../packages/tornado/src/log/formatter.ts
import { basename, extname } from 'node:path';
import { fileURLToPath as fileURLToPath3 } from 'node:url';
import { inspect as inspect8 } from 'node:util';

// ../../packages/tornado/src/log/errors.ts
import { inspect as inspect7 } from 'node:util';
function shown(value) {
  return typeof value === 'string' ? JSON.stringify(value) : inspect7(value, { depth: 1 });
}
function optionTypeError(where, option, expected, value) {
  return Object.assign(
    new TypeError(`${where}: ${option} must be ${expected}, got ${shown(value)}`),
    { code: 'ERR_INVALID_ARG_TYPE' },
  );
}
function optionValueError(where, option, expected, value) {
  return Object.assign(
    new RangeError(`${where}: ${option} must be ${expected}, got ${shown(value)}`),
    { code: 'ERR_INVALID_ARG_VALUE' },
  );
}
function checkInteger(where, option, value, min) {
  if (typeof value !== 'number') throw optionTypeError(where, option, 'a number', value);
  if (!Number.isInteger(value) || value < min) {
    throw optionValueError(where, option, `an integer >= ${min}`, value);
  }
  return value;
}

// ../../packages/tornado/src/log/levels.ts
var LEVEL_VALUES = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
};
var PYTHON_NAMES = /* @__PURE__ */ new Map([
  [10, 'TRACE'],
  [20, 'DEBUG'],
  [30, 'INFO'],
  [40, 'WARNING'],
  [50, 'ERROR'],
  [60, 'CRITICAL'],
]);
function levelName(level) {
  return PYTHON_NAMES.get(level) ?? `Level ${level}`;
}

// ../../packages/tornado/src/log/strftime.ts
var DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
var MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
var pad = (n, width = 2) => String(n).padStart(width, '0');
var DIRECTIVES = {
  Y: (f) => String(f.year),
  y: (f) => pad(f.year % 100),
  m: (f) => pad(f.month + 1),
  d: (f) => pad(f.day),
  H: (f) => pad(f.hours),
  I: (f) => pad(f.hours % 12 === 0 ? 12 : f.hours % 12),
  M: (f) => pad(f.minutes),
  S: (f) => pad(f.seconds),
  f: (f) => pad(f.ms * 1e3, 6),
  p: (f) => (f.hours < 12 ? 'AM' : 'PM'),
  a: (f) => DAYS[f.weekday].slice(0, 3),
  A: (f) => DAYS[f.weekday],
  b: (f) => MONTHS[f.month].slice(0, 3),
  B: (f) => MONTHS[f.month],
  j: (f) => {
    const start = Date.UTC(f.year, 0, 1);
    return pad(Math.floor((Date.UTC(f.year, f.month, f.day) - start) / 864e5) + 1, 3);
  },
  z: (f) => {
    const sign = f.offsetMinutes >= 0 ? '+' : '-';
    const abs = Math.abs(f.offsetMinutes);
    return `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
  },
  '%': () => '%',
};
function compileDateFormat(format, option, utc = false, where = 'LogFormatter()') {
  const parts = [];
  let literal = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i];
    if (ch !== '%') {
      literal += ch;
      continue;
    }
    const directive = DIRECTIVES[format[i + 1] ?? ''];
    if (directive === void 0) {
      throw optionValueError(
        where,
        option,
        `a strftime format using %Y %y %m %d %H %I %M %S %f %p %a %A %b %B %j %z %% (bad directive at ${i})`,
        format,
      );
    }
    if (literal !== '') parts.push(literal);
    literal = '';
    parts.push(directive);
    i++;
  }
  if (literal !== '') parts.push(literal);
  return (time) => {
    const date = new Date(time);
    const fields = utc
      ? {
          year: date.getUTCFullYear(),
          month: date.getUTCMonth(),
          day: date.getUTCDate(),
          hours: date.getUTCHours(),
          minutes: date.getUTCMinutes(),
          seconds: date.getUTCSeconds(),
          ms: date.getUTCMilliseconds(),
          weekday: date.getUTCDay(),
          offsetMinutes: 0,
        }
      : {
          year: date.getFullYear(),
          month: date.getMonth(),
          day: date.getDate(),
          hours: date.getHours(),
          minutes: date.getMinutes(),
          seconds: date.getSeconds(),
          ms: date.getMilliseconds(),
          weekday: date.getDay(),
          offsetMinutes: -date.getTimezoneOffset(),
        };
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : part(fields);
    return out;
  };
}

// ../../packages/tornado/src/log/formatter.ts
var PLACEHOLDER = /%(?:\((\w+)\)([-0 +#]*)(\d+)?(?:\.(\d+))?([sdirf])|%)/y;
var LogFormatter = class _LogFormatter {
  /** tornado's layout, with aio's `%(where)s` standing for `%(module)s:%(lineno)d`. */
  static DEFAULT_FORMAT =
    '%(color)s[%(levelname)1.1s %(asctime)s %(where)s]%(end_color)s %(message)s';
  /** `251126 12:00:00`: two-digit year, month, day, then the time. */
  static DEFAULT_DATE_FORMAT = '%y%m%d %H:%M:%S';
  /** tornado's colours: debug blue, info green, warning yellow, error red, critical magenta. */
  static DEFAULT_COLORS = Object.freeze({
    20: 4,
    30: 2,
    40: 3,
    50: 1,
    60: 5,
  });
  /** Whether this formatter colours its lines (decided once, when it is made). */
  colored;
  #parts;
  #formatDate;
  #colors = /* @__PURE__ */ new Map();
  #normal;
  constructor(options = {}) {
    const {
      format = _LogFormatter.DEFAULT_FORMAT,
      dateFormat = _LogFormatter.DEFAULT_DATE_FORMAT,
      color = 'auto',
      stream = process.stderr,
      colors = _LogFormatter.DEFAULT_COLORS,
      utc = false,
    } = options;
    if (typeof format !== 'string') {
      throw optionTypeError('LogFormatter()', 'format', 'a string', format);
    }
    if (typeof dateFormat !== 'string') {
      throw optionTypeError('LogFormatter()', 'dateFormat', 'a string', dateFormat);
    }
    if (color !== true && color !== false && color !== 'auto') {
      throw optionValueError('LogFormatter()', 'color', "true, false or 'auto'", color);
    }
    this.#parts = compileFormat(format);
    this.#formatDate = compileDateFormat(dateFormat, 'dateFormat', utc);
    this.colored = color === 'auto' ? supportsColor(stream) : color;
    if (this.colored) {
      for (const [level, code] of Object.entries(colors)) {
        this.#colors.set(Number(level), `\x1B[3${code}m`);
      }
      this.#normal = '\x1B[0m';
    } else {
      this.#normal = '';
    }
  }
  /** The record as one string, without a trailing newline. */
  format(record) {
    let formatted;
    try {
      formatted = '';
      for (const part of this.#parts) {
        formatted += typeof part === 'string' ? part : part(record, this);
      }
    } catch (error) {
      formatted = `Bad message (${inspect8(error)}): ${inspect8(record)}`;
    }
    if (record.err !== void 0) {
      formatted = `${formatted.trimEnd()}
${errorText(record.err)}`;
    }
    return formatted.replaceAll('\n', '\n    ');
  }
  /** `%(asctime)s` of a time in ms since the epoch. */
  formatTime(time) {
    return this.#formatDate(time);
  }
  /** @internal `%(color)s` of a level. */
  colorOf(level) {
    return this.#colors.get(level) ?? '';
  }
  /** @internal `%(end_color)s` of a level. */
  endColorOf(level) {
    return this.#colors.has(level) ? this.#normal : '';
  }
  get [Symbol.toStringTag]() {
    return 'LogFormatter';
  }
};
function supportsColor(stream) {
  if (stream.isTTY !== true) return false;
  return typeof stream.hasColors === 'function' ? stream.hasColors() : true;
}
function errorText(err) {
  if (!(err instanceof Error)) return inspect8(err);
  let text = err.stack ?? `${err.name}: ${err.message}`;
  const seen = /* @__PURE__ */ new Set([err]);
  let cause = err.cause;
  while (cause !== void 0 && !seen.has(cause)) {
    seen.add(cause);
    text += `
Caused by: ${cause instanceof Error ? (cause.stack ?? String(cause)) : inspect8(cause)}`;
    cause = cause instanceof Error ? cause.cause : void 0;
  }
  return text;
}
function pathOf(file) {
  return file.startsWith('file:') ? fileURLToPath3(file) : file;
}
function attribute(record, key, self) {
  switch (key) {
    case 'name':
      return record.name;
    case 'levelno':
      return record.level;
    case 'levelname':
      return levelName(record.level);
    case 'message':
      return record.message;
    case 'asctime':
      return self.formatTime(record.time);
    case 'created':
      return record.time / 1e3;
    case 'msecs':
      return record.time % 1e3;
    case 'pathname':
      return record.file === void 0 ? record.name : pathOf(record.file);
    case 'filename':
      return record.file === void 0 ? record.name : basename(pathOf(record.file));
    case 'module': {
      if (record.file === void 0) return record.name;
      const file = basename(pathOf(record.file));
      return file.slice(0, file.length - extname(file).length);
    }
    case 'lineno':
      return record.line ?? 0;
    case 'where':
      return record.file === void 0
        ? record.name
        : `${String(attribute(record, 'module', self))}:${record.line ?? 0}`;
    case 'color':
      return self.colorOf(record.level);
    case 'end_color':
      return self.endColorOf(record.level);
    case 'process':
      return process.pid;
    default:
      return record.fields?.[key] ?? '';
  }
}
function compileFormat(format) {
  const parts = [];
  let literal = '';
  for (let i = 0; i < format.length;) {
    const percent = format.indexOf('%', i);
    if (percent < 0) {
      literal += format.slice(i);
      break;
    }
    literal += format.slice(i, percent);
    PLACEHOLDER.lastIndex = percent;
    const match = PLACEHOLDER.exec(format);
    if (match === null) {
      throw optionValueError(
        'LogFormatter()',
        'format',
        `a %-style format of %(name)s placeholders (bad placeholder at ${percent})`,
        format,
      );
    }
    i = PLACEHOLDER.lastIndex;
    const [, key, flags = '', width, precision, conversion] = match;
    if (key === void 0) {
      literal += '%';
      continue;
    }
    if (literal !== '') parts.push(literal);
    literal = '';
    parts.push(converter(key, flags, width, precision, conversion));
  }
  if (literal !== '') parts.push(literal);
  return parts;
}
function converter(key, flags, width, precision, conversion) {
  const minWidth = width === void 0 ? 0 : Number(width);
  const left = flags.includes('-');
  const zero = flags.includes('0') && !left;
  const digits = precision === void 0 ? void 0 : Number(precision);
  return (record, self) => {
    const value = attribute(record, key, self);
    let text;
    switch (conversion) {
      case 'd':
      case 'i':
        text = String(Math.trunc(Number(value)));
        break;
      case 'f':
        text = Number(value).toFixed(digits ?? 6);
        break;
      case 'r':
        text = inspect8(value);
        break;
      default:
        text = typeof value === 'string' ? value : stringOf(value);
        if (digits !== void 0) text = text.slice(0, digits);
    }
    if (text.length >= minWidth) return text;
    if (left) return text.padEnd(minWidth);
    return zero && conversion !== 's' ? text.padStart(minWidth, '0') : text.padStart(minWidth);
  };
}
function stringOf(value) {
  return typeof value === 'object' && value !== null ? inspect8(value) : String(value);
}

// ../../packages/tornado/src/log/handlers.ts
var StreamHandler = class {
  /** pino level number below which records are skipped. */
  level;
  /** Makes each record's line. */
  formatter;
  /** Where the lines go; not closed by `close()`. */
  stream;
  #closed = false;
  constructor(options = {}) {
    this.stream = options.stream ?? process.stderr;
    if (typeof this.stream.write !== 'function') {
      throw optionTypeError('StreamHandler()', 'stream', 'a writable stream', this.stream);
    }
    this.formatter = options.formatter ?? new LogFormatter({ stream: this.stream });
    this.level = checkInteger('StreamHandler()', 'level', options.level ?? 0, 0);
  }
  /** Writes the record's line to the stream, unless the handler is closed. */
  handle(record) {
    if (this.#closed) return;
    this.stream.write(`${this.formatter.format(record)}
`);
  }
  /** Stops writing; the stream stays open. */
  close() {
    this.#closed = true;
  }
  get [Symbol.toStringTag]() {
    return 'StreamHandler';
  }
};

// ../../packages/tornado/src/log/loggers.ts
import { pino } from 'pino';
import { inspect as inspect9 } from 'node:util';
var METADATA = /* @__PURE__ */ Symbol.for('pino.metadata');
var ROOT_NAME = 'root';
var handlersByName = /* @__PURE__ */ new Map();
var chains = /* @__PURE__ */ new Map();
var names2 = /* @__PURE__ */ new WeakMap();
var lastResort = {
  level: LEVEL_VALUES.warn,
  handle(record) {
    lastResortHandler ??= new StreamHandler({
      formatter: new LogFormatter({ format: '%(message)s', color: false }),
    });
    lastResortHandler.handle(record);
  },
  close() {},
};
var lastResortHandler;
var captureCaller = false;
var pendingCaller;
function findCaller() {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 16;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  let ownFile;
  for (const frame of stack.split('\n').slice(1)) {
    const match = /^\s*at (?:.*? \()?(.+?):(\d+):\d+\)?$/.exec(frame);
    if (match === null) continue;
    const file = match[1];
    ownFile ??= file;
    if (file === ownFile || /[\\/]pino[\\/](lib[\\/]|pino\.js)/.test(file)) continue;
    return { file, line: Number(match[2]) };
  }
  return void 0;
}
var Router = class {
  [METADATA] = true;
  lastLevel = 0;
  lastMsg;
  lastObj = {};
  lastTime = '';
  lastLogger;
  write(_json) {
    const caller = pendingCaller;
    pendingCaller = void 0;
    const name2 = this.lastLogger === void 0 ? ROOT_NAME : nameOf(this.lastLogger);
    const { err, ...fields } = this.lastObj;
    const time = Number(this.lastTime);
    const record = {
      name: name2,
      level: this.lastLevel,
      message: messageOf(this.lastMsg),
      time: Number.isFinite(time) ? time : Date.now(),
      err,
      file: caller?.file,
      line: caller?.line,
      fields,
    };
    let handled = false;
    for (const key of chainOf(name2 === ROOT_NAME ? '' : name2)) {
      for (const handler of handlersByName.get(key) ?? []) {
        handled = true;
        if (record.level >= handler.level) emit(handler, record);
      }
    }
    if (!handled && record.level >= lastResort.level) emit(lastResort, record);
  }
};
function messageOf(msg) {
  if (typeof msg === 'string') return msg;
  return msg === void 0 || msg === null ? '' : inspect9(msg);
}
function emit(handler, record) {
  try {
    handler.handle(record);
  } catch (error) {
    try {
      process.stderr.write(
        `--- Logging error ---
${inspect9(error)}
while logging ${inspect9(record)}
`,
      );
    } catch {}
  }
}
function chainOf(name2) {
  let chain = chains.get(name2);
  if (chain === void 0) {
    chain = [];
    for (let at = name2; at !== ''; at = at.includes('.') ? at.slice(0, at.lastIndexOf('.')) : '') {
      chain.push(at);
    }
    chain.push('');
    chains.set(name2, chain);
  }
  return chain;
}
function nameOf(logger) {
  let name2 = names2.get(logger);
  if (name2 === void 0) {
    const bound = logger.bindings().name;
    name2 = typeof bound === 'string' && bound !== '' ? bound : ROOT_NAME;
    names2.set(logger, name2);
  }
  return name2;
}
var root = pino(
  {
    level: 'warn',
    // Python's root logger starts at WARNING
    base: null,
    mixin: () => {
      if (captureCaller) pendingCaller = findCaller();
      return NO_FIELDS;
    },
    // The user's object wins and the mixin adds nothing, so nothing needs copying.
    mixinMergeStrategy: (mergeObject) => mergeObject,
  },
  new Router(),
);
var NO_FIELDS = Object.freeze({});
names2.set(root, ROOT_NAME);
var registry = /* @__PURE__ */ new Map();
function getLogger(name2 = '') {
  if (typeof name2 !== 'string') throw optionTypeError('getLogger()', 'name', 'a string', name2);
  if (name2 === '' || name2 === ROOT_NAME) return root;
  let entry = registry.get(name2);
  if (entry === void 0) {
    const logger = root.child({ name: name2 });
    names2.set(logger, name2);
    const level = effectiveLevel(name2);
    logger.level = level;
    entry = { logger, assigned: level };
    registry.set(name2, entry);
  }
  return entry.logger;
}
function effectiveLevel(name2) {
  for (const ancestor of chainOf(name2).slice(1)) {
    if (ancestor === '') break;
    const entry = registry.get(ancestor);
    if (entry !== void 0 && entry.logger.level !== entry.assigned) return entry.logger.level;
  }
  return root.level;
}
var accessLog = getLogger('tornado.access');
var appLog = getLogger('tornado.application');
var genLog = getLogger('tornado.general');

// ../../packages/tornado/src/gen/convert.ts
var BadYieldError = class extends Error {
  name = 'BadYieldError';
  code = 'ERR_AIO_BAD_YIELD';
};
var moment = Object.freeze({
  [Symbol.toStringTag]: 'moment',
  toString: () => 'gen.moment',
  [inspect10.custom]: () => 'gen.moment',
});
function convertYielded(yielded) {
  if (yielded instanceof Future) return yielded;
  if (yielded === null || yielded === void 0 || yielded === moment) return moment;
  if (isFuture(yielded)) return yielded;
  if (Array.isArray(yielded) || isPlainObject(yielded)) return multiFuture(yielded);
  if (isCoroutine(yielded) || isThenable2(yielded)) return ensureFuture(yielded);
  throw new BadYieldError(`yielded unknown object ${describe2(yielded)}`);
}
function multiFuture(children, options = {}) {
  const quiet = options.quietExceptions ?? [];
  const keys = Array.isArray(children) ? null : Object.keys(children);
  const values = keys === null ? [...children] : Object.values(children);
  const futures = values.map((child) => {
    const future2 = convertYielded(child);
    return future2 === moment ? momentFuture() : future2;
  });
  const future = new Future(futures[0]?.getLoop() ?? getEventLoop());
  let unfinished = new Set(futures).size;
  const finish2 = () => {
    const results = [];
    for (const child of futures) {
      let value;
      try {
        value = child.result();
      } catch (error) {
        if (!future.done()) future.setException(error);
        else if (!quiet.some((type) => error instanceof type))
          appLog.error(error, 'Multiple exceptions in yield list');
        continue;
      }
      results.push(value);
    }
    if (future.done()) return;
    const result =
      keys === null ? results : Object.fromEntries(keys.map((key, i) => [key, results[i]]));
    futureSetResultUnlessCancelled(future, result);
  };
  if (unfinished === 0) finish2();
  const listening = /* @__PURE__ */ new Set();
  for (const child of futures) {
    if (listening.has(child)) continue;
    listening.add(child);
    futureAddDoneCallback(child, () => {
      if (--unfinished === 0) finish2();
    });
  }
  return future;
}
function momentFuture() {
  const loop = getEventLoop();
  const future = new Future(loop);
  loop.callSoon(() => futureSetResultUnlessCancelled(future, void 0));
  return future;
}
function isPlainObject(value) {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
function isThenable2(value) {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof value.then === 'function'
  );
}
function describe2(value) {
  return inspect10(value, { depth: 1, breakLength: Infinity }).slice(0, 200);
}

// ../../packages/tornado/src/ioloop.ts
import { closeSync } from 'node:fs';
import { inspect as inspect12 } from 'node:util';

// ../../packages/tornado/src/concurrent/thread-pool.ts
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';

// ../../packages/tornado/src/concurrent/errors.ts
var ExecutorError = class extends Error {};
var ExecutorShutdownError = class extends ExecutorError {
  name = 'ExecutorShutdownError';
  code = 'ERR_AIO_EXECUTOR_SHUTDOWN';
};
var InvalidWorkerFunctionError = class extends ExecutorError {
  name = 'InvalidWorkerFunctionError';
  code = 'ERR_AIO_INVALID_WORKER_FUNCTION';
};
var WorkerCrashedError = class extends ExecutorError {
  name = 'WorkerCrashedError';
  code = 'ERR_AIO_WORKER_CRASHED';
  /** The worker's exit code, if it exited with one. */
  exitCode;
  /** The signal that killed the child process, if one did. */
  signal;
  constructor(message, options = {}) {
    super(message, options.cause === void 0 ? void 0 : { cause: options.cause });
    this.exitCode = options.exitCode ?? null;
    this.signal = options.signal ?? null;
  }
};
var BUILTIN_ERRORS = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};
function rebuildError(serialized) {
  const Class = BUILTIN_ERRORS[serialized.name] ?? Error;
  const error = new Class(serialized.message);
  Object.assign(error, serialized.props);
  if (error.name !== serialized.name) {
    Object.defineProperty(error, 'name', {
      value: serialized.name,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  if (serialized.stack !== void 0) error.stack = serialized.stack;
  if (serialized.cause !== void 0) {
    error.cause =
      'value' in serialized.cause ? serialized.cause.value : rebuildError(serialized.cause);
  }
  return error;
}
function outcomeError(outcome) {
  if ('error' in outcome) return rebuildError(outcome.error);
  if ('invalid' in outcome) {
    return new InvalidWorkerFunctionError(
      outcome.invalid,
      outcome.cause === void 0 ? void 0 : { cause: rebuildError(outcome.cause) },
    );
  }
  return outcome.thrown;
}

// ../../packages/tornado/src/concurrent/pool.ts
import { deserialize, serialize } from 'node:v8';

// ../../packages/tornado/src/concurrent/executor.ts
import { isAbsolute } from 'node:path';
import { inspect as inspect11 } from 'node:util';
import { pathToFileURL as pathToFileURL2 } from 'node:url';
function isWorkerFunction(value) {
  if (typeof value !== 'object' || value === null) return false;
  const { module, name: name2 } = value;
  return (typeof module === 'string' || module instanceof URL) && typeof name2 === 'string';
}
function toWorkerFunction(value, where) {
  if (!isWorkerFunction(value)) {
    const hint =
      typeof value === 'function'
        ? ': a pool runs code in another thread or process, which cannot call a closure \u2014 export the function from a module and pass workerFunction(moduleUrl, name)'
        : '';
    throw new InvalidWorkerFunctionError(
      `${where} expected a worker function ({ module, name }), got ${describe3(value)}${hint}`,
    );
  }
  const module = moduleUrl(value.module);
  if (module === null) {
    throw new InvalidWorkerFunctionError(
      `${where} expected the module as a file: URL or an absolute path (import.meta.url, new URL('./jobs.js', import.meta.url)), got ${describe3(value.module)}`,
    );
  }
  if (value.name === '') {
    throw new InvalidWorkerFunctionError(
      `${where} expected the name of an export of ${module}, got ""`,
    );
  }
  return Object.freeze({ module, name: value.name });
}
function moduleUrl(module) {
  if (module instanceof URL) return module.protocol === 'file:' ? module.href : null;
  if (module.startsWith('file:')) return new URL(module).href;
  return isAbsolute(module) ? pathToFileURL2(module).href : null;
}
function describe3(value) {
  if (typeof value === 'function') return `the function ${value.name || '<anonymous>'}`;
  return inspect11(value, { depth: 1, breakLength: Infinity });
}

// ../../packages/tornado/src/concurrent/pool.ts
var PoolExecutor = class {
  /** The most jobs that run at once: one per worker thread or child process. */
  maxWorkers;
  #state = 'open';
  #queue = [];
  #running = /* @__PURE__ */ new Set();
  #drained = null;
  #closed = null;
  constructor(maxWorkers) {
    if (!Number.isInteger(maxWorkers) || maxWorkers < 1) {
      throw new InvalidArgumentError(
        `${new.target.name}() expected maxWorkers to be a positive integer, got ${String(maxWorkers)}`,
      );
    }
    this.maxWorkers = maxWorkers;
  }
  /**
   * Schedules `fn(...args)` on a worker; returns a Future of its result. `args` are copied
   * with the structured clone algorithm (see the module's README for what survives).
   * @throws ExecutorShutdownError after `shutdown()`
   * @throws InvalidWorkerFunctionError if `fn` is not a worker function
   */
  submit(fn2, ...args) {
    const where = `${this.constructor.name}.submit()`;
    if (this.#state !== 'open') {
      throw new ExecutorShutdownError(`${where}: cannot schedule new jobs after shutdown`);
    }
    const { module, name: name2 } = toWorkerFunction(fn2, where);
    let resolve;
    let reject;
    const settled = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const future = wrapPromise(settled);
    let encoded;
    try {
      encoded = serialize(args);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      reject(
        new DOMException(
          `${where}: the arguments of ${name2} could not be cloned: ${message}`,
          'DataCloneError',
        ),
      );
      return future;
    }
    const job = { request: { module, name: name2, args: encoded }, future, resolve, reject };
    future.addDoneCallback(
      inlineSafe((done) => {
        if (done.cancelled()) this.#dequeue(job);
      }),
    );
    this.#queue.push(job);
    this.#pump();
    return future;
  }
  /**
   * Stops taking jobs and releases the workers once the jobs already submitted are done (with
   * `cancelFutures`, those not started are cancelled instead). See `ShutdownOptions`.
   * Calling it again returns the same wind-down.
   */
  shutdown(options = {}) {
    const { wait = true, cancelFutures = false } = options;
    if (this.#state === 'open') {
      this.#state = 'shutting down';
      const drained = new Promise((resolve) => (this.#drained = resolve));
      this.#closed = drained
        .then(() => this.release())
        .finally(() => {
          this.#state = 'shut down';
        });
      this.#checkDrained();
    }
    if (cancelFutures) for (const job of [...this.#queue]) job.future.cancel();
    const closed = this.#closed;
    if (wait) return closed;
    closed.catch((error) => {
      process.emitWarning(`${this.constructor.name}: shutting down failed: ${String(error)}`);
    });
    return Promise.resolve();
  }
  /** Jobs submitted and not started. */
  get pending() {
    return this.#queue.length;
  }
  /** Jobs running on a worker now. */
  get running() {
    return this.#running.size;
  }
  #pump() {
    while (this.#queue.length > 0 && this.#running.size < this.maxWorkers) {
      const job = this.#queue.shift();
      this.#running.add(job);
      this.runOnWorker(job.request).then(
        (encoded) => {
          const outcome = deserialize(encoded);
          if (outcome.ok) job.resolve(outcome.value);
          else job.reject(outcomeError(outcome));
          this.#finished(job);
        },
        (error) => {
          job.reject(error);
          this.#finished(job);
        },
      );
    }
  }
  #finished(job) {
    this.#running.delete(job);
    this.#pump();
    this.#checkDrained();
  }
  #dequeue(job) {
    const i = this.#queue.indexOf(job);
    if (i < 0) return;
    this.#queue.splice(i, 1);
    job.reject(new CancelledError());
    this.#checkDrained();
  }
  #checkDrained() {
    if (this.#drained !== null && this.#queue.length === 0 && this.#running.size === 0) {
      this.#drained();
      this.#drained = null;
    }
  }
  /** `<ThreadPoolExecutor open running=2 pending=5 maxWorkers=4>` */
  toString() {
    return `<${this.constructor.name} ${this.#state} running=${this.#running.size} pending=${this.#queue.length} maxWorkers=${this.maxWorkers}>`;
  }
  get [Symbol.toStringTag]() {
    return this.constructor.name;
  }
};

// ../../packages/tornado/src/concurrent/worker-entry.ts
import { dirname, extname as extname2, join } from 'node:path';
import { fileURLToPath as fileURLToPath4 } from 'node:url';
function thisFile() {
  const original = Object.getOwnPropertyDescriptor(Error, 'prepareStackTrace');
  try {
    Error.prepareStackTrace = (_error, callSites2) => callSites2;
    const callSites = new Error().stack;
    const file = callSites[0]?.getFileName();
    if (file === void 0 || file === null) throw new Error('no file name in the call site');
    return file.startsWith('file:') ? fileURLToPath4(file) : file;
  } finally {
    if (original === void 0) Reflect.deleteProperty(Error, 'prepareStackTrace');
    else Object.defineProperty(Error, 'prepareStackTrace', original);
  }
}
var here = thisFile();
var fromSource = extname2(here) === '.ts';
var POOL_WORKER_FILE = fromSource
  ? join(dirname(here), 'pool-worker.ts')
  : join(dirname(here), 'concurrent', 'pool-worker.js');
function workerExecArgv(execArgv = process.execArgv) {
  const flags = [...execArgv];
  if (!fromSource) return flags;
  const hasTsx = flags.some(
    (flag, i) => (flag === '--import' && flags[i + 1] === 'tsx') || flag === '--import=tsx',
  );
  if (!hasTsx) flags.push('--import', 'tsx');
  if (!flags.includes('--conditions=@aio/source')) flags.push('--conditions=@aio/source');
  return flags;
}

// ../../packages/tornado/src/concurrent/thread-pool.ts
var ThreadPoolExecutor = class extends PoolExecutor {
  /**
   * The piscina pool underneath, for its metrics (`utilization`, `runTime`, `threads`). Run jobs
   * through `submit`, not on it directly: the executor would not know about them.
   */
  piscina;
  constructor(options = {}) {
    super(options.maxWorkers ?? availableParallelism());
    this.piscina = new Piscina({
      filename: POOL_WORKER_FILE,
      maxThreads: this.maxWorkers,
      // On demand, as Python's pool, and kept until shutdown.
      minThreads: 0,
      idleTimeout: Infinity,
      execArgv: workerExecArgv(options.execArgv),
      ...(options.env === void 0 ? {} : { env: options.env }),
      ...(options.resourceLimits === void 0 ? {} : { resourceLimits: options.resourceLimits }),
    });
  }
  runOnWorker(request2) {
    return this.piscina.run(request2).catch((error) => {
      throw crashed(error);
    });
  }
  async release() {
    await this.piscina.destroy();
  }
};
function crashed(error) {
  const message = error instanceof Error ? error.message : String(error);
  const exit = /exited with code:? (-?\d+)/.exec(message);
  if (exit !== null) {
    const exitCode = Number(exit[1]);
    return new WorkerCrashedError(
      `the worker thread running the job exited with code ${exitCode} before it finished`,
      { exitCode, cause: error },
    );
  }
  return new WorkerCrashedError(`the worker thread running the job failed: ${message}`, {
    cause: error,
  });
}

// ../../packages/tornado/src/internal/timeout.ts
var Timedelta = class {
  /** @throws RangeError unless `ms` is a finite number */
  constructor(ms) {
    this.ms = ms;
    if (typeof ms !== 'number' || !Number.isFinite(ms))
      throw new RangeError(`Timedelta expected a finite number of milliseconds, got ${String(ms)}`);
  }
  ms;
  toString() {
    return `Timedelta(${this.ms} ms)`;
  }
};
function deadlineOf(loop, timeout, method) {
  if (timeout instanceof Timedelta) return loop.time() + timeout.ms;
  if (typeof timeout === 'number' && !Number.isNaN(timeout)) return timeout;
  throw new TypeError(
    `${method}() expected a timeout as a deadline (loop.time() milliseconds) or a Timedelta, got ${typeof timeout === 'object' ? JSON.stringify(timeout) : String(timeout)}`,
  );
}

// ../../packages/tornado/src/ioloop.ts
var ioloops = /* @__PURE__ */ new WeakMap();
var IOLoop = class _IOLoop {
  /** `addHandler` events: readable. */
  static NONE = 0;
  static READ = 1;
  /** Writable. */
  static WRITE = 4;
  /** Error or hang-up: accepted and ignored, as by tornado on asyncio (it comes as READ). */
  static ERROR = 24;
  /** The aio loop underneath (tornado's `asyncio_loop`). */
  asyncioLoop;
  #handlers = /* @__PURE__ */ new Map();
  #executor = null;
  #ownsExecutor = false;
  /**
   * Wraps `options.loop`, or a new aio loop, in an IOLoop.
   * @throws InvalidStateError-like TypeError if that loop has an IOLoop already
   */
  constructor(options = {}) {
    const loop = options.loop ?? new EventLoop({ mode: options.mode });
    if (ioloops.has(loop))
      throw new TypeError(`IOLoop: ${String(loop)} has an IOLoop already; use IOLoop.current()`);
    this.asyncioLoop = loop;
    ioloops.set(loop, this);
  }
  static current(options = {}) {
    const loop = options.instance === false ? getRunningLoopOrNull() : getEventLoop();
    if (loop === null) return null;
    return ioloops.get(loop) ?? new _IOLoop({ loop });
  }
  // ─── Running ───────────────────────────────────────────────────────────────────────────────
  /** Runs until `stop()`; the Promise settles when the loop has stopped. */
  start() {
    return this.asyncioLoop.runForever();
  }
  /** Stops the loop after the current iteration. */
  stop() {
    this.asyncioLoop.stop();
  }
  /**
   * Runs `fn` on the loop until what it returns (a Future, a coroutine, a promise, or a plain
   * value) is done, and gives its result.
   * @throws TimeoutError if `timeout` ms pass first (the work is cancelled if it can be)
   */
  async runSync(fn2, options = {}) {
    const { timeout } = options;
    if (timeout !== void 0 && (typeof timeout !== 'number' || Number.isNaN(timeout)))
      throw new TypeError(`runSync() expected timeout in milliseconds, got ${String(timeout)}`);
    let result = null;
    this.addCallback(() => {
      let future;
      try {
        future = futureOf(fn2(), this.asyncioLoop);
      } catch (error) {
        future = new Future(this.asyncioLoop);
        future.setException(error);
      }
      result = future;
      this.addFuture(future, () => this.stop());
    });
    let timer = null;
    if (timeout !== void 0) {
      timer = this.callLater(timeout, () => {
        if (result === null || !result.cancel()) this.stop();
      });
    }
    await this.start();
    timer?.cancel();
    const done = result;
    if (done === null || done.cancelled() || !done.done())
      throw new TimeoutError2(`Operation timed out after ${String(timeout)} ms`);
    return done.result();
  }
  /**
   * Closes the loop: removes every handler and, with `allFds`, closes their fds too. The loop
   * must not be running.
   */
  close(allFds = false) {
    for (const [fd, [fileobj]] of this.#handlers) {
      this.#unwatch(fd);
      if (allFds) closeFd(fileobj);
    }
    this.#handlers.clear();
    if (this.#ownsExecutor) void this.#executor?.shutdown({ wait: false });
    this.#executor = null;
    ioloops.delete(this.asyncioLoop);
    this.asyncioLoop.close();
  }
  // ─── Time and callbacks ────────────────────────────────────────────────────────────────────
  /** The loop's clock, in milliseconds (`loop.time()`). */
  time() {
    return this.asyncioLoop.time();
  }
  /** Runs `callback(...args)` on the next iteration. */
  addCallback(callback, ...args) {
    this.asyncioLoop.callSoon(this.#runCallback, callback, args);
  }
  /** The same as `addCallback` (tornado 6 no longer has stack contexts to leave behind). */
  spawnCallback(callback, ...args) {
    this.addCallback(callback, ...args);
  }
  /**
   * Runs `callback(future)` on the loop once `future` is done. A promise is accepted too.
   * @throws TypeError unless `future` is a Future or a promise
   */
  addFuture(future, callback) {
    let f;
    if (isFuture(future)) f = future;
    else if (isThenable2(future)) f = wrapPromise(future, this.asyncioLoop);
    else
      throw new TypeError(`addFuture() expected a Future or a promise, got ${inspect12(future)}`);
    f.addDoneCallback((done) => this.#runCallback(callback, [done]));
  }
  /**
   * Runs `callback(...args)` at `deadline` (a `loop.time()` ms number) or after a Timedelta.
   * Returns the handle for `removeTimeout`.
   */
  addTimeout(deadline, callback, ...args) {
    return this.callAt(deadlineOf(this.asyncioLoop, deadline, 'addTimeout'), callback, ...args);
  }
  /** Runs `callback(...args)` after `delay` ms. */
  callLater(delay, callback, ...args) {
    return this.callAt(this.time() + delay, callback, ...args);
  }
  /** Runs `callback(...args)` when `time()` reaches `when`. */
  callAt(when, callback, ...args) {
    return this.asyncioLoop.callAt(when, this.#runCallback, callback, args);
  }
  /** Cancels a timeout from `addTimeout`, `callLater` or `callAt` (harmless if it ran). */
  removeTimeout(handle) {
    handle.cancel();
  }
  // ─── fd handlers ───────────────────────────────────────────────────────────────────────────
  /**
   * Calls `handler(fd, events)` when `fd` is readable (READ) or writable (WRITE), as asked in
   * `events`.
   * @throws TypeError if `fd` has a handler already
   */
  addHandler(fd, handler, events) {
    const n = filenoOf(fd, 'addHandler');
    if (this.#handlers.has(n)) throw new TypeError(`addHandler(): fd ${n} has a handler already`);
    if (typeof handler !== 'function')
      throw new TypeError(`addHandler() expected a function, got ${inspect12(handler)}`);
    this.#handlers.set(n, [fd, handler]);
    this.updateHandler(fd, events);
  }
  /**
   * Changes the events `fd`'s handler is called for.
   * @throws TypeError if `fd` has no handler
   */
  updateHandler(fd, events) {
    const n = filenoOf(fd, 'updateHandler');
    const entry = this.#handlers.get(n);
    if (entry === void 0) throw new TypeError(`updateHandler(): fd ${n} has no handler`);
    const loop = this.asyncioLoop;
    if (events & _IOLoop.READ) loop.addReader(n, this.#onEvents, n, _IOLoop.READ);
    else loop.removeReader(n);
    if (events & _IOLoop.WRITE) loop.addWriter(n, this.#onEvents, n, _IOLoop.WRITE);
    else loop.removeWriter(n);
  }
  /** Stops calling `fd`'s handler. Harmless if it has none. */
  removeHandler(fd) {
    const n = filenoOf(fd, 'removeHandler');
    if (!this.#handlers.delete(n)) return;
    this.#unwatch(n);
  }
  #unwatch(fd) {
    this.asyncioLoop.removeReader(fd);
    this.asyncioLoop.removeWriter(fd);
  }
  #onEvents = (fd, events) => {
    const entry = this.#handlers.get(fd);
    if (entry === void 0) return;
    const [fileobj, handler] = entry;
    this.#runCallback(handler, [fileobj, events]);
  };
  // ─── Executors ─────────────────────────────────────────────────────────────────────────────
  /**
   * Runs `fn(...args)` in `executor` (or the default one: a thread pool made on first use) and
   * gives a Future of its result. A pool needs a `WorkerFunction` (a module and an export name).
   */
  runInExecutor(executor, fn2, ...args) {
    if (executor === null) {
      if (this.#executor === null) {
        this.#executor = new ThreadPoolExecutor();
        this.#ownsExecutor = true;
      }
      executor = this.#executor;
    }
    const inner = executor.submit(fn2, ...args);
    const outer = new Future(this.asyncioLoop);
    this.addFuture(inner, (done) => chainFuture2(done, outer));
    return outer;
  }
  /** The executor `runInExecutor(null, …)` uses from now on. */
  setDefaultExecutor(executor) {
    if (this.#ownsExecutor) void this.#executor?.shutdown({ wait: false });
    this.#executor = executor;
    this.#ownsExecutor = false;
  }
  // ─── Internals ─────────────────────────────────────────────────────────────────────────────
  /**
   * tornado's `_run_callback`: runs it; logs what it throws; awaits a Future or coroutine it
   * returns, logging its failure.
   */
  #runCallback = (callback, args) => {
    let returned;
    try {
      returned = callback(...args);
    } catch (error) {
      if (!isCancelledError(error))
        appLog.error(error, `Exception in callback ${describeCallback(callback)}`);
      return;
    }
    if (returned === void 0 || returned === null) return;
    let future;
    try {
      future = convertYielded(returned);
    } catch (error) {
      if (error instanceof BadYieldError) return;
      throw error;
    }
    if (future === moment) return;
    future.addDoneCallback((done) => {
      if (done.cancelled()) return;
      const error = done.exception();
      if (error !== void 0 && !isCancelledError(error))
        appLog.error(error, `Exception in callback ${describeCallback(callback)}`);
    });
  };
  toString() {
    return `<IOLoop ${String(this.asyncioLoop)}>`;
  }
  [inspect12.custom]() {
    return this.toString();
  }
};
function futureOf(value, loop) {
  if (value !== null && value !== void 0) {
    try {
      const converted = convertYielded(value);
      if (converted !== moment) return converted;
    } catch (error) {
      if (!(error instanceof BadYieldError)) throw error;
    }
  }
  const future = new Future(loop);
  future.setResult(value);
  return future;
}
function filenoOf(fd, method) {
  if (typeof fd === 'number' && Number.isInteger(fd) && fd >= 0) return fd;
  if (typeof fd === 'object' && fd !== null && typeof fd.fileno === 'function') {
    const n = fd.fileno();
    if (Number.isInteger(n) && n >= 0) return n;
    throw new TypeError(`${method}() got a closed file object (fileno() is ${n})`);
  }
  throw new TypeError(
    `${method}() expected an fd number or an object with fileno(), got ${inspect12(fd)}`,
  );
}
function closeFd(fd) {
  try {
    if (typeof fd === 'object' && typeof fd.close === 'function') fd.close();
    else closeSync(filenoOf(fd, 'close'));
  } catch {}
}
function describeCallback(callback) {
  return typeof callback === 'function' ? callback.name || '<anonymous>' : inspect12(callback);
}

// ../../packages/tornado/src/gen.ts
var tracer = null;
function emit2(step, coroutine2, detail) {
  tracer?.({ step, coroutine: coroutine2, detail: short(detail) });
}
var IS_COROUTINE = /* @__PURE__ */ Symbol.for('@aio/tornado.coroutine');
function coroutine(fn2, context) {
  if (typeof fn2 !== 'function')
    throw new TypeError(`coroutine() expected a function, got ${inspect13(fn2)}`);
  if (context !== void 0 && context.kind !== 'method')
    throw new TypeError(`@coroutine decorates methods, not a ${String(context.kind)}`);
  const name2 = fn2.name || '<anonymous>';
  const wrapper = {
    [name2](...args) {
      const future = new Future(getEventLoop());
      let result;
      try {
        result = fn2.apply(this, args);
      } catch (error) {
        future.setException(error);
        emit2('raise', name2, error);
        return future;
      }
      if (!isCoroutine(result)) {
        future.setResult(result);
        return future;
      }
      let first;
      try {
        first = result.next();
      } catch (error) {
        future.setException(error);
        emit2('raise', name2, error);
        return future;
      }
      if (first.done === true) {
        futureSetResultUnlessCancelled(future, first.value);
        emit2('return', name2, first.value);
        return future;
      }
      emit2('coroutine', name2, first.value);
      new Runner(result, future, first.value, name2);
      return future;
    },
  }[name2];
  return Object.assign(wrapper, { wrapped: fn2, [IS_COROUTINE]: true });
}
var Runner = class {
  /** What the generator waits on now; null between a resume and its next yield. */
  future = null;
  /** True while `run` is on the stack (a re-entrant call returns at once). */
  running = false;
  /** True once the generator returned or threw. */
  finished = false;
  ioloop;
  #gen;
  #resultFuture;
  #name;
  /** `run`, bound once: what the IOLoop calls back. */
  #wakeup = () => {
    emit2('wakeup', this.#name, this.future);
    this.run();
  };
  constructor(gen, resultFuture, firstYielded, name2 = '<coroutine>') {
    this.#gen = gen;
    this.#resultFuture = resultFuture;
    this.#name = name2;
    this.ioloop = IOLoop.current();
    if (this.handleYield(firstYielded)) this.run();
  }
  /** Resumes the generator for as long as what it yields is done already. */
  run() {
    if (this.running || this.finished) return;
    try {
      this.running = true;
      for (;;) {
        const future = this.future;
        if (future === null) throw new Error('Runner.run: no pending future');
        let value;
        let error;
        let failed2 = false;
        if (future !== moment) {
          const f = future;
          if (!f.done()) return;
          try {
            value = f.result();
          } catch (thrown) {
            failed2 = true;
            error = thrown;
          }
        }
        this.future = null;
        let next;
        try {
          if (failed2) {
            emit2('throw', this.#name, error);
            next = this.#gen.throw(error);
          } else {
            if (tracer !== null) emit2('send', this.#name, value);
            next = this.#gen.next(value);
          }
        } catch (thrown) {
          this.#finish();
          this.#resultFuture.setException(thrown);
          emit2('raise', this.#name, thrown);
          return;
        }
        if (next.done === true) {
          this.#finish();
          futureSetResultUnlessCancelled(this.#resultFuture, next.value);
          emit2('return', this.#name, next.value);
          return;
        }
        if (!this.handleYield(next.value)) return;
      }
    } finally {
      this.running = false;
    }
  }
  /**
   * Makes a Future of `yielded` (a BadYieldError fails it) and returns true if it is done already
   * (`run` goes on); else asks the IOLoop to call `run` once it is, and returns false.
   */
  handleYield(yielded) {
    let future;
    try {
      future = convertYielded(yielded);
    } catch (error) {
      if (!(error instanceof BadYieldError)) throw error;
      const failed2 = new Future(this.ioloop.asyncioLoop);
      failed2.setException(error);
      future = failed2;
    }
    this.future = future;
    if (tracer !== null) emit2('handleYield', this.#name, future);
    if (future === moment) {
      this.ioloop.addCallback(this.#wakeup);
      return false;
    }
    if (!future.done()) {
      emit2('addFuture', this.#name, future);
      this.ioloop.addFuture(future, this.#wakeup);
      return false;
    }
    return true;
  }
  /**
   * Throws `error` into the generator at its current yield, if the Runner is waiting (not running,
   * not finished); returns whether it did.
   */
  handleException(error) {
    if (this.running || this.finished) return false;
    const failed2 = new Future(this.ioloop.asyncioLoop);
    failed2.setException(error);
    this.future = failed2;
    this.run();
    return true;
  }
  #finish() {
    this.finished = true;
    this.future = null;
  }
};
function sleep(duration) {
  const ms = duration instanceof Timedelta ? duration.ms : duration;
  if (typeof ms !== 'number' || Number.isNaN(ms))
    throw new TypeError(`sleep() expected milliseconds or a Timedelta, got ${inspect13(duration)}`);
  const loop = getEventLoop();
  const future = new Future(loop);
  const timer = loop.callLater(Math.max(ms, 0), () =>
    futureSetResultUnlessCancelled(future, void 0),
  );
  future.addDoneCallback(() => timer.cancel());
  return future;
}
function withTimeout(timeout, future, options = {}) {
  const quiet = options.quietExceptions ?? [];
  const converted = convertYielded(future);
  const inner = converted === moment ? sleep(0) : converted;
  const ioloop = IOLoop.current();
  const result = new Future(ioloop.asyncioLoop);
  chainFuture2(inner, result);
  const logLate = (done) => {
    if (done.cancelled()) return;
    const error = done.exception();
    if (error === void 0 || quiet.some((type) => error instanceof type)) return;
    appLog.error(error, `Exception in Future ${String(done)} after timeout`);
  };
  const handle = ioloop.addTimeout(timeout, () => {
    if (!result.done()) result.setException(new TimeoutError2('Timeout'));
    futureAddDoneCallback(inner, logLate);
  });
  futureAddDoneCallback(inner, () => ioloop.removeTimeout(handle));
  return result;
}
function short(value) {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (value === moment) return 'gen.moment';
  const text =
    typeof value === 'string'
      ? JSON.stringify(value)
      : inspect13(value, { depth: 0, breakLength: Infinity });
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

// src/strategies/tornado.ts
async function tornadoWay(target) {
  const { timeline } = target;
  function* within(deadline, future) {
    try {
      return yield withTimeout(deadline, future, {
        quietExceptions: [CancelledError],
      });
    } catch (err) {
      future.cancel();
      throw err;
    }
  }
  const fetch4 = coroutine(function* fetch5(path) {
    const loop = IOLoop.current().asyncioLoop;
    const deadline = loop.time() + target.timeoutMs;
    const sock = new Socket();
    sock.setBlocking(false);
    try {
      yield* within(deadline, sockConnect(loop, sock, target.address(path)));
      timeline.connected(path);
      yield* within(deadline, sockSendall(loop, sock, request(target.host, path)));
      const chunks = [];
      let chunk = yield* within(deadline, sockRecv(loop, sock, 4096));
      while (chunk.length > 0) {
        timeline.received(path, chunk.length);
        chunks.push(chunk);
        chunk = yield* within(deadline, sockRecv(loop, sock, 4096));
      }
      return Buffer.concat(chunks);
    } finally {
      sock.close();
    }
  });
  const worker4 = coroutine(function* worker5(todo) {
    for (let next = todo.next(); !next.done; next = todo.next()) {
      const path = next.value;
      timeline.begin(path);
      try {
        timeline.done(path, yield fetch4(path));
      } catch (err) {
        timeline.failed(path, err);
      }
    }
  });
  const main = coroutine(function* main2() {
    const todo = target.paths.values();
    const workers = Math.min(target.concurrency, target.paths.length);
    yield Array.from({ length: workers }, () => worker4(todo));
  });
  const ioloop = new IOLoop();
  try {
    await ioloop.runSync(main);
  } finally {
    ioloop.close();
  }
}
var tornadoStrategy = {
  name: 'tornado',
  section: 'II',
  title: 'tornado: gen.coroutine on IOLoop, workers yielded as a list',
  run: tornadoWay,
  concurrency: (requested) => requested,
};

// src/strategies/yield-from.ts
var Future4 = class {
  result = void 0;
  callbacks = [];
  addDoneCallback(fn2) {
    this.callbacks.push(fn2);
  }
  setResult(result) {
    this.result = result;
    for (const fn2 of this.callbacks) fn2(this);
  }
  *[Symbol.iterator]() {
    yield this;
    return this.result;
  }
};
var Task3 = class {
  constructor(coro) {
    this.coro = coro;
    const f = new Future4();
    f.setResult(void 0);
    this.step(f);
  }
  coro;
  step = (future) => {
    const next = this.coro.next(future.result);
    if (next.done) return;
    const nextFuture = next.value;
    nextFuture.addDoneCallback(this.step);
  };
};
function yieldFromWay(target) {
  const { timeline } = target;
  const selector = new DefaultSelector();
  const urlsTodo = target.paths;
  let next = 0;
  const crawlers = /* @__PURE__ */ new Set();
  let stopping = false;
  function* connect2(sock, address) {
    const f = new Future4();
    sock.setBlocking(false);
    try {
      sock.connect(address);
    } catch (err) {
      if (!(err instanceof BlockingIOError)) throw err;
    }
    const onConnected = () => {
      f.setResult(void 0);
    };
    selector.register(sock.fileno(), EVENT_WRITE, onConnected);
    yield* f;
    selector.unregister(sock.fileno());
  }
  function* read(sock) {
    const f = new Future4();
    const onReadable = () => {
      f.setResult(void 0);
    };
    selector.register(sock.fileno(), EVENT_READ, onReadable);
    yield* f;
    selector.unregister(sock.fileno());
    return sock.recv(4096);
  }
  function* readAll(sock, url) {
    const response = [];
    let chunk = yield* read(sock);
    while (chunk.length > 0) {
      timeline.received(url, chunk.length);
      response.push(chunk);
      chunk = yield* read(sock);
    }
    return Buffer.concat(response);
  }
  class Crawler {
    constructor(url) {
      this.url = url;
    }
    url;
    response = Buffer.alloc(0);
    task;
    deadline = performance.now() + target.timeoutMs;
    *fetch() {
      timeline.begin(this.url);
      const sock = new Socket();
      try {
        yield* connect2(sock, target.address(this.url));
        sock.send(request(target.host, this.url));
        timeline.connected(this.url);
        this.response = yield* readAll(sock, this.url);
        timeline.done(this.url, this.response);
      } catch (err) {
        timeline.failed(this.url, err);
      } finally {
        if (selector.getMap().has(sock.fileno())) selector.unregister(sock.fileno());
        sock.close();
        crawlers.delete(this);
        startCrawlers();
      }
    }
  }
  function startCrawlers() {
    while (!stopping && crawlers.size < target.concurrency && next < urlsTodo.length) {
      const crawler = new Crawler(urlsTodo[next++]);
      crawlers.add(crawler);
      crawler.task = new Task3(crawler.fetch());
    }
  }
  function loop() {
    while (crawlers.size > 0) {
      const first = crawlers.values().next().value;
      const events = selector.select(Math.max(0, first.deadline - performance.now()));
      for (const [eventKey] of events) {
        const callback = eventKey.data;
        callback();
      }
      for (const crawler of crawlers) {
        if (crawler.deadline > performance.now()) break;
        crawler.task.coro.throw(new PageTimeoutError(crawler.url, target.timeoutMs));
      }
    }
  }
  try {
    startCrawlers();
    loop();
  } finally {
    stopping = true;
    selector.close();
    for (const crawler of crawlers) crawler.task?.coro.return();
  }
}
var yieldFromStrategy = {
  name: 'yield-from',
  section: '4.2',
  title: 'yield* sub-generators (connect, read, readAll) + an iterable Future',
  run: yieldFromWay,
  concurrency: (requested) => requested,
};

// src/strategies/index.ts
var STRATEGIES = [
  blocking,
  processes,
  threads,
  nonblocking,
  callbacks,
  generatorStrategy,
  yieldFromStrategy,
  asyncioStrategy,
  asyncAwaitStrategy,
  tornadoStrategy,
  nodeFetchStrategy,
];

// src/zz-drive.ts
var pages = 1e3;
var name = process.env.S ?? 'asyncio';
var port = Number(process.env.PORT);
var spec = {
  host: '127.0.0.1',
  address: ['127.0.0.1', port],
  paths: Array.from({ length: pages }, (_, i) => (i === 0 ? '/' : `/${i}`)),
  concurrency: 100,
  timeoutMs: 1e4,
  embedded: { pages, sizeBytes: 2048 },
};
var m = await measure(
  STRATEGIES.find((s) => s.name === name),
  makeTarget(spec),
);
console.log(process.env.MODE, name, m.wallMs.toFixed(0), m.cpuMs.toFixed(0), m.fetched);
process.exit(0);
