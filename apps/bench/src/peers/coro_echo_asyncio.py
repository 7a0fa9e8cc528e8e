"""Peer for `pnpm bench coroutine`: CPython's asyncio echo server written with coroutines on the
loop's socket methods (loop.sock_accept, loop.sock_recv, loop.sock_sendall), one task per
connection, or the same on uvloop with --uvloop. The aio coroutine echo server
(src/servers/aio-coro-echo.ts) is the same program; both are driven by the same C load client.

usage: coro_echo_asyncio.py [--uvloop] [--port N]

Unlike the Protocol and streams peers, this one never ran on glibc's mmap path in a fresh
process (see echo_asyncio.py's docstring): sock_recv(64 KiB) allocates under the 128 KiB mmap
threshold. The C load client's first client, which fixed those, changes nothing here (server
CPU per request from /proc, one run of alternating rounds, medians of 5: asyncio 18.7 us fresh,
18.4 after the first client; uvloop 32.5 and 31.3). uvloop spends more per request than asyncio
here because its sock_recv registers the socket anew on every call, where a Protocol would not:
a fresh libuv poll handle (an ioctl) and some seven epoll_ctl calls per request (strace -c).

Listens on 127.0.0.1 (port 0 picks a free one), prints {"port": N} once listening, and stops
when stdin reaches EOF (the parent closed it, or died) or on SIGTERM/SIGINT: then it cancels
every connection task, closes the listener and exits 0. Exits 3 if --uvloop was asked for and
uvloop is not installed.
"""
import argparse
import asyncio
import json
import socket
import sys

from _peer import stop_future, use_uvloop_or_exit

READ_SIZE = 65536

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--uvloop", action="store_true", help="run on uvloop instead of asyncio's loop")
parser.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
args = parser.parse_args()

if args.uvloop:
    use_uvloop_or_exit("coro_echo_asyncio.py")


async def handle(loop, conn):
    try:
        while True:
            data = await loop.sock_recv(conn, READ_SIZE)
            if not data:
                break
            await loop.sock_sendall(conn, data)
    except OSError:
        pass  # reset by the peer: the connection is over
    finally:
        conn.close()


async def accept(loop, listener, tasks):
    while True:
        conn, _ = await loop.sock_accept(listener)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        task = loop.create_task(handle(loop, conn))
        tasks.add(task)
        task.add_done_callback(tasks.discard)


async def main():
    loop = asyncio.get_running_loop()
    stopped = stop_future(loop)

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(1024)
    listener.setblocking(False)

    tasks = set()
    acceptor = loop.create_task(accept(loop, listener, tasks))
    port = listener.getsockname()[1]
    sys.stdout.write(json.dumps({"port": port}) + "\n")
    sys.stdout.flush()

    await stopped
    loop.remove_reader(0)
    running = [acceptor, *tasks]
    for task in running:
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)
    listener.close()


asyncio.run(main())
