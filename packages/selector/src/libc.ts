/**
 * libc, reached through koffi: the only module that touches the FFI.
 *
 * Every pointer argument is declared `void *` and given a Buffer or typed array that the caller
 * owns and reuses, so a hot call (recv, send, epoll_wait) allocates nothing in the binding. Each
 * function returns what the C function returns; the caller reads `errno()` straight after a
 * failed call, before anything else can run on this thread and overwrite it. Blocking calls that
 * must not freeze Node (`epoll_wait` and friends in `selectAsync`) go through koffi's `.async`,
 * which runs them on a libuv worker thread and hands errno back with the result.
 */
import { platform } from './platform/index';
import koffi from 'koffi';
import { setStrerror } from './errors';

// #region koffi
const lib = koffi.load(platform.libc);

/** A pointer argument: memory owned by JavaScript, or NULL. */
export type Ptr = Uint8Array | Int32Array | Uint32Array | null;

type AsyncCallback = (err: unknown, result: number) => void;
/** A koffi function that can also be run off the main thread. */
export interface AsyncFn<A extends unknown[]> {
  (...args: A): number;
  async: (...args: [...A, AsyncCallback]) => void;
}

function fn<A extends unknown[]>(decl: string): AsyncFn<A> {
  return lib.func(decl);
}
function optional<A extends unknown[]>(available: boolean, decl: string): AsyncFn<A> | undefined {
  return available ? fn<A>(decl) : undefined;
}
// #endregion koffi

const isLinux = platform.name === 'linux';
const nfds = isLinux ? 'unsigned long' : 'uint32_t';

/** errno as the failed call on this thread left it. */
export const errno = (): number => koffi.errno();

const fcntlVariadic = lib.func('int fcntl(int fd, int cmd, ...)') as unknown as (
  fd: number,
  cmd: number,
  ...typeAndValue: unknown[]
) => number;

export const libc = {
  socket: fn<[domain: number, type: number, protocol: number]>('int socket(int, int, int)'),
  socketpair: fn<[number, number, number, Int32Array]>('int socketpair(int, int, int, void *)'),
  connect: fn<[fd: number, addr: Ptr, len: number]>('int connect(int, void *, uint32_t)'),
  bind: fn<[fd: number, addr: Ptr, len: number]>('int bind(int, void *, uint32_t)'),
  listen: fn<[fd: number, backlog: number]>('int listen(int, int)'),
  accept: fn<[fd: number, addr: Ptr, len: Ptr]>('int accept(int, void *, void *)'),
  accept4: optional<[fd: number, addr: Ptr, len: Ptr, flags: number]>(
    platform.hasAccept4,
    'int accept4(int, void *, void *, int)',
  ),
  send: fn<[fd: number, buf: Ptr, len: number, flags: number]>(
    'intptr_t send(int, void *, size_t, int)',
  ),
  recv: fn<[fd: number, buf: Ptr, len: number, flags: number]>(
    'intptr_t recv(int, void *, size_t, int)',
  ),
  sendto: fn<[fd: number, buf: Ptr, len: number, flags: number, addr: Ptr, alen: number]>(
    'intptr_t sendto(int, void *, size_t, int, void *, uint32_t)',
  ),
  recvfrom: fn<[fd: number, buf: Ptr, len: number, flags: number, addr: Ptr, alen: Ptr]>(
    'intptr_t recvfrom(int, void *, size_t, int, void *, void *)',
  ),
  shutdown: fn<[fd: number, how: number]>('int shutdown(int, int)'),
  close: fn<[fd: number]>('int close(int)'),
  read: fn<[fd: number, buf: Ptr, len: number]>('intptr_t read(int, void *, size_t)'),
  write: fn<[fd: number, buf: Ptr, len: number]>('intptr_t write(int, void *, size_t)'),
  setsockopt: fn<[fd: number, level: number, opt: number, val: Ptr, len: number]>(
    'int setsockopt(int, int, int, void *, uint32_t)',
  ),
  getsockopt: fn<[fd: number, level: number, opt: number, val: Ptr, len: Ptr]>(
    'int getsockopt(int, int, int, void *, void *)',
  ),
  getsockname: fn<[fd: number, addr: Ptr, len: Ptr]>('int getsockname(int, void *, void *)'),
  getpeername: fn<[fd: number, addr: Ptr, len: Ptr]>('int getpeername(int, void *, void *)'),
  /** fcntl with an int argument (F_GETFD, F_SETFL …); variadic, as the ABI requires on arm64 macOS. */
  fcntl: (fd: number, cmd: number, arg = 0): number => fcntlVariadic(fd, cmd, 'int', arg),
  pipe: fn<[fds: Int32Array]>('int pipe(void *)'),
  pipe2: optional<[fds: Int32Array, flags: number]>(platform.hasPipe2, 'int pipe2(void *, int)'),
  eventfd: optional<[initval: number, flags: number]>(isLinux, 'int eventfd(unsigned int, int)'),
  // #region epoll
  epoll_create1: optional<[flags: number]>(isLinux, 'int epoll_create1(int)'),
  epoll_ctl: optional<[epfd: number, op: number, fd: number, event: Ptr]>(
    isLinux,
    'int epoll_ctl(int, int, int, void *)',
  ),
  epoll_wait: optional<[epfd: number, events: Ptr, max: number, timeout: number]>(
    isLinux,
    'int epoll_wait(int, void *, int, int)',
  ),
  // #endregion epoll
  kqueue: optional<[]>(platform.kqueue !== undefined, 'int kqueue()'),
  kevent: optional<
    [kq: number, changes: Ptr, nchanges: number, events: Ptr, nevents: number, timeout: Ptr]
  >(platform.kqueue !== undefined, 'int kevent(int, void *, int, void *, int, void *)'),
  poll: fn<[fds: Ptr, nfds: number, timeout: number]>(`int poll(void *, ${nfds}, int)`),
  select: fn<[nfds: number, r: Ptr, w: Ptr, x: Ptr, timeout: Ptr]>(
    'int select(int, void *, void *, void *, void *)',
  ),
  inet_ntop: lib.func('const char *inet_ntop(int, void *, void *, uint32_t)') as unknown as (
    af: number,
    src: Uint8Array,
    dst: Uint8Array,
    size: number,
  ) => string | null,
  inet_pton: fn<[af: number, src: string, dst: Ptr]>('int inet_pton(int, const char *, void *)'),
  if_nametoindex: lib.func('unsigned int if_nametoindex(const char *)') as unknown as (
    name: string,
  ) => number,
  if_indextoname: lib.func('const char *if_indextoname(unsigned int, void *)') as unknown as (
    index: number,
    buf: Uint8Array,
  ) => string | null,
  strerror: lib.func('const char *strerror(int)') as unknown as (errno: number) => string,
  gai_strerror: lib.func('const char *gai_strerror(int)') as unknown as (code: number) => string,
  getaddrinfo: lib.func(
    'int getaddrinfo(const char *, const char *, void *, _Out_ void **)',
  ) as unknown as AsyncFn<
    [node: string | null, service: string | null, hints: Uint8Array, res: [unknown]]
  >,
  freeaddrinfo: lib.func('void freeaddrinfo(void *)') as unknown as (res: unknown) => void,
};

setStrerror((code) => libc.strerror(code));

/** `sizeof(void *)`: struct layouts with pointers depend on it. */
export const POINTER_SIZE = koffi.sizeof('void *');

/** Writes a non-negative integer below 2^53 as a little-endian 64-bit value, without a BigInt. */
export function writeInt64(buf: Buffer, value: number, offset: number): void {
  buf.writeUInt32LE(value % 0x100000000, offset);
  buf.writeUInt32LE(Math.floor(value / 0x100000000), offset + 4);
}

/** Reads `len` bytes at a C pointer into a fresh Buffer that JavaScript owns. */
export function copyFromPointer(pointer: unknown, len: number): Buffer {
  if (len === 0) return Buffer.alloc(0);
  return Buffer.from(new Uint8Array(koffi.view(pointer, len)));
}

/** Reads the `index`-th pointer-sized field of a C struct at `pointer` (a pointer field). */
export function readPointerField(pointer: unknown, offset: number): unknown {
  return koffi.decode(pointer, offset, 'void *') as unknown;
}

/** Reads a 32-bit signed int field of a C struct at `pointer`. */
export function readIntField(pointer: unknown, offset: number): number {
  return koffi.decode(pointer, offset, 'int') as number;
}

/** Reads a NUL-terminated C string at `pointer` (null for NULL). */
export function readCString(pointer: unknown): string | null {
  return pointer === null ? null : (koffi.decode(pointer, 'const char *') as string);
}
