"""The search page's filter counts in Chromium, on a catalog indexed in several shards: after each
search, each value's count is the number of products a tick on it shows (faceted: a filter's own
ticks left out, its values being "any of"), even where the page narrows Pagefind's answer."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import Page

from admin.build import build_site
from catalog import require_catalog
from storefront.search import product_filters
from storefront.views import Store
from tests.browser.test_search_shards import served
from tests.conftest import REPO, TODAY

pytestmark = pytest.mark.browser
SHARD = 5
KEPT, REMOVED = " 精梳棉袜 粗梳棉", " 精梳棉 粗梳棉袜"
"""Title endings: a product with KEPT holds 精梳棉袜 as one run, one with REMOVED holds all its
three-character pieces (精梳棉, 梳棉袜) but not side by side; and the other way round for 粗梳棉袜."""

RAW = """async (query) => {
  const { queryPieces, searchProducts, shardPaths } = await import("/theme/js/search-query.js");
  const term = [...new Set(queryPieces(query).flat())].join(" ");
  const shards = shardPaths(Number(document.querySelector("[data-search]").dataset.searchShards));
  return Promise.all(shards.map(async (path) => {
    const pagefind = await import(`/${path}pagefind.js`);
    await pagefind.filters();
    const raw = await pagefind.search(term);
    return { found: (await searchProducts(pagefind, query, {})).length, raw: raw.results.length, counts: raw.filters };
  }));
}"""
"""Per shard: the products the page finds for a query, and Pagefind's own answer to its terms with its counts."""


@pytest.fixture(scope="module")
def combed_store(tmp_path_factory) -> Iterator[str]:
    """The seed, three products of each of its first two indexes with a title ending in KEPT, KEPT
    and REMOVED (so a search for 精梳棉袜 or 粗梳棉袜 is narrowed in both), built five products an
    index (four indexes) and served as plain static files."""
    base = tmp_path_factory.mktemp("combed")
    content = base / "content"
    shutil.copytree(REPO / "content", content)
    views = Store(require_catalog(content, today=TODAY)).by_saving
    for shard in range(2):
        for view, ending in zip(views[shard * SHARD : shard * SHARD + 3], (KEPT, KEPT, REMOVED), strict=True):
            path = content / "products" / f"{view.id}.yaml"
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace(f"title: {view.product.title}\n", f"title: {view.product.title}{ending}\n", 1), encoding="utf-8")
    build_site(content, base / "site", today=TODAY, overrides={"PLUS_SEARCH_SHARD": SHARD})
    with served(base / "site") as url:
        yield url


def settle(page: Page) -> None:
    """Wait until the search the last action started has shown its results."""
    page.locator("[data-search-results][aria-busy=false]").wait_for(state="attached")


def open_search(page: Page, url: str) -> None:
    page.goto(url)
    settle(page)


def counts(page: Page) -> dict[tuple[str, str], int]:
    """Each filter value the page shows, with the count beside it: {(filter, value): count}."""
    rows = page.locator("[data-search-filters] .filter-row").evaluate_all(
        """rows => rows.filter((row) => !row.hidden && !row.closest("details").hidden).map((row) => {
             const box = row.querySelector("input");
             return [box.name, box.value, row.querySelector("label").textContent];
           })"""
    )
    return {(name, value): int(label.rsplit("(", 1)[1].rstrip(")")) for name, value, label in rows}


def found(page: Page) -> int:
    """How many products the page shows (the seed's answers fit on its first page)."""
    assert not page.get_by_role("button", name="加载更多").count()
    return page.locator("[data-search-results] a.card-link").count()


def box(page: Page, name: str, value: str):
    return page.locator(f'[data-search-filters] input[name="{name}"][value="{value}"]')


def click(page: Page, name: str, value: str) -> None:
    """Tick or untick a value as a shopper does, and wait for the search it starts."""
    box(page, name, value).click()
    settle(page)


def ticking(page: Page, name: str, value: str) -> int:
    """The products shown with `value` the only tick of its filter, by ticking as a shopper does
    (its filter's other ticks taken off first); the page is left as it was (those ticks put back
    from the address: one that gives nothing is hidden once unticked and the focus moved on)."""
    ticked = page.locator(f'[data-search-filters] input[name="{name}"]:checked').evaluate_all("boxes => boxes.map((b) => b.value)")
    others = [other for other in ticked if other != value]
    before = page.url
    for other in others:
        click(page, name, other)
    if value not in ticked:
        click(page, name, value)
    shown = found(page)
    if others:
        open_search(page, before)
    elif value not in ticked:
        click(page, name, value)
    return shown


def assert_counts_are_ticks(page: Page) -> dict[tuple[str, str], int]:
    """Every count the page shows is what ticking its value shows; returns the counts."""
    shown = counts(page)
    assert shown
    for (name, value), count in shown.items():
        assert ticking(page, name, value) == count, (name, value)
    assert counts(page) == shown  # the same again once the page is back where it was
    return shown


def test_each_count_is_what_ticking_it_shows_with_matches_in_every_shard(desktop: Page, combed_store: str):
    open_search(desktop, f"{combed_store}/search/")
    catalog = counts(desktop)
    query = "同工同料"
    open_search(desktop, f"{combed_store}/search/?q={quote(query)}")
    per_shard = desktop.evaluate(RAW, query)
    assert len(per_shard) == 4 and all(shard["found"] for shard in per_shard)  # matches in each index
    results = found(desktop)
    assert results == sum(shard["found"] for shard in per_shard)
    shown = assert_counts_are_ticks(desktop)
    assert shown != {key: catalog[key] for key in shown}  # not the whole catalog's counts
    for name in ("category", "sourcing", "factory", "price", "members"):  # one value a product: nothing hidden gives any
        assert sum(count for (n, _), count in shown.items() if n == name) == results, name


@pytest.mark.parametrize("query", ["精梳棉袜", "粗梳棉袜"])
def test_a_narrowed_query_counts_what_it_shows_not_what_pagefind_found(desktop: Page, combed_store: str, query: str):
    open_search(desktop, f"{combed_store}/search/?q={quote(query)}")
    per_shard = desktop.evaluate(RAW, query)
    narrowed = [shard for shard in per_shard if shard["raw"] > shard["found"] > 0]
    assert len(narrowed) == 2  # both indexes with the titles: Pagefind's answer holds a product the page leaves out
    raw = {(name, value): sum(shard["counts"].get(name, {}).get(value, 0) for shard in per_shard) for name, value in counts(desktop)}
    shown = assert_counts_are_ticks(desktop)
    assert any(raw[key] > count for key, count in shown.items())  # Pagefind's own counts would be too high
    assert found(desktop) == sum(shard["found"] for shard in per_shard)

    # and with a tick, and ticks in two filters (each count then asks Pagefind once more)
    category = max((key for key in shown if key[0] == "category"), key=shown.get)
    click(desktop, *category)
    assert_counts_are_ticks(desktop)
    sourcing = next(key for key, count in counts(desktop).items() if key[0] == "sourcing")
    click(desktop, *sourcing)
    assert_counts_are_ticks(desktop)


def test_a_tick_leaves_its_siblings_their_counts(desktop: Page, combed_store: str):
    query = "棉"
    open_search(desktop, f"{combed_store}/search/?q={quote(query)}")
    before = counts(desktop)
    categories = sorted(key for key in before if key[0] == "category")
    assert len(categories) >= 3
    click(desktop, *categories[0])
    after = counts(desktop)
    assert {key: after[key] for key in categories} == {key: before[key] for key in categories}  # any of: a tick leaves its siblings be
    assert all(after[key] for key in categories)
    assert_counts_are_ticks(desktop)
    click(desktop, *categories[1])  # two ticks of one filter: any of them
    assert found(desktop) == before[categories[0]] + before[categories[1]]
    assert {key: count for key, count in counts(desktop).items() if key[0] == "category"} == {key: before[key] for key in categories}
    price = min((key for key, count in counts(desktop).items() if key[0] == "price"), key=counts(desktop).get)
    click(desktop, *price)  # and a tick in another filter: each filter's counts under the other's ticks
    assert_counts_are_ticks(desktop)


def test_counts_change_in_place_keeping_ticks_focus_and_folds_on_a_phone(phone: Page, combed_store: str):
    open_search(phone, f"{combed_store}/search/?q={quote('袜')}")
    groups = phone.locator("[data-search-filters] details")
    folds = groups.evaluate_all("gs => gs.map((g) => [g.querySelector('summary').textContent, g.open])")
    assert folds and not any(open_ for _, open_ in folds)  # folded on a phone
    phone.locator("summary", has_text="分类").click()
    first = phone.locator("[data-search-filters] details[open] input").first
    name, value = first.get_attribute("name"), first.get_attribute("value")
    phone.evaluate("window.marked = document.querySelector('[data-search-filters] details[open] input')")
    first.click()  # ticked by a tap: the counts change, the panel stays the same nodes
    settle(phone)
    assert phone.evaluate("document.activeElement === window.marked && window.marked.isConnected && window.marked.checked")
    assert phone.locator("summary", has_text="分类").locator("xpath=..").evaluate("d => d.open")
    assert [g for g in groups.evaluate_all("gs => gs.map((g) => g.open)") if g] == [True]

    phone.locator("#search-q").fill("吸尘器")  # a query the ticked value has nothing for
    phone.locator("#search-q").press("Enter")
    settle(phone)
    assert found(phone) == 0
    assert counts(phone)[(name, value)] == 0  # still there, ticked, to be unticked
    assert box(phone, name, value).is_checked()
    box(phone, name, value).evaluate("b => b.click()")  # unticked by a tap that leaves the focus in the search box (Safari's)
    settle(phone)
    assert found(phone) > 0 and counts(phone)[(name, value)] == 0  # it stays where the finger is
    phone.locator("#search-q").press("Enter")  # searched again, the values that give nothing are hidden
    settle(phone)
    shown = counts(phone)
    assert all(shown.values()) and (name, value) not in shown

    phone.locator("#search-q").fill("")  # nothing asked: the whole catalog's counts again
    phone.locator("#search-q").press("Enter")
    settle(phone)
    cleared = counts(phone)
    open_search(phone, f"{combed_store}/search/")
    assert cleared == counts(phone) and len(cleared) > len(shown)


WATCH_GRID = """() => {
  const grid = document.querySelector("[data-search-results]");
  window.fewest = grid.querySelectorAll("a.card-link").length;
  new MutationObserver(() => {
    window.fewest = Math.min(window.fewest, grid.querySelectorAll("a.card-link").length);
  }).observe(grid, { childList: true, subtree: true });
}"""
"""From now on, the fewest cards the result grid held at any moment (`window.fewest`)."""


def test_a_tick_changes_the_cards_in_place_without_emptying_the_grid(desktop: Page, combed_store: str):
    open_search(desktop, f"{combed_store}/search/?q={quote('棉')}")
    before = found(desktop)
    category = max((key for key in counts(desktop) if key[0] == "category"), key=counts(desktop).get)
    desktop.evaluate(WATCH_GRID)
    click(desktop, *category)
    after = found(desktop)
    assert 0 < after < before  # the tick narrowed the results…
    assert desktop.evaluate("window.fewest") == after  # …with the old cards shown until the new ones replaced them


@pytest.fixture(scope="module", params=[4, 1], ids=["four-indexes", "one-index"])
def seed_store(request, tmp_path_factory) -> Iterator[tuple[str, int]]:
    """The seed built in four indexes (five products each) or in one, served as plain static files;
    yields its URL and how many indexes it has."""
    site = tmp_path_factory.mktemp("seed") / "site"
    build_site(REPO / "content", site, today=TODAY, overrides={"PLUS_SEARCH_SHARD": SHARD} if request.param > 1 else None)
    with served(site) as url:
        yield url, request.param


def assert_ticks_hold_the_results(page: Page) -> None:
    """Each filter with ticks: its ticked values' counts add up to the results (one value a product),
    so none of them shows (0) while the results come from it."""
    ticked = page.locator("[data-search-filters] input:checked").evaluate_all("boxes => boxes.map((b) => [b.name, b.value])")
    shown, results = counts(page), found(page)
    for name in {name for name, _ in ticked}:
        assert sum(shown[(name, value)] for n, value in ticked if n == name) == results, name


def test_filters_without_a_query_show_the_catalogs_order(desktop: Page, seed_store: tuple[str, int]):
    """Pagefind's own order is the order it read the records in (the CLI sets none): 综合 with nothing
    typed is the catalog's order (deepest discount first), as the category pages are."""
    url, _ = seed_store
    views = Store(require_catalog(REPO / "content", today=TODAY)).by_saving
    open_search(desktop, f"{url}/search/")
    widest = max(counts(desktop).items(), key=lambda item: item[1])[0]  # the value most products have
    click(desktop, *widest)
    shown = desktop.locator("[data-search-results] a.card-link").evaluate_all("links => links.map((a) => new URL(a.href).pathname)")
    assert len(shown) >= 3 and shown == [f"/{view.url}" for view in views if widest in product_filters(view)]


def test_filters_without_a_query_count_what_ticking_them_shows(desktop: Page, seed_store: tuple[str, int]):
    url, indexes = seed_store
    open_search(desktop, f"{url}/search/")
    assert desktop.locator("[data-search]").get_attribute("data-search-shards") == str(indexes)
    catalog = counts(desktop)
    categories = sorted((key for key in catalog if key[0] == "category"), key=lambda key: (-catalog[key], key))
    first, second = categories[:2]

    click(desktop, *first)  # nothing typed, one tick
    assert found(desktop) == catalog[first]
    assert {key: count for key, count in counts(desktop).items() if key[0] == "category"} == {key: catalog[key] for key in categories}
    assert_ticks_hold_the_results(desktop)
    assert_counts_are_ticks(desktop)

    click(desktop, *second)  # a second value of the same filter: either of them
    assert found(desktop) == catalog[first] + catalog[second]
    assert {key: count for key, count in counts(desktop).items() if key[0] == "category"} == {key: catalog[key] for key in categories}
    assert_ticks_hold_the_results(desktop)
    assert_counts_are_ticks(desktop)

    prices = {key: count for key, count in counts(desktop).items() if key[0] == "price"}
    price = max(prices, key=prices.get)
    click(desktop, *price)  # and a value of another filter: each filter counted under the other's ticks
    assert found(desktop) == prices[price] > 0
    assert_ticks_hold_the_results(desktop)
    assert_counts_are_ticks(desktop)
