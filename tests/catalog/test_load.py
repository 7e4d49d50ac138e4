"""Loading a content folder: valid content loads; every fault is reported with file:line:col."""

from decimal import Decimal

import pytest

from catalog import ContentError, Severity, load_catalog, require_catalog
from tests.conftest import PRODUCT

pytestmark = pytest.mark.usefixtures("english")  # these pin the English wording; tests/catalog/test_messages.py pins the zh-CN


def problems_of(content, today):
    result = load_catalog(content.root, today=today)
    return result, [(p.path.name, p.line, p.field, p.message) for p in result.problems]


def test_valid_content_loads_with_no_problems(content, today):
    result, problems = problems_of(content, today)
    assert problems == []
    product = result.catalog.products["aux-vacuum"]
    assert product.price == Decimal("69.00") and isinstance(product.price, Decimal)
    assert result.catalog.factories["aux"].name == "奥克斯电器"
    assert result.catalog.retailers["taobao"].name == "淘宝"  # shorthand form


def test_unknown_key_is_an_error_at_that_key_with_a_suggestion(content, today):
    content.product("aux-vacuum", PRODUCT.replace("price: 69.00", "prise: 69.00"))
    result, problems = problems_of(content, today)
    assert result.catalog is None
    assert ("aux-vacuum.yaml", 5, "prise", "unknown field prise (did you mean 'price'?)") in problems
    # the missing `price` points at the top of the file (its parent)
    assert (
        "aux-vacuum.yaml",
        1,
        "price",
        "price is required: add a line `price: …` at the left margin. Price in yuan, 2 decimals, close to the 30-day low",
    ) in problems


def test_missing_nested_field_points_at_its_parent_item(content, today):
    content.product("aux-vacuum", PRODUCT.replace("    source: 山姆App 截图\n", ""))
    _, problems = problems_of(content, today)
    assert (
        "aux-vacuum.yaml",
        7,
        "compare.0.source",
        "source is required: add `source: …` to item 1 of compare, aligned with its other fields. Where the reference price was seen",
    ) in problems


@pytest.mark.parametrize(
    ("replacement", "field", "fragment"),
    [
        ("price: 69.001", "price", "at most 2 decimal places"),
        ("price: -1.00", "price", "greater than 0"),
        ("price: .nan", "price", "ordinary number"),
        ("price: .inf", "price", "ordinary number"),
        ("price: true", "price", "not true/false"),
        ("price: [1]", "price", "must be a number such as 69.00"),
        ("price: 69.00\nmembers_only: maybe", "members_only", "must be true or false"),
        ("price: 69.00\nmoq: 0", "moq", "must be at least 1"),
        ("price: 69.00\nstock: -3", "stock", "must be at least 0"),
    ],
)
def test_bad_values_are_errors_at_their_line(content, today, replacement, field, fragment):
    content.product("aux-vacuum", PRODUCT.replace("price: 69.00", replacement))
    result, problems = problems_of(content, today)
    assert result.catalog is None
    matching = [p for p in problems if p[2] == field]
    assert matching, problems
    if fragment:
        assert fragment in matching[0][3]
    assert matching[0][1] in (5, 6)


def test_sourcing_duplicate_key_is_reported(content, today):
    content.product("aux-vacuum", PRODUCT.replace("sourcing: same-source", "sourcing: same-source\nsourcing: same-craft"))
    _, problems = problems_of(content, today)
    assert problems == [("aux-vacuum.yaml", 5, "", "duplicate key 'sourcing' (first given on line 4)")]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "file is empty"),
        ("- a\n- b\n", "found a list"),
        ("just text\n", "found a single text value"),
        (b"\xff\xfe\x00junk", "UTF-16"),
        (b"junk\x00junk", "NUL"),
    ],
)
def test_wrong_shapes_are_reported_never_raised(content, today, text, fragment):
    content.product("broken", text)
    result, problems = problems_of(content, today)
    assert result.catalog is None
    assert any(p[0] == "broken.yaml" and fragment in p[3] for p in problems), problems


def test_file_name_must_be_a_slug(content, today):
    content.product("Aux_Vacuum", PRODUCT)
    _, problems = problems_of(content, today)
    assert any(p[0] == "Aux_Vacuum.yaml" and "lowercase ASCII slug" in p[3] for p in problems)


@pytest.mark.parametrize("name", ["other.yml", "other.YAML", "other.Yml"])
def test_yml_extension_is_not_silently_ignored(content, today, name):
    content.product("other", PRODUCT).rename(content.root / "products" / name)
    _, problems = problems_of(content, today)
    assert any(p[0] == name and "rename it to other.yaml" in p[3] for p in problems), problems


def test_a_folder_lists_its_yaml_files_not_hidden_ones_nor_folders(content, today):
    products = content.root / "products"
    (products / ".draft.yaml").write_text("not: [a product", encoding="utf-8")  # an editor's or a curator's hidden file
    (products / "folder.yaml").mkdir()
    (products / "gone.yaml").symlink_to(products / "nowhere.yaml")  # a dangling link: no file to read
    (products / "loop.yaml").symlink_to(products / "loop.yaml")  # a link to itself (its kind cannot be read)
    (products / "through.yaml").symlink_to(products / "aux-vacuum.yaml" / "x.yaml")  # through a file, as if a folder
    (content.root / "elsewhere.yaml").write_text(
        PRODUCT.replace("title: ", "title: 另一件").replace("alt: 白色吸尘器", "alt: 另一台白色吸尘器"), encoding="utf-8"
    )
    (products / "linked.yaml").symlink_to(content.root / "elsewhere.yaml")  # read as before (followed, like is_file)
    result, problems = problems_of(content, today)
    assert result.catalog is not None, problems
    assert sorted(result.catalog.products) == ["aux-vacuum", "linked"]


def test_every_problem_in_one_run(content, today):
    content.product("one", PRODUCT.replace("price: 69.00", "price: 0"))
    content.product("two", PRODUCT.replace("category: home", "category: nope"))
    content.factory("bad", "name: x\n")
    result, problems = problems_of(content, today)
    assert {p[0] for p in problems} >= {"one.yaml", "two.yaml", "bad.yaml"}


def test_require_catalog_raises_content_error_with_problems(content, today):
    content.product("one", "title: [\n")
    with pytest.raises(ContentError) as caught:
        require_catalog(content.root, today=today)
    assert caught.value.problems[0].path.name == "one.yaml"


def test_index_files_are_validated(content, today):
    content.write("categories.yaml", "Home:\n  zh: 家居\n  en: Home\n")
    _, problems = problems_of(content, today)
    assert any(p[0] == "categories.yaml" and "lowercase ASCII id" in p[3] for p in problems)


def test_strict_turns_warnings_into_errors(content, today):
    content.product("aux-vacuum", PRODUCT.replace("observed_on: 2026-11-01", "observed_on: 2025-01-01"))
    relaxed = load_catalog(content.root, today=today)
    assert relaxed.catalog is not None
    assert [p.severity for p in relaxed.problems] == [Severity.WARNING]
    strict = load_catalog(content.root, today=today, strict=True)
    assert strict.catalog is None and strict.errors


def test_text_of_a_problem_is_path_line_col_field_message(content, today, monkeypatch):
    content.product("aux-vacuum", PRODUCT.replace("price: 69.00", "price: 0"))
    monkeypatch.chdir(content.root.parent)
    problem = load_catalog(content.root, today=today).problems[0]
    assert problem.as_text() == "content/products/aux-vacuum.yaml:5:8: price: price must be greater than 0 (got the number 0)"
    assert problem.as_github() == (
        "::error file=content/products/aux-vacuum.yaml,line=5,col=8::price: price must be greater than 0 (got the number 0)"
    )


def test_a_purchase_limit_below_the_moq_is_refused(content, today):
    content.product("aux-vacuum", PRODUCT.replace("price: 69.00", "price: 69.00\nmoq: 5\nlimit_per_member: 3"))
    result, problems = problems_of(content, today)
    assert result.catalog is None
    assert any(name == "aux-vacuum.yaml" and "limit_per_member" in message and "moq" in message for name, _, _, message in problems)
