"""The catalog arranged into what pages show: lists, groupings and URLs, never new numbers.

Every price, discount and badge comes from `catalog` as computed there; this module only
picks, sorts and groups them for templates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from catalog import Badge, Catalog, Factory, Product, ProductFacts, Saving
from catalog.membership import MembershipValue, membership_value
from catalog.models import Belt, Category, Image, Retailer
from catalog.store import StoreInfo
from catalog.urls import belt_url, category_url, channel_url, factory_url, image_url, product_url

from .help import DeliveryHelp, delivery_help, delivery_line

CARD_BADGE_CODES = ("alt-", "discount")
"""Badges the card shows in the image corner; the rest are chips under the price."""


@dataclass(frozen=True)
class TierRow:
    """One line of the wholesale table: a quantity range and its unit price."""

    label: str
    min_qty: int
    price: Any


@dataclass
class ProductView:
    """A product with what its pages and cards need."""

    id: str
    product: Product
    facts: ProductFacts
    factory: FactoryView
    category_id: str
    category: Category
    retailers: dict[str, Retailer]
    delivery: str = ""
    """The delivery promise in one line (dispatch time and the class's terms)."""

    @property
    def url(self) -> str:
        """Site-relative URL."""
        return product_url(self.id)

    @property
    def image(self) -> Image:
        """The first image, shown on cards and in feeds."""
        return self.product.images[0]

    @property
    def image_url(self) -> str:
        """Site-relative URL of the first image."""
        return image_url(self.image)

    @cached_property
    def channel_badge(self) -> Badge | None:
        """The first retailer badge (such as 山姆平替) the catalog gave this product."""
        return next((b for b in self.facts.badges if b.code.startswith("alt-")), None)

    @cached_property
    def card_saving(self) -> Saving:
        """The comparison a card shows: the catalog's one headline comparison (catalog/derive.py `headline`)."""
        return self.facts.best

    @cached_property
    def corner(self) -> str:
        """The corner text on the card's image, e.g. `山姆平替 · 1折`."""
        label = self.card_saving.zhe_label
        return f"{self.channel_badge.label} · {label}" if self.channel_badge else label

    @cached_property
    def chips(self) -> list[Badge]:
        """The badges shown as chips (everything but the corner's)."""
        return [b for b in self.facts.badges if not b.code.startswith(CARD_BADGE_CODES)]

    def saving_against(self, reference: str) -> Saving | None:
        """The best saving against one retailer or brand, if compared with it."""
        return next((s for s in self.facts.savings if s.comparison.reference == reference), None)

    @property
    def in_stock(self) -> bool:
        """False only when the curator set stock to 0."""
        return self.product.stock is None or self.product.stock > 0

    @cached_property
    def tier_rows(self) -> list[TierRow]:
        """The price by quantity, from the minimum order up (阶梯价)."""
        p = self.product
        starts = [(p.moq, p.price)] if not p.tiers or p.tiers[0].min_qty > p.moq else []
        starts += [(t.min_qty, t.price) for t in p.tiers]
        rows = []
        for i, (low, price) in enumerate(starts):
            high = starts[i + 1][0] - 1 if i + 1 < len(starts) else None
            label = f"≥{low}件" if high is None else (f"{low}件" if high == low else f"{low}–{high}件")
            rows.append(TierRow(label, low, price))
        return rows

    def siblings(self, limit: int) -> list[ProductView]:
        """Other products of the same factory, best saving first."""
        return [v for v in self.factory.products[: limit + 1] if v is not self][:limit]

    @cached_property
    def reference_names(self) -> list[str]:
        """Names of the retailers and brands this product is compared with (not this store's own earlier price)."""
        return list(dict.fromkeys(s.retailer.name for s in self.facts.savings if s.comparison.reference))

    @cached_property
    def brand_names(self) -> list[str]:
        """The brands a shopper can filter by: those compared with, then those the factory makes for."""
        return list(dict.fromkeys([*self.reference_names, *self.factory.factory.public_brands]))

    @cached_property
    def sort_key(self) -> tuple:
        """Deepest discount first, then most yuan saved."""
        best = self.facts.best
        return (best.ratio, -best.saving, self.id)

    @property
    def updated_on(self) -> dt.date:
        """The latest date anything about the product's price changed."""
        dates = [self.product.added_on, *(p.date for p in self.product.price_history)]
        return max(dates)


@dataclass
class FactoryView:
    """A factory with its belt and products."""

    id: str
    factory: Factory
    belt_id: str | None
    belt: Belt | None
    products: list[ProductView] = field(default_factory=list)

    @property
    def url(self) -> str:
        """Site-relative URL."""
        return factory_url(self.id)

    @property
    def checks(self) -> list[tuple[str, bool]]:
        """The four audit checks as (zh-CN label, passed)."""
        v = self.factory.verification
        return [(label, bool(getattr(v, name))) for name, label in v.CHECKS.items()]

    @property
    def has_undisclosed_brands(self) -> bool:
        """True when some OEM brand may not be named (the page says so without naming it)."""
        return len(self.factory.public_brands) < len(self.factory.oem_for)


@dataclass
class Group:
    """A titled list of products: a category, a belt or a channel."""

    id: str
    title: str
    url: str
    products: list[ProductView]
    subtitle: str = ""
    description: str = ""
    extra: Any = None


class Store:
    """The whole catalog as the site shows it."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.today = catalog.today
        self.settings = catalog.settings
        self.factories: dict[str, FactoryView] = {}
        for fid, factory in sorted(catalog.factories.items()):
            belt_id = factory.industry_belt
            self.factories[fid] = FactoryView(fid, factory, belt_id, catalog.belts.get(belt_id) if belt_id else None)
        self.products: dict[str, ProductView] = {}
        for pid, product in catalog.products.items():
            view = ProductView(
                id=pid,
                product=product,
                facts=catalog.facts[pid],
                factory=self.factories[product.factory],
                category_id=product.category,
                category=catalog.categories[product.category],
                retailers=catalog.retailers,
                delivery=delivery_line(catalog, product.delivery_class, product.dispatch_hours),
            )
            self.products[pid] = view
        self.by_saving = sorted(self.products.values(), key=lambda v: v.sort_key)
        for view in self.by_saving:
            view.factory.products.append(view)

    @property
    def info(self) -> StoreInfo:
        """store.yaml: the company, delivery, returns, membership and help texts."""
        return self.catalog.store

    @cached_property
    def delivery_help(self) -> DeliveryHelp:
        """The delivery terms arranged for /help/delivery/ and the cart page."""
        return delivery_help(self.catalog)

    @cached_property
    def membership(self) -> MembershipValue:
        """The yearly fee beside what members save."""
        return membership_value(self.catalog)

    @cached_property
    def newest(self) -> list[ProductView]:
        """Products by `added_on`, newest first."""
        return sorted(self.by_saving, key=lambda v: (v.product.added_on, v.id), reverse=True)

    @cached_property
    def categories(self) -> list[Group]:
        """Categories that have products, in the order of categories.yaml, products by saving."""
        groups = []
        for cid, category in self.catalog.categories.items():
            products = [v for v in self.by_saving if v.category_id == cid]
            if products:
                groups.append(Group(cid, category.zh, category_url(cid), products, subtitle=category.en, extra=category))
        return groups

    @cached_property
    def channels(self) -> list[Group]:
        """One channel per retailer that gives a badge (山姆平替 …), sorted by saving against it."""
        groups = []
        for rid, retailer in self.catalog.retailers.items():
            if not retailer.badge:
                continue
            code = f"alt-{rid}"
            found = [
                (saving, v)
                for v in self.products.values()
                if any(b.code == code for b in v.facts.badges) and (saving := v.saving_against(rid)) is not None
            ]
            members = [v for _, v in sorted(found, key=lambda sv: (sv[0].ratio, -sv[0].saving, sv[1].id))]
            if members:
                groups.append(Group(rid, retailer.badge, channel_url(rid), members, subtitle=retailer.name, extra=retailer))
        return groups

    @cached_property
    def belts(self) -> list[Group]:
        """Industrial belts that have factories, with their factories' products."""
        groups = []
        for bid, belt in self.catalog.belts.items():
            factories = [f for f in self.factories.values() if f.belt_id == bid]
            if not factories:
                continue
            products = sorted((p for f in factories for p in f.products), key=lambda v: v.sort_key)
            groups.append(
                Group(bid, belt.name, belt_url(bid), products, subtitle=belt.region, description=belt.description, extra=factories)
            )
        return groups

    @cached_property
    def member_priced(self) -> list[ProductView]:
        """Products with a PLUS member price."""
        return [v for v in self.by_saving if v.product.member_price is not None]

    @cached_property
    def members_only(self) -> list[ProductView]:
        """Products only members may buy."""
        return [v for v in self.by_saving if v.product.members_only]

    @cached_property
    def price_drops(self) -> list[ProductView]:
        """Products whose price last fell, latest drop first."""
        dropped = [(drop[1].date, v) for v in self.products.values() if (drop := v.facts.last_drop) is not None]
        return [v for _, v in sorted(dropped, key=lambda dv: (dv[0], dv[1].id), reverse=True)]

    def sourcing_count(self, kind: str) -> int:
        """How many products carry one kind of endorsement."""
        return sum(1 for v in self.products.values() if v.product.sourcing.value == kind)
