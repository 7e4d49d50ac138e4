"""Refunds and disputes made at Stripe reach the order through the webhook, once and in any order."""

from __future__ import annotations

import logging

import requests
import stripe
from sqlalchemy import select

from catalog.messages import set_language
from checkout.db import get_database
from checkout.models import Order
from checkout.status import OrderStatus

from .helpers import ADMIN_TOKEN, buy, flush, outbox, pay, post_event, wait_for

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def paid(live, client, quantity: int = 2) -> Order:
    """An order paid at the stand-in (card), its events delivered."""
    session_id = buy(client, [{"product": "umbrella", "quantity": quantity}]).get_json()["id"]
    pay(live.standin, session_id)
    flush(live.standin)
    return wait_for(lambda: order_of(live.app, session_id))


def order_of(app, session_id: str) -> Order | None:
    with get_database(app).sessions() as db:
        return db.scalar(select(Order).where(Order.stripe_session_id == session_id))


def reread(app, order: Order) -> Order:
    with get_database(app).sessions() as db:
        return db.get(Order, order.id)


def stripe_client(app) -> stripe.StripeClient:
    return stripe.StripeClient(app.config["STRIPE_SECRET_KEY"], base_addresses={"api": app.config["STRIPE_API_BASE"]})


def test_a_partial_then_full_refund_at_stripe_reaches_the_order(live, client):
    order = paid(live, client)
    stripe_client(live.app).v1.refunds.create({"payment_intent": order.stripe_payment_intent, "amount": 500})
    flush(live.standin)
    partly = reread(live.app, order)
    assert partly.status == OrderStatus.PAID and str(partly.refunded_amount) == "5.00"
    assert outbox(live.app, "order_refunded") == []
    stripe_client(live.app).v1.refunds.create({"payment_intent": order.stripe_payment_intent})
    flush(live.standin)
    refunded = reread(live.app, order)
    assert refunded.status == OrderStatus.REFUNDED and refunded.refunded_amount == refunded.amount_total
    assert len(outbox(live.app, "order_refunded")) == 1
    shipped = client.post(f"/api/admin/orders/{order.id}/ship", headers=AUTH, json={"carrier": "顺丰"})
    assert shipped.status_code == 409


def test_a_disputed_order_cannot_ship_until_the_dispute_is_won(live, client):
    order = paid(live, client)
    charge = stripe_client(live.app).v1.payment_intents.retrieve(order.stripe_payment_intent).latest_charge
    dispute = requests.post(f"{live.standin}/_standin/charges/{charge}/dispute", timeout=5).json()
    flush(live.standin)
    assert reread(live.app, order).dispute_status == "needs_response"
    refused = client.post(f"/api/admin/orders/{order.id}/ship", headers=AUTH, json={"carrier": "顺丰"})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "disputed"
    assert "（争议待回应）" in refused.get_json()["error"]["message"]  # the owner's words, not Stripe's needs_response
    requests.post(f"{live.standin}/_standin/disputes/{dispute['id']}/close?status=won", timeout=5).raise_for_status()
    flush(live.standin)
    assert reread(live.app, order).dispute_status == "won"
    assert client.post(f"/api/admin/orders/{order.id}/ship", headers=AUTH, json={"carrier": "顺丰"}).status_code == 200


def test_dispute_events_out_of_order_and_replayed_keep_the_newest(live, client, caplog):
    order = paid(live, client)
    dispute = {"id": "dp_test_x", "object": "dispute", "payment_intent": order.stripe_payment_intent, "status": "lost"}
    caplog.set_level(logging.INFO, logger="plus.checkout")
    set_language("zh")
    try:
        assert post_event(client, "charge.dispute.closed", dispute, event_id="evt_closed", created=2000).status_code == 200
    finally:
        set_language(None)
    said = [record.getMessage() for record in caplog.records if record.name.startswith("plus.checkout")]
    assert any(line.endswith("付款争议 dp_test_x，争议败诉") for line in said), said  # the owner's words, not Stripe's `lost`
    assert any(line.endswith("：争议败诉") for line in said), said  # what the webhook did
    opened = {**dispute, "status": "needs_response"}
    assert post_event(client, "charge.dispute.created", opened, event_id="evt_opened", created=1000).get_json()["outcome"] == "stale"
    post_event(client, "charge.dispute.closed", dispute, event_id="evt_closed", created=2000)
    assert reread(live.app, order).dispute_status == "lost"


def test_a_refund_event_before_its_order_is_retried_not_lost(app, client):
    charge = {"id": "ch_test_x", "object": "charge", "payment_intent": "pi_test_unknown", "amount_refunded": 100, "refunded": False}
    response = post_event(client, "charge.refunded", charge, event_id="evt_early")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "order_not_yet"
