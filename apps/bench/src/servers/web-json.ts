/**
 * The aio server of `pnpm bench web`'s JSON case: a `RequestHandler` that builds a small object
 * for every request and writes it, which `write` serializes as JSON (`Content-Type:
 * application/json; charset=UTF-8`), as tornado's `write(dict)` does.
 *
 *   web-json.ts [--mode hosted|blocking] [--backlog N]
 *
 * The object is the one fastify's peer route describes in its response schema, and tornado's
 * peer writes: `{"id": 1, "name": "Hello, world", "tags": ["tornado", "web", "json"],
 * "active": true}`. Served as every bench server is (`src/lib/web-server.ts`).
 */
import { Application, RequestHandler } from '@aio/tornado/web';
import { runWebServer } from '../lib/web-server';

class ItemHandler extends RequestHandler {
  override get(): void {
    this.write({ id: 1, name: 'Hello, world', tags: ['tornado', 'web', 'json'], active: true });
  }
}

await runWebServer('web-json.ts', () => new Application([['/', ItemHandler]]));
