/**
 * `@aio/tornado/netutil`: tornado's network utilities (tornado/netutil.py) on aio sockets —
 * listening sockets (`bindSockets`, `bindUnixSocket`), accepting on them from the IOLoop
 * (`addAcceptHandler`), `isValidIp`, and the `Resolver` family that turns host names into
 * addresses without blocking the loop.
 *
 * TLS: `sslOptionsToContext` and `sslWrapSocket` turn tornado's `sslOptions` (a shared
 * `SSLContext`, or the dictionary form camelCased) into contexts and TLS sockets; `SSLContext`,
 * `createDefaultContext` and the `CERT_*` constants are re-exported from `@aio/selector/ssl`.
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
export {
  sslOptionsToContext,
  sslWrapSocket,
  type SSLOptions,
  type SSLOptionsDict,
} from './netutil/ssl';
export {
  CERT_NONE,
  CERT_OPTIONAL,
  CERT_REQUIRED,
  SSLContext,
  SSLError,
  SSLCertVerificationError,
  SSLEOFError,
  SSLConfigError,
  TLSVersion,
  createDefaultContext,
} from '@aio/selector/ssl';
