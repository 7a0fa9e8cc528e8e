"""Peer for `pnpm bench crawl`: the pages fetched with tornado's own HTTP client.

`tornado.httpclient.AsyncHTTPClient(max_clients=concurrency)` — the default implementation,
`simple_httpclient`, which opens a connection per request and queues requests beyond
`max_clients` — with `fetch(url, raise_error=False, request_timeout=…)` for every page at once,
gathered (`return_exceptions=True`: a page that fails fails alone), on tornado 6's IOLoop (asyncio's loop underneath), run with `asyncio.run`.

simple_httpclient counts the time a request waits in its queue against
min(connect_timeout, request_timeout), so `timeoutMs` must cover the whole crawl, not one page.

usage: crawl_tornado.py '{"host": "127.0.0.1", "port": N, "pages": 1000, "concurrency": 100,
                          "timeoutMs": 60000}'
Prints the answer `_crawl.py` describes, with tornado's version. Exits 3 if tornado is not
installed, 2 on bad arguments, 130 if stopped (stdin closed, SIGTERM, SIGINT) before the end.
"""
import asyncio

from _crawl import Clock, page_path, parse_args, report, run_until_stopped
from _peer import import_tornado_or_exit

SCRIPT = "crawl_tornado.py"
tornado = import_tornado_or_exit(SCRIPT)
from tornado.httpclient import AsyncHTTPClient  # noqa: E402 (tornado is known to be there now)

args = parse_args(SCRIPT)


async def crawl():
    host, port, pages, timeout = args["host"], args["port"], args["pages"], args["timeout"]
    client = AsyncHTTPClient(force_instance=True, max_clients=args["concurrency"])
    clock = Clock()
    clock.start()
    responses = await asyncio.gather(
        *(
            client.fetch(
                f"http://{host}:{port}{page_path(index)}",
                raise_error=False,
                connect_timeout=timeout,
                request_timeout=timeout,
            )
            for index in range(pages)
        ),
        return_exceptions=True,
    )
    clock.stop()
    client.close()
    # Since tornado 6, raise_error=False only turns a non-200 status into a response: a failed
    # connection or a timeout still raises, and gather hands the exception back in its place.
    outcomes = [r if isinstance(r, BaseException) else (r.code, r.body or b"") for r in responses]
    return clock, outcomes


def main():
    clock, outcomes = run_until_stopped(SCRIPT, crawl)
    report(clock, outcomes, args["pages"], args["size"], tornado=tornado.version)


main()
