"""Golden curator messages: each common mistake gives one zh-CN line at the place to fix, saying what to write."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from admin.cli import cli
from catalog import load_catalog
from tests.conftest import FACTORY, PRODUCT, REFERENCE_UNIT, ContentTree, line_of

ADDED_ON, ALT, SRC, SOURCE = line_of("added_on:"), line_of("    alt:"), line_of("  - src:"), line_of("    source:")

# (what the curator changed in PRODUCT, the one expected `line:col: field: message`)
MISTAKES = [
    ("price: 69.00", "price: ¥69", "5:8: price: 售价要写成数字，如 69.00，不要写 ¥、元或逗号（现在是文字 '¥69'）"),
    ("price: 69.00", "price: 1,299.00", "5:8: price: 售价要写成数字，如 69.00，不要写 ¥、元或逗号（现在是文字 '1,299.00'）"),
    ("price: 69.00", "price: 0", "5:8: price: 售价必须大于 0（现在是数字 0）"),
    ("price: 69.00", "price: 69.001", "5:8: price: 售价最多 2 位小数，如 69.00（现在是数字 69.001）"),
    ("price: 69.00", "price: true", "5:8: price: 售价：要写成数字，如 69.00，不能写 true/false"),
    ("price: 69.00", "price: .nan", "5:8: price: 售价要写成普通数字，如 69.00（现在是数字 NaN）"),
    ("price: 69.00", "price: 69.00\nmembers_only: maybe", "6:15: members_only: 是否会员专享只能写 true 或 false（现在是文字 'maybe'）"),
    ("price: 69.00", "price: 69.00\nmoq: 1.5", "6:6: moq: 起批量要写成整数，如 3（现在是数字 1.5）"),
    ("price: 69.00", "price: 69.00\nstock: -3", "6:8: stock: 库存件数不能小于 0（现在是数字 -3）"),
    ("price: 69.00", "price: 69.00\ntags: 吸尘器", "6:7: tags: 搜索标签应是列表：每项另起一行，以 - 开头（现在是文字 '吸尘器'）"),
    ("price: 69.00", "price: 69.00\nprise: 1", "6:1: prise: 不认识的字段 prise：是不是想写 price？"),
    ("title: 奥克斯家用大吸尘器", "title: 123", "1:8: title: 商品名称要写成文字（现在是数字 123）；如果是数字或日期，请加引号"),
    ("title: 奥克斯家用大吸尘器", "title:", "1:7: title: 商品名称还没有填写：商品名称，顾客看到的标题（不得出现保密品牌）"),
    (
        "category: home",
        "category: Home Goods",
        "2:11: category: 品类只能用小写英文字母、数字和单个连字符，如 aux-vacuum（现在是文字 'Home Goods'）",
    ),
    (
        "\nunit: {quantity: 1, measure: piece}\n",
        "\n",
        "1:1: unit: 缺少必填项 unit（分量单位）：请在文件里另起一行，顶格（不缩进）写上 unit: …。说明：一份里有多少（必填），如 unit: {quantity: 1, measure: piece}（1件）或 unit: {quantity: 500, measure: g}；分量不同时按单价对比",
    ),
    ("sourcing: same-source", "sourcing: same", "4:11: sourcing: 背书类型只能写 same-source 或 same-craft（现在是文字 'same'）"),
    (
        "added_on: 2026-10-01",
        "added_on: 2026-10-01 10:00",
        f"{ADDED_ON}:11: added_on: 上架日期要写成日期 YYYY-MM-DD，如 2026-11-01，不要带时间（现在是文字 '2026-10-01 10:00'）",
    ),
    ("added_on: 2026-10-01", "added_on: 2026-12-01", f"{ADDED_ON}:11: added_on: 日期 2026-12-01 还没到：写今天或以前的日期"),
    ("    alt: 白色吸尘器", '    alt: ""', f"{ALT}:10: images.0.alt: 图片的文字说明不能为空：图片的文字说明（读屏软件朗读）"),
    (
        "  - retailer: sams",
        "  - retailer: sams\n    brand: aimer",
        "7:5: compare.0: 对比参照：retailer（渠道）和 brand（品牌）要写且只写一个",
    ),
    (
        "factory: aux",
        "factory: nobody",
        "3:10: factory: 没有工厂 nobody：没有文件 content/factories/nobody.yaml（用 `plus new factory nobody` 建立，或改成已有的工厂 id）",
    ),
    (
        "category: home",
        "category: garden",
        "2:11: category: 没有品类 garden：在 content/categories.yaml 里加上它，或改用已有的：food, home",
    ),
    # invisible and full-width characters: named, at their own line and column
    (
        "price: 69.00",
        "pri\u200bce: 69.00",
        "5:4: pri\u200bce: 字段名 'pri\\u200bce' 的第 4 个字符是 U+200B ZERO WIDTH SPACE：删掉它，写成 price",
    ),
    (
        "price: 69.00",
        "\u3000price: 69.00",
        "5:1: \u3000price: 字段名 '\\u3000price' 的第 1 个字符是 U+3000 IDEOGRAPHIC SPACE：删掉它，写成 price",
    ),
    ("price: 69.00", "price\uff1a 69.00", "5:6: 第 6 列是全角字符 ：（U+FF1A FULLWIDTH COLON）：YAML 只认半角的 :，请改成 :"),
    (
        "    name: 家用大吸尘器",
        "\u3000\u3000name: 家用大吸尘器",
        "8:1: 第 1 列是 U+3000 IDEOGRAPHIC SPACE（全角空格或不换行空格）：缩进和分隔只能用半角空格，请删掉后重新输入空格",
    ),
    (
        "    name: 家用大吸尘器",
        "\u00a0   name: 家用大吸尘器",
        "8:1: 第 1 列是 U+00A0 NO-BREAK SPACE（全角空格或不换行空格）：缩进和分隔只能用半角空格，请删掉后重新输入空格",
    ),
    # indentation, colons and quotes: on the line where they are
    ("    price: 690.00", "\tprice: 690.00", "9:1: 第 1 列是 Tab：缩进只能用半角空格，请把 Tab 换成空格"),
    ("    price: 690.00", "    price: 690.00\n   spec: x", "10:4: 缩进没对齐：列表的每一项以 - 开头，同一层的字段从同一列开始"),
    ("title: 奥克斯家用大吸尘器", 'title: "奥克斯家用大吸尘器', "1:8: 引号没有配对：在文字结尾补上同样的引号"),
    ("title: 奥克斯家用大吸尘器", "title: 好: 东西", "1:9: 这里不该有冒号：检查这一行和上一行的缩进；文字里含“: ”时请给整段文字加引号"),
]


def product_lines(content, today, text: str) -> list[str]:
    content.product("aux-vacuum", text)
    result = content.load(today)
    assert result.catalog is None
    return [f"{p.line}:{p.column}: " + (f"{p.field}: " if p.field else "") + p.message for p in result.problems]


@pytest.mark.parametrize(("old", "new", "expected"), MISTAKES, ids=[m[1][:30] for m in MISTAKES])
def test_a_common_mistake_is_one_chinese_line_at_its_place(content, today, old, new, expected):
    assert old in PRODUCT
    assert product_lines(content, today, PRODUCT.replace(old, new, 1)) == [expected]


def test_a_dedented_field_is_said_to_belong_to_the_item_above(content, today):
    lines = product_lines(content, today, PRODUCT.replace("    source: 山姆App 截图", "source: 山姆App 截图"))
    assert lines == [
        "7:5: compare.0.source: 缺少必填项 source（参照价来源）：请在 compare 的第 1 项里加一行 source: …，和这一项的其他字段对齐。说明：参照价来源，如“山姆App 截图”",
        f"{SOURCE}:1: source: source 不是这一层的字段，它属于对比参照（compare）里的每一项：检查缩进，与同一项的其他字段对齐",
    ]


def test_an_image_path_with_chinese_characters_says_how_paths_are_written(content, today):
    lines = product_lines(content, today, PRODUCT.replace("  - src: products/vacuum.png", "  - src: 图片/吸尘器.png"))
    assert lines == [
        f"{SRC}:10: images.0.src: 图片路径的写法不对：图片路径，相对于 content/images/，如 products/aux-vacuum.png（现在是文字 '图片/吸尘器.png'）"
    ]


def test_a_factory_that_exists_but_fails_is_reported_as_failing_not_missing(content, today):
    content.factory("aux", FACTORY.replace("name: 奥克斯电器", "name: [奥克斯"))
    result = content.load(today)
    product = [p.message for p in result.problems if p.path.name == "aux-vacuum.yaml"]
    assert product == ["工厂文件 content/factories/aux.yaml 有错误，读不出来：先按它自己的报错修好"]


def test_a_utf16_file_is_said_to_be_utf16(content, today):
    content.product("aux-vacuum", PRODUCT.encode("utf-16"))
    assert product_lines(content, today, PRODUCT.encode("utf-16")) == ["1:1: 文件是 UTF-16 编码：请在编辑器里用 UTF-8 编码另存"]


def test_a_gbk_file_is_said_to_be_not_utf8(content, today):
    lines = product_lines(content, today, PRODUCT.encode("gbk"))
    assert len(lines) == 1 and lines[0].startswith("1:8: 不是 UTF-8 编码的文字（多半是用 GBK 等编码保存的）"), lines


def test_an_unfilled_template_value_says_it_is_not_filled_in(content, today):
    lines = product_lines(content, today, PRODUCT.replace("price: 69.00", "price: ~"))
    assert lines == ["5:8: price: 售价还没有填写：售价（元），两位小数，须贴近近30天最低价"]


def test_one_round_shows_a_field_error_and_the_cross_file_rules_of_the_same_file(content, today):
    text = (
        PRODUCT.replace("price: 69.00", "price: ¥69")
        .replace("factory: aux", "factory: nobody")
        .replace("category: home", "category: garden")
        .replace("observed_on: 2026-11-01", "observed_on: 2025-01-01")
    )
    lines = product_lines(content, today, text)
    assert [line.split(":")[0] for line in lines] == ["5", "2", "3", "10"], lines
    assert any("没有工厂 nobody" in line for line in lines) and any("没有品类 garden" in line for line in lines)
    assert lines[-1] == "10:18: compare.0.observed_on: 参照价看于 2025-01-01，已超过 180 天：请重新核对参照价并更新 observed_on"


def test_one_round_checks_products_against_a_factory_with_a_failing_field(content, today):
    content.factory(
        "aux", FACTORY.replace("region: 浙江宁波", "region: [浙江宁波]").replace("  oem_contract: true", "  oem_contract: false")
    )
    result = load_catalog(content.root, today=today)
    factory_lines = [(p.path.name, p.line) for p in result.problems]
    assert ("aux.yaml", 2) in factory_lines
    sourcing = [p.message for p in result.problems if p.field == "sourcing"]
    assert sourcing and sourcing[0].startswith("真同源（same-source）要求工厂的代工合同已核验"), result.problems


def test_a_bad_index_entry_does_not_make_every_product_unknown(content, today):
    content.write("categories.yaml", "home:\n  zh: 家居\n  en: [\nfood:\n  zh: 食品\n  en: Food\n")
    result = load_catalog(content.root, today=today)
    assert all("没有品类" not in p.message for p in result.problems), result.problems


def run_validate(content, *args: str, env: dict | None = None):
    return CliRunner(env=env).invoke(cli, [*args, "validate", "--content", str(content.root), "--today", "2026-11-25"])


def test_validate_speaks_chinese_by_default_and_english_when_asked(content):
    content.product("aux-vacuum", PRODUCT.replace("price: 69.00", "price: ¥69"))
    chinese = run_validate(content)
    assert "aux-vacuum.yaml:5:8: price: 售价要写成数字" in chinese.output
    assert chinese.output.strip().endswith(f"未通过：1 个错误，0 条提醒；改好后再运行 plus validate --content {content.root}")
    english = run_validate(content, "--lang", "en")
    assert "aux-vacuum.yaml:5:8: price: price must be a number such as 69.00, without ¥ or commas (got the text '¥69')" in english.output
    assert english.output.strip().endswith(
        f"failed: 1 error(s), 0 warning(s); fix them and run plus validate --content {content.root} again"
    )


def test_an_english_locale_means_english_messages(content, monkeypatch):
    monkeypatch.delenv("PLUS_LANG")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    content.product("aux-vacuum", PRODUCT.replace("price: 69.00", "price: 0"))
    assert "price must be greater than 0" in run_validate(content, env={"LANG": "en_US.UTF-8"}).output
    assert "售价必须大于 0" in run_validate(content, env={"LANG": "zh_CN.UTF-8"}).output


def readme_example() -> str:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("3. Run `plus validate`.", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    return block


def test_the_readme_example_is_what_validate_prints(content, monkeypatch):
    text = (
        PRODUCT.replace("price: 69.00", "price: ¥69")
        .replace("factory: aux", "factory: aux-home")
        .replace("observed_on: 2026-11-01", "observed_on: 2025-01-01")
    )
    content.product("aux-vacuum", text)
    monkeypatch.chdir(content.root.parent)
    result = CliRunner().invoke(cli, ["validate", "--today", "2026-11-25"])
    assert result.output == readme_example()


def test_the_curating_examples_are_messages_validate_prints():
    doc = (Path(__file__).resolve().parents[2] / "CURATING.md").read_text(encoding="utf-8")
    block = doc.split("### 读懂报错", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    golden = {expected for _, _, expected in MISTAKES} | {
        f"{SOURCE}:1: source: source 不是这一层的字段，它属于对比参照（compare）里的每一项：检查缩进，与同一项的其他字段对齐",
        "3:10: factory: 工厂文件 content/factories/aux.yaml 有错误，读不出来：先按它自己的报错修好",
        "1:1: 文件是 UTF-16 编码：请在编辑器里用 UTF-8 编码另存",
    }
    for line in block.splitlines():
        assert line.removeprefix("content/products/aux-vacuum.yaml:") in golden, line


SECOND_REFERENCE = (
    """\
  - retailer: taobao
    name: 同款
    price: 九十九
"""
    + REFERENCE_UNIT
    + """\
    observed_on: 2026-11-20
    source: 淘宝截图
images:
"""
)


def test_one_round_checks_the_other_items_of_a_list_with_a_failing_item(content, today):
    text = PRODUCT.replace("images:\n", SECOND_REFERENCE).replace("retailer: sams", "retailer: costco")
    lines = product_lines(content, today, text)
    # and the new item's missing price proof (a warning) is said in the same round
    assert [line.split(": ", 2)[1] for line in lines] == ["compare.1.price", "sourcing", "compare.0.retailer", "compare.1"], lines
    assert lines[2].startswith("7:15: compare.0.retailer: 没有渠道 costco：在 content/retailers.yaml 里加上它")


def test_one_round_reads_the_valid_checks_of_a_failing_verification(content, today):
    content.factory(
        "aux", FACTORY.replace("audited_on: 2026-09-01", "audited_on: 九月").replace("oem_contract: true", "oem_contract: false")
    )
    result = load_catalog(content.root, today=today)
    messages = {(p.path.name, p.field): p.message for p in result.problems}
    assert messages[("aux.yaml", "verification.audited_on")].startswith("审核日期要写成日期 YYYY-MM-DD")
    assert messages[("aux-vacuum.yaml", "sourcing")].startswith("真同源（same-source）要求工厂的代工合同已核验")


def test_a_message_names_other_files_in_the_content_folder_the_curator_named(tmp_path, today, monkeypatch):
    """`plus validate --content shop-b`: the missing factory's file is shop-b/factories/…, and the command
    that makes it works on shop-b."""
    shop = ContentTree(tmp_path / "shop-b")
    shop.product("aux-vacuum", PRODUCT.replace("factory: aux", "factory: nobody"))
    monkeypatch.chdir(tmp_path)
    result = load_catalog(Path("shop-b"), today=today)
    assert [p.message for p in result.problems] == [
        "没有工厂 nobody：没有文件 shop-b/factories/nobody.yaml（用 `plus new factory nobody --content shop-b` 建立，或改成已有的工厂 id）"
    ]
