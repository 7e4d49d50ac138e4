"""The delivery fee: the one place it is computed, for the cart, the checkout and the help pages.

How an order's fee is decided (pure, Decimal, no I/O):

1. The province, when known, is made canonical (`regions.canonical_province`). An unknown
   name or a province in `delivery.not_served` gives `served=False` and fee 0: nothing may be
   sold to that address. `province=None` (cart before an address) quotes without surcharge.
2. Each delivery class present in the order (`Product.delivery_class`; an empty order counts
   as `normal`) is priced on its own terms in store.yaml: free for a PLUS member when that class
   is `member_free`; free when the order's *whole goods subtotal* reaches that class's own
   `free_threshold` (cold chain usually has a higher one, or none); otherwise its `fee`.
3. Classes do not add up: the order pays the single highest class fee once. On a tie the
   heavier class (cold_chain over bulky over normal) speaks for the order.
4. The province's surcharge (`delivery.surcharges`) is added on top, even when the class fee
   is free: free delivery does not cover remote regions.

`free_reason` is set only when the shopper pays nothing for delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from .models import DeliveryClass, Product
from .money import price_label, yuan
from .regions import canonical_province
from .store import ClassTerms, DeliveryTerms

if TYPE_CHECKING:
    from .load import Catalog

ZERO = Decimal("0.00")
_RANK = {DeliveryClass.NORMAL: 0, DeliveryClass.BULKY: 1, DeliveryClass.COLD_CHAIN: 2}


@dataclass(frozen=True)
class DeliveryQuote:
    """What delivery costs one order to one province, and the line that explains it."""

    fee: Decimal  # what the shopper pays for delivery, 0.00 when free
    served: bool  # False: this region is not delivered to
    free_reason: str | None  # zh-CN, e.g. "PLUS会员包邮" / "满99元包邮"; None when a fee applies
    surcharge: Decimal  # the region's part of `fee`
    message: str  # zh-CN one line for the cart and pay pages


@dataclass(frozen=True)
class _ClassFee:
    delivery_class: DeliveryClass
    fee: Decimal
    reason: str | None  # why it is free, when it is
    terms: ClassTerms


def _class_fee(terms: ClassTerms, delivery_class: DeliveryClass, subtotal: Decimal, *, member: bool) -> _ClassFee:
    """One class's fee for an order of `subtotal`, with why it is free when it is."""
    if member and terms.member_free:
        return _ClassFee(delivery_class, ZERO, "PLUS会员包邮", terms)
    if terms.free_threshold is not None and subtotal >= terms.free_threshold:
        return _ClassFee(delivery_class, ZERO, f"满{yuan(terms.free_threshold)}元包邮", terms)
    if terms.fee == 0:
        return _ClassFee(delivery_class, ZERO, "包邮", terms)
    return _ClassFee(delivery_class, terms.fee, None, terms)


def terms_for(delivery: DeliveryTerms, delivery_class: DeliveryClass) -> ClassTerms:
    """A class's terms; a class store.yaml leaves out ships on normal terms (the loader refuses products that use one)."""
    return delivery.classes.get(delivery_class) or delivery.classes[DeliveryClass.NORMAL]


def quote_delivery(
    catalog: Catalog,
    lines: Sequence[tuple[Product, int]],
    subtotal: Decimal,
    *,
    province: str | None,
    member: bool,
) -> DeliveryQuote:
    """The delivery fee for `lines` (product, quantity) worth `subtotal` to `province`; see the module docstring."""
    delivery = catalog.store.delivery
    canonical = None
    if province is not None:
        canonical = canonical_province(province)
        if canonical is None:
            return DeliveryQuote(ZERO, False, None, ZERO, f"无法识别的收货省份「{province}」：请选择省级行政区")
        if canonical in delivery.not_served:
            return DeliveryQuote(ZERO, False, None, ZERO, f"{canonical} 暂不配送")
    classes = {product.delivery_class for product, quantity in lines if quantity > 0} or {DeliveryClass.NORMAL}
    fees = [_class_fee(terms_for(delivery, c), c, subtotal, member=member) for c in classes]
    governing = max(fees, key=lambda f: (f.fee, _RANK[f.delivery_class]))
    surcharge = delivery.surcharges.get(canonical, ZERO) if canonical else ZERO
    fee = governing.fee + surcharge
    if fee == 0:
        return DeliveryQuote(ZERO, True, governing.reason, ZERO, f"免运费（{governing.reason}）")
    return DeliveryQuote(fee, True, None, surcharge, _fee_message(governing, subtotal, surcharge, canonical, delivery, province))


def _fee_message(
    governing: _ClassFee, subtotal: Decimal, surcharge: Decimal, canonical: str | None, delivery: DeliveryTerms, province: str | None
) -> str:
    name = "运费" if governing.delivery_class is DeliveryClass.NORMAL else f"{governing.delivery_class.label}运费"
    parts = []
    if governing.fee > 0:
        terms = governing.terms
        if terms.free_threshold is not None:
            short = terms.free_threshold - subtotal
            parts.append(f"满 {price_label(terms.free_threshold)} 包邮，还差 {price_label(short)}")
        if terms.member_free:
            parts.append("PLUS会员包邮")
    else:
        parts.append(f"{governing.reason}，不含偏远地区附加费")
    if surcharge > 0:
        parts.append(f"含{canonical}附加费 {price_label(surcharge)}")
    elif province is None and delivery.surcharges:
        parts.append("部分偏远地区另收附加费")
    detail = f"（{'；'.join(parts)}）" if parts else ""
    return f"{name} {price_label(governing.fee + surcharge)}{detail}"


def class_rule(delivery_class: DeliveryClass, terms: ClassTerms) -> str:
    """One class's rule as one zh-CN line: "普通快递：运费 ¥8，满 ¥99 包邮，PLUS会员包邮"."""
    if terms.fee == 0:
        return f"{delivery_class.label}：包邮"
    parts = [f"运费 {price_label(terms.fee)}"]
    if terms.free_threshold is not None:
        parts.append(f"满 {price_label(terms.free_threshold)} 包邮")
    else:
        parts.append("不设满额包邮")
    parts.append("PLUS会员包邮" if terms.member_free else "PLUS会员不包邮")
    return f"{delivery_class.label}：{'，'.join(parts)}"


def dispatch_text(hours: int) -> str:
    """A product's dispatch promise: 48 → 48小时内发货."""
    return f"{hours}小时内发货"
