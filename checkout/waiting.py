"""The shopper's side of the queue: a page (and a JSON status) that waits for the Stripe session.

`POST /api/checkout` and the address step answer at once in a rush; when Stripe's session is not
ready within `PLUS_CHECKOUT_WAIT` the browser lands here, is told it is queued and reloads itself
(plain HTML refresh: no script needed) every 1–5 seconds, sooner near the front of the queue, until
the pay page opens. A full queue is answered 503 with `Retry-After` before any stock is held.

The page's reloads (and a script's polls of the JSON status) keep the hold: a queued checkout whose
waiting page stops asking for `PLUS_QUEUE_HOLD_SECONDS` is released (by its queue job when its turn
comes, or by the sweeper, whichever is first), so a shopper who leaves the queue frees the stock
within a minute. The deadline is `expires_at` of the pending checkout, moved on at most twice per
hold period, and not by each reload's own write: a process gathers its waiting pages' "still here"
and writes them in one transaction at most once a second (`Heartbeats`). Hundreds of shoppers in
the queue then cost SQLite's single writer one commit a second, not one each.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import NamedTuple

import stripe
from flask import Blueprint, Flask, abort, current_app, g, jsonify, redirect, render_template
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
FLUSH_EVERY = 1.0  # seconds between a process's writes of its waiting shoppers' holds
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


class Heartbeats:
    """The waiting pages' "still here" of one process, written together at most once every `every` seconds.

    No thread of its own: the first ask (any waiting page's) that finds the last write `every`
    seconds old writes what has gathered since, in one transaction. A shopper's ask is thus written within
    a second or two while the queue is busy, and by their own next ask otherwise: either way long
    before the half hold period that is left when one is needed (the page asks every 1–5 s).
    """

    def __init__(self, every: float = FLUSH_EVERY, clock: Callable[[], float] = time.monotonic):
        self.every = every
        self._clock = clock
        self._due: dict[str, dt.datetime] = {}
        self._written = -every  # the first ask writes at once
        self._lock = threading.Lock()

    def beat(self, database: Database, checkout_id: str | None, until: dt.datetime | None = None) -> None:
        """Keep `checkout_id` held until `until` (written now, or with the next asks' write); None: only write what is due."""
        with self._lock:
            if checkout_id is not None and until is not None:
                self._due[checkout_id] = until
            now = self._clock()
            if not self._due or now - self._written < self.every:
                return
            due, self._due, self._written = self._due, {}, now
        try:
            with database.transaction() as db:
                db.connection().execute(_STILL_HERE, [{"checkout": key, "until": value} for key, value in due.items()])
        except (OperationalError, PoolTimeout) as exc:  # a busy database: written with the next asks (half a hold period is left)
            if not is_busy(exc):
                raise
            log.info("%d waiting shoppers' holds not moved on this time (database busy)", len(due))
            with self._lock:
                for key, value in due.items():
                    self._due.setdefault(key, value)


def get_heartbeats(app: Flask | None = None) -> Heartbeats:
    """The process's heartbeats of the app (made on first use)."""
    app = app or current_app
    with _made:
        found = app.extensions.get("plus_heartbeats")
        if found is None:
            found = app.extensions["plus_heartbeats"] = Heartbeats()
    return found


_made = threading.Lock()


def still_here(database: Database, record: Glimpse, hold: dt.timedelta, now: dt.datetime | None = None) -> None:
    """The waiting shopper asked again: keep their hold `hold` longer (once half of it has passed, with the process's other asks)."""
    now = now or utcnow()
    if record.expires_at - now <= hold / 2:
        get_heartbeats().beat(database, record.id, now + hold)
    else:  # this one is held long enough: it writes the others' if they are due
        get_heartbeats().beat(database, None)


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
        still_here(get_database(), record, dt.timedelta(seconds=current_app.config["PLUS_QUEUE_HOLD_SECONDS"]))
        return "queued", None  # ended meanwhile: the next ask sees it (the write moves only a hold still pending)
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
