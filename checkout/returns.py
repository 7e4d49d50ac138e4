"""Returns: a buyer asks to send back some lines of an order; the operator approves or refuses.

The policy is content (`content/store.yaml` → `returns`): how many days, and the categories whose
no-reason returns the store refuses (a quality problem is still returnable there). The window runs
from shipping plus `TRANSIT_DAYS` (the store records when a parcel left, not when it arrived). A buyer
can never ask for more units of a line than were bought minus those already asked for (requests
that were not refused). The amount is the lines' unit prices as the order charged them, never the
delivery fee.

Approving refunds exactly that amount at Stripe in three steps, none of which holds a transaction
while Stripe answers: (1) record the intent (`refunding`); (2) create the partial refund with the
idempotency key `plus-return-<id>` and metadata `plus_return`; (3) record the refund, the refunded
total and (when asked) the restock, once. A crash between (1) and (3) leaves `refunding`; approving
again finds the refund already made (the key, or the metadata when the key has expired) instead of
making a second. `refunded_amount` only ever grows to a total Stripe confirmed, so the
`charge.refunded` event of the same refund counts nothing twice (checkout.charges).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

import stripe
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from catalog import Catalog
from catalog.messages import say
from catalog.pricing import to_fen
from catalog.store import Returns

from . import notices
from .charges import record_refunded_charge
from .db import Database
from .localtime import local_time
from .models import CheckoutSession, InvoiceRequest, Order, ReturnLine, ReturnRequest, StockCounter, order_number, return_number, utcnow
from .orders import OrderError
from .status import OrderStatus
from .stripe_api import as_dict

log = logging.getLogger("plus.checkout.returns")
Request = TypeVar("Request", ReturnRequest, InvoiceRequest)

REASONS = {"no_reason": "七天无理由", "quality": "质量问题", "wrong_item": "发错货或少件", "other": "其他原因"}
"""Why a buyer returns goods, as the order page offers it."""
CANCEL_REASONS = {"no_reason": "不想要了", "other": "其他原因"}
"""Why a buyer cancels lines before the order ships, as the order page offers it (same keys as REASONS)."""
EXCLUSION_APPLIES = {"no_reason", "other"}
"""The reasons an excluded category refuses after shipping; a quality problem or a wrong item is returnable everywhere.
Before shipping nothing has reached the buyer: a cancellation is no return, and no category refuses it."""
TRANSIT_DAYS = 5
"""Days a parcel may travel before the buyer signs for it (the store's delivery note: 2–5 days)."""
RETURNABLE = (OrderStatus.PAID, OrderStatus.SHIPPED)
COUNTED = ("requested", "refunding", "refunded")
"""Return statuses whose units are no longer returnable (a refused return gives them back)."""
STATUSES = ("requested", "refunding", "refunded", "refused")
STATUS_LABELS = {"requested": "待审核", "refunding": "退款处理中", "refunded": "已退款", "refused": "未通过"}
MAX_NOTE = 200


@dataclass(frozen=True)
class LineTerms:
    """What a buyer may still return of one order line."""

    line_id: int
    title: str
    bought: int
    returnable: int
    excluded: str | None
    """Why this line's category has no no-reason returns (None: it has them)."""


def deadline(order: Order, policy: Returns) -> dt.datetime | None:
    """The last moment a return may be asked for (None: not shipped yet, so any time)."""
    if order.shipped_at is None:
        return None
    return order.shipped_at + dt.timedelta(days=policy.days + TRANSIT_DAYS)


def _asked_for(db: Session, order_id: int) -> dict[int, int]:
    """Units per order line already asked for by returns that were not refused."""
    rows = db.execute(
        select(ReturnLine.order_line_id, func.sum(ReturnLine.quantity))
        .join(ReturnRequest, ReturnRequest.id == ReturnLine.return_id)
        .where(ReturnRequest.order_id == order_id, ReturnRequest.status.in_(COUNTED))
        .group_by(ReturnLine.order_line_id)
    ).all()
    return {line_id: int(total or 0) for line_id, total in rows}


def line_terms(db: Session, order: Order, catalog: Catalog) -> list[LineTerms]:
    """Each line of the order with the units still returnable and any category exclusion."""
    exclusions = {e.category: e.reason for e in catalog.store.returns.exclusions}
    asked = _asked_for(db, order.id)
    terms = []
    for line in order.lines:
        product = catalog.products.get(line.product_id)  # a product gone from the catalog has no exclusion left to apply
        excluded = exclusions.get(product.category) if product is not None else None
        terms.append(LineTerms(line.id, line.title, line.quantity, max(0, line.quantity - asked.get(line.id, 0)), excluded))
    return terms


def reasons_for(order: Order) -> dict[str, str]:
    """The reasons the order page offers now: a cancellation's before shipping, a return's after."""
    return CANCEL_REASONS if order.shipped_at is None else REASONS


def reason_label(order: Order, request: ReturnRequest) -> str:
    """A return's reason in the words it was asked with (a cancellation's, when asked before shipping)."""
    asked_with = CANCEL_REASONS if notices.return_word(order, request) == "取消" else REASONS
    return asked_with.get(request.reason) or REASONS.get(request.reason, request.reason)


def may_ask(order: Order, catalog: Catalog, now: dt.datetime | None = None) -> bool:
    """Whether the order page offers a return (status and window; the lines are checked on asking)."""
    end = deadline(order, catalog.store.returns)
    return order.status in RETURNABLE and (end is None or (now or utcnow()) <= end)


def request_return(
    db: Session,
    order_id: int,
    quantities: dict[int, int],
    *,
    reason: str,
    note: str,
    catalog: Catalog,
    now: dt.datetime | None = None,
) -> ReturnRequest:
    """Record a buyer's return of `quantities` (order line id → units) and mail them; OrderError when refused."""
    now = now or utcnow()
    order = db.scalar(select(Order).where(Order.id == order_id).with_for_update())  # two tabs asking at once queue here
    if order is None:
        raise OrderError(404, "order_not_found", f"订单 {order_number(order_id)} 不存在", f"order {order_number(order_id)} does not exist")
    policy = catalog.store.returns
    if order.status not in RETURNABLE:
        raise OrderError(
            409,
            "not_returnable",
            f"订单 {order.number} 当前状态为「{OrderStatus(order.status).label}」，不能申请退货",
            f"order {order.number} is {order.status}: no return can be asked for",
        )
    end = deadline(order, policy)
    if end is not None and now > end:
        raise OrderError(
            409,
            "window_closed",
            f"订单 {order.number} 已过退货期限（签收后 {policy.days} 天内可申请，截至 {local_time(end)}）。如商品有质量问题，请联系客服。",
            f"order {order.number} is past its return window ({policy.days} days from delivery, until {local_time(end)} Beijing time);"
            " for a quality problem, contact customer service",
        )
    if reason not in reasons_for(order):
        asked = ("取消", "cancelling") if order.shipped_at is None else ("退货", "the return")
        raise OrderError(400, "bad_reason", f"请选择{asked[0]}原因", f"choose a reason for {asked[1]}")
    if len(note) > MAX_NOTE:
        raise OrderError(400, "bad_note", f"补充说明最多 {MAX_NOTE} 个字", f"the note takes at most {MAX_NOTE} characters")
    if any(quantity < 0 for quantity in quantities.values()):
        raise OrderError(400, "bad_quantity", "退货数量不能是负数", "a quantity to return cannot be negative")
    wanted = {line_id: quantity for line_id, quantity in quantities.items() if quantity > 0}
    if not wanted:
        raise OrderError(400, "nothing_to_return", "请至少为一件商品填写退货数量", "give a quantity to return for one item at least")
    terms = {t.line_id: t for t in line_terms(db, order, catalog)}
    if unknown := set(wanted) - set(terms):
        raise OrderError(
            400,
            "unknown_line",
            f"订单 {order.number} 没有这件商品（{min(unknown)}）：请刷新订单页再试",
            f"order {order.number} has no such item ({min(unknown)}): reload the order page and try again",
        )
    lines = {line.id: line for line in order.lines}
    request = ReturnRequest(order_id=order.id, status="requested", reason=reason, note=note.strip(), requested_at=now)
    for line_id, quantity in sorted(wanted.items()):
        term = terms[line_id]
        if term.excluded and reason in EXCLUSION_APPLIES and order.shipped_at is not None:
            raise OrderError(
                409,
                "excluded",
                f"「{term.title}」不支持七天无理由退货：{term.excluded}。如果商品有质量问题，请选择「质量问题」。",
                f"“{term.title}” has no no-reason returns: {term.excluded}; for a quality problem, choose that reason",
            )
        if quantity > term.returnable:
            raise OrderError(
                409,
                "too_many",
                f"「{term.title}」最多还能退 {term.returnable} 件（购买 {term.bought} 件，已申请退 {term.bought - term.returnable} 件）",
                f"at most {term.returnable} more of “{term.title}” can be returned"
                f" ({term.bought} bought, {term.bought - term.returnable} asked back already)",
            )
        line = lines[line_id]
        request.lines.append(
            ReturnLine(
                order_line_id=line.id, product_id=line.product_id, title=line.title, quantity=quantity, amount=line.unit_price * quantity
            )
        )
    request.amount = sum((line.amount for line in request.lines), Decimal("0.00"))
    db.add(request)
    db.flush()
    notices.return_requested(db, order, request)
    log.info(say("退货 %s（订单 %s）已申请：¥%s", "return %s of order %s requested: ¥%s"), request.number, order.number, request.amount)
    return request


def get_return(db: Session, return_id: int) -> ReturnRequest:
    """A return by id, or OrderError 404."""
    found = db.get(ReturnRequest, return_id) if 0 < return_id < 2**31 else None
    if found is None:
        raise OrderError(
            404, "return_not_found", f"售后单 {return_number(return_id)} 不存在", f"return {return_number(return_id)} does not exist"
        )
    return found


def refuse(db: Session, return_id: int, *, why: str, now: dt.datetime | None = None) -> ReturnRequest:
    """Refuse a return still waiting for a decision, telling the buyer why (a second refusal changes nothing)."""
    request = get_return(db, return_id)
    why = why.strip()
    if request.status == "refused":
        return request
    if request.status != "requested":
        raise OrderError(
            409,
            "already_approved",
            f"售后单 {request.number} 已批准（{STATUS_LABELS[request.status]}），不能再拒绝",
            f"return {request.number} was approved already ({request.status}): it cannot be refused",
        )
    if not why or len(why) > MAX_NOTE:
        raise OrderError(
            400,
            "bad_refusal",
            f"请写明拒绝的原因（买家会看到，最多 {MAX_NOTE} 个字）",
            f"say why it is refused (the buyer reads it; at most {MAX_NOTE} characters)",
        )
    request.status, request.refusal, request.decided_at = "refused", why, now or utcnow()
    notices.return_refused(db, db.get_one(Order, request.order_id), request)
    return request


@dataclass(frozen=True)
class _Intent:
    """What the Stripe call of an approval needs, read in the transaction that recorded it."""

    payment_intent: str
    order_number: str
    fen: int
    retrying: bool


def approve(
    database: Database, return_id: int, *, client: stripe.StripeClient, restock: bool = False, now: dt.datetime | None = None
) -> ReturnRequest:
    """Approve a return: refund its lines at Stripe (once, however often this runs) and restock if asked."""
    with database.transaction() as db:
        intent = _record_intent(db, return_id, restock=restock, now=now or utcnow())
    if intent is None:  # refunded already
        with database.sessions() as db:
            return get_return(db, return_id)
    refund, charge = _refund_at_stripe(database, client, return_id, intent) if intent.fen else ({}, None)
    with database.transaction() as db:
        request = get_return(db, return_id)
        if request.status == "refunding":
            _record_refund(db, request, refund, charge, now or utcnow())
        return request


def _record_intent(db: Session, return_id: int, *, restock: bool, now: dt.datetime) -> _Intent | None:
    request = get_return(db, return_id)
    if request.status == "refunded":
        return None
    if request.status == "refused":
        raise OrderError(
            409,
            "return_refused",
            f"售后单 {request.number} 已拒绝，不能再批准：请让买家重新申请",
            f"return {request.number} was refused and cannot be approved now: ask the buyer to ask again",
        )
    order = db.get_one(Order, request.order_id)
    retrying = request.status == "refunding"
    if not retrying:
        if not order.stripe_payment_intent:
            raise OrderError(409, "not_refundable", f"订单 {order.number} 没有可退的付款", f"order {order.number} has no payment to refund")
        refundable = order.amount_total - order.refunded_amount
        if request.amount > refundable:
            raise OrderError(
                409,
                "exceeds_refundable",
                f"售后单 {request.number} 要退 ¥{request.amount}，订单 {order.number} 只剩 ¥{refundable} 可退",
                f"return {request.number} refunds ¥{request.amount}, but only ¥{refundable} of order {order.number} is left to refund",
            )
        request.status, request.decided_at = "refunding", now
    request.restock = request.restock or restock
    return _Intent(order.stripe_payment_intent or "", order.number, to_fen(request.amount), retrying)


def _refund_at_stripe(database: Database, client: stripe.StripeClient, return_id: int, intent: _Intent) -> tuple[dict, dict | None]:
    """The return's refund (made now, or found when an earlier attempt made it) and its charge after it."""
    try:
        refund = _made_before(client, return_id, intent) if intent.retrying else None
        if refund is None:
            refund = as_dict(
                client.v1.refunds.create(
                    {
                        "payment_intent": intent.payment_intent,
                        "amount": intent.fen,
                        "reason": "requested_by_customer",
                        "metadata": {"order": intent.order_number, "plus_return": str(return_id)},
                    },
                    {"idempotency_key": f"plus-return-{return_id}"},
                )
            )
    except stripe.InvalidRequestError as exc:  # Stripe refused it: nothing was refunded, the return waits again
        log.error(say("Stripe 拒绝了退货 %s 的退款：%s", "Stripe refused the refund of return %s: %s"), return_id, exc)
        with database.transaction() as db:
            db.execute(
                update(ReturnRequest).where(ReturnRequest.id == return_id, ReturnRequest.status == "refunding").values(status="requested")
            )
        raise OrderError(
            502,
            "refund_refused",
            f"支付服务拒绝了这笔退款：{exc.user_message or exc}",
            f"the payment service refused this refund: {exc.user_message or exc}",
        ) from exc
    except stripe.StripeError as exc:  # unknown outcome: the return stays `refunding`, approving again completes it
        log.error(say("退货 %s 的退款没有得到确认：%s", "refund of return %s not confirmed: %s"), return_id, exc)
        raise OrderError(
            502,
            "refund_failed",
            "退款未确认：支付服务暂不可用，请稍后再次批准（不会重复退款）",
            "the refund is not confirmed: the payment service is unavailable; approve again later (it never refunds twice)",
        ) from exc
    charge = None
    if isinstance(refund.get("charge"), str):
        try:
            charge = as_dict(client.v1.charges.retrieve(refund["charge"]))
        except stripe.StripeError as exc:  # the charge.refunded event brings the total later
            log.warning(say("退款 %s 对应的付款没能读取：%s", "charge of refund %s not read: %s"), refund.get("id"), exc)
    return refund, charge


def _made_before(client: stripe.StripeClient, return_id: int, intent: _Intent) -> dict | None:
    """The refund an earlier, interrupted approval made (its idempotency key may have expired since)."""
    for found in client.v1.refunds.list({"payment_intent": intent.payment_intent, "limit": 100}).auto_paging_iter():
        refund = as_dict(found)
        if (refund.get("metadata") or {}).get("plus_return") == str(return_id) and refund.get("status") != "failed":
            return refund
    return None


def _record_refund(db: Session, request: ReturnRequest, refund: dict, charge: dict | None, now: dt.datetime) -> None:
    order = db.get_one(Order, request.order_id)
    request.status, request.refunded_at = "refunded", now
    request.stripe_refund_id = refund.get("id")
    if charge is not None:
        record_refunded_charge(db, order, charge, now)
    # Without the charge, our own refunds are a total Stripe has certainly reached; the event brings the rest.
    done = db.scalars(select(ReturnRequest.amount).where(ReturnRequest.order_id == order.id, ReturnRequest.status == "refunded"))
    order.refunded_amount = max(order.refunded_amount, sum(done, Decimal("0.00")))
    if request.restock and not request.restocked:
        restock(db, order, request)
        request.restocked = True
    notices.return_approved(db, order, request)
    log.info(
        say("退货 %s（订单 %s）已退款 ¥%s（%s）", "return %s of order %s refunded ¥%s (%s)"),
        request.number,
        order.number,
        request.amount,
        request.stripe_refund_id,
    )


def restock(db: Session, order: Order, request: ReturnRequest) -> None:
    """Give the returned units of stock-limited products back to their counters."""
    checkout = db.get(CheckoutSession, order.checkout_id)
    limited = {line["product"] for line in (checkout.lines if checkout else []) if line.get("stock_limited")}
    for line in request.lines:
        if line.product_id in limited:
            db.execute(
                update(StockCounter)
                .where(StockCounter.product_id == line.product_id, StockCounter.committed >= line.quantity)
                .values(committed=StockCounter.committed - line.quantity)
            )


def work_list(db: Session, model: type[Request], status: str | None, limit: int) -> list[Request]:
    """Requests of `model` (returns, invoices), oldest first when filtered by status (a work queue), else newest first."""
    query = select(model)
    if status:
        query = query.where(model.status == status).order_by(model.id)
    else:
        query = query.order_by(model.id.desc())
    return list(db.scalars(query.limit(limit)).all())


def list_returns(db: Session, *, status: str | None = None, limit: int = 200) -> list[ReturnRequest]:
    """Returns, oldest waiting first when filtered by status, else newest first."""
    return work_list(db, ReturnRequest, status, limit)
