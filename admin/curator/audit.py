"""`plus audit`: what a curator should look at again, in a catalog that validates.

Findings are advice, not content errors: stale reference prices, prices above their own
30-day low, factory audits due again, products sold out or with too little stock for one order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from catalog import Catalog, Problem, Severity
from catalog.messages import say
from catalog.money import price_label
from catalog.yamlfile import locate

KINDS = {
    "stale-comparison": "对比价过期",
    "above-floor": "高于近期最低价",
    "audit-due": "工厂需复审",
    "out-of-stock": "缺货",
    "below-moq": "库存不足起批量",
}


@dataclass(frozen=True)
class Finding:
    """One thing to look at, in one file, at one place."""

    kind: str
    subject: str
    path: str
    line: int
    column: int
    field: str
    message: str

    def as_problem(self) -> Problem:
        """The same finding as a catalog `Problem` (a warning), for text and GitHub output."""
        return Problem(Path(self.path), self.line, self.column, self.field, f"[{self.kind}] {self.message}", Severity.WARNING)


RULE_FILES = ("settings.yaml", "categories.yaml", "retailers.yaml", "belts.yaml")
"""Files whose change can move a finding in any product (limits, labels): touching one judges everything."""


def split_by_change(findings: list[Finding], touched: set[Path] | None, content: Path) -> tuple[list[Finding], list[Finding]]:
    """(findings in files the change touched, the others); with no change given, or a rule file changed, all count."""
    if touched is None or any((content / name).resolve() in touched for name in RULE_FILES):
        return findings, []
    judged = [f for f in findings if Path(f.path).resolve() in touched]
    return judged, [f for f in findings if f not in judged]


def audit(catalog: Catalog, *, days: int | None = None) -> list[Finding]:
    """Every finding in the catalog; `days` overrides how old a comparison may be."""
    findings = [*_comparisons(catalog, days), *_floors(catalog), *_factories(catalog), *_stock(catalog)]
    return sorted(findings, key=lambda f: (f.path, f.line, f.column, f.kind))


def _finding(catalog: Catalog, kind: str, subject: str, path: Path, loc: tuple, message: str) -> Finding:
    position = locate(path, loc)
    shown = Problem(path, 1, 1, "", "").display_path()
    return Finding(kind, subject, shown, position.line, position.column, ".".join(map(str, loc)), message)


def _comparisons(catalog: Catalog, days: int | None) -> list[Finding]:
    limit = catalog.settings.compare_max_age_days if days is None else days
    found = []
    for pid, product in catalog.products.items():
        for i, comparison in enumerate(product.compare):
            age = (catalog.today - comparison.observed_on).days
            if age > limit:
                label = catalog.retailers[comparison.reference].label
                found.append(
                    _finding(
                        catalog,
                        "stale-comparison",
                        pid,
                        catalog.product_path(pid),
                        ("compare", i, "observed_on"),
                        say(
                            f"{label}价 {price_label(comparison.price, exact=True)} 看于 {comparison.observed_on}，已 {age} 天（上限 {limit} 天）：请重新核对",
                            f"{label} price {price_label(comparison.price, exact=True)} seen on {comparison.observed_on}, {age} days ago (limit {limit}): check it again",
                        ),
                    )
                )
    return found


def _floors(catalog: Catalog) -> list[Finding]:
    days = catalog.settings.floor_window_days
    found = []
    for pid, product in catalog.products.items():
        facts = catalog.facts[pid]
        if facts.lowest_in_window is not None and product.price > facts.lowest_in_window:
            found.append(
                _finding(
                    catalog,
                    "above-floor",
                    pid,
                    catalog.product_path(pid),
                    ("price",),
                    say(
                        f"售价 {price_label(product.price, exact=True)} 高于近 {days} 天最低价 {price_label(facts.lowest_in_window, exact=True)}：平台价须贴近 {days} 天最低价",
                        f"price {price_label(product.price, exact=True)} is above the {days}-day low {price_label(facts.lowest_in_window, exact=True)}: keep it close to that low",
                    ),
                )
            )
    return found


def _factories(catalog: Catalog) -> list[Finding]:
    limit = catalog.settings.audit_max_age_days
    found = []
    for fid, factory in catalog.factories.items():
        audited = factory.verification.audited_on
        age = (catalog.today - audited).days
        if age > limit:
            found.append(
                _finding(
                    catalog,
                    "audit-due",
                    fid,
                    catalog.factory_path(fid),
                    ("verification", "audited_on"),
                    say(
                        f"工厂审核于 {audited}，已 {age} 天（上限 {limit} 天）：请复审",
                        f"factory audited on {audited}, {age} days ago (limit {limit}): audit it again",
                    ),
                )
            )
    return found


def _stock(catalog: Catalog) -> list[Finding]:
    found = []
    for pid, product in catalog.products.items():
        if product.stock is None:
            continue
        if product.stock == 0:
            found.append(
                _finding(
                    catalog, "out-of-stock", pid, catalog.product_path(pid), ("stock",), say("库存为 0：已缺货", "stock is 0: sold out")
                )
            )
        elif product.stock < product.moq:
            found.append(
                _finding(
                    catalog,
                    "below-moq",
                    pid,
                    catalog.product_path(pid),
                    ("stock",),
                    say(
                        f"库存 {product.stock} 件，少于起批量 {product.moq} 件：买家下不了单",
                        f"stock {product.stock} is below the minimum order of {product.moq}: nobody can order",
                    ),
                )
            )
    return found


def as_json(findings: list[Finding], catalog: Catalog, *, elsewhere: Sequence[Finding] = ()) -> str:
    """Findings as a JSON document with counts by kind; `elsewhere`: those outside the change, for information."""
    counts = {kind: sum(1 for f in findings if f.kind == kind) for kind in KINDS}
    document = {
        "today": catalog.today.isoformat(),
        "counts": counts,
        "findings": [asdict(f) for f in findings],
        "elsewhere": [asdict(f) for f in elsewhere],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)
