"""One formatter for money: what shoppers, curators and APIs read."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.money import money, price_label, yuan


@pytest.mark.parametrize(
    ("amount", "api", "shopper", "curator"),
    [
        ("69", "69.00", "¥69", "¥69.00"),
        ("8.55", "8.55", "¥8.55", "¥8.55"),
        ("42.7", "42.70", "¥42.70", "¥42.70"),
        ("1234.5", "1234.50", "¥1234.50", "¥1234.50"),
        ("0.1", "0.10", "¥0.10", "¥0.10"),
    ],
)
def test_one_amount_reads_the_same_everywhere(amount, api, shopper, curator):
    value = Decimal(amount)
    assert money(value) == api
    assert price_label(value) == shopper and yuan(value) == shopper.removeprefix("¥")
    assert price_label(value, exact=True) == curator


def test_no_amount_is_a_dash_for_people_and_empty_in_templates():
    assert price_label(None) == "—" and yuan(None) == ""


def test_an_amount_stored_as_json_text_reads_like_the_decimal():
    assert yuan("69.00") == yuan(Decimal("69.00")) == "69" and price_label("8.50") == "¥8.50"
