"""Values YAML reads but cannot build, or builds into what the curator did not mean: located zh-CN problems."""

from __future__ import annotations

import pytest

from catalog import load_catalog
from tests.conftest import FACTORY, PRODUCT, line_of


def located(content, today) -> list[str]:
    """Every problem as `file:line:col: field: message`, the file relative to the content folder."""
    result = load_catalog(content.root, today=today)
    return [f"{p.path.relative_to(content.root)}:{p.line}:{p.column}: {p.field}: {p.message}" for p in result.problems]


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


def test_a_product_file_copied_under_a_new_name_is_refused(content, today):
    content.product("aux-vacuum-2", PRODUCT)
    assert located(content, today) == [
        "products/aux-vacuum-2.yaml:1:8: title: 标题和 content/products/aux-vacuum.yaml 一样：同一件商品只能上架一次；"
        "是另一件商品就改一个能区分的标题，是复制出来的就删掉这个文件"
    ]


def test_the_same_content_under_a_second_id_and_title_is_refused(content, today):
    content.product("hand-vacuum", PRODUCT.replace("奥克斯家用大吸尘器", "家用吸尘器（新）"))
    assert located(content, today) == [
        "products/hand-vacuum.yaml:1:1: : 除标题外内容和 content/products/aux-vacuum.yaml 完全一样：同一件商品只能上架一次，请删掉复制出来的文件"
    ]
