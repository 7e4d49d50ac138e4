"""Brands under NDA are found however they are spelled, at the source line, before any build."""

from __future__ import annotations

import pytest

from tests.conftest import FACTORY, PRODUCT


def located(content, today) -> list[str]:
    return content.located(today)


# 2. NDA names however they are spelled

NDA_FACTORY = FACTORY.replace(
    "  - brand: 山姆会员店\n    disclosure: public\n",
    "  - brand: 山姆会员店\n    disclosure: public\n  - brand: Miniso\n    disclosure: nda\n",
)


@pytest.mark.parametrize(
    ("title", "written"),
    [("ＭＩＮＩＳＯ 同款毛巾", "ＭＩＮＩＳＯ"), ("Mini\u200bso 同款毛巾", "Mini<U+200B>so"), ("MINI\u00adSO 同款", "MINI<U+00AD>SO")],
)
def test_an_nda_brand_in_disguise_is_found_at_its_source_line(content, today, title, written):
    content.factory("aux", NDA_FACTORY)
    content.product("aux-vacuum", PRODUCT.replace("title: 奥克斯家用大吸尘器", f"title: {title}"))
    problems = located(content, today)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"products/aux-vacuum.yaml:1:8: title: 出现了保密品牌“{written}”")
    assert problems[0].endswith("保密品牌不能出现在任何公开内容里，请删掉或改写")


def test_an_nda_brand_in_a_block_of_text_is_quoted_on_one_line(content, today):
    content.factory("aux", NDA_FACTORY)
    described = PRODUCT.rstrip("\n") + "\ndescription: |\n  大吸力，\n  Miniso 同款\n  静音。\n"
    content.product("aux-vacuum", described)
    [problem] = located(content, today)
    assert "“Miniso”（在“大吸力， Miniso 同款 静音。”中）" in problem and "\n" not in problem


@pytest.mark.parametrize("style", ["|", ">", ""])
def test_an_nda_brand_in_a_block_of_text_is_located_at_its_own_line(content, today, style):
    """Not at `description:`: the curator is sent to the line (and column) where the name is written."""
    content.factory("aux", NDA_FACTORY)
    lines = PRODUCT.rstrip("\n").count("\n") + 1
    described = PRODUCT.rstrip("\n") + f"\ndescription: {style}\n  大吸力，\n  静音，\n  和 ＭＩＮＩＳＯ 同款。\n"
    content.product("aux-vacuum", described)
    [problem] = located(content, today)
    assert problem.startswith(f"products/aux-vacuum.yaml:{lines + 4}:5: description: 出现了保密品牌“ＭＩＮＩＳＯ”"), problem


def test_a_brand_both_public_and_nda_is_an_error(content, today):
    content.factory("aux", NDA_FACTORY.replace("disclosure: nda\n", "disclosure: nda\n  - brand: MINISO\n    disclosure: public\n"))
    assert located(content, today) == [
        "factories/aux.yaml:9:12: oem_for.2.brand: “MINISO”写成了公开（public）品牌，但它也是保密（nda）品牌：同一个品牌只能有一种 disclosure，保密品牌不能公开"
    ]


def test_an_nda_brand_drawn_as_text_in_an_svg_is_found_before_the_build(content, today):
    content.factory("aux", NDA_FACTORY + "images:\n  - src: factories/logo.svg\n    alt: 厂标\n")
    content.write("images/factories/logo.svg", '<svg xmlns="http://www.w3.org/2000/svg"><text>MINI&#x53;O</text></svg>')
    problems = located(content, today)
    assert any(
        p.startswith("factories/aux.yaml:17:10: images.0.src: 图片 images/factories/logo.svg 里写着保密品牌“MINISO”") for p in problems
    ), problems


def test_an_image_file_name_naming_an_nda_brand_is_refused_even_unused(content, today):
    content.factory("aux", NDA_FACTORY)
    content.image("products/ｍｉｎｉｓｏ-towel.png")
    (problem,) = located(content, today)
    assert problem.startswith("images/products/ｍｉｎｉｓｏ-towel.png:1:1: : 文件名出现了保密品牌“ｍｉｎｉｓｏ”")


@pytest.mark.parametrize(
    "text",
    [
        "ＭＩＮＩＳＯ，好物",
        "Ａ\u0301 composes after it turns half-width",
        "名创\u200b优品（ＭＩＮＩ\u00adＳＯ）：１０件",
        "ｶﾞ ㈱ ﬁ ＡＢＣ\u0327",
    ],
)
def test_folding_reads_text_exactly_as_nfkc_does(text):
    import unicodedata

    from catalog.nda import _INVISIBLE, fold

    assert fold(text) == unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).casefold()
