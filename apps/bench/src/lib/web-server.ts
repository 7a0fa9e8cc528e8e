/**
 * How the aio servers of `pnpm bench web` (`src/servers/web-*.ts`) serve their tornado
 * `Application`, as every aio bench server serves (`serve.ts`): on 127.0.0.1, printing
 * `{"port": N}` once listening, stopping when stdin reaches EOF.
 *
 *   web-<case>.ts [--mode hosted|blocking] [--backlog N] [the server's own options]
 *
 * tornado's docs start an application with `app.listen(8888)` and `IOLoop.current().start()`;
 * `listen` is `new HTTPServer(app)` listening on sockets it binds. Here the socket is bound
 * first (`bindSockets` on port 0, with the bench's backlog) so that the port the kernel chose can
 * be printed, and the loop runs in `runSync` until stdin's EOF. `--mode` is the IOLoop's (default
 * `hosted`, as `IOLoop.current()` makes it). On EOF the server stops accepting, closes every
 * connection, and the process exits 0.
 */
import type { ParseArgsConfig } from 'node:util';
import { HTTPServer } from '@aio/tornado/httpserver';
import type { RequestCallback } from '@aio/tornado/httpserver';
import type { HTTPServerConnectionDelegate } from '@aio/tornado/httputil';
import { IOLoop } from '@aio/tornado/ioloop';
import { bindSockets } from '@aio/tornado/netutil';
import { announcePort, serverArgs, stdinClosed } from './serve';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `script`'s command line (`--mode`, `--backlog` and its own `options`), makes its
 * application with `makeApp(values)` inside the running loop, and serves it until stdin ends.
 * @throws exits the process with status 2, saying why, when an option is not valid
 */
export async function runWebServer(
  script: string,
  makeApp: (
    values: Readonly<Record<string, string | boolean | undefined>>,
  ) => HTTPServerConnectionDelegate | RequestCallback,
  options: Options = {},
): Promise<void> {
  const { mode, backlog, values } = serverArgs(script, options);
  const ioloop = new IOLoop({ mode });
  await ioloop.runSync(function* main(): Generator<unknown, void, unknown> {
    const app = makeApp(values);
    const [listener] = bindSockets(0, '127.0.0.1', { backlog });
    const [, port] = listener!.getsockname() as [string, number];
    const server = new HTTPServer(app);
    server.addSockets([listener!]);

    const stopped = stdinClosed(ioloop.asyncioLoop);
    announcePort(port);

    yield* stopped;
    server.stop();
    yield* server.closeAllConnections();
  });
  ioloop.close();
  process.exitCode = 0;
}
