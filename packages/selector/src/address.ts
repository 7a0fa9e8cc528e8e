/**
 * Socket addresses as Python writes them, and the `struct sockaddr` bytes the kernel wants.
 *
 * - AF_INET:  `[host, port]`, e.g. `['127.0.0.1', 8080]`; `''` means any address.
 * - AF_INET6: `[host, port, flowinfo, scopeId]`, or `[host, port]`; a host may carry its zone
 *   (`'fe80::1%eth0'`).
 * - AF_UNIX:  a path string; on Linux a leading `'\0'` names the abstract namespace.
 *
 * A host that is not a numeric address is resolved with a blocking `getaddrinfo`, as Python's
 * `socket.connect(('example.com', 80))` does.
 */
import { InvalidAddressError, OSError } from './errors';
import { formatValue } from './format';
import { libc } from './libc';
import { platform } from './platform/index';
import { resolveHostBytes } from './addrinfo';

export type IPv4Address = readonly [host: string, port: number];
export type IPv6Address =
  | readonly [host: string, port: number]
  | readonly [host: string, port: number, flowinfo: number, scopeId: number];
export type UnixAddress = string;
/** An address in the form its family expects (see the module comment). */
export type Address = IPv4Address | IPv6Address | UnixAddress;

/** `sizeof(struct sockaddr_storage)`: big enough for any address the kernel hands back. */
export const SOCKADDR_STORAGE_SIZE = 128;

const { AF_INET, AF_INET6, AF_UNIX } = platform;
const SIN_SIZE = 16;
const SIN6_SIZE = 28;

function familyName(family: number): string {
  if (family === AF_INET) return 'AF_INET';
  if (family === AF_INET6) return 'AF_INET6';
  if (family === AF_UNIX) return 'AF_UNIX';
  return `family ${family}`;
}

/** Writes the family field: one `sa_len` byte plus one family byte on the BSDs, a u16 on Linux. */
function writeFamily(buf: Buffer, family: number, size: number): void {
  if (platform.sockaddrHasLen) {
    buf[0] = size;
    buf[1] = family;
  } else {
    buf.writeUInt16LE(family, 0);
  }
}

export function readFamily(buf: Uint8Array): number {
  return platform.sockaddrHasLen ? buf[1]! : buf[0]! | (buf[1]! << 8);
}

function checkPort(port: unknown, syscall: string): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidAddressError(
      `${syscall}() expected a port from 0 to 65535, got ${formatValue(port)}`,
    );
  }
  return port;
}

/** Parses a numeric host, or resolves a name with getaddrinfo, into `out` (4 or 16 bytes). */
function hostBytes(family: number, host: string, out: Buffer, syscall: string): void {
  if (host === '') return; // INADDR_ANY / in6addr_any: all zeroes
  if (family === AF_INET && host === '<broadcast>') {
    out.fill(0xff);
    return;
  }
  if (libc.inet_pton(family, host, out) === 1) return;
  if (host.includes('\0')) {
    throw new InvalidAddressError(
      `${syscall}() expected a host name without NUL bytes, got ${formatValue(host)}`,
    );
  }
  resolveHostBytes(host, family, out);
}

/**
 * Encodes an address for `family` into a fresh sockaddr buffer.
 * @returns the buffer and the length to pass to the kernel
 */
export function encodeAddress(family: number, address: unknown, syscall: string): [Buffer, number] {
  if (family === AF_UNIX) {
    if (typeof address !== 'string' && !(address instanceof Uint8Array)) {
      throw new InvalidAddressError(
        `${syscall}() on an AF_UNIX socket expected a path string, got ${formatValue(address)}`,
      );
    }
    const path = typeof address === 'string' ? Buffer.from(address, 'utf8') : Buffer.from(address);
    const abstract = path[0] === 0;
    // A filesystem path needs its NUL terminator to fit; an abstract name is taken by length.
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
      `${syscall}() on an ${familyName(family)} socket expected [host, port], got ${formatValue(address)}`,
    );
  }
  const [host, rawPort] = address as [string, unknown, unknown?, unknown?];
  const port = checkPort(rawPort, syscall);

  if (family === AF_INET) {
    if (address.length !== 2) {
      throw new InvalidAddressError(
        `${syscall}() on an AF_INET socket expected [host, port], got ${formatValue(address)}`,
      );
    }
    const buf = Buffer.alloc(SIN_SIZE);
    writeFamily(buf, family, SIN_SIZE);
    buf.writeUInt16BE(port, 2);
    const ip = Buffer.alloc(4);
    hostBytes(family, host, ip, syscall);
    ip.copy(buf, 4);
    return [buf, SIN_SIZE];
  }

  if (family === AF_INET6) {
    if (address.length !== 2 && address.length !== 4) {
      throw new InvalidAddressError(
        `${syscall}() on an AF_INET6 socket expected [host, port] or [host, port, flowinfo, scopeId], got ${formatValue(address)}`,
      );
    }
    const flowinfo = (address[2] ?? 0) as unknown;
    let scopeId = (address[3] ?? 0) as unknown;
    if (
      typeof flowinfo !== 'number' ||
      !Number.isInteger(flowinfo) ||
      flowinfo < 0 ||
      flowinfo > 0xfffff
    ) {
      throw new InvalidAddressError(
        `${syscall}() expected flowinfo from 0 to 1048575, got ${formatValue(flowinfo)}`,
      );
    }
    if (
      typeof scopeId !== 'number' ||
      !Number.isInteger(scopeId) ||
      scopeId < 0 ||
      scopeId > 0xffffffff
    ) {
      throw new InvalidAddressError(
        `${syscall}() expected a scope id from 0 to 4294967295, got ${formatValue(scopeId)}`,
      );
    }
    let bare = host;
    const zone = host.indexOf('%');
    if (zone >= 0) {
      bare = host.slice(0, zone);
      const name = host.slice(zone + 1);
      scopeId = /^\d+$/.test(name) ? Number(name) : libc.if_nametoindex(name);
      if (scopeId === 0)
        throw new InvalidAddressError(
          `${syscall}() found no network interface named ${formatValue(name)}`,
        );
    }
    const buf = Buffer.alloc(SIN6_SIZE);
    writeFamily(buf, family, SIN6_SIZE);
    buf.writeUInt16BE(port, 2);
    buf.writeUInt32BE(flowinfo, 4);
    const ip = Buffer.alloc(16);
    hostBytes(family, bare, ip, syscall);
    ip.copy(buf, 8);
    buf.writeUInt32LE(scopeId as number, 24);
    return [buf, SIN6_SIZE];
  }

  throw new InvalidAddressError(
    `${syscall}() does not know how to encode an address for ${familyName(family)}`,
  );
}

const ntopBuffer = Buffer.alloc(64);

/** Decodes `len` bytes of a sockaddr the kernel filled in back to the Python form. */
export function decodeAddress(buf: Buffer, len: number): Address {
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
    // An unnamed socket (socketpair, an unbound client) comes back with no path at all.
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

/** `127.0.0.1:80`, `[::1]:80`, `/tmp/sock`: an address as error messages and toString show it. */
export function formatAddress(address: unknown): string {
  if (typeof address === 'string')
    return address.startsWith('\0') ? `@${address.slice(1)}` : address;
  if (Array.isArray(address) && typeof address[0] === 'string') {
    const [host, port] = address as [string, unknown];
    return host.includes(':') ? `[${host}]:${String(port)}` : `${host}:${String(port)}`;
  }
  return formatValue(address);
}
