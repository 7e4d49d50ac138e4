"""The store's identity in every footer, the /help/ pages, and the delivery terms on product and cart pages."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from catalog import require_catalog
from catalog.delivery import class_rule, dispatch_text
from catalog.money import price_label
from tests.conftest import TODAY
from tests.site.conftest import build, parse
from tests.site.test_pages import PAGE_KINDS

HELP_PAGES = ["help/index.html", *(f"help/{t}/index.html" for t in ("delivery", "returns", "membership", "invoices", "contact"))]


@pytest.fixture(scope="module")
def shop_catalog(shop_site):
    return require_catalog(shop_site.parent / "content", today=TODAY)


def html_files(site):
    return sorted(p for p in site.rglob("*.html") if not {"pagefind", "admin"} & set(p.relative_to(site).parts))


def test_every_page_kind_is_listed_and_the_help_pages_exist(shop_site):
    for path in [*PAGE_KINDS, *HELP_PAGES]:
        assert (shop_site / path).is_file(), path


def test_every_page_shows_the_company_customer_service_licence_and_icp(shop_site, shop_catalog):
    company = shop_catalog.store.company
    pages = html_files(shop_site)
    assert len(pages) > len(PAGE_KINDS)
    for path in pages:
        page = parse(path)
        footer = page.find("footer")
        assert footer, path
        text = page.text
        for value in (company.name, company.phone, company.email, company.hours, company.credit_code, company.icp):
            assert value in text, (path, value)
        (icp,) = [a for a in page.find("a", href="https://beian.miit.gov.cn/")]
        assert "noopener" in icp.attrs["rel"]
        assert page.find("a", href=f"mailto:{company.email}") and page.find("a", href="tel:" + company.phone.replace("-", ""))


def test_delivery_help_shows_every_class_surcharge_region_not_served_and_dispatch_time(shop_site, shop_catalog):
    delivery = shop_catalog.store.delivery
    page = parse(shop_site / "help/delivery/index.html")
    rows = page.find("tr")
    assert {r.attrs.get("data-delivery-class") for r in rows} >= {c.value for c in delivery.classes}
    text = page.text
    for delivery_class, terms in delivery.classes.items():
        assert delivery_class.label in text and price_label(terms.fee) in text
        if terms.free_threshold is not None:
            assert f"满 {price_label(terms.free_threshold)} 包邮" in text
    for province, fee in delivery.surcharges.items():
        assert f"{province} +{price_label(fee)}" in text
    for province in delivery.not_served:
        assert province in text
    for hours in {p.dispatch_hours for p in shop_catalog.products.values()}:
        assert dispatch_text(hours) in text
    assert "只收其中最高的一笔运费" in text


def test_membership_help_shows_the_yearly_fee_and_what_members_save(shop_site, shop_catalog):
    page = parse(shop_site / "help/membership/index.html")
    fee = shop_catalog.store.membership.yearly_fee
    shown = f"{fee:.0f}" if fee == fee.to_integral_value() else f"{fee:.2f}"
    assert f"PLUS会员年费 ¥ {shown} / 年" in page.text
    member_priced = [p for p in shop_catalog.products.values() if p.member_price is not None]
    one_each = sum(p.price - p.member_price for p in member_priced)
    assert member_priced and f"{len(member_priced)}件商品有会员价，每样买一件共省 ¥{one_each:.2f}" in page.text
    for product in member_priced:
        assert product.title in page.text


def test_returns_help_lists_the_excluded_categories_by_name_with_the_reason(shop_site, shop_catalog):
    returns = shop_catalog.store.returns
    page = parse(shop_site / "help/returns/index.html")
    assert "七天无理由退货" in page.text
    assert returns.exclusions
    for exclusion in returns.exclusions:
        assert shop_catalog.categories[exclusion.category].zh in page.text and exclusion.reason in page.text
        assert page.find("a", href=f"/c/{exclusion.category}/")


def test_invoice_and_contact_help_render_the_store_markdown(shop_site, shop_catalog):
    raw = (shop_site / "help/invoices/index.html").read_text(encoding="utf-8")
    assert "<strong>申请发票</strong>" in raw
    contact = parse(shop_site / "help/contact/index.html")
    assert shop_catalog.store.company.phone in contact.text and "请先准备好订单号" in contact.text


def test_help_pages_link_to_each_other_and_mark_the_current_one(shop_site):
    page = parse(shop_site / "help/returns/index.html")
    current = [a for a in page.find("a") if a.attrs.get("aria-current") == "page" and a.attrs.get("href") == "/help/returns/"]
    assert current
    for topic in ("delivery", "membership", "invoices", "contact"):
        assert page.find("a", href=f"/help/{topic}/")


def test_product_page_shows_dispatch_time_and_its_class_terms_with_a_link(shop_site, shop_catalog):
    for pid, product in shop_catalog.products.items():
        page = parse(shop_site / f"p/{pid}/index.html")
        (cell,) = page.find("dd", class_="pd-delivery")
        assert cell.attrs["data-delivery-class"] == product.delivery_class.value
        terms = shop_catalog.store.delivery.classes[product.delivery_class]
        assert f"{dispatch_text(product.dispatch_hours)} · {class_rule(product.delivery_class, terms)}" in page.text
        assert page.find("a", href="/help/delivery/")


def test_cart_page_explains_the_delivery_rule_and_products_json_carries_the_class(shop_site, shop_catalog):
    page = parse(shop_site / "cart/index.html")
    for delivery_class, terms in shop_catalog.store.delivery.classes.items():
        assert class_rule(delivery_class, terms) in page.text
    assert "暂不配送" in page.text and page.find("a", href="/help/delivery/")
    data = json.loads((shop_site / "products.json").read_text(encoding="utf-8"))
    assert {p["id"]: p["delivery_class"] for p in data["products"]} == {
        pid: p.delivery_class.value for pid, p in shop_catalog.products.items()
    }


def test_a_changed_store_file_changes_every_footer_even_in_an_incremental_build(shop, tmp_path):
    output = build(shop.root, tmp_path / "out")
    store = shop.root / "store.yaml"
    store.write_text(store.read_text(encoding="utf-8").replace("沪ICP备2026012345号-1", "京ICP备12345678号"), encoding="utf-8")
    build(shop.root, output)  # product and factory pages are reused only when their key is unchanged
    for path in ("index.html", "p/umbrella/index.html", "help/delivery/index.html", "404.html"):
        assert "京ICP备12345678号" in parse(output / path).text, path


def test_the_fee_the_site_shows_is_the_fee_the_checkout_charges_by_default():
    """store.yaml's yearly fee is what the site shows; checkout/config.py still sets the price it charges."""
    from checkout.config import defaults
    from tests.conftest import SEED

    seed = require_catalog(SEED, today=TODAY)
    assert seed.store.membership.yearly_fee == Decimal(defaults("instance")["PLUS_MEMBERSHIP_PRICE"])


def test_category_pages_and_the_footer_speak_zh_cn_only(shop_site, shop_catalog):
    for cid, category in shop_catalog.categories.items():
        path = shop_site / "c" / cid / "index.html"
        if not path.is_file():
            continue
        text = parse(path).text
        assert category.en not in text, (cid, category.en)  # the English name is for curators
        assert "Atom" not in text


def test_shoppers_read_money_by_one_rule_whole_yuan_without_decimals(shop_site):
    import re

    for path in html_files(shop_site):
        text = parse(path).text
        assert not re.search(r"¥\s*\d+\.00(?!\d)", text), (path, re.search(r".{20}¥\s*\d+\.00.{0,10}", text))
