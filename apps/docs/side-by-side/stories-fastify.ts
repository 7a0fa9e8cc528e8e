/**
 * The web page's side-by-side app, in fastify: `stories.ts` (aio) and `stories.py` (tornado) are
 * the same app, and `test/side-by-side.test.ts` sends all three the same requests and expects
 * the same answers.
 *
 *   node --import tsx apps/docs/side-by-side/stories-fastify.ts [--port 8888]
 */
import { parseArgs } from 'node:util';
import Fastify from 'fastify';

// #region app
const stories = new Map([[1, 'The loop that never blocked']]);

function makeApp() {
  const app = Fastify();
  app.get<{ Querystring: { name?: string } }>('/', (request, reply) => {
    reply.send(`Hello, ${request.query.name ?? 'world'}!`);
  });
  app.get<{ Params: { id: string } }>('/story/:id(^\\d+)', (request, reply) => {
    const id = Number(request.params.id);
    const title = stories.get(id);
    if (title === undefined) return reply.callNotFound();
    reply.send({ id, title }); // an object is sent as JSON
  });
  const body = { type: 'object', required: ['title'], properties: { title: { type: 'string' } } };
  app.post<{ Body: { title: string } }>('/story', { schema: { body } }, (request, reply) => {
    const id = Math.max(...stories.keys()) + 1;
    stories.set(id, request.body.title);
    reply.code(201).send({ id, title: request.body.title });
  });
  return app;
}
// #endregion app

const { values } = parseArgs({ options: { port: { type: 'string', default: '8888' } } });
const port = Number(values.port);
// #region listen
await makeApp().listen({ port, host: '127.0.0.1' });
console.log(`listening on http://127.0.0.1:${port}/`);
// #endregion listen
