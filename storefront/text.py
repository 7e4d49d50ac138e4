"""Turning curator text and catalog values into safe output: Markdown, JSON-LD, money, dates."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import nh3
import pyromark
from markupsafe import Markup

from catalog.money import money, yuan

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "del",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "blockquote",
    "code",
    "pre",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}

# pyromark (CommonMark in Rust) renders a long description in ~5 µs, Python-Markdown in ~380 µs; after
# nh3 both give the same bytes for every seed text (tests/site/test_text.py compares them).
_MARKDOWN_OPTIONS = pyromark.Options.ENABLE_TABLES

_JSON_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_SCRIPT_RE = re.compile("[<>&\u2028\u2029]")


def _converted(text: str) -> str:
    """Markdown to (unsanitised) HTML."""
    return pyromark.html(text, options=_MARKDOWN_OPTIONS).rstrip("\n")


# Sanitisers built once (nh3.clean builds one per call, half its time).
_SANITISER = nh3.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel="nofollow noopener noreferrer")
_TAG = re.compile(r'<[^>"]*(?:"[^"]*"[^>"]*)*>')
"""A tag of the sanitiser's output (it quotes every attribute value with `"`, which may hold `>`)."""


def markdown_html(text: str) -> Markup:
    """Curator Markdown as sanitised HTML: raw HTML, scripts and `javascript:` links are dropped."""
    return Markup(_html_and_flat(text)[0]) if text else Markup("")


def plain_text(text: str, limit: int | None = None) -> str:
    """Curator Markdown reduced to one line of plain text (to be escaped by whoever writes it)."""
    if not text:
        return ""
    flat = _html_and_flat(text)[1]
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat


_texts: dict[str, tuple[str, str]] = {}
"""The texts made since the last `prepare`, each as sanitised HTML and flat text: a product or factory
page shows its description four times (body, meta description, og:description, JSON-LD)."""


def _html_and_flat(text: str) -> tuple[str, str]:
    """The sanitised HTML of curator Markdown, and its text on one line: the text of that HTML (the
    sanitiser keeps the text of every tag it drops, as a text-only one would)."""
    if (made := _texts.get(text)) is None:
        html_text = _SANITISER.clean(_converted(text))
        made = _texts[text] = (html_text, " ".join(html.unescape(_TAG.sub("", html_text)).split()))
    return made


def prepare(texts: Iterable[str]) -> None:
    """Make the HTML and flat text of the descriptions the next pages show, all of them now (and forget
    those made before). One at a time between the pages' templates, Markdown, nh3 and the flattening took
    ~3-5x the CPU they take in a run of texts (~150 µs a product at 100,000 instead of ~30 µs): a
    10,000-product build rendered its pages in 8.7 s instead of 10.0 s with them made 256 at a time."""
    _texts.clear()
    for text in texts:
        if text:
            _html_and_flat(text)


def json_for_script(data: Any) -> Markup:
    """JSON safe inside a `<script>` element: `<`, `>` and `&` become \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    return Markup(_JSON_SCRIPT_RE.sub(lambda m: _JSON_SCRIPT_ESCAPES[m.group(0)], text))


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def quantity(value: Decimal) -> str:
    """A quantity without trailing zeros or exponent: `500`, `1.5`."""
    return f"{value.normalize():f}"


def unit_text(unit) -> str:
    """`500g`, `3双`; empty when there is no unit."""
    return f"{quantity(unit.quantity)}{unit.measure.label}" if unit is not None else ""


def percent(value: Decimal) -> str:
    """A fraction as a percentage without trailing zeros: 0.05 → `5`."""
    return quantity(value * 100)


def zh_date(value: dt.date) -> str:
    """`2026年11月1日`."""
    return f"{value.year}年{value.month}月{value.day}日"


FILTERS = {
    "markdown": markdown_html,
    "plain": plain_text,
    "yuan": yuan,
    "money": money,
    "zh_date": zh_date,
    "unit": unit_text,
    "percent": percent,
    "jsonld": json_for_script,
}
"""Jinja filters the storefront's templates use."""
