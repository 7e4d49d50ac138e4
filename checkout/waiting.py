"""The shopper's side of the queue: a page (and a JSON status) that waits for the Stripe session.

`POST /api/checkout` and the address step answer at once in a rush; when Stripe's session is not
ready within `PLUS_CHECKOUT_WAIT` the browser lands here, is told it is queued and reloads itself
(plain HTML refresh: no script needed) every 1–5 seconds, sooner near the front of the queue, until
the pay page opens. A full queue is answered 503 with `Retry-After` before any stock is held.

The page's reloads (and a script's polls of the JSON status) keep the hold: a queued checkout whose
waiting page stops asking for `PLUS_QUEUE_HOLD_SECONDS` is released (by its queue job when its turn
comes, or by the sweeper, whichever is first), so a shopper who leaves the queue frees the stock
within a minute. The deadline is `expires_at` of the pending checkout, moved on at most twice per
hold period (not on every reload: one write per shopper every few seconds, not every second).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from typing import NamedTuple

import stripe
from flask import Blueprint, abort, current_app, g, jsonify, redirect, render_template
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from .db import Database, get_database, is_busy
from .errors import api_error
from .models import CheckoutSession, utcnow
from .payments import Started, session_lifetime
from .session_queue import QueueFull, get_queue
from .stripe_api import get_stripe

log = logging.getLogger("plus.checkout.waiting")

bp = Blueprint("waiting", __name__)

MAX_REFRESH = 5  # seconds between asks, at most (far back in the queue)
FETCH_SLACK = dt.timedelta(seconds=5)


def busy(full: QueueFull):
    """503 queue_full with Retry-After: answered at once, nothing held."""
    response, status = api_error(503, "queue_full", f"结算的人太多，请{full.retry_after}秒后再试，购物车已为您保留")
    response.headers["Retry-After"] = str(full.retry_after)
    return response, status


def waiting_answer(started: Started) -> dict:
    """The 202 body of a queued checkout: where the browser waits and where a script can poll."""
    return {"id": started.id, "url": started.url, "next": "wait", "status_url": f"/api/checkout/{started.id}"}


_STILL_HERE = (
    update(CheckoutSession)
    .where(CheckoutSession.id == bindparam("checkout"), CheckoutSession.status == "pending", CheckoutSession.stripe_session_id.is_(None))
    .values(expires_at=bindparam("until"))
)
_GLIMPSE = select(
    CheckoutSession.id,
    CheckoutSession.kind,
    CheckoutSession.user_id,
    CheckoutSession.status,
    CheckoutSession.stripe_session_id,
    CheckoutSession.stripe_url,
    CheckoutSession.delivery.is_not(None).label("addressed"),
    CheckoutSession.expires_at,
).where(CheckoutSession.id == bindparam("checkout"))


class Glimpse(NamedTuple):
    """What the waiting page needs of a checkout (read without the ORM: the page is asked every few seconds)."""

    id: str
    kind: str
    user_id: int | None
    status: str
    stripe_session_id: str | None
    stripe_url: str | None
    addressed: bool
    expires_at: dt.datetime


def glimpse(checkout_id: str) -> Glimpse:
    """The order checkout this browser started (404 otherwise, as `own_checkout`); no connection is kept."""
    with get_database().engine.connect() as connection:
        row = connection.execute(_GLIMPSE, {"checkout": checkout_id[:36]}).first() if checkout_id else None
    if row is None or row.kind != "order" or (row.user_id is not None and (g.user is None or g.user.id != row.user_id)):
        abort(404)
    return Glimpse(*row)


def still_here(database: Database, record: Glimpse, hold: dt.timedelta, now: dt.datetime | None = None) -> bool:
    """The waiting shopper asked again: keep their hold `hold` longer (written once half of it has passed); False if it ended."""
    now = now or utcnow()
    if record.expires_at - now > hold / 2:
        return True
    try:
        with database.transaction() as db:
            return db.connection().execute(_STILL_HERE, {"checkout": record.id, "until": now + hold}).rowcount == 1
    except (OperationalError, PoolTimeout) as exc:  # a busy database: the next ask moves it (half a hold period is left)
        if not is_busy(exc):
            raise
        log.info("checkout %s: hold not moved on this time (database busy)", record.id)
        return True


_FETCHED = (
    update(CheckoutSession)
    .where(CheckoutSession.id == bindparam("checkout"), CheckoutSession.status == "open", CheckoutSession.expires_at == bindparam("was"))
    .values(expires_at=bindparam("until"))
)


def fetched(database: Database, record: Glimpse, now: dt.datetime | None = None) -> bool:
    """The shopper's page takes the session the queue opened: from now on it lasts until Stripe's expiry.

    Until then it was held only `PLUS_QUEUE_HOLD_SECONDS` (checkout.payments.create_session): a
    session nobody fetched in time is expired by the sweep, its stock back within the minute.
    False when the database was too busy to say so (the page asks again).
    """
    config = current_app.config
    hold = dt.timedelta(seconds=config["PLUS_QUEUE_HOLD_SECONDS"])
    if record.expires_at - (now or utcnow()) > hold + FETCH_SLACK:
        return True  # handed over already (by the request itself, or an earlier ask)
    until = record.expires_at - hold + session_lifetime(config["PLUS_CHECKOUT_TTL_MINUTES"])
    try:
        with database.transaction() as db:
            db.connection().execute(_FETCHED, {"checkout": record.id, "was": record.expires_at, "until": until})
    except (OperationalError, PoolTimeout) as exc:
        if not is_busy(exc):
            raise
        return False
    return True


def _state(record: Glimpse) -> tuple[str, str | None]:
    """("open", pay URL), ("queued", None) or ("closed", None) for a checkout."""
    if record.status == "open" and record.stripe_session_id:
        if not fetched(get_database(), record):  # busy database: the page asks again in a moment
            return "queued", None
        if record.stripe_url:  # stored by whichever process opened it: no Stripe call on this thread
            return "open", record.stripe_url
        try:  # opened before the URL was stored: Stripe knows it
            session = get_stripe().v1.checkout.sessions.retrieve(record.stripe_session_id)
        except stripe.StripeError as exc:
            log.warning("checkout %s: session %s not retrieved: %s", record.id, record.stripe_session_id, exc)
            return "queued", None
        return ("open", session.url) if session.status == "open" and session.url else ("closed", None)
    if record.status == "pending" and record.addressed:
        hold = dt.timedelta(seconds=current_app.config["PLUS_QUEUE_HOLD_SECONDS"])
        if still_here(get_database(), record, hold):
            return "queued", None
        return _state(glimpse(record.id))  # opened or ended meanwhile: as it is now
    return "closed", None


def refresh_seconds(checkout_id: str) -> int:
    """When the waiting page asks again: half the expected wait for Stripe's turn, 1 to MAX_REFRESH seconds.

    Far back in a long queue a shopper asks every few seconds instead of every second (each ask
    costs the store CPU); near the front, every second. Always often enough to keep the hold.
    """
    hold = float(current_app.config["PLUS_QUEUE_HOLD_SECONDS"])
    longest = max(1, min(MAX_REFRESH, int(hold / 4)))
    return max(1, min(longest, math.ceil(get_queue().eta(checkout_id) / 2)))


@bp.get("/checkout/<checkout_id>/pay")
def pay(checkout_id: str):
    """Go to Stripe's pay page as soon as the session is open; meanwhile a page that reloads itself."""
    record = glimpse(checkout_id)
    state, url = _state(record)
    if state == "open" and url is not None:
        return redirect(url, code=303)
    html = render_template("checkout/waiting.html", state=state, refresh=refresh_seconds(record.id))
    return html, 200 if state == "queued" else 410, {"Cache-Control": "no-store"}


@bp.get("/api/checkout/<checkout_id>")
def status(checkout_id: str):
    """`{"id", "status": "queued"|"open"|"closed", "url"}` of a checkout this browser started (queued: `Retry-After` says when to ask again)."""
    record = glimpse(checkout_id)
    state, url = _state(record)
    response = jsonify({"id": record.id, "status": state, "url": url})
    response.headers["Cache-Control"] = "no-store"
    if state == "queued":
        response.headers["Retry-After"] = str(refresh_seconds(record.id))
    return response
