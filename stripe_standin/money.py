"""Stripe amounts are integer minor units (fen); people read yuan."""

from __future__ import annotations

from decimal import Decimal

from catalog.money import yuan

SYMBOLS = {"cny": "¥", "usd": "$", "eur": "€", "hkd": "HK$"}
ZERO_DECIMAL = {"jpy", "krw", "vnd"}


def to_major(amount: int, currency: str) -> Decimal:
    """Minor units to a Decimal in major units: 6900 fen → Decimal('69.00')."""
    if currency in ZERO_DECIMAL:
        return Decimal(amount)
    return (Decimal(amount) / 100).quantize(Decimal("0.01"))


def format_amount(amount: int, currency: str) -> str:
    """How an amount reads on the pay page and in messages: `¥69.00`."""
    symbol = SYMBOLS.get(currency, currency.upper() + " ")
    return f"{symbol}{to_major(amount, currency):,}"


def shown_amount(amount: int, currency: str) -> str:
    """How the pay page writes an amount: the store's one rule for shoppers (catalog.money.yuan), `¥69`, `¥8.55`."""
    return f"{SYMBOLS.get(currency, currency.upper() + ' ')}{yuan(to_major(amount, currency))}"
