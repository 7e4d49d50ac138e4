"""Validation rate of a generated 10,000-product catalog next to the bare C-loader parse of the same files.

Goal (issue 2): full validation within 2x the bare parse.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.catalog_gen import write_catalog  # noqa: E402
from catalog import load_catalog  # noqa: E402


def bare_parse(root: Path) -> float:
    """Seconds to read and C-parse every product and factory file, nothing else."""
    start = time.perf_counter()
    for folder in ("products", "factories"):
        for path in (root / folder).iterdir():
            yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    return time.perf_counter() - start


def full_validation(root: Path) -> float:
    """Seconds for `load_catalog`: parse, models, cross-file rules, derived values."""
    start = time.perf_counter()
    result = load_catalog(root, today=dt.date(2026, 11, 25))
    elapsed = time.perf_counter() - start
    assert result.catalog is not None, result.problems[:3]
    return elapsed


def median(values: list[float]) -> float:
    """The middle value."""
    return sorted(values)[len(values) // 2]


def run(products: int, repeats: int) -> dict[str, float]:
    """Measure both on one generated catalog; medians of `repeats` runs."""
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        root = write_catalog(Path(tmp) / "content", products)
        bare_parse(root)  # warm the page cache
        parse = median([bare_parse(root) for _ in range(repeats)])
        full = median([full_validation(root) for _ in range(repeats)])
    return {"products": products, "parse_s": parse, "validate_s": full, "ratio": full / parse}


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    row = run(args.products, args.repeats)
    print(f"{'catalog':>10} | {'bare C parse':>12} | {'validate':>10} | {'rate':>14} | {'ratio':>6} | goal")
    print(
        f"{row['products']:>10,} | {row['parse_s']:>11.2f}s | {row['validate_s']:>9.2f}s | "
        f"{row['products'] / row['validate_s']:>8,.0f} /s   | {row['ratio']:>5.2f}x | <= 2.00x"
    )


if __name__ == "__main__":
    main()
