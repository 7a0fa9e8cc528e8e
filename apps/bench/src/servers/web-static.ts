/**
 * The aio server of `pnpm bench web`'s static case: tornado's `StaticFileHandler` serving the
 * directory `--dir` under `/static/`, with its ETag (answering 304 to an `If-None-Match` that
 * matches it) and its ranges, as tornado's docs route it:
 *
 *   new Application([['/static/(.*)', StaticFileHandler, { path: dir }]])
 *
 *   web-static.ts --dir DIR [--mode hosted|blocking] [--backlog N]
 *
 * Served as every bench server is (`src/lib/web-server.ts`).
 */
import { Application, StaticFileHandler } from '@aio/tornado/web';
import { runWebServer } from '../lib/web-server';

await runWebServer(
  'web-static.ts',
  ({ dir }) => {
    if (typeof dir !== 'string' || dir === '') {
      process.stderr.write('web-static.ts: --dir DIR is required\n');
      process.exit(2);
    }
    return new Application([['/static/(.*)', StaticFileHandler, { path: dir }]]);
  },
  { dir: { type: 'string' } },
);
