"""What every Python bench server shares: the stop signal of the bench server protocol.

A server stops when its stdin reaches EOF (the benchmark closed it, or died) or on SIGTERM or
SIGINT. `stop_future(loop)` returns a future that is done at that moment.
"""
import os
import signal


def stop_future(loop):
    """A future that is done once stdin reaches EOF or SIGTERM/SIGINT arrives."""
    stopped = loop.create_future()

    def stop():
        if not stopped.done():
            stopped.set_result(None)

    def on_stdin():
        try:
            data = os.read(0, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            stop()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)
    try:
        loop.add_reader(0, on_stdin)
    except (OSError, ValueError):
        pass  # stdin is a file or /dev/null, which cannot be watched: only the signals stop us
    return stopped


def use_uvloop_or_exit(script):
    """Installs uvloop's event loop policy, or exits 3 (the bench's "peer not installed")."""
    import asyncio
    import sys

    try:
        import uvloop
    except ImportError:
        print(
            f"{script}: uvloop is not installed for {sys.executable} "
            "(apt-get install python3-uvloop, or pip install uvloop)",
            file=sys.stderr,
        )
        sys.exit(3)
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def import_tornado_or_exit(script):
    """The tornado module, or exits 3 (the bench's "peer not installed") saying how to get it."""
    import sys

    try:
        import tornado
    except ImportError:
        print(
            f"{script}: tornado is not installed for {sys.executable} "
            "(apt-get install python3-tornado, or pip install tornado)",
            file=sys.stderr,
        )
        sys.exit(3)
    return tornado
