"""Cross-file rules: each has a case that breaks it and must be reported at the right place."""

import pytest

from catalog import Severity, load_catalog
from tests.conftest import FACTORY, PRODUCT, PRODUCT_NO_HISTORY, with_units

pytestmark = pytest.mark.usefixtures("english")  # these pin the English wording; tests/catalog/test_messages.py pins the zh-CN


def findings(content, today):
    result = content.load(today)
    return result, [(p.path.name, p.line, p.field, p.message, p.severity) for p in result.problems]


def only_error(content, today, field):
    result, found = findings(content, today)
    assert result.catalog is None, "the rule did not stop the catalog"
    hits = [f for f in found if f[2] == field and f[4] is Severity.ERROR]
    assert hits, found
    return hits[0]


WHOLESALE = PRODUCT.replace(
    "price: 69.00",
    "price: 69.00\nmoq: 5\ntiers:\n  - min_qty: 10\n    price: 60.00\n  - min_qty: 50\n    price: 55.00",
)


@pytest.mark.parametrize(
    ("old", "new", "field", "fragment"),
    [
        ("category: home", "category: garden", "category", "unknown category 'garden'"),
        ("factory: aux", "factory: nobody", "factory", "no file content/factories/nobody.yaml"),
        ("src: products/vacuum.png", "src: products/missing.png", "images.0.src", "image file not found"),
        ("price: 69.00", "price: 69.00\nmember_price: 69.00", "member_price", "must be below the price"),
        ("added_on: 2026-10-01", "added_on: 2026-12-01", "added_on", "in the future"),
        ("observed_on: 2026-11-01", "observed_on: 2026-11-26", "compare.0.observed_on", "in the future"),
        ("retailer: sams", "retailer: costco", "compare.0.retailer", "unknown retailer 'costco'"),
        ("retailer: sams", "retailer: aimer", "compare.0.retailer", "is a brand"),
        ("price: 690.00", "price: 69.00", "compare.0.price", "no saving"),
    ],
)
def test_product_rule(content, today, old, new, field, fragment):
    content.product("aux-vacuum", PRODUCT.replace(old, new))
    hit = only_error(content, today, field)
    assert fragment in hit[3]


@pytest.mark.parametrize(
    ("old", "new", "field", "fragment"),
    [
        ("min_qty: 10", "min_qty: 3", "tiers.0.min_qty", "below the minimum order"),
        ("price: 60.00", "price: 70.00", "tiers.0.price", "must be below the price"),
        ("min_qty: 50", "min_qty: 10", "tiers.1.min_qty", "must rise in quantity"),
        ("price: 55.00", "price: 61.00", "tiers.1.price", "must fall as quantity rises"),
    ],
)
def test_tier_rules(content, today, old, new, field, fragment):
    content.product("aux-vacuum", WHOLESALE)
    assert findings(content, today)[1] == []
    content.product("aux-vacuum", WHOLESALE.replace(old, new))
    hit = only_error(content, today, field)
    assert fragment in hit[3]
    assert hit[1] > 5


def history(*points):
    return "price_history:\n" + "".join(f"  - date: {d}\n    price: {p}\n" for d, p in points)


def test_price_may_not_exceed_the_30_day_low_by_more_than_the_tolerance(content, today):
    ok = PRODUCT_NO_HISTORY + history(("2026-10-01", "66.00"), ("2026-10-20", "67.00"), ("2026-11-15", "69.00"))
    content.product("aux-vacuum", ok)  # low of the 30 days to 11-15 is 66.00 (in force from 10-01): 69.00 is within 5%
    assert findings(content, today)[1] == []
    content.product("aux-vacuum", ok.replace("66.00", "65.00"))  # 65 * 1.05 = 68.25 < 69
    hit = only_error(content, today, "price")
    assert "lowest price of the 30 days up to 2026-11-15 (65.00)" in hit[3]
    assert hit[1] == 5


def test_the_price_in_force_when_the_window_starts_counts_for_the_floor(content, today):
    # 8.55 since October, 12.90 from 25 November: a 51% rise, though no observation falls inside the window.
    content.product(
        "aux-vacuum", PRODUCT_NO_HISTORY.replace("price: 69.00", "price: 12.90") + history(("2026-10-01", "8.55"), ("2026-11-25", "12.90"))
    )
    hit = only_error(content, today, "price")
    assert "lowest price of the 30 days up to 2026-11-25 (8.55)" in hit[3]


def test_the_floor_tolerance_is_configurable(content, today):
    content.product("aux-vacuum", PRODUCT_NO_HISTORY + history(("2026-11-10", "60.00"), ("2026-11-15", "69.00")))
    assert load_catalog(content.root, today=today).catalog is None
    content.write("settings.yaml", "price_floor_tolerance: 0.20\n")
    assert load_catalog(content.root, today=today).catalog is not None


def test_history_dates_must_be_in_order_and_not_in_the_future(content, today):
    content.product("aux-vacuum", PRODUCT_NO_HISTORY + history(("2026-11-10", "69.00"), ("2026-11-01", "69.00")))
    assert "date order" in only_error(content, today, "price_history.1.date")[3]
    content.product("aux-vacuum", PRODUCT_NO_HISTORY + history(("2026-11-10", "69.00"), ("2026-12-01", "69.00")))
    assert "future" in only_error(content, today, "price_history.1.date")[3]


def test_stale_comparison_is_a_warning_with_configurable_age(content, today):
    content.product("aux-vacuum", PRODUCT.replace("observed_on: 2026-11-01", "observed_on: 2026-05-01"))
    result, found = findings(content, today)
    assert result.catalog is not None
    assert [(f[2], f[4]) for f in found] == [("compare.0.observed_on", Severity.WARNING)]
    content.write("settings.yaml", "compare_max_age_days: 365\nevidence_max_age_days: 365\n")
    assert findings(content, today)[1] == []


def test_units_of_different_kinds_cannot_be_compared(content, today):
    content.product("aux-vacuum", with_units(PRODUCT, ours="{quantity: 500, measure: g}", theirs="{quantity: 1, measure: l}"))
    assert "measure different things" in only_error(content, today, "compare.0.unit")[3]


def test_same_source_needs_a_verified_oem_contract(content, today):
    content.factory("aux", FACTORY.replace("oem_contract: true", "oem_contract: false"))
    result, found = findings(content, today)
    assert any(f[2] == "sourcing" and "代工合同" in f[3] for f in found)
    # and a factory with products must be fully audited
    assert any(f[0] == "aux.yaml" and f[2] == "verification" and f[4] is Severity.ERROR for f in found)


def test_incomplete_audit_of_a_factory_without_products_is_only_a_warning(content, today):
    content.factory("new-one", FACTORY.replace("production_line: true", "production_line: false"))
    result, found = findings(content, today)
    assert result.catalog is not None
    assert [(f[0], f[4]) for f in found] == [("new-one.yaml", Severity.WARNING)]


def test_factory_rules(content, today):
    content.factory("aux", FACTORY.replace("industry_belt: haining-socks", "industry_belt: mars"))
    assert "unknown industrial belt" in only_error(content, today, "industry_belt")[3]
    content.factory("aux", FACTORY.replace("audited_on: 2026-09-01", "audited_on: 2026-12-01"))
    assert "future" in only_error(content, today, "verification.audited_on")[3]
    content.factory("aux", FACTORY.replace("audited_on: 2026-09-01", "audited_on: 2025-09-01"))
    result, found = findings(content, today)
    assert result.catalog is not None
    assert [(f[2], f[4]) for f in found] == [("verification.audited_on", Severity.WARNING)]


NDA_FACTORY = FACTORY.replace(
    "  - brand: 山姆会员店\n    disclosure: public",
    "  - brand: 山姆会员店\n    disclosure: public\n  - brand: 名创优品\n    disclosure: nda\n    aliases: [MINISO]",
)


def test_nda_brand_may_appear_only_in_the_confidential_oem_record(content, today):
    content.factory("aux", NDA_FACTORY)
    assert findings(content, today)[1] == []


@pytest.mark.parametrize(
    ("kind", "old", "new", "field"),
    [
        ("product", "title: 奥克斯家用大吸尘器", "title: 名创优品同厂吸尘器", "title"),
        ("product", "alt: 白色吸尘器", "alt: 白色 miniso 吸尘器", "images.0.alt"),
        ("factory", "description: 为山姆供货的家电工厂。", "description: 为 Miniso 供货。", "description"),
    ],
)
def test_nda_brand_in_published_text_is_an_error(content, today, kind, old, new, field):
    content.factory("aux", NDA_FACTORY)
    if kind == "product":
        content.product("aux-vacuum", PRODUCT.replace(old, new))
    else:
        content.factory("aux", NDA_FACTORY.replace(old, new))
    assert "brand under NDA" in only_error(content, today, field)[3]


def test_nda_brand_cannot_be_a_comparison_reference(content, today):
    content.factory("aux", NDA_FACTORY)
    content.product("aux-vacuum", PRODUCT.replace("retailer: sams", "brand: mc"))
    content.write("retailers.yaml", "sams: 山姆会员店\nmc:\n  name: 名创优品\n  kind: brand\n")
    assert "may not be compared with publicly" in only_error(content, today, "compare.0.brand")[3]


def test_same_source_must_be_compared_with_a_reference_the_factory_supplies(content, today):
    content.factory("aux", FACTORY.replace("brand: 山姆会员店", "brand: 爱慕"))
    hit = only_error(content, today, "sourcing")
    assert "makes goods for" in hit[3] and "爱慕" in hit[3]
    # same-craft makes no such claim
    content.product("aux-vacuum", PRODUCT.replace("sourcing: same-source", "sourcing: same-craft"))
    assert findings(content, today)[1] == []


@pytest.mark.parametrize("where", ["\nunit: {quantity: 1, measure: piece}\n", "\n    unit: {quantity: 1, measure: piece}\n"])
def test_a_missing_unit_is_located_and_says_what_to_write(content, today, where):
    # Units are required on both sides: a 3-pack is never compared with a single item as if equal.
    content.product("aux-vacuum", PRODUCT.replace(where, "\n", 1))
    result, found = findings(content, today)
    assert result.catalog is None
    (problem,) = [f for f in found if f[4] is Severity.ERROR]
    assert problem[2] in ("unit", "compare.0.unit")
    assert "required" in problem[3] and "unit: {quantity: 1, measure: piece}" in problem[3]


EARLIER = """\
  - kind: own-earlier
    name: 本店此前价
    price: {price}
    unit: {{quantity: 1, measure: piece}}
    observed_on: 2026-11-20
    source: 本店价格记录
images:
"""


def own_earlier(content, price: str, history: list[tuple[str, str]]) -> None:
    points = "".join(f"  - {{date: {d}, price: {p}}}\n" for d, p in history)
    text = PRODUCT_NO_HISTORY.replace("images:\n", EARLIER.format(price=price), 1) + "price_history:\n" + points
    content.product("aux-vacuum", text)


# 69.00 since 2026-11-20; before: 79.00 from 2026-10-01, 89.00 in the 7 days before the cut (from 2026-11-14)
CUT = [("2026-10-01", "79.00"), ("2026-11-14", "89.00"), ("2026-11-20", "69.00")]


def test_our_earlier_price_may_not_exceed_the_lower_of_the_7_and_30_day_lows(content, today):
    own_earlier(content, "79.00", CUT)  # the lows of the 7 and the 30 days before the cut are both 79 (in force on 11-13)
    result, found = findings(content, today)
    assert result.catalog is not None, found
    facts = result.catalog.facts["aux-vacuum"]
    earlier = next(s for s in facts.savings if s.comparison.kind.value == "own-earlier")
    assert earlier.price_label == "本店此前价" and earlier.retailer.label == "本店"
    own_earlier(content, "89.00", CUT)  # the 7-day high is not the reference price: refused, with the cap
    problem = only_error(content, today, "compare.1.price")
    assert "79.00" in problem[3] and "2026-11-20" in problem[3]


def test_our_earlier_price_needs_a_higher_price_in_the_history(content, today):
    own_earlier(content, "79.00", [("2026-11-20", "69.00")])
    assert "price_history holds no earlier, higher price" in only_error(content, today, "compare.1.price")[3]


def test_our_earlier_price_names_no_retailer(content, today):
    content.product(
        "aux-vacuum", PRODUCT.replace("images:\n", EARLIER.format(price="79.00").replace("  - kind:", "  - retailer: sams\n    kind:"), 1)
    )
    assert "refers to this store itself" in only_error(content, today, "compare.1")[3]


def test_a_discount_below_1_zhe_is_a_warning(content, today):
    content.product("aux-vacuum", PRODUCT.replace("price: 690.00", "price: 6900.00"))
    result, found = findings(content, today)
    assert result.catalog is not None
    assert [(f[2], f[4]) for f in found] == [("compare.0.price", Severity.WARNING)]
    assert "below 1折" in found[0][3]


def test_missing_price_history_is_a_warning(content, today):
    content.product("aux-vacuum", PRODUCT_NO_HISTORY)
    result, found = findings(content, today)
    assert [(f[2], f[4]) for f in found] == [("price", Severity.WARNING)]


def test_a_first_tier_at_the_moq_makes_the_list_price_unpayable(content, today):
    content.product("aux-vacuum", WHOLESALE.replace("min_qty: 10", "min_qty: 5"))
    result, found = findings(content, today)
    assert [(f[2], f[4]) for f in found] == [("tiers.0.min_qty", Severity.WARNING)]


def test_nda_brand_in_an_id_or_index_file_is_an_error(content, today):
    content.factory("aux", NDA_FACTORY)
    content.product("miniso-vacuum", PRODUCT)
    content.write("belts.yaml", "haining-socks:\n  name: 海宁袜业\n  region: 浙江海宁\n  description: 名创优品的袜子也在这里做\n")
    result, found = findings(content, today)
    assert any(f[0] == "miniso-vacuum.yaml" and "ids become URLs" in f[3] for f in found)
    belt = [f for f in found if f[0] == "belts.yaml"]
    assert belt and belt[0][2] == "haining-socks.description" and belt[0][1] == 4
    assert "(in '名创优品的袜子也在这里做')" in belt[0][3]


def test_a_discount_that_rounds_to_1_zhe_is_not_called_below_1_zhe(content, today):
    content.product(
        "aux-vacuum",
        PRODUCT.replace("price: 69.00", "price: 59.00", 1).replace("price: 690.00", "price: 599.00").replace("price: 69\n", "price: 59\n"),
    )
    assert findings(content, today)[1] == []


def test_verification_checks_are_not_a_content_field(content, today):
    content.factory("aux", FACTORY.replace("verification:\n", "verification:\n  CHECKS: {}\n"))
    assert "unknown field" in only_error(content, today, "verification.CHECKS")[3]
