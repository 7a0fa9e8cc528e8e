"""Peer for `pnpm bench selector`: the cost of select(0) in CPython's selectors module.

Same shape as the aio side: N registered fds (socket pairs, none ready), then select(0) in a loop
for a fixed time. Prints JSON: {"<backend>:<fds>": nanoseconds per call}.
"""
import json
import selectors
import socket
import sys
import time

args = json.loads(sys.argv[1])
BACKENDS = {
    "epoll": getattr(selectors, "EpollSelector", None),
    "poll": getattr(selectors, "PollSelector", None),
    "select": selectors.SelectSelector,
}
results = {}
for backend in args["backends"]:
    cls = BACKENDS.get(backend)
    if cls is None:
        continue
    for count in args["fds"]:
        if backend == "select" and count > 1000:
            continue
        pairs = [socket.socketpair() for _ in range(max(1, count // 2))]
        sel = cls()
        registered = 0
        for a, b in pairs:
            for s in (a, b):
                if registered < count:
                    sel.register(s, selectors.EVENT_READ)
                    registered += 1
        deadline = time.perf_counter() + args["durationMs"] / 1000
        calls = 0
        start = time.perf_counter()
        while True:
            for _ in range(100):
                sel.select(0)
            calls += 100
            if time.perf_counter() >= deadline:
                break
        elapsed = time.perf_counter() - start
        results[f"{backend}:{count}"] = elapsed / calls * 1e9
        sel.close()
        for a, b in pairs:
            a.close()
            b.close()
print(json.dumps(results))
