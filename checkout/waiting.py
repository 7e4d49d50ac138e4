"""The shopper's side of the queue: a page (and a JSON status) that waits for the Stripe session.

`POST /api/checkout` and the address step answer at once in a rush; when Stripe's session is not
ready within `PLUS_CHECKOUT_WAIT` the browser lands here, is told it is queued and reloads itself
(plain HTML refresh: no script needed) when about three quarters of its expected wait have passed
(its place in the queue ÷ the Stripe pace, 1 s to a quarter of the hold, at most MAX_REFRESH),
until the pay page opens: a queue of a thousand asks a few times each, not every second. The 202 answer's URLs carry the
expected turn (`?turn=`, epoch seconds) for the other processes, which do not know the place.
A full queue is answered 503 with `Retry-After` before any stock is held.

The page's reloads (and a script's polls of the JSON status) keep the hold: a queued checkout whose
waiting page stops asking for `PLUS_QUEUE_HOLD_SECONDS` past the time it was told to ask again is
released (by its queue job when its turn comes, or by the sweeper, whichever is first), so a shopper
who leaves the queue frees the stock within a minute. The deadline is `expires_at` of the pending
checkout, moved on about twice per hold period, and not by each reload's own write: a process
gathers its waiting pages' "still here" and writes them in one transaction at most once a second
(`Heartbeats`). Hundreds of shoppers in the queue then cost SQLite's single writer one commit a
second, not one each.

The JSON status is the cheap request: no account is loaded (the session's login is checked against
the checkout's owner in the same statement), no limiter, no cookie written.
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
from flask import Blueprint, Flask, abort, current_app, jsonify, redirect, render_template, request, session
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from catalog.messages import say

from .auth import light
from .db import Database, get_database, is_busy
from .errors import api_error
from .models import CheckoutSession, User, utcnow
from .payments import Started, session_lifetime
from .session_queue import QueueFull, get_queue
from .stripe_api import get_stripe

log = logging.getLogger("plus.checkout.waiting")

bp = Blueprint("waiting", __name__)

MAX_REFRESH = 15  # seconds between asks, at most (far back in the queue)
SOONER = 0.75  # asks again when this share of the expected wait has passed
FLUSH_EVERY = 1.0  # seconds between a process's writes of its waiting shoppers' holds
FETCH_SLACK = dt.timedelta(seconds=5)


def busy(full: QueueFull):
    """503 queue_full with Retry-After: answered at once, nothing held."""
    response, status = api_error(503, "queue_full", f"结算的人太多，请{full.retry_after}秒后再试，购物车已为您保留")
    response.headers["Retry-After"] = str(full.retry_after)
    return response, status


def waiting_answer(started: Started) -> dict:
    """The 202 body of a queued checkout: where the browser waits and where a script can poll (both with the expected turn)."""
    turn = f"?turn={math.ceil(time.time() + get_queue().eta(started.id))}"
    return {"id": started.id, "url": started.url + turn, "next": "wait", "status_url": f"/api/checkout/{started.id}{turn}"}


def asked_turn() -> float | None:
    """The expected turn the asking URL carries (epoch seconds), or None (none, or not a time within the hour)."""
    try:
        turn = float(request.args.get("turn", ""))
    except ValueError:
        return None
    return turn if turn <= time.time() + 3600 else None  # NaN and infinity are not


_STILL_HERE = (
    update(CheckoutSession)
    .where(CheckoutSession.id == bindparam("checkout"), CheckoutSession.status == "pending", CheckoutSession.stripe_session_id.is_(None))
    .values(expires_at=bindparam("until"))
)
_GLIMPSE = (
    select(
        CheckoutSession.id,
        CheckoutSession.kind,
        CheckoutSession.user_id,
        CheckoutSession.status,
        CheckoutSession.stripe_session_id,
        CheckoutSession.stripe_url,
        CheckoutSession.delivery.is_not(None).label("addressed"),
        CheckoutSession.expires_at,
        User.session_epoch,
    )
    .outerjoin(User, User.id == CheckoutSession.user_id)
    .where(CheckoutSession.id == bindparam("checkout"))
)


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
    """The order checkout this browser started (404 otherwise, as `own_checkout`); no connection is kept.

    A member's checkout is shown to the login that started it: the session's account and its
    `session_epoch` (a log-out everywhere or a password reset ends it), read with the checkout
    in one statement instead of loading the account first (`checkout.auth.load_user`).
    """
    with get_database().engine.connect() as connection:
        row = connection.execute(_GLIMPSE, {"checkout": checkout_id[:36]}).first() if checkout_id else None
    if row is None or row.kind != "order":
        abort(404)
    if row.user_id is not None and (session.get("uid") != row.user_id or session.get("epoch") != row.session_epoch):
        abort(404)
    return Glimpse(*row[:-1])


class Heartbeats:
    """The waiting pages' "still here" of one process, written together at most once every `every` seconds.

    The first ask (any waiting page's) that finds the last write `every` seconds old writes what has
    gathered since, in one transaction; what gathers in between is written by a timer `every` seconds
    later if no ask came first. A shopper's ask is thus written within a second or two, long before
    the hold it moves on is needed (`still_here` keeps it a hold period past the next ask).
    """

    def __init__(self, every: float = FLUSH_EVERY, clock: Callable[[], float] = time.monotonic):
        self.every = every
        self._clock = clock
        self._due: dict[str, dt.datetime] = {}
        self._written = -every  # the first ask writes at once
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def beat(self, database: Database, checkout_id: str | None, until: dt.datetime | None = None) -> None:
        """Keep `checkout_id` held until `until` (written now, or within `every` seconds); None: only write what is due."""
        with self._lock:
            if checkout_id is not None and until is not None:
                self._due[checkout_id] = until
            now = self._clock()
            if not self._due:
                return
            if now - self._written < self.every:
                self._write_later(database)
                return
            due, self._due, self._written = self._due, {}, now
        try:
            with database.writing() as connection:
                connection.execute(_STILL_HERE, [{"checkout": key, "until": value} for key, value in due.items()])
        except (OperationalError, PoolTimeout) as exc:  # a busy database: written next time (a hold period is left)
            if not is_busy(exc):
                raise
            log.info(
                say("%d 位排队顾客的保留这次没有顺延（数据库忙）", "%d waiting shoppers' holds not moved on this time (database busy)"),
                len(due),
            )
            with self._lock:
                for key, value in due.items():
                    self._due.setdefault(key, value)
                self._write_later(database)

    def _write_later(self, database: Database) -> None:
        """Write what is due in `every` seconds unless an ask does it first (called with the lock held)."""
        if self._timer is None:
            self._timer = threading.Timer(self.every, self._timed, (database,))
            self._timer.daemon = True
            self._timer.start()

    def _timed(self, database: Database) -> None:
        with self._lock:
            self._timer = None
        try:
            self.beat(database, None)
        except Exception:  # a database closed under a stopping app: those shoppers' holds end with their hold period
            log.exception(say("排队顾客的保留没有写入", "waiting shoppers' holds not written"))


def get_heartbeats(app: Flask | None = None) -> Heartbeats:
    """The process's heartbeats of the app (made on first use)."""
    app = app or current_app
    with _made:
        found = app.extensions.get("plus_heartbeats")
        if found is None:
            found = app.extensions["plus_heartbeats"] = Heartbeats()
    return found


_made = threading.Lock()


def still_here(database: Database, record: Glimpse, hold: dt.timedelta, refresh: int, now: dt.datetime | None = None) -> None:
    """The waiting shopper asked again and will again in `refresh` s: keep the hold `hold` past that (written with the others' asks)."""
    now = now or utcnow()
    then = dt.timedelta(seconds=refresh)
    if record.expires_at - now <= then + hold / 2:
        get_heartbeats().beat(database, record.id, now + then + hold)
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
    now = now or utcnow()
    if record.expires_at - now > hold + FETCH_SLACK:
        return True  # handed over already (by the request itself, or an earlier ask)
    # Stripe's expiry is its lifetime from when the session opened, a moment (at most a poll) before now: the sweep
    # asks Stripe that much later, never sooner (the stored hold no longer tells when it opened: it keeps the last ask's)
    until = now + session_lifetime(config["PLUS_CHECKOUT_TTL_MINUTES"])
    try:
        with database.writing() as connection:
            connection.execute(_FETCHED, {"checkout": record.id, "was": record.expires_at, "until": until})
    except (OperationalError, PoolTimeout) as exc:
        if not is_busy(exc):
            raise
        return False
    return True


def _state(record: Glimpse, refresh: int) -> tuple[str, str | None]:
    """("open", pay URL), ("queued", None) or ("closed", None) for a checkout (queued: asked again in `refresh` s)."""
    if record.status == "open" and record.stripe_session_id:
        if not fetched(get_database(), record):  # busy database: the page asks again in a moment
            return "queued", None
        if record.stripe_url:  # stored by whichever process opened it: no Stripe call on this thread
            return "open", record.stripe_url
        try:  # opened before the URL was stored: Stripe knows it
            session = get_stripe().v1.checkout.sessions.retrieve(record.stripe_session_id)
        except stripe.StripeError as exc:
            log.warning(
                say("结账 %s：付款会话 %s 没能读取：%s", "checkout %s: session %s not retrieved: %s"),
                record.id,
                record.stripe_session_id,
                exc,
            )
            return "queued", None
        return ("open", session.url) if session.status == "open" and session.url else ("closed", None)
    if record.status == "pending" and record.addressed:
        still_here(get_database(), record, dt.timedelta(seconds=current_app.config["PLUS_QUEUE_HOLD_SECONDS"]), refresh)
        return "queued", None  # ended meanwhile: the next ask sees it (the write moves only a hold still pending)
    return "closed", None


def refresh_seconds(checkout_id: str, turn: float | None = None) -> int:
    """When the waiting page asks again: when SOONER of the expected wait for Stripe's turn has passed, 1 to MAX_REFRESH s.

    Far back in a long queue a shopper asks every 15 seconds, then sooner and sooner, then every
    second near the front: a few asks each (every ask costs the store CPU). The hold is kept that
    long past each ask (`still_here`), so a long wait never loses it; and at most a quarter of the
    hold: a session the queue opened sooner than expected waits only the hold for its page, and a
    queued checkout's first hold runs from its creation, while in a rush the 202 and the next ask
    may each wait seconds for a thread (1 of 1,000 shoppers lost their hold with half of it).
    """
    longest = min(MAX_REFRESH, current_app.config["PLUS_QUEUE_HOLD_SECONDS"] / 4)
    return max(1, min(int(longest), math.ceil(get_queue().eta(checkout_id, turn) * SOONER)))


@bp.get("/checkout/<checkout_id>/pay")
def pay(checkout_id: str):
    """Go to Stripe's pay page as soon as the session is open; meanwhile a page that reloads itself."""
    record = glimpse(checkout_id)
    refresh = refresh_seconds(record.id, asked_turn())
    state, url = _state(record, refresh)
    if state == "open" and url is not None:
        return redirect(url, code=303)
    html = render_template("checkout/waiting.html", state=state, refresh=refresh)
    return html, 200 if state == "queued" else 410, {"Cache-Control": "no-store"}


@bp.get("/api/checkout/<checkout_id>")
@light
def status(checkout_id: str):
    """`{"id", "status": "queued"|"open"|"closed", "url"}` of a checkout this browser started (queued: `Retry-After` says when to ask again)."""
    record = glimpse(checkout_id)
    refresh = refresh_seconds(record.id, asked_turn())
    state, url = _state(record, refresh)
    response = jsonify({"id": record.id, "status": state, "url": url})
    response.headers["Cache-Control"] = "no-store"
    if state == "queued":
        response.headers["Retry-After"] = str(refresh)
    return response
