/**
 * Name resolution for clients: tornado's configurable `Resolver` family (tornado/netutil.py).
 *
 * `new Resolver()` gives an instance of the configured implementation (tornado's
 * `Configurable`): `DefaultLoopResolver` unless `Resolver.configure(...)` chose another. Every
 * `resolve` returns a Future of `[family, address]` pairs, each address ready for
 * `Socket.connect`, and fails with an OSError (a `GaiError` when the name does not resolve), as
 * tornado's resolvers raise IOError.
 *
 * - `DefaultLoopResolver` runs getaddrinfo on a libuv worker thread, so a slow DNS server never
 *   stops the loop (tornado's, on `asyncio.loop.getaddrinfo`).
 * - `OverrideResolver` maps hosts (and host-port pairs) to others before resolving: local DNS
 *   changes for tests and development.
 * - `NumericResolver` refuses to block: it resolves numeric addresses only, at once, and fails
 *   for a name instead of asking DNS. For servers that must never wait on a lookup. (tornado's
 *   `BlockingResolver`, which blocks the loop in getaddrinfo, and its deprecated executor
 *   resolvers are not ported.)
 */
import { getEventLoop } from '@aio/loop';
import { Future, wrapPromise } from '@aio/future';
import { failedFuture, resolvedFuture } from '@aio/future/internal';
import {
  AF_UNSPEC,
  AI_NUMERICHOST,
  AI_NUMERICSERV,
  GaiError,
  SOCK_STREAM,
  getaddrinfo,
  getaddrinfoAsync,
  type Address,
  type AddrInfo,
} from '@aio/selector';
import { checkInteger, optionTypeError, optionValueError } from '../log/errors';

/** One result of `resolve`: the address family (`AF_INET`, `AF_INET6`) and the address. */
export type ResolvedAddress = [family: number, address: Address];

/** A Resolver subclass, as `Resolver.configure` takes it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ResolverClass<A extends unknown[] = any[]> = new (...args: A) => Resolver;

// #region Resolver
/**
 * The asynchronous resolver interface, and its factory: `new Resolver()` makes the configured
 * implementation.
 * @example
 * ```ts
 * const resolver = new Resolver(); // a DefaultLoopResolver
 * const addresses = await resolver.resolve('localhost', 8080);
 * // [[2, ['127.0.0.1', 8080]], …]
 *
 * Resolver.configure(OverrideResolver, new DefaultLoopResolver(), { 'example.com': '127.0.0.1' });
 * ```
 */
export class Resolver {
  static #configured: { impl: ResolverClass; args: unknown[] } | null = null;

  /**
   * Makes the configured implementation when called as `new Resolver()`; a subclass's
   * constructor makes that subclass.
   */
  constructor() {
    if (new.target === Resolver) {
      const { impl, args } = Resolver.#configured ?? { impl: DefaultLoopResolver, args: [] };
      return new impl(...args);
    }
  }

  /**
   * Chooses what `new Resolver()` makes: `impl`, constructed with `args`; `null` goes back to
   * the default (`DefaultLoopResolver`).
   * @throws TypeError unless `impl` is a subclass of Resolver
   */
  static configure<C extends ResolverClass>(
    impl: C | null,
    ...args: C extends new (...a: infer A) => Resolver ? A : never
  ): void {
    if (impl === null) {
      Resolver.#configured = null;
      return;
    }
    if (typeof impl !== 'function' || !(impl.prototype instanceof Resolver)) {
      throw optionTypeError('Resolver.configure()', 'impl', 'a subclass of Resolver', impl);
    }
    Resolver.#configured = { impl, args };
  }

  /** The class `new Resolver()` makes now. */
  static configuredClass(): ResolverClass {
    return Resolver.#configured?.impl ?? DefaultLoopResolver;
  }

  /**
   * Resolves `host` (a name or a numeric address) and `port`; `family` narrows the answer to
   * `AF_INET` or `AF_INET6`.
   * @returns a Future of `[family, address]` pairs; it fails with an OSError (GaiError when the
   *   name does not resolve)
   */
  resolve(host: string, port: number, family?: number): Future<ResolvedAddress[]>;
  resolve(): Future<ResolvedAddress[]> {
    throw new TypeError(`${this.constructor.name} does not implement resolve()`);
  }

  /** Frees what the resolver holds. Those here hold nothing; an OverrideResolver closes its own. */
  close(): void {}

  toString(): string {
    return `<${this.constructor.name}>`;
  }
}
// #endregion Resolver

/** Checks `resolve`'s arguments, naming the resolver and the argument at fault. */
function checkResolveArgs(who: string, host: unknown, port: unknown, family: unknown): number {
  const where = `${who}.resolve()`;
  if (typeof host !== 'string') throw optionTypeError(where, 'host', 'a string', host);
  if (typeof port !== 'number') throw optionTypeError(where, 'port', 'a number', port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw optionValueError(where, 'port', 'an integer from 0 to 65535', port);
  }
  return checkInteger(where, 'family', family ?? AF_UNSPEC, 0);
}

function pairs(infos: AddrInfo[]): ResolvedAddress[] {
  return infos.map(([family, , , , address]) => [family, address]);
}

// #region DefaultLoopResolver
/** getaddrinfo on a libuv worker thread: the loop goes on while DNS answers. */
export class DefaultLoopResolver extends Resolver {
  override resolve(host: string, port: number, family?: number): Future<ResolvedAddress[]> {
    const af = checkResolveArgs('DefaultLoopResolver', host, port, family);
    const loop = getEventLoop();
    return wrapPromise(getaddrinfoAsync(host, port, af, SOCK_STREAM).then(pairs), loop);
  }
}
// #endregion DefaultLoopResolver

// #region NumericResolver
/**
 * Resolves numeric addresses only (`'127.0.0.1'`, `'::1'`), at once and without DNS; a name
 * fails with a GaiError (`EAI_NONAME`) that says why. It never blocks, and never sends a query.
 */
export class NumericResolver extends Resolver {
  override resolve(host: string, port: number, family?: number): Future<ResolvedAddress[]> {
    const af = checkResolveArgs('NumericResolver', host, port, family);
    const loop = getEventLoop();
    let infos: AddrInfo[];
    try {
      infos = getaddrinfo(host, port, af, SOCK_STREAM, 0, AI_NUMERICHOST | AI_NUMERICSERV);
    } catch (error) {
      if (error instanceof GaiError && error.code === 'EAI_NONAME') {
        return failedFuture(
          loop,
          new GaiError(
            error.errno,
            'resolve',
            host,
            'EAI_NONAME',
            'NumericResolver resolves numeric addresses only, and will not look up a name',
          ),
        );
      }
      return failedFuture(loop, error);
    }
    return resolvedFuture(loop, pairs(infos));
  }
}
// #endregion NumericResolver

// #region OverrideResolver
/** What an OverrideResolver matches: a host, a `[host, port]` or a `[host, port, family]`. */
export type OverrideKey =
  | string
  | readonly [host: string, port: number]
  | readonly [host: string, port: number, family: number];
/** What a match is resolved as instead: a host for a host key, a `[host, port]` for the others. */
export type OverrideTarget = string | readonly [host: string, port: number];
/** One override: a host to another host, or a host-port(-family) key to a `[host, port]`. */
export type OverrideEntry =
  | readonly [host: string, target: string]
  | readonly [
      key:
        | readonly [host: string, port: number]
        | readonly [host: string, port: number, family: number],
      target: readonly [host: string, port: number],
    ];
/** The overrides: a `{ host: otherHost }` object, or entries (a Map, an array). */
export type OverrideMapping = Readonly<Record<string, string>> | Iterable<OverrideEntry>;

/**
 * Resolves through `resolver`, after replacing what `mapping` overrides. A
 * `[host, port, family]` key wins over a `[host, port]` key, which wins over a host key.
 * Closing it closes `resolver`.
 * @example
 * ```ts
 * const resolver = new OverrideResolver(new DefaultLoopResolver(), [
 *   ['example.com', '127.0.1.1'],
 *   [['login.example.com', 443], ['localhost', 1443]],
 *   [['login.example.com', 443, AF_INET6], ['::1', 1443]],
 * ]);
 * ```
 */
export class OverrideResolver extends Resolver {
  readonly resolver: Resolver;
  readonly #hosts = new Map<string, string>();
  readonly #endpoints = new Map<string, readonly [string, number]>();

  constructor(resolver: Resolver, mapping: OverrideMapping) {
    super();
    if (!(resolver instanceof Resolver)) {
      throw optionTypeError('new OverrideResolver()', 'resolver', 'a Resolver', resolver);
    }
    this.resolver = resolver;
    for (const [key, target] of entriesOf(mapping)) this.#add(key, target);
  }

  #add(key: OverrideKey, target: OverrideTarget): void {
    const where = 'new OverrideResolver()';
    if (typeof key === 'string') {
      if (typeof target !== 'string') {
        throw optionTypeError(where, `mapping[${JSON.stringify(key)}]`, 'a host string', target);
      }
      this.#hosts.set(key, target);
      return;
    }
    const validKey =
      Array.isArray(key) &&
      (key.length === 2 || key.length === 3) &&
      typeof key[0] === 'string' &&
      Number.isInteger(key[1]) &&
      (key.length === 2 || Number.isInteger(key[2]));
    if (!validKey) {
      throw optionTypeError(
        where,
        'a mapping key',
        'a host, [host, port] or [host, port, family]',
        key,
      );
    }
    const validTarget =
      Array.isArray(target) &&
      target.length === 2 &&
      typeof target[0] === 'string' &&
      Number.isInteger(target[1]);
    if (!validTarget) {
      throw optionTypeError(
        where,
        `mapping[${JSON.stringify(key)}]`,
        'a [host, port] pair',
        target,
      );
    }
    const [host, port, family] = key as readonly [string, number, number?];
    const [toHost, toPort] = target as readonly [string, number];
    this.#endpoints.set(endpointKey(host, port, family), [toHost, toPort]);
  }

  override resolve(host: string, port: number, family?: number): Future<ResolvedAddress[]> {
    const af = checkResolveArgs('OverrideResolver', host, port, family);
    const exact = this.#endpoints.get(endpointKey(host, port, af));
    const endpoint = exact ?? this.#endpoints.get(endpointKey(host, port));
    if (endpoint !== undefined) [host, port] = endpoint;
    else host = this.#hosts.get(host) ?? host;
    return this.resolver.resolve(host, port, af);
  }

  override close(): void {
    this.resolver.close();
  }
}

function endpointKey(host: string, port: number, family?: number): string {
  return JSON.stringify(family === undefined ? [host, port] : [host, port, family]);
}

function entriesOf(mapping: OverrideMapping): Iterable<readonly [OverrideKey, OverrideTarget]> {
  if (mapping === null || typeof mapping !== 'object') {
    throw optionTypeError(
      'new OverrideResolver()',
      'mapping',
      'an object, a Map or entries',
      mapping,
    );
  }
  if (Symbol.iterator in mapping)
    return mapping as Iterable<readonly [OverrideKey, OverrideTarget]>;
  return Object.entries(mapping);
}
// #endregion OverrideResolver
