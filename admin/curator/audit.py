"""`plus audit`: what a curator should look at again, in a catalog that validates.

Findings are advice, not content errors: stale reference prices, prices above their own
30-day low, factory audits due again, comparisons without a price proof or with an old one,
products sold out or with too little stock for one order. Each rule has one owner: the ones about
ages, the price floor and proofs are the catalog's rules (catalog/rules.py), read here with the
audit's stricter limits (no tolerance above the floor, `--days`); only stock is the audit's own.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from catalog import Catalog, Problem, Severity
from catalog.messages import say
from catalog.rules import check_all
from catalog.yamlfile import locate

RULE_KINDS = {
    "stale-comparison": "对比价过期",
    "above-floor": "高于近期最低价",
    "audit-due": "工厂需复审",
    "evidence-missing": "缺价格凭证",
    "evidence-stale": "价格凭证过期",
}
"""The catalog rules' findings (their `code`) the audit lists."""
KINDS = {**RULE_KINDS, "out-of-stock": "缺货", "below-moq": "库存不足起批量"}


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
    findings = [*_rule_findings(catalog, days), *_stock(catalog)]
    return sorted(findings, key=lambda f: (f.path, f.line, f.column, f.kind))


def _finding(catalog: Catalog, kind: str, subject: str, path: Path, loc: tuple[Any, ...], message: str) -> Finding:
    position = locate(path, loc)
    shown = Problem(path, 1, 1, "", "").display_path()
    return Finding(kind, subject, shown, position.line, position.column, ".".join(map(str, loc)), message)


def _rule_findings(catalog: Catalog, days: int | None) -> list[Finding]:
    """What the catalog's rules find with the audit's limits: a price above its window low at all (validate
    allows `price_floor_tolerance`), comparisons older than `days` when given."""
    limits: dict[str, Any] = {"price_floor_tolerance": Decimal(0)}
    if days is not None:
        limits["compare_max_age_days"] = days
    ix = dataclasses.replace(catalog, settings=catalog.settings.model_copy(update=limits))
    found = []
    for rule in check_all(ix):
        if rule.code in RULE_KINDS:
            path = catalog.product_path(rule.id) if rule.kind == "product" else catalog.factory_path(rule.id)
            found.append(_finding(catalog, rule.code, rule.id, path, rule.loc, rule.message))
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
