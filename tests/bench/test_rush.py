"""`bench/bench_rush.py --quick`: the rush benchmark runs end to end, guests and members, and every shopper reaches a pay page."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_quick_rush_serves_every_shopper_without_errors_or_timeouts(tmp_path):
    run = subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench_rush.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert list(tmp_path.iterdir()) == []  # its database, logs and mail are removed
    rows = [line for line in run.stdout.splitlines() if re.match(r"\| \d+ ms, ", line)]
    assert len(rows) == 6, run.stdout
    assert sum(", members, " in row for row in rows) == 3, run.stdout  # logged-in members as well as guests
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        errors, timeouts, holds = (int(cell.split()[0]) for cell in cells[4:7])  # errors may say which: '4 (503×4)'
        assert (errors, timeouts, holds) == (0, 0, 0), row
        assert float(cells[1]) > 0, row  # sessions were opened
        if cells[0].endswith("/s"):  # a burst, with webhooks alongside: they record real paid orders
            paid = re.search(r"(\d+) orders paid", cells[8])
            assert paid and int(paid.group(1)) > 0, row
