"""The build benchmark's peak memory is that of the whole process tree (`plus build` and its Pagefind
child at the same time), not of its largest process."""

from __future__ import annotations

import sys

from bench.bench_build import timed

HOLD = "block = bytearray(200 << 20); block[::4096] = b'x' * len(block[::4096])"


def test_the_peak_adds_a_child_process_to_its_parent():
    child = f"import time; {HOLD}; time.sleep(1.5)"
    parent = f"import subprocess, sys; {HOLD}; subprocess.run([sys.executable, '-c', {child!r}], check=True)"
    run = timed([sys.executable, "-c", parent])
    assert run.peak_mb >= 390  # 200 MiB each, at the same time; the larger process alone holds ~210
    assert run.cpu_s > 0 and run.seconds >= 1.5
