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
import type { HTTPServerRequest } from '@aio/tornado/httpserver';
import { HTTPHeaders, ResponseStartLine } from '@aio/tornado/httputil';
import { runWebServer } from '../lib/web-server';

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

await runWebServer('aio-http-hello.ts', () => handleRequest);
