"""Peer for `pnpm bench crawl`: the seed article's crawler on asyncio (or uvloop) raw sockets.

Every page is fetched the article's way (§4.3): a non-blocking socket, `loop.sock_connect`,
`loop.sock_sendall` of `GET <path> HTTP/1.0` (so the server closes and EOF ends the response),
then `loop.sock_recv(4096)` until EOF. `concurrency` worker tasks pull page numbers from one
shared iterator, so at most that many pages are in flight; each page has `timeoutMs` to finish.
Run with `asyncio.run`, on uvloop's loop with "uvloop": true.

usage: crawl_asyncio.py '{"host": "127.0.0.1", "port": N, "pages": 1000, "concurrency": 100,
                          "timeoutMs": 30000, "uvloop": false}'
Prints the answer `_crawl.py` describes. Exits 3 if uvloop was asked for and is not installed,
2 on bad arguments, 130 if stopped (stdin closed, SIGTERM, SIGINT) before the crawl ended.
"""
import asyncio
import json
import socket
import sys

from _crawl import Clock, page_path, parse_args, report, run_until_stopped, split_response
from _peer import use_uvloop_or_exit

SCRIPT = "crawl_asyncio.py"
args = parse_args(SCRIPT)
flavour = "uvloop" if json.loads(sys.argv[1]).get("uvloop") else "asyncio"
if flavour == "uvloop":
    use_uvloop_or_exit(SCRIPT)


async def fetch(loop, host, port, path):
    """The page's response, every byte the server sent until it closed."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        await loop.sock_connect(sock, (host, port))
        await loop.sock_sendall(sock, f"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
        chunks = []
        while True:
            chunk = await loop.sock_recv(sock, 4096)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        sock.close()


async def within(seconds, awaitable):
    """`await awaitable`, or TimeoutError after `seconds` (one timer handle on Python ≥ 3.11)."""
    try:
        if hasattr(asyncio, "timeout"):
            async with asyncio.timeout(seconds):
                return await awaitable
        return await asyncio.wait_for(awaitable, seconds)
    except (TimeoutError, asyncio.TimeoutError):
        raise TimeoutError(f"no complete response within {seconds * 1000:.0f} ms") from None


async def crawl():
    loop = asyncio.get_running_loop()
    host, port, pages, timeout = args["host"], args["port"], args["pages"], args["timeout"]
    outcomes = [None] * pages
    indices = iter(range(pages))

    async def worker():
        # The workers share `indices`: each takes the next page number when it is free.
        for index in indices:
            try:
                outcomes[index] = await within(timeout, fetch(loop, host, port, page_path(index)))
            except Exception as err:  # noqa: BLE001 — the page failed; the answer says why
                outcomes[index] = err

    clock = Clock()
    clock.start()
    await asyncio.gather(*(worker() for _ in range(min(args["concurrency"], pages))))
    clock.stop()
    return clock, [split_response(o) if isinstance(o, bytes) else o for o in outcomes]


def main():
    clock, outcomes = run_until_stopped(SCRIPT, crawl)
    extra = {"loop": flavour}
    if flavour == "uvloop":
        import uvloop

        extra["uvloop"] = uvloop.__version__
    report(clock, outcomes, args["pages"], args["size"], **extra)


main()
