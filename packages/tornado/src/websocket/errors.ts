/**
 * tornado's WebSocket errors (tornado/websocket.py), each with a stable `code`.
 */

/** The base class of this module's errors. */
export class WebSocketError extends Error {
  override name = 'WebSocketError';
  readonly code: string = 'ERR_AIO_WEBSOCKET';
}

/**
 * A write, ping or close on a WebSocket that is closed or closing (tornado's
 * `WebSocketClosedError`); also what a pending `writeMessage` future fails with when the
 * connection closes before its bytes left.
 */
export class WebSocketClosedError extends WebSocketError {
  override name = 'WebSocketClosedError';
  override readonly code: string = 'ERR_AIO_WEBSOCKET_CLOSED';

  constructor(message = 'WebSocket is closed', options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * The peer broke the protocol (a bad frame, a bad handshake answer, an extension nobody offered):
 * what `websocketConnect` fails with when the server's 101 does not check out.
 */
export class WebSocketProtocolError extends WebSocketError {
  override name = 'WebSocketProtocolError';
  override readonly code: string = 'ERR_AIO_WEBSOCKET_PROTOCOL';
}
