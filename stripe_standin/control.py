"""Test-only `/_standin` endpoints: delivery log, resend, sweep, clock, subscription renewal and lapse."""

from __future__ import annotations

from flask import Blueprint, request

from . import billing
from .api import json_response, load, standin
from .errors import invalid
from .store import public
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
