"""Holds cannot starve the shop (per-line and per-shopper caps, a retry replaces the earlier try) and purchase limits."""

from __future__ import annotations

from .helpers import UMBRELLA, buy, flush, other_shopper, pay, sign_up
from .test_shop import make_member
from .test_webhooks import held

BIG_STOCK = UMBRELLA.replace("title: 24骨全自动雨伞", "title: 沙滩袜").replace("stock: 10", "stock: 500")
CANDLE = UMBRELLA.replace("title: 24骨全自动雨伞", "title: 香氛蜡烛").replace("stock: 10", "stock: 260\nlimit_per_member: 6")


def test_a_line_over_the_store_cap_is_refused_in_chinese(app, client, shop_content):
    shop_content.product("socks", BIG_STOCK)
    response = buy(client, [{"product": "socks", "quantity": 86}])
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "over_order_limit" and "每单最多买50件" in error["message"]
    assert held(app, "socks") == 0
    assert buy(client, [{"product": "socks", "quantity": 50}]).status_code == 201


def test_settings_and_a_product_override_the_line_cap(app, client, shop_content):
    shop_content.write("settings.yaml", "max_line_quantity: 8\n")
    shop_content.product("socks", BIG_STOCK + "limit_per_order: 3\n")
    assert buy(client, [{"product": "umbrella", "quantity": 9}]).get_json()["error"]["code"] == "over_order_limit"
    refused = buy(client, [{"product": "socks", "quantity": 4}]).get_json()["error"]
    assert refused["code"] == "over_order_limit" and "每单最多买3件" in refused["message"]
    assert buy(client, [{"product": "socks", "quantity": 3}]).status_code == 201


def test_a_retry_replaces_the_shoppers_own_unpaid_hold(app, client):
    buy(client, [{"product": "umbrella", "quantity": 6}])
    retry = buy(client, [{"product": "umbrella", "quantity": 10}])  # all ten: the abandoned six do not stand in the way
    assert retry.status_code == 201, retry.get_json()
    assert held(app) == 10


def test_one_address_without_cookies_cannot_hold_more_than_the_cap(app, shop_content):
    shop_content.write("settings.yaml", "max_units_held: 12\n")
    shop_content.product("socks", BIG_STOCK)
    assert buy(other_shopper(app, 7), [{"product": "socks", "quantity": 8}]).status_code == 201
    script = other_shopper(app, 7)  # same address, fresh cookies: a script that drops them
    refused = buy(script, [{"product": "socks", "quantity": 5}])
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_held" and "最多12件" in refused.get_json()["error"]["message"]
    assert held(app, "socks") == 8
    assert buy(other_shopper(app, 8), [{"product": "socks", "quantity": 12}]).status_code == 201  # another shopper is not blocked


def test_a_member_cannot_buy_more_than_the_limit_in_one_cart(app, client, shop_content):
    shop_content.product("candle", CANDLE)
    sign_up(client, "fan@example.com")
    make_member(app, "fan@example.com")
    refused = buy(client, [{"product": "candle", "quantity": 7}])
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "over_member_limit"
    assert "每人限购6件" in refused.get_json()["error"]["message"]
    assert held(app, "candle") == 0
    assert buy(client, [{"product": "candle", "quantity": 6}]).status_code == 201


def test_paid_orders_count_against_the_member_limit(live, client, shop_content):
    shop_content.product("candle", CANDLE)
    sign_up(client, "fan@example.com")
    make_member(live.app, "fan@example.com")
    session_id = buy(client, [{"product": "candle", "quantity": 4}]).get_json()["id"]
    pay(live.standin, session_id, email="fan@example.com")
    flush(live.standin)
    refused = buy(client, [{"product": "candle", "quantity": 3}])
    assert refused.status_code == 422
    assert "已购买或待付款4件，还可买2件" in refused.get_json()["error"]["message"]
    assert buy(client, [{"product": "candle", "quantity": 2}]).status_code == 201
