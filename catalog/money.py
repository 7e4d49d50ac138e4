"""How amounts are written: the one place the site, the checkout, the reports and the CLI format money."""

from __future__ import annotations

from decimal import Decimal

CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    """Exactly two decimals, as APIs, JSON-LD and curators' files write prices: `69.00`."""
    return f"{value.quantize(CENT):f}"


def yuan(value: Decimal | str | None) -> str:
    """A price as shoppers read it, without the sign: `69`, `8.55`, `42.75`; empty for no price.

    The one rule on every page, mail and message a shopper reads: whole yuan without decimals,
    otherwise two decimals. A string is an amount as stored in JSON (`"69.00"`).
    """
    if value is None:
        return ""
    return money(Decimal(value)).removesuffix(".00")


def price_label(value: Decimal | str | None, *, exact: bool = False) -> str:
    """With the sign: `¥69` for shoppers, `¥69.00` (`exact`) for curators and operators; `—` for none."""
    if value is None:
        return "—"
    return f"¥{money(Decimal(value)) if exact else yuan(value)}"
