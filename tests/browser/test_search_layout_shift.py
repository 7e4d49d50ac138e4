"""The search page holds still while it loads and answers its first search, on a phone and on a
desktop: its cumulative layout shift (Chromium's `layout-shift` entries, without those just after
the shopper's own input, as CLS counts them) stays under 0.1, Lighthouse's bar for a good page."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser
GOOD_CLS = 0.1
QUERY = "袜"

WATCH = """
window.layoutShifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const moved = entry.sources.map((s) => s.node?.nodeName + (s.node?.className ? "." + s.node.className : ""));
    window.layoutShifts.push({ value: entry.value, input: entry.hadRecentInput, moved });
  }
}).observe({ type: "layout-shift", buffered: true });
"""
"""Every layout shift of the page from its start, with the elements that moved."""


def settle(page: Page) -> None:
    """Wait until the search has shown its results, painted (a layout shift is reported once painted)."""
    page.locator("[data-search-results][aria-busy=false]").wait_for(state="attached")
    page.evaluate("() => document.fonts.ready")
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 250))))")


def shifts(page: Page) -> tuple[float, list[dict]]:
    """The page's CLS so far and the shifts it counts."""
    counted = [shift for shift in page.evaluate("window.layoutShifts") if not shift["input"]]
    return sum(shift["value"] for shift in counted), counted


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_search_page_holds_still_while_it_loads_and_searches(request, store: str, screen: str):
    page: Page = request.getfixturevalue(screen)
    page.add_init_script(WATCH)
    scores = {}

    page.goto(f"{store}/search/")  # the page, then a query typed into it
    assert page.evaluate("PerformanceObserver.supportedEntryTypes.includes('layout-shift')")
    settle(page)
    page.locator("#search-q").fill(QUERY)
    page.locator("#search-q").press("Enter")
    settle(page)
    assert page.locator("[data-search-results] a.card-link").count() > 0
    scores["typed"] = shifts(page)

    page.goto(f"{store}/search/?q={quote(QUERY)}")  # the page asked from another page's search box
    settle(page)
    assert page.locator("[data-search-results] a.card-link").count() > 0
    scores["address"] = shifts(page)

    assert all(cls < GOOD_CLS for cls, _ in scores.values()), scores
