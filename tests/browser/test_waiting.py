"""A rush in Chromium: Stripe's turns are taken, the shopper waits on our page (zh-CN), then reaches the pay page."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from bench.serving import plus_serve
from tests.browser.conftest import screenshot
from tests.browser.test_journey import add_to_cart, fill_address
from tests.checkout.helpers import ADDRESS
from tests.conftest import TODAY

STRIPE_TURN_SECONDS = 20  # PLUS_STRIPE_RATE 0.05: one Stripe session every 20 s, so the next one queues


@pytest.fixture(scope="module")
def slow_stripe_store(tmp_path_factory, mailbox) -> Iterator[str]:
    """`plus serve` allowed one Stripe session every 20 s and never waiting for one on the request."""
    root = tmp_path_factory.mktemp("slow-stripe-store")
    env = {
        "PLUS_SITE_DIR": str(root / "output"),
        "PLUS_TODAY": TODAY.isoformat(),
        "PLUS_STRIPE_RATE": str(1 / STRIPE_TURN_SECONDS),
        "PLUS_CHECKOUT_WAIT": "0",
        **{key: str(value) for key, value in mailbox.config().items()},
    }
    with plus_serve(root / "instance", env=env, log=root / "serve.log") as base:
        yield base


def another_shopper_checks_out(store: str) -> dict:
    """Someone else (no cookies) starts a checkout first and takes Stripe's next turn."""
    body = json.dumps({"items": [{"product": "auto-umbrella-24-rib", "quantity": 1}], "address": ADDRESS}).encode()
    request = urllib.request.Request(f"{store}/api/checkout", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status in (201, 202)
        return json.load(answer)


def test_a_queued_shopper_sees_the_waiting_page_then_reaches_the_pay_page(phone: Page, slow_stripe_store: str):
    store = slow_stripe_store
    phone.goto(store + "/p/auto-umbrella-24-rib/")
    add_to_cart(phone, 2)
    phone.goto(store + "/cart/")
    phone.get_by_role("button", name="去结算").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("收货地址")
    fill_address(phone)
    another_shopper_checks_out(store)  # Stripe's turn is theirs: ours comes up to 20 s later
    phone.get_by_role("button", name="去支付").click()

    # Our waiting page, in the shopper's words; it reloads itself (no script needed).
    expect(phone).to_have_url(re.compile(r"/checkout/[0-9a-f-]{36}/pay\?turn=\d+$"))  # its turn: any worker tells when to ask
    expect(phone.get_by_role("heading", level=1)).to_have_text("正在为您打开支付页…")
    expect(phone.locator("[data-waiting=queued]")).to_contain_text("商品已为您保留")
    screenshot(phone, "checkout-waiting-phone")

    # Stripe's turn comes: the page goes on to the stand-in's pay page by itself, the same cart and total.
    expect(phone.get_by_text("TEST MODE")).to_be_visible(timeout=(STRIPE_TURN_SECONDS + 25) * 1000)
    expect(phone.locator("body")).to_contain_text("24骨")
