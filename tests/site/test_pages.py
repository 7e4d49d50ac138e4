"""The pages a shopper meets: every kind exists and shows the catalog's own numbers and badges."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.site.conftest import build, parse

PAGE_KINDS = [
    "index.html",
    "alt/sams/index.html",
    "c/home/index.html",
    "c/food/index.html",
    "belt/haining-socks/index.html",
    "factories/index.html",
    "factory/aux/index.html",
    "factory/nda-home/index.html",
    "p/aux-vacuum/index.html",
    "p/umbrella/index.html",
    "membership/index.html",
    "sourcing/index.html",
    "cart/index.html",
    "search/index.html",
    "404.html",
    "help/index.html",
    "help/delivery/index.html",
    "help/returns/index.html",
    "help/membership/index.html",
    "help/invoices/index.html",
    "help/contact/index.html",
]


@pytest.mark.parametrize("path", PAGE_KINDS)
def test_every_page_kind_is_written_as_zh_cn_html(shop_site, path):
    page = parse(shop_site / path)
    html = page.find("html")[0]
    assert html.attrs["lang"] == "zh-CN"
    assert page.find("title") and page.find("main")
    assert page.find("meta", name="viewport")


def test_vacuum_page_compares_69_with_sams_690_as_1_zhe(shop_site):
    page = parse(shop_site / "p/aux-vacuum/index.html")
    text = page.text
    assert "山姆价 ¥690" in text and "¥69" in text
    assert "1折" in text and "省¥621" in text
    assert "山姆价于2026年11月1日记录，来源：山姆App 截图" in text
    badges = [e for e in page.find("li") if "badge" in (e.attrs.get("class") or "")]
    assert len(badges) >= 3


def test_umbrella_shows_2_zhe_against_42_75_with_tiers_and_member_price(shop_site):
    page = parse(shop_site / "p/umbrella/index.html")
    text = page.text
    assert "山姆价 ¥42.75" in text and "2折" in text
    assert "2件起批" in text
    assert "2–9件 ¥8.55" in text and "10–49件 ¥7.90" in text and "≥50件 ¥6.80" in text
    assert "PLUS会员价 ¥7.99" in text
    quantity = page.find("input", name="qty")[0]
    assert quantity.attrs["min"] == "2" and quantity.attrs["value"] == "2"


def test_umbrella_badges_come_from_the_catalog(shop_site):
    text = parse(shop_site / "p/umbrella/index.html").text
    for label in ("山姆平替", "2折", "真同源", "30天最低价", "PLUS会员价"):
        assert label in text


def test_sizes_that_differ_are_compared_per_100_g(shop_site):
    text = parse(shop_site / "p/apricot/index.html").text
    # 29.90 for 500 g against 99.80 for 1 kg: 5.98 against 9.98 per 100 g
    assert "每100g ¥5.98" in text and "¥9.98" in text
    assert "6折" in text
    assert "500g" in text and "1kg" in text


def test_cards_carry_the_retailer_badge_and_discount_in_the_corner(shop_site):
    home = (shop_site / "index.html").read_text(encoding="utf-8")
    corners = re.findall(r'<span class="corner">([^<]+)</span>', home)
    assert "山姆平替 · 1折" in corners and "山姆平替 · 2折" in corners
    channel = (shop_site / "c/home/index.html").read_text(encoding="utf-8")
    # a product compared only with Taobao shows its discount alone
    assert re.search(r'<span class="corner">\d+(\.\d)?折</span>', channel)


def test_sams_channel_lists_only_sams_alternatives_deepest_discount_first(shop_site):
    page = parse(shop_site / "alt/sams/index.html")
    links = [e.attrs["href"] for e in page.find("a", class_="card-link")]
    assert links == ["/p/aux-vacuum/", "/p/umbrella/", "/p/apricot/"]


def test_members_only_product_says_so(shop_site):
    text = parse(shop_site / "p/plus-bra/index.html").text
    assert "会员专享" in text and "爱慕价 ¥399" in text


def test_factory_page_shows_audit_public_brands_and_products_but_hides_nda_brand(shop_site):
    page = parse(shop_site / "factory/nda-home/index.html")
    text = page.text
    for check in ("资质", "代工合同", "供应链", "产线"):
        assert check in text
    assert "2026年7月1日验厂" in text
    assert "宜家家居" in text and "OEKO-TEX Standard 100" in text
    assert "保密协议" in text
    assert "江苏南通" in text
    hrefs = {e.attrs.get("href") for e in page.find("a")}
    assert {"/p/towel/", "/p/plus-bra/"} <= hrefs
    assert "/belt/haining-socks/" in hrefs


def test_product_page_has_factory_card_and_price_chart(shop_site):
    page = parse(shop_site / "p/umbrella/index.html")
    assert page.find("svg", class_="chart")
    assert "最低 ¥8.55" in page.text and "最高 ¥9.90" in page.text
    assert "2026年8月15日验厂" in page.text


def test_membership_page_lists_member_prices(shop_site):
    text = parse(shop_site / "membership/index.html").text
    assert "24骨全自动雨伞 ¥8.55 ¥7.99" in text
    assert "无钢圈舒适文胸" in text
    assert "年费 ¥258 /年" in text  # the test store's membership.yearly_fee


def test_sourcing_page_explains_the_audit_the_endorsements_and_the_price_rule(shop_site):
    text = parse(shop_site / "sourcing/index.html").text
    for words in ("资质", "代工合同", "供应链", "产线", "真同源", "同工同料", "30天最低价", "5%"):
        assert words in text


def test_every_product_is_reachable_from_home_by_plain_links(shop_site):
    seen, queue = set(), ["/"]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        file = shop_site / url.lstrip("/") / "index.html" if url.endswith("/") else shop_site / url.lstrip("/")
        if not file.is_file() or file.suffix != ".html":
            continue
        for element in parse(file).find("a"):
            href = urlsplit(element.attrs.get("href") or "").path
            if href.startswith("/") and href not in seen:
                queue.append(href)
    products = {f"/p/{p.parent.name}/" for p in (shop_site / "p").glob("*/index.html")}
    assert products and products <= seen


def test_add_to_cart_works_as_a_plain_form_and_the_cart_page_is_there(shop_site):
    page = parse(shop_site / "p/aux-vacuum/index.html")
    form = page.find("form", class_="buy")[0]
    assert form.attrs["action"] == "/cart/" and form.attrs["method"] == "get"
    assert page.find("input", name="add", value="aux-vacuum")
    label_targets = {e.attrs.get("for") for e in page.find("label")}
    assert "qty" in label_targets
    cart = parse(shop_site / "cart/index.html")
    assert any((s.attrs.get("src") or "").startswith("/theme/js/cart.js") for s in cart.find("script"))


def test_images_have_alt_text(shop_site):
    for path in shop_site.rglob("*.html"):
        for image in parse(path).find("img"):
            assert image.attrs.get("alt"), f"{path}: {image.attrs}"


def test_theme_assets_are_copied_and_small(shop_site):
    css = shop_site / "theme/css/store.css"
    assert css.is_file() and css.stat().st_size < 25_000
    assert (shop_site / "theme/js/cart.js").is_file()
    assert (shop_site / "images/products/umbrella.png").is_file()


def test_long_listings_are_split_into_linked_pages(shop, tmp_path):
    from tests.site.conftest import build

    site = build(shop.root, tmp_path / "out", overrides={"PLUS_PAGE_SIZE": 2})
    first = parse(site / "c/home/index.html")
    second = parse(site / "c/home/page/2/index.html")
    on_first = [e.attrs["href"] for e in first.find("a", class_="card-link")]
    on_second = [e.attrs["href"] for e in second.find("a", class_="card-link")]
    assert len(on_first) == 2 and len(on_second) == 2 and not set(on_first) & set(on_second)
    assert first.find("a", rel="next")[0].attrs["href"] == "/c/home/page/2/"
    assert second.find("a", rel="prev")[0].attrs["href"] == "/c/home/"
    assert "<title>家居百货 · 第2页 · PLUS会员店</title>" in (site / "c/home/page/2/index.html").read_text(encoding="utf-8")


def test_purchase_limits_are_shown_on_the_product_page_and_cap_the_quantity(shop, tmp_path):
    umbrella = shop.root / "products" / "umbrella.yaml"
    umbrella.write_text(umbrella.read_text(encoding="utf-8") + "limit_per_member: 6\nlimit_per_order: 4\n", encoding="utf-8")
    site = build(shop.root, tmp_path / "out")
    page = parse(site / "p/umbrella/index.html")
    assert "每人限购6件" in page.text and "每单限购4件" in page.text
    assert page.find("input", name="qty")[0].attrs["max"] == "4"


def test_a_card_keeps_the_heading_level_of_its_page_and_its_title_as_text(shop, tmp_path):
    # A card is rendered once per build with its heading level left open (storefront.generator.CardCache);
    # a title holding the stand-in for the level, or a closing heading tag, is still only text.
    path = shop.root / "products" / "aux-vacuum.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("title: 奥克斯家用大吸尘器", 'title: "奥克斯<level>吸尘器</h3>"', 1), encoding="utf-8"
    )
    site = build(shop.root, tmp_path / "site")
    levels = set()
    for page in site.rglob("*.html"):
        for opening, title, closing in re.findall(r'<(\w+) class="card-title">(.*?)</(\w+)>', page.read_text(encoding="utf-8")):
            assert opening == closing and opening in ("h2", "h3"), (page, opening, closing)
            if title.startswith("奥克斯"):
                assert title == "奥克斯&lt;level&gt;吸尘器&lt;/h3&gt;", page
                levels.add(opening)
    assert levels == {"h2", "h3"}  # under h2 on listing pages, h3 elsewhere
