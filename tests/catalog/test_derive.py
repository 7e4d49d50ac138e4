"""Derived values: discounts, unit prices and badges come from the data, computed once."""

import datetime as dt
from decimal import Decimal

import pytest

from catalog import load_catalog
from catalog.derive import last_drop
from catalog.models import Product
from tests.conftest import PRODUCT, PRODUCT_NO_HISTORY, REFERENCE_UNIT, with_units


def facts_of(content, today, text, pid="aux-vacuum"):
    content.product(pid, text)
    result = load_catalog(content.root, today=today)
    assert result.catalog is not None, [p.as_text() for p in result.problems]
    return result.catalog.facts[pid]


def with_price(price, reference):
    return PRODUCT_NO_HISTORY.replace("price: 69.00", f"price: {price}").replace("price: 690.00", f"price: {reference}")


@pytest.mark.parametrize(
    ("price", "reference", "label"),
    [
        ("69.00", "690.00", "1折"),  # AUX vacuum, SEED-FACTS
        ("8.55", "42.75", "2折"),  # 24-rib umbrella, SEED-FACTS
        ("65.00", "100.00", "6.5折"),
        ("60.01", "100.00", "6.1折"),  # rounded up: never overstate the saving
        ("99.99", "100.00", "10折"),
    ],
)
def test_discount_label(content, today, price, reference, label):
    assert facts_of(content, today, with_price(price, reference)).best.zhe_label == label


def test_vacuum_saving_and_badges(content, today):
    facts = facts_of(content, today, PRODUCT)
    assert facts.best.saving == Decimal("621.00")
    assert facts.best.price_label == "山姆价"
    assert [b.label for b in facts.badges] == ["山姆平替", "1折", "真同源", "30天最低价"]


APRICOTS = with_units(
    PRODUCT.replace("price: 69.00", "price: 25.90").replace("    price: 690.00\n", "    price: 109.00\n"),
    ours="{quantity: 200, measure: g}",
    theirs="{quantity: 500, measure: g}",
)


def test_sizes_that_differ_are_compared_per_100_g(content, today):
    saving = facts_of(content, today, APRICOTS).best
    assert saving.per_label == "每100g"
    assert saving.our_unit_price == Decimal("12.95")
    assert saving.ref_unit_price == Decimal("21.80")
    assert saving.zhe_label == "6折"  # 12.95 / 21.80 = 0.594 → 5.95 → rounded up
    # Stated per our pack (200 g): Sam's rate for 200 g is 43.60, ours 25.90; never at Sam's 500 g size.
    assert saving.saving == Decimal("17.70")


def test_kilograms_compare_with_grams(content, today):
    text = APRICOTS.replace("{quantity: 500, measure: g}", "{quantity: 0.5, measure: kg}")
    assert facts_of(content, today, text).best.ref_unit_price == Decimal("21.80")


def test_member_and_members_only_badges(content, today):
    text = PRODUCT.replace("price: 69.00", "price: 69.00\nmember_price: 59.00\nmembers_only: true")
    labels = [b.label for b in facts_of(content, today, text).badges]
    assert labels[-2:] == ["PLUS会员价", "会员专享"]


def history(*points):
    return "price_history:\n" + "".join(f"  - date: {d}\n    price: {p}\n" for d, p in points)


def test_thirty_day_low_badge_only_when_the_price_is_the_lowest(content, today):
    low = facts_of(content, today, PRODUCT_NO_HISTORY + history(("2026-11-01", "72.00"), ("2026-11-20", "69.00")))
    assert low.is_window_low and "30天最低价" in [b.label for b in low.badges]
    not_low = facts_of(content, today, PRODUCT_NO_HISTORY + history(("2026-11-01", "68.00"), ("2026-11-20", "69.00")))
    assert not not_low.is_window_low and "30天最低价" not in [b.label for b in not_low.badges]
    # without observations there is nothing to claim
    assert not facts_of(content, today, PRODUCT_NO_HISTORY).is_window_low


def test_best_comparison_is_the_biggest_saving(content, today):
    text = PRODUCT.replace(
        "images:",
        "  - retailer: taobao\n    name: 同款\n    price: 99.00\n"
        + REFERENCE_UNIT
        + "    observed_on: 2026-11-02\n    source: 淘宝\nimages:",
    )
    facts = facts_of(content, today, text)
    assert [s.retailer.name for s in facts.savings] == ["山姆会员店", "淘宝"]


def test_last_drop_finds_the_latest_fall():
    base = dict(
        title="x",
        category="home",
        factory="aux",
        sourcing="same-craft",
        price=Decimal(5),
        unit=dict(quantity=1, measure="piece"),
        compare=[
            dict(
                retailer="sams",
                name="x",
                price=Decimal(9),
                unit=dict(quantity=1, measure="piece"),
                observed_on=dt.date(2026, 1, 1),
                source="s",
            )
        ],
        images=[dict(src="a.png", alt="a")],
        added_on=dt.date(2026, 1, 1),
    )

    def drop(*points, price=5):
        history = [{"date": d, "price": p} for d, p in points]
        return last_drop(Product.model_validate({**base, "price": price, "price_history": history}))

    before, after = drop(("2026-01-01", 9), ("2026-02-01", 7), ("2026-03-01", 8), ("2026-04-01", 5))
    assert (str(before.date), before.price, after.price) == ("2026-03-01", 8, 5)
    # a fall that has since been undone is no longer a price drop
    assert drop(("2026-01-01", 9), ("2026-02-01", 5), ("2026-03-01", 6), price=6) is None
    # nor is a newest observation the current price has risen above
    assert drop(("2026-01-01", 9), ("2026-02-01", 5), price=6) is None
    assert drop(("2026-01-01", 5)) is None


def test_the_badge_row_and_the_headline_speak_of_the_same_shop(content, today):
    # Taobao is the deeper cut (69 / 150 = 4.6折), but the product carries the 山姆平替 badge:
    # the 折 beside it, the price panel and the card corner all compare with Sam's (69 / 120 = 5.8折).
    text = PRODUCT.replace("    price: 690.00\n", "    price: 120.00\n").replace(
        "    source: 山姆App 截图\n",
        "    source: 山姆App 截图\n  - retailer: taobao\n    name: 吸尘器\n    price: 150.00\n"
        + REFERENCE_UNIT
        + "    observed_on: 2026-11-01\n    source: 淘宝截图\n",
    )
    facts = facts_of(content, today, text)
    assert facts.savings[0].comparison.reference == "taobao"
    assert facts.best.comparison.reference == "sams"
    discount = next(b for b in facts.badges if b.code == "discount")
    assert discount.label == facts.best.zhe_label == "5.8折"


def test_the_saving_of_a_pack_is_stated_for_our_pack(content, today):
    # 3 towels for 39.90 against 4 at Sam's for 99.90: Sam's rate for 3 is 74.93, so 35.03 is saved on our pack.
    text = with_units(
        PRODUCT.replace("price: 69.00", "price: 39.90").replace("    price: 690.00\n", "    price: 99.90\n"),
        ours="{quantity: 3, measure: piece}",
        theirs="{quantity: 4, measure: piece}",
    )
    text = text.replace("price: 69\n", "price: 39.90\n")
    best = facts_of(content, today, text).best
    assert best.saving == Decimal("35.03")
    assert best.zhe_label == "5.4折"


def test_a_gift_catalogue_price_is_labelled_and_never_the_headline_beside_a_retail_price(content, today):
    text = PRODUCT.replace("  - retailer: sams\n", "  - retailer: taobao\n    kind: gift-catalogue\n").replace(
        "    source: 山姆App 截图\n",
        "    source: 礼品目录\n  - retailer: sams\n    name: 吸尘器\n    price: 120.00\n"
        + REFERENCE_UNIT
        + "    observed_on: 2026-11-01\n    source: 山姆App 截图\n",
    )
    facts = facts_of(content, today, text)
    gift = next(s for s in facts.savings if s.comparison.reference == "taobao")
    assert gift.price_label == "淘宝企业礼品册价（非零售价）"
    assert facts.best.comparison.reference == "sams" and facts.best.price_label == "山姆价"


def test_seed_tea_tray_headline_is_a_retail_price_and_apricot_claims_same_craft(seed_copy, today):
    catalog = load_catalog(seed_copy, today=today).catalog
    assert catalog is not None
    tray = catalog.facts["wujin-stone-tea-tray"]
    assert tray.best.comparison.kind.value == "shelf" and "华为" not in tray.best.price_label
    assert catalog.products["baicaowei-dried-apricot"].sourcing.label == "同工同料"
