"""Loaded models share their field-name sets, dates, Decimals, units and badges, and behave as before."""

import datetime as dt
from decimal import Decimal

from catalog import require_catalog
from catalog.compact import compact
from catalog.models import PricePoint, Unit


def test_products_share_field_sets_dates_and_decimals(seed_copy, today):
    products = list(require_catalog(seed_copy, today=today).products.values())
    points = [point for product in products for point in product.price_history]
    assert len({id(p.__pydantic_fields_set__) for p in points}) == 1  # every price point sets date and price
    days = {}
    for point in points:
        assert days.setdefault(point.date, point.date) is point.date
    assert len(points) > len(days)  # (the seed repeats days: else this test shows nothing)
    prices = {}
    for product in products:
        assert prices.setdefault(str(product.price), product.price) is product.price


def test_a_shared_set_still_says_which_fields_a_file_set(seed_copy, today):
    catalog = require_catalog(seed_copy, today=today)
    for product in catalog.products.values():
        assert {"title", "price", "unit"} <= product.model_fields_set
        assert ("member_price" in product.model_fields_set) is (product.member_price is not None)


def test_a_copy_with_changes_leaves_the_shared_set_alone(seed_copy, today):
    product, other = list(require_catalog(seed_copy, today=today).products.values())[:2]
    before = set(other.price_history[0].model_fields_set)
    copy = product.model_copy(update={"price_history": product.price_history[:1]})
    point = copy.price_history[0].model_copy(update={"price": Decimal("1.00")})
    assert point.price == Decimal("1.00") and product.price_history[0].price != point.price
    assert other.price_history[0].model_fields_set == before


def test_equal_units_are_one_object(seed_copy, today):
    units = [u for p in require_catalog(seed_copy, today=today).products.values() for u in (p.unit, *(c.unit for c in p.compare))]
    shared = {}
    for unit in units:
        assert shared.setdefault((str(unit.quantity), unit.measure), unit) is unit
    assert len(shared) < len(units)


def test_decimals_keep_the_places_they_were_written_with():
    wide, narrow = compact(Unit(quantity=Decimal("1.50"), measure="kg")), compact(Unit(quantity=Decimal("1.5"), measure="kg"))
    assert (str(wide.quantity), str(narrow.quantity)) == ("1.50", "1.5")
    same = compact(PricePoint(date=dt.date(2026, 1, 2), price=Decimal("9.90")))
    again = compact(PricePoint(date=dt.date(2026, 1, 2), price=Decimal("9.90")))
    assert same.date is again.date and same.price is again.price


def test_equal_badges_are_one_object(seed_copy, today):
    badges = [b for facts in require_catalog(seed_copy, today=today).facts.values() for b in facts.badges]
    shared = {}
    for badge in badges:
        assert shared.setdefault((badge.code, badge.label), badge) is badge
    assert len(shared) < len(badges)


def test_each_load_shares_anew(seed_copy, today):
    first = require_catalog(seed_copy, today=today)
    second = require_catalog(seed_copy, today=today)
    one, two = (next(iter(c.products.values())) for c in (first, second))
    assert one.price == two.price and one.price is not two.price  # a reloading server does not keep every value it ever loaded
    assert one.model_fields_set == two.model_fields_set
