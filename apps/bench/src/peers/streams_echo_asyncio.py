"""Peer for `pnpm bench streams`: CPython's asyncio echo server on streams (asyncio.start_server,
one handler coroutine per connection: reader.read(64 KiB), writer.write, await writer.drain()),
or the same on uvloop with --uvloop. The aio streams echo server (src/servers/aio-streams-echo.ts)
is the same program; both are driven by the same C load client. It echoes raw bytes, not lines;
with --lines it echoes line by line (`pnpm bench iostream`, against tornado's IOStream and aio's).

usage: streams_echo_asyncio.py [--uvloop] [--port N] [--backlog N] [--lines]

Measured once a client has come and gone, as a server in service is: the C load client makes one
round trip on a connection of its own and closes it before the measured ones open. The bench
used to skip that and measured asyncio streams 4-7x below their real speed (12k req/s, 0.17x
uvloop streams, against 43k from another harness on the same machine). reader.read(64 KiB) is
not the cause: under it, the transport reads with recv(256 KiB), and a fresh process's glibc
serves each of those buffers with mmap/mremap/munmap until asyncio first frees one whole, at
a recv that finds EOF or EAGAIN, which ten connections exchanging echoes never do (the
mechanism is in echo_asyncio.py's docstring). Server CPU and minor faults per request from
/proc, one run of alternating rounds, medians of 5 (2-core VM shared with other work):

                                    req/s   CPU us/req   faults/req
  fresh, as the bench measured it   5,912        105.0         2.00
  after the first client           24,476         17.4         0
  uvloop, fresh / first client     49,319 / 36,530   12.0 / 12.5   0

Listens on 127.0.0.1 (port 0 picks a free one), prints {"port": N} once listening, and stops
when stdin reaches EOF (the parent closed it, or died) or on SIGTERM/SIGINT: then it closes the
listener, aborts every connection and exits 0. Exits 3 if --uvloop was asked for and uvloop is
not installed.
"""
import argparse
import asyncio
import json
import sys

from _peer import stop_future, use_uvloop_or_exit

READ_SIZE = 65536

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--uvloop", action="store_true", help="run on uvloop instead of asyncio's loop")
parser.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
parser.add_argument("--backlog", type=int, default=1024, help="listen() backlog")
parser.add_argument(
    "--lines",
    action="store_true",
    help="echo line by line (reader.readuntil(b\"\\n\")) instead of reading 64 KiB at a time",
)
args = parser.parse_args()

if args.uvloop:
    use_uvloop_or_exit("streams_echo_asyncio.py")


async def main():
    loop = asyncio.get_running_loop()
    stopped = stop_future(loop)
    writers = set()

    async def echo(reader, writer):
        writers.add(writer)
        try:
            while True:
                if args.lines:
                    try:
                        data = await reader.readuntil(b"\n")
                    except asyncio.IncompleteReadError:
                        break
                else:
                    data = await reader.read(READ_SIZE)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.CancelledError):
            pass  # reset by the peer, or stopping: the connection is over
        finally:
            writers.discard(writer)
            writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", args.port, backlog=args.backlog)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(json.dumps({"port": port}) + "\n")
    sys.stdout.flush()

    await stopped
    loop.remove_reader(0)
    server.close()
    for writer in list(writers):
        writer.transport.abort()
    await asyncio.sleep(0)


asyncio.run(main())
