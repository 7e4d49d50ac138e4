"""The stand-in can answer Stripe's 429 rate_limit, so the checkout's pace and retries meet it in tests."""

from __future__ import annotations

import pytest
import stripe

from stripe_standin import serve_in_thread

from .conftest import payment_params


@pytest.fixture
def limited(standin_config):
    running = serve_in_thread({**standin_config, "RATE_LIMIT": 2})
    yield stripe.StripeClient("sk_test_standin", base_addresses={"api": running.url}, max_network_retries=0)
    running.stop()


def test_past_the_rate_limit_the_library_raises_rate_limit_error_with_retry_after(limited):
    with pytest.raises(stripe.RateLimitError) as caught:
        for _ in range(5):
            limited.v1.checkout.sessions.create(payment_params())
    assert caught.value.http_status == 429 and caught.value.json_body["error"]["code"] == "rate_limit"
    assert caught.value.headers["Retry-After"] == "1"


def test_the_limit_is_per_endpoint_so_reads_still_pass(limited):
    session = limited.v1.checkout.sessions.create(payment_params())
    limited.v1.checkout.sessions.create(payment_params())
    assert limited.v1.checkout.sessions.retrieve(session.id).id == session.id  # another endpoint, its own window


def test_without_a_limit_nothing_is_refused(client):
    assert len({client.v1.checkout.sessions.create(payment_params()).id for _ in range(10)}) == 10
