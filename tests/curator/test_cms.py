"""The browser editor's config is generated from the models, and `write_admin` lays out /admin/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from admin.cli import cli
from admin.curator import cms
from admin.curator.fields import content_fields, shape_of
from catalog import Factory, Product, require_catalog
from catalog.models import Settings

BUNDLE = cms.CMS_DIR / cms.BUNDLE / "decap-cms.js"


def collection(config, name):
    return next(c for c in config["collections"] if c["name"] == name)


def missing_fields(model, widgets, where=""):
    """Every model field (nested ones too) that has no widget in the editor config."""
    by_name = {w["name"]: w for w in widgets}
    missing = []
    for name, field in content_fields(model).items():
        widget = by_name.get(name)
        if widget is None:
            missing.append(f"{where}{name}")
            continue
        shape = shape_of(field)
        if shape.holds_model:
            missing += missing_fields(shape.inner, widget.get("fields", []), f"{where}{name}.")
    return missing


def test_every_model_field_has_an_editor_widget():
    config = cms.cms_config(repo="plus/store")
    assert missing_fields(Product, collection(config, "products")["fields"]) == []
    assert missing_fields(Factory, collection(config, "factories")["fields"]) == []
    assert missing_fields(Settings, collection(config, "settings")["files"][0]["fields"]) == []


def test_editor_has_no_field_the_models_would_refuse():
    config = cms.cms_config(repo="plus/store")

    def extra(model, widgets):
        known = content_fields(model)
        for widget in widgets:
            assert widget["name"] in known, f"{model.__name__} has no field {widget['name']!r}"
            shape = shape_of(known[widget["name"]])
            if shape.holds_model:
                extra(shape.inner, widget["fields"])

    extra(Product, collection(config, "products")["fields"])
    extra(Factory, collection(config, "factories")["fields"])


def test_production_config_makes_pull_requests_and_local_editing_uses_decap_server():
    config = cms.cms_config(repo="plus/store", branch="main")
    assert config["backend"] == {"name": "github", "repo": "plus/store", "branch": "main", "squash_merges": True}
    assert config["publish_mode"] == "editorial_workflow"
    assert config["local_backend"] is True
    products = collection(config, "products")
    assert (products["folder"], products["extension"], products["format"]) == ("content/products", "yaml", "yaml")
    assert products["media_folder"] == "/content/images/products" and products["public_folder"] == "products"


def test_money_is_a_number_widget_and_dates_are_plain_days():
    fields = {f["name"]: f for f in collection(cms.cms_config(repo="plus/store"), "products")["fields"]}
    expected = {"widget": "number", "value_type": "float", "step": 0.01, "min": 0.01}
    assert {key: fields["price"][key] for key in expected} == expected
    assert fields["added_on"]["format"] == "YYYY-MM-DD" and fields["added_on"]["time_format"] is False
    assert fields["member_price"]["required"] is False
    assert fields["sourcing"]["options"] == [
        {"label": "真同源 same-source", "value": "same-source"},
        {"label": "同工同料 same-craft", "value": "same-craft"},
    ]


def test_catalog_ids_become_choices(content, today):
    catalog = require_catalog(content.root, today=today)
    fields = {f["name"]: f for f in collection(cms.cms_config(repo="plus/store", catalog=catalog), "products")["fields"]}
    assert fields["category"] == fields["category"] | {"widget": "select", "options": sorted(catalog.categories)}
    compare = {f["name"]: f for f in fields["compare"]["fields"]}
    assert compare["retailer"]["options"] == sorted(k for k, r in catalog.retailers.items() if r.kind == "retailer")
    assert compare["brand"]["options"] == sorted(k for k, r in catalog.retailers.items() if r.kind == "brand")
    factory = {f["name"]: f for f in collection(cms.cms_config(repo="plus/store", catalog=catalog), "factories")["fields"]}
    oem = {f["name"]: f for f in factory["oem_for"]["fields"]}
    assert oem["brand"]["widget"] == "string"  # a brand's name, free text: not an id from retailers.yaml


def test_cms_config_command_prints_yaml(runner, content, tmp_path):
    target = tmp_path / "config.yml"
    result = runner.invoke(cli, ["cms-config", "--repo", "plus/store", "--content", str(content.root), "--output", str(target)])
    assert result.exit_code == 0 and result.output == f"已写入 {target}\n", result.output
    config = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert config["backend"]["repo"] == "plus/store"
    assert [c["name"] for c in config["collections"]] == ["products", "factories", "settings"]


def test_repository_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("PLUS_CMS_REPO", "someone/shop")
    assert cms.cms_config()["backend"]["repo"] == "someone/shop"


def test_missing_bundle_says_how_to_build_it(tmp_path):
    (tmp_path / "cms").mkdir()
    with pytest.raises(cms.BundleMissing, match="npm ci"):
        cms.write_admin(tmp_path / "site", cms_dir=tmp_path / "cms", repo="plus/store")
    assert not (tmp_path / "site" / "admin").exists()


@pytest.mark.skipif(not BUNDLE.is_file(), reason="the Decap bundle is not installed: run `npm ci` in cms/")
def test_write_admin_lays_out_the_editor(tmp_path):
    admin = cms.write_admin(tmp_path / "site", repo="plus/store")
    assert admin == tmp_path / "site" / "admin"
    index = (admin / "index.html").read_text(encoding="utf-8")
    for script in ("decap-cms.js", cms.EXTENSION):
        assert f'<script src="{script}"></script>' in index
        assert (admin / script).stat().st_size > 0
    assert 'href="config.yml"' in index
    assert yaml.safe_load((admin / "config.yml").read_text(encoding="utf-8"))["backend"]["repo"] == "plus/store"
    assert not list(admin.glob("*.map"))
    chunks = {p.name for p in (cms.CMS_DIR / cms.BUNDLE).glob("*.decap-cms.js")}
    assert chunks and chunks <= {p.name for p in admin.iterdir()}
    assert "cdn" not in index.lower() and "http" not in index


def test_package_lock_is_committed_beside_package_json():
    lock = Path(cms.CMS_DIR / "package-lock.json")
    assert lock.is_file()
    assert '"decap-cms"' in lock.read_text(encoding="utf-8")
    assert '"decap-server"' not in lock.read_text(encoding="utf-8")  # `plus cms-serve` is the local backend


def test_every_widget_label_is_a_short_chinese_name():
    config = cms.cms_config(repo="plus/store")

    def labels(widgets):
        for widget in widgets:
            yield widget["name"], widget["label"]
            yield from labels(widget.get("fields", []))

    for collection_ in config["collections"]:
        for name, label in labels(collection_.get("fields") or collection_["files"][0]["fields"]):
            short = label.split(" · ")[0]
            assert re.search(r"[\u4e00-\u9fff]", short) and len(short) <= 16, f"{name}: {label!r}"


def test_decimal_bounds_reach_the_number_widget():
    settings = collection(cms.cms_config(repo="plus/store"), "settings")["files"][0]["fields"]
    tolerance = next(f for f in settings if f["name"] == "price_floor_tolerance")
    assert (tolerance["min"], tolerance["max"]) == (0.0, 1.0)
