"""Values derived from the catalog once, so every page, feed, API and report shows the same number."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from .models import Comparison, PricePoint, Product, ReferenceKind, Retailer, Settings, Unit

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Badge:
    """A label on a product, computed from its data, never typed by a curator."""

    code: str
    label: str


@dataclass(frozen=True)
class Saving:
    """What a product saves against one reference, at the reference's size."""

    comparison: Comparison
    retailer: Retailer
    ratio: Decimal
    """Our price per unit divided by the reference's: 0.1 is 1折."""
    saving: Decimal
    """Yuan saved on our pack: the reference's price for our amount, less ours (never at the other shop's size)."""
    per_label: str | None
    """Set when sizes differ and prices are compared per unit, e.g. 每100g."""
    our_unit_price: Decimal | None
    ref_unit_price: Decimal | None
    stale: bool

    @property
    def zhe(self) -> Decimal:
        """The discount in 折, rounded up to one decimal so the saving is never overstated."""
        value = (self.ratio * 10).quantize(Decimal("0.1"), rounding=ROUND_CEILING)
        return value.normalize() if value == value.to_integral() else value

    @property
    def zhe_label(self) -> str:
        """`1折`, `6.5折`."""
        return f"{self.zhe:f}折"

    @property
    def price_label(self) -> str:
        """`山姆价` for Sam's Club, `爱慕厂商建议零售价` for a suggested price: the wording follows `kind`."""
        return self.comparison.kind.price_label(self.retailer.label)


@dataclass(frozen=True)
class ProductFacts:
    """Everything derived about one product."""

    savings: tuple[Saving, ...]
    """Every comparison, biggest saving (lowest ratio) first."""
    badges: tuple[Badge, ...]
    lowest_in_window: Decimal | None
    is_window_low: bool
    last_drop: tuple[PricePoint, PricePoint] | None
    best: Saving
    """The one comparison every surface shows (badge row, price panel, image corner, cards, JSON-LD,
    feeds, search): see `headline`."""


def _per_label(unit: Unit) -> tuple[Decimal, str]:
    """The amount unit prices are quoted per, and its zh-CN label."""
    if unit.measure.dimension == "mass":
        return Decimal(100), "每100g"
    if unit.measure.dimension == "volume":
        return Decimal(100), "每100ml"
    return Decimal(1), f"每{unit.measure.label}"


def base_amount(unit: Unit) -> Decimal:
    """How many base units (g, ml or items) a sale holds."""
    return unit.quantity * unit.measure.in_base


OWN_STORE = Retailer(name="本店", short="本店")
"""What an own-earlier comparison (本店此前价) refers to: this store itself, not a retailer of retailers.yaml."""


def reference_of(comparison: Comparison, retailers: dict[str, Retailer]) -> Retailer | None:
    """The retailer or brand a comparison points at: this store for our own earlier price, None when unknown."""
    if comparison.kind is ReferenceKind.OWN_EARLIER:
        return OWN_STORE
    return retailers.get(comparison.reference)


def compute_saving(product: Product, comparison: Comparison, retailer: Retailer, *, today: dt.date, settings: Settings) -> Saving:
    """Compare a product's price with one reference, per unit where the sizes differ."""
    ours, theirs = product.unit, comparison.unit
    per_label = our_unit = ref_unit = None
    if base_amount(ours) != base_amount(theirs) and ours.measure.dimension == theirs.measure.dimension:
        per, per_label = _per_label(theirs)
        our_unit = product.price / base_amount(ours) * per
        ref_unit = comparison.price / base_amount(theirs) * per
        ratio = our_unit / ref_unit
        their_price_for_our_pack = comparison.price / base_amount(theirs) * base_amount(ours)
        saving = their_price_for_our_pack - product.price
        our_unit = our_unit.quantize(CENT, ROUND_HALF_UP)
        ref_unit = ref_unit.quantize(CENT, ROUND_HALF_UP)
    else:
        ratio = product.price / comparison.price
        saving = comparison.price - product.price
    age = (today - comparison.observed_on).days
    return Saving(
        comparison=comparison,
        retailer=retailer,
        ratio=ratio,
        saving=saving.quantize(CENT, ROUND_HALF_UP),
        per_label=per_label,
        our_unit_price=our_unit,
        ref_unit_price=ref_unit,
        stale=age > settings.compare_max_age_days,
    )


def window_low(product: Product, *, end: dt.date, days: int) -> Decimal | None:
    """The lowest of our own prices in force during the `days` before `end` (inclusive).

    A price set before the window and still in force when it starts counts: a price of 8.55 since
    October is the October-to-November low, even with no observation inside the window."""
    start = end - dt.timedelta(days=days)
    prices = [p.price for p in product.price_history if start <= p.date <= end]
    before = [p for p in product.price_history if p.date < start]
    if before:
        prices.append(max(before, key=lambda p: p.date).price)
    return min(prices) if prices else None


SEVEN_DAYS = 7
"""明码标价和禁止价格欺诈规定 art. 16: an unexplained compared price is at most the lowest of the 7 days before."""


@dataclass(frozen=True)
class EarlierPriceCap:
    """The most a 划线价 of our own earlier price may be: the lower of the 7-day and the prior-30-day low."""

    reduced_on: dt.date
    """The day the current price came into force (the reduction the 划线价 announces)."""
    seven_day_low: Decimal
    window_low: Decimal
    window_days: int

    @property
    def cap(self) -> Decimal:
        """The lower of the two lows: satisfies China's 7-day rule and the EU's prior-30-day lowest together."""
        return min(self.seven_day_low, self.window_low)


def earlier_price_cap(product: Product, *, days: int) -> EarlierPriceCap | None:
    """The cap on an own-earlier comparison, from the price history: the lows of the 7 and `days` days before the
    current price came into force. None when the history holds no price before the current one (nothing to compare)."""
    history = sorted(product.price_history, key=lambda p: p.date)
    start = len(history)
    while start > 0 and history[start - 1].price <= product.price:
        start -= 1  # back through the current run: points at (or below) today's price
    if start == len(history) or start == 0:
        return None
    reduced_on = history[start].date
    before = product.model_copy(update={"price_history": history[:start]})
    day_before = reduced_on - dt.timedelta(days=1)
    seven = window_low(before, end=day_before, days=SEVEN_DAYS - 1)
    month = window_low(before, end=day_before, days=days - 1)
    if seven is None or month is None:
        return None
    return EarlierPriceCap(reduced_on, seven, month, days)


def last_drop(product: Product) -> tuple[PricePoint, PricePoint] | None:
    """The newest observation and the one before it, when the newest is cheaper and still current."""
    history = sorted(product.price_history, key=lambda p: p.date)
    if len(history) < 2:
        return None
    before, after = history[-2], history[-1]
    if after.price < before.price and product.price <= after.price:
        return before, after
    return None


def headline(product: Product, savings: list[Saving]) -> Saving:
    """The one rule choosing the comparison a product is shown against: the first retailer in the
    product's `compare` list that carries a badge (such as 山姆平替), at its biggest saving; with no
    badged retailer, the biggest saving of all. The badge and the 折 beside it always speak of one shop.
    A corporate or gift-catalogue price is no retail price: it is the headline only when nothing else is
    compared, and then always with its label."""
    retail = [s for s in savings if s.comparison.kind is not ReferenceKind.GIFT_CATALOGUE] or savings
    for reference in dict.fromkeys(c.reference for c in product.compare):
        for saving in retail:
            if saving.comparison.reference == reference and saving.retailer.badge:
                return saving
    return retail[0]


@functools.cache
def _badge(code: str, label: str) -> Badge:
    """One object per distinct badge: a catalog has a few dozen, its products ~4 each (4 MiB at 10,000)."""
    return Badge(code, label)


def product_facts(product: Product, retailers: dict[str, Retailer], *, today: dt.date, settings: Settings) -> ProductFacts:
    """Derive savings and badges for a product whose references all resolve."""
    savings = sorted(
        (compute_saving(product, c, reference_of(c, retailers) or OWN_STORE, today=today, settings=settings) for c in product.compare),
        key=lambda s: (s.ratio, -s.saving),
    )
    lowest = window_low(product, end=today, days=settings.floor_window_days)
    is_low = lowest is not None and product.price <= lowest
    badges: list[Badge] = []
    for retailer_id in dict.fromkeys(c.reference for c in product.compare if c.reference):
        retailer = retailers[retailer_id]
        if retailer.badge:
            badges.append(_badge(f"alt-{retailer_id}", retailer.badge))
    best = headline(product, savings)
    badges.append(_badge("discount", best.zhe_label))
    badges.append(_badge(f"sourcing-{product.sourcing.value}", product.sourcing.label))
    if is_low:
        badges.append(_badge("window-low", f"{settings.floor_window_days}天最低价"))
    if product.member_price is not None:
        badges.append(_badge("member-price", "PLUS会员价"))
    if product.members_only:
        badges.append(_badge("members-only", "会员专享"))
    return ProductFacts(
        savings=tuple(savings),
        badges=tuple(badges),
        lowest_in_window=lowest,
        is_window_low=is_low,
        last_drop=last_drop(product),
        best=best,
    )
