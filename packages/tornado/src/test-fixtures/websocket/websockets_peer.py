"""A peer for src/websocket-interop.test.ts: Debian's python3-websockets (10.x, asyncio API).

  websockets_peer.py server [--deflate]
      Serves on 127.0.0.1 (a free port, printed as "PORT n"), echoes every message; on the text
      message "please close" closes with 4001 "server bye". When a connection ends, prints one
      JSON line: the close code and reason it received, and the extension it negotiated.
      Exits when stdin closes.

  websockets_peer.py client URL [--deflate] [--close client|server]
      Connects, sends a short text, a short binary, a 1 MiB text and a 1 MiB binary message,
      checks each echo, then closes with 4000 "client bye" (--close client) or asks the server to
      close (--close server). Prints one JSON line: the negotiated extension, each echo's check,
      and the close code and reason it received.
"""
import asyncio
import json
import os
import sys

import websockets

MAX_SIZE = 16 * 1024 * 1024


def messages():
    return [
        ("text", "hello \u00fcn\u00efcode \u2713"),
        ("binary", bytes(range(256)) * 4),
        ("1 MiB text", ("abcdefghijklmnopqrstuvwxyz0123456789\n" * 30000)[: 1024 * 1024]),
        ("1 MiB binary", os.urandom(1024 * 1024)),
    ]


async def serve(compression):
    async def echo(ws):
        try:
            async for message in ws:
                if message == "please close":
                    await ws.close(4001, "server bye")
                    break
                await ws.send(message)
        except websockets.ConnectionClosed:
            pass  # a close code other than 1000/1001 ends the iteration with this
        finally:
            await ws.wait_closed()
            print(json.dumps({
                "closeCode": ws.close_code,
                "closeReason": ws.close_reason,
                "extensions": ws.response_headers.get("Sec-WebSocket-Extensions"),
            }), flush=True)

    async with websockets.serve(echo, "127.0.0.1", 0, compression=compression, max_size=MAX_SIZE) as server:
        port = server.sockets[0].getsockname()[1]
        print("PORT %d" % port, flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)


async def client(url, compression, closer):
    result = {"echoes": {}}
    async with websockets.connect(url, compression=compression, max_size=MAX_SIZE) as ws:
        result["extensions"] = ws.response_headers.get("Sec-WebSocket-Extensions")
        for label, message in messages():
            await ws.send(message)
            echo = await ws.recv()
            result["echoes"][label] = echo == message
        if closer == "client":
            await ws.close(4000, "client bye")
        else:
            await ws.send("please close")
            await ws.wait_closed()
    result["closeCode"] = ws.close_code
    result["closeReason"] = ws.close_reason
    print(json.dumps(result), flush=True)


def main():
    args = sys.argv[1:]
    compression = "deflate" if "--deflate" in args else None
    if args[0] == "server":
        asyncio.run(serve(compression))
    else:
        closer = args[args.index("--close") + 1] if "--close" in args else "client"
        asyncio.run(client(args[1], compression, closer))


if __name__ == "__main__":
    main()
