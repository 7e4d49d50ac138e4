"""The operators' headless admin: `/api/admin/…` behind `Authorization: Bearer $PLUS_ADMIN_TOKEN`."""

from __future__ import annotations

import datetime as dt
import functools
import hmac
from collections.abc import Callable

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from . import invoices, returns
from . import orders as order_service
from .db import get_database, get_db
from .errors import api_error, json_body, require_json
from .operations import (
    OrderFilter,
    invoice_json,
    invoices_csv,
    invoices_listing,
    list_orders,
    order_json,
    orders_csv,
    return_json,
    return_reasons,
    returns_csv,
    returns_listing,
)
from .orders import OrderError
from .stripe_api import StripeNotConfigured, get_stripe

bp = Blueprint("admin", __name__, url_prefix="/api/admin")


def token_required(view):
    """Constant-time Bearer token check; the admin API is off when no token is configured."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        token = current_app.config.get("PLUS_ADMIN_TOKEN")
        if not token:
            return api_error(403, "admin_disabled", "admin API is disabled: set PLUS_ADMIN_TOKEN")
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            response, status = api_error(401, "unauthorized", "a valid Bearer token is required")
            response.headers["WWW-Authenticate"] = 'Bearer realm="plus-admin"'
            return response, status
        return view(**kwargs)

    return wrapped


def _time(name: str) -> dt.datetime | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
        parsed = parsed.astimezone(dt.UTC) if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    except (ValueError, OverflowError) as exc:  # year 1 at UTC+14 overflows when moved to UTC
        raise ValueError(f"{name} must be an ISO 8601 date-time such as 2026-11-01T00:00:00Z") from exc
    return parsed


def _integer(name: str, default: int) -> int:
    value = request.args.get(name)
    if value is None:
        return default
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        raise ValueError(f"{name} must be a whole number")
    return int(value)


@bp.get("/orders")
@token_required
def orders():
    """Orders, newest first, filtered and paginated; `?format=csv` exports the same selection."""
    try:
        wanted = OrderFilter(
            status=request.args.get("status") or None,
            email=request.args.get("email") or None,
            product=request.args.get("product") or None,
            since=_time("since"),
            until=_time("until"),
            limit=_integer("limit", 50),
            offset=_integer("offset", 0),
        )
    except ValueError as exc:
        return api_error(400, "bad_filter", str(exc))
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        return api_error(400, "bad_filter", "format must be json or csv")
    page, total = list_orders(get_db(), wanted)
    if fmt == "csv":  # for the owner's spreadsheet, in the store's language (see _listing)
        return Response(orders_csv(page), mimetype="text/csv", headers={"Content-Disposition": 'attachment; filename="orders.csv"'})
    following = wanted.offset + len(page)
    return jsonify(
        {
            "orders": [order_json(o) for o in page],
            "total": total,
            "limit": wanted.limit,
            "offset": wanted.offset,
            "next_offset": following if following < total else None,
        }
    )


@bp.get("/orders/<int:order_id>")
@token_required
def order(order_id: int):
    """One order."""
    return jsonify(order_json(order_service.get_order(get_db(), order_id)))  # an OrderError is answered by errors.refused


def _optional_json() -> tuple[dict | None, tuple | None]:
    if not request.get_data(cache=True):
        return {}, None
    if (refused := require_json()) is not None:
        return None, refused
    body = json_body()
    if not isinstance(body, dict):
        return None, api_error(400, "malformed_body", "the body must be a JSON object")
    return body, None


@bp.post("/orders/<int:order_id>/ship")
@token_required
def ship(order_id: int):
    """Mark an order shipped, with an optional carrier and tracking number."""
    body, refused = _optional_json()
    if refused:
        return refused
    assert body is not None  # no refusal: a body
    carrier, tracking = body.get("carrier"), body.get("tracking")
    if any(v is not None and (not isinstance(v, str) or len(v) > 120) for v in (carrier, tracking)):
        return api_error(400, "malformed_body", "carrier and tracking must be short strings")
    with get_database().transaction() as db:
        shipped = order_json(order_service.ship(db, order_id, carrier=carrier, tracking=tracking))
    return jsonify(shipped)


@bp.post("/orders/<int:order_id>/refund")
@token_required
def refund(order_id: int):
    """Refund an order in full through Stripe."""
    _body, refused = _optional_json()
    if refused:
        return refused
    try:
        refunded = order_json(order_service.refund(get_database(), order_id, client=get_stripe()))
    except StripeNotConfigured:
        return api_error(503, "payments_unavailable", "STRIPE_SECRET_KEY is not set")
    return jsonify(refunded)


def _listing(
    statuses: tuple[str, ...],
    rows: Callable[[Session, str | None], list[dict]],
    to_csv: Callable[[Session, list[dict]], str],
    name: str,
) -> ResponseReturnValue:
    """A work list as JSON or (`?format=csv`) CSV, filtered by `?status=`.

    The CSV is for the owner's spreadsheet, in zh-CN as the shop and the owner's pages are: a download
    has no `--lang`, and the server's locale is the server's, not the reader's (JSON is for programs)."""
    status, fmt = request.args.get("status") or None, request.args.get("format", "json")
    if status is not None and status not in statuses:
        return api_error(400, "bad_filter", f"status must be one of {', '.join(statuses)}")
    if fmt not in ("json", "csv"):
        return api_error(400, "bad_filter", "format must be json or csv")
    found = rows(get_db(), status)
    if fmt == "csv":
        return Response(to_csv(get_db(), found), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return jsonify({name: found, "total": len(found)})


@bp.get("/returns")
@token_required
def return_list():
    """Returns (the 200 newest, or those of one status oldest first), JSON or CSV."""
    return _listing(returns.STATUSES, returns_listing, lambda db, found: returns_csv(found, return_reasons(db, found)), "returns")


@bp.post("/returns/<int:return_id>/approve")
@token_required
def approve_return(return_id: int):
    """Approve a return: refund its lines at Stripe (once), restock when `restock` is true."""
    body, refused = _optional_json()
    if refused or body is None:
        return refused
    restock = body.get("restock", False)
    if not isinstance(restock, bool):
        return api_error(400, "malformed_body", "restock must be true or false")
    try:
        request_ = returns.approve(get_database(), return_id, client=get_stripe(), restock=restock)
    except StripeNotConfigured:
        return api_error(503, "payments_unavailable", "STRIPE_SECRET_KEY is not set")
    except OrderError as exc:
        return api_error(exc.status, exc.code, exc.message)
    return jsonify(return_json(request_))


@bp.post("/returns/<int:return_id>/refuse")
@token_required
def refuse_return(return_id: int):
    """Refuse a waiting return; `reason` is mailed to the buyer."""
    body, refused = _optional_json()
    if refused or body is None:
        return refused
    why = body.get("reason")
    if not isinstance(why, str):
        return api_error(400, "malformed_body", "reason (the buyer reads it) is required")
    try:
        with get_database().transaction() as db:
            done = return_json(returns.refuse(db, return_id, why=why))
    except OrderError as exc:
        return api_error(exc.status, exc.code, exc.message)
    return jsonify(done)


@bp.get("/invoices")
@token_required
def invoice_list():
    """Invoice requests (the 200 newest, or those of one status oldest first), JSON or CSV."""
    return _listing(("requested", "issued"), invoices_listing, lambda db, found: invoices_csv(found), "invoices")


@bp.post("/orders/<int:order_id>/invoice/issue")
@token_required
def issue_invoice(order_id: int):
    """Mark an order's invoice issued with its `number`; the buyer is mailed."""
    body, refused = _optional_json()
    if refused or body is None:
        return refused
    number = body.get("number")
    if not isinstance(number, str):
        return api_error(400, "malformed_body", "number (the invoice number) is required")
    try:
        with get_database().transaction() as db:
            done = invoice_json(invoices.issue(db, order_id, number))
    except OrderError as exc:
        return api_error(exc.status, exc.code, exc.message)
    return jsonify(done)
