/**
 * The web page's side-by-side app, in aio: `stories.py` (tornado) and `stories-fastify.ts`
 * (fastify) are the same app, and `test/side-by-side.test.ts` sends all three the same requests
 * and expects the same answers.
 *
 *   node --import tsx apps/docs/side-by-side/stories.ts [--port 8888]
 */
import { parseArgs } from 'node:util';
import { IOLoop } from '@aio/tornado/ioloop';
import { Application, HTTPError, RequestHandler } from '@aio/tornado/web';

// #region app
const stories = new Map([[1, 'The loop that never blocked']]);

class HelloHandler extends RequestHandler {
  override get(): void {
    this.write(`Hello, ${this.getArgument('name', 'world')}!`);
  }
}

class StoryHandler extends RequestHandler {
  override get(id: string): void {
    const title = stories.get(Number(id));
    if (title === undefined) throw new HTTPError(404);
    this.write({ id: Number(id), title }); // an object is written as JSON
  }
}

class NewStoryHandler extends RequestHandler {
  override post(): void {
    let title: unknown;
    try {
      title = (JSON.parse(this.request.body.toString('utf8')) as { title?: unknown }).title;
    } catch {
      throw new HTTPError(400, 'the body is not JSON');
    }
    if (typeof title !== 'string') throw new HTTPError(400, 'expected {"title": "…"}');
    const id = Math.max(...stories.keys()) + 1;
    stories.set(id, title);
    this.setStatus(201);
    this.write({ id, title });
  }
}

function makeApp(): Application {
  return new Application([
    ['/', HelloHandler],
    ['/story/([0-9]+)', StoryHandler],
    ['/story', NewStoryHandler],
  ]);
}
// #endregion app

const { values } = parseArgs({ options: { port: { type: 'string', default: '8888' } } });
const port = Number(values.port);
// #region listen
makeApp().listen(port, '127.0.0.1');
console.log(`listening on http://127.0.0.1:${port}/`);
await IOLoop.current().start();
// #endregion listen
