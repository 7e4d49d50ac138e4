"""The benchmarks' generated catalogs validate, and the realistic one is shaped like the seed."""

from __future__ import annotations

from bench.catalog_gen import write_catalog
from bench.realistic_gen import write_realistic_catalog
from catalog import load_catalog
from tests.conftest import TODAY


def test_the_synthetic_catalog_validates(tmp_path):
    result = load_catalog(write_catalog(tmp_path / "c", 40), today=TODAY)
    assert result.catalog is not None, [p.as_text() for p in result.errors]


def test_the_realistic_catalog_validates_and_keeps_the_seeds_shapes(tmp_path):
    result = load_catalog(write_realistic_catalog(tmp_path / "c", 60), today=TODAY)
    assert result.catalog is not None, [p.as_text() for p in result.errors]
    # warnings too: a curator would fix them, and thousands of them would time printing, not building
    assert not result.warnings, [p.as_text() for p in result.warnings[:5]]
    products = result.catalog.products.values()
    assert len({p.title for p in products}) == 60  # unique titles
    assert len({p.description for p in products}) == 60
    assert min(len(p.description) for p in products) > 200  # Markdown of the seed's length, not one line
    assert sum(1 for p in products if p.tiers) >= 5 and sum(1 for p in products if p.member_price) >= 5
    assert sum(1 for p in products if len(p.compare) > 1) >= 5
    assert all(3 <= len(p.price_history) for p in products)
    assert any(f.nda_names for f in result.catalog.factories.values())  # the NDA scan has names to look for
