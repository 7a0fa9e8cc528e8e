"""Peer for `pnpm bench httpclient`: tornado's own HTTP client fetching from the bench's server.

`tornado.httpclient.AsyncHTTPClient(force_instance=True, max_clients=concurrency)`: the default
implementation, `simple_httpclient`, which sends `Connection: close` and opens a connection per
request (it has no keep-alive pool), on tornado 6's IOLoop (asyncio's loop underneath), run with
`asyncio.run`. `concurrency` coroutines each fetch in a loop until the requests are used up:
first `warmupRequests` to `warmupUrl`, unmeasured, then `requests` to `url`, timed with
`time.perf_counter()` and `time.process_time()` (the process's CPU: user + system, every thread).
A response counts only if it is a 200 with the body `hello`.

usage: httpclient_tornado.py '{"url": "http://127.0.0.1:N/", "warmupUrl": "http://127.0.0.1:N/warm",
                               "requests": 20000, "warmupRequests": 200, "concurrency": 50}'
Prints {"wallMs", "cpuMs", "ok", "failed", "firstError", "versions"} (the bench's
src/lib/httpclient-load.ts). Exits 3 if tornado is not installed, 2 on bad arguments.
"""
import asyncio
import json
import platform
import sys
import time

from _peer import import_tornado_or_exit

SCRIPT = "httpclient_tornado.py"
HELLO = b"hello"

tornado = import_tornado_or_exit(SCRIPT)
from tornado.httpclient import AsyncHTTPClient  # noqa: E402 (tornado is known to be there now)


def parse_args():
    try:
        args = json.loads(sys.argv[1])
        parsed = {
            "url": str(args["url"]),
            "warmupUrl": str(args["warmupUrl"]),
            "requests": int(args["requests"]),
            "warmupRequests": int(args["warmupRequests"]),
            "concurrency": int(args["concurrency"]),
        }
        if parsed["requests"] < 1 or parsed["warmupRequests"] < 0 or parsed["concurrency"] < 1:
            raise ValueError("counts out of range")
        return parsed
    except (IndexError, KeyError, TypeError, ValueError) as error:
        print(f"{SCRIPT}: bad arguments {sys.argv[1:]}: {error}", file=sys.stderr)
        sys.exit(2)


class Tally:
    def __init__(self):
        self.ok = 0
        self.failed = 0
        self.first_error = ""

    def fail(self, why):
        self.failed += 1
        if not self.first_error:
            self.first_error = str(why)


async def phase(client, url, requests, concurrency, tally):
    left = [requests]

    async def worker():
        while left[0] > 0:
            left[0] -= 1
            try:
                response = await client.fetch(url)
                if response.code == 200 and response.body == HELLO:
                    tally.ok += 1
                else:
                    tally.fail(f"got {response.code} {response.body[:100]!r}, expected 200 {HELLO!r}")
            except Exception as error:  # noqa: BLE001 - every failure is counted, the first kept
                tally.fail(repr(error))

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def main(args):
    client = AsyncHTTPClient(force_instance=True, max_clients=args["concurrency"])
    warm = Tally()
    if args["warmupRequests"] > 0:
        await phase(client, args["warmupUrl"], args["warmupRequests"], args["concurrency"], warm)
    if warm.failed:
        raise SystemExit(f"{SCRIPT}: warm-up: {warm.failed} failed ({warm.first_error})")
    tally = Tally()
    wall, cpu = time.perf_counter(), time.process_time()
    await phase(client, args["url"], args["requests"], args["concurrency"], tally)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    client.close()
    return {
        "wallMs": wall * 1000,
        "cpuMs": cpu * 1000,
        "ok": tally.ok,
        "failed": tally.failed,
        "firstError": tally.first_error,
        "versions": {"python": platform.python_version(), "tornado": tornado.version},
    }


print(json.dumps(asyncio.run(main(parse_args()))))
