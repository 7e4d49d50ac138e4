"""Stripe's form encoding as the stand-in reads it."""

from __future__ import annotations

import pytest

from stripe_standin.errors import StripeError
from stripe_standin.params import parse_form


def test_nested_brackets_become_dicts_and_indexed_ones_lists():
    pairs = [
        ("mode", "payment"),
        ("expand[0]", "line_items"),
        ("line_items[0][price_data][currency]", "cny"),
        ("line_items[0][price_data][unit_amount]", "6900"),
        ("line_items[0][price_data][product_data][name]", "吸尘器"),
        ("line_items[0][price_data][product_data][images][0]", "https://x.test/a.jpg"),
        ("line_items[0][price_data][product_data][metadata][sku]", "aux"),
        ("line_items[0][quantity]", "2"),
        ("line_items[1][quantity]", "1"),
    ]
    parsed = parse_form(pairs)
    assert parsed["line_items"][0]["price_data"]["product_data"] == {
        "name": "吸尘器",
        "images": ["https://x.test/a.jpg"],
        "metadata": {"sku": "aux"},
    }
    assert [item["quantity"] for item in parsed["line_items"]] == ["2", "1"]
    assert parsed["expand"] == ["line_items"]
    assert parsed["mode"] == "payment"


def test_empty_brackets_append():
    assert parse_form([("expand[]", "a"), ("expand[]", "b")]) == {"expand": ["a", "b"]}


@pytest.mark.parametrize(
    "pairs",
    [
        [("line_items[0][quantity]", "1"), ("line_items[2][quantity]", "1")],
        [("metadata", "x"), ("metadata[a]", "b")],
    ],
)
def test_malformed_arrays_and_objects_are_refused(pairs):
    with pytest.raises(StripeError) as caught:
        parse_form(pairs)
    assert caught.value.status == 400
