"""The address step between the cart and Stripe: where the order goes, what delivery costs, then pay.

The cart's `POST /api/checkout` holds the stock and sends the browser here; the fee is computed on
the server for the province chosen (shown here, live, and on the pay page as Stripe's shipping
option) and the address is stored with the checkout before Stripe Checkout opens.
"""

from __future__ import annotations

import logging
from decimal import Decimal

import stripe
from flask import Blueprint, abort, current_app, g, jsonify, redirect, render_template, request
from sqlalchemy import select

from catalog.messages import say

from . import addresses
from .addresses import Address, AddressError, parse_address
from .amounts import line_total
from .catalogs import CatalogUnavailable, get_catalog
from .db import get_database, get_db
from .delivery import PROVINCES, Fee, canonical_province, delivery_fee
from .errors import api_error
from .models import CheckoutSession
from .payments import AddressLocked, CheckoutClosed, Delivery, PaymentProviderError, Settings, confirm_delivery
from .session_queue import QueueFull, queued
from .stripe_api import StripeNotConfigured, get_stripe
from .waiting import waiting_answer

log = logging.getLogger("plus.checkout.delivery")

bp = Blueprint("delivery", __name__)

OPEN = ("pending", "open")


def own_checkout(checkout_id: str) -> CheckoutSession:
    """The held order checkout this browser started (a member's is shown to that member only)."""
    record = get_db().get(CheckoutSession, checkout_id[:36]) if checkout_id else None
    if record is None or record.kind != "order":
        abort(404)
    if record.user_id is not None and (g.user is None or g.user.id != record.user_id):
        abort(404)
    return record


def _subtotal(record: CheckoutSession) -> Decimal:
    return sum((line_total(line) for line in record.lines), Decimal("0.00"))


def quote(record: CheckoutSession, province: str) -> Fee:
    """The fee to `province` for this checkout's lines."""
    return delivery_fee(get_catalog(), record.lines, province=province, member=record.member_pricing)


def _address_given_before(record: CheckoutSession) -> dict | None:
    """The address of this shopper's (this browser's) latest checkout that ended unpaid, for the retry's form."""
    if not record.shopper:
        return None
    earlier = get_db().scalars(
        select(CheckoutSession.delivery)
        .where(
            CheckoutSession.shopper == record.shopper,
            CheckoutSession.kind == "order",
            CheckoutSession.status == "expired",
            CheckoutSession.id != record.id,
        )
        .order_by(CheckoutSession.created_at.desc())
        .limit(5)  # a JSON null is no address: look past a few cancelled before one was typed
    )
    return next((dict(given) for given in earlier if isinstance(given, dict)), None)


def _page(record: CheckoutSession, *, form: dict, error: AddressError | None = None, status: int = 200, notice: str | None = None):
    if not form and record.delivery:  # back from the pay page: the confirmed address, ready to pay again
        form = {**record.delivery, "saved": "new"}
    elif not form and (typed := _address_given_before(record)):  # a retry after 取消: the address typed then
        form = typed
    book = addresses.book(get_db(), g.user.id) if g.user is not None else []
    choice = form.get("saved") or (str(book[0].id) if book else "new")
    chosen = next((entry for entry in book if str(entry.id) == choice), None)
    province = chosen.province if chosen is not None else canonical_province(form.get("province") or "")
    try:
        fee = quote(record, province) if province else None  # none until a province is known
    except CatalogUnavailable:
        fee = None
    subtotal = _subtotal(record)
    html = render_template(
        "checkout/delivery.html",
        record=record,
        lines=[(line, line_total(line)) for line in record.lines],
        subtotal=subtotal,
        fee=fee,
        total=subtotal + fee.fee if fee is not None and fee.served else None,
        provinces=PROVINCES,
        book=book,
        choice=choice,
        form=form,
        error=error,
        notice=notice,
        closed=record.status not in OPEN,
    )
    return html, status, {"Cache-Control": "no-store"}


def _chosen_address(form: dict) -> tuple[Address, bool]:
    """The address the form picks (a saved one of this member, or the typed one) and whether to save it."""
    choice = form.get("saved", "new")
    if g.user is not None and choice != "new":
        entry = addresses.saved(get_db(), g.user.id, int(choice)) if choice.isdigit() else None
        if entry is None:
            raise AddressError("saved", "unknown_address", "请选择地址簿中的地址，或填写新地址")
        return addresses.as_address(entry), False
    return parse_address(form), g.user is not None and form.get("remember") == "1"


@bp.route("/checkout/<checkout_id>/delivery", methods=("GET", "POST"))
def delivery(checkout_id: str):
    """Choose or type the address, see the fee, then go to Stripe Checkout."""
    record = own_checkout(checkout_id)
    if request.method == "GET" or record.status not in OPEN:
        return _page(record, form={}, status=200 if record.status in OPEN else 410)
    form = request.form.to_dict()
    try:
        address, remember = _chosen_address(form)
        fee = quote(record, address.province)
        if not fee.served:
            raise AddressError("province", "region_not_served", fee.message or f"抱歉，{address.province}暂不配送")
    except AddressError as exc:
        return _page(record, form=form, error=exc, status=400)
    except CatalogUnavailable:
        return _page(record, form=form, status=503, notice="商品目录暂不可用，请稍后再试")
    if remember:
        try:
            with get_database().transaction() as db:
                addresses.save(db, g.user.id, address, default=False)
        except AddressError as exc:  # a full address book does not stop the purchase
            log.info(say("会员 %s 的地址没有保存：%s", "address not saved for member %s: %s"), g.user.id, exc.message)
    try:
        started = confirm_delivery(
            get_database(),
            get_stripe(),
            Settings.from_config(current_app.config),
            record.id,
            Delivery(address, fee.fee),
            email=g.user.email if g.user else None,
            opener=queued(get_database(), get_stripe(), wait=current_app.config["PLUS_CHECKOUT_WAIT"], release_when_full=False),
        )
    except QueueFull as exc:
        get_db().expire_all()
        response = _page(record, form=form, status=503, notice=f"结算的人太多，请{exc.retry_after}秒后再提交，商品已为您保留")
        return response[0], response[1], {**response[2], "Retry-After": str(exc.retry_after)}
    except AddressLocked as exc:
        get_db().expire_all()
        notice = f"这笔结算已确认寄往「{exc.address.one_line()}」，不能再改。要寄往别处，请回购物车重新结算。"
        return _page(record, form=form, status=409, notice=notice)
    except CheckoutClosed:
        get_db().expire_all()
        return _page(record, form=form, status=410)
    except (PaymentProviderError, StripeNotConfigured, stripe.StripeError) as exc:
        log.error(say("结账 %s 没能打开：%s", "checkout %s could not open: %s"), record.id, exc)
        get_db().expire_all()
        return _page(record, form=form, status=503, notice="支付服务暂时不可用，请稍后再试")
    return redirect(waiting_answer(started)["url"] if started.queued else started.url, code=303)  # queued: with the expected turn


@bp.get("/api/checkout/<checkout_id>/delivery-fee")
def delivery_fee_of(checkout_id: str):
    """The delivery fee of a held checkout to a province (for the address step's live total)."""
    record = get_db().get(CheckoutSession, checkout_id[:36])
    if record is None or record.kind != "order" or (record.user_id is not None and (g.user is None or g.user.id != record.user_id)):
        return api_error(404, "checkout_not_found", "没有这笔结算，请回购物车重新结算")
    province = canonical_province(request.args.get("province", "")[:40])
    if province is None:
        return api_error(400, "unknown_province", "请选择省份")
    try:
        fee = quote(record, province)
    except CatalogUnavailable:
        return api_error(503, "catalog_unavailable", "商品目录暂不可用，请稍后再试")
    subtotal = _subtotal(record)
    response = jsonify(
        {
            "province": province,
            "served": fee.served,
            "fee": str(fee.fee),
            "message": fee.message,
            "subtotal": str(subtotal),
            "total": str(subtotal + fee.fee) if fee.served else None,
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response
