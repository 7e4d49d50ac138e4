"""Validation rate of generated 10,000-product catalogs (realistic and synthetic) next to the bare
C-loader parse of the same files.

Goal (issue 16): full validation within 1.5x the bare parse on the realistic catalog.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.catalog_gen import write_catalog  # noqa: E402
from bench.realistic_gen import write_realistic_catalog  # noqa: E402
from catalog import load_catalog  # noqa: E402
from storefront.parallel import split_forked  # noqa: E402


def bare_parse(root: Path) -> float:
    """Seconds to read and C-parse every product and factory file, nothing else (`yaml.load` as anyone
    calls it, so with the garbage collector on)."""
    start = time.perf_counter()
    for folder in ("products", "factories"):
        for path in (root / folder).iterdir():
            yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    return time.perf_counter() - start


def full_validation(root: Path) -> float:
    """Seconds for `load_catalog`: parse, models, cross-file rules, derived values (without the
    garbage collector and on both cores, as `plus validate` and `plus build` load)."""
    gc.disable()
    start = time.perf_counter()
    try:
        result = load_catalog(root, today=dt.date(2026, 11, 25), split=split_forked)
    finally:
        elapsed = time.perf_counter() - start
        gc.enable()
    assert result.catalog is not None, result.problems[:3]
    return elapsed


def median(values: list[float]) -> float:
    """The middle value."""
    return sorted(values)[len(values) // 2]


GENERATORS = {"realistic": write_realistic_catalog, "synthetic": write_catalog}


def measure(root: Path, repeats: int) -> dict[str, float]:
    """Bare parse and validation of the catalog at `root`, alternated; medians of `repeats` runs."""
    bare_parse(root)  # warm the page cache
    parse, full = [], []
    for _ in range(repeats):  # alternated, so a busy moment on a shared machine hits both
        parse.append(bare_parse(root))
        full.append(full_validation(root))
    return {"parse_s": median(parse), "validate_s": median(full), "ratio": median(full) / median(parse)}


def run(products: int, repeats: int, kind: str = "realistic") -> dict[str, float]:
    """Measure both on one generated catalog."""
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        root = GENERATORS[kind](Path(tmp) / "content", products)
        return {"catalog": kind, "products": products, **measure(root, repeats)}


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--catalogs", default="realistic,synthetic", help="comma-separated: realistic, synthetic")
    args = parser.parse_args()
    print(f"{'catalog':>9} | {'products':>8} | {'bare C parse':>12} | {'validate':>10} | {'rate':>14} | {'ratio':>6} | goal")
    for kind in args.catalogs.split(","):
        row = run(args.products, args.repeats, kind)
        print(
            f"{kind:>9} | {row['products']:>8,} | {row['parse_s']:>11.2f}s | {row['validate_s']:>9.2f}s | "
            f"{row['products'] / row['validate_s']:>8,.0f} /s   | {row['ratio']:>5.2f}x | <= 1.50x",
            flush=True,
        )


if __name__ == "__main__":
    main()
