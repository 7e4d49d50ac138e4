"""The server-side price: list, member or tier price, MOQ and members-only, integer fen."""

import datetime as dt
from decimal import Decimal

import pytest

from catalog.models import Product
from catalog.pricing import PurchaseRefused, check_purchase, from_fen, quote, to_fen

BASE = dict(
    title="袜子",
    category="home",
    factory="aux",
    sourcing="same-source",
    price=Decimal("20.00"),
    unit=dict(quantity=1, measure="pair"),
    compare=[
        dict(
            retailer="sams",
            name="袜",
            price=Decimal("40.00"),
            unit=dict(quantity=1, measure="pair"),
            observed_on=dt.date(2026, 11, 1),
            source="s",
        )
    ],
    images=[dict(src="a.png", alt="a")],
    added_on=dt.date(2026, 1, 1),
)


def product(**changes):
    return Product.model_validate({**BASE, **changes})


def test_guest_pays_the_list_price_and_member_the_member_price():
    p = product(member_price=Decimal("18.00"))
    assert quote(p, 1, member=False).unit_price == Decimal("20.00")
    assert quote(p, 1, member=True).unit_price == Decimal("18.00")
    assert quote(p, 1, member=True).basis == "member_price"


def test_tier_price_applies_from_its_quantity_and_beats_a_higher_member_price():
    p = product(moq=5, member_price=Decimal("18.00"), tiers=[{"min_qty": 10, "price": "16.00"}, {"min_qty": 50, "price": "14.50"}])
    assert quote(p, 9, member=True).unit_price == Decimal("18.00")
    assert quote(p, 10, member=False).unit_price == Decimal("16.00")
    assert quote(p, 50, member=True).unit_price == Decimal("14.50")
    assert quote(p, 50, member=True).total(50) == Decimal("725.00")


@pytest.mark.parametrize(
    ("changes", "quantity", "member", "code"),
    [
        ({"members_only": True}, 1, False, "members_only"),
        ({"moq": 5}, 4, True, "below_moq"),
        ({}, 0, False, "invalid_quantity"),
        ({}, True, False, "invalid_quantity"),
    ],
)
def test_purchases_the_catalog_forbids_are_refused(changes, quantity, member, code):
    with pytest.raises(PurchaseRefused) as caught:
        check_purchase(product(**changes), quantity, member=member)
    assert caught.value.code == code


def test_allowed_purchases_pass():
    check_purchase(product(members_only=True, moq=5), 5, member=True)


def test_fen_are_exact_integers():
    assert to_fen(Decimal("8.55")) == 855 and isinstance(to_fen(Decimal("8.55")), int)
    assert to_fen(Decimal("690.00")) == 69000
    assert from_fen(855) == Decimal("8.55")
    with pytest.raises(ValueError):
        to_fen(Decimal("0.005"))
