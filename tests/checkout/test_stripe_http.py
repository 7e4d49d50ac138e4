"""The stripe library's transport: sessions opened through it, errors as the library's, the proxy read from the environment."""

from __future__ import annotations

import socket

import pytest
import stripe

from checkout.stripe_api import create_checkout_session, make_client
from checkout.stripe_http import PooledClient, environment_proxy

PARAMS = {
    "mode": "payment",
    "line_items": [{"price_data": {"currency": "cny", "unit_amount": 855, "product_data": {"name": "伞"}}, "quantity": 1}],
    "success_url": "http://shop.test/checkout/success?session_id={CHECKOUT_SESSION_ID}",
    "metadata": {"plus_ref": "ref-1"},
}


def client_for(base: str) -> stripe.StripeClient:
    return make_client({"STRIPE_SECRET_KEY": "sk_test_transport", "STRIPE_API_BASE": base})


def test_a_session_opens_once_per_idempotency_key_and_keeps_its_parameters(standin):
    client = client_for(standin)
    assert isinstance(client._requestor._get_http_client(), PooledClient)
    opened = create_checkout_session(client, PARAMS, "plus-checkout-ref-1")
    again = create_checkout_session(client, PARAMS, "plus-checkout-ref-1")
    assert again == opened and opened.url
    session = client.v1.checkout.sessions.retrieve(opened.id)
    assert session.metadata["plus_ref"] == "ref-1" and session.success_url == PARAMS["success_url"]


def test_stripes_refusal_is_the_librarys_error(standin):
    with pytest.raises(stripe.InvalidRequestError):
        create_checkout_session(client_for(standin), {**PARAMS, "mode": "no-such-mode"}, "plus-checkout-ref-2")


def test_nobody_listening_is_a_connection_error_the_library_retries():
    with socket.socket() as sock:  # a port nothing answers on
        sock.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        error = None
        try:
            PooledClient(base).request("post", base + "/v1/checkout/sessions", {}, "")
        except stripe.APIConnectionError as exc:
            error = exc
    assert error is not None and error.should_retry


def test_the_proxy_is_the_environments_unless_no_proxy_names_the_host(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "localhost")
    assert environment_proxy("https://api.stripe.com") == "http://proxy.internal:3128"
    assert environment_proxy("https://localhost:12111") is None
