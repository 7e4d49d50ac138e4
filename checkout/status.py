"""Order statuses: the one list every part of the checkout, the CLI and the API use."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from catalog.money import price_label


class OrderStatus(StrEnum):
    """Where an order stands; it only moves forward (awaiting_payment → paid → shipped → refunded)."""

    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    PAYMENT_FAILED = "payment_failed"
    SHIPPED = "shipped"
    REFUNDED = "refunded"
    AMOUNT_MISMATCH = "amount_mismatch"
    """Stripe reported a different amount or currency than the store priced: never paid, for the operator to check."""

    @property
    def label(self) -> str:
        """The shopper's word for it."""
        return _LABELS[self]


_LABELS = {
    OrderStatus.AWAITING_PAYMENT: "待付款确认",
    OrderStatus.PAID: "已付款",
    OrderStatus.PAYMENT_FAILED: "付款失败",
    OrderStatus.SHIPPED: "已发货",
    OrderStatus.REFUNDED: "已退款",
    OrderStatus.AMOUNT_MISMATCH: "金额不符，待核查",
}


DISPUTE_WORDS = {
    "warning_needs_response": "争议预警，待回应",
    "warning_under_review": "争议预警，审核中",
    "warning_closed": "争议预警已结束",
    "needs_response": "争议待回应",
    "under_review": "争议审核中",
    "won": "争议胜诉",
    "lost": "争议败诉",
    "prevented": "争议已阻止",
}
"""Stripe's statuses of a disputed payment, in the owner's words."""


def dispute_label(status: str | None) -> str:
    """A dispute's Stripe status in the owner's words (`争议待回应`); a status Stripe adds later as it is."""
    return DISPUTE_WORDS.get(status or "", status or "")


def partly_refunded(status: str, refunded: Decimal | None) -> bool:
    """Whether an order in `status` with `refunded` refunded so far has had part of its total back (a
    return, a partial refund at Stripe): some refunded, and the order not refunded in full."""
    return bool(refunded) and status != OrderStatus.REFUNDED


def status_with_refund(status: str, refunded: Decimal | None) -> str:
    """The status with a partial refund after it: `已付款 · 部分退款 ¥8.55`."""
    shown = OrderStatus(status).label
    if partly_refunded(status, refunded):
        shown += f" · 部分退款 {price_label(refunded)}"
    return shown
