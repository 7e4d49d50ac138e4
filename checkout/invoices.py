"""发票 requests: one per paid order, a personal or company title, editable until the operator issues it.

A company title needs its 统一社会信用代码 (checked by catalog.store's GB 32100-2015 check, the one the
store's own code passes). A 专票 (增值税专用发票) also needs the registered address, phone, bank and
account. The operator issues the invoice outside the store (the tax platform) and records its number
here (`plus orders invoices issue`, the admin API); the buyer gets a mail.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.messages import say
from catalog.store import PHONE_PATTERN, normalized_credit_code

from . import notices
from .models import InvoiceRequest, Order, order_number, utcnow
from .orders import OrderError
from .returns import work_list
from .status import OrderStatus

log = logging.getLogger("plus.checkout.invoices")

TITLE_TYPES = {"personal": "个人", "company": "企业"}
KINDS = {"normal": "增值税普通发票", "special": "增值税专用发票"}
STATUS_LABELS = {"requested": "待开具", "issued": "已开具"}
INVOICEABLE = (OrderStatus.PAID, OrderStatus.SHIPPED)
INVOICE_NUMBER = re.compile(r"^[0-9A-Za-z]{8,20}$")
BANK_ACCOUNT = re.compile(r"^\d{8,30}$")
LIMITS = {"title": 100, "registered_address": 200, "bank_name": 100}


class InvoiceError(ValueError):
    """A field of the invoice form that cannot be used, with the buyer's zh-CN message."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class InvoiceDetails:
    """A checked invoice request, ready to store."""

    title_type: str
    kind: str
    title: str
    tax_id: str | None = None
    registered_address: str | None = None
    registered_phone: str | None = None
    bank_name: str | None = None
    bank_account: str | None = None


def _text(form: dict, name: str) -> str:
    value = form.get(name)
    return " ".join(value.split()) if isinstance(value, str) else ""


def parse_invoice(form: dict) -> InvoiceDetails:
    """The invoice a form asks for, or InvoiceError naming the field and what to fix."""
    title_type, kind = _text(form, "title_type"), _text(form, "kind") or "normal"
    if title_type not in TITLE_TYPES:
        raise InvoiceError("title_type", "请选择发票抬头类型：个人或企业")
    if kind not in KINDS:
        raise InvoiceError("kind", "请选择发票类型：普通发票或专用发票")
    title = _text(form, "title")
    if not title:
        raise InvoiceError("title", "请填写发票抬头：个人填姓名，企业填营业执照上的公司全称")
    for name, limit in LIMITS.items():
        if len(_text(form, name)) > limit:
            raise InvoiceError(name, f"这一项最多 {limit} 个字，请检查是否填错")
    if title_type == "personal":
        if kind == "special":
            raise InvoiceError("kind", "增值税专用发票只能开给企业：个人抬头请选择普通发票")
        return InvoiceDetails("personal", "normal", title)
    try:
        tax_id = normalized_credit_code(_text(form, "tax_id").replace(" ", ""))
    except ValueError as exc:
        raise InvoiceError(
            "tax_id", str(exc) if _text(form, "tax_id") else "企业抬头必须填写统一社会信用代码（税号），见营业执照"
        ) from None
    special = {name: _text(form, name) for name in ("registered_address", "registered_phone", "bank_name", "bank_account")}
    special["bank_account"] = special["bank_account"].replace(" ", "")
    if kind == "special":
        labels = {"registered_address": "注册地址", "registered_phone": "注册电话", "bank_name": "开户银行", "bank_account": "银行账号"}
        if missing := [labels[name] for name, value in special.items() if not value]:
            raise InvoiceError(next(n for n, v in special.items() if not v), f"专用发票还需填写：{'、'.join(missing)}（见开票资料）")
    if special["registered_phone"] and not PHONE_PATTERN.match(special["registered_phone"]):
        raise InvoiceError("registered_phone", "注册电话格式不对：座机写成 021-12345678，手机写 11 位号码")
    if special["bank_account"] and not BANK_ACCOUNT.match(special["bank_account"]):
        raise InvoiceError("bank_account", "银行账号应为 8–30 位数字")
    return InvoiceDetails("company", kind, title, tax_id, **{name: value or None for name, value in special.items()})


def request_invoice(db: Session, order: Order, details: InvoiceDetails, *, now: dt.datetime | None = None) -> InvoiceRequest:
    """Store the order's invoice request, or change it while it is not issued; OrderError when not allowed."""
    now = now or utcnow()
    if order.status not in INVOICEABLE:
        raise OrderError(
            409,
            "not_invoiceable",
            f"订单 {order.number} 当前状态为「{OrderStatus(order.status).label}」，不能申请发票",
            f"order {order.number} is {order.status}: no invoice can be asked for",
        )
    invoice = db.scalar(select(InvoiceRequest).where(InvoiceRequest.order_id == order.id).with_for_update())
    if invoice is not None and invoice.status == "issued":
        raise OrderError(
            409,
            "already_issued",
            f"订单 {order.number} 的发票已开具（号码 {invoice.invoice_number}），不能再修改：如需更正请联系客服",
            f"the invoice of order {order.number} is issued (number {invoice.invoice_number}) and cannot change:"
            " contact customer service to correct it",
        )
    if invoice is None:
        invoice = InvoiceRequest(order_id=order.id, status="requested", requested_at=now)
        db.add(invoice)
    for name, value in vars(details).items():
        setattr(invoice, name, value)
    invoice.updated_at = now
    db.flush()
    log.info(say("订单 %s 申请了发票（%s，%s）", "invoice for order %s requested (%s, %s)"), order.number, details.title_type, details.kind)
    return invoice


def get_invoice(db: Session, order_id: int) -> InvoiceRequest:
    """The invoice request of an order, or OrderError 404."""
    invoice = db.scalar(select(InvoiceRequest).where(InvoiceRequest.order_id == order_id)) if 0 < order_id < 2**31 else None
    if invoice is None:
        raise OrderError(
            404,
            "invoice_not_found",
            f"订单 {order_number(order_id)} 没有发票申请",
            f"order {order_number(order_id)} has no invoice request",
        )
    return invoice


def issue(db: Session, order_id: int, number: str, *, now: dt.datetime | None = None) -> InvoiceRequest:
    """Mark an order's invoice issued with its number and mail the buyer (the same number again changes nothing)."""
    invoice = get_invoice(db, order_id)
    number = number.strip()
    if not INVOICE_NUMBER.match(number):
        raise OrderError(
            400,
            "bad_invoice_number",
            "发票号码应为 8–20 位数字或字母（全电发票 20 位）",
            "an invoice number is 8–20 digits or letters (20 for a fully digital e-invoice)",
        )
    if invoice.status == "issued":
        if invoice.invoice_number == number:
            return invoice
        raise OrderError(
            409,
            "already_issued",
            f"这张发票已开具，号码 {invoice.invoice_number}",
            f"this invoice is issued already, number {invoice.invoice_number}",
        )
    invoice.status, invoice.invoice_number, invoice.issued_at = "issued", number, now or utcnow()
    notices.invoice_issued(db, db.get_one(Order, order_id), invoice)
    return invoice


def list_invoices(db: Session, *, status: str | None = None, limit: int = 200) -> list[InvoiceRequest]:
    """Invoice requests, oldest first when filtered by status (a work queue), else newest first."""
    return work_list(db, InvoiceRequest, status, limit)
