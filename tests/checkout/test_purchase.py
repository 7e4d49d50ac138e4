"""Whole purchases through the real stripe library, the stand-in's pay page and its signed webhooks."""

from __future__ import annotations

from sqlalchemy import select

from catalog import require_catalog
from catalog.money import price_label
from catalog.pricing import quote
from checkout.db import get_database
from checkout.models import CheckoutSession

from .helpers import ADMIN_TOKEN, buy, flush, other_shopper, pay, sign_up, wait_for
from .test_membership import buy_membership
from .test_webhooks import held


def admin_orders(client, **query) -> dict:
    response = client.get("/api/admin/orders", query_string=query, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_member_buys_at_the_member_price_and_sees_the_order(live, client, shop_content, today):
    # sign up, then become a member by card subscription
    sign_up(client, "member@example.com")
    buy_membership(live, client, "card")
    flush(live.standin)
    assert client.get("/api/me").get_json()["member"] is True
    # check out at the member price
    response = buy(client, [{"product": "umbrella", "quantity": 2}])
    assert response.status_code == 201
    assert pay(live.standin, response.get_json()["id"], "card", email="member@example.com").status_code == 303
    flush(live.standin)
    expected = quote(require_catalog(shop_content.root, today=today).products["umbrella"], 2, member=True)
    assert expected.basis == "member_price"
    # the order on /account …
    page = client.get("/account/").get_data(as_text=True)
    assert "PLUS00000001" in page and "24骨全自动雨伞" in page and price_label(expected.unit_price) in page and "已付款" in page
    # … and in the admin API
    listed = admin_orders(client)
    assert listed["total"] == 1
    order = listed["orders"][0]
    assert order["status"] == "paid" and order["member_pricing"] is True and order["email"] == "member@example.com"
    assert order["lines"][0]["unit_price"] == str(expected.unit_price) and order["amount_total"] == str(expected.total(2))
    assert order["catalog_revision"] == require_catalog(shop_content.root, today=today).revision
    # the return page knows the order
    success = client.get("/checkout/success", query_string={"session_id": order["stripe_session_id"]}).get_data(as_text=True)
    assert "支付成功" in success and order["number"] in success


def test_guest_pays_with_alipay_and_the_order_is_paid_when_alipay_confirms(live, client):
    response = buy(client, [{"product": "aux-vacuum", "quantity": 1}])
    session_id = response.get_json()["id"]
    assert pay(live.standin, session_id, "alipay").status_code == 303
    paid = wait_for(lambda: [o for o in admin_orders(client, status="paid")["orders"]])
    assert paid[0]["amount_total"] == "77.00" and paid[0]["user_id"] is None and paid[0]["email"] == "buyer@example.com"


def test_an_abandoned_checkout_expires_and_gives_its_stock_back(live, client):
    import requests

    session_id = buy(client, [{"product": "umbrella", "quantity": 10}]).get_json()["id"]
    assert buy(other_shopper(live.app), [{"product": "umbrella", "quantity": 1}]).status_code == 409
    requests.post(f"{live.standin}/_standin/clock?advance=7200", timeout=5).raise_for_status()
    flush(live.standin)
    assert held(live.app) == 0
    with get_database(live.app).sessions() as db:
        assert db.scalar(select(CheckoutSession.status).where(CheckoutSession.stripe_session_id == session_id)) == "expired"
