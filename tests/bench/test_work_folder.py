"""The checkout benchmarks' temporary folders and servers do not outlive a run."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from bench.bench_checkout import start
from bench.serving import free_port, stop_and_leave, stop_on_sigterm


def ended(folder, raised: BaseException | None) -> None:
    """A benchmark's `finally` leaving `folder`, after its run raised `raised` (or nothing)."""
    try:
        try:
            if raised is not None:
                raise raised
        finally:
            stop_and_leave([], folder)
    except BaseException as exc:
        assert exc is raised


@pytest.mark.parametrize("raised", [None, KeyboardInterrupt()], ids=["ended", "stopped"])
def test_a_run_that_ends_or_is_stopped_removes_its_folder(tmp_path, raised, capsys):
    work = tmp_path / "bench-x"
    (work / "instance").mkdir(parents=True)
    (work / "app.log").write_text("…", encoding="utf-8")
    ended(work, raised)
    assert not work.exists()
    assert capsys.readouterr().err == ""


def test_a_failed_run_keeps_its_logs_and_says_where(tmp_path, capsys):
    work = tmp_path / "bench-x"
    work.mkdir()
    (work / "app.log").write_text("Traceback …", encoding="utf-8")
    ended(work, RuntimeError("the app did not answer"))
    assert (work / "app.log").read_text(encoding="utf-8") == "Traceback …"
    assert str(work) in capsys.readouterr().err


def test_a_server_that_never_answers_is_not_left_running(tmp_path):
    silent = [sys.executable, "-c", "import time; time.sleep(60)  # a server that never answers"]
    with pytest.raises(TimeoutError):
        start(silent, {}, tmp_path / "server.log", f"http://127.0.0.1:{free_port()}/", timeout=1)
    assert [pid for pid in children() if "never answers" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")] == []


def children() -> list[int]:
    """This process's children, ended ones not yet waited for included (a zombie keeps its /proc entry)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):  # (another process that ends meanwhile)
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == os.getpid():
                found.append(int(stat.parent.name))
    return found


def test_sigterm_stops_a_benchmark_as_ctrl_c_does():
    before = signal.getsignal(signal.SIGTERM)
    try:
        stop_on_sigterm()
        with pytest.raises(KeyboardInterrupt):  # (so `with` blocks remove their temporary folders)
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
    finally:
        signal.signal(signal.SIGTERM, before)
