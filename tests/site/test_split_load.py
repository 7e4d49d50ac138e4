"""`plus build` validates on both cores: half the files and half the products in a forked child. The
catalog, its revision and every problem (the same, in the same order) must be what one process finds.

Forking runs in a fresh interpreter (see test_parallel.py): a test process may hold threads.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.realistic_gen import write_realistic_catalog
from tests.site.test_parallel import isolated

LOAD_BOTH_WAYS = """
import datetime as dt
from catalog import load_catalog
parallel.MIN_SPLIT = 2  # split even a small catalog
content, marks = Path(sys.argv[1]), Path(sys.argv[2])

def marking(work, items):
    def part(chunk):
        (marks / str(os.getpid())).touch()
        return work(chunk)
    return parallel.split_forked(part, items)

today = dt.date(2026, 11, 25)
alone = load_catalog(content, today=today)
forked = load_catalog(content, today=today, split=marking)
def described(result):
    return {
        "problems": [(p.as_text(), p.severity.name) for p in result.problems],
        "catalog": None if result.catalog is None else result.catalog.revision,
    }
print(json.dumps({
    "alone": described(alone),
    "forked": described(forked),
    "same_catalog": alone.catalog == forked.catalog,
    "processes": len(list(marks.iterdir())),
}))
"""


def load_both_ways(content: Path, marks: Path) -> dict:
    marks.mkdir()
    result = isolated(LOAD_BOTH_WAYS, str(content), str(marks))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_clean_catalog_loads_the_same_in_two_processes(tmp_path):
    content = write_realistic_catalog(tmp_path / "c", 40)
    answer = load_both_ways(content, tmp_path / "marks")
    assert answer["processes"] > 1  # each pass forks its own child
    assert answer["forked"] == answer["alone"] and answer["alone"]["catalog"].startswith("sha256:")
    assert answer["same_catalog"]  # every model, and the facts derived from them


def test_every_problem_is_found_in_the_same_order_in_two_processes(tmp_path):
    content = write_realistic_catalog(tmp_path / "c", 40)
    products = sorted((content / "products").glob("*.yaml"))
    first, second = products[2], products[-3]  # one in each process's half
    first.write_text(first.read_text(encoding="utf-8").replace("price: ", "price: ¥", 1), encoding="utf-8")
    second.write_text(second.read_text(encoding="utf-8") + "description: [unclosed\n", encoding="utf-8")
    nda = products[-5]
    nda.write_text(nda.read_text(encoding="utf-8").replace("title: ", "title: 名创优品同款 ", 1), encoding="utf-8")
    (content / "products" / "zz-copy.yaml").write_text(products[-8].read_text(encoding="utf-8"), encoding="utf-8")
    (content / "products" / "Bad_Name.yaml").write_text(products[5].read_text(encoding="utf-8"), encoding="utf-8")
    answer = load_both_ways(content, tmp_path / "marks")
    assert answer["processes"] > 1  # each pass forks its own child
    assert answer["forked"] == answer["alone"]
    found = "\n".join(text for text, _ in answer["alone"]["problems"])
    assert answer["alone"]["catalog"] is None
    for where in (first.name, second.name, nda.name, "zz-copy.yaml", "Bad_Name.yaml"):
        assert where in found, where
    assert "保密" in found or "NDA" in found


@pytest.fixture(scope="module")
def big_catalog(tmp_path_factory) -> Path:
    """Enough files that `plus validate` forks (MIN_SPLIT), for long enough to be caught at it."""
    return write_realistic_catalog(tmp_path_factory.mktemp("big") / "content", 2000)


def validate_and_meet_its_child(content: Path, *command: str) -> tuple[subprocess.Popen, int]:
    """`plus validate` (or `command`) started in a session of its own, and the pid of its forked child
    once it has one."""
    plus = Path(sys.executable).with_name("plus")
    process = subprocess.Popen(
        [str(plus), *(command or ["validate"]), "--content", str(content)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, "PLUS_TODAY": "2026-11-25", "PLUS_LANG": "zh"},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        if children:
            return process, int(children[0])
        time.sleep(0.002)
    process.kill()
    raise AssertionError("plus validate never forked")


def left_in_session(pid: int) -> list[str]:
    return subprocess.run(["pgrep", "-s", str(pid)], capture_output=True, text=True).stdout.split()


def test_plus_validate_stopped_by_sigterm_leaves_no_child_running(big_catalog):
    process, _ = validate_and_meet_its_child(big_catalog)
    process.send_signal(signal.SIGTERM)  # to the main process only, as `kill PID` or a supervisor does
    _, err = process.communicate(timeout=30)
    time.sleep(0.2)
    assert process.returncode == 130 and "已停止：校验没有做完" in err.decode(), err.decode()
    assert left_in_session(process.pid) == []


def test_plus_validate_says_so_when_its_child_is_killed(big_catalog):
    process, child = validate_and_meet_its_child(big_catalog)
    os.kill(child, signal.SIGKILL)  # as the out-of-memory killer would
    out, err = process.communicate(timeout=60)
    message = err.decode()
    assert process.returncode == 1, message
    assert "校验没有做完" in message and "killed by SIGKILL" in message and "Traceback" not in message


def test_plus_build_says_so_when_its_validation_child_is_killed_and_keeps_the_site(big_catalog, tmp_path):
    output = tmp_path / "site"
    output.mkdir()
    (output / "index.html").write_text("the site before", encoding="utf-8")
    process, child = validate_and_meet_its_child(big_catalog, "build", "--output", str(output))
    os.kill(child, signal.SIGKILL)
    _, err = process.communicate(timeout=60)
    message = err.decode()
    assert process.returncode == 1, message
    assert "校验没有做完" in message and "validate: killed by SIGKILL" in message and "Traceback" not in message
    assert [p.name for p in tmp_path.iterdir()] == ["site"] and (output / "index.html").read_text(encoding="utf-8") == "the site before"


STOPPED_BUILD = """
import contextlib, signal, time
import admin.build
from admin.stopping import stopped_by_signals
parallel.MIN_SPLIT = 2
me = os.getpid()

def stopped_half_swallowed(work, items):  # Ctrl-C: the child's half stops, this half's stop is swallowed
    def part(chunk):
        if os.getpid() != me:
            time.sleep(10)
        elif not stopped:
            stopped.append(True)
            for child in open(f"/proc/{me}/task/{me}/children").read().split():
                os.kill(int(child), signal.SIGTERM)
            with contextlib.suppress(KeyboardInterrupt):  # as pydantic-core does
                os.kill(me, signal.SIGTERM)
                time.sleep(10)
        return work(chunk)
    return parallel.split_forked(part, items)

stopped = []
admin.build.split_forked = stopped_half_swallowed
with stopped_by_signals():
    try:
        admin.build.build_site(sys.argv[1], sys.argv[2])
        print("built")
    except KeyboardInterrupt:
        print("stopped")
    except Exception as exc:
        print(type(exc).__name__, exc)
"""


def test_a_build_whose_validation_child_was_stopped_with_it_says_stopped_not_failed(tmp_path):
    content = write_realistic_catalog(tmp_path / "c", 40)
    result = isolated(STOPPED_BUILD, str(content), str(tmp_path / "site"))
    assert result.stdout.strip() == "stopped", result.stdout + result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]
