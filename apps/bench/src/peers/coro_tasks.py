"""Peer for `pnpm bench coroutine`: what a task and a gather cost, on asyncio's loop or on uvloop.

1. Tasks: N tasks, each `await asyncio.sleep(0)` (one trip round the loop) and return, created
   with create_task and awaited together with asyncio.gather. Tasks per second, timed from just
   before the first create_task until the gather has returned.
2. Gather of plain futures: M futures, each resolved by loop.call_soon(fut.set_result, i), all
   awaited with asyncio.gather. Futures per second, timed from just before the first future is
   created until the gather has returned.

usage: coro_tasks.py '{"tasks": N, "gather": M, "uvloop": false}'
Prints JSON: {"tasksPerSec": float, "gatherFuturesPerSec": float, "loop": "module.ClassName"}.
Exits 3 if uvloop was asked for and is not installed.
"""
import asyncio
import json
import sys
import time

from _peer import use_uvloop_or_exit

args = json.loads(sys.argv[1])
wanted_tasks = int(args["tasks"])
wanted_futures = int(args.get("gather", 10_000))
if wanted_tasks < 1 or wanted_futures < 1:
    sys.exit("coro_tasks.py: tasks and gather must be at least 1")

if args.get("uvloop", False):
    use_uvloop_or_exit("coro_tasks.py")


async def work(i):
    await asyncio.sleep(0)
    return i


async def tasks_per_sec(n):
    start = time.perf_counter()
    tasks = [asyncio.create_task(work(i)) for i in range(n)]
    await asyncio.gather(*tasks)
    return n / (time.perf_counter() - start)


async def gather_futures_per_sec(m):
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    futures = []
    for i in range(m):
        fut = loop.create_future()
        loop.call_soon(fut.set_result, i)
        futures.append(fut)
    await asyncio.gather(*futures)
    return m / (time.perf_counter() - start)


async def main():
    tasks = await tasks_per_sec(wanted_tasks)
    futures = await gather_futures_per_sec(wanted_futures)
    loop = asyncio.get_running_loop()
    return {
        "tasksPerSec": tasks,
        "gatherFuturesPerSec": futures,
        "loop": f"{type(loop).__module__}.{type(loop).__qualname__}",
    }


print(json.dumps(asyncio.run(main())))
