/**
 * The aio server of `pnpm bench web`'s "Hello, world" case: tornado's first example (its
 * README's and docs' hello world) on @aio/tornado/web, a `RequestHandler` whose `get` writes
 * "Hello, world", routed by an `Application`.
 *
 *   web-hello.ts [--mode hosted|blocking] [--backlog N]
 *
 * Served as every bench server is (`src/lib/web-server.ts`): prints `{"port": N}` once listening
 * on 127.0.0.1, stops when stdin reaches EOF.
 */
import { Application, RequestHandler } from '@aio/tornado/web';
import { runWebServer } from '../lib/web-server';

class MainHandler extends RequestHandler {
  override get(): void {
    this.write('Hello, world');
  }
}

await runWebServer('web-hello.ts', () => new Application([['/', MainHandler]]));
