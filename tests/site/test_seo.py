"""Structured data, Open Graph, sitemap, robots.txt, feeds and products.json."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from tests.site.conftest import parse

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SITE = "https://plus.example.cn"


def test_product_json_ld_carries_the_catalog_price_in_cny(shop_site):
    (data,) = parse(shop_site / "p/umbrella/index.html").jsonld()
    assert data["@type"] == "Product" and data["name"] == "24骨全自动雨伞"
    offer = data["offers"]
    assert offer["@type"] == "Offer"
    assert offer["price"] == "8.55" and offer["priceCurrency"] == "CNY"
    assert offer["availability"] == "https://schema.org/InStock"
    assert data["brand"]["name"] == "上虞晴雨伞业"


def test_out_of_stock_products_say_so_in_json_ld(shop, tmp_path):
    from tests.site.conftest import build

    text = (shop.root / "products/towel.yaml").read_text(encoding="utf-8")
    shop.product("towel", text + "stock: 0\n")
    site = build(shop.root, tmp_path / "out")
    (data,) = parse(site / "p/towel/index.html").jsonld()
    assert data["offers"]["availability"] == "https://schema.org/OutOfStock"
    button = parse(site / "p/towel/index.html").find("button", class_="btn-buy")[0]
    assert "disabled" in button.attrs


def test_factory_page_has_organization_json_ld(shop_site):
    (data,) = parse(shop_site / "factory/umbrella-works/index.html").jsonld()
    assert data["@type"] == "Organization" and data["name"] == "上虞晴雨伞业"
    assert data["address"]["addressRegion"] == "浙江绍兴"


def test_published_pages_have_absolute_canonical_and_open_graph(published_site):
    page = parse(published_site / "p/aux-vacuum/index.html")
    (canonical,) = page.find("link", rel="canonical")
    assert canonical.attrs["href"] == f"{SITE}/p/aux-vacuum/"
    og = {e.attrs["property"]: e.attrs["content"] for e in page.find("meta") if e.attrs.get("property")}
    assert og["og:type"] == "product" and og["og:url"] == f"{SITE}/p/aux-vacuum/"
    assert og["og:image"] == f"{SITE}/images/products/vacuum.png"
    assert "1折" in og["og:title"]
    (data,) = page.jsonld()
    assert data["url"] == f"{SITE}/p/aux-vacuum/" and data["offers"]["price"] == "69.00"


def test_sitemap_lists_every_public_page_with_absolute_urls(published_site):
    root = ET.parse(published_site / "sitemap.xml").getroot()
    locs = [u.find(f"{SITEMAP}loc").text for u in root.findall(f"{SITEMAP}url")]
    assert f"{SITE}/" in locs
    for pid in ("aux-vacuum", "umbrella", "apricot", "towel", "plus-bra"):
        assert f"{SITE}/p/{pid}/" in locs
    assert f"{SITE}/factory/nda-home/" in locs and f"{SITE}/alt/sams/" in locs
    assert not any("/cart/" in loc or "/search/" in loc for loc in locs)


def test_robots_points_at_the_sitemap(published_site):
    text = (published_site / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {SITE}/sitemap.xml" in text and "Disallow: /cart/" in text


def test_new_products_feed_lists_newest_first(published_site):
    root = ET.parse(published_site / "feeds/new.atom.xml").getroot()
    titles = [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]
    assert titles[0] == "24骨全自动雨伞"  # added 2026-11-20, the newest
    links = [e.find(f"{ATOM}link").attrib["href"] for e in root.findall(f"{ATOM}entry")]
    assert f"{SITE}/p/umbrella/" in links


def test_price_drop_feed_lists_the_last_drop(published_site):
    root = ET.parse(published_site / "feeds/price-drops.atom.xml").getroot()
    entries = root.findall(f"{ATOM}entry")
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert titles == ["24骨全自动雨伞 降价：¥9.90 → ¥8.55"]


def test_products_json_has_what_the_cart_needs(shop_site):
    data = json.loads((shop_site / "products.json").read_text(encoding="utf-8"))
    products = {p["id"]: p for p in data["products"]}
    umbrella = products["umbrella"]
    assert umbrella["price"] == "8.55" and umbrella["member_price"] == "7.99"
    assert umbrella["moq"] == 2 and umbrella["tiers"] == [{"min_qty": 10, "price": "7.90"}, {"min_qty": 50, "price": "6.80"}]
    assert umbrella["url"] == "/p/umbrella/" and umbrella["image"] == "/images/products/umbrella.png"
    assert products["plus-bra"]["members_only"] is True
    assert products["aux-vacuum"]["member_price"] is None
    assert set(products) == {"aux-vacuum", "umbrella", "apricot", "towel", "plus-bra"}


def test_a_preview_build_has_no_relative_sitemap_line(tmp_path):
    """A Sitemap directive must be an absolute URL (crawlers and Lighthouse reject a relative one)."""
    from storefront.feeds import write_robots

    write_robots(tmp_path, siteurl="")
    text = (tmp_path / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap" not in text and "Disallow: /cart/" in text
