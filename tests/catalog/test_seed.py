"""The seed content reflects SEED-FACTS: its named figures exact, every kind of product present."""

from decimal import Decimal

import pytest

from catalog import Sourcing, load_catalog
from tests.conftest import SEED, TODAY


@pytest.fixture(scope="module")
def seed():
    result = load_catalog(SEED, today=TODAY, strict=True)
    assert result.catalog is not None, "\n".join(p.as_text() for p in result.problems)
    return result.catalog


def test_seed_is_large_enough(seed):
    assert len(seed.products) >= 16
    assert len(seed.factories) >= 10


def with_reference(seed, retailer, reference_price):
    return [
        (pid, p) for pid, p in seed.products.items() for c in p.compare if c.reference == retailer and c.price == Decimal(reference_price)
    ]


@pytest.mark.parametrize(
    ("our_price", "reference_price", "zhe"),
    [("69.00", "690.00", "1折"), ("8.55", "42.75", "2折")],
)
def test_named_sams_figures_are_exact(seed, our_price, reference_price, zhe):
    matches = with_reference(seed, "sams", reference_price)
    assert matches, f"no product compared with 山姆价 {reference_price}"
    pid, product = matches[0]
    assert product.price == Decimal(our_price)
    assert seed.facts[pid].best.zhe_label == zhe
    assert "山姆平替" in [b.label for b in seed.facts[pid].badges]


def test_tea_tray_is_120_yuan(seed):
    trays = [p for p in seed.products.values() if "茶盘" in p.title]
    assert trays and all(p.price == Decimal("120.00") for p in trays)


def test_apricots_differ_from_sams_only_by_net_weight_at_about_6_zhe(seed):
    apricots = [pid for pid, p in seed.products.items() if "杏干" in p.title]
    assert apricots
    best = seed.facts[apricots[0]].best
    assert best.per_label == "每100g"
    assert Decimal("5") <= best.zhe <= Decimal("7")


def test_shenjiang_underwear_is_60_to_70_against_aimer(seed):
    underwear = [p for p in seed.products.values() if any(c.reference == "aimer" for c in p.compare)]
    assert underwear and all(Decimal(60) <= p.price <= Decimal(70) for p in underwear)


def test_every_kind_of_product_is_present(seed):
    products = list(seed.products.values())
    assert {p.sourcing for p in products} == set(Sourcing)
    assert sum(p.members_only for p in products) >= 1
    assert sum(p.member_price is not None for p in products) >= 1
    assert any(p.moq > 1 and p.tiers for p in products)
    assert any(p.unit is not None for p in products)


def test_an_nda_factory_exists_and_its_brand_is_miniso(seed):
    names = seed.nda_names()
    assert any("名创" in n for n in names)


def test_named_industrial_belts_are_present(seed):
    names = " ".join(b.name for b in seed.belts.values())
    for belt in ("海宁", "诸暨", "佛山", "桐乡", "白云", "四季青", "十三行"):
        assert belt in names
