"""Cancelling a checkout from the pay page: Stripe's session is expired at once and the held stock comes back.

Stripe sends a cancelled shopper to `cancel_url`, which points here (not straight at the cart), so
the units are not held for the rest of the session's lifetime and a retry does not hold a second
lot. Stripe is asked with no transaction open; the release is one short transaction after it.
"""

from __future__ import annotations

import logging

import stripe
from flask import Blueprint, current_app, redirect
from sqlalchemy import update

from catalog.messages import say

from .db import Database, get_database
from .models import CheckoutSession
from .stock import release
from .stripe_api import StripeNotConfigured, get_stripe

log = logging.getLogger("plus.checkout.cancel")

bp = Blueprint("cancel", __name__)

LIVE = ("pending", "open")


def cancel_checkout(database: Database, client: stripe.StripeClient | None, checkout_id: str) -> bool:
    """Expire the checkout's Stripe session, then release its stock; False when it was paid or is unknown."""
    with database.sessions() as db:
        record = db.get(CheckoutSession, checkout_id)
        if record is None or record.kind != "order" or record.status not in LIVE:
            return False
        stripe_id = record.stripe_session_id
    if stripe_id is not None and not _expired_at_stripe(client, stripe_id):
        return False
    with database.transaction() as db:
        current = db.get(CheckoutSession, checkout_id)
        if current is None or current.status not in LIVE:
            return False  # the webhook or the sweeper got there first
        if not release(db, current, "expired"):
            db.execute(
                update(CheckoutSession)
                .where(CheckoutSession.id == checkout_id, CheckoutSession.status.in_(LIVE))
                .values(status="expired")
                .execution_options(synchronize_session=False)
            )
    log.info(say("结账 %s 被顾客取消", "checkout %s cancelled by the shopper"), checkout_id)
    return True


def _expired_at_stripe(client: stripe.StripeClient | None, stripe_id: str) -> bool:
    """Whether Stripe's session can no longer be paid (expired now or before); a paid one keeps its stock."""
    if client is None:
        return False
    try:
        client.v1.checkout.sessions.expire(stripe_id)
        return True
    except stripe.InvalidRequestError:
        # Only open sessions can be expired: find out whether it expired earlier or was paid.
        try:
            return client.v1.checkout.sessions.retrieve(stripe_id).status == "expired"
        except stripe.StripeError as exc:
            log.warning(say("Stripe 付款会话 %s 没能读取：%s", "could not read Stripe session %s: %s"), stripe_id, exc)
            return False
    except stripe.StripeError as exc:
        # The session stays payable; its stock is released when it expires (webhook or sweep).
        log.warning(say("Stripe 付款会话 %s 没能作废：%s", "could not expire Stripe session %s: %s"), stripe_id, exc)
        return False


@bp.get("/checkout/<checkout_id>/cancel")
def cancel(checkout_id: str):
    """Stripe's cancel_url: end the checkout, then back to the cart, which keeps its lines."""
    try:
        client = get_stripe()
    except StripeNotConfigured:
        client = None
    cancel_checkout(get_database(), client, checkout_id[:36])
    return redirect(f"{current_app.config['PLUS_CART_PATH']}?cancelled=1", code=303)
