"""Search as a shopper meets it: the query-quality set (bench/search_queries.py) typed into the real
search page of the seed store in Chromium, the page agreeing with Pagefind's API, filters and sorting
kept in the URL, on a phone."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import Page

from bench.search_queries import FINDS, NOTHING, TOP

pytestmark = pytest.mark.browser

API = """async (query) => {
  const pagefind = await import("/pagefind/pagefind.js");
  const { queryPieces, searchProducts } = await import("/theme/js/search-query.js");
  const found = await searchProducts(pagefind, query, {});
  const raw = await pagefind.search(queryPieces(query).flat().join(" "));
  const urls = async (results) => (await Promise.all(results.map((r) => r.data()))).map((d) => d.url);
  return { found: await urls(found), raw: await urls(raw.results) };
}"""


def ask(page: Page, query: str) -> list[str]:
    """Type the query into the search page and submit; returns the product ids shown, in order."""
    box = page.locator("#search-q")
    box.fill(query)
    box.press("Enter")
    page.locator("[data-search-results][aria-busy=false]").wait_for(state="attached")
    hrefs = page.locator("[data-search-results] a.card-link").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return [href.strip("/").split("/")[-1] for href in hrefs]


@pytest.fixture(scope="module")
def answers(browser, store) -> dict[str, dict]:
    """Every query of the set, asked once on the page and once through the API in the same tab."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{store}/search/")
    page.locator("[data-search-results][aria-busy=false]").wait_for(state="attached")
    found = {}
    for query in [q for _, q, _ in FINDS] + [q for _, q in NOTHING]:
        shown = ask(page, query)
        api = page.evaluate(API, query)
        found[query] = {"shown": shown, **api}
    context.close()
    return found


def test_every_query_of_the_set_finds_its_product_among_the_first_three(answers):
    wrong = [(kind, q, pid, answers[q]["shown"][:TOP]) for kind, q, pid in FINDS if pid not in answers[q]["shown"][:TOP]]
    assert not wrong, json.dumps(wrong, ensure_ascii=False)
    assert len(FINDS) >= 60 and len({kind for kind, _, _ in FINDS}) >= 10


def test_a_title_or_part_of_one_ranks_its_product_first(answers):
    wrong = [
        (q, pid, answers[q]["shown"][:TOP]) for kind, q, pid in FINDS if kind in ("title", "substring") and answers[q]["shown"][:1] != [pid]
    ]
    assert not wrong, json.dumps(wrong, ensure_ascii=False)


def test_goods_not_sold_scattered_characters_and_nda_brands_find_nothing(answers):
    found = {q: answers[q]["shown"] for _, q in NOTHING if answers[q]["shown"]}
    assert not found, json.dumps(found, ensure_ascii=False)


def test_the_page_shows_what_the_api_answers(answers):
    for query, answer in answers.items():
        ids = [url.strip("/").split("/")[-1] for url in answer["found"]]
        assert answer["shown"] == ids[:24], query  # the first page of results, in the API's order
        assert set(answer["found"]) <= set(answer["raw"]), query  # only ever narrows Pagefind's own answer
        if answer["raw"] and query in {q for _, q, _ in FINDS}:
            assert answer["shown"], query


def shown_prices(page: Page) -> list[float]:
    """The prices on the result cards, in order."""
    return [
        float(t) for t in page.locator("[data-search-results] .price").evaluate_all("els => els.map(e => e.textContent.replace('¥', ''))")
    ]


def test_filters_and_sort_narrow_order_and_stay_in_the_url_on_a_phone(phone: Page, store: str):
    phone.goto(f"{store}/search/?q={quote('袜')}")
    phone.locator("[data-search-results][aria-busy=false]").wait_for(state="attached")
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 390  # nothing wider than the phone
    modules = phone.evaluate("performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/theme/js/'))")
    assert modules and all("?v=" in url for url in modules)  # the query module is as fresh as the index
    all_socks = phone.locator("[data-search-results] .card").count()
    assert all_socks >= 2

    phone.locator("summary", has_text="背书").click()  # filter groups start folded on a phone
    phone.get_by_label("同工同料", exact=False).check()
    phone.locator("[data-search-results][aria-busy=false]").wait_for(state="attached")
    phone.select_option("#search-sort", "price:asc")
    phone.locator("[data-search-results][aria-busy=false]").wait_for(state="attached")
    prices = shown_prices(phone)
    assert prices == sorted(prices) and 0 < len(prices) <= all_socks
    params = parse_qs(urlsplit(phone.url).query)
    assert params == {"q": ["袜"], "sort": ["price:asc"], "sourcing": ["同工同料"]}

    phone.reload()  # a shared link or a reload shows the same
    phone.locator("[data-search-results][aria-busy=false]").wait_for(state="attached")
    assert shown_prices(phone) == prices
    assert phone.locator("#search-q").input_value() == "袜"
    assert phone.locator("input[name=sourcing][value=同工同料]").is_checked()


def test_price_range_and_members_only_filters(desktop: Page, store: str):
    desktop.goto(f"{store}/search/?members={quote('会员专享')}&sort=saving:desc")
    desktop.locator("[data-search-results][aria-busy=false]").wait_for(state="attached")
    titles = desktop.locator("[data-search-results] .card-title").all_text_contents()
    assert titles and all("凤爪" in t or "蜡烛" in t for t in titles)  # the seed's two members-only goods

    desktop.goto(f"{store}/search/?price={quote('30元以下')}&price={quote('100–200元')}&sort=price:desc")
    desktop.locator("[data-search-results][aria-busy=false]").wait_for(state="attached")
    prices = shown_prices(desktop)
    assert prices == sorted(prices, reverse=True)
    assert prices and all(p < 30 or 100 <= p < 200 for p in prices) and {p < 30 for p in prices} == {True, False}
