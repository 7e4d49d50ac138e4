"""Refunds through the real library: partial, full, too much, twice, and their webhooks."""

from __future__ import annotations

import pytest
import stripe

from .conftest import pay, payment_params


@pytest.fixture
def paid(client, browser):
    """A session paid by card; its payment intent id."""
    session = client.v1.checkout.sessions.create(params=payment_params())
    pay(browser, session)
    return client.v1.checkout.sessions.retrieve(session.id)


def test_partial_then_remaining_refund(client, paid, hook):
    first = client.v1.refunds.create(params={"payment_intent": paid.payment_intent, "amount": 1000, "reason": "requested_by_customer"})
    assert (first.object, first.status, first.amount) == ("refund", "succeeded", 1000)
    assert first.payment_intent == paid.payment_intent
    rest = client.v1.refunds.create(params={"payment_intent": paid.payment_intent})
    assert rest.amount == paid.amount_total - 1000
    charge = client.v1.charges.retrieve(first.charge)
    assert (charge.amount_refunded, charge.refunded) == (paid.amount_total, True)
    events = hook.wait_for("refund.created", "charge.refunded", times=2)
    refunded = [e for e in events if e.type == "charge.refunded"]
    assert [e.data.object.amount_refunded for e in refunded] == [1000, paid.amount_total]
    assert refunded[0].data.previous_attributes.amount_refunded == 0


def test_refund_larger_than_what_is_left_is_refused(client, paid):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create(params={"payment_intent": paid.payment_intent, "amount": paid.amount_total + 1})
    assert (caught.value.code, caught.value.param) == ("amount_too_large", "amount")
    assert "¥163.65" in caught.value.user_message


def test_a_fully_refunded_payment_cannot_be_refunded_again(client, paid):
    client.v1.refunds.create(params={"payment_intent": paid.payment_intent})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create(params={"payment_intent": paid.payment_intent})
    assert caught.value.code == "charge_already_refunded"


def test_refund_of_an_unknown_payment_intent_is_resource_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create(params={"payment_intent": "pi_nope"})
    assert (caught.value.http_status, caught.value.code, caught.value.param) == (404, "resource_missing", "payment_intent")


def test_refund_replayed_with_its_idempotency_key_refunds_once(client, paid):
    options = {"idempotency_key": "refund-order-42"}
    first = client.v1.refunds.create(params={"payment_intent": paid.payment_intent, "amount": 500}, options=options)
    again = client.v1.refunds.create(params={"payment_intent": paid.payment_intent, "amount": 500}, options=options)
    assert again.id == first.id
    assert client.v1.charges.retrieve(first.charge).amount_refunded == 500
    assert [r.id for r in client.v1.refunds.list(params={"payment_intent": paid.payment_intent}).data] == [first.id]


def test_payment_intent_is_retrievable(client, paid):
    intent = client.v1.payment_intents.retrieve(paid.payment_intent, params={"expand": ["latest_charge"]})
    assert (intent.object, intent.status, intent.amount_received) == ("payment_intent", "succeeded", paid.amount_total)
    assert intent.latest_charge.payment_method_details.type == "card"
