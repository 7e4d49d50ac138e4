"""Every main page at phone and desktop widths: it renders, fits the screen, and is saved as a screenshot."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_journey import sign_up

PAGES = {
    "home": ("/", "山姆平替"),
    "sams-channel": ("/alt/sams/", "山姆平替"),
    "product": ("/p/baicaowei-dried-apricot/", "每100g"),
    "factory": ("/factory/shenjiang-apparel/", "代工"),
    "help-delivery": ("/help/delivery/", "暂不配送"),
    "help-membership": ("/help/membership/", "PLUS会员年费"),
    "help-returns": ("/help/returns/", "七天无理由退货"),
}


def fits_the_screen(page: Page) -> bool:
    """No horizontal scrolling: the page is no wider than the viewport."""
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_store_pages(browser, store, name, size):
    context = browser.new_context(viewport=PHONE if size == "phone" else DESKTOP, locale="zh-CN")
    page = context.new_page()
    path, expected = PAGES[name]
    response = page.goto(store + path)
    assert response.status == 200
    expect(page.locator("main")).to_contain_text(expected)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    assert fits_the_screen(page), f"{name} scrolls sideways at {size} width"
    screenshot(page, f"{name}-{size}")
    context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_cart_and_account_pages(browser, store, size):
    context = browser.new_context(viewport=PHONE if size == "phone" else DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(store + "/cart/?add=tpe-yoga-mat&qty=2")
    expect(page.locator("[data-cart-lines]")).to_contain_text("瑜伽垫")
    assert fits_the_screen(page)
    screenshot(page, f"cart-{size}")
    email = sign_up(page, store)
    page.goto(store + "/account/")
    expect(page.locator("main")).to_contain_text(email)
    assert fits_the_screen(page)
    screenshot(page, f"account-{size}")
    context.close()
