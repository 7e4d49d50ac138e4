"""The `/v1` endpoints the PLUS checkout uses, each a thin view over sessions, payments and billing."""

from __future__ import annotations

from flask import request

from . import billing, payments, sessions
from .api import (
    RETRIEVABLE,
    bp,
    event_request,
    idempotent,
    json_response,
    list_view,
    load,
    paginate,
    params,
    render,
    standin,
)
from .errors import StripeError
from .params import Reader


def unrecognized() -> StripeError:
    """Stripe's answer for a URL it does not serve."""
    return StripeError(
        404,
        f"Unrecognized request URL ({request.method}: {request.path}). Please see "
        "https://stripe.com/docs or stripe_standin/README.md for what the stand-in supports.",
    )


# Checkout Sessions


@bp.post("/checkout/sessions")
@idempotent
def create_session():
    """Create a Checkout Session."""
    st = standin()
    session, products = sessions.create(
        Reader(params()),
        now=st.clock.now(),
        pay_base=st.public_url or request.host_url,
        customer_exists=lambda cid: st.store.get(cid, "customer") is not None,
    )
    with st.store.transaction():
        for product in products:
            st.store.save(product)
        for line in session["_line_items"]:
            st.store.save(line["price"])
        st.store.save(session)
    return json_response(render(session))


@bp.get("/checkout/sessions/<session_id>")
def retrieve_session(session_id):
    """Retrieve a Checkout Session (expiring it first if its time has passed)."""
    standin().sweep()
    Reader(params()).only()
    return json_response(render(load("checkout.session", session_id)))


@bp.get("/checkout/sessions/<session_id>/line_items")
def session_line_items(session_id):
    """A session's line items, paginated."""
    reader = Reader(params()).only("limit", "starting_after", "ending_before")
    session = load("checkout.session", session_id)
    url = f"/v1/checkout/sessions/{session_id}/line_items"
    return json_response(paginate(sessions.line_items(session), url, reader, "item"))


@bp.get("/checkout/sessions")
def list_sessions():
    """List Checkout Sessions, newest first."""
    standin().sweep()
    return list_view(
        "checkout.session", "/v1/checkout/sessions", ("status", "payment_intent", "subscription", "customer"), Reader(params())
    )


@bp.post("/checkout/sessions/<session_id>/expire")
@idempotent
def expire_session(session_id):
    """Expire an open session now."""
    st = standin()
    st.sweep()
    Reader(params()).only()
    with st.store.transaction():
        session = sessions.expire(load("checkout.session", session_id), st.clock.now())
        st.store.save(session)
        st.webhooks.emit("checkout.session.expired", session, request=event_request())
    return json_response(render(session))


# Refunds


@bp.post("/refunds")
@idempotent
def create_refund():
    """Refund a payment intent or charge, fully or in part."""
    return json_response(render(payments.refund(standin(), Reader(params()), event_request())))


# Subscriptions


@bp.get("/subscriptions/<subscription_id>")
def retrieve_subscription(subscription_id):
    """Retrieve a subscription."""
    Reader(params()).only()
    return json_response(render(load("subscription", subscription_id)))


@bp.post("/subscriptions/<subscription_id>")
@idempotent
def update_subscription(subscription_id):
    """Update metadata, description or cancel_at_period_end."""
    subscription = load("subscription", subscription_id)
    reader = Reader(params())
    return json_response(render(billing.update(standin(), subscription, reader, event_request())))


@bp.delete("/subscriptions/<subscription_id>")
def cancel_subscription(subscription_id):
    """Cancel a subscription at once."""
    with standin().store.transaction():
        subscription = load("subscription", subscription_id)
        canceled = billing.cancel(standin(), subscription, Reader(params()), event_request())
    return json_response(render(canceled))


@bp.get("/subscriptions")
def list_subscriptions():
    """List subscriptions; like Stripe, canceled ones only with status=canceled or status=all."""
    reader = Reader(params()).only("limit", "starting_after", "ending_before", "created", "customer", "status")
    items = standin().store.all("subscription")
    status = reader.enum("status", ("active", "past_due", "canceled", "all"))
    if reader.has("customer"):
        items = [item for item in items if item["customer"] == reader.str("customer")]
    if status != "all":
        items = [item for item in items if (item["status"] == status if status else item["status"] != "canceled")]
    return json_response(paginate(items, "/v1/subscriptions", reader, "subscription"))


# Events


@bp.get("/events/<event_id>")
def retrieve_event(event_id):
    """Retrieve an event."""
    Reader(params()).only()
    return json_response(render(load("event", event_id)))


@bp.get("/events")
def list_events():
    """List events, filtered by `type` (with a `*` wildcard) or `types[]`."""
    reader = Reader(params()).only("limit", "starting_after", "ending_before", "created", "type", "types")
    items = standin().store.all("event")
    if reader.has("type"):
        wanted = reader.str("type", need=True)
        items = [item for item in items if item["type"] == wanted or (wanted.endswith("*") and item["type"].startswith(wanted[:-1]))]
    if reader.has("types"):
        types = set(reader.list("types"))
        items = [item for item in items if item["type"] in types]
    return json_response(paginate(items, "/v1/events", reader, "event"))


# Plain retrieval and lists of the other objects


@bp.get("/<collection>/<object_id>")
def retrieve(collection, object_id):
    """Retrieve a payment intent, charge, customer, refund, invoice, product or price."""
    if collection not in RETRIEVABLE:
        raise unrecognized()
    Reader(params()).only()
    return json_response(render(load(RETRIEVABLE[collection][0], object_id)))


@bp.get("/<collection>")
def list_collection(collection):
    """List payment intents, charges, customers, refunds, invoices, products or prices."""
    if collection not in RETRIEVABLE:
        raise unrecognized()
    kind, filters = RETRIEVABLE[collection]
    return list_view(kind, f"/v1/{collection}", filters, Reader(params()))
