"""Search benchmark: answer quality on the seed, index size and query time on 10,000 products.

- quality: the query set of bench/search_queries.py typed into the seed store's search page in
  Chromium (right = the expected product among the first three, or nothing where nothing is right);
- size: bytes of `pagefind/` (and of its per-product fragments) for the generated 10,000-product
  catalog (bench/catalog_gen.py);
- time: in Chromium, from pressing Enter to the result cards shown, for the first query on a fresh
  page (Pagefind's code, WebAssembly and index chunks loaded) and for the queries after it.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_build import plus_build  # noqa: E402
from bench.catalog_gen import write_catalog  # noqa: E402
from bench.search_queries import FINDS, NOTHING, TOP  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
TIMED_QUERIES = ["吸尘器", "毛巾 3号", "工厂直供瑜伽垫", "yusan", "袜子", "茶盘", "xcq", "香薰 12"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        """Say nothing per request."""


@contextmanager
def served(site: Path) -> Iterator[str]:
    """The built site on a local port; yields its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def ask(page, query: str) -> tuple[list[str], float]:
    """Type a query into the search page; returns the product ids shown and the seconds it took."""
    box = page.locator("#search-q")
    box.fill(query)
    started = time.perf_counter()
    box.press("Enter")
    page.locator("[data-search-results][aria-busy=false]").wait_for(state="attached")
    elapsed = time.perf_counter() - started
    hrefs = page.locator("[data-search-results] a.card-link").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return [h.strip("/").split("/")[-1] for h in hrefs], elapsed


def open_search(browser, base: str):
    """A fresh context (empty cache) on the search page, ready for a query."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{base}/search/")
    page.locator("[data-search-results][aria-busy=false]").wait_for(state="attached")
    return context, page


def quality(browser, base: str) -> tuple[int, int, int, list[str]]:
    """Right answers of the query set, how many finds came first, the number of queries, and the wrong ones."""
    context, page = open_search(browser, base)
    wrong = []
    first = 0
    for kind, query, pid in FINDS:
        shown, _ = ask(page, query)
        first += shown[:1] == [pid]
        if pid not in shown[:TOP]:
            wrong.append(f"{kind} {query}: {shown[:TOP]}")
    for kind, query in NOTHING:
        shown, _ = ask(page, query)
        if shown:
            wrong.append(f"{kind} {query}: {shown[:TOP]}")
    context.close()
    total = len(FINDS) + len(NOTHING)
    return total - len(wrong), first, total, wrong


def latency(browser, base: str, rounds: int) -> tuple[float, float]:
    """Median first-query and next-query seconds over `rounds` fresh pages."""
    first, later = [], []
    for r in range(rounds):
        context, page = open_search(browser, base)
        queries = TIMED_QUERIES[r % len(TIMED_QUERIES) :] + TIMED_QUERIES[: r % len(TIMED_QUERIES)]
        first.append(ask(page, queries[0])[1])
        later += [ask(page, q)[1] for q in queries[1:]]
        context.close()
    return statistics.median(first), statistics.median(later)


def folder_bytes(folder: Path, suffix: str = "") -> int:
    """Total size of the files below `folder` (ending in `suffix`)."""
    return sum(p.stat().st_size for p in folder.rglob(f"*{suffix}") if p.is_file())


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=10_000, help="size of the generated catalog")
    parser.add_argument("--rounds", type=int, default=5, help="fresh pages to time")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    base_dir = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(dir=base_dir) as tmp, sync_playwright() as playwright:
        tmp = Path(tmp)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        plus_build(REPO / "content", tmp / "seed")
        with served(tmp / "seed") as base:
            right, first, total, wrong = quality(browser, base)
        print(
            f"query set (seed, {len(FINDS)} finds + {len(NOTHING)} nothing): {right}/{total} right ({100 * right / total:.0f}%), "
            f"expected product first in {first}/{len(FINDS)}"
        )
        for line in wrong:
            print(f"  wrong: {line}")
        content = write_catalog(tmp / "content", args.products)
        build_s = plus_build(content, tmp / "site").seconds
        bundle = tmp / "site" / "pagefind"
        size, fragments = folder_bytes(bundle), folder_bytes(bundle, ".pf_fragment")
        with served(tmp / "site") as base:
            first, later = latency(browser, base, args.rounds)
        browser.close()
    print(f"{'products':>8} | {'build':>6} | {'index MiB':>9} | {'fragments MiB':>13} | {'first query':>11} | {'next query':>10}")
    print(
        f"{args.products:>8,} | {build_s:>5.1f}s | {size / 2**20:>9.1f} | {fragments / 2**20:>13.1f} | {first * 1000:>9.0f}ms | {later * 1000:>8.0f}ms"
    )


if __name__ == "__main__":
    main()
