"""What PLUS membership is worth, computed from the catalog's member prices and delivery terms."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from .models import DeliveryClass, Product

if TYPE_CHECKING:
    from .load import Catalog


@dataclass(frozen=True)
class MemberSaving:
    """One product's member price against its list price."""

    id: str
    product: Product
    saving: Decimal

    @property
    def member_price(self) -> Decimal:
        """The price a member pays (always set for a saving)."""
        return self.product.member_price or self.product.price


@dataclass(frozen=True)
class MembershipValue:
    """The yearly fee beside what a member saves: per product, one of each, and on delivery."""

    yearly_fee: Decimal
    savings: tuple[MemberSaving, ...]
    """Products with a member price, largest saving first."""
    free_delivery: tuple[DeliveryClass, ...]
    """Delivery classes members ship free."""
    delivery_saving: Decimal
    """The normal delivery fee a member does not pay on an order below the free threshold (0 when none)."""

    @property
    def one_each(self) -> Decimal:
        """Saved buying one of every member-priced product once."""
        return sum((s.saving for s in self.savings), Decimal("0.00"))

    @property
    def best(self) -> MemberSaving | None:
        """The product with the largest member saving."""
        return self.savings[0] if self.savings else None


def membership_value(catalog: Catalog) -> MembershipValue:
    """Member savings from the catalog: member prices below list prices, and member-free delivery."""
    savings = [
        MemberSaving(pid, p, p.price - p.member_price)
        for pid, p in catalog.products.items()
        if p.member_price is not None and p.member_price < p.price
    ]
    savings.sort(key=lambda s: (-s.saving, s.id))
    classes = catalog.store.delivery.classes
    free = tuple(c for c in DeliveryClass if c in classes and classes[c].member_free)
    normal = classes[DeliveryClass.NORMAL]
    delivery_saving = normal.fee if normal.member_free else Decimal("0.00")
    return MembershipValue(catalog.store.membership.yearly_fee, tuple(savings), free, delivery_saving)
