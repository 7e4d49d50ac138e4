"""Orders: recorded from a completed Checkout Session, at the prices stored when it was created.

The order row is unique per session (a constraint, not a check), and its status only moves
forward (awaiting_payment → paid → shipped → refunded), so replays and late events change nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import stripe
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.messages import say

from . import membership, notices
from .amounts import amount_matches, line_total, log_mismatch
from .charges import blocks_shipping
from .db import Database
from .emails import lookup_form
from .errors import Refusal
from .fulfilment import record_delivery
from .lookups import StripeLookups
from .models import CheckoutSession, Order, OrderLine, ReturnLine, ReturnRequest, order_number, utcnow
from .status import OrderStatus, dispute_label
from .stock import release, take_unconditionally

log = logging.getLogger("plus.checkout.orders")

PAID = ("paid", "no_payment_required")


class OrderError(Refusal):
    """An action an order's state does not allow, with an API code and HTTP status: `message` in zh-CN for
    the shop, the web admin and `plus`; `english` for an operator who chose English (`plus --lang en`)."""

    def __init__(self, status: int, code: str, message: str, english: str):
        super().__init__(status, code, message)
        self.english = english


def find_checkout(db: Session, session: dict) -> CheckoutSession | None:
    """The checkout record a Stripe session belongs to (by our reference, else by Stripe's id)."""
    ref = (session.get("metadata") or {}).get("plus_ref") or session.get("client_reference_id")
    checkout = db.get(CheckoutSession, ref) if ref else None
    if checkout is None and session.get("id"):
        checkout = db.scalar(select(CheckoutSession).where(CheckoutSession.stripe_session_id == session["id"]))
    return checkout


def _payment_intent(session: dict) -> str | None:
    intent = session.get("payment_intent")
    return intent.get("id") if isinstance(intent, dict) else intent


def _stored_email(email: str | None) -> str | None:
    """The buyer's address as Stripe collected it, in the store's normalised form where it has one."""
    return (lookup_form(email) or email[:254]) if email else None


def ensure_order(db: Session, checkout: CheckoutSession, session: dict, now: dt.datetime) -> Order:
    """The order of a completed checkout, created from its stored lines if it does not exist yet."""
    order = db.scalar(select(Order).where(Order.checkout_id == checkout.id))
    if order is not None:
        return order
    details = session.get("customer_details") or {}
    order = Order(
        checkout_id=checkout.id,
        stripe_session_id=session["id"],
        stripe_payment_intent=_payment_intent(session),
        stripe_customer=session.get("customer") if isinstance(session.get("customer"), str) else None,
        user_id=checkout.user_id,
        email=_stored_email(details.get("email") or session.get("customer_email")),
        amount_total=checkout.amount_total,
        currency=checkout.currency,
        member_pricing=checkout.member_pricing,
        catalog_revision=checkout.catalog_revision,
        status=OrderStatus.AWAITING_PAYMENT,
        created_at=now,
        lines=[
            OrderLine(
                product_id=line["product"],
                title=line["title"],
                quantity=int(line["quantity"]),
                unit_price=Decimal(line["unit_price"]),
                basis=line["basis"],
                line_total=line_total(line),
            )
            for line in checkout.lines
        ],
    )
    record_delivery(db, order, checkout, session)
    db.add(order)
    db.flush()  # a concurrent twin fails here on the unique constraint; the caller retries
    log.info(say("订单 %s 已记录（付款会话 %s）", "order %s recorded for session %s"), order.number, session["id"])
    return order


def _complete(db: Session, checkout: CheckoutSession, session: dict, event_type: str, now: dt.datetime) -> str:
    if not checkout.stock_held and checkout.status in ("expired", "failed"):
        log.warning(
            say("结账 %s 在库存释放之后才付款：仍算作已售出", "checkout %s was paid after its stock was released: counting it as sold"),
            checkout.id,
        )
        take_unconditionally(db, checkout.lines)
        checkout.stock_held = True
    checkout.status = "complete"
    order = ensure_order(db, checkout, session, now)
    if not order.stripe_payment_intent:
        order.stripe_payment_intent = _payment_intent(session)
    if event_type == "checkout.session.async_payment_failed":
        if order.status == OrderStatus.AWAITING_PAYMENT:
            order.status = OrderStatus.PAYMENT_FAILED
            release(db, checkout, "complete")
        return order.status
    if session.get("payment_status") in PAID and order.status in (OrderStatus.AWAITING_PAYMENT, OrderStatus.PAYMENT_FAILED):
        if not amount_matches(checkout, session):
            log_mismatch(checkout, session)
            order.status = OrderStatus.AMOUNT_MISMATCH
            return order.status
        order.status, order.paid_at = OrderStatus.PAID, now
        notices.order_paid(db, order)  # in this transaction: the mail exists exactly when the payment is recorded
    return order.status


def apply_session_event(
    db: Session, event_type: str, session: dict, *, lookups: StripeLookups | None, now: dt.datetime | None = None
) -> str:
    """Apply a checkout.session.* event to the checkout and its order; returns what happened."""
    now = now or utcnow()
    checkout = find_checkout(db, session)
    if checkout is None:
        log.warning(say("付款会话 %s 不是本店发起的：忽略", "session %s was not started by this store: ignored"), session.get("id"))
        return "unknown_session"
    if checkout.stripe_session_id is None:
        checkout.stripe_session_id = session["id"]
    contradicts = (checkout.status == "expired" and session.get("status") == "complete") or (
        checkout.status == "complete" and session.get("status") == "expired"
    )
    if contradicts and lookups is not None and lookups.client is not None:
        # Out of order or a sweep raced the payment: Stripe's current object decides.
        session = lookups.session(session["id"])
    if checkout.kind == "membership":
        return membership.apply_checkout(db, checkout, session, event_type=event_type, lookups=lookups, now=now)
    if session.get("status") == "expired":
        if checkout.status == "complete":
            return "already_complete"
        if not release(db, checkout, "expired"):
            checkout.status = "expired"
        return "expired"
    if session.get("status") == "complete":
        return _complete(db, checkout, session, event_type, now)
    return "ignored"


def ship(db: Session, order_id: int, *, carrier: str | None = None, tracking: str | None = None, now: dt.datetime | None = None) -> Order:
    """Mark a paid order shipped (again: updates the tracking of a shipped one)."""
    order = get_order(db, order_id)
    if order.status not in (OrderStatus.PAID, OrderStatus.SHIPPED):
        raise OrderError(
            409,
            "not_shippable",
            f"订单 {order.number} 当前状态为{OrderStatus(order.status).label}，不能发货",
            f"order {order.number} is {order.status}: it cannot be shipped",
        )
    if blocks_shipping(order):
        raise OrderError(
            409,
            "disputed",
            f"订单 {order.number} 的付款正被银行争议（{dispute_label(order.dispute_status)}），争议了结前不能发货",
            f"the payment of order {order.number} is disputed at the bank ({order.dispute_status}): it cannot ship until that is settled",
        )
    shipped_at = order.shipped_at or now or utcnow()
    parcel = packing_list(db, order, shipped_at)
    if order.status == OrderStatus.PAID and not any(units for _, units, _ in parcel):
        raise OrderError(
            409,
            "nothing_to_ship",
            f"订单 {order.number} 的商品已全部退货退款，无需发货",
            f"every item of order {order.number} was returned and refunded: nothing to ship",
        )
    correcting = order.status == OrderStatus.SHIPPED
    order.status = OrderStatus.SHIPPED
    order.shipped_at = shipped_at
    order.carrier = carrier or order.carrier
    order.tracking = tracking or order.tracking
    notices.order_shipped(db, order, parcel, correcting=correcting)
    return order


def packing_list(db: Session, order: Order, shipped_at: dt.datetime) -> list[tuple[str, int, int]]:
    """(title, units that go out, units cancelled) per line: cancelled = refunded by returns asked before `shipped_at`.

    What the operator packs and the shipped mail lists: a unit the buyer cancelled before shipping
    and got back the money for is not sent.
    """
    cancelled = dict(
        db.execute(
            select(ReturnLine.order_line_id, func.sum(ReturnLine.quantity))
            .join(ReturnRequest, ReturnRequest.id == ReturnLine.return_id)
            .where(ReturnRequest.order_id == order.id, ReturnRequest.status == "refunded", ReturnRequest.requested_at < shipped_at)
            .group_by(ReturnLine.order_line_id)
        ).all()
    )
    parcel = []
    for line in order.lines:
        gone = min(line.quantity, int(cancelled.get(line.id) or 0))
        parcel.append((line.title, line.quantity - gone, gone))
    return parcel


def refund(database: Database, order_id: int, *, client: stripe.StripeClient, now: dt.datetime | None = None) -> Order:
    """Refund an order in full through Stripe; a second call changes nothing.

    Stripe is called outside any database transaction (no lock is held while waiting for it);
    the idempotency key per order makes a retried call return the same refund.
    """
    with database.sessions() as db:
        order = get_order(db, order_id)
        if order.status == OrderStatus.REFUNDED:
            return order
        refundable = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.AMOUNT_MISMATCH)
        if order.status not in refundable or not order.stripe_payment_intent:
            raise OrderError(
                409,
                "not_refundable",
                f"订单 {order.number} 当前状态为{OrderStatus(order.status).label}，不能退款",
                f"order {order.number} is {order.status}: it cannot be refunded",
            )
    try:
        result = client.v1.refunds.create(
            {"payment_intent": order.stripe_payment_intent, "metadata": {"order": order.number}},
            {"idempotency_key": f"plus-refund-{order.id}"},
        )
    except stripe.StripeError as exc:
        log.error(say("Stripe 拒绝了 %s 的退款：%s", "Stripe refused the refund of %s: %s"), order.number, exc)
        raise OrderError(
            502,
            "refund_failed",
            "退款未成功：支付服务拒绝或不可用",
            "the refund did not go through: the payment service refused it or is down",
        ) from exc
    with database.transaction() as db:
        order = get_order(db, order_id)
        order.stripe_refund_id = order.stripe_refund_id or result.id  # also when charge.refunded got here first
        if order.status != OrderStatus.REFUNDED:
            order.status, order.refunded_at = OrderStatus.REFUNDED, now or utcnow()
            order.refunded_amount = order.amount_total
            notices.order_refunded(db, order)
            log.info(say("订单 %s 已退款（%s）", "order %s refunded (%s)"), order.number, result.id)
    return order


def get_order(db: Session, order_id: int) -> Order:
    """An order by id, or OrderError 404."""
    order = db.get(Order, order_id) if 0 < order_id < 2**31 else None
    if order is None:
        raise OrderError(404, "order_not_found", f"订单 {order_number(order_id)} 不存在", f"order {order_number(order_id)} does not exist")
    return order
