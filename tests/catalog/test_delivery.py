"""The delivery fee: thresholds, members, classes, surcharges and provinces not served."""

from dataclasses import replace
from decimal import Decimal

import pytest

from catalog import require_catalog
from catalog.delivery import quote_delivery
from catalog.models import DeliveryClass
from catalog.money import price_label
from catalog.regions import MAINLAND, PROVINCES, canonical_province
from tests.conftest import SEED, TODAY


@pytest.fixture(scope="module")
def seed():
    return require_catalog(SEED, today=TODAY)


def of_class(catalog, delivery_class):
    """A seed product of that class (the seed has each)."""
    return next(p for p in catalog.products.values() if p.delivery_class is delivery_class)


def terms(catalog, delivery_class):
    return catalog.store.delivery.classes[delivery_class]


def test_regions_are_the_34_province_level_divisions_and_short_names_resolve():
    assert len(PROVINCES) == len(set(PROVINCES)) == 34
    assert len(MAINLAND) == 31 and "香港特别行政区" not in MAINLAND
    assert canonical_province("新疆") == "新疆维吾尔自治区"
    assert canonical_province(" 广东省 ") == "广东省"
    assert canonical_province("广西") == "广西壮族自治区"
    assert canonical_province("加州") is None
    assert all(canonical_province(name) == name for name in PROVINCES)


def test_below_the_threshold_a_guest_pays_the_normal_fee_and_is_told_how_far_off_free_is(seed):
    normal = terms(seed, DeliveryClass.NORMAL)
    product = of_class(seed, DeliveryClass.NORMAL)
    subtotal = normal.free_threshold - Decimal("12.00")
    q = quote_delivery(seed, [(product, 1)], subtotal, province="广东省", member=False)
    assert q.served and q.fee == normal.fee and q.surcharge == 0 and q.free_reason is None
    assert f"还差 {price_label(Decimal('12.00'))}" in q.message and price_label(normal.fee) in q.message


def test_exactly_at_the_threshold_delivery_is_free(seed):
    normal = terms(seed, DeliveryClass.NORMAL)
    product = of_class(seed, DeliveryClass.NORMAL)
    q = quote_delivery(seed, [(product, 1)], normal.free_threshold, province="上海市", member=False)
    assert q.fee == Decimal("0.00") and q.free_reason == f"满{normal.free_threshold:.0f}元包邮"
    one_fen_less = quote_delivery(seed, [(product, 1)], normal.free_threshold - Decimal("0.01"), province="上海市", member=False)
    assert one_fen_less.fee == normal.fee and f"还差 {price_label(Decimal('0.01'))}" in one_fen_less.message


def test_a_member_ships_free_where_the_class_allows_it(seed):
    product = of_class(seed, DeliveryClass.NORMAL)
    q = quote_delivery(seed, [(product, 1)], Decimal("10.00"), province="北京", member=True)
    assert q.fee == 0 and q.free_reason == "PLUS会员包邮" and "PLUS会员包邮" in q.message


def test_cold_chain_is_not_free_for_members_below_its_own_threshold(seed):
    cold = terms(seed, DeliveryClass.COLD_CHAIN)
    normal = terms(seed, DeliveryClass.NORMAL)
    assert not cold.member_free and cold.free_threshold > normal.free_threshold
    lines = [(of_class(seed, DeliveryClass.COLD_CHAIN), 2), (of_class(seed, DeliveryClass.NORMAL), 1)]
    between = normal.free_threshold + 1  # normal would be free, cold chain is not yet
    q = quote_delivery(seed, lines, between, province="浙江省", member=True)
    assert q.fee == cold.fee and q.free_reason is None and q.message.startswith("冷链配送运费")
    free = quote_delivery(seed, lines, cold.free_threshold, province="浙江省", member=False)
    assert free.fee == 0 and free.free_reason == f"满{cold.free_threshold:.0f}元包邮"


def test_mixed_classes_pay_the_highest_class_fee_once(seed):
    lines = [(of_class(seed, c), 3) for c in DeliveryClass]
    q = quote_delivery(seed, lines, Decimal("20.00"), province="江苏省", member=False)
    assert q.fee == max(t.fee for t in seed.store.delivery.classes.values())


def test_surcharge_is_added_even_when_delivery_is_otherwise_free(seed):
    product = of_class(seed, DeliveryClass.NORMAL)
    surcharge = seed.store.delivery.surcharges["新疆维吾尔自治区"]
    q = quote_delivery(seed, [(product, 1)], Decimal("500.00"), province="新疆", member=True)
    assert q.served and q.fee == surcharge == q.surcharge and q.free_reason is None
    assert "新疆维吾尔自治区附加费" in q.message
    paid = quote_delivery(seed, [(product, 1)], Decimal("10.00"), province="新疆维吾尔自治区", member=False)
    assert paid.fee == terms(seed, DeliveryClass.NORMAL).fee + surcharge and paid.surcharge == surcharge


@pytest.mark.parametrize("province", ["香港特别行政区", "澳门", "台湾省"])
def test_a_province_not_served_is_refused_with_its_name(seed, province):
    q = quote_delivery(seed, [(of_class(seed, DeliveryClass.NORMAL), 1)], Decimal("500.00"), province=province, member=True)
    assert not q.served and q.fee == 0 and q.message == f"{canonical_province(province)} 暂不配送"


def test_an_unknown_province_is_not_served(seed):
    q = quote_delivery(seed, [(of_class(seed, DeliveryClass.NORMAL), 1)], Decimal("50.00"), province="火星", member=False)
    assert not q.served and "火星" in q.message


def test_without_a_province_the_standard_case_is_quoted_without_surcharge(seed):
    q = quote_delivery(seed, [(of_class(seed, DeliveryClass.NORMAL), 1)], Decimal("10.00"), province=None, member=False)
    assert q.served and q.surcharge == 0 and q.fee == terms(seed, DeliveryClass.NORMAL).fee
    assert "偏远地区另收附加费" in q.message


def test_every_seed_product_in_every_province_gets_a_sound_quote(seed):
    """Properties over the seed: fees are never negative, free means 0 with a reason, only listed provinces pay extra."""
    delivery = seed.store.delivery
    for product in seed.products.values():
        for subtotal in (Decimal("1.00"), product.price, Decimal("99.00"), Decimal("1000.00")):
            for member in (False, True):
                for province in (*PROVINCES, None):
                    q = quote_delivery(seed, [(product, 1)], subtotal, province=province, member=member)
                    assert q.fee >= 0 and q.surcharge >= 0 and q.fee == q.fee.quantize(Decimal("0.01"))
                    assert q.served == (province not in delivery.not_served)
                    assert (q.free_reason is not None) == (q.served and q.fee == 0)
                    assert q.surcharge == delivery.surcharges.get(province, 0)
                    base = terms(seed, product.delivery_class)
                    assert q.fee - q.surcharge in (0, base.fee) if q.served else q.fee == 0
                    assert q.message


def test_a_class_with_no_fee_is_always_free(seed):
    free_normal = terms(seed, DeliveryClass.NORMAL).model_copy(update={"fee": Decimal("0.00")})
    classes = {**seed.store.delivery.classes, DeliveryClass.NORMAL: free_normal}
    delivery = seed.store.delivery.model_copy(update={"classes": classes})
    catalog = replace(seed, store=seed.store.model_copy(update={"delivery": delivery}))
    q = quote_delivery(catalog, [(of_class(seed, DeliveryClass.NORMAL), 1)], Decimal("1.00"), province="湖南省", member=False)
    assert q.fee == 0 and q.free_reason == "包邮"
