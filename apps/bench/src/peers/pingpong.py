"""Peer for `pnpm bench selector`: a 1-byte TCP ping-pong over loopback driven by CPython's
selectors.DefaultSelector, both ends in one thread, exactly as the aio side does it.
Prints JSON: {"roundTripsPerSec": float, "selector": name}.
"""
import json
import selectors
import socket
import sys
import time

args = json.loads(sys.argv[1])
trips_wanted = args["trips"]

listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen()
client = socket.socket()
client.connect(listener.getsockname())
server, _ = listener.accept()
listener.close()
for s in (client, server):
    s.setblocking(False)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

sel = selectors.DefaultSelector()
sel.register(server, selectors.EVENT_READ, True)
sel.register(client, selectors.EVENT_READ, False)
one = b"x"
buf = bytearray(64)
trips = 0
start = time.perf_counter()
client.send(one)
while trips < trips_wanted:
    for key, _ in sel.select():
        sock = key.fileobj
        try:
            n = sock.recv_into(buf)
        except BlockingIOError:
            continue
        if n == 0:
            continue
        if not key.data:
            trips += 1
        sock.send(one)
elapsed = time.perf_counter() - start
sel.close()
client.close()
server.close()
print(json.dumps({"roundTripsPerSec": trips_wanted / elapsed, "selector": type(sel).__name__}))
