"""What a newcomer met on a phone: the search hint, the help tabs, the address book, the address step, the cart."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.test_journey import fill_address, sign_up


def fits_the_screen(page: Page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def one_row(page: Page, selector: str) -> bool:
    """Whether every element matched sits on the same row, and none of them breaks inside."""
    return page.evaluate(
        """(selector) => {
            const nodes = [...document.querySelectorAll(selector)];
            const tops = new Set(nodes.map((n) => Math.round(n.getBoundingClientRect().top)));
            return nodes.length > 1 && tops.size === 1 && nodes.every((n) => n.getClientRects().length === 1);
        }""",
        selector,
    )


def hint_room(page: Page, selector: str) -> tuple[float, float]:
    """The room a search box has for its hint, and the width its hint needs, in px."""
    return page.locator(selector).evaluate(
        """(input) => {
            const style = getComputedStyle(input);
            const ctx = document.createElement("canvas").getContext("2d");
            ctx.font = `${style.fontSize} ${style.fontFamily}`;
            const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
            return [room, ctx.measureText(input.placeholder).width];
        }"""
    )


def test_the_header_search_hint_is_whole_on_a_phone(phone: Page, store: str):
    phone.goto(store + "/")
    room, needed = hint_room(phone, "#site-q")
    assert needed <= room, f"the hint needs {needed:.0f}px, the box has {room:.0f}px"
    assert fits_the_screen(phone)
    screenshot(phone, "header-search-phone")


CLEAR_BUTTON = 20
"""px a search box keeps for its clear button (×), with a little over for a fallback font's widths."""


def test_the_search_page_has_one_search_box_with_a_whole_hint_on_a_phone(phone: Page, store: str):
    phone.goto(store + "/search/")
    assert phone.locator("input[type=search]:visible").count() == 1  # not the header's too, a row above it
    room, needed = hint_room(phone, "#search-q")
    # Chromium keeps room for a search box's clear button even when it is empty (如：吸尘器、雨伞 measured
    # 120 px of 128 and its 伞 was cut): a hint needs that room to spare.
    assert needed + CLEAR_BUTTON <= room, f"the hint needs {needed:.0f}px and {CLEAR_BUTTON}px, the box has {room:.0f}px"


def test_help_tabs_stay_on_one_row_on_a_phone(phone: Page, store: str):
    phone.goto(store + "/help/returns/")
    assert one_row(phone, ".help-nav a")
    expect(phone.locator('.help-nav a[aria-current="page"]')).to_be_in_viewport()
    assert fits_the_screen(phone)
    screenshot(phone, "help-tabs-phone")


def test_address_book_links_and_the_saved_address_at_checkout(phone: Page, store: str):
    sign_up(phone, store)
    for _ in range(2):  # the second is not the default, so it shows 设为默认 too
        phone.goto(store + "/account/addresses/new")
        fill_address(phone)
        phone.get_by_role("button", name="保存").click()
        expect(phone.locator("main")).to_contain_text("地址已保存")
    assert one_row(phone, ".pc-address-card:last-of-type .pc-actions > *")
    screenshot(phone, "address-book-phone")

    phone.goto(store + "/cart/?add=tpe-yoga-mat&qty=1")
    expect(phone.locator("[data-cart-lines]")).to_contain_text("瑜伽垫")
    phone.get_by_role("button", name="去结算").click()
    new_form = phone.locator("fieldset.pc-new-address")
    expect(phone.locator("input[name=saved]").first).to_be_checked()
    expect(new_form).to_be_hidden()  # the saved address is picked: no empty form to puzzle over
    phone.get_by_label("新地址").check()
    expect(new_form).to_be_visible()
    expect(phone.get_by_label("收件人", exact=True)).to_be_editable()
    phone.locator("input[name=saved]").first.check()
    expect(new_form).to_be_hidden()
    screenshot(phone, "delivery-saved-address-phone")


def test_a_guest_sees_members_only_lines_marked_before_checkout(phone: Page, store: str):
    phone.goto(store + "/cart/?add=tewisen-scented-candle&qty=1")
    note = phone.locator(".cart-members-only")
    expect(note).to_contain_text("PLUS会员专享")
    expect(note.get_by_role("link", name="开通会员")).to_have_attribute("href", "/membership/")
    expect(note.get_by_role("link", name="登录")).to_have_attribute("href", "/auth/login?next=/cart/")
    screenshot(phone, "cart-members-only-phone")
