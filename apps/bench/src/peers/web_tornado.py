"""Peer for `pnpm bench web`: tornado 6's web.Application, each case as tornado's docs write it.

usage: web_tornado.py --case hello|json|static [--dir DIR] [--port N] [--backlog N]

- hello: tornado's first example (its README's), a RequestHandler whose get() writes
  "Hello, world";
- json: a RequestHandler writing a small dict built for every request, which write() serializes
  as JSON (Content-Type: application/json; charset=UTF-8): {"id": 1, "name": "Hello, world",
  "tags": ["tornado", "web", "json"], "active": true}, the object of the aio and fastify servers;
- static: StaticFileHandler serving DIR under /static/ (its ETag is the file's hash; a matching
  If-None-Match is answered 304).

The Application has tornado's default settings (no debug, no gzip); the access log goes to the
`tornado.access` logger, which nothing configures, so it writes nothing (as the aio server's).
Listens on 127.0.0.1 (port 0 picks a free one), prints {"port": N} once listening, and stops
when stdin reaches EOF (the parent closed it, or died) or on SIGTERM/SIGINT. Exits 3 if
tornado is not installed.
"""
import argparse
import asyncio
import json
import sys

from _peer import import_tornado_or_exit, stop_future

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--case", choices=("hello", "json", "static"), required=True)
parser.add_argument("--dir", help="the directory the static case serves")
parser.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
parser.add_argument("--backlog", type=int, default=1024, help="listen() backlog")
args = parser.parse_args()
if args.case == "static" and not args.dir:
    parser.error("--case static needs --dir DIR")

import_tornado_or_exit("web_tornado.py")
from tornado.httpserver import HTTPServer  # noqa: E402
from tornado.netutil import bind_sockets  # noqa: E402
from tornado.web import Application, RequestHandler, StaticFileHandler  # noqa: E402


class MainHandler(RequestHandler):
    def get(self):
        self.write("Hello, world")


class ItemHandler(RequestHandler):
    def get(self):
        self.write(
            {"id": 1, "name": "Hello, world", "tags": ["tornado", "web", "json"], "active": True}
        )


def make_app():
    if args.case == "hello":
        return Application([(r"/", MainHandler)])
    if args.case == "json":
        return Application([(r"/", ItemHandler)])
    return Application([(r"/static/(.*)", StaticFileHandler, {"path": args.dir})])


async def main():
    loop = asyncio.get_running_loop()
    stopped = stop_future(loop)

    # app.listen(port) is HTTPServer(app).listen(port); the sockets are bound first here so the
    # port the kernel chose can be printed.
    sockets = bind_sockets(args.port, "127.0.0.1", backlog=args.backlog)
    server = HTTPServer(make_app())
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    sys.stdout.write(json.dumps({"port": port}) + "\n")
    sys.stdout.flush()

    await stopped
    server.stop()
    await server.close_all_connections()
    loop.remove_reader(0)


asyncio.run(main())
