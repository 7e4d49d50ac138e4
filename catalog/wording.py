"""Curator text may not claim what the data does not back (价格欺诈规定 art. 16/17, 16 CFR 233.5).

原价 and 直降 claim an earlier price of ours, 出厂价 a factory-gate price, 全网最低 a market survey:
none is backed by a field, so they are refused (the terms are configurable in settings.yaml). A
hand-written N折 would not follow the computed one; 山姆平替 / 山姆同款 needs a comparison with 山姆.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .messages import say
from .models import Retailer, Settings

ZHE = re.compile(r"\d+(?:\.\d+)?\s*折")
_CLAIMS = ("平替", "同款")


def curator_texts(item: Any) -> Iterator[tuple[tuple[Any, ...], str]]:
    """The texts a curator writes for shoppers: title, description, tags and alt texts."""
    for name in ("title", "description", "name"):
        if isinstance(value := getattr(item, name, None), str):
            yield (name,), value
    for i, tag in enumerate(getattr(item, "tags", None) or ()):
        yield ("tags", i), tag
    for i, image in enumerate(getattr(item, "images", None) or ()):
        if isinstance(alt := getattr(image, "alt", None), str):
            yield ("images", i, "alt"), alt


def wording_problems(item: Any, retailers: dict[str, Retailer], settings: Settings) -> Iterator[tuple[tuple[Any, ...], str, bool]]:
    """(where, message, is_error) for every claim the data does not back."""
    compares = getattr(item, "compare", None)  # products only: a factory page makes no price claim
    compared = {getattr(c, "reference", None) for c in compares or ()}
    terms = [*((t, True) for t in settings.claim_errors if t), *((t, False) for t in settings.claim_warnings if t)]
    for loc, text in curator_texts(item):
        for term, is_error in terms:
            if term in text:
                yield loc, _term(term), is_error
        if "折" in text and (match := ZHE.search(text)):
            yield (
                loc,
                say(
                    f"文字里写了折扣“{match.group(0)}”：折扣由系统按对比价计算并显示在徽章上，手写的会和它不一致，请删掉",
                    f"hand-written discount {match.group(0)!r}: the discount is computed from the comparisons; delete it",
                ),
                True,
            )
        if compares is None or not any(claim in text for claim in _CLAIMS):
            continue  # most texts name no 平替 or 同款: no need to try every retailer's name
        for rid, retailer in retailers.items():
            if rid in compared:
                continue
            for name in {retailer.name, retailer.label}:
                for claim in _CLAIMS:
                    if f"{name}{claim}" in text:
                        yield (
                            loc,
                            say(
                                f"写了“{name}{claim}”，但没有和 {rid} 的对比：在 compare 里加上与 {rid} 的对比，或改写这句话",
                                f"claims {name}{claim} without a comparison with {rid}: add one or reword",
                            ),
                            True,
                        )


def _term(term: str) -> str:
    return say(
        f"文字里写了“{term}”：没有数据支撑这种说法（见 settings.yaml 的 claim_errors / claim_warnings），请改写",
        f"the text says {term!r}, which no data backs (settings.yaml claim_errors / claim_warnings): reword it",
    )
