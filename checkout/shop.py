"""The JSON API the static site calls: start a checkout, who is logged in; and the return page."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, g, jsonify, render_template, request
from sqlalchemy import select

from .cart import CartError, parse_items, price_items
from .catalogs import CatalogUnavailable, get_catalog
from .db import get_database, get_db
from .errors import api_error, json_body, require_json
from .models import Order
from .openapi import spec
from .payments import PaymentProviderError, Settings, start_order
from .stock import OutOfStock
from .stripe_api import StripeNotConfigured, get_stripe

log = logging.getLogger("plus.checkout.shop")

bp = Blueprint("checkout", __name__)


@bp.post("/api/checkout")
def create_checkout():
    """Price the cart on the server, hold the stock, answer the Stripe Checkout URL."""
    if (refused := require_json()) is not None:
        return refused
    member = g.user is not None and g.user.is_member()
    try:
        catalog = get_catalog()
        lines = price_items(catalog, parse_items(json_body()), member=member)
        started = start_order(
            get_database(),
            get_stripe(),
            Settings.from_config(current_app.config),
            lines,
            revision=catalog.revision,
            member=member,
            user=g.user,
        )
    except CartError as exc:
        return api_error(exc.status, exc.code, exc.message)
    except OutOfStock as exc:
        return api_error(409, "out_of_stock", f"「{exc.title}」库存不足，仅剩{exc.available}件")
    except (PaymentProviderError, StripeNotConfigured) as exc:
        log.error("checkout could not start: %s", exc)
        return api_error(503, "payments_unavailable", "支付服务暂时不可用，请稍后再试")
    except CatalogUnavailable:
        return api_error(503, "catalog_unavailable", "商品目录暂不可用，请稍后再试")
    return jsonify({"id": started.id, "url": started.url}), 201


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
    return render_template("checkout/success.html", order=order)
