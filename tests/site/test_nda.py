"""A brand under NDA reaches no output byte; a build that would publish one fails and publishes nothing."""

from __future__ import annotations

import gzip
import json

import pytest
from click.testing import CliRunner

from admin.build import build_site
from admin.cli import cli
from catalog import require_catalog
from storefront.nda import NdaGuard, NdaLeak, scan_output
from tests.conftest import TODAY
from tests.site.conftest import NDA_ALIAS, NDA_BRAND, build, settings_with, theme_copy

NAMES = {"nda-home": [NDA_BRAND, NDA_ALIAS]}


def tree_snapshot(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", f"<p>made for {NDA_BRAND}</p>".encode()),
        ("page.html", f"<p>{NDA_BRAND.lower()}</p>".encode()),
        ("feed.xml", NDA_ALIAS.upper().encode()),
        ("data.json", json.dumps({"b": NDA_ALIAS}).encode()),
        ("pagefind/fragment/en_1.pf_fragment", gzip.compress(f"pagefind_dcd{NDA_BRAND}".encode(), mtime=0)),
    ],
)
def test_scanner_finds_nda_names_in_any_file_even_compressed(tmp_path, name, content):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    (tmp_path / "clean.html").write_text("<p>青禾家纺</p>", encoding="utf-8")
    leaks = scan_output(tmp_path, NdaGuard(NAMES))
    assert [(leak.path, leak.factory) for leak in leaks] == [(path, "nda-home")]


def test_scanner_finds_chinese_names_and_their_escaped_forms(tmp_path):
    names = {"f": ["名创优品", "A&B"]}
    (tmp_path / "a.html").write_text("<p>名创优品</p>", encoding="utf-8")
    (tmp_path / "b.html").write_text("<p>A&amp;B</p>", encoding="utf-8")
    (tmp_path / "c.json").write_text(json.dumps("名创优品"), encoding="ascii")  # \u540d…
    (tmp_path / "d.html").write_text('<a href="/s?q=%E5%90%8D%E5%88%9B%E4%BC%98%E5%93%81">x</a>', encoding="utf-8")
    (tmp_path / "ok.html").write_text("<p>名创 优品 A and B</p>", encoding="utf-8")
    found = sorted(leak.path.name for leak in scan_output(tmp_path, NdaGuard(names)))
    assert found == ["a.html", "b.html", "c.json", "d.html"]


def test_shop_build_names_no_nda_brand_but_admits_there_is_one(shop_site):
    assert scan_output(shop_site, NdaGuard(NAMES)) == []
    assert any(shop_site.joinpath("pagefind").rglob("*.pf_fragment"))
    factory_page = (shop_site / "factory/nda-home/index.html").read_text(encoding="utf-8")
    assert "保密协议" in factory_page and "宜家家居" in factory_page


def test_seed_build_names_no_nda_brand(seed_copy, tmp_path):
    output = build(seed_copy, tmp_path / "out")
    catalog = require_catalog(seed_copy, today=TODAY)
    names = {fid: f.nda_names for fid, f in catalog.factories.items() if f.nda_names}
    assert names, "the seed keeps at least one brand under NDA (Haixing Home's)"
    assert scan_output(output, NdaGuard(names)) == []


@pytest.fixture
def leaking_settings(tmp_path):
    """A theme whose factory page prints every OEM brand, NDA or not (a template mistake)."""
    theme = theme_copy(tmp_path)
    page = theme / "templates" / "factory.html"
    leak = "{% for o in factory.factory.oem_for %}<i>{{ o.brand }}</i>{% endfor %}{% endblock %}"
    text = page.read_text(encoding="utf-8")
    page.write_text(text[: text.rindex("{% endblock %}")] + leak + "\n", encoding="utf-8")
    return settings_with(tmp_path, THEME=str(theme))


def test_build_that_would_publish_an_nda_brand_fails_and_keeps_the_old_site(shop, tmp_path, leaking_settings):
    output = build(shop.root, tmp_path / "site")
    before = tree_snapshot(output)
    with pytest.raises(NdaLeak) as caught:
        build_site(shop.root, output, today=TODAY, settings_file=leaking_settings)
    assert any(leak.path.name == "index.html" and leak.factory == "nda-home" for leak in caught.value.leaks)
    message = str(caught.value)
    assert f"来自 {shop.root / 'factories' / 'nda-home.yaml'}" in message  # the content folder the build was given
    assert "没有发布" in message and "删去这个品牌" in message
    assert tree_snapshot(output) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []


def test_cli_build_with_a_leak_exits_1_without_repeating_the_brand(shop, tmp_path, leaking_settings):
    result = CliRunner().invoke(
        cli,
        [
            "build",
            "--content",
            str(shop.root),
            "--output",
            str(tmp_path / "out"),
            "--today",
            "2026-11-25",
            "--settings",
            str(leaking_settings),
        ],
    )
    assert result.exit_code == 1, result.output
    assert "写出了保密（NDA）品牌" in result.output and "工厂 nda-home" in result.output
    assert NDA_BRAND.lower() not in result.output.lower()
    assert not (tmp_path / "out").exists()


def test_guard_finds_every_form_of_a_name_in_bytes_and_nothing_else():
    guard = NdaGuard({"b-factory": ["名创优品"], "a-factory": [NDA_BRAND]})
    assert guard.factory_named_in(f"<p>{NDA_BRAND.lower()}</p>".encode()) == "a-factory"
    assert guard.factory_named_in(json.dumps({"x": "名创优品"}).encode()) == "b-factory"  # \u escapes
    assert guard.factory_named_in(b"/s?q=%E5%90%8D%E5%88%9B%E4%BC%98%E5%93%81") == "b-factory"
    assert guard.factory_named_in("<p>名创 优品 青禾家纺</p>".encode()) is None
    assert not NdaGuard({}) and NdaGuard({}).factory_named_in(NDA_BRAND.encode()) is None


def test_a_file_no_page_check_saw_is_still_scanned_before_publishing(shop, tmp_path):
    theme = theme_copy(tmp_path)
    (theme / "static" / "js" / "extra.js").write_text(f"// for {NDA_ALIAS}\n", encoding="utf-8")
    with pytest.raises(NdaLeak) as caught:
        build_site(shop.root, tmp_path / "site", today=TODAY, settings_file=settings_with(tmp_path, THEME=str(theme)))
    assert [(leak.path.name, leak.factory) for leak in caught.value.leaks] == [("extra.js", "nda-home")]
    assert not (tmp_path / "site").exists()


def test_a_search_record_naming_an_nda_brand_fails_before_pagefind_sees_it(shop, tmp_path, monkeypatch, pagefind_left):
    import storefront.search

    real = storefront.search.product_documents

    def leaking_documents(store, views, **kwargs):  # a mistake in search.py: the factory's NDA brand in a record
        (view, document), *others = real(store, views, **kwargs)
        leaked = document.replace("<main data-pagefind-body>", f"<main data-pagefind-body><p>{NDA_BRAND}</p>", 1)
        return iter([(view, leaked), *others])

    monkeypatch.setattr(storefront.search, "product_documents", leaking_documents)
    with pytest.raises(NdaLeak) as caught:
        build_site(shop.root, tmp_path / "site", today=TODAY)
    assert [leak.factory for leak in caught.value.leaks] == ["nda-home"]
    assert not (tmp_path / "site").exists() and pagefind_left() == []


def test_products_json_is_checked_as_it_is_written_not_read_back(shop, tmp_path, monkeypatch):
    import storefront.feeds
    import storefront.nda

    real_items, real_texts = storefront.feeds.product_items, storefront.nda.file_texts
    read = []

    def leaking_items(store, **kwargs):  # a mistake in feeds.py: the factory's NDA brand in an item
        first, *others = real_items(store, **kwargs)
        return iter([{**first, "title": f"{first['title']} {NDA_BRAND}"}, *others])

    def reading(path):
        read.append(path.name)
        return real_texts(path)

    monkeypatch.setattr(storefront.feeds, "product_items", leaking_items)
    monkeypatch.setattr(storefront.nda, "file_texts", reading)
    with pytest.raises(NdaLeak) as caught:
        build_site(shop.root, tmp_path / "site", today=TODAY)
    assert [(leak.path.name, leak.factory) for leak in caught.value.leaks] == [("products.json", "nda-home")]
    assert "products.json" not in read and "sitemap.xml" in read  # (the last scan still reads what nothing checked)
    assert not (tmp_path / "site").exists()


def test_pages_and_records_naming_an_nda_brand_are_named_in_one_report(shop, tmp_path, monkeypatch, leaking_settings):
    import storefront.search

    real = storefront.search.product_documents

    def leaking_documents(store, views, **kwargs):
        (view, document), *others = real(store, views, **kwargs)
        return iter([(view, document.replace("<main data-pagefind-body>", f"<main data-pagefind-body><p>{NDA_BRAND}</p>", 1)), *others])

    monkeypatch.setattr(storefront.search, "product_documents", leaking_documents)
    with pytest.raises(NdaLeak) as caught:
        build_site(shop.root, tmp_path / "site", today=TODAY, settings_file=leaking_settings)
    found = {leak.path.relative_to(tmp_path).parts[1] for leak in caught.value.leaks}  # (below the unpublished build)
    assert found == {"factory", "pagefind"}


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("feed.xml", "<summary>ＺＱＸＢＲＡＮＤ-7731 同厂</summary>".encode()),  # full-width
        ("products.json", b'{"title": "\\uff3a\\uff31\\uff38BRAND-7731"}'),  # the same, JSON-escaped
        ("page.html", "<p>ZQX\u200bBRAND-7731</p>".encode()),  # a zero-width space inside
        ("page2.html", "<p>名\u200d创优品</p>".encode()),
        ("sitemap.xml", b"<loc>/p/%EF%BC%BAQXBRAND-7731/</loc>"),  # URL-quoted full-width Z
        ("page3.html", "<p>ÉCLAT 同厂</p>".encode()),  # upper case beyond ASCII, in a text with nothing full-width
        ("page4.html", b"<p>ZQX&shy;BRAND-7731</p>"),  # a named entity (a soft hyphen) inside
        ("page5.html", b"<p>ZQX&#66;RAND-7731</p>"),  # a letter as a numeric entity: ASCII once read
    ],
)
def test_the_last_scan_reads_names_as_a_reader_sees_them(tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    names = {"home": [NDA_BRAND, "名创优品", "éclat"]}
    assert [(leak.path.name, leak.factory) for leak in scan_output(tmp_path, NdaGuard(names))] == [(name, "home")]


def test_the_last_scan_does_not_flag_ordinary_chinese_text(tmp_path):
    (tmp_path / "page.html").write_text("<p>山姆会员店，（同厂）：60×40cm ①号 ＡＢＣ</p>", encoding="utf-8")
    assert scan_output(tmp_path, NdaGuard({"home": [NDA_BRAND]})) == []


@pytest.mark.usefixtures("english")
def test_the_english_refusal_also_says_how_to_fix_it(tmp_path):
    from storefront.nda import Leak, NdaLeak

    site, content = tmp_path / "site", tmp_path / "shop b"
    message = str(NdaLeak([Leak(site / "p" / "x" / "index.html", "nda-home")], site, content))
    assert f"made from {content / 'products' / 'x.yaml'}" in message
    assert "nothing was published" in message and "Remove the brand" in message
