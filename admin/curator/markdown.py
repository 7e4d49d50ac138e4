"""Safe Markdown for text curators wrote: escaped, on one line, and free of NDA brand names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

WITHHELD = "〔保密品牌〕"
# Enough to keep text literal inside a table cell: links need `[`, HTML needs `<`.
_SPECIAL = re.compile(r"([\\`*_\[\]|~<>])")


def md(text: object) -> str:
    """Escape curator text for a Markdown table cell: no markup, no HTML, no @mentions, one line."""
    value = " ".join(str(text).split())
    value = value.replace("&", "&amp;")
    value = _SPECIAL.sub(r"\\\1", value)
    return value.replace("@", "@\u200b")


def code(text: object) -> str:
    """An inline code span that survives any content (ids are slugs, but be safe)."""
    value = " ".join(str(text).split()).replace("`", "'")
    return f"`{value}`"


def change_pct(old: Decimal, new: Decimal) -> str:
    """The relative change from `old` to `new`, e.g. `-12.7%`."""
    pct = ((new - old) / old * 100).quantize(Decimal("0.1"))
    return f"{'+' if pct > 0 else ''}{pct}%"


def table(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    """A Markdown table (cells must already be escaped)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def redact(text: str, names: Iterable[str]) -> str:
    """Replace every NDA brand spelling (case-insensitive, longest first) with a neutral mark."""
    spellings = sorted({n for n in names if n.strip()}, key=len, reverse=True)
    if not spellings:
        return text
    pattern = re.compile("|".join(re.escape(n) for n in spellings), re.IGNORECASE)
    # A name may also appear escaped by `md()`: match that spelling too.
    escaped = {md(n) for n in spellings} - set(spellings)
    if escaped:
        text = re.compile("|".join(re.escape(n) for n in sorted(escaped, key=len, reverse=True)), re.IGNORECASE).sub(WITHHELD, text)
    return pattern.sub(WITHHELD, text)
