"""Peer for `pnpm bench loop`: the bare cost of one trip round the event loop, as a chain of
call_soon callbacks (each schedules the next) on asyncio's loop or on uvloop. No I/O, no
timers: what is left is the loop's own bookkeeping per callback.

usage: loop_callsoon.py '{"callbacks": N, "uvloop": false}'
Prints JSON: {"callbacksPerSec": float, "loop": "module.ClassName"}.
Exits 3 if uvloop was asked for and is not installed.
"""
import asyncio
import json
import sys
import time

from _peer import use_uvloop_or_exit

args = json.loads(sys.argv[1])
wanted = int(args["callbacks"])
if wanted < 1:
    sys.exit("loop_callsoon.py: callbacks must be at least 1")

if args.get("uvloop", False):
    use_uvloop_or_exit("loop_callsoon.py")

loop = asyncio.new_event_loop()
done = 0
end = 0.0


def step():
    global done, end
    done += 1
    if done < wanted:
        loop.call_soon(step)
    else:
        end = time.perf_counter()
        loop.stop()


start = time.perf_counter()
loop.call_soon(step)
loop.run_forever()
loop.close()
print(
    json.dumps(
        {
            "callbacksPerSec": wanted / (end - start),
            "loop": f"{type(loop).__module__}.{type(loop).__qualname__}",
        }
    )
)
