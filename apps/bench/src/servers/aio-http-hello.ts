/**
 * The aio HTTP server for `pnpm bench http`: a bare @aio/tornado `HTTPServer` whose request
 * callback answers every request with "Hello, world!", as tornado's docs write a server without
 * `web.Application`:
 *
 *   new HTTPServer((request) => {
 *     request.connection.writeHeaders(new ResponseStartLine('HTTP/1.1', 200, 'OK'),
 *       new HTTPHeaders({ 'Content-Type': 'text/plain', 'Content-Length': '13' }), 'Hello, world!');
 *     request.connection.finish();
 *   });
 *
 * The callback runs once the request's body is read (the server gathers it), so a POST is
 * answered the same way after its body; a body shorter or longer than its `Content-Length` said
 * is answered 500, so the load client counts it as an error.
 *
 *   aio-http-hello.ts [--mode hosted|blocking] [--backlog N]
 *
 * `--mode` is the IOLoop's (default `hosted`, as `IOLoop.current()` makes it). Speaks the bench
 * servers' protocol: prints `{"port": N}` once listening on 127.0.0.1, and stops when stdin
 * reaches EOF (watched by the IOLoop itself, a handler on fd 0, so blocking mode stops too):
 * then it stops accepting, closes every connection, and exits 0.
 */
import { HTTPServer, type HTTPServerRequest } from '@aio/tornado/httpserver';
import { HTTPHeaders, ResponseStartLine } from '@aio/tornado/httputil';
import { IOLoop } from '@aio/tornado/ioloop';
import { bindSockets } from '@aio/tornado/netutil';
import { announcePort, serverArgs, stdinClosed } from '../lib/serve';

const { mode, backlog } = serverArgs('aio-http-hello.ts');

const BODY = 'Hello, world!';

function handleRequest(request: HTTPServerRequest): void {
  const connection = request.connection!;
  const declared = request.headers.get('Content-Length');
  if (declared !== undefined && Number(declared) !== request.body.length) {
    const why = `body of ${request.body.length} bytes, Content-Length ${declared}`;
    connection.writeHeaders(
      new ResponseStartLine('HTTP/1.1', 500, 'Internal Server Error'),
      new HTTPHeaders({ 'Content-Type': 'text/plain', 'Content-Length': String(why.length) }),
      why,
    );
  } else {
    connection.writeHeaders(
      new ResponseStartLine('HTTP/1.1', 200, 'OK'),
      new HTTPHeaders({ 'Content-Type': 'text/plain', 'Content-Length': '13' }),
      BODY,
    );
  }
  connection.finish();
}

const ioloop = new IOLoop({ mode });
await ioloop.runSync(function* main(): Generator<unknown, void, unknown> {
  const [listener] = bindSockets(0, '127.0.0.1', { backlog });
  const [, port] = listener!.getsockname() as [string, number];
  const server = new HTTPServer(handleRequest);
  server.addSockets([listener!]);

  const stopped = stdinClosed(ioloop.asyncioLoop);
  announcePort(port);

  yield* stopped;
  server.stop();
  yield* server.closeAllConnections();
});
ioloop.close();
process.exitCode = 0;
