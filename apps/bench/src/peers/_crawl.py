"""What the crawl peers of `pnpm bench crawl` share: their arguments, the pages of the crawler's
embedded site (a port of `apps/crawler/src/site/pages.ts`, so a page is checked byte for byte),
what counts as fetched, and the answer they print.

Arguments (JSON, argv[1]): {"host", "port", "pages", "concurrency", "timeoutMs"}; the site serves
`/`, `/1`, … `/<pages-1>` of the default size unless "size" says otherwise.

Answer (JSON, stdout): {"wallMs", "cpuMs", "fetched", "failed", "firstError"?, "python", …}.
wallMs and cpuMs cover the crawl only (interpreter start and imports excluded); cpuMs is the
process's CPU time (`time.process_time()`: user + system, every thread). The pages are checked
after the clocks stop, as the crawler checks its own.
"""
import json
import math
import re
import sys
import time

DEFAULT_SIZE = 2048


def page_path(index):
    """The path of page `index`: `/` for 0, else `/<index>` (pages.ts `pagePath`)."""
    return "/" if index == 0 else f"/{index}"


def page_body(index, pages, size):
    """The HTML of page `index` of a site of `pages` pages of about `size` bytes (pages.ts
    `pageBody`, which is all ASCII, so JavaScript's UTF-16 slicing and Python's agree)."""
    links = " ".join(
        f'<a href="{page_path(target)}">page {target}</a>'
        for target in (index * 10 + k for k in range(1, 11))
        if target < pages
    )
    head = (
        f"<!doctype html><html><head><title>page {index}</title></head>"
        f"<body><h1>page {index}</h1><p>{links}</p><p>"
    )
    tail = "</p></body></html>\n"
    filler = (f"lorem ipsum {index} " * math.ceil(size / 12))[: max(0, size - len(head) - len(tail))]
    return (head + filler + tail).encode("ascii")


STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3}) ")


def split_response(raw):
    """`(status, body)` of the bytes of an HTTP/1.x response; status is None when they are not
    one (no `HTTP/1.x NNN ` status line, or no blank line after the headers)."""
    match = STATUS_LINE.match(raw)
    head_end = raw.find(b"\r\n\r\n")
    if match is None or head_end < 0:
        return (None, raw)
    return (int(match.group(1)), raw[head_end + 4 :])


FD_HEADROOM = 256


def raise_fd_limit(sockets):
    """Raises the soft open-file limit to fit `sockets` sockets and some (up to the hard limit):
    a soft limit of 1024, common, leaves no room for 1,000 at a time."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = sockets + FD_HEADROOM
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(
            resource.RLIMIT_NOFILE,
            (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard), hard),
        )


def parse_args(script):
    """The peer's JSON arguments, checked; exits 2 when they are not valid. Raises the fd limit
    to fit `concurrency` sockets."""
    try:
        args = json.loads(sys.argv[1])
        parsed = {
            "host": str(args["host"]),
            "port": int(args["port"]),
            "pages": int(args["pages"]),
            "concurrency": int(args["concurrency"]),
            "timeout": float(args["timeoutMs"]) / 1000,
            "size": int(args.get("size", DEFAULT_SIZE)),
        }
        if parsed["pages"] < 1 or parsed["concurrency"] < 1 or parsed["timeout"] <= 0:
            raise ValueError("pages, concurrency and timeoutMs must be positive")
    except (IndexError, KeyError, TypeError, ValueError) as err:
        why = f"no {err}" if isinstance(err, KeyError) else str(err)
        print(
            f"{script}: expected JSON {{host, port, pages, concurrency, timeoutMs}}, "
            f"got {sys.argv[1:]!r} ({why})",
            file=sys.stderr,
        )
        sys.exit(2)
    raise_fd_limit(parsed["concurrency"])
    return parsed


class Clock:
    """Wall and CPU time from `start()` until `stop()`."""

    def start(self):
        self._wall = time.perf_counter()
        self._cpu = time.process_time()

    def stop(self):
        self.wall_ms = (time.perf_counter() - self._wall) * 1000
        self.cpu_ms = (time.process_time() - self._cpu) * 1000


def report(clock, outcomes, pages, size, **extra):
    """Prints the answer. `outcomes[i]` is page i's `(status, body)`, or an Exception, or None
    (never finished); a page is fetched when its status is 200 and its body is the page's."""
    fetched = 0
    first_error = None
    for index, outcome in enumerate(outcomes):
        if isinstance(outcome, tuple) and outcome[0] == 200:
            if outcome[1] == page_body(index, pages, size):
                fetched += 1
                continue
            why = f"body of {len(outcome[1])} bytes is not the page's"
        elif isinstance(outcome, tuple) and outcome[0] is None:
            why = f"not an HTTP/1.x response: {outcome[1][:40]!r}"
        elif isinstance(outcome, tuple):
            why = f"status {outcome[0]}"
        elif outcome is None:
            why = "never finished"
        else:
            why = f"{type(outcome).__name__}: {outcome}".rstrip(": ")
        if first_error is None:
            first_error = f"GET {page_path(index)}: {why}"
    answer = {
        "wallMs": clock.wall_ms,
        "cpuMs": clock.cpu_ms,
        "fetched": fetched,
        "failed": pages - fetched,
        "python": sys.version.split()[0],
        **extra,
    }
    if first_error is not None:
        answer["firstError"] = first_error
    print(json.dumps(answer))


def run_until_stopped(script, crawl):
    """`asyncio.run(crawl())`, given up (exit 130) if stdin reaches EOF or SIGTERM/SIGINT
    arrives first: the benchmark died or was stopped, and a peer must not outlive it."""
    import asyncio

    from _peer import stop_future

    async def main():
        stopped = stop_future(asyncio.get_running_loop())
        crawling = asyncio.ensure_future(crawl())
        await asyncio.wait([crawling, stopped], return_when=asyncio.FIRST_COMPLETED)
        if crawling.done():
            return crawling.result()
        crawling.cancel()
        return None

    result = asyncio.run(main())
    if result is None:
        print(f"{script}: stopped before the crawl ended", file=sys.stderr)
        sys.exit(130)
    return result
