"""Peer for `pnpm bench websocket`: tornado 6's WebSocketHandler echo, as tornado's docs write it.

usage: ws_tornado.py [--deflate] [--port N] [--backlog N]

An Application routing /ws to a WebSocketHandler whose on_message writes the message back as it
came (text as text, bytes as binary); check_origin allows any origin, as the other servers do.
`--deflate`: get_compression_options returns {} (permessage-deflate with tornado's defaults: the
server keeps its context between messages); otherwise None, tornado's default (off).

SIGUSR2 runs gc.collect(): the idle memory measurement reads the resident set after one.
Listens on 127.0.0.1 (port 0 picks a free one), prints {"port": N} once listening, and stops
when stdin reaches EOF (the parent closed it, or died) or on SIGTERM/SIGINT. Exits 3 if tornado
is not installed.
"""
import argparse
import asyncio
import gc
import json
import signal
import sys

from _peer import import_tornado_or_exit, stop_future

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--deflate", action="store_true", help="permessage-deflate on")
parser.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
parser.add_argument("--backlog", type=int, default=1024, help="listen() backlog")
args = parser.parse_args()

import_tornado_or_exit("ws_tornado.py")
from tornado.httpserver import HTTPServer  # noqa: E402
from tornado.netutil import bind_sockets  # noqa: E402
from tornado.web import Application  # noqa: E402
from tornado.websocket import WebSocketClosedError, WebSocketHandler  # noqa: E402


class EchoHandler(WebSocketHandler):
    def check_origin(self, origin):
        return True

    def get_compression_options(self):
        return {} if args.deflate else None

    def on_message(self, message):
        # The load client closes its connections with echoes still to come: writing to a closed
        # connection raises WebSocketClosedError (or fails the future write_message returns),
        # which an echo server in service ignores rather than logs as an uncaught exception.
        try:
            written = self.write_message(message, binary=isinstance(message, bytes))
        except WebSocketClosedError:
            return
        written.add_done_callback(lambda f: f.cancelled() or f.exception())


async def main():
    loop = asyncio.get_running_loop()
    stopped = stop_future(loop)
    loop.add_signal_handler(signal.SIGUSR2, gc.collect)

    sockets = bind_sockets(args.port, "127.0.0.1", backlog=args.backlog)
    server = HTTPServer(Application([(r"/ws", EchoHandler)]))
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    sys.stdout.write(json.dumps({"port": port}) + "\n")
    sys.stdout.flush()

    await stopped
    server.stop()
    await server.close_all_connections()
    loop.remove_reader(0)


asyncio.run(main())
