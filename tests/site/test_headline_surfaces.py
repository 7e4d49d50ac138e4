"""One headline comparison per product (catalog/derive.py `headline`), and every surface of the built seed
site says the same: the product page's price panel and corner, the cards, JSON-LD, the Atom feeds and the
search records. Each comparison links its price proof (查看价格凭证), copied into the site unchanged."""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest

from catalog import Catalog, require_catalog
from catalog.models import ReferenceKind
from catalog.money import money
from storefront.search import product_documents
from storefront.text import yuan
from storefront.views import Store
from tests.conftest import SEED, TODAY
from tests.site.conftest import build

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def seed() -> Catalog:
    return require_catalog(SEED, today=TODAY)


@pytest.fixture(scope="module")
def seed_site(tmp_path_factory) -> Path:
    return build(SEED, tmp_path_factory.mktemp("seed") / "output")


def page(site: Path, pid: str) -> str:
    return (site / "p" / pid / "index.html").read_text(encoding="utf-8")


def text_of(html: str, css_class: str) -> list[str]:
    return [unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in re.findall(rf'class="{css_class}[^"]*"[^>]*>(.*?)</', html, re.S)]


def json_ld(html: str) -> dict:
    return next(
        d
        for d in (json.loads(m) for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S))
        if d.get("@type") == "Product"
    )


def test_the_price_panel_corner_and_json_ld_show_the_headline(seed, seed_site):
    for pid, facts in seed.facts.items():
        best, html = facts.best, page(seed_site, pid)
        assert text_of(html, "pp-zhe") == [best.zhe_label], pid
        assert best.zhe_label in text_of(html, "corner corner-lg")[0], pid
        assert next(b for b in facts.badges if b.code == "discount").label == best.zhe_label
        data = json_ld(html)
        if best.comparison.kind is ReferenceKind.OWN_EARLIER:
            spec = data["offers"]["priceSpecification"]
            assert spec["priceType"] == "https://schema.org/StrikethroughPrice"
        else:
            spec = data["isSimilarTo"]["offers"]["priceSpecification"]
            assert data["isSimilarTo"]["offers"]["seller"]["name"] == best.retailer.name
        assert (spec["name"], Decimal(spec["price"])) == (best.price_label, best.comparison.price), pid
        assert "原价" not in json.dumps(data, ensure_ascii=False)


def test_every_card_shows_its_products_headline(seed, seed_site):
    views = {view.url: view for view in Store(seed).by_saving}
    seen = set()
    for listing in [seed_site / "index.html", *(seed_site / "c").glob("*/index.html")]:
        html = listing.read_text(encoding="utf-8")
        for url, corner in re.findall(r'<a[^>]+href="/(p/[^"]+/)"[^>]*>.*?<span class="corner">(.*?)</span>', html, re.S):
            best = views[url].facts.best
            assert unescape(corner).endswith(best.zhe_label), (listing, url)
            seen.add(url)
    assert seen == set(views), "a product without a card in the category pages"


def test_the_feeds_state_the_headline(seed, seed_site):
    by_url = {f"/p/{pid}/": facts.best for pid, facts in seed.facts.items()}
    entries = 0
    for feed in (seed_site / "feeds").glob("*.atom.xml"):
        for entry in ET.parse(feed).getroot().iter(f"{ATOM}entry"):
            link = entry.find(f"{ATOM}link").get("href")
            best = by_url[re.sub(r"^https?://[^/]+", "", link)]
            summary = "".join(entry.find(f"{ATOM}summary").itertext())
            assert f"{best.price_label} ¥{yuan(best.comparison.price)}，{best.zhe_label}" in summary, (feed.name, link)
            entries += 1
    assert entries


def test_the_search_records_sort_and_show_the_headline(seed):
    store = Store(seed)
    for view, document in product_documents(store, store.by_saving, siteurl="", language="zh-cn"):
        best = seed.facts[view.id].best
        assert f'data-pagefind-sort="discount">{best.zhe}<' in document
        assert f'data-pagefind-sort="saving">{money(best.saving)}<' in document
        corner = re.search(r'data-pagefind-meta="corner">(.*?)<', document).group(1)
        assert unescape(corner).endswith(best.zhe_label)


def test_each_comparison_links_its_proof_copied_unchanged(seed, seed_site):
    for pid, product in seed.products.items():
        html = page(seed_site, pid)
        links = re.findall(r'href="/(evidence/[^"]+)"[^>]*>查看价格凭证<', html)
        assert len(links) == len(product.compare), pid
        for c in product.compare:
            assert f"evidence/{c.evidence.file}" in links
            copied = (seed_site / "evidence" / c.evidence.file).read_bytes()
            assert hashlib.sha256(copied).hexdigest() == c.evidence.sha256


def test_our_own_earlier_price_is_labelled_as_such_never_as_an_original_price(seed, seed_site):
    html = page(seed_site, "haixing-cotton-towel")
    assert "本店此前价于" in html and "对比本店此前价" in html and "原价" not in html
    earlier = next(c for c in seed.products["haixing-cotton-towel"].compare if c.kind is ReferenceKind.OWN_EARLIER)
    assert earlier.retailer is None and earlier.brand is None
