"""The delivery fee of a cart to a province, decided on the server from the catalog's rules.

The rules live in `catalog.delivery` (`quote_delivery`) and the provinces in `catalog.regions`;
the checkout only asks. The fee is charged in fen as a Stripe shipping option and stored with the order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from catalog import Catalog
from catalog.delivery import quote_delivery
from catalog.regions import PROVINCES, canonical_province

from .cart import Line

__all__ = ["PROVINCES", "Fee", "canonical_province", "delivery_fee"]

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Fee:
    """What delivering a cart to a province costs, and whether the store delivers there at all."""

    fee: Decimal
    served: bool
    message: str
    free_reason: str | None = None


def delivery_fee(catalog: Catalog, lines: list[Line] | list[dict], *, province: str | None, member: bool) -> Fee:
    """The fee for priced lines (or lines as stored with a checkout) to `province`."""
    pairs, subtotal = [], ZERO
    for line in lines:
        product_id, quantity, unit = (
            (line["product"], int(line["quantity"]), Decimal(line["unit_price"]))
            if isinstance(line, dict)
            else (line.product_id, line.quantity, line.unit_price)
        )
        subtotal += unit * quantity
        if product_id in catalog.products:
            pairs.append((catalog.products[product_id], quantity))
    quote = quote_delivery(catalog, pairs, subtotal, province=province, member=member)
    return Fee(Decimal(quote.fee).quantize(Decimal("0.01")), bool(quote.served), quote.message, quote.free_reason)
