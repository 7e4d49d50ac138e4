"""Page paths: one definition of where a product page lives, for the site and the checkout."""

from __future__ import annotations

import pytest

from catalog import load_catalog
from catalog.urls import product_url


def test_a_product_page_lives_under_p_and_its_id(content, today):
    result = load_catalog(content.root, today=today)
    assert result.catalog is not None, [p.as_text() for p in result.problems]
    assert result.catalog.products
    for pid in result.catalog.products:
        assert product_url(pid) == f"p/{pid}/"


def test_the_path_is_site_relative():
    path = product_url("aux-vacuum")
    assert not path.startswith("/") and path.endswith("/")


@pytest.mark.parametrize("pid", ["../admin", "a/b", "x?y=1", "x#top", "伞"])
def test_an_id_that_is_not_a_slug_stays_one_path_segment(pid):
    path = product_url(pid)
    assert path.startswith("p/") and path.endswith("/")
    segment = path[2:-1]
    assert segment and not set("/?#") & set(segment)
    assert segment != ".."
