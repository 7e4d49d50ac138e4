"""`plus schema`: JSON Schema from the models, committed in schema/, agreeing with the validator."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError

from admin.cli import cli
from admin.curator.schema import render_schemas
from catalog import Factory, Product
from catalog.store import StoreInfo
from catalog.yamlfile import read_file

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "content"


def as_editor_sees(value):
    """What a YAML 1.2 editor hands the schema: dates stay text, numbers stay numbers."""
    if isinstance(value, dict):
        return {key: as_editor_sees(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_editor_sees(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads(render_schemas()[name])
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def test_committed_schema_matches_the_models():
    for name, text in render_schemas().items():
        committed = REPO / "schema" / name
        assert committed.exists(), f"schema/{name} is missing: run `plus schema`"
        assert committed.read_text(encoding="utf-8") == text, f"schema/{name} is out of date: run `plus schema` and commit it"


def test_schema_command_writes_both_files(runner, tmp_path):
    result = runner.invoke(cli, ["schema", "--output", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"已写入 {tmp_path / 'out' / 'product.schema.json'}"
    english = runner.invoke(cli, ["--lang", "en", "schema", "--output", str(tmp_path / "out")]).output
    assert english.splitlines()[0] == f"wrote {tmp_path / 'out' / 'product.schema.json'}"
    for name in ("product.schema.json", "factory.schema.json", "store.schema.json"):
        schema = json.loads((tmp_path / "out" / name).read_text(encoding="utf-8"))
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["additionalProperties"] is False


@pytest.mark.parametrize(("folder", "name"), [("products", "product.schema.json"), ("factories", "factory.schema.json")])
def test_every_seed_file_passes_the_json_schema(folder, name):
    check = validator(name)
    files = sorted((SEED / folder).glob("*.yaml"))
    assert files, f"no seed files in content/{folder}"
    for path in files:
        errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in check.iter_errors(as_editor_sees(read_file(path)))]
        assert errors == [], f"{path.name}: {errors}"


def test_seed_and_fixture_store_files_pass_the_json_schema(content):
    for path in (SEED / "store.yaml", content.root / "store.yaml"):
        errors = [e.message for e in validator("store.schema.json").iter_errors(as_editor_sees(read_file(path)))]
        assert errors == [], f"{path}: {errors}"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("delivery", "classes", "normal", "fee"), Decimal("-8")),
        (("delivery", "classes", "oversized"), {"fee": 1}),
        (("delivery", "surcharges", "新疆"), 15),
        (("delivery", "not_served"), ["Hongkong"]),
        (("company", "phone_number"), "400"),
    ],
)
def test_schema_and_validator_refuse_the_same_store(content, path, value):
    document = as_editor_sees(read_file(content.root / "store.yaml"))
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert list(validator("store.schema.json").iter_errors(document)), "the schema accepted it"
    with pytest.raises(ValidationError):
        StoreInfo.model_validate(document)


def test_fixture_content_passes_the_json_schema(content):
    assert not list(validator("product.schema.json").iter_errors(as_editor_sees(read_file(content.root / "products" / "aux-vacuum.yaml"))))
    assert not list(validator("factory.schema.json").iter_errors(as_editor_sees(read_file(content.root / "factories" / "aux.yaml"))))


@pytest.mark.parametrize(
    "change",
    [
        {"colour": "red"},  # a misspelled or unknown key
        {"price": Decimal("-1")},
        {"price": "6.999"},
        {"category": "Small Appliances"},
        {"sourcing": "same-ish"},
        {"moq": 0},
        {"compare": []},
        {"added_on": "25/11/2026"},
        {"images": [{"src": "vacuum.gif", "alt": "x"}]},
    ],
)
def test_schema_and_validator_refuse_the_same_product(content, change):
    document = as_editor_sees(read_file(content.root / "products" / "aux-vacuum.yaml")) | change
    assert list(validator("product.schema.json").iter_errors(document)), "the schema accepted it"
    with pytest.raises(ValidationError):
        Product.model_validate(document)


def test_schema_and_validator_refuse_the_same_factory(content):
    document = as_editor_sees(read_file(content.root / "factories" / "aux.yaml"))
    document["verification"] = {k: v for k, v in document["verification"].items() if k != "oem_contract"}
    assert list(validator("factory.schema.json").iter_errors(document))
    with pytest.raises(ValidationError):
        Factory.model_validate(document)


def test_every_field_carries_a_description():
    for name, text in render_schemas().items():
        schema = json.loads(text)
        for definition in [schema, *schema.get("$defs", {}).values()]:
            for key, prop in definition.get("properties", {}).items():
                assert " · " in prop.get("description", ""), f"{name}: {key} has no zh-CN · English description"


def test_schema_modeline_of_templates_points_at_the_committed_files():
    for name in render_schemas():
        assert (REPO / "content" / "products" / "../../schema" / name).resolve().is_file()
