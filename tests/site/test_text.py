"""Curator text and values made safe for output: Markdown, JSON in script, money."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from catalog import require_catalog
from storefront import text as text_module
from storefront.text import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES, json_for_script, markdown_html, plain_text, prepare, yuan
from tests.conftest import SEED, TODAY


def seed_texts() -> list[str]:
    """Every Markdown text of the seed catalog: descriptions, audit notes, belts, store.yaml's help."""
    catalog = require_catalog(SEED, today=TODAY)
    store = catalog.store
    texts = [p.description for p in catalog.products.values()]
    texts += [f.description for f in catalog.factories.values()] + [f.verification.notes for f in catalog.factories.values()]
    texts += [b.description for b in catalog.belts.values()]
    texts += [store.help.invoices, store.help.contact, store.returns.policy, store.membership.benefits, store.delivery.notes]
    return [text for text in texts if text]


def test_pyromark_renders_every_seed_text_as_python_markdown_did():
    import markdown
    import nh3

    converter = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    texts = seed_texts()
    assert len(texts) > 30
    for text in texts:
        before = nh3.clean(
            converter.reset().convert(text),
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="nofollow noopener noreferrer",
        )
        assert str(markdown_html(text)) == before, text[:60]


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        "<img src=x onerror=alert(1)>",
        '<p style="background:url(javascript:alert(1))">x</p>',
        "<iframe src=//evil.example></iframe>",
    ],
)
def test_markdown_drops_anything_that_could_run(source):
    html = str(markdown_html(source)).lower()
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html
    assert "<iframe" not in html and "style=" not in html


def test_markdown_keeps_formatting_and_safe_links():
    html = str(markdown_html("**粗体** [链接](https://example.com)\n\n- 一\n- 二"))
    assert "<strong>粗体</strong>" in html and "<li>一</li>" in html
    assert 'href="https://example.com"' in html and 'rel="nofollow noopener noreferrer"' in html


def test_plain_text_flattens_markdown_and_truncates():
    assert plain_text("**海兴** 家居 <b>x</b> &amp;") == "海兴 家居 x &"
    assert plain_text("一二三四五六", 4) == "一二三…"


TRICKY_TEXTS = [
    "<a href=\"x>y\" title='a>b'>链接</a> 之后",
    '[a](https://e.com/?q=a>b "t>i\\"tle") x',
    "<script>alert(1)</script>看得见<style>p{}</style><!-- c > d -->",
    "a &lt;b&gt; &amp;amp; &nbsp; c\u00a0d",
    '<img alt="x>y" src=a>z <p title="&quot;>">q</p> <unknown attr=">">k</unknown>',
    "| a | b |\n|---|:-:|\n| <x> | y |",
    "<textarea><b>t</b></textarea><noscript><p>n</p></noscript><svg><title>t</title></svg><template><p>t</p></template>",
    "<iframe>if</iframe><xmp><b>x</b></xmp>`<code>`<select><option>o</option></select><plaintext><b>pt",
]
"""Markup a sanitiser could misread as text."""


@pytest.mark.parametrize("source", TRICKY_TEXTS)
def test_plain_text_is_the_text_a_text_only_sanitiser_keeps(source):
    assert plain_text(source) == _text_only(source)


def test_plain_text_of_every_seed_text_is_what_a_text_only_sanitiser_keeps():
    for text in seed_texts():
        assert plain_text(text) == _text_only(text), text[:60]


def test_texts_prepared_together_read_as_each_made_alone():
    texts = [*seed_texts(), *TRICKY_TEXTS]
    alone = []
    for text in texts:
        prepare([])  # (forgets every text made before)
        alone.append((str(markdown_html(text)), plain_text(text), plain_text(text, 80)))
    prepare(texts[1::2])  # every other one ahead (as for the next pages), the rest made when asked
    together = [(str(markdown_html(text)), plain_text(text), plain_text(text, 80)) for text in texts]
    prepare([])
    assert together == alone


def test_prepare_keeps_only_the_texts_of_the_next_pages():
    first, second = ["**一**", "二", ""], ["三", "三", "*四*"]
    prepare(first)
    plain_text("store.yaml 的帮助")  # a text of another page, made when asked
    prepare(second)
    assert sorted(text_module._texts) == ["*四*", "三"]  # the last run's, each once; none of before
    prepare([])
    assert text_module._texts == {}


def _text_only(source: str) -> str:
    """The text of the Markdown as a sanitiser that keeps no tag at all gives it, on one line."""
    import html

    import nh3
    import pyromark

    converted = pyromark.html(source, options=pyromark.Options.ENABLE_TABLES)
    return " ".join(html.unescape(nh3.Cleaner(tags=set()).clean(converted)).split())


def test_json_for_script_cannot_close_the_script_element():
    data = {"name": "</script><script>alert(1)</script> & \u2028"}
    text = str(json_for_script(data))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == data


def test_json_for_script_writes_money_as_two_decimal_strings():
    assert json.loads(str(json_for_script({"price": Decimal(69)}))) == {"price": "69.00"}


@pytest.mark.parametrize(("value", "shown"), [("69.00", "69"), ("8.55", "8.55"), ("42.75", "42.75"), ("9.90", "9.90"), ("690", "690")])
def test_yuan_shows_whole_yuan_without_decimals(value, shown):
    assert yuan(Decimal(value)) == shown
