"""Order statuses: the one list every part of the checkout, the CLI and the API use."""

from __future__ import annotations

from enum import StrEnum


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
