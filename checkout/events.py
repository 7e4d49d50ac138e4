"""Stripe webhook events: verify, record once by id, apply, all in one transaction.

The event id is the primary key of the ledger, so a replay, a retry after a lost answer or two
simultaneous deliveries apply an event once. The ledger row commits with the event's effects:
an event that failed half-way is not recorded and Stripe's retry applies it again.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

import stripe
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.messages import say

from . import membership
from .charges import CHARGE_EVENTS, apply_charge_event
from .db import Database
from .lookups import StripeLookups, apply_with_lookups
from .models import WebhookEvent, utcnow
from .orders import apply_session_event

log = logging.getLogger("plus.checkout.events")

SESSION_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}
SUBSCRIPTION_EVENTS = {"customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted"}
INVOICE_EVENTS = {"invoice.paid"}
HANDLED = SESSION_EVENTS | SUBSCRIPTION_EVENTS | INVOICE_EVENTS | CHARGE_EVENTS
ATTEMPTS = 4


class BadSignature(ValueError):
    """The payload is not signed by our webhook secret, or its timestamp is out of bounds."""


def verify(payload: bytes, header: str | None, secret: str, *, tolerance: int, now: float | None = None) -> dict:
    """The event, if Stripe signed it with `secret` no more than `tolerance` seconds away from now."""
    try:
        stripe.Webhook.construct_event(payload, header, secret, tolerance=tolerance)
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise BadSignature(str(exc)) from exc
    # The library refuses old timestamps only; a signed timestamp far ahead is refused here.
    stamps = [part[2:] for part in (header or "").split(",") if part.startswith("t=")]
    now = time.time() if now is None else now
    if not stamps or not stamps[0].isdigit() or int(stamps[0]) > now + tolerance:
        raise BadSignature("timestamp is in the future")
    event = json.loads(payload)
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        raise BadSignature("not an event")
    return event


_RECORDED = select(WebhookEvent.id).where(WebhookEvent.id == bindparam("event"))


def recorded(database: Database, event_id: str) -> bool:
    """Whether the event was applied already, read without a write transaction (SQLite's one write lock is not asked for)."""
    with database.engine.connect() as connection:
        return connection.execute(_RECORDED, {"event": event_id}).first() is not None


def _first_delivery(db: Session, event: dict) -> bool:
    if db.get(WebhookEvent, event["id"]) is not None:
        return False
    obj = (event.get("data") or {}).get("object") or {}
    db.add(
        WebhookEvent(
            id=event["id"], type=event["type"], object_id=obj.get("id"), created=int(event.get("created") or 0), received_at=utcnow()
        )
    )
    db.flush()
    return True


def _apply(db: Session, event: dict, lookups: StripeLookups, now: dt.datetime) -> str:
    kind, obj = event["type"], event["data"]["object"]
    if kind in SESSION_EVENTS:
        return apply_session_event(db, kind, obj, lookups=lookups, now=now)
    if kind in CHARGE_EVENTS:
        return apply_charge_event(db, kind, obj, created=int(event.get("created") or 0), now=now)
    if lookups.client is None:
        raise RuntimeError("a Stripe client is needed to apply subscription events")
    if kind in SUBSCRIPTION_EVENTS:
        membership.apply_subscription_event(db, obj, created=int(event.get("created") or 0), lookups=lookups, now=now)
        return "synced"
    membership.apply_invoice_paid(db, obj, lookups=lookups, now=now)
    return "synced"


def _record_and_apply(db: Session, lookups: StripeLookups, event: dict, now: dt.datetime) -> str:
    if not _first_delivery(db, event):
        return "duplicate"
    return _apply(db, event, lookups, now)


def handle(database: Database, event: dict, client: stripe.StripeClient | None, *, now: dt.datetime | None = None) -> str:
    """Apply a verified event exactly once; returns the outcome ("duplicate" for a replay).

    Stripe is never called inside the transaction: what the event needs from Stripe is fetched
    between attempts (checkout/lookups.py), so the write lock is held for milliseconds.
    """
    if event["type"] not in HANDLED:
        return "ignored"
    if recorded(database, event["id"]):  # a retry or a replay: no write turn taken (the transaction checks again)
        return "duplicate"
    lookups = StripeLookups(client)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return apply_with_lookups(database, lookups, lambda db, found: _record_and_apply(db, found, event, now or utcnow()))
        except IntegrityError:
            # A simultaneous delivery of this event (or of a sibling about the same session)
            # committed first; the next attempt sees its rows.
            log.info(
                say("Stripe 通知 %s 与同时送达的同一通知冲突（第 %d 次尝试）", "event %s collided with a concurrent delivery (attempt %d)"),
                event["id"],
                attempt,
            )
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def postpone_overlapping_charges(database: Database, event: dict, client: stripe.StripeClient | None) -> int:
    """After a membership event (applied now or before: a replay too), move a card's next charge past the prepaid time.

    Runs with no transaction open, as its own step: a Stripe error here leaves the event recorded, and
    Stripe's retry (a duplicate) runs this step again.
    """
    if client is None or event["type"] not in SESSION_EVENTS | SUBSCRIPTION_EVENTS | INVOICE_EVENTS:
        return 0
    with database.sessions() as db:
        user_id = membership.member_of_event(db, (event.get("data") or {}).get("object") or {})
    if user_id is None:
        return 0
    return membership.postpone_charges(database, user_id, client=client)
