"""The delivery fee of a cart to a province, decided on the server from the catalog's rules.

The rules live in `catalog.delivery` (`quote_delivery`) and the provinces in `catalog.regions`;
the checkout only asks. The fee is charged in fen as a Stripe shipping option and stored with the order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from catalog import Catalog

from .cart import Line

try:  # the catalog's delivery rules (branch f10a); without them every province served is free
    from catalog.delivery import quote_delivery
    from catalog.regions import PROVINCES, canonical_province
except ImportError:  # pragma: no cover - only until catalog.delivery is merged
    quote_delivery = None
    PROVINCES = (
        "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市", "江苏省",
        "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "广西壮族自治区",
        "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区",
        "新疆维吾尔自治区",
    )  # fmt: skip

    def canonical_province(name: str) -> str | None:
        """The province's full name for a full or short one ("浙江" → "浙江省"), else None."""
        name = (name or "").strip()
        for province in PROVINCES:
            if name and (province == name or province.startswith(name) and len(name) >= 2):
                return province
        return None


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
    if quote_delivery is None:
        return Fee(ZERO, True, "包邮", "all")
    quote = quote_delivery(catalog, pairs, subtotal, province=province, member=member)
    return Fee(Decimal(quote.fee).quantize(Decimal("0.01")), bool(quote.served), quote.message, quote.free_reason)
