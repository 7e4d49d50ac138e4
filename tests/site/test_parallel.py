"""Forked children (validation's second half, search records) answer the parent, fail the build
the way the parent would, and never outlive a stop.

The build forks only a process without threads, and a test process may run threads other tests
left behind: so these tests fork in a fresh interpreter of their own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading

from storefront import parallel
from tests.conftest import REPO

PRELUDE = """
import json, logging, os, sys
from pathlib import Path
from storefront import parallel
"""


def isolated(code: str, *args: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh, single-threaded interpreter at the repository root."""
    return subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(code), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


BACKGROUND = """
import time
started = time.monotonic()
ok = parallel.Background("sum", lambda: {"pid": os.getpid(), "sum": sum(range(10))}).start()
def fail():
    logging.getLogger("storefront").error("index shard 2 is broken")
    return {}
failing = parallel.Background("index", fail).start()
slow = parallel.Background("slow", lambda: time.sleep(60)).start()
slow.cancel()
try:
    failing.result()
    error = None
except parallel.WorkerFailed as exc:
    error = str(exc)
print(json.dumps({"answer": ok.result(), "me": os.getpid(), "error": error, "seconds": time.monotonic() - started}))
"""


def test_a_background_job_runs_in_a_child_and_its_failures_reach_the_parent():
    result = isolated(BACKGROUND)
    report = json.loads(result.stdout)
    assert report["answer"]["sum"] == 45 and report["answer"]["pid"] != report["me"]
    assert report["error"] == "index: index shard 2 is broken"
    assert report["seconds"] < 30  # the sleeping child was stopped, not waited for


def test_a_background_job_in_a_threaded_process_runs_here_and_now(monkeypatch):
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    job = parallel.Background("here", os.getpid).start()
    assert job.result() == os.getpid()


READY = """
import time
read_end, write_end = os.pipe()
job = parallel.Background("waits", lambda: os.read(read_end, 1)).start()
before = job.ready()
os.write(write_end, b"x")  # the job may end now
deadline = time.monotonic() + 30
while not job.ready() and time.monotonic() < deadline:
    time.sleep(0.01)
print(json.dumps({"before": before, "after": job.ready(), "answer": job.result().decode()}))
"""


def test_a_background_job_says_without_waiting_whether_it_has_answered():
    assert json.loads(isolated(READY).stdout) == {"before": False, "after": True, "answer": "x"}


SPLIT = """
from decimal import Decimal
parallel.MIN_SPLIT = 2
def work(part):
    if "broken" in part:
        raise ValueError("item broken cannot be read")
    return [(item, Decimal("0.10") * len(item), os.getpid()) for item in part]
answer = parallel.split_forked(work, ["a", "bb", "ccc", "dddd"])
try:
    parallel.split_forked(work, ["a", "bb", "ccc", "broken"])
    error = None
except parallel.WorkerFailed as exc:
    error = str(exc)
import signal
def dies(part):
    if "die" in part:  # as the out-of-memory killer would
        os.kill(os.getpid(), signal.SIGKILL)
    return list(part)
try:
    parallel.split_forked(dies, ["ok", "die"])
    killed = None
except parallel.WorkerFailed as exc:
    killed = str(exc)
import time
def slow_child(part):
    if "late" in part:
        time.sleep(60)
    raise KeyError("this half failed")
started = time.monotonic()
try:
    parallel.split_forked(slow_child, ["now", "late"])
except KeyError:
    pass
try:
    os.waitpid(-1, os.WNOHANG)
    left = True
except ChildProcessError:
    left = False
print(repr({"answer": answer, "me": os.getpid(), "error": error, "killed": killed, "left": left, "seconds": time.monotonic() - started}))
"""


def test_a_split_pass_answers_in_order_with_its_values_as_they_were_made_and_stops_on_failure():
    from decimal import Decimal

    result = isolated(SPLIT)
    report = eval(result.stdout, {"Decimal": Decimal})  # noqa: S307 - our own repr of tuples and Decimals
    answer = report["answer"]
    assert [item for item, _, _ in answer] == ["a", "bb", "ccc", "dddd"]
    assert [amount for _, amount, _ in answer] == [Decimal("0.10"), Decimal("0.20"), Decimal("0.30"), Decimal("0.40")]
    assert {pid for *_, pid in answer[:2]} == {report["me"]} and report["me"] not in {pid for *_, pid in answer[2:]}
    # the child's traceback stays with it: the message says where it was raised
    assert report["error"].startswith("validate: ValueError: item broken cannot be read (<string>:")
    assert report["killed"] == "validate: killed by SIGKILL"
    # this process's half failing stops the other half's child at once, leaving no process behind
    assert report["seconds"] < 30 and report["left"] is False


STOPPED = """
import signal, time
signal.signal(signal.SIGTERM, signal.default_int_handler)  # as `plus build` has it
me = os.getpid()
parallel.MIN_SPLIT = 2

def children():
    return open(f"/proc/{me}/task/{me}/children").read().split()

def stop_during_fork(nth):  # `kill PID` while the nth fork from now is under way
    forks = [0]
    def after():
        forks[0] += 1
        if forks[0] == nth:
            os.kill(me, signal.SIGTERM)
    return after

def slow(part):
    time.sleep(20)
    return list(part)

report = {}
started = time.monotonic()
os.register_at_fork(after_in_parent=stop_during_fork(1))
try:
    parallel.split_forked(slow, ["a", "b"])
except KeyboardInterrupt:
    report["split"] = children()
report["seconds"] = time.monotonic() - started
print(json.dumps(report))
"""


def test_a_stop_while_forking_leaves_no_child_running():
    result = isolated(STOPPED)
    report = json.loads(result.stdout)
    assert report["split"] == [], report
    assert report["seconds"] < 10  # the child's half (20 s) was stopped, not waited for


ANSWERS = """
import signal, threading, time
def big():
    return [os.urandom(1000) for _ in range(1000)]  # more than a pipe holds: the child waits to write
child = parallel.Background("index", big).start()
time.sleep(1)
os.kill(child._pid, signal.SIGKILL)  # as the out-of-memory killer would, while it writes its answer
report = {}
for name, job in (("killed", child), ("unpicklable", parallel.Background("index", lambda: [lambda: 1]).start())):
    try:
        job.result()
    except parallel.WorkerFailed as exc:
        report[name] = str(exc)
me = os.getpid()
def stopped_in_child():  # a Ctrl-C that reaches the child before its job runs
    if os.getpid() != me:
        os.kill(os.getpid(), signal.SIGINT)
os.register_at_fork(after_in_child=stopped_in_child)
try:
    parallel.Background("index", lambda: 1).start().result()
except (parallel.WorkerFailed, KeyboardInterrupt) as exc:  # as `plus build` cleans up on either
    print("cleaning up after", repr(exc))
print(json.dumps(report))
"""


def test_a_child_that_dies_writing_or_cannot_send_its_answer_is_an_error_and_a_stopped_child_ends_there():
    result = isolated(ANSWERS)
    lines = result.stdout.splitlines()
    assert lines[0] == "cleaning up after WorkerFailed('index: exit 1')" and len(lines) == 2, result.stdout  # not in the child too
    report = json.loads(lines[1])
    assert report["killed"] == "index: killed by SIGKILL"
    assert report["unpicklable"].startswith("index: the answer could not be sent: ")
