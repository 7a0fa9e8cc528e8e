"""Peer for `pnpm bench loop`: CPython's asyncio echo server, on the Protocol API (the fastest
way asyncio has: no streams, no coroutine per read), or on uvloop with --uvloop. The aio echo
server is measured against it and against the C ceiling, all driven by the same C load client.

usage: echo_asyncio.py [--uvloop] [--port N] [--backlog N]

Measured once a client has come and gone, as a server in service is: the C load client makes one
round trip on a connection of its own and closes it before the measured ones open. The bench
used to skip that and measured asyncio 5-7x below its real speed (10-12k req/s, against 55k from
another harness on the same machine, which agreed on uvloop). The cause is glibc's malloc in a
fresh process, not asyncio as it runs in service. The transport reads with recv(256 KiB);
CPython allocates the 256 KiB first and shrinks it to what arrived, and until glibc raises its
mmap threshold (128 KiB at start) every such buffer is an mmap, a recvfrom, an mremap and a
munmap, with fresh zeroed pages (strace -c: one of each per request; python/cpython#85451).
glibc raises the threshold the first time it frees an mmapped chunk whole, which asyncio does
at the first recv that finds EOF or EAGAIN. Ten connections exchanging echoes find neither
(epoll reports a socket readable only when data is there), so a server started per round, with
no connection ever closed, stayed on the slow path for the whole run; the first connection to
close ends it for good. Server CPU and minor page faults per request from /proc, in one run of
alternating rounds (medians of 5; 2-core VM shared with other work, so req/s swing and CPU per
request is the steadier figure):

                                                   req/s   CPU us/req   faults/req
  fresh, as the bench used to measure it           6,229        124.8         2.00
  after the load client's first client            43,504         11.7         0
  fresh, 64 KiB reads (transport.max_size)        43,088         11.7         0
  first client, MALLOC_MMAP_THRESHOLD_=128K        5,545        127.3         2.00
  fresh, MALLOC_MMAP_THRESHOLD_=1M                 8,245         85.5         1.00
  fresh, MALLOC_MMAP_THRESHOLD_=1M, TRIM_=4M      44,364         11.7         0
  uvloop, fresh / first client           33,183 / 40,120     9.5 / 9.5        0

So recv(256 KiB) costs 10x the CPU per request only in a process that has never freed one of
those buffers; after that it costs what a 64 KiB read does. Pinning the threshold where it
starts (which turns the dynamic threshold off) keeps the slow path even after a client leaves;
raising it alone trades mmap for brk, since the trim threshold stays at 128 KiB and the heap
then grows and shrinks on every read. Nothing else about how the bench ran Python mattered
(CPU us/req, same run, first client): a bare create_server echo without this script's stdin
reader, signal handlers and TCP_NODELAY 12.2; PYTHONUNBUFFERED/PYTHONDONTWRITEBYTECODE unset
12.5; pyenv's 3.11.7 instead of Debian's 3.11.2 12.2 (fresh: 129.5); server and client pinned
to one core 11.8, to two 14.3. uvloop reads into one preallocated buffer and never had the
problem.

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
