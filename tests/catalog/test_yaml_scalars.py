"""Values YAML reads but cannot build, or builds into what the curator did not mean: located zh-CN problems."""

from __future__ import annotations

import pytest

from catalog import load_catalog
from tests.conftest import FACTORY, PRODUCT


def located(content, today) -> list[str]:
    """Every problem as `file:line:col: field: message`, the file relative to the content folder."""
    result = load_catalog(content.root, today=today)
    return [f"{p.path.relative_to(content.root)}:{p.line}:{p.column}: {p.field}: {p.message}" for p in result.problems]


# 1. Scalars YAML reads but cannot build


@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-01", "2025-02-29"])
def test_an_impossible_date_is_a_located_problem_not_a_traceback(content, today, day):
    content.product("aux-vacuum", PRODUCT.replace("added_on: 2026-10-01", f"added_on: {day}"))
    assert located(content, today) == [
        f"products/aux-vacuum.yaml:15:11: added_on: 日期 {day} 不存在：检查月份（1–12）和这个月的天数（如 2 月只有 28 天，闰年 29 天），写成 2026-11-25 这样"
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
