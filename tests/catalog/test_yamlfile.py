"""The YAML reader: C speed, exact decimals, and a clear refusal of what catalogs must not hold."""

from decimal import Decimal

import pytest

from catalog.yamlfile import MAX_FILE_BYTES, YamlProblem, locate, parse_text, read_file

pytestmark = pytest.mark.usefixtures("english")  # these pin the English wording; tests/catalog/test_messages.py pins the zh-CN


def test_fractions_are_read_as_exact_decimals():
    assert parse_text("price: 0.10\nother: 42.75\n") == {"price": Decimal("0.10"), "other": Decimal("42.75")}


def test_duplicate_key_is_refused_at_the_second_occurrence():
    with pytest.raises(YamlProblem) as caught:
        parse_text("title: a\nprice: 1.00\ntitle: b\n")
    assert "duplicate key 'title'" in caught.value.message
    assert "first given on line 1" in caught.value.message
    assert (caught.value.line, caught.value.column) == (3, 1)


def test_duplicate_key_in_nested_mapping_is_refused():
    with pytest.raises(YamlProblem) as caught:
        parse_text("compare:\n  - name: x\n    name: y\n")
    assert caught.value.line == 3


@pytest.mark.parametrize(
    "text",
    [
        "a: &x [1, 2]\nb: *x\n",
        # the "billion laughs": must fail fast instead of expanding
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join('*' + chr(97 + i) for _ in range(9))}]\n" for i in range(8)),
        "a: &a [*a]\n",
    ],
)
def test_aliases_are_refused(text):
    with pytest.raises(YamlProblem, match="aliases"):
        parse_text(text)


@pytest.mark.parametrize("text", ["a: !!python/object/apply:os.system ['true']\n", "a: !!binary AA==\n", "a: !!set {x}\n", "<<: {a: 1}\n"])
def test_unsafe_or_unusual_tags_are_refused(text):
    with pytest.raises(YamlProblem, match="not allowed"):
        parse_text(text)


def test_syntax_error_has_line_and_column():
    with pytest.raises(YamlProblem) as caught:
        parse_text("title: ok\nprice: [1, 2\n")
    assert caught.value.line >= 2


def test_nul_bytes_and_bad_encoding_are_refused(tmp_path):
    binary = tmp_path / "junk.yaml"
    binary.write_bytes(b"title: x\n\x00\x01\x02")
    with pytest.raises(YamlProblem, match="NUL") as caught:
        read_file(binary)
    assert caught.value.line == 2
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"title: caf\xe9\n")
    with pytest.raises(YamlProblem, match="UTF-8"):
        read_file(latin)


def test_oversized_file_is_refused_without_parsing(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(YamlProblem, match="the most a catalog file may hold"):
        read_file(big)


def test_deep_nesting_is_a_problem_not_a_crash():
    with pytest.raises(YamlProblem):
        parse_text("a: " + "[" * 100_000)


def test_locate_walks_keys_and_indexes(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("title: x\ncompare:\n  - name: a\n  - name: b\n    price: 3.00\n")
    assert (locate(path, ("compare", 1, "price")).line, locate(path, ("compare", 1, "price")).column) == (5, 12)
    # a missing key points at the key of the mapping that should hold it
    assert locate(path, ("compare", 1, "observed_on"), missing=True).line == 4
    assert locate(path, ("compare",), at_key=True).line == 2
