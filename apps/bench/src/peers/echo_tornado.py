"""Peer for `pnpm bench loop`: a tornado 6 echo server written the way tornado's docs write one
(a TCPServer whose handle_stream awaits read_bytes(partial=True) and write in a loop), so the
aio echo server can be compared with tornado's IOStream layer on top of asyncio.

usage: echo_tornado.py [--port N] [--backlog N] [--lines]

IOStream reads with recv_into into a 64 KiB bytearray, under glibc's 128 KiB mmap threshold, so
this peer never ran on the mmap path that slowed a fresh asyncio Protocol or streams server (see
echo_asyncio.py's docstring); the load client's first client changes nothing here (server CPU
per request from /proc, one run of alternating rounds, medians of 5: 24.8 us fresh, 24.7 after).

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
parser.add_argument("--backlog", type=int, default=128, help="listen() backlog")
parser.add_argument(
    "--lines",
    action="store_true",
    help="echo line by line (read_until(b\"\\n\")) instead of read_bytes(64 KiB, partial=True)",
)
args = parser.parse_args()

try:
    from tornado.iostream import StreamClosedError
    from tornado.netutil import bind_sockets
    from tornado.tcpserver import TCPServer
except ImportError:
    print(
        f"echo_tornado.py: tornado is not installed for {sys.executable} "
        "(apt-get install python3-tornado, or pip install tornado)",
        file=sys.stderr,
    )
    sys.exit(3)


class EchoServer(TCPServer):
    def __init__(self):
        super().__init__()
        self.open_streams = set()

    async def handle_stream(self, stream, address):
        stream.set_nodelay(True)
        self.open_streams.add(stream)
        try:
            while True:
                if args.lines:
                    data = await stream.read_until(b"\n")
                else:
                    data = await stream.read_bytes(65536, partial=True)
                await stream.write(data)
        except StreamClosedError:
            pass
        finally:
            self.open_streams.discard(stream)


async def main():
    loop = asyncio.get_running_loop()
    stopped = stop_future(loop)

    sockets = bind_sockets(args.port, "127.0.0.1", backlog=args.backlog)
    server = EchoServer()
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    sys.stdout.write(json.dumps({"port": port}) + "\n")
    sys.stdout.flush()

    await stopped
    server.stop()
    for stream in list(server.open_streams):
        stream.close()
    loop.remove_reader(0)


asyncio.run(main())
