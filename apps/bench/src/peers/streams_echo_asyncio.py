"""Peer for `pnpm bench streams`: CPython's asyncio echo server on streams (asyncio.start_server,
one handler coroutine per connection: reader.read(64 KiB), writer.write, await writer.drain()),
or the same on uvloop with --uvloop. The aio streams echo server (src/servers/aio-streams-echo.ts)
is the same program; both are driven by the same C load client. It echoes raw bytes, not lines.

usage: streams_echo_asyncio.py [--uvloop] [--port N] [--backlog N]

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
