"""The static search index answers Chinese queries, filters and sorts, queried with Pagefind's own JS
the way the search page asks it (the query quality over the seed, in Chromium, is in tests/browser)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from html import unescape
from pathlib import Path

import pytest

from storefront.search import FILTER_LABELS, SearchIndexError, check_index, panel_order, price_bands, scratch_folder
from tests.conftest import TODAY
from tests.site.conftest import make_shop, parse

NODE = shutil.which("node")
QUERY_SCRIPT = Path(__file__).with_name("pagefind_query.mjs")
pytestmark = pytest.mark.skipif(NODE is None, reason="node runs Pagefind's search JS against the built index")

QUERIES = [
    ("吸尘器", "/p/aux-vacuum/"),
    ("雨伞", "/p/umbrella/"),
    ("杏干", "/p/apricot/"),
    ("毛巾", "/p/towel/"),
    ("文胸", "/p/plus-bra/"),
    ("晴雨两用", "/p/umbrella/"),
    ("奥克斯", "/p/aux-vacuum/"),
    ("抗风", "/p/umbrella/"),
    ("yusan", "/p/umbrella/"),
]
NOTHING = ["月饼", "杏雨", "全雨", "手机"]
"""Queries whose characters the shop holds only apart (杏 and 雨, 全 and 雨) or not at all."""


def query(site: Path, requests: list[dict]) -> dict:
    """Run the requests through pagefind.js in Node; returns the filters and one answer per request."""
    result = subprocess.run(
        [NODE, str(QUERY_SCRIPT), str(site), json.dumps(requests, ensure_ascii=False)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def answers(shop_site):
    return query(shop_site, REQUESTS)


REQUESTS = [{"query": term} for term, _ in QUERIES] + [
    {"options": {"filters": {"sourcing": ["同工同料"]}}},
    {"options": {"filters": {"factory": ["青禾家纺"]}, "sort": {"price": "asc"}}},
    {"options": {"filters": {"category": ["家居百货"]}, "sort": {"saving": "desc"}}},
    {"options": {"filters": {"brand": ["山姆会员店"]}, "sort": {"discount": "asc"}}},
    *({"query": term} for term in NOTHING),
]


@pytest.mark.parametrize(("index", "term", "expected"), [(i, t, e) for i, (t, e) in enumerate(QUERIES)])
def test_chinese_queries_find_their_products(answers, index, term, expected):
    urls = [r["url"] for r in answers["answers"][index]]
    assert urls and urls[0] == expected, (term, urls)


@pytest.mark.parametrize(("index", "term"), [(len(QUERIES) + 4 + i, t) for i, t in enumerate(NOTHING)])
def test_characters_found_only_apart_find_nothing(answers, index, term):
    assert answers["answers"][index] == [], term


def test_results_carry_title_price_image_and_corner_badge(answers):
    (first, *_) = answers["answers"][0]
    assert first["meta"]["title"] == "奥克斯家用大吸尘器"
    assert first["meta"]["price"] == "69" and first["meta"]["corner"] == "山姆平替 · 1折"
    assert first["meta"]["image"] == "/images/products/vacuum.png"


def test_filters_cover_category_belt_sourcing_factory_and_brand(answers):
    filters = answers["filters"]
    assert set(filters) >= {"category", "belt", "sourcing", "factory", "brand", "members", "price"}
    assert filters["sourcing"] == {"真同源": 3, "同工同料": 2}
    assert filters["factory"]["青禾家纺"] == 2


PANEL_ROW = re.compile(
    r'<input type="checkbox" name="([^"]+)" value="([^"]*)"[^>]*><label [^>]*>[^<]*<span class="filter-count">\((\d+)\)</span>'
)
"""A value of the search page's filter panel: its filter, value and count."""


def test_the_search_page_renders_the_filter_panel_with_the_index_counts(shop_site, answers):
    """The panel is in the page before its script runs (nothing moves when the script takes it
    over), each value with the count Pagefind gives it over the whole index."""
    rows = [
        (name, unescape(value), int(count))
        for name, value, count in PANEL_ROW.findall((shop_site / "search/index.html").read_text(encoding="utf-8"))
    ]
    panel: dict[str, dict[str, int]] = {}
    for name, value, count in rows:
        panel.setdefault(name, {})[value] = count
    assert panel == answers["filters"]
    names = [name for name, _, _ in rows]
    assert names == sorted(names, key=list(FILTER_LABELS).index)  # the filters in the panel's order, each one's values together
    assert list(panel["price"]) == [band for band in price_bands() if band in panel["price"]]
    assert list(panel["factory"]) == sorted(panel["factory"], key=panel_order)


def test_the_panel_orders_numbers_in_values_by_their_number():
    ordered = ["A9", "A10", "Z2", "海兴家居", "申江服饰", "申江服饰（02厂）", "申江服饰（2厂）", "申江服饰（10厂）"]
    assert sorted(reversed(ordered), key=panel_order) == ordered


def test_sourcing_filter_selects_only_that_kind(answers):
    urls = sorted(r["url"] for r in answers["answers"][len(QUERIES)])
    assert urls == ["/p/plus-bra/", "/p/towel/"]


def test_sort_by_price_and_by_saving(answers):
    by_price = [r["url"] for r in answers["answers"][len(QUERIES) + 1]]
    assert by_price == ["/p/towel/", "/p/plus-bra/"]  # 39 before 66
    by_saving = [r["url"] for r in answers["answers"][len(QUERIES) + 2]]
    # saving in yuan: vacuum 621, bra 333, towel 50, umbrella 34.20
    assert by_saving == ["/p/aux-vacuum/", "/p/plus-bra/", "/p/towel/", "/p/umbrella/"]
    by_discount = [r["url"] for r in answers["answers"][len(QUERIES) + 3]]
    assert by_discount == ["/p/aux-vacuum/", "/p/umbrella/", "/p/apricot/"]


def test_only_product_pages_are_indexed(shop_site):
    entry = json.loads((shop_site / "pagefind/pagefind-entry.json").read_text(encoding="utf-8"))
    assert sum(lang["page_count"] for lang in entry["languages"].values()) == 5


def test_search_page_loads_its_script_from_the_site(shop_site):
    page = parse(shop_site / "search/index.html")
    sources = [e.attrs.get("src") or "" for e in page.find("script")]
    assert any(s.startswith("/theme/js/search.js") for s in sources)
    assert all(s.startswith("/") for s in sources)  # nothing from a CDN


@pytest.mark.parametrize("shard", [None, 2])
def test_a_failing_pagefind_fails_the_build_and_keeps_the_old_site(shop, tmp_path, monkeypatch, shard, pagefind_left):
    from admin.build import build_site

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("the old site", encoding="utf-8")
    monkeypatch.setattr("storefront.search.executable", lambda: Path("/bin/false"))  # fails at once
    with pytest.raises(SearchIndexError, match="Pagefind 没能建立搜索索引（退出码 1）"):  # (the curator's language: zh here)
        build_site(shop.root, site, today=TODAY, overrides={"PLUS_SEARCH_SHARD": shard})
    assert [p.name for p in tmp_path.iterdir() if p.name != "content"] == ["site"]
    assert (site / "index.html").read_text(encoding="utf-8") == "the old site"
    assert pagefind_left() == [] and not list(Path(scratch_folder() or tempfile.gettempdir()).glob(f"plus-search-{os.getpid()}-*"))


def test_a_truncated_index_file_is_refused(shop_site, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(shop_site / "pagefind", site / "pagefind")
    check_index(site / "pagefind", 5)
    with pytest.raises(SearchIndexError, match="expected 6"):
        check_index(site / "pagefind", 6)
    fragment = next((site / "pagefind/fragment").iterdir())
    fragment.write_bytes(fragment.read_bytes()[:-9])
    with pytest.raises(SearchIndexError, match="truncated"):
        check_index(site / "pagefind", 5)


@pytest.fixture(scope="module")
def sharded_site(tmp_path_factory):
    """The shop with two products a search index: three indexes, searched together."""
    from tests.site.conftest import build

    base = tmp_path_factory.mktemp("sharded")
    return build(make_shop(base / "content").root, base / "site", overrides={"PLUS_SEARCH_SHARD": 2})


def test_a_catalog_indexed_in_shards_answers_like_one_index(answers, sharded_site):
    sharded = query(sharded_site, REQUESTS)
    assert sharded["shards"] == 3 and answers["shards"] == 1
    assert sorted((sharded_site / "pagefind").glob("shard-*/pagefind-entry.json")) == [
        sharded_site / f"pagefind/shard-{n}/pagefind-entry.json" for n in (2, 3)
    ]
    assert sharded["filters"] == answers["filters"]
    for request, one, several in zip(REQUESTS, answers["answers"], sharded["answers"], strict=True):
        urls, sharded_urls = [r["url"] for r in one], [r["url"] for r in several]
        if "sort" in request.get("options", {}):
            assert sharded_urls == urls, request  # merged on the sort key, not on the shards' scores
        else:  # (by score; with no query, in no set order: the search page sorts those by saving)
            assert sorted(sharded_urls) == sorted(urls) and ("query" not in request or sharded_urls[:1] == urls[:1]), request


def test_each_shard_holds_its_share_of_the_products(sharded_site):
    for bundle, pages in ((sharded_site / "pagefind", 2), (sharded_site / "pagefind/shard-2", 2), (sharded_site / "pagefind/shard-3", 1)):
        check_index(bundle, pages)
