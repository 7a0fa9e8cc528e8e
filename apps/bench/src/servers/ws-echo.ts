/**
 * The aio server of `pnpm bench websocket`: tornado's WebSocket echo on @aio/tornado/websocket,
 * a `WebSocketHandler` whose `onMessage` writes each message back as it came (text as text,
 * binary as binary), routed at `/ws` by an `Application`.
 *
 *   ws-echo.ts [--deflate] [--mode hosted|blocking] [--backlog N]
 *
 * `--deflate`: `getCompressionOptions()` returns `{}` (permessage-deflate with the module's
 * defaults, as tornado's demos write it); otherwise null, tornado's default (off). `checkOrigin`
 * accepts any origin, as the other servers do (the load client sends none anyway).
 *
 * SIGUSR2 runs a full garbage collection when Node was started with `--expose-gc`: the idle
 * memory measurement reads the resident set after one. Served as every bench server is
 * (`src/lib/web-server.ts`): prints `{"port": N}` once listening on 127.0.0.1, stops when stdin
 * reaches EOF.
 */
import { Application } from '@aio/tornado/web';
import { WebSocketHandler } from '@aio/tornado/websocket';
import { runWebServer } from '../lib/web-server';

let deflate = false;

class EchoWebSocket extends WebSocketHandler {
  override onMessage(message: string | Buffer): void {
    // The load client closes its connections with echoes still to come: writing to a closed
    // connection throws WebSocketClosedError (tornado's semantics; a write that fails later
    // fails its future instead), which an echo server in service ignores rather than logs as an
    // uncaught exception.
    if (this.wsConnection === null || this.wsConnection.isClosing()) return;
    void this.writeMessage(message, { binary: Buffer.isBuffer(message) });
  }

  override getCompressionOptions() {
    return deflate ? {} : null;
  }

  override checkOrigin(): boolean {
    return true;
  }
}

process.on('SIGUSR2', () => globalThis.gc?.());

await runWebServer(
  'ws-echo.ts',
  (values) => {
    deflate = values.deflate === true;
    return new Application([['/ws', EchoWebSocket]]);
  },
  { deflate: { type: 'boolean', default: false } },
);
