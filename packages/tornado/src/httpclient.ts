/**
 * `@aio/tornado/httpclient`: tornado's HTTP client (tornado/httpclient.py and
 * tornado/simple_httpclient.py) — `AsyncHTTPClient` on the loop, with keep-alive pooling,
 * HTTP proxies (`CONNECT` tunnels for https), TLS, redirects that keep credentials within their
 * origin, gzip limited after decompression; the blocking `HTTPClient` beside it.
 *
 * Times are in milliseconds (tornado's are seconds); names are camelCased.
 *
 * @module @aio/tornado/httpclient
 */
export {
  AsyncHTTPClient,
  type AsyncHTTPClientOptions,
  type FetchOptions,
  type HTTPClientStats,
} from './httpclient/client';
export {
  HTTPRequest,
  REQUEST_DEFAULTS,
  type BodyWriter,
  type HTTPRequestOptions,
  type MaybeFuture,
  type RequestDefaults,
} from './httpclient/request';
export {
  HTTPClientError,
  HTTPClientError as HTTPError,
  HTTPResponse,
  HTTPStreamClosedError,
  HTTPTimeoutError,
  type HTTPResponseInit,
} from './httpclient/response';
export { ProxyTunnelError } from './httpclient/proxy';
export { HTTPClient } from './httpclient/blocking';
