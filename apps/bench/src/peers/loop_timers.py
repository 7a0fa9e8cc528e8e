"""Peer for `pnpm bench loop`: how well the loop keeps many timers, on asyncio's loop or on
uvloop. N call_later timers with delays drawn uniformly from [0, D] ms (seeded, so every loop
gets the same delays) are scheduled at once; the run ends when the last one fires. A perfect
loop takes D ms; what it takes beyond that is scheduling cost plus late firing.

usage: loop_timers.py '{"timers": N, "maxDelayMs": D, "seed": S, "uvloop": false}'
Prints JSON: {"elapsedMs": float, "idealMs": D, "loop": "module.ClassName"}, elapsed measured
from just before the first timer is scheduled to the last callback.
Exits 3 if uvloop was asked for and is not installed.
"""
import asyncio
import json
import random
import sys
import time

from _peer import use_uvloop_or_exit

args = json.loads(sys.argv[1])
wanted = int(args["timers"])
max_delay_ms = args["maxDelayMs"]
if wanted < 1:
    sys.exit("loop_timers.py: timers must be at least 1")

if args.get("uvloop", False):
    use_uvloop_or_exit("loop_timers.py")

rng = random.Random(args.get("seed", 0))
# Drawn before the clock starts: the measure is the loop's, not the random generator's.
delays = [rng.uniform(0, max_delay_ms) / 1000 for _ in range(wanted)]

loop = asyncio.new_event_loop()
fired = 0
end = 0.0


def fire():
    global fired, end
    fired += 1
    if fired == wanted:
        end = time.perf_counter()
        loop.stop()


start = time.perf_counter()
for delay in delays:
    loop.call_later(delay, fire)
loop.run_forever()
loop.close()
print(
    json.dumps(
        {
            "elapsedMs": (end - start) * 1000,
            "idealMs": max_delay_ms,
            "loop": f"{type(loop).__module__}.{type(loop).__qualname__}",
        }
    )
)
