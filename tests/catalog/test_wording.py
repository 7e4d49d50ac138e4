"""Curator text may not claim what the data does not back: each claim is refused at its line, in zh-CN."""

from __future__ import annotations

import pytest

from catalog import Severity, load_catalog
from tests.conftest import PRODUCT, line_of


def problems(content, today):
    result = load_catalog(content.root, today=today)
    return [(f"{p.path.name}:{p.line}:{p.column}: {p.field}: {p.message}", p.severity) for p in result.problems]


@pytest.mark.parametrize("term", ["原价", "直降", "出厂价", "全网最低"])
def test_an_unbacked_price_claim_in_the_title_is_an_error(content, today, term):
    content.product("aux-vacuum", PRODUCT.replace("title: 奥克斯家用大吸尘器", f"title: 奥克斯吸尘器 {term}"))
    assert problems(content, today) == [
        (
            f"aux-vacuum.yaml:1:8: title: 文字里写了“{term}”：没有数据支撑这种说法（见 settings.yaml 的 claim_errors / claim_warnings），请改写",
            Severity.ERROR,
        )
    ]


def test_a_hand_written_discount_in_an_alt_text_is_an_error(content, today):
    content.product("aux-vacuum", PRODUCT.replace("alt: 白色吸尘器", "alt: 白色吸尘器 仅 1.5折"))
    assert problems(content, today) == [
        (
            f"aux-vacuum.yaml:{line_of('    alt:')}:10: images.0.alt: 文字里写了折扣“1.5折”：折扣由系统按对比价计算并显示在徽章上，手写的会和它不一致，请删掉",
            Severity.ERROR,
        )
    ]


def test_a_dupe_claim_needs_a_comparison_with_that_retailer(content, today):
    content.product("aux-vacuum", PRODUCT + "tags: [淘宝同款]\n")
    assert problems(content, today) == [
        (
            f"aux-vacuum.yaml:{line_of('tags:', PRODUCT + 'tags: [淘宝同款]')}:8: tags.0: 写了“淘宝同款”，但没有和 taobao 的对比：在 compare 里加上与 taobao 的对比，或改写这句话",
            Severity.ERROR,
        )
    ]
    content.product("aux-vacuum", PRODUCT + "tags: [山姆平替]\n")  # compared with Sam's: backed
    assert problems(content, today) == []


def test_the_terms_are_configurable_and_a_warning_term_only_warns(content, today):
    content.write("settings.yaml", "claim_errors: [爆款]\nclaim_warnings: [原价]\n")
    content.product("aux-vacuum", PRODUCT.replace("title: 奥克斯家用大吸尘器", "title: 奥克斯吸尘器 原价"))
    assert [severity for _, severity in problems(content, today)] == [Severity.WARNING]
