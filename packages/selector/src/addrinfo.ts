/**
 * The raw `getaddrinfo(3)` walk: hints in, a list of `{family, type, proto, canonname, sockaddr}`
 * out, with the C list freed before returning. `getaddrinfo.ts` turns it into Python's tuples;
 * `address.ts` uses it to resolve a host name given to `connect`/`bind`.
 *
 * `struct addrinfo` is four ints, a socklen_t, then three pointers whose order differs: Linux has
 * `ai_addr, ai_canonname, ai_next`, the BSDs `ai_canonname, ai_addr, ai_next`.
 */
import { GaiError, osError, InvalidAddressError } from './errors';
import { formatValue } from './format';
import {
  POINTER_SIZE,
  copyFromPointer,
  errno,
  libc,
  readCString,
  readIntField,
  readPointerField,
} from './libc';
import { platform } from './platform/index';

const POINTER = POINTER_SIZE;
const align = (n: number, to: number): number => Math.ceil(n / to) * to;
const FIRST_POINTER = align(20, POINTER);
const OFF_ADDR = platform.addrinfoCanonnameFirst ? FIRST_POINTER + POINTER : FIRST_POINTER;
const OFF_CANONNAME = platform.addrinfoCanonnameFirst ? FIRST_POINTER : FIRST_POINTER + POINTER;
const OFF_NEXT = FIRST_POINTER + 2 * POINTER;
const ADDRINFO_SIZE = OFF_NEXT + POINTER;

export interface RawAddrInfo {
  readonly family: number;
  readonly type: number;
  readonly proto: number;
  readonly canonname: string;
  readonly sockaddr: Buffer;
}

const gaiNames = new Map(Object.entries(platform.gaiErrors).map(([name, code]) => [code, name]));

function service(port: unknown): string | null {
  if (port === null || port === undefined) return null;
  if (typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65535)
    return String(port);
  if (typeof port === 'string') return port;
  throw new InvalidAddressError(
    `getaddrinfo() expected a port number, a service name or null, got ${formatValue(port)}`,
  );
}

interface Call {
  readonly host: string | null;
  readonly service: string | null;
  readonly hints: Buffer;
  readonly out: [unknown];
}

function prepare(
  host: string | null,
  port: number | string | null | undefined,
  family: number,
  type: number,
  proto: number,
  flags: number,
): Call {
  if (host !== null && typeof host !== 'string') {
    throw new InvalidAddressError(
      `getaddrinfo() expected a host string or null, got ${formatValue(host)}`,
    );
  }
  const hints = Buffer.alloc(ADDRINFO_SIZE);
  hints.writeInt32LE(flags, 0);
  hints.writeInt32LE(family, 4);
  hints.writeInt32LE(type, 8);
  hints.writeInt32LE(proto, 12);
  return { host, service: service(port), hints, out: [null] };
}

/** Turns getaddrinfo's return code and list into results (or the error), freeing the list. */
function finish(call: Call, rc: number, errnoValue: number): RawAddrInfo[] {
  if (rc !== 0) {
    const name = gaiNames.get(rc);
    if (name === 'EAI_SYSTEM') throw osError(errnoValue, 'getaddrinfo', call.host ?? undefined);
    throw new GaiError(
      rc,
      'getaddrinfo',
      call.host ?? undefined,
      name ?? `EAI_${rc}`,
      libc.gai_strerror(rc),
    );
  }
  const results: RawAddrInfo[] = [];
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

/** Runs getaddrinfo(3) on the calling thread (it blocks while DNS answers). */
export function lookup(
  host: string | null,
  port: number | string | null | undefined,
  family: number,
  type: number,
  proto: number,
  flags: number,
): RawAddrInfo[] {
  const call = prepare(host, port, family, type, proto, flags);
  const rc = libc.getaddrinfo(call.host, call.service, call.hints, call.out);
  return finish(call, rc, rc === 0 ? 0 : errno());
}

/** The same getaddrinfo(3), run on a libuv worker thread so the calling thread stays free. */
export function lookupAsync(
  host: string | null,
  port: number | string | null | undefined,
  family: number,
  type: number,
  proto: number,
  flags: number,
): Promise<RawAddrInfo[]> {
  return new Promise((resolve, reject) => {
    const call = prepare(host, port, family, type, proto, flags);
    libc.getaddrinfo.async(call.host, call.service, call.hints, call.out, (err, rc) => {
      if (err) {
        reject(err instanceof Error ? err : new Error(formatValue(err)));
        return;
      }
      try {
        resolve(finish(call, rc, rc === 0 ? 0 : errno()));
      } catch (failure) {
        reject(failure instanceof Error ? failure : new Error(formatValue(failure)));
      }
    });
  });
}

/** The first numeric address for `host` in `family`, as connect/bind need it. */
export function resolveHostBytes(host: string, family: number, out: Buffer): void {
  const [first] = lookup(host, null, family, platform.SOCK_STREAM, 0, 0);
  if (!first) throw new GaiError(0, 'getaddrinfo', host, 'EAI_NONAME', 'no address found');
  const offset = family === platform.AF_INET ? 4 : 8;
  first.sockaddr.copy(out, 0, offset, offset + out.length);
}
