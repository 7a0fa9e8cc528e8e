"""Peer for `pnpm bench tornado-core`: tornado 6's gen.coroutine step and run_on_executor trip.

1. kind "gen": a `@gen.coroutine` yielding N already-done futures, each made, resolved and
   yielded in the step (`f = Future(); f.set_result(1); total += yield f`), run with
   `IOLoop.current().run_sync`. Steps per second, timed inside the coroutine from before the
   first step until after the last.
2. kind "executor": N sequential round trips of a trivial job (`x + 1`) through a
   `@run_on_executor` method on a one-thread `concurrent.futures.ThreadPoolExecutor`, from a
   `@gen.coroutine`. Round trips per second, timed inside the coroutine the same way.

Each round is one `run_sync` on the same IOLoop (and, for "executor", the same pool, whose one
thread the first round starts). Runs `warmups + rounds` rounds back to back.

usage: tornado_core.py '{"kind": "gen", "count": N, "rounds": 5, "warmups": 1}'
Prints JSON: {"rates": [...], "tornado": "6.2", "python": "3.11.2"} (every round, warm-ups
first). Exits 3 if tornado is not installed.
"""
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

try:
    import tornado
    from tornado import gen
    from tornado.concurrent import Future, run_on_executor
    from tornado.ioloop import IOLoop
except ImportError:
    print(
        f"tornado_core.py: tornado is not installed for {sys.executable} "
        "(apt-get install python3-tornado, or pip install tornado)",
        file=sys.stderr,
    )
    sys.exit(3)

args = json.loads(sys.argv[1])
kind = args["kind"]
count = int(args["count"])
rounds = int(args.get("rounds", 5))
warmups = int(args.get("warmups", 1))
if kind not in ("gen", "executor") or count < 1 or rounds < 1 or warmups < 0:
    sys.exit(f"tornado_core.py: bad arguments {sys.argv[1]}")


@gen.coroutine
def steps(n):
    start = time.perf_counter()
    total = 0
    for _ in range(n):
        f = Future()
        f.set_result(1)
        total += yield f
    elapsed = time.perf_counter() - start
    if total != n:
        raise RuntimeError(f"steps summed to {total}, not {n}")
    return n / elapsed


class Jobs:
    def __init__(self):
        self.executor = ThreadPoolExecutor(1)

    @run_on_executor
    def inc(self, x):
        return x + 1


@gen.coroutine
def trips(jobs, n):
    start = time.perf_counter()
    x = 0
    for _ in range(n):
        x = yield jobs.inc(x)
    elapsed = time.perf_counter() - start
    if x != n:
        raise RuntimeError(f"round trips counted {x}, not {n}")
    return n / elapsed


def main():
    io_loop = IOLoop.current()
    jobs = Jobs() if kind == "executor" else None
    rates = []
    for _ in range(warmups + rounds):
        if kind == "gen":
            rates.append(io_loop.run_sync(lambda: steps(count)))
        else:
            rates.append(io_loop.run_sync(lambda: trips(jobs, count)))
    if jobs is not None:
        jobs.executor.shutdown(wait=True)
    return {
        "rates": rates,
        "tornado": tornado.version,
        "python": sys.version.split()[0],
    }


print(json.dumps(main()))
