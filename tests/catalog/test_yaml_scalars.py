"""Values YAML reads but cannot build, or builds into what the curator did not mean: located zh-CN problems."""

from __future__ import annotations

import pytest

from tests.conftest import FACTORY, ONE_PIECE, PRODUCT, line_of


def located(content, today) -> list[str]:
    return content.located(today)


# 1. Scalars YAML reads but cannot build


@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-01", "2025-02-29"])
def test_an_impossible_date_is_a_located_problem_not_a_traceback(content, today, day):
    content.product("aux-vacuum", PRODUCT.replace("added_on: 2026-10-01", f"added_on: {day}"))
    assert located(content, today) == [
        f"products/aux-vacuum.yaml:{line_of('added_on:')}:11: added_on: 日期 {day} 不存在：检查月份（1–12）和这个月的天数（如 2 月只有 28 天，闰年 29 天），写成 2026-11-25 这样"
    ]


def test_an_impossible_date_in_a_factory_audit_is_located_too(content, today):
    content.factory("aux", FACTORY.replace("audited_on: 2026-09-01", "audited_on: 2026-09-31"))
    (problem,) = [p for p in located(content, today) if p.startswith("factories/")]
    assert problem.startswith("factories/aux.yaml:8:15: verification.audited_on: 日期 2026-09-31 不存在")


@pytest.mark.parametrize(("written", "plain"), [("020000", "20000"), ("010", "10")])
def test_an_integer_with_leading_zeros_is_refused_not_read_as_octal(content, today, written, plain):
    content.product("aux-vacuum", PRODUCT.replace("price: 69.00\n", f"price: 69.00\nstock: {written}\n", 1))
    assert located(content, today) == [
        f"products/aux-vacuum.yaml:6:8: stock: 整数 {written} 要写成普通的十进制数：去掉开头的 0（如 {plain}），不要写 0x、0b 或冒号"
    ]


# 2. A value that cannot be built hides nothing else of its file

IMPOSSIBLE = "日期 {day} 不存在：检查月份（1–12）和这个月的天数（如 2 月只有 28 天，闰年 29 天），写成 2026-11-25 这样"
NO_UNIT = (
    "unit: 缺少必填项 unit（分量单位）：请在文件里另起一行，顶格（不缩进）写上 unit: …。说明：一份里有多少（必填），"
    "如 unit: {quantity: 1, measure: piece}（1件）或 unit: {quantity: 500, measure: g}；分量不同时按单价对比"
)


def broken_everywhere(where: str, day: str) -> str:
    """PRODUCT with an impossible date at `where`, no `unit:`, text in `stock:` and a mistyped evidence sha256."""
    text = PRODUCT.replace(f"\nunit: {ONE_PIECE}\n", "\n", 1).replace("price: 69.00\n", "price: 69.00\nstock: 很多\n", 1)
    text = text.replace("sha256: 36c9", "sha256: zz36c9", 1)
    old = {"added_on": "added_on: 2026-10-01", "price_history": "  - date: 2026-11-20", "observed_on": "    observed_on: 2026-11-01"}[where]
    return text.replace(old, old[: old.index(":") + 2] + day, 1)


@pytest.mark.parametrize(
    ("where", "day", "field"),
    [
        ("price_history", "2026-02-30", "price_history.0.date"),
        ("added_on", "2026-13-08", "added_on"),
        ("observed_on", "2026-10-32", "compare.0.observed_on"),
    ],
)
def test_an_impossible_date_does_not_hide_the_other_problems_of_its_file(content, today, where, day, field):
    text = broken_everywhere(where, day)
    content.product("aux-vacuum", text)
    date_line = next(n for n, line in enumerate(text.splitlines(), 1) if day in line)
    date_column = text.splitlines()[date_line - 1].index(day) + 1
    sha_line = line_of("    evidence:", text)
    assert sorted(located(content, today)) == sorted(
        [
            f"products/aux-vacuum.yaml:{date_line}:{date_column}: {field}: " + IMPOSSIBLE.format(day=day),
            "products/aux-vacuum.yaml:1:1: " + NO_UNIT,
            "products/aux-vacuum.yaml:6:8: stock: 库存件数要写成整数，如 3（现在是文字 '很多'）",
            f"products/aux-vacuum.yaml:{sha_line}:47: compare.0.evidence.sha256: 凭证校验值的写法不对："
            "凭证文件的 SHA-256（64位十六进制）：运行 plus evidence hash 文件 得到（现在是文字 'zz36c907715b80d7cdad0e196256966a3353b…'）",
        ]
    )


def test_every_impossible_value_of_a_file_is_reported_in_one_run(content, today):
    text = PRODUCT.replace("added_on: 2026-10-01", "added_on: 2026-02-30").replace("date: 2026-11-20", "date: 2025-02-29")
    content.product("aux-vacuum", text.replace("price: 69.00\n", "price: 69.00\nstock: 020000\n", 1))
    assert [line.split(": ", 2)[1] for line in located(content, today)] == ["stock", "added_on", "price_history.0.date"]


def test_a_file_that_is_only_an_impossible_date_is_said_once(content, today):
    content.product("aux-vacuum", "2026-02-30\n")
    assert located(content, today) == ["products/aux-vacuum.yaml:1:1: : " + IMPOSSIBLE.format(day="2026-02-30")]


def test_an_impossible_date_under_a_misspelt_key_names_the_key_too(content, today):
    content.product("aux-vacuum", PRODUCT.replace("added_on: 2026-10-01", "addedon: 2026-02-30"))
    at_key = f"products/aux-vacuum.yaml:{line_of('added_on:')}:1: addedon: "
    problems = located(content, today)
    assert f"products/aux-vacuum.yaml:{line_of('added_on:')}:10: addedon: " + IMPOSSIBLE.format(day="2026-02-30") in problems
    assert [p for p in problems if p.startswith(at_key)] == [at_key + "不认识的字段 addedon：是不是想写 added_on？"]


def test_a_factory_with_an_impossible_audit_date_is_still_read_for_its_products(content, today):
    content.factory("aux", FACTORY.replace("audited_on: 2026-09-01", "audited_on: 2026-09-31"))
    assert [line.split(": ")[0] for line in located(content, today)] == ["factories/aux.yaml:8:15"]


# 3. A missing field is located where it goes, and the message says how to add it


def test_a_missing_top_level_field_is_at_the_start_of_the_file_even_below_a_comment(content, today):
    content.product("aux-vacuum", "# 吸尘器\n" + PRODUCT.replace(f"\nunit: {ONE_PIECE}\n", "\n", 1))
    assert located(content, today) == ["products/aux-vacuum.yaml:1:1: " + NO_UNIT]


def test_a_missing_field_of_a_list_item_says_which_item_holds_it(content, today):
    content.product("aux-vacuum", PRODUCT.replace("    source: 山姆App 截图\n", ""))
    assert located(content, today) == [
        "products/aux-vacuum.yaml:7:5: compare.0.source: 缺少必填项 source（参照价来源）：请在 compare 的第 1 项里加一行 source: …，"
        "和这一项的其他字段对齐。说明：参照价来源，如“山姆App 截图”"
    ]


def test_a_missing_field_of_a_mapping_says_under_which_key(content, today):
    content.factory("aux", FACTORY.replace("  audited_on: 2026-09-01\n", ""))
    (problem,) = [p for p in located(content, today) if p.startswith("factories/")]
    assert (
        problem.startswith("factories/aux.yaml:7:1: verification.audited_on: 缺少必填项 audited_on（")
        and "：请在 verification: 下面加一行 audited_on: …，和同一层的其他字段对齐。说明：" in problem
    )


# 4. One rule for digits, no future years, no product listed twice


@pytest.mark.parametrize(("line", "field", "written", "plain"), [("price: ９", "price", "９", "9"), ("moq: １０", "moq", "１０", "10")])
def test_full_width_digits_are_refused_alike_in_every_number_field(content, today, line, field, written, plain):
    content.product("aux-vacuum", PRODUCT.replace("price: 69.00\n", f"price: 69.00\n{line}\n" if field == "moq" else f"{line}\n", 1))
    problems = [p for p in located(content, today) if f": {field}: " in p]
    assert problems == [
        f"products/aux-vacuum.yaml:{5 if field == 'price' else 6}:{len(field) + 3}: {field}: "
        + ("售价" if field == "price" else "起批量")
        + f"：数字要用半角（英文输入法）写：把 {written} 改成 {plain}"
    ], located(content, today)


def test_a_factory_founded_in_a_year_to_come_is_refused(content, today):
    content.factory("aux", FACTORY.replace("region: 浙江宁波\n", "region: 浙江宁波\nfounded: 2031\n"))
    assert located(content, today) == ["factories/aux.yaml:3:10: founded: 成立年份 2031 还没到：写今年或以前的年份"]


def test_a_product_file_copied_under_a_new_name_is_refused_on_both_files(content, today):
    # The copy may sort before its original (a-…) or after it: both files are named, each pointing at the other.
    content.product("aux-vacuum-2", PRODUCT)
    advice = "一样：同一件商品只能上架一次；是两件不同的商品就给其中一件改一个能区分的标题，是复制出来的就删掉复制的那个文件"
    assert sorted(located(content, today)) == [
        f"products/aux-vacuum-2.yaml:1:8: title: 标题和 content/products/aux-vacuum.yaml {advice}",
        f"products/aux-vacuum.yaml:1:8: title: 标题和 content/products/aux-vacuum-2.yaml {advice}",
    ]


def test_the_same_content_under_a_second_id_and_title_is_refused_on_both_files(content, today):
    content.product("a-hand-vacuum", PRODUCT.replace("奥克斯家用大吸尘器", "家用吸尘器（新）"))
    advice = "完全一样：同一件商品只能上架一次，请删掉复制出来的那个文件"
    assert sorted(located(content, today)) == [
        f"products/a-hand-vacuum.yaml:1:1: : 除标题外内容和 content/products/aux-vacuum.yaml {advice}",
        f"products/aux-vacuum.yaml:1:1: : 除标题外内容和 content/products/a-hand-vacuum.yaml {advice}",
    ]
