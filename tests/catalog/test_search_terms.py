"""content/search.yaml: synonym groups load, and every fault is reported at file:line in zh-CN."""

from __future__ import annotations

from catalog import load_catalog
from tests.conftest import FACTORY

SECRET_FACTORY = FACTORY.replace(
    "  - brand: 山姆会员店\n    disclosure: public\n",
    "  - brand: 山姆会员店\n    disclosure: public\n  - brand: 秘密家居\n    disclosure: nda\n    aliases: [SecretHome]\n",
)


def search_problems(content, today, text: str) -> tuple[object, list[tuple[int, str, str]]]:
    content.write("search.yaml", text)
    result = load_catalog(content.root, today=today)
    return result, [(p.line, p.field, p.message) for p in result.problems if p.path.name == "search.yaml"]


def test_synonym_groups_load_folded_and_lowercased(content, today):
    result, problems = search_problems(content, today, "synonyms:\n  - [文胸, 胸罩]\n  - [ＴＰＥ垫, tpe地垫]\n")
    assert problems == []
    assert result.catalog.search_terms.groups() == [("文胸", "胸罩"), ("tpe垫", "tpe地垫")]


def test_a_store_without_search_yaml_has_no_synonyms(content, today):
    result = load_catalog(content.root, today=today)
    assert result.problems == [] and result.catalog.search_terms.groups() == []


def test_empty_and_single_word_groups_are_errors_at_their_line(content, today):
    result, problems = search_problems(content, today, "synonyms:\n  - []\n  - [文胸]\n  - [吸尘器, 吸尘机]\n")
    assert result.catalog is None
    assert problems == [
        (2, "synonyms.0", "同义词组是空的：写上至少两个同义词，或删掉这一组"),
        (3, "synonyms.1", "同义词组只有一个词：再写一个意思相同的词，或删掉这一组"),
    ]


def test_a_word_in_two_groups_is_an_error_naming_the_other_group(content, today):
    _, problems = search_problems(content, today, "synonyms:\n  - [文胸, 胸罩]\n  - [内衣, 胸罩]\n  - [底裤, 底裤]\n")
    assert (3, "synonyms.1.1", "「胸罩」已经写在第 1 组里：一个词只能出现在一个同义词组，请合并或删掉重复的") in problems
    assert (4, "synonyms.2.1", "「底裤」已经写在本组里：一个词只能出现在一个同义词组，请合并或删掉重复的") in problems


def test_an_nda_brand_or_alias_as_a_synonym_is_refused_without_repeating_it(content, today):
    content.factory("aux", SECRET_FACTORY)
    _, problems = search_problems(content, today, "synonyms:\n  - [家居, 秘密家居]\n  - [secrethome垫, 地垫]\n")
    message = "这个词含有工厂 aux 的保密品牌，搜索索引不能出现它：删掉这个词"
    assert problems == [(2, "synonyms.0.1", message), (3, "synonyms.1.0", message)]
    assert all("秘密" not in m and "secret" not in m.lower() for _, _, m in problems)


def test_a_malformed_file_is_reported_like_the_other_content(content, today):
    result, problems = search_problems(content, today, "synonyms: 文胸\n")
    assert result.catalog is None and problems and problems[0][:2] == (1, "synonyms")
