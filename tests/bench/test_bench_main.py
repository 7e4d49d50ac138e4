"""`./dev bench` runs every benchmark even when one fails, and the build table marks its goals."""

from __future__ import annotations

import sys

import pytest

import bench.__main__ as bench_main
from bench.bench_build import Timing, scale_verdict, verdict


def test_a_failing_benchmark_is_named_and_the_others_still_run(tmp_path, monkeypatch, capsys):
    (tmp_path / "bench_fails_here.py").write_text("def main():\n    raise RuntimeError('boom')\n", encoding="utf-8")
    (tmp_path / "bench_runs_after.py").write_text("def main():\n    print('the second one ran')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(bench_main, "BENCHMARKS", ["bench_fails_here", "bench_runs_after"])
    monkeypatch.setattr(bench_main, "OPTIONAL", [])
    monkeypatch.setattr(sys, "argv", ["bench"])
    with pytest.raises(SystemExit, match="failed: bench_fails_here$"):
        bench_main.main()
    shown = capsys.readouterr()
    assert "the second one ran" in shown.out and "RuntimeError: boom" in shown.err


def test_the_goals_are_marked_on_the_rows_they_hold_for():
    row = {"products": 10_000, "html_gz": 10_000, "css_gz": 1_000, "validate": 1.6, "ratio": 1.1}
    assert verdict(row, "realistic") == "ratio <=1.2x met (stretch <=1.0x NOT MET), validate <=1.5x NOT MET, page <30 KB met"
    assert verdict(row, "synthetic") == "page <30 KB met"
    assert verdict({**row, "products": 1_000, "html_gz": 40_000}, "realistic") == "page <30 KB NOT MET"


def test_the_large_build_says_whether_it_meets_its_goal():
    assert scale_verdict(100_000, Timing(146.2, 1880, 256.0)) == "goal at 100,000: <= 150 s met, <= 2,048 MiB met"
    assert scale_verdict(100_000, Timing(141.0, 2053, 252.4)).endswith("<= 2,048 MiB NOT MET")
    assert scale_verdict(100_000, Timing(151.0, 2000, 252.4)).startswith("goal at 100,000: <= 150 s NOT MET")
    assert "set at 100,000" in scale_verdict(20_000, Timing(30.0, 900, 50.0))  # (no verdict on another size)
