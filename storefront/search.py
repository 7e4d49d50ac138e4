"""The static search index: Pagefind's extended (Chinese-aware) build over the rendered site."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)

PAGEFIND_TIMEOUT = 900  # seconds; 10,000 pages take about 5 s, so this only catches a hang


class SearchIndexError(Exception):
    """Pagefind failed: the site must not be published without its search."""


def index_site(site: Path) -> None:
    """Run Pagefind over `site`, writing `site/pagefind/`."""
    # The CLI, not the Python API: the API once wrote truncated index files (PROBE-NOTES).
    command = [sys.executable, "-m", "pagefind", "--site", str(site), "--silent"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=PAGEFIND_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise SearchIndexError(f"pagefind did not finish in {PAGEFIND_TIMEOUT} s") from exc
    if result.returncode != 0 or not (site / "pagefind" / "pagefind-entry.json").is_file():
        detail = (result.stderr or result.stdout).strip()[-2000:]
        raise SearchIndexError(f"pagefind failed (exit {result.returncode}): {detail}")
    if result.stderr.strip():
        log.warning("storefront: pagefind: %s", result.stderr.strip()[-2000:])
