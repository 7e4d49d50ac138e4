"""Curator text is data: payloads in every text field render as text and never execute."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest

from tests.conftest import STORE
from tests.site.conftest import build, parse

TAG = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
END = "</script><script>alert(3)</script>"
MARKDOWN = (
    '正文 [点我](javascript:alert(4)) <a href="javascript:alert(5)">链接</a>\n\n'
    '<script>alert(6)</script><iframe src="https://evil.example"></iframe>'
    "<svg onload=alert(7)></svg><img src=x onerror=alert(8)>\n\n[ok](https://example.com/safe)\n"
)  # CommonMark: a line that opens with raw HTML is an HTML block, so the safe link has its own paragraph


def q(text: str) -> str:
    """A YAML double-quoted scalar."""
    return json.dumps(text, ensure_ascii=False)


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory):
    from tests.conftest import ContentTree

    base = tmp_path_factory.mktemp("xss")
    tree = ContentTree(base / "content")
    tree.write("categories.yaml", f"home:\n  zh: {q('家居' + TAG)}\n  en: {q(END)}\nfood:\n  zh: 食品\n  en: Food\n")
    tree.write(
        "retailers.yaml",
        f"sams:\n  name: {q('山姆' + TAG)}\n  short: {q('山' + END)}\n  badge: {q('平替' + TAG)}\ntaobao: 淘宝\naimer:\n  name: 爱慕\n  kind: brand\n",
    )
    tree.write("belts.yaml", f"haining-socks:\n  name: {q('海宁' + TAG)}\n  region: {q(END)}\n  description: {q(MARKDOWN)}\n")
    tree.factory(
        "aux",
        f"""\
name: {q("工厂" + TAG)}
region: {q("宁波" + END)}
industry_belt: haining-socks
oem_for:
  - brand: {q("山姆" + TAG)}
    disclosure: public
verification:
  audited_on: 2026-09-01
  qualification: true
  oem_contract: true
  supply_chain: true
  production_line: true
  auditor: {q(TAG)}
  notes: {q(MARKDOWN)}
certifications: [{q(TAG)}]
description: {q(MARKDOWN)}
images:
  - src: products/vacuum.png
    alt: {q(TAG)}
""",
    )
    tree.product(
        "aux-vacuum",
        f"""\
title: {q("吸尘器" + END + TAG)}
category: home
factory: aux
sourcing: same-source
price: 69.00
unit: {{quantity: 1, measure: piece}}
spec: {q(TAG)}
compare:
  - retailer: sams
    name: {q("山姆款" + TAG)}
    spec: {q(END)}
    price: 690.00
    unit: {{quantity: 1, measure: piece}}
    observed_on: 2026-11-01
    source: {q(TAG)}
images:
  - src: products/vacuum.png
    alt: {q(TAG)}
description: {q(MARKDOWN)}
tags: [{q(TAG)}, {q(END)}]
added_on: 2026-10-01
price_history:
  - date: 2026-10-20
    price: 79
  - date: 2026-11-20
    price: 69
""",
    )
    tree.write("store.yaml", xss_store())
    return build(tree.root, base / "output")


def xss_store() -> str:
    """The test store with a payload in every free-text field of store.yaml."""
    text = STORE
    for old, new in (
        ("name: 测试优选电子商务有限公司", f"name: {q('测试公司' + TAG)}"),
        ("hours: 每天 9:00–21:00", f"hours: {q('每天' + END)}"),
        ("policy: 签收后 **7 天内**支持七天无理由退货。", f"policy: {q(MARKDOWN)}"),
        ("reason: 食品拆封后不退换", f"reason: {q('食品' + TAG)}"),
        ("invoices: 下单后在订单页**申请发票**。", f"invoices: {q(MARKDOWN)}"),
        ("contact: 请先准备好订单号。", f"contact: {q(MARKDOWN)}"),
        ("yearly_fee: 258.00", f"yearly_fee: 258.00\n  benefits: {q(MARKDOWN)}"),
        ("  not_served:", f"  notes: {q(MARKDOWN)}\n  not_served:"),
    ):
        assert old in text, old
        text = text.replace(old, new)
    return text


def html_files(site):
    # The shop's pages; pagefind/ and admin/ (the Decap editor, whose config holds ids only) are not ours.
    return sorted(p for p in site.rglob("*.html") if not {"pagefind", "admin"} & set(p.relative_to(site).parts))


def test_store_payloads_reach_every_footer_and_help_page_as_text(xss_site):
    for path in ("index.html", "help/returns/index.html", "help/contact/index.html"):
        raw = (xss_site / path).read_text(encoding="utf-8")
        assert "测试公司&#34;&gt;&lt;script&gt;alert(1)" in raw or "测试公司&quot;&gt;&lt;script&gt;alert(1)" in raw, path
        assert "每天</script><script>alert(3)</script>" in parse(xss_site / path).text


def test_payloads_reach_the_pages_as_text(xss_site):
    raw = (xss_site / "p/aux-vacuum/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    text = parse(xss_site / "p/aux-vacuum/index.html").text
    assert "吸尘器</script><script>alert(3)</script>" in text  # shown, as text


def test_no_page_has_a_script_handler_or_javascript_url_of_a_curators(xss_site):
    for path in html_files(xss_site):
        page = parse(path)
        for element in page.elements:
            assert not [a for a in element.attrs if a.startswith("on")], (path, element)
            for attr in ("href", "src", "action"):
                value = (element.attrs.get(attr) or "").strip().lower()
                assert not value.startswith("javascript:"), (path, element)
            assert element.tag not in ("iframe", "object", "embed"), (path, element)
            if element.tag == "svg":
                assert element.attrs.get("class") == "chart", (path, element)
        for attrs, body in page.scripts:
            if attrs.get("type") == "application/ld+json":
                continue
            assert (attrs.get("src") or "").startswith("/theme/js/") and not body.strip(), (path, attrs, body)


def test_markdown_keeps_safe_links_and_drops_the_rest(xss_site):
    page = parse(xss_site / "factory/aux/index.html")
    hrefs = [e.attrs.get("href") for e in page.find("a")]
    assert "https://example.com/safe" in hrefs
    safe = page.find("a", href="https://example.com/safe")[0]
    assert "noopener" in safe.attrs["rel"]


def test_json_ld_survives_a_closing_script_tag_in_the_title(xss_site):
    raw = (xss_site / "p/aux-vacuum/index.html").read_text(encoding="utf-8")
    start = raw.index('<script type="application/ld+json">')
    body = raw[start : raw.index("</script>", start)]
    assert "<" not in body.removeprefix('<script type="application/ld+json">')
    (data,) = parse(xss_site / "p/aux-vacuum/index.html").jsonld()
    assert data["name"] == "吸尘器" + END + TAG
    (org,) = parse(xss_site / "factory/aux/index.html").jsonld()
    assert org["name"] == "工厂" + TAG


@pytest.mark.parametrize("feed", ["feeds/new.atom.xml", "feeds/price-drops.atom.xml"])
def test_feeds_stay_well_formed_xml(xss_site, feed):
    root = ET.parse(xss_site / feed).getroot()
    titles = [e.text for e in root.iter("{http://www.w3.org/2005/Atom}title")]
    assert any(t and t.startswith("吸尘器" + END + TAG) for t in titles)


def test_products_json_and_sitemap_parse(xss_site):
    data = json.loads((xss_site / "products.json").read_text(encoding="utf-8"))
    assert data["products"][0]["title"] == "吸尘器" + END + TAG
    ET.parse(xss_site / "sitemap.xml")
