"""Rules that look across files: references resolve, prices are honest, NDA brands stay secret."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .derive import compute_saving, window_low
from .models import Factory, Product, Retailer, Settings
from .problems import Severity

Loc = tuple[Any, ...]
MIN_PLAUSIBLE_ZHE = Decimal(1)
"""Below 1折 a reference price is more likely a typo than a bargain."""


@dataclass(frozen=True)
class Finding:
    """A rule broken at `loc` in one product's or factory's file."""

    kind: str  # "product", "factory", "store", or an index file: "categories", "retailers", "belts"
    id: str
    loc: Loc
    message: str
    severity: Severity = Severity.ERROR


@dataclass(frozen=True)
class Indexes:
    """What the rules look things up in."""

    products: dict[str, Product]
    factories: dict[str, Factory]
    categories: dict[str, Any]
    retailers: dict[str, Retailer]
    belts: dict[str, Any]
    images_dir: Path
    settings: Settings
    today: dt.date
    _images_seen: dict[str, bool] = field(default_factory=dict)

    def image_exists(self, src: str) -> bool:
        """Whether `images/<src>` is a file inside the images folder (looked up once per name)."""
        if src not in self._images_seen:
            path = self.images_dir / src
            self._images_seen[src] = ".." not in Path(src).parts and path.is_file()
        return self._images_seen[src]


def check_all(ix: Indexes) -> Iterator[Finding]:
    """Every cross-file rule over every product and factory."""
    for pid, product in ix.products.items():
        yield from check_product(pid, product, ix)
    used = {p.factory for p in ix.products.values()}
    for fid, factory in ix.factories.items():
        yield from check_factory(fid, factory, ix, has_products=fid in used)
    yield from check_nda(ix)


def check_product(pid: str, p: Product, ix: Indexes) -> Iterator[Finding]:
    """Rules for one product."""

    def err(loc: Loc, message: str, severity: Severity = Severity.ERROR) -> Finding:
        return Finding("product", pid, loc, message, severity)

    if p.category not in ix.categories:
        yield err(("category",), f"unknown category {p.category!r}: add it to content/categories.yaml or use one of {_some(ix.categories)}")
    factory = ix.factories.get(p.factory)
    if factory is None:
        yield err(("factory",), f"unknown factory {p.factory!r}: no file content/factories/{p.factory}.yaml")
    elif p.sourcing.value == "same-source":
        if not factory.verification.oem_contract:
            yield err(("sourcing",), "same-source (真同源) needs the factory's OEM contract (代工合同) to be verified")
        references = [ix.retailers[c.reference] for c in p.compare if c.reference in ix.retailers]
        if references and not any(supplies(factory, r) for r in references):
            brands = ", ".join(factory.public_brands) or "none listed"
            yield err(
                ("sourcing",),
                f"same-source (真同源) must be compared with a retailer or brand the factory makes goods for "
                f"(its public oem_for: {brands}); compare with one of them, or use same-craft",
            )
    yield from _check_images(("images",), p.images, ix, err)
    if p.member_price is not None and p.member_price >= p.price:
        yield err(("member_price",), f"member price {p.member_price} must be below the price {p.price}")
    yield from _check_tiers(p, err)
    if p.added_on > ix.today:
        yield err(("added_on",), f"date {p.added_on} is in the future")
    yield from _check_history(p, ix, err)
    yield from _check_comparisons(p, ix, err)


def _check_images(loc: Loc, images: list, ix: Indexes, err) -> Iterator[Finding]:
    for i, image in enumerate(images):
        if not ix.image_exists(image.src):
            yield err((*loc, i, "src"), f"image file not found: {_rel(ix.images_dir / image.src)}")


def _check_tiers(p: Product, err) -> Iterator[Finding]:
    previous = None
    for i, tier in enumerate(p.tiers):
        if tier.min_qty < p.moq:
            yield err(("tiers", i, "min_qty"), f"tier starts at {tier.min_qty}, below the minimum order (moq) of {p.moq}")
        elif i == 0 and tier.min_qty == p.moq:
            yield err(
                ("tiers", i, "min_qty"),
                f"the first tier starts at the minimum order ({p.moq}), so the list price {p.price} is never paid: set `price` to the tier price",
                Severity.WARNING,
            )
        if previous is None:
            if tier.price >= p.price:
                yield err(("tiers", i, "price"), f"tier price {tier.price} must be below the price {p.price}")
        else:
            if tier.min_qty <= previous.min_qty:
                yield err(("tiers", i, "min_qty"), f"tiers must rise in quantity: {tier.min_qty} after {previous.min_qty}")
            if tier.price >= previous.price:
                yield err(("tiers", i, "price"), f"tier prices must fall as quantity rises: {tier.price} after {previous.price}")
        previous = tier


def _check_history(p: Product, ix: Indexes, err) -> Iterator[Finding]:
    previous = None
    for i, point in enumerate(p.price_history):
        if point.date > ix.today:
            yield err(("price_history", i, "date"), f"date {point.date} is in the future")
        if previous is not None and point.date <= previous:
            yield err(("price_history", i, "date"), f"price history must be in date order, one entry a day: {point.date} after {previous}")
        previous = point.date
    if not p.price_history:
        yield err(
            ("price",),
            f"no price_history: the {ix.settings.floor_window_days}-day price rule cannot be checked; record today's price",
            Severity.WARNING,
        )
        return
    newest = max(point.date for point in p.price_history)
    days = ix.settings.floor_window_days
    lowest = window_low(p, end=newest, days=days)
    limit = lowest * (1 + ix.settings.price_floor_tolerance)
    if p.price > limit:
        pct = (ix.settings.price_floor_tolerance * 100).normalize()
        yield err(
            ("price",),
            f"price {p.price} is more than {pct:f}% above the lowest price of the {days} days up to {newest} ({lowest}); the platform price must stay close to the {days}-day low",
        )


def _check_comparisons(p: Product, ix: Indexes, err) -> Iterator[Finding]:
    for i, c in enumerate(p.compare):
        if c.observed_on > ix.today:
            yield err(("compare", i, "observed_on"), f"date {c.observed_on} is in the future")
        field = "retailer" if c.retailer else "brand"
        retailer = ix.retailers.get(c.reference)
        if retailer is None:
            yield err(("compare", i, field), f"unknown {field} {c.reference!r}: add it to content/retailers.yaml")
            continue
        if retailer.kind != field:
            yield err(
                ("compare", i, field),
                f"{c.reference!r} is a {retailer.kind} in content/retailers.yaml: write `{retailer.kind}: {c.reference}`",
            )
        if p.unit and c.unit and p.unit.measure.dimension != c.unit.measure.dimension:
            yield err(
                ("compare", i, "unit"), f"cannot compare {p.unit.measure.value} with {c.unit.measure.value}: they measure different things"
            )
            continue
        if (p.unit is None) != (c.unit is None):
            yield err(
                ("compare", i),
                "give `unit` on both the product and the comparison, or on neither: otherwise different amounts would be compared as if equal",
            )
            continue
        saving = compute_saving(p, c, retailer, today=ix.today, settings=ix.settings)
        if saving.ratio >= 1:
            yield err(
                ("compare", i, "price"),
                f"reference price {c.price} is not above ours ({p.price}{' per unit' if saving.per_label else ''}): there is no saving to show",
            )
        elif saving.zhe < MIN_PLAUSIBLE_ZHE:
            yield err(
                ("compare", i, "price"),
                f"{saving.zhe_label} is below 1折: check the reference price {c.price} for a typo",
                Severity.WARNING,
            )
        if saving.stale:
            yield err(
                ("compare", i, "observed_on"),
                f"comparison observed on {c.observed_on} is older than {ix.settings.compare_max_age_days} days: check the reference price again",
                Severity.WARNING,
            )


def check_factory(fid: str, f: Factory, ix: Indexes, *, has_products: bool) -> Iterator[Finding]:
    """Rules for one factory."""

    def err(loc: Loc, message: str, severity: Severity = Severity.ERROR) -> Finding:
        return Finding("factory", fid, loc, message, severity)

    if f.industry_belt is not None and f.industry_belt not in ix.belts:
        yield err(
            ("industry_belt",), f"unknown industrial belt {f.industry_belt!r}: add it to content/belts.yaml or use one of {_some(ix.belts)}"
        )
    yield from _check_images(("images",), f.images, ix, err)
    audited = f.verification.audited_on
    if audited > ix.today:
        yield err(("verification", "audited_on"), f"date {audited} is in the future")
    elif (ix.today - audited).days > ix.settings.audit_max_age_days:
        yield err(
            ("verification", "audited_on"),
            f"audit of {audited} is over {ix.settings.audit_max_age_days} days old: audit the factory again",
            Severity.WARNING,
        )
    if not f.verification.complete:
        missing = [name for name in f.verification.CHECKS if name not in f.verification.passed]
        message = f"audit incomplete ({', '.join(missing)}): the store may not sell this factory's products yet"
        yield err(("verification",), message, Severity.ERROR if has_products else Severity.WARNING)


def nda_pattern(factories: dict[str, Factory]) -> re.Pattern[str] | None:
    """One case-insensitive pattern matching every brand name any factory holds under NDA."""
    names = sorted({n for f in factories.values() for n in f.nda_names}, key=len, reverse=True)
    if not names:
        return None
    return re.compile("|".join(re.escape(n) for n in names), re.IGNORECASE)


def check_nda(ix: Indexes) -> Iterator[Finding]:
    """No text that could be published may name a brand held under NDA."""
    pattern = nda_pattern(ix.factories)
    if pattern is None:
        return
    for kind, items in (("product", ix.products), ("factory", ix.factories)):
        for item_id, item in items.items():
            if match := pattern.search(item_id):
                yield Finding(kind, item_id, (), f"the id (file name) {_quote(match)}: ids become URLs; rename the file")
            for loc, text in _strings(item):
                if loc and loc[0] == "oem_for":
                    continue  # the confidential record itself; never rendered
                if match := pattern.search(text):
                    yield Finding(kind, item_id, loc, _quote(match))
    for index, entries in (("categories", ix.categories), ("retailers", ix.retailers), ("belts", ix.belts)):
        for entry_id, entry in entries.items():
            if match := pattern.search(entry_id):
                yield Finding(index, entry_id, (entry_id,), _quote(match))
            for loc, text in _strings(entry, (entry_id,)):
                if match := pattern.search(text):
                    yield Finding(index, entry_id, loc, _quote(match))
    for pid, product in ix.products.items():
        for i, c in enumerate(product.compare):
            retailer = ix.retailers.get(c.reference)
            if retailer and pattern.search(f"{retailer.name} {retailer.short or ''} {c.reference}"):
                field = "retailer" if c.retailer else "brand"
                yield Finding(
                    "product", pid, ("compare", i, field), f"{c.reference!r} is a brand under NDA: it may not be compared with publicly"
                )


def _quote(match: re.Match[str]) -> str:
    text = match.string
    start, end = max(0, match.start() - 8), min(len(text), match.end() + 8)
    context = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    return f"names {match.group(0)!r} (in {context!r}), a brand under NDA: it may not be published anywhere"


def supplies(factory: Factory, retailer: Retailer) -> bool:
    """Whether a factory lists a retailer or brand among the ones it makes goods for."""
    ours = {n.casefold() for n in (retailer.name, retailer.short) if n}
    theirs = {n.casefold() for o in factory.oem_for for n in o.names}
    return any(a == b or a in b or b in a for a in ours for b in theirs)


def _strings(model: BaseModel, loc: Loc = ()) -> Iterator[tuple[Loc, str]]:
    """Every string in a model, with where it stands."""
    for name in type(model).model_fields:
        yield from _walk(getattr(model, name), (*loc, name))


def _walk(value: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, BaseModel):
        yield from _strings(value, loc)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, (*loc, i))


def _some(mapping: dict) -> str:
    keys = sorted(mapping)
    return ", ".join(keys[:8]) + (", …" if len(keys) > 8 else "") if keys else "(none defined)"


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
