"""Test-only `/_standin` endpoints: delivery log, resend, sweep, clock, subscription renewal and lapse."""

from __future__ import annotations

from flask import Blueprint, request

from . import billing
from .api import json_response, load, standin
from .errors import invalid
from .store import new_id, public
from .webhooks import Endpoint

bp = Blueprint("standin_control", __name__, url_prefix="/_standin")


@bp.get("/")
def info():
    """What the stand-in is configured with (endpoint URLs, never secrets) and how much is pending."""
    st = standin()
    return json_response(
        {
            "object": "standin",
            "webhook_endpoints": sorted(st.webhooks.endpoints),
            "pending_deliveries": st.webhooks.pending(),
            "now": st.clock.now(),
        }
    )


@bp.get("/events")
def deliveries():
    """The webhook delivery log, newest first (`?event=evt_…` for one event)."""
    return json_response({"object": "list", "data": standin().webhooks.attempts(request.args.get("event"))})


@bp.post("/events/<event_id>/resend")
def resend(event_id):
    """Deliver an event again to every endpoint (replay tests)."""
    load("event", event_id)
    return json_response({"event": event_id, "queued": standin().webhooks.resend(event_id)})


@bp.post("/flush")
def flush():
    """Wait (up to `timeout` seconds) until no delivery is due."""
    idle = standin().webhooks.wait_idle(float(request.values.get("timeout", 10)))
    return json_response({"idle": idle, "pending": standin().webhooks.pending()})


@bp.post("/sweep")
def sweep():
    """Expire sessions past `expires_at` and settle due delayed payments now."""
    return json_response(standin().sweep())


@bp.post("/clock")
def advance_clock():
    """Move the stand-in's clock forward by `advance` seconds (never back), then sweep."""
    seconds = request.values.get("advance", "0")
    if not seconds.isdigit():
        raise invalid("advance must be a whole number of seconds", "advance")
    st = standin()
    with st.store.transaction():  # the sweeper thread waits: what falls due now is renewed, and counted, here
        now = st.clock.advance(int(seconds))
        return json_response({"now": now, **st.sweep()})


@bp.post("/webhook_endpoints")
def add_endpoint():
    """Send future events to one more endpoint (`url`, `secret`)."""
    url, secret = request.values.get("url", ""), request.values.get("secret", "")
    if not url.startswith(("http://", "https://")) or not secret:
        raise invalid("url (http/https) and secret are required", "url")
    standin().webhooks.add_endpoint(Endpoint(url, secret))
    return json_response({"url": url})


@bp.post("/subscriptions/<subscription_id>/renew")
def renew(subscription_id):
    """Bill the next period: `invoice.paid` and `customer.subscription.updated`."""
    with standin().store.transaction():
        subscription = billing.renew(standin(), load("subscription", subscription_id))
    return json_response(public(subscription))


@bp.post("/subscriptions/<subscription_id>/lapse")
def lapse(subscription_id):
    """Fail the renewal and end the subscription: `invoice.payment_failed`, `customer.subscription.deleted`."""
    with standin().store.transaction():
        subscription = billing.lapse(standin(), load("subscription", subscription_id))
    return json_response(public(subscription))


DISPUTE_ENDINGS = ("won", "lost", "warning_closed")


@bp.post("/charges/<charge_id>/dispute")
def dispute(charge_id):
    """The buyer's bank disputes a charge: a dispute (`needs_response`) and `charge.dispute.created`."""
    st = standin()
    with st.store.transaction():
        charge = load("charge", charge_id)
        found = {
            "id": new_id("dp_test"),
            "object": "dispute",
            "amount": charge["amount"],
            "charge": charge["id"],
            "payment_intent": charge["payment_intent"],
            "currency": charge["currency"],
            "reason": request.values.get("reason", "fraudulent"),
            "status": "needs_response",
            "created": st.clock.now(),
            "livemode": False,
            "metadata": {},
        }
        charge["disputed"] = True
        st.store.save(found)
        st.store.save(charge)
        st.webhooks.emit("charge.dispute.created", found)
    return json_response(public(found))


@bp.post("/disputes/<dispute_id>/close")
def close_dispute(dispute_id):
    """The bank decides (`?status=won|lost|warning_closed`): `charge.dispute.closed`."""
    status = request.values.get("status", "won")
    if status not in DISPUTE_ENDINGS:
        raise invalid(f"status must be one of {', '.join(DISPUTE_ENDINGS)}", "status")
    st = standin()
    with st.store.transaction():
        found = load("dispute", dispute_id)
        previous = {"status": found["status"]}
        found["status"] = status
        st.store.save(found)
        st.webhooks.emit("charge.dispute.closed", found, previous=previous)
    return json_response(public(found))
