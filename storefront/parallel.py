"""Rendering on every core: forked workers share the validated catalog and the plan, copy-on-write.

A page is a pure function of the catalog, so each worker renders every n-th page into the same
staging folder and reports back through a pipe. Errors a worker logs or raises fail the build in
the parent, as they would have rendering alone.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

log = logging.getLogger(__name__)

MIN_PAGES_PER_WORKER = 100
"""Below this a fork costs more than it saves."""
WATCHED_LOGGERS = ("pelican", "storefront")


class WorkerFailed(Exception):
    """A render worker raised or logged errors: the output is not trustworthy."""


def workers_for(pages: int, wanted: int | None) -> int:
    """How many processes to render `pages` with: one unless forking is safe and worth it.

    By default one core is left to Pagefind, which indexes (single-threaded) while pages render:
    on two cores the pages render in this process alone; measured, a second worker won little there.
    """
    wanted = wanted if wanted is not None else (os.cpu_count() or 1) - 1
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return 1  # forking a threaded process can deadlock the child
    return max(1, min(wanted, pages // MIN_PAGES_PER_WORKER))


def render_forked(
    items: Sequence[Any],
    render: Callable[[Any], None],
    workers: int,
    done: Callable[[int], None] = lambda n: None,
    found: list | None = None,
) -> None:
    """Render `items` with `workers` processes (this one included), calling `done(n)` in this one
    as items finish; what the workers' `render` appends to `found` (JSON values) is appended to it
    here too; raises `WorkerFailed` when a worker failed."""
    found = found if found is not None else []
    start = len(found)
    children = []
    for number in range(1, workers):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: render its share, report, and leave without running any cleanup
            os.close(read_end)
            _work(items[number::workers], render, write_end, found, start)
        os.close(write_end)
        children.append((pid, read_end))
    failure: BaseException | None = None
    try:
        for item in items[0::workers]:
            render(item)
            done(1)
    except BaseException as exc:
        failure = exc
    problems = [problem for pid, read_end in children if (problem := _collect(pid, read_end, found))]
    if failure is not None:
        raise failure
    if problems:
        raise WorkerFailed("; ".join(problems))
    done(len(items) - len(items[0::workers]))


def _work(items: Sequence[Any], render: Callable[[Any], None], channel: int, found: list, start: int) -> None:
    errors: list[str] = []
    handler = ErrorCollector(errors)
    for name in WATCHED_LOGGERS:
        logging.getLogger(name).addHandler(handler)
    try:
        for item in items:
            render(item)
    except BaseException as exc:  # reported to the parent, which fails the build
        errors.append(f"{type(exc).__name__}: {exc}")
    try:
        data = json.dumps({"errors": errors, "found": found[start:]}).encode()
        while data:
            data = data[os.write(channel, data) :]
    finally:
        os._exit(1 if errors else 0)


def _collect(pid: int, read_end: int, found: list) -> str | None:
    chunks = []
    while chunk := os.read(read_end, 1 << 16):
        chunks.append(chunk)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    try:
        report = json.loads(b"".join(chunks) or b"{}")
        errors = report.get("errors", [])
        found.extend(report.get("found", []))
    except ValueError:
        errors = ["unreadable report"]
    if os.waitstatus_to_exitcode(status) != 0 or errors:
        return "render worker: " + ("; ".join(errors[:5]) or f"exit {os.waitstatus_to_exitcode(status)}")
    return None


class ErrorCollector(logging.Handler):
    """A logging handler that keeps the messages of ERROR records (Pelican's `--fatal errors` idea)."""

    def __init__(self, sink: list[str]):
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the message."""
        self.sink.append(record.getMessage())
