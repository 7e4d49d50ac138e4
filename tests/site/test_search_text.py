"""The search terms: Chinese substrings, never scattered characters, and the browser's query terms
(theme/static/js/search-query.js) the same as the build's (storefront/search_text.py)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from storefront.search_text import END, MARKER, Said, han_key, index_terms, pinyin_terms, query_pieces, query_terms, word_pinyin
from tests.conftest import REPO

NODE = shutil.which("node")
QUERIES = [
    "杏干",
    "月饼",
    "伞",
    "海宁 袜子",
    "ＴＰＥ瑜伽垫",
    "xichenqi",
    "A类面料",
    "V领 Q弹 qvl jv xvs x",
    "长绒棉",
    "无钢圈舒适文胸",
    "200g，果干！",
    "Jo Malone",
    "𠀋字",
    "",
]


def holds(text: str, query: str) -> bool:
    """What the search page asks of an index: one term is found in any word it starts (as Pagefind
    does), several (a run's trigrams) as exactly these words in a row (its quoted search)."""
    terms = index_terms(text)
    for piece in query_pieces(query):
        if len(piece) == 1:
            if not any(t.startswith(piece[0]) for t in terms):
                return False
        elif not any(terms[i : i + len(piece)] == piece for i in range(len(terms))):
            return False
    return True


@pytest.mark.parametrize(
    ("text", "query", "found"),
    [
        ("百草味 杏干 200g 酸甜果干", "果干", True),
        ("百草味 杏干 200g 酸甜果干", "杏干 200", True),
        ("坚果 保质期 12 个月 饼干", "月饼", False),  # 月 and 饼 both there, never side by side
        ("酸甜果干", "果甜", False),
        ("24骨全自动雨伞", "伞", True),
        ("双色TPE瑜伽垫", "ｔｐｅ", True),
        ("无钢圈舒适文胸", "钢圈舒适文", True),
        ("无钢圈 舒适文胸", "钢圈舒适", False),
        ("长绒棉毛巾", "长绒棉", True),
    ],
)
def test_a_query_matches_a_substring_and_never_scattered_characters(text, query, found):
    assert holds(text, query) is found


def test_a_part_the_record_already_says_is_left_out_and_every_query_still_finds_it():
    title = "奥克斯家用大吸尘器 AUXiliary版"
    parts = ["吸尘器", "家用", "aux", "除尘器", "AUX 吸尘器 旗舰", "旗舰", "吸尘", "Auxi 大吸", "家用大吸尘器 大", "iliary"]
    kept = Said(title).new(parts)
    assert kept == ["除尘器", "AUX 吸尘器 旗舰", "iliary"]  # (a word is found by its start only)
    for part in set(parts) - set(kept):
        for piece in re.findall(r"[一-龥]+|[0-9a-z]+", part.lower()):
            queries = (
                [piece[:n] for n in range(1, len(piece) + 1)]
                if piece.isascii()
                else [piece[i:j] for i in range(len(piece)) for j in range(i + 1, len(piece) + 1)]
            )
            for query in queries:
                assert any(holds(text, query) for text in [title, *kept]), (part, query)


def test_a_part_holding_anything_new_is_kept_whole():
    # (a query must find 吸尘器旗舰 side by side: the part cannot lose the run the title already says)
    assert Said("大吸尘器 aux版").new(["吸尘器旗舰", "auxiliary", "版本"]) == ["吸尘器旗舰", "auxiliary", "版本"]


def test_chinese_keys_are_ascii_and_no_index_word_is_a_proper_prefix_of_a_key():
    assert han_key("杏") == "qv26447" and han_key("杏干") == "qv2644724178" and han_key("杏干果").startswith("qv2644724178")
    assert index_terms("杏干果 伞") == [han_key("杏干果"), han_key("干果") + END, han_key("果") + END, han_key("伞") + END]
    terms = index_terms("Q弹 qvl jv xvs 羊毛衣 xcq") + pinyin_terms("羊毛衣")
    keys = [t for t in terms if t.startswith(MARKER)]
    assert keys and all(t.isascii() for t in terms)
    assert all(re.fullmatch(rf"{MARKER}[0-9]+({END})?", k) for k in keys)  # digits: no key can spell a Latin brand
    asked = [term for q in ["羊", "羊毛", "羊毛衣", "毛衣", "衣", "羊毛衣服", "毛衣服"] for term in query_terms(q)]
    assert not [(w, q) for w in terms for q in asked if w != q and q.startswith(w)]


def test_pinyin_from_every_character_full_and_initials():
    terms = pinyin_terms("家用大吸尘器")
    assert "xichenqiqq" in terms and "xcqqq" in terms and "jiayongdaxichenqiqq" in terms
    assert query_terms("XiChenQi") == ["xichenqi"]


def test_a_tag_or_synonym_has_the_pinyin_of_the_whole_word_only():
    assert word_pinyin(["袜子", "精梳棉 中筒袜", "TPE", "伞"]) == ["waziqq", "jingshumianqq", "zhongtongwaqq", "sanqq"]


@pytest.mark.skipif(NODE is None, reason="node runs the page's query module")
def test_the_browser_asks_for_the_same_terms_as_the_build_indexes():
    script = (
        f"const m = await import({json.dumps((REPO / 'theme/static/js/search-query.js').as_uri())});"
        f"console.log(JSON.stringify({json.dumps(QUERIES, ensure_ascii=False)}.map(m.queryPieces)));"
    )
    result = subprocess.run([NODE, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(result.stdout) == [query_pieces(q) for q in QUERIES]
