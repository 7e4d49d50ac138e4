"""The quick loop spreads itself over the cores (tests/conftest.py's pytest_cmdline_main), and only the quick loop."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import REPO

NONE = "not slow and postgres"
"""A quick-loop marker expression that selects no test (the PostgreSQL half is slow): the run only collects."""


def workers(*args: str) -> bool:
    """Whether `pytest -m NONE ARGS`, run from the repository, starts pytest-xdist workers."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_XDIST")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-m", NONE, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,  # a worker that started workers of its own would never end
    )
    assert done.returncode == 5, done.stdout[-2000:] + done.stderr[-2000:]  # 5: no test selected
    return "created: " in done.stdout


@pytest.mark.slow  # starts pytest five times
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: the quick loop stays in one process")
def test_the_quick_loop_runs_on_workers_and_a_narrower_run_in_one_process():
    assert workers()
    assert workers("tests")  # the whole tree, named
    assert not workers("-n", "0")
    assert not workers("tests/checkout/test_rush.py")
    assert not workers("-k", "rush")
