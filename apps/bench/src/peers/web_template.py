"""Peer for `pnpm bench web`'s template case: tornado 6's template engine on tornado's own
template benchmark (maint/benchmark/template_benchmark.py, once demos/benchmark/).

usage: web_template.py '{"template": PATH, "rows": 1000, "warmupSec": 1, "seconds": 1, "output": true}'

Compiles the template at PATH once (`Template(text)`: no name, so whitespace mode "all" and
autoescape xhtml_escape, the benchmark's), then renders it with the benchmark's context
(`tmpl.generate(**context)`, bytes): unmeasured for warmupSec, then for `seconds`, counting
renders, timed with time.perf_counter(). tornado's rows are dicts of ten numbers, whose iteration
yields their keys; a JavaScript object is not iterable, so here (and in aio's child) each row is
a list of the ten numbers. Prints {"rate": renders per second, "renders": N, "seconds": S,
"bytes": one render's length, "tornado": version, "python": version}, with "output" (one render,
as text) when asked. Exits 3 if tornado is not installed.
"""
import json
import sys
import time

from _peer import import_tornado_or_exit

tornado = import_tornado_or_exit("web_template.py")
from tornado.template import Template  # noqa: E402

args = json.loads(sys.argv[1])
with open(args["template"], encoding="utf-8") as f:
    tmpl = Template(f.read())
context = {
    "page_title": "mitsuhiko's benchmark",
    "table": [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10] for _ in range(int(args["rows"]))],
}

first = tmpl.generate(**context)


def render_for(seconds):
    """Renders for `seconds`: how many, and the time they took."""
    start = time.perf_counter()
    end = start + seconds
    renders = 0
    while True:
        body = tmpl.generate(**context)
        if len(body) != len(first):
            raise RuntimeError(f"render {renders} is {len(body)} bytes, the first was {len(first)}")
        renders += 1
        now = time.perf_counter()
        if now >= end:
            return renders, now - start


if args["warmupSec"] > 0:
    render_for(args["warmupSec"])
renders, elapsed = render_for(args["seconds"])
answer = {
    "rate": renders / elapsed,
    "renders": renders,
    "seconds": elapsed,
    "bytes": len(first),
    "tornado": tornado.version,
    "python": sys.version.split()[0],
}
if args.get("output"):
    answer["output"] = first.decode("utf-8")
print(json.dumps(answer))
