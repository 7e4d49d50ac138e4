"""Property: whatever bytes a curator commits, validation answers with our own problems, never a crash."""

import shutil

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog import load_catalog
from tests.conftest import PRODUCT, ContentTree

yaml_like = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300),
    st.lists(
        st.sampled_from(
            [
                "title: x",
                "price: 1.5",
                "price: .nan",
                "- a",
                "  - b",
                "&a [x]",
                "*a",
                "{",
                "]",
                "'",
                '"',
                "compare:",
                "  - retailer: sams",
                "!!binary AA==",
                "? [a]\n: b",
                "<<: {a: 1}",
                "%YAML 1.1",
                "---",
                "price: 1e999",
                "moq: 99999999999999999999",
                "tiers: [{min_qty: 1, price: 0.001}]",
                "\t",
                "\ufeff",
                "added_on: 2026-02-30",
                "added_on: 2026-10-01",
                "stock: 很多",
                "unit: {quantity: 1, measure: piece}",
                "price_history:",
                "  - date: 2026-10-32",
                "    price: 2026-02-30",
                "2026-02-30",
                "- 2026-13-08",
                "added_on: 2026-13-01",
                "added_on: 2025-02-29 25:61:00",
                "stock: 020000",
                "moq: 0x10",
                "moq: 1:20",
                "price: ９",
                "moq: １０",
            ]
        ),
        max_size=12,
    ).map("\n".join),
    # mutate a valid file: drop or repeat a line
    st.integers(min_value=0, max_value=15).map(lambda i: "\n".join(line for n, line in enumerate(PRODUCT.splitlines()) if n != i)),
    # a valid file with one value made impossible: the rest of the file is still read
    st.tuples(st.integers(min_value=0, max_value=21), st.sampled_from(["2026-02-30", "020000", "很多", ""])).map(
        lambda change: "\n".join(
            line.split(": ")[0] + ": " + change[1] if n == change[0] and ": " in line else line
            for n, line in enumerate(PRODUCT.splitlines())
        )
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=yaml_like)
def test_arbitrary_input_yields_only_our_problems(tmp_path_factory, data):
    root = tmp_path_factory.mktemp("c")
    tree = ContentTree(root / "content")
    tree.product("fuzz", data.encode() if isinstance(data, str) else data)
    result = load_catalog(tree.root)
    for problem in result.problems:
        assert problem.line >= 1 and problem.column >= 1
        assert problem.message
    places = [(p.path, p.line, p.column, p.field) for p in result.errors]  # a copy of another file: both are named
    assert len(places) == len(set(places)), "one error per place"
    shutil.rmtree(root)
