/**
 * `@aio/tornado/netutil`: tornado's network utilities (tornado/netutil.py) on aio sockets —
 * listening sockets (`bindSockets`, `bindUnixSocket`), accepting on them from the IOLoop
 * (`addAcceptHandler`), `isValidIp`, and the `Resolver` family that turns host names into
 * addresses without blocking the loop.
 *
 * TLS helpers (`sslOptionsToContext`, `sslWrapSocket`) are not here yet: they come with the TLS
 * layer.
 *
 * @module @aio/tornado/netutil
 */
export {
  DEFAULT_BACKLOG,
  addAcceptHandler,
  bindSockets,
  bindUnixSocket,
  isValidIp,
  type AcceptCallback,
  type BindSocketsOptions,
  type BindUnixSocketOptions,
} from './netutil/sockets';
export {
  DefaultLoopResolver,
  NumericResolver,
  OverrideResolver,
  Resolver,
  type OverrideEntry,
  type OverrideKey,
  type OverrideMapping,
  type OverrideTarget,
  type ResolvedAddress,
  type ResolverClass,
} from './netutil/resolver';
