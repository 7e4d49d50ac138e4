"""What a buyer pays: decided here from the catalog, never by the browser."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .models import Product

FEN_PER_YUAN = 100


class PurchaseRefused(Exception):
    """A purchase the catalog's rules do not allow, with a code an API can return."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Quote:
    """The unit price one buyer pays for one product at one quantity, and why."""

    unit_price: Decimal
    basis: str  # "price", "member_price" or "tier"

    def total(self, quantity: int) -> Decimal:
        """The line total."""
        return self.unit_price * quantity


def quote(product: Product, quantity: int, *, member: bool) -> Quote:
    """The lowest price the buyer is entitled to: list, member, or the wholesale tier reached."""
    best = Quote(product.price, "price")
    if member and product.member_price is not None and product.member_price < best.unit_price:
        best = Quote(product.member_price, "member_price")
    for tier in product.tiers:
        if quantity >= tier.min_qty and tier.price < best.unit_price:
            best = Quote(tier.price, "tier")
    return best


def check_purchase(product: Product, quantity: int, *, member: bool) -> None:
    """Refuse what the catalog forbids: members-only to guests, orders below the minimum."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise PurchaseRefused("invalid_quantity", "quantity must be a whole number of at least 1")
    if product.members_only and not member:
        raise PurchaseRefused("members_only", f"「{product.title}」为PLUS会员专享，请先开通会员")
    if quantity < product.moq:
        raise PurchaseRefused("below_moq", f"「{product.title}」{product.moq}件起批，当前数量为{quantity}")


def to_fen(amount: Decimal) -> int:
    """Exact integer minor units (fen) for Stripe; refuses amounts finer than a fen."""
    fen = amount * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of fen")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    """Yuan from integer fen."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))
