"""The shopper's side of the queue: a page (and a JSON status) that waits for the Stripe session.

`POST /api/checkout` and the address step answer at once in a rush; when Stripe's session is not
ready within `PLUS_CHECKOUT_WAIT` the browser lands here, is told it is queued and reloads every
second until the pay page opens (plain HTML refresh: no script needed). A full queue is answered
503 with `Retry-After` before any stock is held.
"""

from __future__ import annotations

import logging

import stripe
from flask import Blueprint, jsonify, redirect, render_template

from .delivery_step import own_checkout
from .errors import api_error
from .models import CheckoutSession
from .payments import Started
from .session_queue import QueueFull
from .stripe_api import get_stripe

log = logging.getLogger("plus.checkout.waiting")

bp = Blueprint("waiting", __name__)

REFRESH_SECONDS = 1


def busy(full: QueueFull):
    """503 queue_full with Retry-After: answered at once, nothing held."""
    response, status = api_error(503, "queue_full", f"结算的人太多，请{full.retry_after}秒后再试，购物车已为您保留")
    response.headers["Retry-After"] = str(full.retry_after)
    return response, status


def waiting_answer(started: Started) -> dict:
    """The 202 body of a queued checkout: where the browser waits and where a script can poll."""
    return {"id": started.id, "url": started.url, "next": "wait", "status_url": f"/api/checkout/{started.id}"}


def _state(record: CheckoutSession) -> tuple[str, str | None]:
    """("open", pay URL), ("queued", None) or ("closed", None) for a checkout."""
    if record.status == "open" and record.stripe_session_id:
        if record.stripe_url:  # stored by whichever process opened it: no Stripe call on this thread
            return "open", record.stripe_url
        try:  # opened before the URL was stored: Stripe knows it
            session = get_stripe().v1.checkout.sessions.retrieve(record.stripe_session_id)
        except stripe.StripeError as exc:
            log.warning("checkout %s: session %s not retrieved: %s", record.id, record.stripe_session_id, exc)
            return "queued", None
        return ("open", session.url) if session.status == "open" and session.url else ("closed", None)
    if record.status == "pending" and record.delivery is not None:
        return "queued", None
    return "closed", None


@bp.get("/checkout/<checkout_id>/pay")
def pay(checkout_id: str):
    """Go to Stripe's pay page as soon as the session is open; meanwhile a page that reloads itself."""
    record = own_checkout(checkout_id)
    state, url = _state(record)
    if state == "open" and url is not None:
        return redirect(url, code=303)
    html = render_template("checkout/waiting.html", record=record, state=state, refresh=REFRESH_SECONDS)
    return html, 200 if state == "queued" else 410, {"Cache-Control": "no-store"}


@bp.get("/api/checkout/<checkout_id>")
def status(checkout_id: str):
    """`{"id", "status": "queued"|"open"|"closed", "url"}` of a checkout this browser started."""
    record = own_checkout(checkout_id)
    state, url = _state(record)
    response = jsonify({"id": record.id, "status": state, "url": url})
    response.headers["Cache-Control"] = "no-store"
    if state == "queued":
        response.headers["Retry-After"] = str(REFRESH_SECONDS)
    return response
