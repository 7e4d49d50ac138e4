"""`content/search.yaml`: the words shoppers use for the same thing (胸罩 = 文胸), and their rules.

The storefront indexes every word of a group for a product that names any of them, so a shopper
finds the bra whether they type 文胸 or 胸罩. Groups are content like the rest: checked on load,
problems reported at `file:line` in the curator's words.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Annotated

from pydantic import Field, StringConstraints

from .models import Strict

FILE = "search.yaml"

Term = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]


class SearchTerms(Strict):
    """`content/search.yaml`."""

    synonyms: list[list[Term]] = Field(default_factory=list, max_length=2000)
    """Groups of words that mean the same product, e.g. `[文胸, 胸罩]`."""

    def groups(self) -> list[tuple[str, ...]]:
        """Each group's words as they are compared (full-width folded, lowercase), without duplicates."""
        return [tuple(dict.fromkeys(normalize_term(t) for t in group if t)) for group in self.synonyms]


def normalize_term(text: str) -> str:
    """A word as search compares it: full-width forms folded (ＴＰＥ → tpe), lowercase."""
    return unicodedata.normalize("NFKC", text).lower()


def check_search_terms(terms: SearchTerms, nda_names: dict[str, list[str]]) -> Iterator[tuple[tuple[int | str, ...], str]]:
    """Every problem of the synonym groups as (place in the file, zh-CN message with how to fix it);
    `nda_names` lists, by factory id, the brand names held under NDA."""
    secret = {normalize_term(name): fid for fid, names in nda_names.items() for name in names}
    seen: dict[str, int] = {}
    for g, group in enumerate(terms.synonyms):
        place = ("synonyms", g)
        if not any(group):
            yield place, "同义词组是空的：写上至少两个同义词，或删掉这一组"
            continue
        if len({normalize_term(t) for t in group if t}) < 2:
            yield place, "同义词组只有一个词：再写一个意思相同的词，或删掉这一组"
        for t, term in enumerate(group):
            yield from _check_term(term, (*place, t), g, seen, secret)


def _check_term(
    term: str, place: tuple[int | str, ...], group: int, seen: dict[str, int], secret: dict[str, str]
) -> Iterator[tuple[tuple[int | str, ...], str]]:
    key = normalize_term(term)
    if not key:
        yield place, "同义词不能为空：写上词，或删掉这一项"
        return
    for name, fid in secret.items():
        if name in key:
            # The message names the factory, never the brand: problems end up in logs and CI output.
            yield place, f"这个词含有工厂 {fid} 的保密品牌，搜索索引不能出现它：删掉这个词"
            return
    if key in seen:
        where = "本组" if seen[key] == group else f"第 {seen[key] + 1} 组"
        yield place, f"「{term}」已经写在{where}里：一个词只能出现在一个同义词组，请合并或删掉重复的"
        return
    seen[key] = group
