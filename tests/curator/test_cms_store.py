"""The editor's local backend without a browser: merges keep files, checks refuse bad saves."""

from __future__ import annotations

import base64
import datetime as dt
import subprocess
from decimal import Decimal

import pytest
import yaml

from admin.curator import yamlmerge
from admin.curator.cms_store import MAX_IMAGE_BYTES, ContentStore, Refused, checked_image, normalised
from catalog import require_catalog
from catalog.models import Settings

SOURCE = """\
# yaml-language-server: $schema=../../schema/product.schema.json
title: 雨伞  # 必填
price: 29.90
member_price: ~  # 可选：PLUS会员价
unit: {quantity: 1, measure: piece}
price_history:
  - {date: 2026-05-12, price: 31.00}
"""


def edited(**changes):
    data = yamlmerge.parse_edited(SOURCE)
    data.pop("member_price")  # the editor sends an empty optional field as nothing
    return data | changes


def test_unchanged_values_keep_their_text_comments_and_style():
    doc = yamlmerge.Document(SOURCE)
    yamlmerge.merge(doc.data, edited(), money=frozenset({"price", "price_history.price"}))
    assert doc.dump() == SOURCE


def test_a_changed_price_is_written_with_two_decimals_on_its_own_line():
    doc = yamlmerge.Document(SOURCE)
    history = [{"date": "2026-05-12", "price": 31}, {"date": "2026-11-20", "price": 28.5}]
    yamlmerge.merge(doc.data, edited(price=28.5, price_history=history), money=frozenset({"price", "price_history.price"}))
    assert doc.dump() == SOURCE.replace("price: 29.90", "price: 28.50") + "  - {date: 2026-11-20, price: 28.50}\n"


def test_three_decimals_are_written_as_given_for_the_validator_to_refuse():
    doc = yamlmerge.Document(SOURCE)
    yamlmerge.merge(doc.data, edited(price=yamlmerge.parse_edited("99.999")), money=frozenset({"price"}))
    assert "price: 99.999\n" in doc.dump()


def test_a_price_that_is_not_a_finite_number_is_written_for_the_validator_to_refuse():
    doc = yamlmerge.Document(SOURCE)
    yamlmerge.merge(doc.data, edited(price=float("inf")), money=frozenset({"price"}))
    assert yamlmerge.parse_edited(doc.dump())["price"] == Decimal("Infinity")


def test_nda_names_are_compared_normalised():
    assert normalised("ＭＩＮＩＳＯ Home") == normalised("miniso-home") == "minisohome"


@pytest.mark.parametrize(
    ("name", "raw"),
    [("a.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 8), ("a.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 8), ("a.webp", b"RIFF\0\0\0\0WEBPVP8 ")],
)
def test_pictures_are_accepted_by_their_bytes(name, raw):
    assert checked_image(name, raw) == raw


@pytest.mark.parametrize(
    ("name", "raw", "words"),
    [
        ("a.png", b"GIF89a" + b"\0" * 8, "不是 PNG、JPEG 或 WebP"),
        ("a.png", b"\xff\xd8\xff\xe0", "扩展名"),
        ("a.png", b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_IMAGE_BYTES, "超过 5 MB"),
    ],
)
def test_other_files_and_large_pictures_are_refused(name, raw, words):
    with pytest.raises(Refused, match=words):
        checked_image(name, raw)


def test_the_seeded_settings_are_the_defaults(seed_copy):
    assert Settings.model_validate(yaml.safe_load((seed_copy / "settings.yaml").read_text(encoding="utf-8"))) == Settings()


def test_renaming_a_factory_moves_its_products_along(seed_copy, today):
    store = ContentStore(seed_copy, today=today)
    rel = f"{seed_copy.name}/factories/haixing-home.yaml"
    raw = yaml.safe_load(store.entry(rel)["data"]) | {"id": "haixing-home-textiles"}
    store.persist([{"path": rel, "raw": yaml.safe_dump(raw, allow_unicode=True)}], [], created=False)
    catalog = require_catalog(seed_copy, today=today)
    assert "haixing-home" not in catalog.factories
    assert any(p.factory == "haixing-home-textiles" for p in catalog.products.values())


def test_deleting_a_factory_that_still_has_products_is_refused(seed_copy, today):
    store = ContentStore(seed_copy, today=today)
    with pytest.raises(Refused, match="没有保存"):
        store.delete([f"{seed_copy.name}/factories/haixing-home.yaml"])
    assert (seed_copy / "factories" / "haixing-home.yaml").is_file()


def test_an_index_file_edit_changes_only_its_entry(seed_copy, today):
    store = ContentStore(seed_copy, today=today)
    rel = f"{seed_copy.name}/retailers.yaml"
    before = (seed_copy / "retailers.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(store.entry(rel)["data"])
    data["items"][0]["badge"] = "山姆同款平替"
    store.persist([{"path": rel, "raw": yaml.safe_dump(data, allow_unicode=True)}], [], created=False)
    after = (seed_copy / "retailers.yaml").read_text(encoding="utf-8")
    diff = subprocess.run(["diff", "-U0", "-", str(seed_copy / "retailers.yaml")], input=before, capture_output=True, text=True).stdout
    assert [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")] == [
        "-  badge: 山姆平替",
        "+  badge: 山姆同款平替",
    ]
    assert after.startswith("# Retailers")


def test_media_uploads_go_through_the_picture_check(seed_copy, today):
    store = ContentStore(seed_copy, today=today)
    with pytest.raises(Refused):
        store.persist_media(f"{seed_copy.name}/images/products/x.png", base64.b64encode(b"<svg/>").decode())
    assert not (seed_copy / "images" / "products" / "x.png").exists()


def test_paths_outside_the_content_folder_are_refused(seed_copy, today):
    store = ContentStore(seed_copy, today=today)
    with pytest.raises(Refused, match="只能读写"):
        store.entry("../../etc/passwd")
    with pytest.raises(Refused, match="只能读写"):
        store.persist_media(f"{seed_copy.name}/../x.png", base64.b64encode(b"\x89PNG\r\n\x1a\n").decode())


def as_the_editor_sends_it(text: str) -> str:
    """The entry as Decap writes it back: dates as text, numbers as floats, no comments or flow style."""

    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    return yaml.safe_dump(plain(yamlmerge.parse_edited(text)), allow_unicode=True, sort_keys=False)


@pytest.mark.slow  # every seed file through the editor's save and the whole catalog's validation
def test_saving_any_seed_file_unchanged_rewrites_nothing(seed_copy, today):
    store = ContentStore(seed_copy, today=today)
    files = [*sorted((seed_copy / "products").glob("*.yaml")), *sorted((seed_copy / "factories").glob("*.yaml"))]
    files += [seed_copy / f"{name}.yaml" for name in ("categories", "retailers", "belts", "settings")]
    before = {path: path.read_bytes() for path in files}
    for path in files:
        rel = path.relative_to(seed_copy.parent).as_posix()
        store.persist([{"path": rel, "raw": as_the_editor_sends_it(store.entry(rel)["data"])}], [], created=False)
    assert [path.name for path in files if path.read_bytes() != before[path]] == []
