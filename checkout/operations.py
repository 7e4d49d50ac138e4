"""Operator work shared by the admin API and the `plus orders` commands: list, export, reconcile, sweep."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import logging
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import stripe
from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stripe.params.checkout import SessionListParams

from catalog.messages import say

from .db import Database
from .emails import lookup_form
from .fulfilment import order_address
from .invoices import KINDS as INVOICE_KINDS
from .invoices import STATUS_LABELS as INVOICE_STATUS_LABELS
from .invoices import TITLE_TYPES, list_invoices
from .localtime import local_time
from .lookups import StripeLookups, apply_with_lookups
from .membership import RENEWALS, STANDINGS
from .models import CheckoutSession, InvoiceRequest, MembershipPeriod, Order, OrderLine, ReturnRequest, utcnow
from .orders import apply_session_event, find_checkout
from .returns import STATUS_LABELS as RETURN_STATUS_LABELS
from .returns import list_returns, reason_label
from .status import DISPUTE_WORDS, OrderStatus
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


EXCEL_BOM = "\ufeff"
"""Before CSV text: without it, Excel (as Chinese Windows opens it) reads UTF-8 as GBK and garbles 张三 and 顺丰."""


@dataclass(frozen=True)
class Column:
    """A column of a spreadsheet export: its header in zh-CN and in English, and how a row gives its cell.

    `cell(row, english)` gives a value that says how it is written: a Decimal is an amount in yuan (a
    plain number a spreadsheet sums: the header says 元), a datetime a time in Beijing time (the header
    says so), a bool 是/否 (yes/no), a str text; words (a status, a reason) come in the export's language."""

    zh: str
    en: str
    cell: Callable[[Any, bool], object]


def _written(value: object, english: bool) -> str:
    """A cell as the spreadsheet gets it (see Column); text that looks like a formula is defused, and text of
    digits only (a mobile, a tracking or invoice number, a bank account) is kept as text: as a number, Excel
    would write 20 digits as 2.6233E+19 and drop a postcode's leading 0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return ("yes" if value else "no") if english else ("是" if value else "否")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.datetime):
        return local_time(value)
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    if text.isascii() and text.isdigit():
        return f'="{text}"'
    return text


def csv_text(columns: Sequence[Column], rows: Iterable[Any], lang: str = "zh") -> str:
    """Rows as CSV for the owner's spreadsheet (Excel, WPS): headers and words in `lang` (zh or en), the
    byte-order mark first."""
    english = lang == "en"
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.en if english else column.zh for column in columns])
    for row in rows:
        writer.writerow([_written(column.cell(row, english), english) for column in columns])
    return EXCEL_BOM + out.getvalue()


def _time(stamp: str | None) -> dt.datetime | None:
    """A time of a row made by return_json or invoice_json (ISO 8601) back as a datetime."""
    return dt.datetime.fromisoformat(stamp) if stamp else None


def _shipping(order: Order, part: str) -> str | None:
    address = order_address(order)
    return getattr(address, part) if address else None


def _invoice(order: Order, part: str) -> Any:
    return getattr(order.invoice, part) if order.invoice else None


def _goods(lines: Iterable[OrderLine], english: bool) -> str:
    each = "{} × {} (¥{} each)" if english else "{} × {}（单价 ¥{}）"
    return ("; " if english else "；").join(each.format(line.title or line.product_id, line.quantity, line.unit_price) for line in lines)


def _returned(order: Order, english: bool) -> str:
    words = (lambda r: r.status) if english else (lambda r: RETURN_STATUS_LABELS[r.status])
    return ("; " if english else "；").join(f"{r.number} {words(r)} ¥{r.amount}" for r in order.returns)


def _said(english: bool, value: str | None, words: dict[str, str]) -> str | None:
    """A stored word (a status, a kind) as the owner reads it: its zh-CN word, or as it is in English."""
    if value is None or english:
        return value
    return words.get(value, value)


ORDER_CSV = (
    Column("订单号", "order", lambda o, en: o.number),
    Column("状态", "status", lambda o, en: o.status if en else OrderStatus(o.status).label),
    Column("下单时间（北京时间）", "created (Beijing time)", lambda o, en: o.created_at),
    Column("付款时间（北京时间）", "paid (Beijing time)", lambda o, en: o.paid_at),
    Column("发货时间（北京时间）", "shipped (Beijing time)", lambda o, en: o.shipped_at),
    Column("邮箱", "email", lambda o, en: o.email),
    Column("实付金额（元）", "total (CNY)", lambda o, en: o.amount_total),
    Column("配送费（元）", "delivery fee (CNY)", lambda o, en: o.delivery_fee),
    Column("已退款（元）", "refunded (CNY)", lambda o, en: o.refunded_amount),
    Column("会员价", "member prices", lambda o, en: o.member_pricing),
    Column("商品", "items", lambda o, en: _goods(o.lines, en)),
    Column("收货人", "recipient", lambda o, en: _shipping(o, "name")),
    Column("手机", "mobile", lambda o, en: _shipping(o, "mobile")),
    Column("省份", "province", lambda o, en: _shipping(o, "province")),
    Column("城市", "city", lambda o, en: _shipping(o, "city")),
    Column("区县", "district", lambda o, en: _shipping(o, "district")),
    Column("详细地址", "address", lambda o, en: _shipping(o, "address")),
    Column("邮编", "postcode", lambda o, en: _shipping(o, "postcode")),
    Column("快递公司", "carrier", lambda o, en: o.carrier),
    Column("运单号", "tracking", lambda o, en: o.tracking),
    Column("售后", "returns", lambda o, en: _returned(o, en)),
    Column("付款争议", "dispute", lambda o, en: _said(en, o.dispute_status, DISPUTE_WORDS)),
    Column("发票状态", "invoice status", lambda o, en: _said(en, _invoice(o, "status"), INVOICE_STATUS_LABELS)),
    Column("发票抬头类型", "invoice title type", lambda o, en: _said(en, _invoice(o, "title_type"), TITLE_TYPES)),
    Column("发票类型", "invoice kind", lambda o, en: _said(en, _invoice(o, "kind"), INVOICE_KINDS)),
    Column("发票抬头", "invoice title", lambda o, en: _invoice(o, "title")),
    Column("税号", "tax id", lambda o, en: _invoice(o, "tax_id")),
    Column("发票号码", "invoice number", lambda o, en: _invoice(o, "invoice_number")),
    Column("商品目录版本", "catalog revision", lambda o, en: o.catalog_revision),
    Column("Stripe 付款编号", "Stripe payment", lambda o, en: o.stripe_payment_intent),
)
"""The columns of the orders export: the order, its money, what was bought, where it goes, what came of it."""


def orders_csv(orders: list[Order], lang: str = "zh") -> str:
    """Orders as CSV for the owner's spreadsheet (see csv_text)."""
    return csv_text(ORDER_CSV, orders, lang)


def return_reasons(db: Session, rows: list[dict]) -> dict[int, str]:
    """Each return's reason (rows as returns_listing made them) as the buyer chose it on the order page: a
    cancellation's words when asked before shipping."""
    return {row["id"]: reason_label(db.get_one(Order, row["order_id"]), db.get_one(ReturnRequest, row["id"])) for row in rows}


def _returned_goods(lines: list[dict], english: bool) -> str:
    each = "{} × {} (¥{})" if english else "{} × {}（¥{}）"
    return ("; " if english else "；").join(
        each.format(line["title"] or line["product"], line["quantity"], line["amount"]) for line in lines
    )


def _return_csv(reasons: dict[int, str]) -> tuple[Column, ...]:
    return (
        Column("售后单号", "return", lambda r, en: r["number"]),
        Column("订单号", "order", lambda r, en: r["order_number"]),
        Column("状态", "status", lambda r, en: _said(en, r["status"], RETURN_STATUS_LABELS)),
        Column("原因", "reason", lambda r, en: r["reason"] if en else reasons.get(r["id"], r["reason"])),
        Column("买家说明", "note", lambda r, en: r["note"]),
        Column("退款金额（元）", "amount (CNY)", lambda r, en: Decimal(r["amount"])),
        Column("商品", "items", lambda r, en: _returned_goods(r["lines"], en)),
        Column("要求回库存", "restock asked", lambda r, en: r["restock"]),
        Column("已回库存", "restocked", lambda r, en: r["restocked"]),
        Column("拒绝理由", "refusal", lambda r, en: r["refusal"]),
        Column("申请时间（北京时间）", "requested (Beijing time)", lambda r, en: _time(r["requested_at"])),
        Column("处理时间（北京时间）", "decided (Beijing time)", lambda r, en: _time(r["decided_at"])),
        Column("退款时间（北京时间）", "refunded (Beijing time)", lambda r, en: _time(r["refunded_at"])),
        Column("Stripe 退款编号", "Stripe refund", lambda r, en: r["stripe_refund_id"]),
    )


def returns_csv(rows: list[dict], reasons: dict[int, str], lang: str = "zh") -> str:
    """Returns (as returns_listing made them; `reasons` from return_reasons) as CSV for the owner's spreadsheet."""
    return csv_text(_return_csv(reasons), rows, lang)


INVOICE_CSV = (
    Column("订单号", "order", lambda i, en: i["order_number"]),
    Column("状态", "status", lambda i, en: _said(en, i["status"], INVOICE_STATUS_LABELS)),
    Column("开票金额（元）", "amount (CNY)", lambda i, en: Decimal(i["amount"])),
    Column("发票类型", "kind", lambda i, en: _said(en, i["kind"], INVOICE_KINDS)),
    Column("抬头类型", "title type", lambda i, en: _said(en, i["title_type"], TITLE_TYPES)),
    Column("发票抬头", "title", lambda i, en: i["title"]),
    Column("税号", "tax id", lambda i, en: i["tax_id"]),
    Column("注册地址", "registered address", lambda i, en: i["registered_address"]),
    Column("注册电话", "registered phone", lambda i, en: i["registered_phone"]),
    Column("开户银行", "bank", lambda i, en: i["bank_name"]),
    Column("银行账号", "bank account", lambda i, en: i["bank_account"]),
    Column("发票号码", "invoice number", lambda i, en: i["invoice_number"]),
    Column("申请时间（北京时间）", "requested (Beijing time)", lambda i, en: _time(i["requested_at"])),
    Column("开具时间（北京时间）", "issued (Beijing time)", lambda i, en: _time(i["issued_at"])),
)
"""The columns of the invoice requests export: what the tax platform asks for, in its order."""


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


def invoices_csv(rows: list[dict], lang: str = "zh") -> str:
    """Invoice requests (as invoices_listing made them) as CSV for the owner's spreadsheet."""
    return csv_text(INVOICE_CSV, rows, lang)


@dataclass
class ReconcileReport:
    """What a reconciliation saw and did."""

    checked: int = 0
    recorded: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


MEMBER_CSV = (
    Column("邮箱", "email", lambda m, en: m["email"]),
    Column("开通时间（北京时间）", "since (Beijing time)", lambda m, en: m["since"]),
    Column("到期时间（北京时间）", "until (Beijing time)", lambda m, en: m["until"]),
    Column("状态", "status", lambda m, en: STANDINGS[m["status"]][en]),
    Column("续费方式", "renewal", lambda m, en: RENEWALS[m["renewal"]][en]),
)
"""The columns of the PLUS members export, as `plus members list` shows them."""


def member_json(row: dict) -> dict:
    """A PLUS member as checkout.membership.members_listing made them, times as ISO 8601 (UTC)."""
    return {**row, "since": _stamp(row["since"]), "until": _stamp(row["until"])}


def members_csv(rows: list[dict], lang: str = "zh") -> str:
    """PLUS members (as members_listing made them) as CSV for the owner's spreadsheet."""
    return csv_text(MEMBER_CSV, rows, lang)


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
