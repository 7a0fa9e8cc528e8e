"""Peer for `pnpm bench http`: tornado 6's HTTPServer with a plain request callback, as tornado's
docs write one without web.Application (the `tornado.httpserver` module's example), answering
every request with "Hello, world!" (Content-Type: text/plain, Content-Length: 13).

usage: http_tornado.py [--port N] [--backlog N]

The callback runs once the request's body is read (HTTPServer gathers it), so a POST is answered
the same way after its body; a body shorter or longer than its Content-Length said is answered
500, as the aio and Node servers do. idle_connection_timeout is tornado's default (an hour).

Listens on 127.0.0.1 (port 0 picks a free one), prints {"port": N} once listening, and stops
when stdin reaches EOF (the parent closed it, or died) or on SIGTERM/SIGINT. Exits 3 if
tornado is not installed.
"""
import argparse
import asyncio
import json
import sys

from _peer import stop_future

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
parser.add_argument("--backlog", type=int, default=1024, help="listen() backlog")
args = parser.parse_args()

try:
    from tornado import httputil
    from tornado.httpserver import HTTPServer
    from tornado.netutil import bind_sockets
except ImportError:
    print(
        f"http_tornado.py: tornado is not installed for {sys.executable} "
        "(apt-get install python3-tornado, or pip install tornado)",
        file=sys.stderr,
    )
    sys.exit(3)

BODY = b"Hello, world!"


def handle_request(request):
    declared = request.headers.get("Content-Length")
    if declared is not None and int(declared) != len(request.body):
        why = f"body of {len(request.body)} bytes, Content-Length {declared}".encode()
        start = httputil.ResponseStartLine("HTTP/1.1", 500, "Internal Server Error")
        headers = {"Content-Type": "text/plain", "Content-Length": str(len(why))}
        request.connection.write_headers(start, httputil.HTTPHeaders(headers), why)
    else:
        request.connection.write_headers(
            httputil.ResponseStartLine("HTTP/1.1", 200, "OK"),
            httputil.HTTPHeaders({"Content-Type": "text/plain", "Content-Length": "13"}),
            BODY,
        )
    request.connection.finish()


async def main():
    loop = asyncio.get_running_loop()
    stopped = stop_future(loop)

    sockets = bind_sockets(args.port, "127.0.0.1", backlog=args.backlog)
    server = HTTPServer(handle_request)
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    sys.stdout.write(json.dumps({"port": port}) + "\n")
    sys.stdout.flush()

    await stopped
    server.stop()
    await server.close_all_connections()
    loop.remove_reader(0)


asyncio.run(main())
