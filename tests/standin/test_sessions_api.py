"""Checkout Sessions through the real `stripe` library: parameters, amounts, errors, idempotency, lists."""

from __future__ import annotations

import time

import pytest
import requests
import stripe

from stripe_standin import serve_in_thread

from .conftest import UMBRELLA_FEN, VACUUM_FEN, payment_params


def test_create_reads_nested_line_items_and_computes_totals(client):
    session = client.v1.checkout.sessions.create(params=payment_params())
    expected = VACUUM_FEN * 2 + UMBRELLA_FEN * 3
    assert session.object == "checkout.session"
    assert session.id.startswith("cs_test_")
    assert session.livemode is False
    assert session.amount_subtotal == session.amount_total == expected
    assert session.currency == "cny"
    assert (session.status, session.payment_status) == ("open", "unpaid")
    assert session.payment_method_types == ["card", "alipay", "wechat_pay"]
    assert session.payment_method_options.wechat_pay.client == "web"
    assert session.client_reference_id == "order-42"
    assert session.metadata.to_dict() == {"order_id": "42"}
    assert session.url.endswith(f"/pay/{session.id}")
    assert session.payment_intent is None


def test_line_items_expand_to_prices_and_products(client):
    created = client.v1.checkout.sessions.create(params=payment_params())
    session = client.v1.checkout.sessions.retrieve(created.id, params={"expand": ["line_items", "line_items.data.price.product"]})
    first, second = session.line_items.data
    assert (first.quantity, first.price.unit_amount, first.amount_total) == (2, VACUUM_FEN, VACUUM_FEN * 2)
    assert first.description == "奥克斯家用大吸尘器"
    assert first.price.product.metadata.to_dict() == {"product_id": "aux-vacuum"}
    assert first.price.product.images == ["https://shop.test/v.jpg"]
    assert (second.quantity, second.amount_total) == (3, UMBRELLA_FEN * 3)


def test_line_items_endpoint_paginates(client):
    session = client.v1.checkout.sessions.create(params=payment_params())
    page = client.v1.checkout.sessions.line_items.list(session.id, params={"limit": 1})
    assert page.has_more is True and len(page.data) == 1
    rest = client.v1.checkout.sessions.line_items.list(session.id, params={"starting_after": page.data[0].id})
    assert rest.has_more is False
    assert [item.price.unit_amount for item in page.data + rest.data] == [VACUUM_FEN, UMBRELLA_FEN]


def test_unknown_session_is_resource_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.retrieve("cs_test_doesnotexist")
    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing"
    assert "cs_test_doesnotexist" in caught.value.user_message


@pytest.mark.parametrize("key", [None, "sk_live_realmoney1234", "pk_test_publishable"])
def test_requests_without_a_test_secret_key_are_refused(standin, key):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = requests.get(f"{standin}/v1/checkout/sessions", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_basic_auth_with_a_test_key_is_accepted(standin):
    response = requests.get(f"{standin}/v1/checkout/sessions", auth=("sk_test_basic", ""))
    assert response.status_code == 200
    assert response.json()["object"] == "list"


def test_missing_key_raises_authentication_error_in_the_library(standin):
    client = stripe.StripeClient("sk_live_nope", base_addresses={"api": standin}, max_network_retries=0)
    with pytest.raises(stripe.AuthenticationError):
        client.v1.checkout.sessions.list()


def test_unknown_parameter_is_refused_by_its_full_name(client):
    params = payment_params()
    params["line_items"][0]["price_data"]["colour"] = "red"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params=params)
    assert caught.value.param == "line_items[0][price_data][colour]"
    assert caught.value.code == "parameter_unknown"


@pytest.mark.parametrize(
    "change, param",
    [
        (lambda p: p.pop("mode"), "mode"),
        (lambda p: p["line_items"][1].pop("quantity"), "line_items[1][quantity]"),
        (lambda p: p["line_items"][0]["price_data"].update(unit_amount="69.00"), "line_items[0][price_data][unit_amount]"),
        (lambda p: p["line_items"][0]["price_data"]["product_data"].pop("name"), "line_items[0][price_data][product_data][name]"),
        (lambda p: p["line_items"][1]["price_data"].update(currency="usd"), "line_items"),
        (lambda p: p["line_items"][0]["price_data"].update(recurring={"interval": "month"}), "line_items[0][price_data][recurring]"),
        (lambda p: p.update(payment_method_options={}), "payment_method_options[wechat_pay][client]"),
        (lambda p: p.update(payment_method_types=["card", "paypal"]), "payment_method_types[1]"),
        (lambda p: p.update(customer_email="not-an-email"), "customer_email"),
        (lambda p: p.update(success_url="javascript:alert(1)"), "success_url"),
        (lambda p: p.update(subscription_data={"metadata": {"a": "b"}}), "subscription_data"),
    ],
)
def test_invalid_create_parameters_are_refused(client, change, param):
    params = payment_params()
    change(params)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params=params)
    assert caught.value.http_status == 400
    assert caught.value.param == param


@pytest.mark.parametrize("ahead, accepted", [(10 * 60, False), (25 * 3600, False), (3600, True), (30 * 60, True), (24 * 3600, True)])
def test_expires_at_must_be_between_30_minutes_and_24_hours_ahead(client, ahead, accepted):
    params = payment_params(expires_at=int(time.time()) + ahead)
    if accepted:
        assert client.v1.checkout.sessions.create(params=params).expires_at == params["expires_at"]
    else:
        with pytest.raises(stripe.InvalidRequestError) as caught:
            client.v1.checkout.sessions.create(params=params)
        assert caught.value.param == "expires_at"


def test_default_expiry_is_24_hours(client):
    session = client.v1.checkout.sessions.create(params=payment_params())
    assert session.expires_at - session.created == 24 * 3600


def test_same_idempotency_key_and_params_replays_the_first_session(client):
    first = client.v1.checkout.sessions.create(params=payment_params(), options={"idempotency_key": "order-42-a"})
    again = client.v1.checkout.sessions.create(params=payment_params(), options={"idempotency_key": "order-42-a"})
    assert again.id == first.id
    assert len(client.v1.checkout.sessions.list().data) == 1


def test_same_idempotency_key_with_other_params_is_an_idempotency_error(client):
    client.v1.checkout.sessions.create(params=payment_params(), options={"idempotency_key": "order-42-b"})
    with pytest.raises(stripe.IdempotencyError):
        client.v1.checkout.sessions.create(params=payment_params(client_reference_id="order-43"), options={"idempotency_key": "order-42-b"})


def test_list_pages_newest_first_with_starting_after(client):
    ids = [client.v1.checkout.sessions.create(params=payment_params(client_reference_id=f"o{n}")).id for n in range(5)]
    first = client.v1.checkout.sessions.list(params={"limit": 2})
    assert first.object == "list" and first.url == "/v1/checkout/sessions"
    assert first.has_more is True
    seen = [session.id for session in first.data]
    page = first
    while page.has_more:
        page = client.v1.checkout.sessions.list(params={"limit": 2, "starting_after": seen[-1]})
        seen += [session.id for session in page.data]
    assert seen == ids[::-1]
    every = [session.id for session in client.v1.checkout.sessions.list(params={"limit": 2}).auto_paging_iter()]
    assert every == ids[::-1]


def test_list_filters_by_status_and_created(client):
    kept = client.v1.checkout.sessions.create(params=payment_params())
    gone = client.v1.checkout.sessions.create(params=payment_params())
    client.v1.checkout.sessions.expire(gone.id)
    open_ids = [s.id for s in client.v1.checkout.sessions.list(params={"status": "open"}).data]
    assert open_ids == [kept.id]
    later = client.v1.checkout.sessions.list(params={"created": {"gte": kept.created + 3600}})
    assert later.data == []
    assert len(client.v1.checkout.sessions.list(params={"created": {"gte": kept.created}}).data) == 2


def test_starting_after_an_unknown_id_is_resource_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.list(params={"starting_after": "cs_test_unknown"})
    assert (caught.value.http_status, caught.value.param) == (404, "starting_after")


def test_expire_closes_an_open_session_once(client, hook):
    session = client.v1.checkout.sessions.create(params=payment_params())
    expired = client.v1.checkout.sessions.expire(session.id)
    assert (expired.status, expired.url) == ("expired", None)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)
    events = hook.wait_for("checkout.session.expired")
    assert [e.data.object.id for e in events if e.type == "checkout.session.expired"] == [session.id]


def test_unrecognized_url_answers_like_stripe(standin):
    response = requests.get(f"{standin}/v1/nothing/here", auth=("sk_test_x", ""))
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert "Unrecognized request URL" in response.json()["error"]["message"]


def test_sessions_survive_a_restart_with_a_database_file(standin_config):
    running = serve_in_thread(standin_config)
    client = stripe.StripeClient("sk_test_a", base_addresses={"api": running.url}, max_network_retries=0)
    created = client.v1.checkout.sessions.create(params=payment_params())
    running.stop()
    again = serve_in_thread(standin_config)
    try:
        client = stripe.StripeClient("sk_test_a", base_addresses={"api": again.url}, max_network_retries=0)
        assert client.v1.checkout.sessions.retrieve(created.id).amount_total == created.amount_total
    finally:
        again.stop()


def shipping(amount: int, currency: str = "cny") -> list[dict]:
    return [
        {"shipping_rate_data": {"type": "fixed_amount", "display_name": "配送费", "fixed_amount": {"amount": amount, "currency": currency}}}
    ]


def test_a_shipping_option_is_charged_on_top_of_the_lines(client):
    session = client.v1.checkout.sessions.create(params={**payment_params(), "shipping_options": shipping(2500)})
    lines = VACUUM_FEN * 2 + UMBRELLA_FEN * 3
    assert (session.amount_subtotal, session.amount_total) == (lines, lines + 2500)
    assert session.shipping_cost.amount_total == 2500 and session.total_details.amount_shipping == 2500
    assert session.shipping_options[0].shipping_amount == 2500 and session.shipping_cost.shipping_rate.startswith("shr_")
    page = requests.get(session.url, timeout=5).text
    assert "配送费" in page and ">¥25<" in page


@pytest.mark.parametrize(
    "options, param",
    [
        (shipping(100, "usd"), "shipping_options[0][shipping_rate_data][fixed_amount][currency]"),
        ([{"shipping_rate": "shr_123"}], "shipping_options[0][shipping_rate]"),
        (shipping(-1), "shipping_options[0][shipping_rate_data][fixed_amount][amount]"),
    ],
    ids=["currency", "saved-rate", "negative"],
)
def test_bad_shipping_options_are_refused_like_stripe(client, options, param):
    with pytest.raises(stripe.StripeError) as refused:
        client.v1.checkout.sessions.create(params={**payment_params(), "shipping_options": options})
    assert refused.value.param == param
