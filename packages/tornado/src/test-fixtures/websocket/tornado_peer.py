"""A peer for src/websocket-interop.test.ts: Debian's python3-tornado (6.x), the original.

  tornado_peer.py server [--deflate]
      A WebSocketHandler on 127.0.0.1 (a free port, printed as "PORT n") that echoes every
      message; on the text message "please close" it closes with 4001 "server bye". When a
      connection ends (on_close), prints one JSON line: the close code and reason it received,
      and the extension it negotiated. Exits when stdin closes.

  tornado_peer.py client URL [--deflate] [--close client|server]
      websocket_connect, then a short text, a short binary, a 1 MiB text and a 1 MiB binary
      message, each echo checked; then closes with 4000 "client bye" (--close client) or asks
      the server to close (--close server). Prints one JSON line: the negotiated extension, each
      echo's check, and the close code and reason it received.
"""
import asyncio
import json
import os
import sys

import tornado.web
import tornado.websocket

MAX_SIZE = 16 * 1024 * 1024


def messages():
    return [
        ("text", "hello \u00fcn\u00efcode \u2713"),
        ("binary", bytes(range(256)) * 4),
        ("1 MiB text", ("abcdefghijklmnopqrstuvwxyz0123456789\n" * 30000)[: 1024 * 1024]),
        ("1 MiB binary", os.urandom(1024 * 1024)),
    ]


def echo_handler(deflate):
    class Echo(tornado.websocket.WebSocketHandler):
        def get_compression_options(self):
            return {} if deflate else None

        def on_message(self, message):
            if message == "please close":
                self.close(4001, "server bye")
            else:
                self.write_message(message, binary=isinstance(message, bytes))

        def on_close(self):
            print(json.dumps({
                "closeCode": self.close_code,
                "closeReason": self.close_reason,
                "extensions": self._headers.get("Sec-WebSocket-Extensions"),
            }), flush=True)

    return Echo


async def serve(deflate):
    app = tornado.web.Application([(r"/", echo_handler(deflate))], websocket_max_message_size=MAX_SIZE)
    server = app.listen(0, "127.0.0.1")
    port = list(server._sockets.values())[0].getsockname()[1]
    print("PORT %d" % port, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    server.stop()


async def client(url, deflate, closer):
    result = {"echoes": {}}
    conn = await tornado.websocket.websocket_connect(
        url, compression_options={} if deflate else None, max_message_size=MAX_SIZE
    )
    result["extensions"] = conn.headers.get("Sec-WebSocket-Extensions")
    for label, message in messages():
        await conn.write_message(message, binary=isinstance(message, bytes))
        echo = await conn.read_message()
        result["echoes"][label] = echo == message
    if closer == "client":
        conn.close(4000, "client bye")
    else:
        await conn.write_message("please close")
    while await conn.read_message() is not None:
        pass
    result["closeCode"] = conn.close_code
    result["closeReason"] = conn.close_reason
    print(json.dumps(result), flush=True)


def main():
    args = sys.argv[1:]
    deflate = "--deflate" in args
    if args[0] == "server":
        asyncio.run(serve(deflate))
    else:
        closer = args[args.index("--close") + 1] if "--close" in args else "client"
        asyncio.run(client(args[1], deflate, closer))


if __name__ == "__main__":
    main()
