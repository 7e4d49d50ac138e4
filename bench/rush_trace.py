"""gunicorn hooks for `bench_rush.py --trace`: where a request's time goes on the server's side.

Loaded with `gunicorn -c bench/rush_trace.py`; each worker appends one line per request to
`$PLUS_BENCH_TRACE.<pid>`: the client's send time (its `X-Bench-Sent` header), when a request thread
took it up (after the accept and the wait for a free thread), when the app had answered, the
thread's CPU time for it, and how many requests waited for a thread of this worker at the time.
Full garbage collections (they stop every thread of the worker) are written too, as `gc` lines.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from typing import TextIO

_lock = threading.Lock()
_files: dict[int, TextIO] = {}


def _write(line: str) -> None:
    with _lock:
        out = _files.get(os.getpid())
        if out is None:
            out = _files[os.getpid()] = open(f"{os.environ['PLUS_BENCH_TRACE']}.{os.getpid()}", "a", buffering=1)  # noqa: SIM115
        out.write(line)


def post_fork(_server, _worker) -> None:
    """Log each full garbage collection of the worker with its start and end (gunicorn's hook)."""
    began: list[float] = []

    def timed(phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            began[:] = [time.time()]
        elif began:
            _write(f"gc {began[0]:.6f} {time.time():.6f} {info['collected']}\n")

    gc.callbacks.append(timed)


def pre_request(worker, req) -> None:
    """A request thread takes the request up (gunicorn's hook)."""
    pool = getattr(worker, "tpool", None)
    queue = getattr(pool, "_work_queue", None)
    req.plus_trace = (time.time(), time.thread_time(), queue.qsize() if queue is not None else -1)


def post_request(worker, req, _environ, resp) -> None:
    """The app has answered (gunicorn's hook): write the request's line."""
    started = getattr(req, "plus_trace", None)
    if started is None or resp is None:
        return
    taken, cpu, waiting = started
    sent = next((value for name, value in req.headers if name == "X-BENCH-SENT"), "-")
    _write(
        f"{sent} {taken:.6f} {time.time():.6f} {(time.thread_time() - cpu) * 1000:.3f} {waiting} {resp.status_code} {req.method} {req.path}\n"
    )
