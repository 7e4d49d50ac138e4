"""Work on both cores: forked children share the validated catalog copy-on-write.

`split_forked` has a child do the second half of a pass over the content files while this process
does the first; a `Background` child makes each shard of search records while the pages render.
Errors a child logs or raises fail the build in the parent, as they would have in one process.
Answers travel pickled (the child is this program: its answers are as trusted as its own objects).

Pages render in this process alone. The search index is the build's longer path: its shards are
indexed one after another (one Pagefind's memory at a time) beside the pages, by a Pagefind niced
to leave the pages their core (`search.NICE`), and were done ~3 s after the pages at 10,000
products, ~15 s after them at 100,000. Render workers (removed, issue 16)
made builds on two cores slower, taking the core Pagefind indexes on (10,000 products: 27.5-30.5 s
with two, 23.7-25.5 s with one); with more cores they could only have ended the pages sooner.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import pickle
import select
import signal
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from typing import Any

log = logging.getLogger(__name__)

MIN_SPLIT = 500
"""A pass over fewer items (files, products) than this runs in one process (a fork and the answer's pickling cost more)."""
WATCHED_LOGGERS = ("pelican", "storefront")


class WorkerFailed(Exception):
    """A forked child raised or logged errors: the output is not trustworthy."""


def can_fork() -> bool:
    """Forking is possible and safe: a threaded process can deadlock its child."""
    return hasattr(os, "fork") and threading.active_count() == 1


def split_forked(work: Callable[[Sequence[Any]], list[Any]], items: Sequence[Any]) -> list[Any]:
    """`work(items)`, the second half done by a forked child while this process does the first
    (`catalog.load_catalog`'s `split`): validation is otherwise the build's one pass on one core."""
    if len(items) < MIN_SPLIT or not can_fork():
        return work(items)
    half = len(items) // 2
    child = Background("validate", lambda: work(items[half:]))
    try:
        child.start()
        return work(items[:half]) + child.result()
    finally:
        child.cancel()  # (when this half failed, or Ctrl-C came while waiting: the other half is of no use)


class Background:
    """`job()` run in a forked child while this process goes on (or here and now, when forking is
    not safe), from `start()`; `result()` is its answer, or raises `WorkerFailed`."""

    def __init__(self, name: str, job: Callable[[], Any]):
        self.name = name
        self._job = job
        self._pid = 0
        self._answer: dict[str, Any] = {}

    def start(self) -> Background:
        """Fork the child (or run the job). Ctrl-C and SIGTERM wait until the child is known, so
        that `cancel` can stop it: raised inside the fork's own handlers they would be lost."""
        if not can_fork():
            self._answer = _run(self._job)
            return self
        read_end, write_end = os.pipe()
        # Python's advice for fork without exec: the objects made so far are kept out of either
        # process's later collections, which would write to (and so copy) every page holding one.
        # (`plus build` gives them back to the collector when it ends.)
        gc.freeze()
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            self._pid = os.fork()
            if self._pid == 0:
                try:  # (a stop raised before `_run` must not climb into the parent's code)
                    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                    os.close(read_end)
                    _reply(write_end, _run(self._job))
                finally:
                    os._exit(1)
            os.close(write_end)
            self._read_end = read_end
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        return self

    def ready(self) -> bool:
        """The child has answered or ended: `result` will not wait for its job."""
        if not self._pid:
            return True
        answer = select.poll()  # (not select.select: it refuses descriptors past 1023)
        answer.register(self._read_end, select.POLLIN)
        return bool(answer.poll(0))

    def result(self) -> Any:
        """Wait for the child and return what its job returned."""
        if self._pid:
            self._answer, self._pid = _read(self._pid, self._read_end), 0
        if errors := self._answer.get("errors"):
            raise WorkerFailed(f"{self.name}: " + "; ".join(errors[:5]))
        return self._answer.get("answer")

    def cancel(self) -> None:
        """Stop the child (the build failed elsewhere); its own children see their input close."""
        if self._pid:
            with contextlib.suppress(OSError):  # interrupted in `result`, the child may be gone, its pipe closed
                os.kill(self._pid, signal.SIGKILL)
                os.close(self._read_end)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self._pid, 0)
            self._pid = 0


def _run(job: Callable[[], Any]) -> dict[str, Any]:
    """Run `job`, its errors (raised or logged) collected."""
    answer = None
    with errors_logged(*WATCHED_LOGGERS) as errors:
        try:
            answer = job()
        except BaseException as exc:  # reported to the parent, which fails the build
            where = traceback.extract_tb(exc.__traceback__)[-1]  # the child's traceback stays with it: say where
            errors.append(f"{type(exc).__name__}: {exc} ({where.filename}:{where.lineno})")
    return {"errors": errors, "answer": answer}


def _reply(channel: int, report: dict[str, Any]) -> None:
    """Send the report to the parent and leave without running any cleanup: exit 0 only when a
    report without errors was sent whole."""
    code = 1
    try:
        try:
            data = pickle.dumps(report, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # (an answer that cannot be pickled, or no memory left to)
            report = {"errors": [f"the answer could not be sent: {type(exc).__name__}: {exc}"]}
            data = pickle.dumps(report)
        while data:
            data = data[os.write(channel, data) :]
        code = 1 if report["errors"] else 0
    finally:
        os._exit(code)


def _read(pid: int, read_end: int) -> dict[str, Any]:
    """The child's report; how it ended, when it did not exit 0, is its first error."""
    chunks = []
    while chunk := os.read(read_end, 1 << 16):
        chunks.append(chunk)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    ended = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit {code}"
    try:
        report = pickle.loads(b"".join(chunks))
    except (pickle.UnpicklingError, EOFError, ValueError):
        report = {"errors": [ended if code else "unreadable report"]}
    if code and not report.get("errors"):
        report["errors"] = [ended]
    return report


@contextlib.contextmanager
def errors_logged(*logger_names: str) -> Iterator[list[str]]:
    """The messages of ERROR records these loggers log meanwhile (Pelican's `--fatal errors` idea)."""
    errors: list[str] = []
    handler = logging.Handler(logging.ERROR)

    def keep(record: logging.LogRecord) -> bool:
        errors.append(record.getMessage())
        return False  # (kept here, never emitted)

    handler.addFilter(keep)
    loggers = [logging.getLogger(name) for name in logger_names]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield errors
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
