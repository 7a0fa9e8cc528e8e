/**
 * `@aio/tornado/http1connection`: tornado's HTTP/1.x connection (tornado/http1connection.py) —
 * `HTTP1Connection` for one request/response exchange (a server's or a client's) and
 * `HTTP1ServerConnection` for a server's keep-alive connection, with `HTTP1ConnectionParameters`.
 * The parser is strict: the policies are in this package's README.
 *
 * @module @aio/tornado/http1connection
 */
export { HTTP1Connection } from './http1connection/connection';
export { HTTP1ServerConnection } from './http1connection/server-connection';
export type { HTTP1ConnectionParameters } from './http1connection/params';
