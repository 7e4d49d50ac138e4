"""`/account/orders/<number>`: one order's lines, fee, address, timeline, payment method, returns and 发票.

A member opens their own orders logged in; a guest opens the signed link of the confirmation mail
(the return and invoice forms post back to the same signed address). The page shows a name, a
mobile and an address: it is never cached.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

import stripe
from flask import Blueprint, Response, abort, flash, g, make_response, redirect, render_template, request, url_for
from sqlalchemy import update
from werkzeug.wrappers import Response as WerkzeugResponse

from catalog import Catalog
from catalog.messages import say
from catalog.money import price_label

from . import invoices, notices, returns
from .catalogs import CatalogUnavailable, get_catalog
from .db import get_database, get_db
from .fulfilment import order_address
from .invoices import InvoiceError, parse_invoice
from .links import read_order_token
from .models import Order
from .notices import BASIS_LABELS, PAYMENT_LABELS, order_subtotal
from .orders import OrderError
from .status import OrderStatus
from .stripe_api import StripeNotConfigured, as_dict, get_stripe

log = logging.getLogger("plus.checkout.order_pages")

bp = Blueprint("order_pages", __name__, url_prefix="/account/orders")
PAUSED = "退货申请暂时无法提交（商品信息正在更新），请几分钟后再试"


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
    """(what, when, detail) for each step the order went through, in the order they happened.

    Each refunded return is a step of its own (a cancellation before the shipping comes before 已发货);
    a refund made elsewhere (Stripe's dashboard) is the rest of `refunded_amount`."""
    steps: list[tuple[str, dt.datetime | None, str]] = [("下单", order.created_at, "")]
    if order.paid_at:
        steps.append(("已付款", order.paid_at, ""))
    if order.status == OrderStatus.PAYMENT_FAILED:
        steps.append(("付款失败", None, "请重新下单"))
    if order.shipped_at:
        steps.append(("已发货", order.shipped_at, order.parcel))
    refunded = [r for r in order.returns if r.status == "refunded"]
    for r in refunded:
        steps.append((f"{notices.return_word(order, r)}退款", r.refunded_at, f"售后单 {r.number} 已原路退回 {price_label(r.amount)}"))
    elsewhere = order.refunded_amount - sum((r.amount for r in refunded), start=Decimal("0"))
    if order.refunded_at and elsewhere > 0:
        steps.append(("已退款", order.refunded_at, "款项原路退回"))
    elif elsewhere > 0:
        steps.append(("部分退款", None, f"已原路退回 {price_label(elsewhere)}"))
    return sorted(steps, key=lambda step: (step[1] is None, step[1] or order.created_at))


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
        log.info(say("%s 的付款方式暂时不知道：%s", "payment method of %s unknown for now: %s"), order.number, exc)
        return None
    charge = intent.get("latest_charge") if isinstance(intent.get("latest_charge"), dict) else {}
    method = ((charge or {}).get("payment_method_details") or {}).get("type") or (intent.get("payment_method_types") or [None])[0]
    if method:
        with get_database().transaction() as db:
            db.execute(update(Order).where(Order.id == order.id).values(payment_method=method[:40]))
    return method


def _visible_order(number: str) -> Order:
    order = _order_by_number(number[:20])
    if order is None or not _may_see(order):
        abort(404)
    return order


def _page(order: Order, *, status: int = 200, return_error: str | None = None, invoice_error: InvoiceError | None = None) -> Response:
    method = _payment_method(order)
    try:
        catalog: Catalog | None = get_catalog()
    except CatalogUnavailable:  # the order still shows; only the return form waits for the catalog
        catalog = None
    response = make_response(
        render_template(
            "account/order.html",
            order=order,
            address=order_address(order),
            subtotal=order_subtotal(order),
            steps=timeline(order),
            method=PAYMENT_LABELS.get(method, method) if method else None,
            basis_labels=BASIS_LABELS,
            returns=returns,
            return_terms=returns.line_terms(get_db(), order, catalog) if catalog and returns.may_ask(order, catalog) else [],
            return_deadline=returns.deadline(order, catalog.store.returns) if catalog else None,
            return_days=catalog.store.returns.days if catalog else None,
            returns_paused=catalog is None,
            return_error=return_error,
            invoices=invoices,
            invoice_error=invoice_error,
            form=request.form if request.method == "POST" else {},
            token=request.args.get("t", "")[:400],
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the signed link must not leak to a product page
    return response


def _back(order: Order, anchor: str) -> WerkzeugResponse:
    values: dict[str, Any] = {"number": order.number, "_anchor": anchor}
    if token := request.args.get("t", "")[:400]:
        values["t"] = token
    return redirect(url_for("order_pages.show", **values))


@bp.get("/<number>")
def show(number: str):
    """One order, for its member or for the holder of its mailed link."""
    if g.user is None and not request.args.get("t"):  # a member's mail links carry no token: log in first, then here
        return redirect(url_for("auth.login", next=request.path))
    return _page(_visible_order(number))


def _quantities(form: dict) -> dict[int, int]:
    wanted = {}
    for name, value in form.items():
        if name.startswith("qty-") and name[4:].isdigit() and len(name) < 16:
            text = value.strip() or "0"
            if not text.isdigit() or len(text) > 6:
                raise OrderError(400, "bad_quantity", "退货数量请填写整数", "a quantity to return is a whole number")
            wanted[int(name[4:])] = int(text)
    return wanted


@bp.post("/<number>/return")
def ask_return(number: str):
    """A buyer asks to return units of some lines (the operator decides; the buyer is mailed)."""
    order = _visible_order(number)
    try:
        catalog = get_catalog()
    except CatalogUnavailable:
        return _page(order, status=503, return_error=PAUSED)
    try:
        with get_database().transaction() as db:
            made = returns.request_return(
                db,
                order.id,
                _quantities(request.form),
                reason=request.form.get("reason", ""),
                note=request.form.get("note", ""),
                catalog=catalog,
            )
    except OrderError as exc:
        return _page(order, status=exc.status, return_error=exc.message)
    flash(f"{notices.return_word(order, made)}申请 {made.number} 已提交，审核结果会发邮件告诉您", "info")
    return _back(order, "after-sale")


@bp.post("/<number>/invoice")
def ask_invoice(number: str):
    """A buyer asks for (or corrects, until it is issued) the order's 发票."""
    order = _visible_order(number)
    try:
        details = parse_invoice(request.form.to_dict())
        with get_database().transaction() as db:
            invoices.request_invoice(db, db.get_one(Order, order.id), details)
    except InvoiceError as exc:
        return _page(order, status=400, invoice_error=exc)
    except OrderError as exc:
        return _page(order, status=exc.status, invoice_error=InvoiceError("", exc.message))
    flash("发票申请已保存，开具后会发邮件告诉您发票号码", "info")
    return _back(order, "invoice")
