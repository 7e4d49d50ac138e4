"""`/account/orders/<number>`: one order's lines, fee, address, timeline and payment method.

A member opens their own orders logged in; a guest opens the signed link of the confirmation mail.
The page shows a name, a mobile and an address: it is never cached.
"""

from __future__ import annotations

import datetime as dt
import logging

import stripe
from flask import Blueprint, abort, g, make_response, redirect, render_template, request, url_for
from sqlalchemy import update

from .db import get_database, get_db
from .fulfilment import order_address
from .links import read_order_token
from .models import Order
from .notices import BASIS_LABELS, PAYMENT_LABELS, order_subtotal
from .status import OrderStatus
from .stripe_api import StripeNotConfigured, as_dict, get_stripe

log = logging.getLogger("plus.checkout.order_pages")

bp = Blueprint("order_pages", __name__, url_prefix="/account/orders")


def _order_by_number(number: str) -> Order | None:
    digits = number.upper().removeprefix("PLUS")
    if not digits.isdigit() or not 0 < int(digits) < 2**31:
        return None
    return get_db().get(Order, int(digits))


def _may_see(order: Order) -> bool:
    if g.user is not None and order.user_id == g.user.id:
        return True
    token = request.args.get("t", "")[:400]
    return bool(token) and read_order_token(token, order.id, order.email)


def timeline(order: Order) -> list[tuple[str, dt.datetime | None, str]]:
    """(what, when, detail) for each step the order went through."""
    steps: list[tuple[str, dt.datetime | None, str]] = [("下单", order.created_at, "")]
    if order.paid_at:
        steps.append(("已付款", order.paid_at, ""))
    if order.status == OrderStatus.PAYMENT_FAILED:
        steps.append(("付款失败", None, "请重新下单"))
    if order.shipped_at:
        steps.append(("已发货", order.shipped_at, " ".join(filter(None, [order.carrier, order.tracking]))))
    if order.refunded_at:
        steps.append(("已退款", order.refunded_at, "款项原路退回"))
    elif order.refunded_amount:
        steps.append(("部分退款", None, f"已原路退回 ¥{order.refunded_amount}"))
    return steps


def _payment_method(order: Order) -> str | None:
    """How the order was paid, asked of Stripe once (outside any transaction) and then kept."""
    if (
        order.payment_method
        or not order.stripe_payment_intent
        or order.status not in (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.REFUNDED)
    ):
        return order.payment_method
    try:
        intent = as_dict(get_stripe().v1.payment_intents.retrieve(order.stripe_payment_intent, {"expand": ["latest_charge"]}))
    except (stripe.StripeError, StripeNotConfigured) as exc:
        log.info("payment method of %s unknown for now: %s", order.number, exc)
        return None
    charge = intent.get("latest_charge") if isinstance(intent.get("latest_charge"), dict) else {}
    method = ((charge or {}).get("payment_method_details") or {}).get("type") or (intent.get("payment_method_types") or [None])[0]
    if method:
        with get_database().transaction() as db:
            db.execute(update(Order).where(Order.id == order.id).values(payment_method=method[:40]))
    return method


@bp.get("/<number>")
def show(number: str):
    """One order, for its member or for the holder of its mailed link."""
    if g.user is None and not request.args.get("t"):  # a member's mail links carry no token: log in first, then here
        return redirect(url_for("auth.login", next=request.path))
    order = _order_by_number(number[:20])
    if order is None or not _may_see(order):
        abort(404)
    method = _payment_method(order)
    response = make_response(
        render_template(
            "account/order.html",
            order=order,
            address=order_address(order),
            subtotal=order_subtotal(order),
            steps=timeline(order),
            method=PAYMENT_LABELS.get(method, method) if method else None,
            basis_labels=BASIS_LABELS,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the signed link must not leak to a product page
    return response
