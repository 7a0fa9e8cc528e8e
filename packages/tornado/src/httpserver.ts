/**
 * `@aio/tornado/httpserver`: tornado's `HTTPServer` (tornado/httpserver.py) — a non-blocking
 * HTTP/1.x server on `TCPServer`: keep-alive, pipelining, chunked bodies, `100-continue`, gzip
 * request bodies, TLS, proxies' `X-*` headers when trusted, timeouts, and a graceful `drain()`.
 * `HTTPRequest` is tornado's old name for `HTTPServerRequest`.
 *
 * @module @aio/tornado/httpserver
 */
export {
  HTTPServer,
  HTTPRequestContext,
  type HTTPServerOptions,
  type RequestCallback,
} from './httpserver/server';
export { HTTPServerRequest, HTTPServerRequest as HTTPRequest } from './httputil/request';
