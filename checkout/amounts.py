"""Whether Stripe charged what the store priced: a signed event saying 0.01 USD never pays a ¥14.30 order."""

from __future__ import annotations

import logging
from decimal import Decimal

from catalog.messages import say
from catalog.pricing import to_fen

from .models import CheckoutSession

log = logging.getLogger("plus.checkout.amounts")


def line_total(line: dict) -> Decimal:
    """A checkout line's quantity × unit price as the server priced it (the order keeps it as `OrderLine.line_total`)."""
    return Decimal(line["unit_price"]) * int(line["quantity"])


def amount_matches(checkout: CheckoutSession, session: dict) -> bool:
    """Whether Stripe's session charges exactly what the store priced: the amount in fen and the currency."""
    charged = session.get("amount_total")
    currency = str(session.get("currency") or "").lower()
    return isinstance(charged, int) and charged == to_fen(checkout.amount_total) and currency == checkout.currency.lower()


def log_mismatch(checkout: CheckoutSession, session: dict) -> None:
    """An ERROR line an operator's alerting picks up: a payment that does not match its checkout."""
    log.error(
        say(
            "AMOUNT MISMATCH 金额不符：付款会话 %s（结账 %s）报的是 %s %s，商店的价格是 %s 分 %s：没有记为已付款",
            "AMOUNT MISMATCH: session %s (checkout %s) reports %s %s, the store priced %s fen %s: not marked paid",
        ),
        session.get("id"),
        checkout.id,
        session.get("amount_total"),
        session.get("currency"),
        to_fen(checkout.amount_total),
        checkout.currency,
    )
