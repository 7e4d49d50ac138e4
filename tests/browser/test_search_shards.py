"""A catalog indexed in several search shards (storefront/search.py) searched on the real search page in
Chromium: the page shows what the one-index store shows, sorted orders merged across the shards."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Page

from admin.build import build_site
from catalog import require_catalog
from storefront.views import Store
from tests.conftest import REPO, TODAY

pytestmark = pytest.mark.browser
SORTS = ["discount:asc", "saving:desc", "price:asc", "price:desc"]


@pytest.fixture(scope="module")
def sharded_store(tmp_path_factory) -> Iterator[str]:
    """The seed built with five products an index (four indexes), served as plain static files."""
    site = tmp_path_factory.mktemp("sharded") / "site"
    build_site(REPO / "content", site, today=TODAY, overrides={"PLUS_SEARCH_SHARD": 5})
    with served(site) as url:
        yield url


@contextlib.contextmanager
def served(site: Path) -> Iterator[str]:
    """A built site as plain static files on a free port; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietFiles, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        """Not on the test's output."""


@pytest.fixture(scope="module")
def sort_keys() -> dict[str, dict[str, object]]:
    """Each seed product's sort values by page URL, from the catalog (ties may come in either order)."""
    views = Store(require_catalog(REPO / "content", today=TODAY)).by_saving
    return {
        key: {f"/{v.url}": value(v) for v in views}
        for key, value in (
            ("discount", lambda v: v.facts.best.zhe),
            ("saving", lambda v: v.facts.best.saving),
            ("price", lambda v: v.product.price),
        )
    }


def shown(page: Page, url: str) -> list[str]:
    """The product links the search page shows for `url`, in order."""
    page.goto(url)
    page.locator("[data-search-results][aria-busy=false]").wait_for(state="attached")
    return page.locator("[data-search-results] a.card-link").evaluate_all("links => links.map(a => a.getAttribute('href'))")


@pytest.mark.parametrize("sort", SORTS)
def test_a_sorted_search_is_one_order_across_shards(desktop: Page, store: str, sharded_store: str, sort: str, sort_keys):
    one = shown(desktop, f"{store}/search/?sort={sort}")
    sharded = shown(desktop, f"{sharded_store}/search/?sort={sort}")
    keys = sort_keys[sort.split(":")[0]]
    assert len(one) == 18 and sorted(sharded) == sorted(one)
    assert [keys[url] for url in sharded] == [keys[url] for url in one]


def test_a_query_and_a_filter_find_the_same_products_in_shards(desktop: Page, store: str, sharded_store: str):
    for query in (f"q={quote('袜')}", f"sourcing={quote('真同源')}", f"q={quote('毛巾')}&sort=price:asc"):
        one = shown(desktop, f"{store}/search/?{query}")
        labels = desktop.locator("[data-search-filters] label").all_inner_texts()
        assert one and sorted(shown(desktop, f"{sharded_store}/search/?{query}")) == sorted(one), query
        assert desktop.locator("[data-search-filters] label").all_inner_texts() == labels, query  # counts summed over shards


@pytest.fixture(scope="module")
def paged_sites(tmp_path_factory) -> Iterator[dict[str, str]]:
    """60 generated products (bench/realistic_gen.py), built once as one index and once in shards of
    20, both served as static files: more results than the page shows at first."""
    from bench.realistic_gen import write_realistic_catalog

    base = tmp_path_factory.mktemp("paged")
    content = write_realistic_catalog(base / "content", 60)
    for name, shard in (("one", None), ("shards", 20)):
        build_site(content, base / name, today=TODAY, overrides={"PLUS_SEARCH_SHARD": shard})
    with served(base / "one") as one, served(base / "shards") as shards:
        yield {"one": one, "shards": shards}


def all_pages(page: Page, url: str) -> list[str]:
    """Every result the search page shows for `url`, pressing 加载更多 until it is gone."""
    shown(page, url)
    more = page.get_by_role("button", name="加载更多")
    while more.count():
        count = page.locator("[data-search-results] a.card-link").count()
        more.click()
        page.wait_for_function(f"document.querySelectorAll('[data-search-results] a.card-link').length > {count}")
    return page.locator("[data-search-results] a.card-link").evaluate_all("links => links.map(a => a.getAttribute('href'))")


def test_more_results_load_in_one_order_across_shards(desktop: Page, paged_sites: dict[str, str]):
    for sort in ("price:asc", "saving:desc"):
        one = all_pages(desktop, f"{paged_sites['one']}/search/?sort={sort}")
        sharded = all_pages(desktop, f"{paged_sites['shards']}/search/?sort={sort}")
        assert len(one) == 60 and len(set(sharded)) == 60 and sorted(sharded) == sorted(one), sort
        prices = [float(p.replace("¥", "")) for p in desktop.locator("[data-search-results] .card-price").all_inner_texts()]
        if sort == "price:asc":
            assert prices == sorted(prices)  # the sharded page, in key order across its three loads
