/**
 * tornado's chat demo (demos/chat/chatdemo.py) on aio: a chat room served by `web.Application`,
 * with the pieces a real application has — templates with UI modules, a sign-in kept in a signed
 * cookie, XSRF protection on every POST, static files with versioned URLs, and **long polling**:
 * each browser keeps one POST to /a/message/updates open, and the server answers it when a
 * message arrives (a `Condition` every waiting handler waits on), or drops its wait when the
 * browser goes away (`onConnectionClose`).
 *
 *   node --conditions=@aio/source --import tsx examples/chat/chat.ts [--port 8888] [--address 127.0.0.1]
 *
 * or, where @aio/tornado is installed (the examples come with the package; tsx runs them):
 *
 *   node --import tsx node_modules/@aio/tornado/examples/chat/chat.ts
 *
 * then open http://127.0.0.1:8888/ in two browsers. It prints `listening on http://…` once it
 * accepts connections, and stops on SIGINT or SIGTERM.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Future } from '@aio/tornado/concurrent';
import { HTTPServer } from '@aio/tornado/httpserver';
import { IOLoop } from '@aio/tornado/ioloop';
import { Condition } from '@aio/tornado/locks';
import { bindSockets } from '@aio/tornado/netutil';
import { Application, RequestHandler, authenticated } from '@aio/tornado/web';

// #region buffer
/** One chat message, as the page and the updates carry it. */
export interface Message {
  readonly id: string;
  readonly from: string;
  readonly body: string;
  /** The message rendered by `message.html`, for the page to insert as it is. */
  html: string;
}

/** The last messages, and a Condition every long poll waits on (tornado's MessageBuffer). */
export class MessageBuffer {
  readonly cond = new Condition();
  cache: Message[] = [];
  readonly cacheSize = 200;

  /** The messages after the one with id `cursor` (all of them without a cursor). */
  getMessagesSince(cursor: string | null): Message[] {
    const results: Message[] = [];
    for (let i = this.cache.length - 1; i >= 0; i--) {
      const message = this.cache[i]!;
      if (message.id === cursor) break;
      results.push(message);
    }
    return results.reverse();
  }

  addMessage(message: Message): void {
    this.cache.push(message);
    if (this.cache.length > this.cacheSize) this.cache = this.cache.slice(-this.cacheSize);
    this.cond.notifyAll();
  }
}
// #endregion buffer

// #region handlers
/** Who is signed in: the name in the signed `chatuser` cookie. */
class BaseHandler extends RequestHandler {
  override getCurrentUser(): string | null {
    return this.getSignedCookie('chatuser')?.toString('utf8') ?? null;
  }

  get buffer(): MessageBuffer {
    return this.settings.messageBuffer as MessageBuffer;
  }
}

class MainHandler extends BaseHandler {
  @authenticated
  override get() {
    this.render('index.html', { messages: this.buffer.cache });
  }
}

class LoginHandler extends BaseHandler {
  override get() {
    this.render('login.html', { error: null });
  }

  override post() {
    const name = this.getArgument('name', '').slice(0, 40);
    if (name === '') {
      this.render('login.html', { error: 'Choose a name first.' });
      return;
    }
    this.setSignedCookie('chatuser', name, { httponly: true, samesite: 'Lax' });
    this.redirect(this.getArgument('next', '/'));
  }
}

class LogoutHandler extends BaseHandler {
  override get() {
    this.clearCookie('chatuser');
    this.redirect('/');
  }
}

class MessageNewHandler extends BaseHandler {
  /** Posts a message (the form posts it too, without JavaScript: then a redirect back). */
  @authenticated
  override post() {
    const message: Message = {
      id: randomUUID(),
      from: String(this.currentUser),
      body: this.getArgument('body'),
      html: '',
    };
    message.html = this.renderString('message.html', { message }).toString('utf8');
    const next = this.getArgument('next', null);
    if (next !== null) this.redirect(next);
    else this.write({ ...message });
    this.buffer.addMessage(message);
  }
}

class MessageUpdatesHandler extends BaseHandler {
  #wait: Future<boolean> | null = null;

  /** The long poll: answers with the messages after `cursor`, waiting until there are some. */
  @authenticated
  override async post() {
    const cursor = this.getArgument('cursor', null);
    let messages = this.buffer.getMessagesSince(cursor);
    while (messages.length === 0) {
      const wait = (this.#wait = this.buffer.cond.wait());
      try {
        await wait;
      } catch (error) {
        if (wait.cancelled()) return; // the browser has gone (onConnectionClose)
        throw error;
      }
      messages = this.buffer.getMessagesSince(cursor);
    }
    this.write({ messages });
  }

  override onConnectionClose() {
    this.#wait?.cancel();
    super.onConnectionClose();
  }
}
// #endregion handlers

// #region application
/** The chat application; `cookieSecret` should come from your configuration, not from here. */
export function makeApp(options: { cookieSecret?: string; debug?: boolean } = {}): Application {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return new Application(
    [
      ['/', MainHandler],
      ['/auth/login', LoginHandler],
      ['/auth/logout', LogoutHandler],
      ['/a/message/new', MessageNewHandler],
      ['/a/message/updates', MessageUpdatesHandler],
    ],
    {
      cookieSecret: options.cookieSecret ?? randomBytes(32).toString('hex'),
      loginUrl: '/auth/login',
      templatePath: `${here}templates`,
      staticPath: `${here}static`,
      xsrfCookies: true,
      debug: options.debug ?? false,
      messageBuffer: new MessageBuffer(),
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
  await ioloop.runSync(() => server.closeAllConnections()); // the long polls still open
  ioloop.close(true);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
// #endregion main
