"""`POST /api/checkout` and `GET /api/me`: the server prices every cart from the catalog."""

from __future__ import annotations

import json

import pytest
import stripe
from sqlalchemy import select

from catalog import require_catalog
from catalog.pricing import quote, to_fen
from checkout.db import get_database
from checkout.models import CheckoutSession, User

from .helpers import buy, sign_up

STRIPE_KEY = "sk_test_" + "a" * 24


def stripe_session(app, session_id: str) -> dict:
    """The session as Stripe (the stand-in) holds it, read with the real library."""
    client = stripe.StripeClient(STRIPE_KEY, base_addresses={"api": app.config["STRIPE_API_BASE"]})
    return client.v1.checkout.sessions.retrieve(session_id, {"expand": ["line_items"]}).to_dict()


def make_member(app, email: str, days: int = 30) -> None:
    """Give an account paid PLUS time directly (the membership tests cover how it is bought)."""
    import datetime as dt

    with get_database(app).transaction() as db:
        user = db.scalar(select(User).where(User.email == email))
        user.member_until = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)


def test_forged_prices_amounts_and_currency_are_ignored(app, client, shop_content, today):
    forged = {"product": "aux-vacuum", "quantity": 1, "price": "0.01", "unit_amount": 1, "currency": "usd"}
    response = buy(client, [forged], amount_total=1, currency="usd", member=True)
    assert response.status_code == 201, response.get_json()
    session = stripe_session(app, response.get_json()["id"])
    catalog = require_catalog(shop_content.root, today=today)
    assert session["amount_subtotal"] == to_fen(catalog.products["aux-vacuum"].price) == 6900
    assert session["total_details"]["amount_shipping"] == 800 and session["amount_total"] == 7700  # ¥8 delivery: under ¥99
    assert session["currency"] == "cny"
    assert session["line_items"]["data"][0]["price"]["unit_amount"] == 6900


def test_checkout_offers_card_alipay_and_wechat_pay(app, client):
    session = stripe_session(app, buy(client, [{"product": "aux-vacuum", "quantity": 1}]).get_json()["id"])
    assert set(session["payment_method_types"]) == {"card", "alipay", "wechat_pay"}
    assert session["mode"] == "payment"


def test_guest_pays_the_list_price_and_a_member_the_member_price(app, client, shop_content, today):
    product = require_catalog(shop_content.root, today=today).products["umbrella"]
    guest = stripe_session(app, buy(client, [{"product": "umbrella", "quantity": 2}]).get_json()["id"])
    assert guest["amount_subtotal"] == to_fen(quote(product, 2, member=False).total(2))
    sign_up(client, "member@example.com")
    make_member(app, "member@example.com")
    member = stripe_session(app, buy(client, [{"product": "umbrella", "quantity": 2}]).get_json()["id"])
    assert member["amount_subtotal"] == to_fen(quote(product, 2, member=True).total(2))
    assert member["amount_subtotal"] < guest["amount_subtotal"]
    assert member["customer_email"] == "member@example.com"


def test_a_logged_in_non_member_pays_the_list_price(app, client, shop_content, today):
    sign_up(client, "plain@example.com")
    session = stripe_session(app, buy(client, [{"product": "umbrella", "quantity": 1}]).get_json()["id"])
    assert session["amount_subtotal"] == to_fen(require_catalog(shop_content.root, today=today).products["umbrella"].price)


def test_wholesale_tier_applies_from_its_quantity(app, client, shop_content, today):
    product = require_catalog(shop_content.root, today=today).products["umbrella"]
    session = stripe_session(app, buy(client, [{"product": "umbrella", "quantity": 10}]).get_json()["id"])
    assert session["amount_subtotal"] == to_fen(product.tiers[0].price * 10)


def test_session_lines_and_revision_are_stored_server_side(app, client, shop_content, today):
    response = buy(client, [{"product": "umbrella", "quantity": 3}, {"product": "aux-vacuum", "quantity": 1}])
    with get_database(app).sessions() as db:
        record = db.scalar(select(CheckoutSession).where(CheckoutSession.stripe_session_id == response.get_json()["id"]))
    assert {line["product"]: line["quantity"] for line in record.lines} == {"umbrella": 3, "aux-vacuum": 1}
    assert record.catalog_revision == require_catalog(shop_content.root, today=today).revision
    assert record.stock_held and record.status == "open"


def test_repeated_lines_of_one_product_are_merged(app, client):
    response = buy(client, [{"product": "umbrella", "quantity": 1}, {"product": "umbrella", "quantity": 2}])
    session = stripe_session(app, response.get_json()["id"])
    assert [item["quantity"] for item in session["line_items"]["data"]] == [3]


@pytest.mark.parametrize(
    "items, status, code",
    [
        ([{"product": "no-such-thing", "quantity": 1}], 404, "unknown_product"),
        ([{"product": "tea-tray", "quantity": 1}], 403, "members_only"),
        ([{"product": "kids-tee", "quantity": 4}], 422, "below_moq"),
        ([{"product": "umbrella", "quantity": 11}], 409, "out_of_stock"),
        ([{"product": "umbrella", "quantity": 0}], 400, "invalid_quantity"),
        ([{"product": "umbrella", "quantity": 1.5}], 400, "invalid_quantity"),
        ([{"product": "umbrella", "quantity": True}], 400, "invalid_quantity"),
        ([{"product": "umbrella"}], 400, "invalid_quantity"),
        ([{"quantity": 1}], 400, "malformed_body"),
        (["umbrella"], 400, "malformed_body"),
        ([], 400, "empty_cart"),
    ],
)
def test_refused_carts_answer_a_json_error_with_the_right_status(client, items, status, code):
    response = buy(client, items)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert response.get_json()["error"]["message"]


def test_members_only_products_sell_to_members(app, client):
    sign_up(client, "vip@example.com")
    make_member(app, "vip@example.com")
    assert buy(client, [{"product": "tea-tray", "quantity": 1}]).status_code == 201


@pytest.mark.parametrize("body", ["not json", "[1, 2", json.dumps([1, 2]), json.dumps({"items": "umbrella"})])
def test_malformed_bodies_are_400(client, body):
    response = client.post("/api/checkout", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_body"


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"])
def test_non_json_bodies_are_415(client, content_type):
    response = client.post("/api/checkout", data=json.dumps({"items": [{"product": "umbrella", "quantity": 1}]}), content_type=content_type)
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"


def test_stripe_unreachable_is_503_and_gives_the_stock_back(app, client):
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"  # nothing listens on the discard port
    app.extensions.pop("plus_stripe", None)
    response = buy(client, [{"product": "umbrella", "quantity": 10}])
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "payments_unavailable"
    with get_database(app).sessions() as db:
        record = db.scalar(select(CheckoutSession))
        assert record.status == "failed" and not record.stock_held
        from checkout.stock import committed

        assert committed(db, "umbrella") == 0


def test_me_tells_guests_from_members(app, client):
    assert client.get("/api/me").get_json() == {"authenticated": False, "email": None, "member": False, "member_until": None}
    sign_up(client, "me@example.com")
    me = client.get("/api/me").get_json()
    assert me["authenticated"] and me["email"] == "me@example.com" and not me["member"]
    make_member(app, "me@example.com")
    me = client.get("/api/me")
    assert me.get_json()["member"] and me.get_json()["member_until"]
    assert me.headers["Cache-Control"] == "no-store"


def test_an_order_on_the_account_page_links_to_the_page_the_site_publishes(app, client):
    from catalog.urls import product_url

    from .helpers import post_event
    from .test_webhooks import as_paid

    sign_up(client, "buyer@example.com")
    session = as_paid(app, buy(client, [{"product": "umbrella", "quantity": 1}]).get_json()["id"])
    assert post_event(client, "checkout.session.completed", session).status_code == 200
    page = client.get("/account/").get_data(as_text=True)
    assert f'href="/{product_url("umbrella")}"' in page
