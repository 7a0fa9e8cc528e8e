/**
 * tornado's WebSocket chat demo (demos/websocket/chatdemo.py) on aio: a chat room where each
 * browser keeps one WebSocket open to /chatsocket. A message sent on any socket is rendered once
 * by `message.html`, kept in a cache of the last 200 (the page a newcomer loads shows them), and
 * sent to every socket open — the push that the long-polling demo (examples/chat) builds out of
 * held requests, here one `writeMessage` per browser.
 *
 *   node --conditions=@aio/source --import tsx examples/websocket/chat.ts [--port 8888] [--address 127.0.0.1]
 *
 * or, where @aio/tornado is installed (the examples come with the package; tsx runs them):
 *
 *   node --import tsx node_modules/@aio/tornado/examples/websocket/chat.ts
 *
 * then open http://127.0.0.1:8888/ in two browsers. It prints `listening on http://…` once it
 * accepts connections, and stops on SIGINT or SIGTERM.
 *
 * Like tornado's demo it has no sign-in and nothing to protect from cross-site requests with an
 * XSRF token: no form is ever posted, and a WebSocket is guarded by its handler's `checkOrigin`
 * instead, which by default accepts only pages from this server's own host.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HTTPServer } from '@aio/tornado/httpserver';
import { IOLoop } from '@aio/tornado/ioloop';
import { appLog } from '@aio/tornado/log';
import { bindSockets } from '@aio/tornado/netutil';
import { Application, RequestHandler } from '@aio/tornado/web';
import { WebSocketHandler } from '@aio/tornado/websocket';

// #region room
/** One chat message, as the page and the sockets carry it. */
export interface Chat {
  readonly id: string;
  readonly body: string;
  /** The message rendered by `message.html`, for the page to insert as it is. */
  html: string;
}

/**
 * Who is in the room and what was said: tornado's demo keeps these as class attributes of
 * `ChatSocketHandler` (`waiters`, `cache`, `cache_size`); here they belong to the application,
 * as examples/chat's `MessageBuffer` does, so that each `makeApp()` is a room of its own.
 */
export class ChatRoom {
  /** The sockets open now, each told every new message. */
  readonly waiters = new Set<ChatSocketHandler>();
  cache: Chat[] = [];
  readonly cacheSize = 200;

  updateCache(chat: Chat): void {
    this.cache.push(chat);
    if (this.cache.length > this.cacheSize) this.cache = this.cache.slice(-this.cacheSize);
  }

  sendUpdates(chat: Chat): void {
    appLog.info(`sending message to ${String(this.waiters.size)} waiters`);
    for (const waiter of this.waiters) {
      try {
        // The future settles once the bytes are with the kernel; a socket closing meanwhile
        // fails it quietly, and onClose takes the waiter out of the room.
        void waiter.writeMessage({ ...chat });
      } catch (error) {
        appLog.error(error, 'Error sending message');
      }
    }
  }
}
// #endregion room

// #region handlers
class MainHandler extends RequestHandler {
  override get() {
    this.render('index.html', { messages: (this.settings.chatRoom as ChatRoom).cache });
  }
}

export class ChatSocketHandler extends WebSocketHandler {
  get room(): ChatRoom {
    return this.settings.chatRoom as ChatRoom;
  }

  /** Non-null enables compression (permessage-deflate) with default options. */
  override getCompressionOptions() {
    return {};
  }

  override open() {
    this.room.waiters.add(this);
  }

  override onClose() {
    this.room.waiters.delete(this);
  }

  /** A message from a browser, `{"body": "…"}`: rendered, kept, and sent to everyone. */
  override onMessage(message: string | Buffer) {
    appLog.info(`got message ${JSON.stringify(String(message))}`);
    const parsed = JSON.parse(String(message)) as { body?: unknown };
    const body = typeof parsed.body === 'string' ? parsed.body : '';
    const chat: Chat = { id: randomUUID(), body, html: '' };
    chat.html = this.renderString('message.html', { message: chat }).toString('utf8');
    this.room.updateCache(chat);
    this.room.sendUpdates(chat);
  }
}
// #endregion handlers

// #region application
/** The chat application, around `room` (a new, empty one by default). */
export function makeApp(options: { room?: ChatRoom; debug?: boolean } = {}): Application {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return new Application(
    [
      ['/', MainHandler],
      ['/chatsocket', ChatSocketHandler],
    ],
    {
      templatePath: `${here}templates`,
      staticPath: `${here}static`,
      debug: options.debug ?? false,
      chatRoom: options.room ?? new ChatRoom(),
    },
  );
}
// #endregion application

// #region main
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8888' },
      address: { type: 'string', default: '127.0.0.1' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`chat.ts: --port expected a port number, got ${values.port}\n`);
    process.exit(2);
  }
  const ioloop = IOLoop.current();
  const sockets = bindSockets(port, values.address); // or makeApp().listen(port, address)
  const server = new HTTPServer(makeApp());
  server.addSockets(sockets);
  const [, bound] = sockets[0]!.getsockname() as [string, number];
  process.stdout.write(`listening on http://${values.address}:${String(bound)}/\n`);

  const stop = (): void => {
    ioloop.addCallback(() => {
      server.stop();
      ioloop.stop();
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await ioloop.start();
  ioloop.close(true); // the WebSockets still open, and the listening sockets
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
// #endregion main
