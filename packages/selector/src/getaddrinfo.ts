/**
 * `getaddrinfo(host, port, family?, type?, proto?, flags?)`, Python's `socket.getaddrinfo`.
 * It blocks the calling thread while the resolver works; upper layers that must not block run it
 * on a worker thread.
 */
import { decodeAddress, type Address } from './address';
import { lookup, lookupAsync, type RawAddrInfo } from './addrinfo';

/** One result, in Python's order: `[family, type, proto, canonname, address]`. */
export type AddrInfo = [
  family: number,
  type: number,
  proto: number,
  canonname: string,
  address: Address,
];

/**
 * Resolves `host` and `port` into the addresses a socket can connect or bind to.
 *
 * @param host a name, a numeric address, or `null` (with `AI_PASSIVE`: any address; else loopback)
 * @param port a number, a service name ('http'), or `null`
 * @throws GaiError with `code` 'EAI_NONAME' (and friends) when the name does not resolve
 * @example
 * ```ts
 * const [[family, type, proto, , address]] = getaddrinfo('localhost', 8080, AF_INET, SOCK_STREAM);
 * const sock = new Socket(family, type, proto);
 * sock.connect(address);
 * ```
 */
export function getaddrinfo(
  host: string | null,
  port: number | string | null = null,
  family = 0,
  type = 0,
  proto = 0,
  flags = 0,
): AddrInfo[] {
  return lookup(host, port, family, type, proto, flags).map(toTuple);
}

/**
 * `getaddrinfo` on a libuv worker thread: the same answer, as a Promise, without blocking the
 * calling thread while DNS answers (upper layers use it inside an event loop).
 */
export async function getaddrinfoAsync(
  host: string | null,
  port: number | string | null = null,
  family = 0,
  type = 0,
  proto = 0,
  flags = 0,
): Promise<AddrInfo[]> {
  return (await lookupAsync(host, port, family, type, proto, flags)).map(toTuple);
}

function toTuple(info: RawAddrInfo): AddrInfo {
  return [
    info.family,
    info.type,
    info.proto,
    info.canonname,
    decodeAddress(info.sockaddr, info.sockaddr.length),
  ];
}
