"""The quick loop spreads itself over the cores (tests/conftest.py's pytest_cmdline_main), and only the quick loop."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import REPO

ONE_TEST = "test_the_pace_spaces_callers_evenly_across_threads"


def pytest_run(*args: str) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_XDIST")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-k", ONE_TEST, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


@pytest.mark.slow  # starts pytest three times
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: the quick loop stays in one process")
def test_the_quick_loop_runs_on_workers_that_start_no_workers_of_their_own():
    quick = pytest_run("-m", "not slow")
    assert "created: " in quick and "1 passed" in quick  # a worker that started workers again never ends (timeout)
    assert "created: " not in pytest_run("-m", "not slow", "-n", "0")
    assert "created: " not in pytest_run("-m", "not slow", "tests/checkout/test_rush.py")  # files named: one process
