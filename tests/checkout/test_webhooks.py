"""`POST /api/stripe/webhook`: signed, applied once, tolerant of order, replays and races."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import func, select

from checkout.db import get_database
from checkout.models import CheckoutSession, Order, WebhookEvent
from checkout.stock import committed

from .helpers import UMBRELLA, WEBHOOK_SECRET, buy, other_shopper, pay, post_event
from .test_shop import stripe_session


def open_session(client, items=None) -> str:
    """Start a checkout (at the stand-in) and return its Stripe id."""
    response = buy(client, items or [{"product": "umbrella", "quantity": 2}])
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def as_paid(app, session_id: str, *, payment_status: str = "paid") -> dict:
    """The session as a completed-and-paid event carries it."""
    session = stripe_session(app, session_id)
    session.pop("line_items", None)
    session.update(
        status="complete",
        payment_status=payment_status,
        payment_intent="pi_" + session_id[-12:],
        customer_details={"email": "buyer@example.com"},
    )
    return session


def count(app, model, *where) -> int:
    with get_database(app).sessions() as db:
        return db.scalar(select(func.count()).select_from(model).where(*where))


def the_order(app) -> Order:
    with get_database(app).sessions() as db:
        orders = db.scalars(select(Order)).all()
        assert len(orders) == 1
        return orders[0]


def held(app, product="umbrella") -> int:
    with get_database(app).sessions() as db:
        return committed(db, product)


@pytest.mark.parametrize(
    "secret, timestamp_offset",
    [("whsec_wrong" + "x" * 20, 0), (WEBHOOK_SECRET, -301), (WEBHOOK_SECRET, 600)],
    ids=["wrong-secret", "too-old", "in-the-future"],
)
def test_events_not_signed_now_with_our_secret_are_refused(app, client, secret, timestamp_offset):
    session = as_paid(app, open_session(client))
    response = post_event(client, "checkout.session.completed", session, secret=secret, timestamp=int(time.time()) + timestamp_offset)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_signature"
    assert count(app, Order) == 0


def test_unsigned_or_tampered_events_are_refused(app, client):
    session = as_paid(app, open_session(client))
    unsigned = client.post("/api/stripe/webhook", json={"id": "evt_1", "type": "checkout.session.completed", "data": {"object": session}})
    assert unsigned.status_code == 400
    from checkout.stripe_api import event_payload, sign_payload

    payload = event_payload("evt_tamper", "checkout.session.completed", session)
    header = sign_payload(payload, WEBHOOK_SECRET)
    tampered = client.post(
        "/api/stripe/webhook",
        data=payload.replace('"paid"', '"unpaid"', 1),
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )
    assert tampered.status_code == 400
    assert count(app, Order) == 0


def test_a_little_clock_skew_is_accepted(app, client):
    session = as_paid(app, open_session(client))
    assert post_event(client, "checkout.session.completed", session, timestamp=int(time.time()) + 60).status_code == 200
    assert the_order(app).status == "paid"


def test_thousand_deliveries_of_one_event_make_one_order(app, client):
    session = as_paid(app, open_session(client))
    event_id = "evt_" + uuid.uuid4().hex
    outcomes: list[int] = []

    def deliver(times: int) -> None:
        local = app.test_client()
        for _ in range(times):
            outcomes.append(post_event(local, "checkout.session.completed", session, event_id=event_id).status_code)

    threads = [threading.Thread(target=deliver, args=(125,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == [200] * 1000
    assert count(app, Order) == 1
    assert count(app, WebhookEvent) == 1
    assert held(app) == 2


def test_different_events_for_one_session_make_one_order(app, client):
    session = as_paid(app, open_session(client))
    for kind in ("checkout.session.completed", "checkout.session.completed", "checkout.session.async_payment_succeeded"):
        assert post_event(client, kind, session).status_code == 200
    assert count(app, Order) == 1


def test_simultaneous_sibling_events_make_one_order(app, client):
    session = as_paid(app, open_session(client))
    barrier = threading.Barrier(6)
    codes: list[int] = []

    def deliver(kind: str) -> None:
        local = app.test_client()
        barrier.wait()
        codes.append(post_event(local, kind, session).status_code)

    kinds = ["checkout.session.completed", "checkout.session.async_payment_succeeded"] * 3
    threads = [threading.Thread(target=deliver, args=(kind,)) for kind in kinds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200] * 6
    assert count(app, Order) == 1
    assert the_order(app).status == "paid"


def test_order_keeps_the_price_of_session_creation_after_a_catalog_change(app, client, shop_content):
    session_id = open_session(client, [{"product": "umbrella", "quantity": 2}])
    shop_content.product("umbrella", UMBRELLA.replace("price: 8.55", "price: 9.99"))
    post_event(client, "checkout.session.completed", as_paid(app, session_id))
    order = the_order(app)
    assert [(line.product_id, str(line.unit_price), line.quantity) for line in order.lines] == [("umbrella", "8.55", 2)]
    assert str(order.amount_total) == "25.10"  # 2 × 8.55 + ¥8 delivery
    assert buy(client, [{"product": "umbrella", "quantity": 1}]).status_code == 201
    assert stripe_session(app, buy(client, [{"product": "umbrella", "quantity": 1}]).get_json()["id"])["amount_subtotal"] == 999


def test_order_records_revision_member_and_stripe_ids(app, client):
    session = as_paid(app, open_session(client))
    post_event(client, "checkout.session.completed", session)
    order = the_order(app)
    with get_database(app).sessions() as db:
        record = db.scalar(select(CheckoutSession))
    assert order.catalog_revision == record.catalog_revision and order.catalog_revision
    assert order.stripe_session_id == session["id"]
    assert order.stripe_payment_intent == session["payment_intent"]
    assert order.email == "buyer@example.com"
    assert order.user_id is None and not order.member_pricing


def test_async_success_arriving_before_completion_is_not_undone(app, client):
    session_id = open_session(client)
    post_event(client, "checkout.session.async_payment_succeeded", as_paid(app, session_id))
    post_event(client, "checkout.session.completed", as_paid(app, session_id, payment_status="unpaid"))
    assert the_order(app).status == "paid"


def test_delayed_payment_waits_then_becomes_paid(app, client):
    session_id = open_session(client)
    post_event(client, "checkout.session.completed", as_paid(app, session_id, payment_status="unpaid"))
    assert the_order(app).status == "awaiting_payment"
    post_event(client, "checkout.session.async_payment_succeeded", as_paid(app, session_id))
    assert the_order(app).status == "paid"
    assert held(app) == 2


def test_failed_delayed_payment_fails_the_order_and_frees_the_stock(app, client):
    session_id = open_session(client)
    post_event(client, "checkout.session.completed", as_paid(app, session_id, payment_status="unpaid"))
    post_event(client, "checkout.session.async_payment_failed", as_paid(app, session_id, payment_status="unpaid"))
    post_event(client, "checkout.session.async_payment_failed", as_paid(app, session_id, payment_status="unpaid"))
    assert the_order(app).status == "payment_failed"
    assert held(app) == 0


def test_expired_session_frees_its_stock_once(app, client):
    first, second = open_session(client), open_session(other_shopper(app))
    assert held(app) == 4
    expired = stripe_session(app, first)
    expired.pop("line_items")
    expired.update(status="expired")
    for _ in range(3):
        post_event(client, "checkout.session.expired", expired)
    assert held(app) == 2
    assert count(app, Order) == 0
    post_event(client, "checkout.session.completed", as_paid(app, second))
    assert held(app) == 2


def test_payment_after_a_local_expiry_is_checked_with_stripe_and_recorded(live, client):
    app = live.app
    session_id = open_session(client)
    forged = stripe_session(app, session_id)
    forged.pop("line_items")
    forged.update(status="expired")
    post_event(client, "checkout.session.expired", forged)  # what a sweep racing the payment would do
    assert held(app) == 0
    requests_response = pay(live.standin, session_id)
    assert requests_response.status_code == 303
    from .helpers import flush

    flush(live.standin)
    assert the_order(app).status == "paid"
    assert held(app) == 2  # the sold units count again


def test_sessions_this_store_did_not_start_are_ignored(app, client):
    foreign = {"id": "cs_test_foreign", "object": "checkout.session", "status": "complete", "payment_status": "paid", "metadata": {}}
    response = post_event(client, "checkout.session.completed", foreign)
    assert response.status_code == 200 and response.get_json()["outcome"] == "unknown_session"
    assert count(app, Order) == 0


def test_event_types_the_store_does_not_use_are_acknowledged(client):
    response = post_event(client, "charge.succeeded", {"id": "ch_1", "object": "charge"})
    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"


def test_webhooks_are_refused_without_a_configured_secret(app, client):
    app.config["STRIPE_WEBHOOK_SECRET"] = None
    assert post_event(client, "charge.succeeded", {"id": "ch_1"}).status_code == 503


def test_a_replayed_event_is_answered_at_once_while_another_write_holds_the_database(app, client):
    """Stripe's retries of an event already applied take no write turn: they wait for no order being made meanwhile."""
    session = as_paid(app, open_session(client))
    event_id = "evt_" + uuid.uuid4().hex
    assert post_event(client, "checkout.session.completed", session, event_id=event_id).status_code == 200
    holding, done = threading.Event(), threading.Event()

    def hold_the_write_lock() -> None:
        with get_database(app).transaction():
            holding.set()
            done.wait(10)

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    try:
        assert holding.wait(5)
        began = time.monotonic()
        replay = post_event(app.test_client(), "checkout.session.completed", session, event_id=event_id)
        assert replay.status_code == 200 and replay.get_json()["outcome"] == "duplicate"
        assert time.monotonic() - began < 1
    finally:
        done.set()
        holder.join()
    assert count(app, Order) == 1
