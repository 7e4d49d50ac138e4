"""Lighthouse (mobile) scores for home, a product and a factory page, served by `plus serve`.

Uses the npm package pinned in bench/lighthouse (lighthouse 12.2.3: version 13 needs Node 22)
and Debian's Chromium. Goal (issues 3 and 6): 100 in all four categories.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.serving import plus_serve  # noqa: E402

LIGHTHOUSE_DIR = REPO / "bench" / "lighthouse"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync"
)
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]


def ensure_lighthouse() -> Path:
    """Install the pinned Lighthouse with npm if it is not there yet."""
    binary = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=LIGHTHOUSE_DIR, check=True)
    return binary


def first_link(base: str, page: str, pattern: str) -> str:
    """The first link on `page` whose path matches `pattern`."""
    html = urllib.request.urlopen(page, timeout=10).read().decode()
    for href in re.findall(r'href="([^"#?]+)"', html):
        if re.search(pattern, href):
            return href if href.startswith("http") else base + "/" + href.lstrip("/")
    raise LookupError(f"no link matching {pattern!r} on {page}")


def audit(binary: Path, url: str) -> dict[str, int]:
    """Run Lighthouse on one URL; return the four category scores (0-100) and the failing audits."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
        subprocess.run(
            [
                str(binary),
                url,
                "--quiet",
                "--output=json",
                f"--output-path={report}",
                f"--chrome-flags={CHROME_FLAGS}",
                "--only-categories=" + ",".join(CATEGORIES),
            ],
            check=True,
            env=env,
            timeout=300,
        )
        data = json.loads(report.read_text())
    scores = {c: round((data["categories"][c]["score"] or 0) * 100) for c in CATEGORIES}
    failing = sorted(
        a["id"]
        for a in data["audits"].values()
        if a.get("score") is not None and a["score"] < 0.9 and a.get("scoreDisplayMode") in ("binary", "numeric")
    )
    return {**scores, "failing": failing}


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", help="audit an already running store instead of starting `plus serve`")
    args = parser.parse_args()
    binary = ensure_lighthouse()
    with tempfile.TemporaryDirectory() as tmp:
        if args.url:
            rows = _audit_all(binary, args.url.rstrip("/"))
        else:
            with plus_serve(Path(tmp) / "instance") as base:
                rows = _audit_all(binary, base)
    print(f"{'page':<10} | {'perf':>4} | {'a11y':>4} | {'best':>4} | {'seo':>4} | below 90")
    for name, row in rows.items():
        print(
            f"{name:<10} | {row['performance']:>4} | {row['accessibility']:>4} | {row['best-practices']:>4} | {row['seo']:>4} | {', '.join(row['failing']) or '-'}"
        )


def _audit_all(binary: Path, base: str) -> dict[str, dict]:
    product = first_link(base, base + "/", r"/p/[a-z0-9-]+/")
    factory = first_link(base, product, r"/factory/[a-z0-9-]+/")
    pages = {"home": base + "/", "product": product, "factory": factory}
    return {name: audit(binary, url) for name, url in pages.items()}


if __name__ == "__main__":
    main()
