"""The /help/ section: which pages there are, and the delivery terms arranged as tables.

Numbers and rule sentences come from `catalog.delivery` and `catalog.membership`; this module
only arranges them for the templates.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from catalog import Catalog
from catalog.delivery import class_rule, dispatch_text
from catalog.models import DeliveryClass
from catalog.store import ClassTerms

TOPICS: tuple[tuple[str, str], ...] = (
    ("delivery", "配送与运费"),
    ("returns", "退货与售后"),
    ("membership", "PLUS会员"),
    ("invoices", "发票"),
    ("contact", "联系我们"),
)
"""Help pages in menu order: (slug under /help/, zh-CN title)."""


@dataclass(frozen=True)
class ClassRow:
    """One delivery class as the delivery table shows it."""

    delivery_class: DeliveryClass
    terms: ClassTerms
    rule: str
    products: int


@dataclass(frozen=True)
class DeliveryHelp:
    """Everything /help/delivery/ shows."""

    classes: tuple[ClassRow, ...]
    surcharges: tuple[tuple[str, Decimal], ...]
    not_served: tuple[str, ...]
    dispatch: tuple[tuple[str, int], ...]
    """(e.g. 24小时内发货, how many products promise it), fastest first."""
    notes: str


def delivery_help(catalog: Catalog) -> DeliveryHelp:
    """The store's delivery terms arranged for the delivery help page."""
    delivery = catalog.store.delivery
    used = Counter(p.delivery_class for p in catalog.products.values())
    rows = tuple(
        ClassRow(c, delivery.classes[c], class_rule(c, delivery.classes[c]), used[c]) for c in DeliveryClass if c in delivery.classes
    )
    hours = Counter(p.dispatch_hours for p in catalog.products.values())
    return DeliveryHelp(
        classes=rows,
        surcharges=tuple(delivery.surcharges.items()),
        not_served=tuple(delivery.not_served),
        dispatch=tuple((dispatch_text(h), n) for h, n in sorted(hours.items())),
        notes=delivery.notes,
    )


def delivery_line(catalog: Catalog, delivery_class: DeliveryClass, dispatch_hours: int) -> str:
    """A product's delivery in one line: "48小时内发货 · 普通快递：运费 ¥8.00，满 ¥99 包邮，PLUS会员包邮"."""
    terms = catalog.store.delivery.classes[delivery_class]
    return f"{dispatch_text(dispatch_hours)} · {class_rule(delivery_class, terms)}"
