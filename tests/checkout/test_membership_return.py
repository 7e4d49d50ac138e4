"""Back from paying for PLUS: the account page says the payment is being confirmed, and reloads, until the webhook says so."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from checkout.stripe_api import as_dict, get_stripe

from .helpers import pay, post_event, sign_up
from .test_membership import choose_membership

PENDING = "付款确认中…"
REFRESH = '<meta http-equiv="refresh"'


def back_from_paying(client) -> str:
    """The page Stripe sends the member back to after paying (checkout/payments.py's success_url)."""
    response = client.get("/account/?membership=success")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def session_at_stripe(app, session_id: str, **changed) -> dict:
    with app.app_context():
        return {**as_dict(get_stripe(app).v1.checkout.sessions.retrieve(session_id)), **changed}


@pytest.fixture
def paid_by_alipay(app, client, standin) -> str:
    """A member who paid a year by Alipay at the stand-in; no webhook delivered yet (none is registered)."""
    sign_up(client, "member@example.com")
    session_id = choose_membership(SimpleNamespace(standin=standin), client, "alipay")
    assert pay(standin, session_id, "alipay", email="member@example.com").status_code == 303
    return session_id


def test_alipay_is_shown_as_being_confirmed_until_its_webhook_then_as_active(app, client, paid_by_alipay):
    page = back_from_paying(client)
    assert PENDING in page and REFRESH in page
    assert "开通PLUS会员" not in page and "有效期至" not in page  # never claimed before the webhook

    completed = session_at_stripe(app, paid_by_alipay, payment_status="unpaid")  # Alipay: completed, paid a moment later
    assert post_event(client, "checkout.session.completed", completed).status_code == 200
    page = back_from_paying(client)
    assert PENDING in page and REFRESH in page and "有效期至" not in page

    succeeded = session_at_stripe(app, paid_by_alipay, payment_status="paid")
    assert post_event(client, "checkout.session.async_payment_succeeded", succeeded).status_code == 200
    page = back_from_paying(client)
    assert PENDING not in page and REFRESH not in page
    assert "PLUS会员有效期至" in page and "已生效" in page


def test_a_failed_alipay_payment_stops_the_waiting_and_offers_another_try(app, client, paid_by_alipay):
    post_event(client, "checkout.session.completed", session_at_stripe(app, paid_by_alipay, payment_status="unpaid"))
    failed = session_at_stripe(app, paid_by_alipay, payment_status="unpaid")
    assert post_event(client, "checkout.session.async_payment_failed", failed).status_code == 200
    page = back_from_paying(client)
    assert PENDING not in page and REFRESH not in page and "有效期至" not in page
    assert "付款没有成功" in page and "/account/membership" in page


def test_the_account_page_waits_only_for_a_payment_stripe_reported_completed(app, client, paid_by_alipay):
    page = client.get("/account/").get_data(as_text=True)  # Stripe has said nothing yet: the pay page may have been left
    assert PENDING not in page and REFRESH not in page and "开通PLUS会员" in page
    post_event(client, "checkout.session.completed", session_at_stripe(app, paid_by_alipay, payment_status="unpaid"))
    page = client.get("/account/").get_data(as_text=True)
    assert PENDING in page and REFRESH in page and "开通PLUS会员" not in page
