"""加载更多 on the search page in Chromium: shown exactly while the search shown has more results than
the grid holds, whatever changed the results (a query, a tick, the sort, emptying it all, going back
to the page), and each tap loading the next of them, once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import Page

from admin.build import build_site
from tests.browser.test_search_shards import served
from tests.conftest import TODAY

pytestmark = pytest.mark.browser
PAGE_SIZE = 24
MANY = "同工同料"
"""A query more than a page of the 60 products answers (31), and the sourcing value of the same products."""

EVERY = """async () => {
  const { searchShards, shardPaths } = await import("/theme/js/search-query.js");
  const params = new URLSearchParams(location.search);
  const filters = {};
  for (const key of new Set([...document.querySelectorAll("[data-search-filters] input")].map((b) => b.name))) {
    if (params.getAll(key).length) filters[key] = { any: params.getAll(key) };
  }
  const options = { filters };
  if (params.get("sort")) options.sort = Object.fromEntries([params.get("sort").split(":")]);
  const shards = shardPaths(Number(document.querySelector("[data-search]").dataset.searchShards));
  const pagefinds = await Promise.all(shards.map((path) => import(`/${path}pagefind.js`)));
  const found = await searchShards(pagefinds, params.get("q") || "", options);
  return (await found.page(0, found.length)).map((data) => data.url);
}"""
"""Every result of the search in the page's address, in order, from the search API itself."""


@pytest.fixture(scope="module")
def paged_store(tmp_path_factory) -> Iterator[str]:
    """60 generated products (bench/realistic_gen.py) in two search indexes, served as static files."""
    from bench.realistic_gen import write_realistic_catalog

    base = tmp_path_factory.mktemp("more")
    content = write_realistic_catalog(base / "content", 60)
    build_site(content, base / "site", today=TODAY, overrides={"PLUS_SEARCH_SHARD": 30})
    with served(base / "site") as url:
        yield url


def settle(page: Page) -> None:
    page.locator("[data-search-results][aria-busy=false]").wait_for(state="attached")


def search(page: Page, query: str) -> None:
    page.locator("#search-q").fill(query)
    page.locator("#search-q").press("Enter")
    settle(page)


def tick(page: Page, name: str, value: str) -> None:
    page.locator(f'[data-search-filters] input[name="{name}"][value="{value}"]').click()
    settle(page)


def cards(page: Page) -> list[str]:
    return page.locator("[data-search-results] a.card-link").evaluate_all("links => links.map((a) => a.getAttribute('href'))")


def more(page: Page):
    return page.get_by_role("button", name="加载更多")


def found(page: Page) -> int:
    """The number of results the status line says the search found (0 for none, or no search)."""
    match = re.fullmatch(r"找到(\d+)件商品", page.locator("[data-search-status]").inner_text())
    return int(match[1]) if match else 0


def assert_paged(page: Page) -> list[str]:
    """The grid holds the first results of the address's search, in its order, 加载更多 shown
    exactly while there are more; then each tap adds the next page, until all are shown. Returns
    every result shown."""
    every = page.evaluate(EVERY) if found(page) else []
    assert found(page) == len(every)
    shown = cards(page)
    assert shown == every[: len(shown)] and (len(shown) == len(every) or len(shown) % PAGE_SIZE == 0)
    while len(shown) < len(every):
        assert more(page).is_visible(), (len(shown), len(every))
        more(page).click()
        page.wait_for_function(f"document.querySelectorAll('[data-search-results] a.card-link').length > {len(shown)}")
        shown = cards(page)
        assert shown == every[: len(shown)]
    assert not more(page).count()
    return shown


def test_load_more_shows_exactly_while_there_are_more_results(desktop: Page, paged_store: str):
    desktop.goto(f"{paged_store}/search/?q={quote(MANY)}")
    settle(desktop)
    assert found(desktop) > PAGE_SIZE and more(desktop).is_visible()
    tick(desktop, "sourcing", MANY)  # a tick that keeps them all
    category = desktop.locator("[data-search-filters] .filter-row:not([hidden]) input[name=category]").first.get_attribute("value")
    tick(desktop, "category", category)  # one that narrows them to fewer than a page
    assert 0 < found(desktop) < PAGE_SIZE and not more(desktop).count()
    tick(desktop, "category", category)
    assert len(assert_paged(desktop)) > PAGE_SIZE  # all of them, a page at a time

    # the trial's steps: the query cleared (the tick alone still finds more than a page)…
    search(desktop, "")
    assert found(desktop) > PAGE_SIZE and more(desktop).is_visible()
    tick(desktop, "sourcing", MANY)  # …and the last tick taken off: the empty page, nothing to load
    assert cards(desktop) == [] and found(desktop) == 0
    assert not more(desktop).count(), "加载更多 left behind on the empty search page"

    search(desktop, "袜")  # a new query with fewer results than a page
    assert 0 < found(desktop) < PAGE_SIZE and not more(desktop).count()
    desktop.select_option("#search-sort", "price:asc")  # the sort alone: every product, cheapest first
    settle(desktop)
    search(desktop, "")
    assert found(desktop) == 60 and more(desktop).is_visible()
    assert_paged(desktop)
    desktop.select_option("#search-sort", "saving:desc")  # another sort: its own first page
    settle(desktop)
    assert len(cards(desktop)) == PAGE_SIZE and more(desktop).is_visible()
    more(desktop).click()
    desktop.wait_for_function(f"document.querySelectorAll('[data-search-results] a.card-link').length > {PAGE_SIZE}")

    desktop.locator("[data-search-results] a.card-link").nth(30).click()  # a product, then back to the search
    desktop.wait_for_url("**/p/**")
    desktop.go_back()
    settle(desktop)
    assert desktop.locator("#search-sort").input_value() == "saving:desc"
    assert len(assert_paged(desktop)) == 60  # on from where the page is (kept or reloaded), the right ones


def test_a_double_tap_on_load_more_loads_the_next_page_once(desktop: Page, paged_store: str):
    desktop.goto(f"{paged_store}/search/?sort=saving:desc")
    settle(desktop)
    every = desktop.evaluate(EVERY)
    more(desktop).dblclick()
    desktop.wait_for_function(f"document.querySelectorAll('[data-search-results] a.card-link').length >= {2 * PAGE_SIZE}")
    desktop.wait_for_load_state("networkidle")  # (a second page, had the second tap loaded one, is in by now)
    assert cards(desktop) == every[: 2 * PAGE_SIZE]
    assert more(desktop).is_visible()

    more(desktop).click()  # a tap, then another search before that page is in: only the new search's cards
    desktop.select_option("#search-sort", "price:asc")
    settle(desktop)
    desktop.wait_for_load_state("networkidle")
    assert cards(desktop) == desktop.evaluate(EVERY)[:PAGE_SIZE] and more(desktop).is_visible()
