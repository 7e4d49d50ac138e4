"""Subscriptions started by Checkout: customer, periods, invoices, renewal, cancellation and lapse."""

from __future__ import annotations

import calendar
import datetime as dt

from . import payments
from .errors import invalid
from .params import Reader
from .sessions import MAX_TRIAL, recurring_lines
from .store import new_id


def add_interval(timestamp: int, interval: str, count: int = 1) -> int:
    """The timestamp `count` intervals later; months keep the day, clamped to the month's end (as Stripe does)."""
    if interval == "day":
        return timestamp + count * 86400
    if interval == "week":
        return timestamp + count * 7 * 86400
    moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    months = count * (12 if interval == "year" else 1)
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


def start(st, session: dict, now: int) -> dict:
    """Create the customer, the active subscription and its paid first invoice for a completed session."""
    email = session["customer_details"]["email"]
    customer = st.store.get(session["customer"], "customer") if session["customer"] else None
    if customer is None:
        customer = {
            "id": new_id("cus"),
            "object": "customer",
            "address": None,
            "balance": 0,
            "created": now,
            "currency": session["currency"],
            "delinquent": False,
            "description": None,
            "email": email,
            "livemode": False,
            "metadata": {},
            "name": None,
            "phone": None,
        }
        st.store.save(customer)
        st.webhooks.emit("customer.created", customer)
    data = session["_subscription_data"]
    trial_end = data.get("trial_end")
    cycle = recurring_lines(session)[0]["price"]["recurring"]
    # a trial is the first period; billing starts (and is anchored) when it ends
    period_end = trial_end or add_interval(now, cycle["interval"], cycle["interval_count"])
    sub_id = new_id("sub")
    items = [
        {
            "id": new_id("si"),
            "object": "subscription_item",
            "created": now,
            "current_period_start": now,
            "current_period_end": period_end,
            "metadata": {},
            "price": line["price"],
            "quantity": line["quantity"],
            "subscription": sub_id,
        }
        for line in recurring_lines(session)
    ]
    subscription = {
        "id": sub_id,
        "object": "subscription",
        "billing_cycle_anchor": trial_end or now,
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": "charge_automatically",
        "created": now,
        "currency": session["currency"],
        "current_period_end": period_end,
        "current_period_start": now,
        "customer": customer["id"],
        "description": data.get("description"),
        "ended_at": None,
        "items": {
            "object": "list",
            "data": items,
            "has_more": False,
            "total_count": len(items),
            "url": f"/v1/subscription_items?subscription={sub_id}",
        },
        "latest_invoice": None,
        "livemode": False,
        "metadata": data.get("metadata", {}),
        "start_date": now,
        "status": "trialing" if trial_end else "active",
        "trial_end": trial_end,
        "trial_start": now if trial_end else None,
        "_checkout_session": session["id"],
        "_periods": 0 if trial_end else 1,  # billed periods counted from the anchor
    }
    lines = session["_line_items"]
    if trial_end:  # the first invoice bills nothing: "Trial period for …"
        lines = [line | {"description": f"Trial period for {line['description']}", "free": True} for line in lines]
    invoice = _invoice(st, subscription, lines, "subscription_create", email, now)
    subscription["latest_invoice"] = invoice["id"]
    session.update(customer=customer["id"], subscription=sub_id, invoice=invoice["id"])
    st.store.save(subscription)
    st.webhooks.emit("customer.subscription.created", subscription)
    _announce_paid(st, invoice)
    return subscription


def renew(st, subscription: dict) -> dict:
    """Bill the next period (at its end, or now as a test helper): `invoice.paid` then `customer.subscription.updated`.

    A trialing subscription becomes `active` and is charged for the first time.
    """
    _require_live(subscription)
    if subscription["cancel_at_period_end"]:
        return _end(st, subscription, reason="cancellation_requested", at=subscription["current_period_end"])
    with st.store.transaction():
        previous = _period(subscription) | {"latest_invoice": subscription["latest_invoice"], "status": subscription["status"]}
        _advance_period(subscription)
        customer = st.store.get(subscription["customer"], "customer")
        lines = [{"price": item["price"], "quantity": item["quantity"], "description": None} for item in subscription["items"]["data"]]
        invoice = _invoice(st, subscription, lines, "subscription_cycle", customer["email"], st.clock.now())
        subscription["latest_invoice"] = invoice["id"]
        subscription["status"] = "active"
        st.store.save(subscription)
        _announce_paid(st, invoice)
        st.webhooks.emit("customer.subscription.updated", subscription, previous=previous)
    return subscription


def lapse(st, subscription: dict) -> dict:
    """The renewal payment fails and the subscription ends (test helper)."""
    _require_live(subscription)
    with st.store.transaction():
        now = st.clock.now()
        customer = st.store.get(subscription["customer"], "customer")
        invoice = _invoice_shape(subscription, [], "subscription_cycle", customer["email"], now)
        total = sum(item["price"]["unit_amount"] * item["quantity"] for item in subscription["items"]["data"])
        invoice.update(
            amount_due=total, amount_remaining=total, subtotal=total, total=total, status="open", attempted=True, attempt_count=1
        )
        st.store.save(invoice)
        st.webhooks.emit("invoice.payment_failed", invoice)
        previous = {"status": subscription["status"], "latest_invoice": subscription["latest_invoice"]}
        subscription.update(status="past_due", latest_invoice=invoice["id"])
        st.store.save(subscription)
        st.webhooks.emit("customer.subscription.updated", subscription, previous=previous)
        return _end(st, subscription, reason="payment_failed", at=now)


def update(st, subscription: dict, params: Reader, request: dict) -> dict:
    """`POST /v1/subscriptions/{id}`: metadata, description, cancel_at_period_end, trial_end (with proration_behavior)."""
    params.only("cancel_at_period_end", "metadata", "description", "trial_end", "proration_behavior")
    params.enum("proration_behavior", ("none", "create_prorations", "always_invoice"))
    for name in ("cancel_at_period_end", "trial_end"):
        if subscription["status"] == "canceled" and params.has(name):
            raise invalid("A canceled subscription can only update its cancellation_details and metadata.", name)
    previous = {}
    trial_end = params.int("trial_end")
    if trial_end is not None:
        previous.update(_extend_trial(st, subscription, trial_end))
    metadata = params.metadata()
    if metadata is not None:
        previous["metadata"] = subscription["metadata"]
        subscription["metadata"] = {**subscription["metadata"], **metadata} if metadata else {}
        subscription["metadata"] = {key: value for key, value in subscription["metadata"].items() if value != ""}
    if params.has("description"):
        previous["description"] = subscription["description"]
        subscription["description"] = params.str("description") or None
    flag = params.bool("cancel_at_period_end")
    if flag is not None and flag != subscription["cancel_at_period_end"]:
        previous.update({key: subscription[key] for key in ("cancel_at_period_end", "cancel_at", "canceled_at")})
        subscription["cancel_at_period_end"] = flag
        subscription["cancel_at"] = subscription["current_period_end"] if flag else None
        subscription["canceled_at"] = st.clock.now() if flag else None
        subscription["cancellation_details"]["reason"] = "cancellation_requested" if flag else None
    with st.store.transaction():
        st.store.save(subscription)
        if previous:
            st.webhooks.emit("customer.subscription.updated", subscription, previous=previous, request=request)
    return subscription


def _extend_trial(st, subscription: dict, trial_end: int) -> dict:
    """A trial until `trial_end` from now on (trialing or active alike): nothing is billed until then, then it renews from there.

    As Stripe does with proration_behavior=none: the current period ends now, no invoice and no credit.
    Returns the fields as they were (the event's `previous_attributes`).
    """
    now = st.clock.now()
    if trial_end <= now:
        raise invalid("Invalid timestamp: must be an integer Unix timestamp in the future.", "trial_end")
    if trial_end > now + MAX_TRIAL:
        raise invalid("`trial_end` must be at most 730 days in the future.", "trial_end")
    previous = _period(subscription) | {key: subscription[key] for key in ("status", "trial_end", "trial_start", "billing_cycle_anchor")}
    start = now if subscription["status"] != "trialing" else subscription["current_period_start"]
    subscription.update(
        status="trialing",
        trial_start=subscription["trial_start"] if subscription["status"] == "trialing" else now,
        trial_end=trial_end,
        billing_cycle_anchor=trial_end,
        current_period_start=start,
        current_period_end=trial_end,
        _periods=0,  # billing starts (and is anchored) when the trial ends
    )
    if subscription["cancel_at_period_end"]:
        subscription["cancel_at"] = trial_end
    for item in subscription["items"]["data"]:
        item.update(current_period_start=start, current_period_end=trial_end)
    return previous


def cancel(st, subscription: dict, params: Reader, request: dict) -> dict:
    """`DELETE /v1/subscriptions/{id}`: end the subscription now."""
    params.only("invoice_now", "prorate", "cancellation_details")
    _require_live(subscription)
    return _end(st, subscription, reason="cancellation_requested", at=st.clock.now(), request=request)


def _require_live(subscription: dict) -> None:
    if subscription["status"] == "canceled":
        raise invalid(f"The subscription {subscription['id']} has already been canceled.", code="resource_already_canceled")


def _end(st, subscription: dict, *, reason: str, at: int, request: dict | None = None) -> dict:
    with st.store.transaction():
        subscription.update(status="canceled", ended_at=at, canceled_at=subscription["canceled_at"] or at)
        subscription["cancellation_details"]["reason"] = reason
        st.store.save(subscription)
        st.webhooks.emit("customer.subscription.deleted", subscription, request=request)
    return subscription


def _period(subscription: dict) -> dict:
    return {key: subscription[key] for key in ("current_period_start", "current_period_end")}


def _advance_period(subscription: dict) -> None:
    # counted from the anchor, so a subscription started on Jan 31 renews on Feb 28, then on Mar 31
    cycle = subscription["items"]["data"][0]["price"]["recurring"]
    subscription["_periods"] = subscription.get("_periods", 1) + 1
    start = subscription["current_period_end"]
    end = add_interval(subscription["billing_cycle_anchor"], cycle["interval"], cycle["interval_count"] * subscription["_periods"])
    subscription.update(current_period_start=start, current_period_end=end)
    for item in subscription["items"]["data"]:
        item.update(current_period_start=start, current_period_end=end)


def _invoice(st, subscription: dict, lines: list[dict], reason: str, email: str | None, now: int) -> dict:
    invoice = _invoice_shape(subscription, lines, reason, email, now)
    if invoice["total"] == 0:  # nothing to charge (a trial): paid at once, without a payment intent
        invoice.update(
            attempted=True, paid=True, status="paid", amount_remaining=0, status_transitions={"finalized_at": now, "paid_at": now}
        )
        st.store.save(invoice)
        return invoice
    pi = payments.charge_now(
        st,
        amount=invoice["total"],
        currency=invoice["currency"],
        method="card",
        customer=subscription["customer"],
        email=email,
        metadata={},
        description="Subscription creation" if reason == "subscription_create" else "Subscription update",
    )
    invoice.update(
        amount_paid=invoice["total"],
        amount_remaining=0,
        attempted=True,
        attempt_count=1,
        paid=True,
        payment_intent=pi["id"],
        status="paid",
        status_transitions={"finalized_at": now, "paid_at": now},
    )
    st.store.save(invoice)
    return invoice


def _invoice_shape(subscription: dict, lines: list[dict], reason: str, email: str | None, now: int) -> dict:
    invoice_id = new_id("in")
    start, end = subscription["current_period_start"], subscription["current_period_end"]
    invoice_lines = [
        {
            "id": new_id("il"),
            "object": "line_item",
            "amount": 0 if line.get("free") else line["price"]["unit_amount"] * line["quantity"],
            "currency": line["price"]["currency"],
            "description": line.get("description"),
            "livemode": False,
            "metadata": {},
            "period": {"start": start, "end": end} if line["price"]["recurring"] else {"start": now, "end": now},
            "pricing": {"type": "price_details", "price_details": {"price": line["price"]["id"], "product": line["price"]["product"]}},
            "quantity": line["quantity"],
        }
        for line in lines
    ]
    total = sum(line["amount"] for line in invoice_lines)
    return {
        "id": invoice_id,
        "object": "invoice",
        "amount_due": total,
        "amount_paid": 0,
        "amount_remaining": total,
        "attempt_count": 0,
        "attempted": False,
        "billing_reason": reason,
        "collection_method": "charge_automatically",
        "created": now,
        "currency": subscription["currency"],
        "customer": subscription["customer"],
        "customer_email": email,
        "hosted_invoice_url": None,
        "lines": {"object": "list", "data": invoice_lines, "has_more": False, "url": f"/v1/invoices/{invoice_id}/lines"},
        "livemode": False,
        "metadata": {},
        "number": None,
        "paid": False,
        "payment_intent": None,
        "parent": {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {"metadata": subscription["metadata"], "subscription": subscription["id"]},
        },
        "period_end": end,
        "period_start": start,
        "status": "draft",
        "status_transitions": {"finalized_at": None, "paid_at": None},
        "subscription": subscription["id"],
        "subtotal": total,
        "total": total,
    }


def _announce_paid(st, invoice: dict) -> None:
    st.webhooks.emit("invoice.paid", invoice)
    st.webhooks.emit("invoice.payment_succeeded", invoice)
