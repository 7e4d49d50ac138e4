"""A request the store refuses (a cart, an order action, an address, an account) is answered one way."""

from __future__ import annotations

import pytest

from checkout.accounts import AccountError
from checkout.addresses import AddressError
from checkout.cart import CartError
from checkout.orders import OrderError


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (CartError(409, "too_many_held", "您同时待付款的商品太多"), 409, "too_many_held"),
        (OrderError(409, "not_refundable", "这笔订单不能退款", "this order cannot be refunded"), 409, "not_refundable"),
        (AddressError("mobile", "invalid_mobile", "请填写11位中国大陆手机号"), 400, "invalid_mobile"),
        (AccountError("两次输入的密码不一致"), 400, "invalid_account"),
    ],
)
def test_a_refusal_no_view_caught_is_json_under_the_api_and_a_page_elsewhere(app, error, status, code):
    def refuse():
        raise error

    app.add_url_rule("/api/test/refuse", "api_refuse", refuse)
    app.add_url_rule("/account/test/refuse", "page_refuse", refuse)
    client = app.test_client()

    answer = client.get("/api/test/refuse")
    assert answer.status_code == status
    assert answer.get_json() == {"error": {"code": code, "message": error.message}}

    page = client.get("/account/test/refuse")
    assert page.status_code == status and page.mimetype == "text/html"
    assert error.message in page.get_data(as_text=True)
