/**
 * fastify, the Node peer of `pnpm bench web`'s server cases, each case written as fastify's
 * docs and its own benchmarks write it:
 *
 * - `hello`: `GET /` answering "Hello, world" from a synchronous handler (`reply.send`);
 * - `json`: `GET /` returning a small object built for every request, through a route with a
 *   response schema, so that fastify serializes it with the function fast-json-stringify
 *   compiled from the schema (its fastest path, and the issue's "with its response schema");
 * - `static`: `@fastify/static` serving `--dir` under `/static/` (ETag and Last-Modified on, its
 *   defaults; a matching `If-None-Match` answered 304).
 *
 *   fastify-web.ts --case hello|json|static [--dir DIR] [--backlog N]
 *
 * No logger (fastify's default). Same protocol as every bench server: prints `{"port": N}` once
 * listening on 127.0.0.1, and stops when stdin reaches EOF.
 */
import { parseArgs } from 'node:util';
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';

const { values } = parseArgs({
  options: {
    case: { type: 'string' },
    dir: { type: 'string' },
    backlog: { type: 'string', default: '1024' },
  },
});
const usage = (message: string): never => {
  process.stderr.write(`fastify-web.ts: ${message}\n`);
  process.exit(2);
};
const backlog = Number(values.backlog);
if (!Number.isInteger(backlog) || backlog < 1) {
  usage(`--backlog must be an integer >= 1, got ${values.backlog}`);
}

/** The JSON case's object, the same in aio's and tornado's servers; its schema, for fastify. */
const ITEM_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    active: { type: 'boolean' },
  },
} as const;

const app = Fastify();
switch (values.case) {
  case 'hello':
    app.get('/', (_request, reply) => {
      reply.send('Hello, world');
    });
    break;
  case 'json':
    app.get('/', { schema: { response: { 200: ITEM_SCHEMA } } }, (_request, reply) => {
      reply.send({ id: 1, name: 'Hello, world', tags: ['tornado', 'web', 'json'], active: true });
    });
    break;
  case 'static':
    if (!values.dir) usage('--case static needs --dir DIR');
    await app.register(fastifyStatic, { root: values.dir!, prefix: '/static/' });
    break;
  default:
    usage(`--case must be hello, json or static, got ${String(values.case)}`);
}

await app.listen({ port: 0, host: '127.0.0.1', backlog });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.stdin.on('end', () => {
  void app.close();
  app.server.closeAllConnections();
});
process.stdin.resume();
