"""Delivery addresses: what a shopper may type, how it is normalised, and what is refused before anything is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from checkout.addresses import AddressError, normalise_mobile, parse_address
from checkout.db import get_database
from checkout.models import CheckoutSession

from .helpers import ADDRESS, buy
from .test_webhooks import held


@pytest.mark.parametrize(
    "typed", ["13800138000", "+86 138 0013 8000", "+86-138-0013-8000", "0086 13800138000", "138-0013-8000", "86 13800138000"]
)
def test_mainland_mobiles_are_stored_as_eleven_digits(typed):
    assert normalise_mobile(typed) == "13800138000"


@pytest.mark.parametrize("typed", ["12800138000", "1380013800", "138001380001", "+1 650 253 0000", "138abc38000", ""])
def test_numbers_that_are_not_mainland_mobiles_are_refused(typed):
    assert normalise_mobile(typed) is None


def test_a_good_address_is_normalised():
    address = parse_address({**ADDRESS, "province": "浙江", "name": "  张三 ", "postcode": "310012"})
    assert address.province == "浙江省" and address.name == "张三" and address.mobile == "13800138000"
    assert address.one_line() == "浙江省杭州市西湖区文三路 100 号 2 幢 301 室" and address.masked_mobile == "138****8000"


BAD = [
    ({"mobile": "1234"}, "mobile", "invalid_mobile", "11位中国大陆手机号"),
    ({"district": ""}, "district", "missing_field", "请填写区县"),
    ({"district": "   "}, "district", "missing_field", "请填写区县"),
    ({"province": "火星省"}, "province", "unknown_province", "没有「火星省」这个省份"),
    ({"name": "😀😀😀"}, "name", "invalid_address", "不能只填符号或表情"),
    ({"address": "文" * 5000}, "address", "field_too_long", "详细地址不能超过120个字"),
    ({"name": "x" * 5000}, "name", "field_too_long", "收件人不能超过20个字"),
    ({"postcode": "31001"}, "postcode", "invalid_postcode", "6位数字"),
    ({"city": ["杭州"]}, "city", "invalid_address", "城市须为文字"),
    ({"address": "1号"}, "address", "invalid_address", "详细地址太短"),
]


@pytest.mark.parametrize("change, field, code, message", BAD, ids=[b[2] + "-" + b[1] for b in BAD])
def test_bad_addresses_are_refused_with_the_field_and_a_chinese_message(change, field, code, message):
    with pytest.raises(AddressError) as refused:
        parse_address({**ADDRESS, **change})
    assert (refused.value.field, refused.value.code) == (field, code)
    assert message in refused.value.message


@pytest.mark.parametrize("change, field, code, message", BAD, ids=[b[2] + "-" + b[1] for b in BAD])
def test_the_json_api_answers_400_with_the_code_and_stores_nothing(app, client, change, field, code, message):
    response = buy(client, [{"product": "umbrella", "quantity": 2}], address={**ADDRESS, **change})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code and message in response.get_json()["error"]["message"]
    with get_database(app).sessions() as db:
        assert db.scalar(select(func.count()).select_from(CheckoutSession)) == 0
    assert held(app) == 0


def test_an_address_that_is_not_an_object_is_refused(client):
    response = buy(client, [{"product": "umbrella", "quantity": 1}], address="浙江省杭州市")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_address"
