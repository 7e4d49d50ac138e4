"""`./dev bench` (python -m bench): run every benchmark and print its table."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import time
import traceback

BENCHMARKS = ["bench.bench_build"]  # its table has the validation ratio too (bench/bench_validate.py alone: more repeats)
OPTIONAL = ["bench.bench_search", "bench.bench_checkout", "bench.bench_rush", "bench.bench_serve", "bench.bench_lighthouse"]


def main() -> None:
    """Run each benchmark module's `main()` in turn; one that fails is named, and the others still run."""
    from bench.serving import stop_on_sigterm

    stop_on_sigterm()
    names = BENCHMARKS + [name for name in OPTIONAL if importlib.util.find_spec(name)]
    failed = []
    for name in names:
        print(f"\n== {name.split('.')[-1]}", flush=True)
        started = time.perf_counter()
        sys.argv = [name]
        try:
            importlib.import_module(name).main()
        except (Exception, SystemExit) as exc:
            if not isinstance(exc, SystemExit) or exc.code:
                traceback.print_exc()
                failed.append(name.split(".")[-1])
        print(f"({time.perf_counter() - started:.1f} s)", flush=True)
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
