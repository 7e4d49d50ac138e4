"""What membership is worth: member-price savings and member-free delivery, from the catalog."""

from decimal import Decimal

from catalog import require_catalog
from catalog.membership import membership_value
from catalog.models import DeliveryClass
from tests.conftest import PRODUCT, SEED, TODAY


def test_savings_are_list_minus_member_price_largest_first_over_the_seed():
    seed = require_catalog(SEED, today=TODAY)
    value = membership_value(seed)
    expected = {pid: p.price - p.member_price for pid, p in seed.products.items() if p.member_price is not None}
    assert expected and {s.id: s.saving for s in value.savings} == expected
    assert [s.saving for s in value.savings] == sorted(expected.values(), reverse=True)
    assert value.one_each == sum(expected.values()) and value.best.saving == max(expected.values())
    assert value.yearly_fee == seed.store.membership.yearly_fee


def test_member_free_delivery_lists_the_classes_and_saves_the_normal_fee(content, today):
    catalog = require_catalog(content.root, today=today)
    value = membership_value(catalog)
    assert value.free_delivery == (DeliveryClass.NORMAL, DeliveryClass.BULKY)  # the test store: cold chain is not member-free
    assert value.delivery_saving == Decimal("8.00")
    assert value.savings == () and value.one_each == 0 and value.best is None


def test_no_member_benefit_on_delivery_saves_nothing(content, today):
    content.write(
        "store.yaml", (content.root / "store.yaml").read_text(encoding="utf-8").replace("member_free: true", "member_free: false")
    )
    content.product("aux-vacuum", PRODUCT.replace("price: 69.00", "price: 69.00\nmember_price: 59.00"))
    value = membership_value(require_catalog(content.root, today=today))
    assert value.free_delivery == () and value.delivery_saving == 0
    assert [(s.id, s.saving, s.member_price) for s in value.savings] == [("aux-vacuum", Decimal("10.00"), Decimal("59.00"))]
