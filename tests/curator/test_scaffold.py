"""`plus new product|factory`: templates with every field that validate once filled in."""

from __future__ import annotations

import re
import shlex

import pytest

from admin.cli import cli
from admin.curator.fields import content_fields, shape_of
from catalog import Factory, Product, load_catalog
from tests.conftest import ContentTree

PLACEHOLDER = re.compile(r"^(?P<lead>\s*(?:- )?)(?P<key>[a-z_]+): ~$")

PRODUCT_VALUES = {
    "title": ["新款手持吸尘器"],
    "category": ["home"],
    "sourcing": ["same-source"],
    "price": ["59.00", "590.00", "59.00"],  # the price, Sam's price, today's price in the history
    "quantity": ["1", "1"],  # our unit, then the reference's: a unit on both sides is required
    "measure": ["piece", "piece"],
    "retailer": ["sams"],
    "name": ["手持吸尘器"],
    "source": ["山姆App 截图"],
    "alt": ["银色手持吸尘器"],
}
FACTORY_VALUES = {
    "name": ["宁波新厂电器"],
    "region": ["浙江宁波"],
    "audited_on": ["2026-10-01"],
    "qualification": ["true"],
    "oem_contract": ["true"],
    "supply_chain": ["true"],
    "production_line": ["false"],
}


def fill(path, values):
    """Replace each `key: ~` placeholder that `values` has a value for, in order of appearance."""
    queues = {key: list(items) for key, items in values.items()}
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PLACEHOLDER.match(line)
        if match and queues.get(match["key"]):
            line = f"{match['lead']}{match['key']}: {queues[match['key']].pop(0)}"
        lines.append(line)
    assert not any(queues.values()), f"placeholders not found for {queues}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def new_product(runner, content, pid="hand-vacuum", factory="aux"):
    args = ["new", "product", "--factory", factory, "--content", str(content.root), "--today", "2026-11-25", "--", pid]
    return runner.invoke(cli, args)


def test_filled_product_template_validates(runner, content, today):
    result = new_product(runner, content)
    assert result.exit_code == 0, result.output
    path = content.root / "products" / "hand-vacuum.yaml"
    content.image("products/hand-vacuum.png")
    fill(path, PRODUCT_VALUES)
    loaded = load_catalog(content.root, today=today)
    assert [p.field for p in loaded.problems] == ["compare.0"], [p.as_text() for p in loaded.problems]  # no price proof yet
    product = loaded.catalog.products["hand-vacuum"]
    assert product.factory == "aux" and str(product.price) == "59.00"
    assert loaded.catalog.facts["hand-vacuum"].best.zhe_label == "1折"


def test_the_next_steps_name_the_content_folder_given(runner, tmp_path, monkeypatch):
    shop = ContentTree(tmp_path / "shop b")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["new", "factory", "ningbo-new", "--content", "shop b"])
    assert result.exit_code == 0, result.output
    assert "然后运行 plus validate --content 'shop b'；提交新文件用 git add 'shop b'" in result.output
    result = runner.invoke(cli, ["new", "product", "--factory", "aux", "--content", str(shop.root), "--", "hand-vacuum"])
    folder = shlex.quote(str(shop.root))
    assert f"plus validate --content {folder}；提交新文件用 git add {folder}" in result.output


def test_filled_factory_template_validates(runner, content, today):
    result = runner.invoke(cli, ["new", "factory", "ningbo-new", "--content", str(content.root)])
    assert result.exit_code == 0, result.output
    fill(content.root / "factories" / "ningbo-new.yaml", FACTORY_VALUES)
    loaded = load_catalog(content.root, today=today)
    assert loaded.errors == [], [p.as_text() for p in loaded.errors]
    assert not loaded.catalog.factories["ningbo-new"].verification.production_line


def test_unfilled_template_gives_an_error_on_each_placeholder_line(runner, content, today):
    assert new_product(runner, content).exit_code == 0
    path = content.root / "products" / "hand-vacuum.yaml"
    content.image("products/hand-vacuum.png")
    lines = path.read_text(encoding="utf-8").splitlines()
    loaded = load_catalog(content.root, today=today)
    assert loaded.catalog is None
    errors = {p.field: p for p in loaded.errors}
    assert set(errors) == {
        "title",
        "category",
        "sourcing",
        "price",
        "unit.quantity",
        "unit.measure",
        "compare.0.unit.quantity",
        "compare.0.unit.measure",
        "compare.0.name",
        "compare.0.price",
        "compare.0.source",
        "price_history.0.price",
        "images.0.alt",
    }
    for problem in errors.values():
        assert lines[problem.line - 1].endswith(": ~"), problem.as_text()


def test_template_has_every_field_and_the_schema_modeline(runner, content):
    assert new_product(runner, content).exit_code == 0
    text = (content.root / "products" / "hand-vacuum.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../../schema/product.schema.json"

    def keys(model):
        for name, field in content_fields(model).items():
            yield name
            shape = shape_of(field)
            if shape.holds_model:
                yield from keys(shape.inner)

    for key in keys(Product):
        assert re.search(rf"^[#\s-]*{key}:", text, re.MULTILINE), key
    assert re.search(r"^# 商品名称.*｜必填$", text, re.MULTILINE)


def test_factory_template_lists_every_field(runner, content):
    assert runner.invoke(cli, ["new", "factory", "ningbo-new", "--content", str(content.root)]).exit_code == 0
    text = (content.root / "factories" / "ningbo-new.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schema/factory.schema.json\n")
    for name in [*content_fields(Factory), "brand", "disclosure", "aliases", "audited_on", "oem_contract", "src", "alt"]:
        assert re.search(rf"^[#\s-]*{name}:", text, re.MULTILINE), name


def test_refuses_to_overwrite(runner, content):
    before = (content.root / "products" / "aux-vacuum.yaml").read_bytes()
    result = new_product(runner, content, pid="aux-vacuum")
    assert result.exit_code == 1
    assert "aux-vacuum.yaml 已经存在：直接编辑它，或换一个 id" in result.output
    assert (content.root / "products" / "aux-vacuum.yaml").read_bytes() == before


@pytest.mark.parametrize("bad", ["Vacuum", "hand_vacuum", "-vacuum", "hand--vacuum", "吸尘器", "a" * 81, "../escape"])
def test_refuses_bad_ids(runner, content, bad):
    result = new_product(runner, content, pid=bad)
    assert result.exit_code == 1
    assert f"id {bad!r} 不能用：只能用小写英文字母、数字和单个连字符" in result.output
    assert sorted(p.name for p in (content.root / "products").iterdir()) == ["aux-vacuum.yaml"]


def test_refuses_unknown_factory(runner, content):
    result = new_product(runner, content, factory="no-such-factory")
    assert result.exit_code == 1
    assert "没有工厂 no-such-factory" in result.output and "aux" in result.output
    assert not (content.root / "products" / "hand-vacuum.yaml").exists()


def test_id_choices_are_offered_only_where_an_id_is_meant(runner, content):
    assert new_product(runner, content).exit_code == 0
    product = (content.root / "products" / "hand-vacuum.yaml").read_text(encoding="utf-8")
    assert "现有：aimer" in product and "现有：food, home" in product
    (content.root / "products" / "hand-vacuum.yaml").unlink()  # choices come only from content that validates
    assert runner.invoke(cli, ["new", "factory", "ningbo-new", "--content", str(content.root)]).exit_code == 0
    factory = (content.root / "factories" / "ningbo-new.yaml").read_text(encoding="utf-8")
    assert re.search(r"^# 所属产业带.*现有：haining-socks$", factory, re.MULTILINE)
    assert "现有：aimer" not in factory  # oem_for.brand is a name, not a brand id from retailers.yaml


NDA_FACTORY_OEM = """\
oem_for:
  - brand: 山姆会员店
    disclosure: public
  - brand: MINISO
    disclosure: nda
    aliases: [名创优品]
"""


@pytest.mark.parametrize("pid", ["miniso-socks", "mini-so-socks", "socks-by-miniso"])
def test_refuses_an_id_spelling_a_brand_under_nda_before_writing_anything(runner, content, pid):
    factory = (content.root / "factories" / "aux.yaml").read_text(encoding="utf-8")
    content.factory("aux", factory.replace("oem_for:\n  - brand: 山姆会员店\n    disclosure: public\n", NDA_FACTORY_OEM))
    result = new_product(runner, content, pid=pid)
    assert result.exit_code == 1
    assert result.output.strip() == f"id {pid!r} 含有保密（NDA）品牌名：id 会出现在网址里，请换一个不含品牌的 id"
    assert not (content.root / "products" / f"{pid}.yaml").exists()
    assert not (content.root / "images" / "products" / f"{pid}.png").exists()


def test_refuses_a_factory_id_that_is_taken(runner, content):
    result = runner.invoke(cli, ["new", "factory", "aux", "--content", str(content.root)])
    assert result.exit_code == 1 and "aux.yaml 已经存在" in result.output


def test_new_product_places_a_marked_placeholder_that_validate_refuses(runner, content, today):
    assert new_product(runner, content).exit_code == 0
    picture = content.root / "images" / "products" / "hand-vacuum.png"
    assert picture.read_bytes().startswith(b"\x89PNG") and b"plus-placeholder" in picture.read_bytes()
    fill(content.root / "products" / "hand-vacuum.yaml", PRODUCT_VALUES)
    problems = [(p.field, p.message) for p in load_catalog(content.root, today=today).errors]
    assert len(problems) == 1 and problems[0][0] == "images.0.src", problems
    assert problems[0][1].endswith("还是 plus new 放的占位图：用真实的商品图片覆盖它（同名）")
    content.image("products/hand-vacuum.png")
    assert load_catalog(content.root, today=today).errors == []


def test_new_product_keeps_a_picture_that_is_already_there(runner, content):
    real = content.image("products/hand-vacuum.png").read_bytes()
    assert new_product(runner, content).exit_code == 0
    assert (content.root / "images" / "products" / "hand-vacuum.png").read_bytes() == real
