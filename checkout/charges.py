"""Refunds and disputes made at Stripe (the Dashboard, the bank) reach the order through the webhook.

`charge.refunded` carries the charge's cumulative `amount_refunded`, so applying the largest seen
is idempotent and safe out of order. A full refund makes the order `refunded` (and mails the
buyer through the outbox); a partial one keeps its status and records the amount. Dispute events
set `dispute_status` unless a newer dispute event was applied already; an open dispute blocks
shipping (checkout.orders.ship).
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.messages import say
from catalog.pricing import from_fen

from . import notices
from .models import Order
from .status import OrderStatus, dispute_label

log = logging.getLogger("plus.checkout.charges")

CHARGE_EVENTS = {"charge.refunded", "charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed"}
# A dispute the bank has not decided for the store: the goods must not leave.
SHIP_ALLOWED_AFTER = {"won", "warning_closed"}


class OrderNotYet(Exception):
    """The event is about a payment whose order is not recorded yet: Stripe retries it later."""


def blocks_shipping(order: Order) -> bool:
    """Whether a dispute stops this order from shipping."""
    return order.dispute_status is not None and order.dispute_status not in SHIP_ALLOWED_AFTER


def _order_of(db: Session, payment_intent: object) -> Order:
    order = db.scalar(select(Order).where(Order.stripe_payment_intent == payment_intent)) if isinstance(payment_intent, str) else None
    if order is None:
        raise OrderNotYet(str(payment_intent))
    return order


def apply_charge_event(db: Session, kind: str, obj: dict, *, created: int, now: dt.datetime) -> str:
    """Apply a refund or dispute event to its order; OrderNotYet when the order is not recorded yet."""
    order = _order_of(db, obj.get("payment_intent"))
    if kind == "charge.refunded":
        return record_refunded_charge(db, order, obj, now)
    if created < order.dispute_synced_at:
        return "stale"
    order.dispute_synced_at = created
    order.dispute_status = status = str(obj.get("status") or "needs_response")[:32]
    log.warning(
        say("订单 %s：付款争议 %s，%s", "order %s: dispute %s is %s"), order.number, obj.get("id"), say(dispute_label(status), status)
    )
    return f"dispute_{status}"


def record_refunded_charge(db: Session, order: Order, charge: dict, now: dt.datetime) -> str:
    """Apply a charge's cumulative `amount_refunded` to its order (from the event, or read after our own refund)."""
    amount = from_fen(int(charge.get("amount_refunded") or 0))
    if amount > order.refunded_amount:
        order.refunded_amount = amount
    if charge.get("refunded") or order.refunded_amount >= order.amount_total:
        if order.status != OrderStatus.REFUNDED:
            order.status, order.refunded_at = OrderStatus.REFUNDED, now
            notices.order_refunded(db, order)
        return "refunded"
    return "partly_refunded"
