"""Starting a checkout holds stock, so it is limited per client address; behind proxies the address is the client's."""

from __future__ import annotations

import json

import pytest
from flask import request

from checkout import create_app

from .helpers import buy, csrf_token
from .test_webhooks import held


def buy_from(client, address: str, *, forwarded_for: str | None = None, product: str = "umbrella"):
    """POST /api/checkout as a browser at `address` (or behind a proxy at `address`, for `forwarded_for`)."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(
        "/api/checkout",
        data=json.dumps({"items": [{"product": product, "quantity": 1}]}),
        content_type="application/json",
        headers=headers,
        environ_base={"REMOTE_ADDR": address},
    )


def test_too_many_checkouts_from_one_address_get_a_json_429_and_hold_nothing(make_app):
    app = make_app(PLUS_RATE_CHECKOUT="2 per minute")
    client = app.test_client()
    assert [buy(client, [{"product": "umbrella", "quantity": 1}]).status_code for _ in range(2)] == [201, 201]
    refused = buy(client, [{"product": "umbrella", "quantity": 1}])
    assert refused.status_code == 429
    assert refused.mimetype == "application/json"
    error = refused.get_json()["error"]
    assert error["code"] == "rate_limited" and "稍后" in error["message"]
    assert int(refused.headers["Retry-After"]) > 0
    assert held(app) == 1  # the second checkout replaced the shopper's first; the refused one held no stock


def test_the_default_limit_allows_thirty_checkout_attempts_a_minute(app):
    client = app.test_client()
    # Refused carts count too: a bot probing with bad bodies is limited like one holding stock.
    codes = [buy(client, [{"product": "no-such-product", "quantity": 1}]).status_code for _ in range(31)]
    assert codes == [404] * 30 + [429]


def test_the_limit_is_per_address(make_app):
    client = make_app(PLUS_RATE_CHECKOUT="1 per minute").test_client()
    assert buy_from(client, "198.51.100.1").status_code == 201
    assert buy_from(client, "198.51.100.1").status_code == 429
    assert buy_from(client, "198.51.100.2").status_code == 201


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(make_app):
    client = make_app(PLUS_RATE_CHECKOUT="1 per minute", PLUS_TRUSTED_PROXIES=1).test_client()
    nginx = "127.0.0.1"
    assert buy_from(client, nginx, forwarded_for="203.0.113.7").status_code == 201
    assert buy_from(client, nginx, forwarded_for="203.0.113.7").status_code == 429
    assert buy_from(client, nginx, forwarded_for="203.0.113.8").status_code == 201
    # a client cannot pick its address: nginx appends the real one, and only the last hop is trusted
    assert buy_from(client, nginx, forwarded_for="203.0.113.99, 203.0.113.7").status_code == 429


def test_without_trusted_proxies_a_forwarded_for_header_changes_nothing(make_app):
    client = make_app(PLUS_RATE_CHECKOUT="1 per minute").test_client()
    assert buy_from(client, "198.51.100.1", forwarded_for="203.0.113.1").status_code == 201
    assert buy_from(client, "198.51.100.1", forwarded_for="203.0.113.2").status_code == 429


def test_a_trusted_proxy_passes_the_client_address_and_scheme_to_the_app(make_app):
    app = make_app(PLUS_TRUSTED_PROXIES=1)
    app.add_url_rule("/_seen", "seen", lambda: {"address": request.remote_addr, "scheme": request.scheme})
    seen = app.test_client().get(
        "/_seen", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    )
    assert seen.get_json() == {"address": "203.0.113.7", "scheme": "https"}


def test_a_limited_form_post_gets_a_page_in_chinese_not_json(make_app):
    client = make_app(PLUS_RATE_LOGIN="1 per minute").test_client()
    for expected in (401, 429):
        token = csrf_token(client.get("/auth/login").get_data(as_text=True))
        response = client.post("/auth/login", data={"email": "x@example.com", "password": "wrong password", "csrf_token": token})
        assert response.status_code == expected
    assert response.mimetype == "text/html"
    assert "请求过于频繁" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    "key, value",
    [("PLUS_RATE_CHECKOUT", "lots"), ("PLUS_RATE_LOGIN", ""), ("PLUS_TRUSTED_PROXIES", "-1"), ("PLUS_TRUSTED_PROXIES", "nginx")],
)
def test_a_malformed_limit_or_proxy_count_is_refused_when_the_app_is_created(key, value):
    with pytest.raises(ValueError, match=key):
        create_app({"SECRET_KEY": "x", key: value})


def test_settings_come_from_the_environment_like_every_other(monkeypatch, tmp_path):
    monkeypatch.setenv("PLUS_TRUSTED_PROXIES", "2")
    monkeypatch.setenv("PLUS_RATE_CHECKOUT", "7 per minute")
    app = create_app({"SECRET_KEY": "x", "PLUS_INSTANCE": str(tmp_path)})
    assert app.config["PLUS_TRUSTED_PROXIES"] == 2
    assert app.config["PLUS_RATE_CHECKOUT"] == "7 per minute"
