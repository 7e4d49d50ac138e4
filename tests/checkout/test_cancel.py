"""Cancelling on the pay page ends the Stripe session at once and gives the held stock back; paying empties the cart."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import requests
from sqlalchemy import select

from checkout.db import get_database
from checkout.models import CheckoutSession, Order

from .helpers import buy, flush, pay, wait_for
from .test_charges import order_of
from .test_shop import stripe_session
from .test_stripe_outside_transactions import watched  # noqa: F401 (a fixture)
from .test_webhooks import held


def cancel_on_pay_page(standin: str, client, session_id: str):
    """Press 取消 on the stand-in's pay page and follow its redirect into the app, as the browser does."""
    answer = requests.post(f"{standin}/pay/{session_id}/cancel", allow_redirects=False, timeout=10)
    assert answer.status_code == 303
    return client.get(urlsplit(answer.headers["Location"]).path)


def checkout_status(app, stripe_id: str) -> str:
    with get_database(app).sessions() as db:
        return db.scalar(select(CheckoutSession.status).where(CheckoutSession.stripe_session_id == stripe_id))


def test_cancelling_on_the_pay_page_expires_the_session_and_releases_the_stock(app, client, standin):
    first = buy(client, [{"product": "umbrella", "quantity": 6}]).get_json()["id"]
    assert held(app) == 6
    back = cancel_on_pay_page(standin, client, first)
    assert back.status_code == 303 and back.headers["Location"].endswith("/cart/?cancelled=1")
    assert held(app) == 0
    assert stripe_session(app, first)["status"] == "expired"
    assert checkout_status(app, first) == "expired"
    retry = buy(client, [{"product": "umbrella", "quantity": 10}])  # the whole stock: nothing is held by the abandoned try
    assert retry.status_code == 201, retry.get_json()
    assert held(app) == 10


def test_cancelling_twice_releases_once(app, client, standin):
    first = buy(client, [{"product": "umbrella", "quantity": 4}]).get_json()["id"]
    other = buy(client.application.test_client(), [{"product": "umbrella", "quantity": 3}]).get_json()["id"]
    cancel_on_pay_page(standin, client, first)
    cancel_on_pay_page(standin, client, first)
    assert held(app) == 3
    assert stripe_session(app, other)["status"] == "open"


def test_a_paid_checkout_keeps_its_stock_when_its_cancel_link_is_opened(live, client):
    session_id = buy(client, [{"product": "umbrella", "quantity": 2}]).get_json()["id"]
    assert pay(live.standin, session_id).status_code in (302, 303)
    flush(live.standin)
    cancel_on_pay_page(live.standin, client, session_id)
    assert held(live.app) == 2
    assert checkout_status(live.app, session_id) == "complete"
    with get_database(live.app).sessions() as db:
        assert db.scalar(select(Order.status).where(Order.stripe_session_id == session_id)) == "paid"


def test_cancelling_on_the_address_step_releases_the_stock(app, client):
    started = buy(client, [{"product": "umbrella", "quantity": 5}], address=None).get_json()
    assert held(app) == 5
    page = client.get(urlsplit(started["url"]).path)
    cancel_url = f"/checkout/{started['id']}/cancel"
    assert cancel_url in page.get_data(as_text=True)
    assert client.get(cancel_url).status_code == 303
    assert held(app) == 0


def test_cancel_asks_stripe_with_no_write_lock_held(app, client, standin, watched):  # noqa: F811
    session_id = buy(client, [{"product": "umbrella", "quantity": 1}]).get_json()["id"]
    cancel_on_pay_page(standin, client, session_id)
    assert any(call.endswith("/expire") for call in watched.calls)
    assert watched.under_lock == []


def test_the_success_page_tells_the_cart_which_products_were_bought(live, client):
    session_id = buy(client, [{"product": "umbrella", "quantity": 2}, {"product": "kids-tee", "quantity": 5}]).get_json()["id"]
    pay(live.standin, session_id)
    wait_for(lambda: checkout_status(live.app, session_id) == "complete")
    page = client.get(f"/checkout/success?session_id={session_id}").get_data(as_text=True)
    assert 'data-cart-bought="kids-tee umbrella"' in page
    assert "cart_done.js" in page
    unknown = client.get("/checkout/success?session_id=cs_test_unknown").get_data(as_text=True)
    assert "data-cart-bought" not in unknown


def test_the_guests_success_page_links_to_the_order_in_the_browser_that_paid(live, client):
    session_id = buy(client, [{"product": "umbrella", "quantity": 1}]).get_json()["id"]
    pay(live.standin, session_id)
    flush(live.standin)
    order = wait_for(lambda: order_of(live.app, session_id))
    page = client.get(f"/checkout/success?session_id={session_id}").get_data(as_text=True)
    found = re.search(r'href="(/account/orders/' + order.number + r'\?t=[^"]+)"', page)
    assert found and "查看订单" in page, page
    shown = live.app.test_client().get(html.unescape(found.group(1)))  # the link opens the order without any cookie
    assert shown.status_code == 200 and "文三路" in shown.get_data(as_text=True)
    elsewhere = live.app.test_client().get(f"/checkout/success?session_id={session_id}").get_data(as_text=True)
    assert order.number in elsewhere and "?t=" not in elsewhere  # another browser with the URL gets no key to the address
