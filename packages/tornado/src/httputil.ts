/**
 * `@aio/tornado/httputil`: tornado's HTTP utilities (tornado/httputil.py) — `HTTPHeaders`, the
 * start lines and their strict parsers, `HTTPServerRequest`, the delegate interfaces between a
 * connection and an application, body arguments (urlencoded and multipart, with tornado 6.5's
 * limits), cookies, `urlConcat`, `formatTimestamp`, and the two errors.
 *
 * @module @aio/tornado/httputil
 */
export { HTTPHeaders, normalizeHeaderName, type HTTPHeadersInit } from './httputil/headers';
export {
  RequestStartLine,
  ResponseStartLine,
  parseRequestStartLine,
  parseResponseStartLine,
} from './httputil/start-line';
export { HTTPInputError, HTTPOutputError } from './httputil/errors';
export type {
  HTTPConnection,
  HTTPMessageDelegate,
  HTTPServerConnectionDelegate,
  MaybeAwaitable,
} from './httputil/delegate';
export {
  HTTPServerRequest,
  type HTTPArguments,
  type HTTPServerRequestInit,
  type RequestContext,
} from './httputil/request';
export * from './httputil/body';
export * from './httputil/cookies';
export * from './httputil/url';
export { parseHeaderParams, encodeHeaderParams } from './httputil/params';
