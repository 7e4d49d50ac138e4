"""Rebuilds render and index everything again and end byte-identical to a build into a new folder."""

from __future__ import annotations

import pytest

from admin.build import build_site
from tests.conftest import TODAY


def files(root):
    """Every output file's bytes, by path; not the search index (Pagefind names its files differently
    on each run: test_search covers what it answers)."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] != "pagefind"
    }


def rebuild_and_compare(shop, tmp_path, **kwargs):
    """Rebuild `site` and build the same content into a new folder; both must be identical."""
    site, fresh = tmp_path / "site", tmp_path / "fresh"
    report = build_site(shop.root, site, today=TODAY, **kwargs)
    build_site(shop.root, fresh, today=TODAY, **kwargs)
    assert files(site) == files(fresh)
    return report


@pytest.fixture
def built(shop, tmp_path):
    """The shop built once into tmp/site."""
    return build_site(shop.root, tmp_path / "site", today=TODAY)


def test_a_price_change_reaches_every_card_of_the_product(shop, tmp_path, built):
    path = shop.root / "products/towel.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("price: 39.00", "price: 35.00"), encoding="utf-8")
    rebuild_and_compare(shop, tmp_path)
    assert "<small>¥</small>35</span>" in (tmp_path / "site/p/plus-bra/index.html").read_text(encoding="utf-8")


def test_a_factory_rename_reaches_the_cards_of_its_products(shop, tmp_path, built):
    path = shop.root / "factories/snack-co.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("百味食品", "百味食品厂"), encoding="utf-8")
    rebuild_and_compare(shop, tmp_path)
    assert "百味食品厂" in (tmp_path / "site/c/food/index.html").read_text(encoding="utf-8")


def test_a_rebuild_without_changes_writes_the_same_site(shop, tmp_path, built):
    before = files(tmp_path / "site")
    report = build_site(shop.root, tmp_path / "site", today=TODAY)
    assert report.rendered == built.rendered
    assert files(tmp_path / "site") == before


def test_a_hand_edited_output_page_is_replaced(shop, tmp_path, built):
    page = tmp_path / "site/p/apricot/index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("杏干", "XX"), encoding="utf-8")
    rebuild_and_compare(shop, tmp_path)
    assert "杏干" in page.read_text(encoding="utf-8")


def test_a_spec_edit_reaches_the_index(shop, tmp_path, built):
    from tests.site.test_search import query

    path = shop.root / "products/towel.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "spec: 吸水速干的毛圈\n", encoding="utf-8")
    build_site(shop.root, tmp_path / "site", today=TODAY)
    answers = query(tmp_path / "site", [{"query": "速干"}, {"query": "雨伞"}, {"options": {"filters": {"factory": ["青禾家纺"]}}}])
    assert [r["url"] for r in answers["answers"][0]] == ["/p/towel/"]
    assert [r["url"] for r in answers["answers"][1]][:1] == ["/p/umbrella/"]
    assert sorted(r["url"] for r in answers["answers"][2]) == ["/p/plus-bra/", "/p/towel/"]
    assert answers["filters"]["sourcing"] == {"真同源": 3, "同工同料": 2}


def test_a_published_build_indexes_absolute_image_urls(shop, tmp_path, built):
    from tests.site.conftest import REPO
    from tests.site.test_search import query

    build_site(shop.root, tmp_path / "site", today=TODAY, settings_file=REPO / "publishconf.py")
    found = {r["url"]: r for r in query(tmp_path / "site", [{"query": "毛巾"}])["answers"][0]}
    assert found["/p/towel/"]["meta"]["image"] == "https://plus.example.cn/images/products/towel.png"


def test_invalid_content_leaves_no_indexer_running(shop, tmp_path, built, pagefind_left):
    from catalog import ContentError

    path = shop.root / "products/towel.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("price: 39.00", "prise: 39.00"), encoding="utf-8")
    with pytest.raises(ContentError):
        build_site(shop.root, tmp_path / "site", today=TODAY)
    assert pagefind_left() == []
