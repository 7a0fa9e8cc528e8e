"""Peer for `pnpm bench loop`: CPython's asyncio echo server, on the Protocol API (the fastest
way asyncio has: no streams, no coroutine per read), or on uvloop with --uvloop. The aio echo
server is measured against it and against the C ceiling, all driven by the same C load client.

usage: echo_asyncio.py [--uvloop] [--port N] [--backlog N]

asyncio is measured as it ships: its transport reads with recv(256 KiB), which on glibc costs an
mmap, mremap and munmap per read (see python/cpython#85451) and makes the default loop several
times slower than it is with a 64 KiB read. That cost is asyncio's, so it is left in (uvloop
reads into one preallocated buffer and does not pay it).

Listens on 127.0.0.1 (port 0 picks a free one), prints {"port": N} once listening, and stops
when stdin reaches EOF (the parent closed it, or died) or on SIGTERM/SIGINT. Exits 3 if
--uvloop was asked for and uvloop is not installed.
"""
import argparse
import asyncio
import json
import socket
import sys

from _peer import stop_future, use_uvloop_or_exit

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--uvloop", action="store_true", help="run on uvloop instead of asyncio's loop")
parser.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
parser.add_argument("--backlog", type=int, default=100, help="listen() backlog")
args = parser.parse_args()

if args.uvloop:
    use_uvloop_or_exit("echo_asyncio.py")


class Echo(asyncio.Protocol):
    def __init__(self, open_transports):
        self.open_transports = open_transports
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        self.open_transports.add(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data):
        self.transport.write(data)

    def connection_lost(self, exc):
        self.open_transports.discard(self.transport)


async def main():
    loop = asyncio.get_running_loop()
    stopped = stop_future(loop)

    open_transports = set()
    server = await loop.create_server(
        lambda: Echo(open_transports), "127.0.0.1", args.port, backlog=args.backlog
    )
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(json.dumps({"port": port}) + "\n")
    sys.stdout.flush()

    await stopped
    server.close()
    for transport in list(open_transports):
        transport.abort()
    loop.remove_reader(0)


asyncio.run(main())
