"""Operator work shared by the admin API and the `plus orders` commands: list, export, reconcile, sweep."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import stripe
from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stripe.params.checkout import SessionListParams

from catalog.messages import say

from .db import Database
from .emails import lookup_form
from .fulfilment import order_address
from .invoices import list_invoices
from .lookups import StripeLookups, apply_with_lookups
from .models import CheckoutSession, InvoiceRequest, MembershipPeriod, Order, OrderLine, ReturnRequest, utcnow
from .orders import apply_session_event, find_checkout
from .returns import list_returns
from .status import OrderStatus
from .stock import release
from .stripe_api import as_dict

log = logging.getLogger("plus.checkout.operations")

MAX_PAGE = 200
SWEEP_THREADS = 6
"""Stripe calls the sweep makes at once: six at ~0.3 s each stay under Stripe's 25 requests a second per endpoint."""
MAX_OFFSET = 2**31 - 1
MAX_FILTER_TEXT = 254
# Cells starting with these run as formulas in spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class OrderFilter:
    """What an operator asks for: status, e-mail, product, a time window, one page."""

    status: str | None = None
    email: str | None = None
    product: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    limit: int = 50
    offset: int = 0

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in set(OrderStatus):
            raise ValueError(f"status must be one of {', '.join(OrderStatus)}")
        if not 1 <= self.limit <= MAX_PAGE or not 0 <= self.offset <= MAX_OFFSET:
            raise ValueError(f"limit must be 1–{MAX_PAGE} and offset 0–{MAX_OFFSET}")
        if any(len(value or "") > MAX_FILTER_TEXT for value in (self.email, self.product)):
            raise ValueError(f"email and product must be at most {MAX_FILTER_TEXT} characters")


def list_orders(db: Session, wanted: OrderFilter) -> tuple[list[Order], int]:
    """One page of orders, newest first, and how many match in all."""
    if any("\x00" in (value or "") for value in (wanted.email, wanted.product)):
        return [], 0  # no stored value holds a NUL (and PostgreSQL refuses to compare with one)
    query = select(Order)
    if wanted.status:
        query = query.where(Order.status == wanted.status)
    if wanted.email:
        stored = lookup_form(wanted.email)
        if stored is None:
            return [], 0  # not an address the store could have stored
        query = query.where(Order.email == stored)
    if wanted.product:
        query = query.where(Order.id.in_(select(OrderLine.order_id).where(OrderLine.product_id == wanted.product)))
    if wanted.since:
        query = query.where(Order.created_at >= wanted.since)
    if wanted.until:
        query = query.where(Order.created_at < wanted.until)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = db.scalars(query.order_by(Order.created_at.desc(), Order.id.desc()).limit(wanted.limit).offset(wanted.offset)).all()
    return list(page), total


def _stamp(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def return_json(request: ReturnRequest, order_number: str | None = None) -> dict:
    """A return as the admin API shows it."""
    data = {
        "id": request.id,
        "number": request.number,
        "order_id": request.order_id,
        "status": request.status,
        "reason": request.reason,
        "note": request.note,
        "amount": str(request.amount),
        "restock": request.restock,
        "restocked": request.restocked,
        "stripe_refund_id": request.stripe_refund_id,
        "refusal": request.refusal,
        "requested_at": _stamp(request.requested_at),
        "decided_at": _stamp(request.decided_at),
        "refunded_at": _stamp(request.refunded_at),
        "lines": [
            {
                "order_line_id": line.order_line_id,
                "product": line.product_id,
                "title": line.title,
                "quantity": line.quantity,
                "amount": str(line.amount),
            }
            for line in request.lines
        ],
    }
    if order_number is not None:
        data["order_number"] = order_number
    return data


INVOICE_FIELDS = (
    "status",
    "title_type",
    "kind",
    "title",
    "tax_id",
    "registered_address",
    "registered_phone",
    "bank_name",
    "bank_account",
    "invoice_number",
)


def invoice_json(invoice: InvoiceRequest | None) -> dict | None:
    """An order's invoice request as the admin API shows it (None: none asked for)."""
    if invoice is None:
        return None
    data: dict = {"order_id": invoice.order_id, **{name: getattr(invoice, name) for name in INVOICE_FIELDS}}
    data.update(requested_at=_stamp(invoice.requested_at), updated_at=_stamp(invoice.updated_at), issued_at=_stamp(invoice.issued_at))
    return data


def order_json(order: Order) -> dict:
    """An order as the admin API shows it (amounts as decimal strings in yuan)."""
    stamp = _stamp
    return {
        "id": order.id,
        "number": order.number,
        "status": order.status,
        "email": order.email,
        "user_id": order.user_id,
        "amount_total": str(order.amount_total),
        "currency": order.currency,
        "member_pricing": order.member_pricing,
        "catalog_revision": order.catalog_revision,
        "stripe_session_id": order.stripe_session_id,
        "stripe_payment_intent": order.stripe_payment_intent,
        "stripe_refund_id": order.stripe_refund_id,
        "carrier": order.carrier,
        "tracking": order.tracking,
        "created_at": stamp(order.created_at),
        "paid_at": stamp(order.paid_at),
        "shipped_at": stamp(order.shipped_at),
        "refunded_at": stamp(order.refunded_at),
        "delivery_fee": str(order.delivery_fee),
        "payment_method": order.payment_method,
        "refunded_amount": str(order.refunded_amount),
        "dispute_status": order.dispute_status,
        "returns": [return_json(r) for r in order.returns],
        "invoice": invoice_json(order.invoice),
        "shipping_address": address_json(order),
        "lines": [
            {
                "product": line.product_id,
                "title": line.title,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "basis": line.basis,
                "line_total": str(line.line_total),
            }
            for line in order.lines
        ],
    }


def address_json(order: Order) -> dict | None:
    """The order's delivery address snapshot (None for orders recorded before addresses were asked)."""
    address = order_address(order)
    return address.as_record() if address else None


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(columns: tuple[str, ...], rows: list[dict]) -> str:
    """Rows as CSV for a spreadsheet (a header of `columns`), with formula-looking cells defused."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return out.getvalue()


CSV_COLUMNS = (
    "number",
    "status",
    "created_at",
    "paid_at",
    "email",
    "amount_total",
    "delivery_fee",
    "currency",
    "member_pricing",
    "lines",
    "recipient",
    "mobile",
    "province",
    "city",
    "district",
    "address",
    "postcode",
    "carrier",
    "tracking",
    "catalog_revision",
    "stripe_payment_intent",
    "refunded_amount",
    "dispute_status",
    "returns",
    "invoice_status",
    "invoice_title_type",
    "invoice_kind",
    "invoice_title",
    "invoice_tax_id",
    "invoice_number",
)


def _returns_cell(returns: list[dict]) -> str:
    return "; ".join(f"{r['number']} {r['status']} ¥{r['amount']}" for r in returns)


def orders_csv(orders: list[Order]) -> str:
    """Orders as CSV for a spreadsheet, with formula-looking cells defused."""
    rows = []
    for order in orders:
        data = order_json(order)
        data["lines"] = "; ".join(f"{line['product']} × {line['quantity']} @ {line['unit_price']}" for line in data["lines"])
        shipping = data["shipping_address"] or {}
        data.update({key: shipping.get(key) for key in ("mobile", "province", "city", "district", "address", "postcode")})
        data["recipient"] = shipping.get("name")
        data["returns"] = _returns_cell(data["returns"])
        data.update({f"invoice_{name}": value for name, value in (data["invoice"] or {}).items()})
        rows.append(data)
    return csv_text(CSV_COLUMNS, rows)


RETURN_CSV_COLUMNS = (
    "number",
    "order_number",
    "status",
    "reason",
    "note",
    "amount",
    "lines",
    "restock",
    "restocked",
    "stripe_refund_id",
    "refusal",
    "requested_at",
    "decided_at",
    "refunded_at",
)


def returns_csv(rows: list[dict]) -> str:
    """Returns (as return_json made them, with their order numbers) as CSV."""
    return csv_text(RETURN_CSV_COLUMNS, [{**data, "lines": _return_lines_cell(data["lines"])} for data in rows])


def _return_lines_cell(lines: list[dict]) -> str:
    return "; ".join(f"{line['product']} × {line['quantity']} ¥{line['amount']}" for line in lines)


INVOICE_CSV_COLUMNS = ("order_number", "amount", *INVOICE_FIELDS, "requested_at", "issued_at")


def returns_listing(db: Session, status: str | None) -> list[dict]:
    """Returns for the operator (oldest waiting first when filtered by status), with their order numbers."""
    return [return_json(r, db.get_one(Order, r.order_id).number) for r in list_returns(db, status=status)]


def invoices_listing(db: Session, status: str | None) -> list[dict]:
    """Invoice requests for the operator, with the order number and the amount to invoice (paid minus refunded)."""
    rows = []
    for invoice in list_invoices(db, status=status):
        order = db.get_one(Order, invoice.order_id)
        rows.append(
            {**(invoice_json(invoice) or {}), "order_number": order.number, "amount": str(order.amount_total - order.refunded_amount)}
        )
    return rows


def invoices_csv(rows: list[dict]) -> str:
    """Invoice requests (as invoice_json made them, with order number and amount) as CSV."""
    return csv_text(INVOICE_CSV_COLUMNS, rows)


@dataclass
class ReconcileReport:
    """What a reconciliation saw and did."""

    checked: int = 0
    recorded: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


MEMBER_CSV_COLUMNS = ("email", "since", "until", "renewal", "status")


def member_json(row: dict) -> dict:
    """A PLUS member as checkout.membership.members_listing made them, times as ISO 8601 (UTC)."""
    return {**row, "since": _stamp(row["since"]), "until": _stamp(row["until"])}


def members_csv(rows: list[dict]) -> str:
    """PLUS members (members_listing) as CSV."""
    return csv_text(MEMBER_CSV_COLUMNS, [member_json(row) for row in rows])


def reconcile(
    database: Database, client: stripe.StripeClient, *, since: dt.datetime | None = None, now: dt.datetime | None = None
) -> ReconcileReport:
    """Record an order for every paid Stripe session that has none (a webhook that never arrived)."""
    report = ReconcileReport()
    params: SessionListParams = {"status": "complete", "limit": 100}
    if since is not None:
        params["created"] = {"gte": int(since.timestamp())}
    for found in client.v1.checkout.sessions.list(params).auto_paging_iter():
        session = as_dict(found)
        report.checked += 1
        if session.get("payment_status") not in ("paid", "no_payment_required"):
            continue
        outcome = apply_with_lookups(database, StripeLookups(client), functools.partial(_reconcile_one, session=session, now=now))
        if outcome == "unknown_session":
            report.unknown.append(session["id"])
        elif outcome in ("paid", "granted", "subscribed"):
            report.recorded.append(session["id"])
            log.warning(
                say(
                    "核对：记下了没有 Stripe 通知送达的付款会话 %s（%s）",
                    "reconcile: recorded session %s that no webhook had delivered (%s)",
                ),
                session["id"],
                outcome,
            )
    return report


def recorded(db: Session, session: dict) -> bool:
    """Whether a paid Stripe session is already recorded: its order, or the membership it paid for."""
    if db.scalar(select(Order.id).where(Order.stripe_session_id == session["id"])) is not None:
        return True
    checkout = find_checkout(db, session)
    if checkout is None or checkout.kind != "membership":
        return False
    if checkout.mode == "subscription":
        sub = session.get("subscription")
        sub_id = sub if isinstance(sub, str) else (sub or {}).get("id")
        return sub_id is not None and db.scalar(select(MembershipPeriod.id).where(MembershipPeriod.stripe_ref == sub_id)) is not None
    return db.scalar(select(MembershipPeriod.id).where(MembershipPeriod.stripe_ref == session["id"])) is not None


def _reconcile_one(db: Session, lookups: StripeLookups, session: dict, now: dt.datetime | None) -> str:
    if recorded(db, session):
        return "recorded_already"
    return apply_session_event(db, "checkout.session.completed", session, lookups=lookups, now=now)


def _expired_at_stripe(client: stripe.StripeClient, session_id: str) -> dict:
    """The session as Stripe has it, expired there first if it is still open (one call for an open session:
    expiring it answers with the session; Stripe refuses to expire one that is no longer open)."""
    try:
        return as_dict(client.v1.checkout.sessions.expire(session_id))
    except stripe.InvalidRequestError:  # paid or expired already: the current object says which
        return as_dict(client.v1.checkout.sessions.retrieve(session_id))


def _apply_event(db: Session, lookups: StripeLookups, *, event_type: str, session: dict, now: dt.datetime | None) -> str:
    return apply_session_event(db, event_type, session, lookups=lookups, now=now)


def sweep_reservations(database: Database, client: stripe.StripeClient | None, *, now: dt.datetime | None = None) -> int:
    """Release the stock of checkouts past their expiry once Stripe confirms they were not paid."""
    now = now or utcnow()
    with database.sessions() as db:
        due = db.scalars(
            select(CheckoutSession.id).where(
                CheckoutSession.stock_held.is_(True), CheckoutSession.status.in_(("pending", "open")), CheckoutSession.expires_at < now
            )
        ).all()

    def sweep_one(checkout_id: str) -> bool:
        with database.sessions() as db:
            stripe_id = db.scalar(select(CheckoutSession.stripe_session_id).where(CheckoutSession.id == checkout_id))
        if stripe_id is None or client is None:
            with database.transaction() as db:
                current = db.get(CheckoutSession, checkout_id)
                return current is not None and bool(release(db, current, "expired"))  # gone meanwhile: nothing to release
        try:  # Stripe first, with no transaction open; then one short transaction records what it said
            session = _expired_at_stripe(client, stripe_id)
        except stripe.StripeError as exc:
            log.warning(
                say(
                    "清理：付款会话 %s 没能向 Stripe 核实（%s）；下次再试",
                    "sweep: could not check session %s with Stripe (%s); trying again next time",
                ),
                stripe_id,
                exc,
            )
            return False
        lookups = StripeLookups(client)
        lookups.remember("session", session)
        event_type = "checkout.session." + ("expired" if session["status"] == "expired" else "completed")
        outcome = apply_with_lookups(database, lookups, functools.partial(_apply_event, event_type=event_type, session=session, now=now))
        return outcome == "expired"

    app = current_app._get_current_object() if has_app_context() else None  # type: ignore[attr-defined]

    def in_app(checkout_id: str) -> bool:  # a paid session's order is made as a webhook's is: it needs the app (its mail)
        if app is None:
            return sweep_one(checkout_id)
        with app.app_context():
            return sweep_one(checkout_id)

    # after a rush hundreds are due, each a Stripe call of ~0.3 s: one after another they took minutes
    with ThreadPoolExecutor(max_workers=SWEEP_THREADS, thread_name_prefix="plus-sweep") as pool:  # threads start as needed
        released = sum(pool.map(in_app, due))
    if released:
        log.info(say("清理：释放了 %d 个过期结账占用的库存", "sweep: released the stock of %d expired checkout(s)"), released)
    return released
