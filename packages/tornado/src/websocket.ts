/**
 * `@aio/tornado/websocket`: tornado's WebSocket support (tornado/websocket.py) — RFC 6455 with
 * RFC 7692 permessage-deflate. `WebSocketHandler` is the server side, a `RequestHandler` of the
 * web framework; `websocketConnect` the client, on the HTTP client's connections (`ws://`,
 * `wss://`).
 *
 * Names are tornado's camelCased; message sizes in bytes; `pingInterval` and `pingTimeout` (and
 * the `websocketPingInterval`, `websocketPingTimeout` settings) in seconds, as tornado's; the
 * client's `connectTimeout` in milliseconds, as the HTTP client's.
 *
 * @example
 * ```ts
 * import { Application } from '@aio/tornado/web';
 * import { WebSocketHandler, websocketConnect } from '@aio/tornado/websocket';
 *
 * class EchoWebSocket extends WebSocketHandler {
 *   override onMessage(message: string | Buffer) {
 *     void this.writeMessage(message, { binary: typeof message !== 'string' });
 *   }
 * }
 * new Application([['/echo', EchoWebSocket]]).listen(8888);
 *
 * const conn = await websocketConnect('ws://127.0.0.1:8888/echo');
 * await conn.writeMessage('hello');
 * console.log(await conn.readMessage()); // 'hello'
 * conn.close(1000, 'done');
 * ```
 *
 * @module @aio/tornado/websocket
 */
export {
  WebSocketHandler,
  type WebSocketMessage,
  type WriteMessageOptions,
} from './websocket/handler';
export {
  WebSocketClientConnection,
  websocketConnect,
  type WebSocketConnectOptions,
} from './websocket/client';
export {
  WebSocketProtocol,
  DEFAULT_MAX_MESSAGE_SIZE,
  type WebSocketDelegate,
  type WebSocketParams,
} from './websocket/protocol';
export type { CompressionOptions } from './websocket/deflate';
export { computeAcceptValue } from './websocket/handshake';
export { WebSocketClosedError, WebSocketError, WebSocketProtocolError } from './websocket/errors';
