"""The JSON API the static site calls: start a checkout, who is logged in; and the return page."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, g, jsonify, render_template, request, session, url_for
from sqlalchemy import select

from catalog.messages import say

from . import links
from .addresses import AddressError, parse_address
from .cart import parse_items, price_items
from .catalogs import CatalogUnavailable, get_catalog
from .db import get_database, get_db
from .delivery import delivery_fee
from .errors import api_error, json_body, require_json
from .limits import GUEST_KEY, HoldCheck, holder_for, release_earlier
from .models import CheckoutSession, Order
from .openapi import spec
from .payments import Delivery, PaymentProviderError, Settings, start_order
from .session_queue import QueueFull, get_queue, queued
from .stock import OutOfStock
from .stripe_api import StripeNotConfigured, get_stripe
from .waiting import busy, refresh_seconds, waiting_answer

log = logging.getLogger("plus.checkout.shop")

bp = Blueprint("checkout", __name__)


@bp.post("/api/checkout")
def create_checkout():
    """Price the cart on the server, hold the stock, answer the Stripe Checkout URL."""
    if (refused := require_json()) is not None:
        return refused
    member = g.user is not None and g.user.is_member()
    holder = holder_for(session, g.user, request.remote_addr)
    jobs = get_queue()
    try:
        catalog = get_catalog()
        body = json_body()
        lines = price_items(catalog, parse_items(body), member=member)
        delivery = checked_delivery(catalog, lines, body, member=member)  # before anything is stored
        if delivery is not None and not jobs.has_room():  # refuse before holding stock, and at once
            raise QueueFull(jobs.retry_after())
        database, client = get_database(), get_stripe()
        release_earlier(database, client, holder)  # a retry replaces the shopper's unpaid try
        started = start_order(
            database,
            client,
            Settings.from_config(current_app.config),
            lines,
            revision=catalog.revision,
            member=member,
            user=g.user,
            delivery=delivery,
            holder=holder,
            check=HoldCheck.of(catalog, lines, holder),
            opener=queued(database, client, wait=current_app.config["PLUS_CHECKOUT_WAIT"]),
        )
    except OutOfStock as exc:
        return api_error(409, "out_of_stock", f"「{exc.title}」库存不足，仅剩{exc.available}件")
    except (PaymentProviderError, StripeNotConfigured) as exc:
        log.error(say("结账没能开始：%s", "checkout could not start: %s"), exc)
        return api_error(503, "payments_unavailable", "支付服务暂时不可用，请稍后再试")
    except CatalogUnavailable:
        return api_error(503, "catalog_unavailable", "商品目录暂不可用，请稍后再试")
    except QueueFull as exc:
        return busy(exc)
    if started.queued:  # the browser goes to the page that waits for its Stripe session (a script: asks after Retry-After)
        return jsonify(waiting_answer(started)), 202, {"Retry-After": str(refresh_seconds(started.id))}
    answer = {"id": started.id, "url": started.url, "next": "pay" if delivery else "address"}
    if delivery:
        answer["delivery_fee"] = str(delivery.fee)
    return jsonify(answer), 201


def checked_delivery(catalog, lines, body, *, member: bool) -> Delivery | None:
    """The body's `address`, checked, with the server's fee; None when the shopper gives it on the address step."""
    if not isinstance(body, dict) or body.get("address") is None:
        return None
    address = parse_address(body["address"])
    fee = delivery_fee(catalog, lines, province=address.province, member=member)
    if not fee.served:
        raise AddressError("province", "region_not_served", fee.message or f"抱歉，{address.province}暂不配送")
    return Delivery(address, fee.fee)


@bp.get("/api/me")
def me():
    """Who is logged in, so the static site can show member prices."""
    user = g.user
    response = jsonify(
        {
            "authenticated": user is not None,
            "email": user.email if user else None,
            "member": bool(user and user.is_member()),
            "member_until": user.member_until.isoformat() if user and user.member_until else None,
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of the JSON API."""
    return jsonify(spec(current_app.config["PUBLIC_URL"]))


@bp.get("/checkout/success")
def success():
    """Where Stripe sends the buyer back; the order appears once the webhook has been applied."""
    session_id = request.args.get("session_id", "")[:255].replace("\x00", "")
    order = get_db().scalar(select(Order).where(Order.stripe_session_id == session_id)) if session_id else None
    if order is not None and order.user_id is not None and (g.user is None or g.user.id != order.user_id):
        order = None  # a member's order is shown to that member only
    checkout = get_db().scalar(select(CheckoutSession).where(CheckoutSession.stripe_session_id == session_id)) if session_id else None
    # The browser's cart drops what this checkout bought (product ids only: nothing personal).
    bought = sorted({line["product"] for line in checkout.lines}) if checkout is not None and checkout.kind == "order" else []
    return render_template("checkout/success.html", order=order, bought=bought, guest_link=_guest_link(order, checkout))


def _guest_link(order: Order | None, checkout: CheckoutSession | None) -> str | None:
    """The signed order link (as the mail has it) for the guest whose browser started this checkout, else None.

    The success URL alone is no key to the address: another browser that has it sees no link.
    """
    if order is None or order.user_id is not None or checkout is None or not order.email:
        return None
    token = session.get(GUEST_KEY)
    if not isinstance(token, str) or checkout.shopper != f"guest:{token}":
        return None
    return url_for("order_pages.show", number=order.number, t=links.order_token(order.id, order.email))
