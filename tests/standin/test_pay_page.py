"""The hosted pay page, driven over plain HTTP as a browser would, with webhooks checked by the real library."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
import requests
import stripe

from catalog.money import price_label

from .conftest import UMBRELLA_FEN, VACUUM_FEN, pay, payment_params


def yuan(fen: int) -> str:
    """An amount as the store writes it for shoppers (catalog/money.py): ¥69, ¥8.55."""
    return price_label(Decimal(fen) / 100)


def test_page_is_marked_test_mode_and_shows_lines_and_total_in_yuan(client, browser):
    session = client.v1.checkout.sessions.create(params=payment_params())
    page = browser.get(session.url)
    assert page.status_code == 200
    assert "TEST MODE 测试模式 — 本地Stripe模拟器，不会扣款" in page.text
    assert 'lang="zh-CN"' in page.text
    for text in ("奥克斯家用大吸尘器", "24骨全自动雨伞", yuan(VACUUM_FEN), yuan(UMBRELLA_FEN), yuan(VACUUM_FEN * 2 + UMBRELLA_FEN * 3)):
        assert text in page.text
    assert yuan(VACUUM_FEN * 2 + UMBRELLA_FEN * 3) == "¥163.65"
    assert yuan(VACUUM_FEN) == "¥69" and ">¥69.00<" not in page.text and ">¥138.00<" not in page.text  # whole yuan: no .00


def test_page_escapes_what_the_curator_wrote(client, browser):
    params = payment_params()
    params["line_items"][1]["price_data"]["product_data"]["name"] = '<script>alert("x")</script>伞'
    session = client.v1.checkout.sessions.create(params=params)
    page = browser.get(session.url).text
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


def test_page_offers_only_the_sessions_payment_methods(client, browser):
    session = client.v1.checkout.sessions.create(params=payment_params(payment_method_types=["alipay"], payment_method_options={}))
    page = browser.get(session.url).text
    assert "支付宝 Alipay" in page
    assert 'value="wechat_pay"' not in page and 'value="card"' not in page
    refused = pay(browser, session, "card")
    assert refused.status_code == 400
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_card_payment_completes_redirects_and_sends_a_verified_webhook(client, browser, hook):
    session = client.v1.checkout.sessions.create(params=payment_params())
    response = pay(browser, session, "card")
    assert response.status_code == 303
    assert response.headers["Location"] == f"http://shop.test/thanks?session_id={session.id}"
    paid = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
    assert (paid.status, paid.payment_status) == ("complete", "paid")
    assert paid.payment_intent.status == "succeeded"
    assert paid.payment_intent.amount == session.amount_total
    assert paid.customer_details.email == "buyer@example.cn"
    events = hook.wait_for("checkout.session.completed")
    completed = [e for e in events if e.type == "checkout.session.completed"]
    assert len(completed) == 1
    assert completed[0].data.object.id == session.id
    assert completed[0].data.object.payment_status == "paid"
    assert completed[0].data.object.metadata.order_id == "42"
    assert completed[0].livemode is False and completed[0].id.startswith("evt_")
    assert "line_items" not in completed[0].data.object  # as at Stripe: fetch them with the API


def test_page_after_payment_says_paid(client, browser):
    session = client.v1.checkout.sessions.create(params=payment_params())
    pay(browser, session, "card")
    assert "已支付" in browser.get(session.url).text


@pytest.mark.parametrize("card, code", [("4000 0000 0000 0002", "拒绝"), ("4000000000009995", "余额不足")])
def test_declined_test_cards_leave_the_session_open(client, browser, hook, card, code):
    session = client.v1.checkout.sessions.create(params=payment_params())
    response = pay(browser, session, "card", card_number=card)
    assert response.status_code == 402
    assert code in response.text
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    time.sleep(0.2)
    assert "checkout.session.completed" not in hook.types()


@pytest.mark.parametrize("method", ["alipay", "wechat_pay"])
def test_delayed_methods_complete_unpaid_then_succeed(client, browser, hook, method):
    session = client.v1.checkout.sessions.create(params=payment_params())
    assert pay(browser, session, method).status_code == 303
    events = hook.wait_for("checkout.session.completed", "checkout.session.async_payment_succeeded")
    sessions = [e for e in events if e.type.startswith("checkout.session.")]
    assert [(e.type, e.data.object.payment_status) for e in sessions] == [
        ("checkout.session.completed", "unpaid"),
        ("checkout.session.async_payment_succeeded", "paid"),
    ]
    settled = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
    assert settled.payment_status == "paid"
    assert settled.payment_intent.payment_method_types == [method]


def test_a_delayed_payment_can_fail(client, browser, hook):
    session = client.v1.checkout.sessions.create(params=payment_params())
    pay(browser, session, "wechat_pay", fail="1")
    hook.wait_for("checkout.session.async_payment_failed")
    assert "checkout.session.async_payment_succeeded" not in hook.types()
    failed = client.v1.checkout.sessions.retrieve(session.id)
    assert (failed.status, failed.payment_status) == ("complete", "unpaid")


def test_cancel_returns_to_cancel_url_and_keeps_the_session_open(client, browser):
    session = client.v1.checkout.sessions.create(params=payment_params())
    response = browser.post(f"{session.url}/cancel", allow_redirects=False)
    assert (response.status_code, response.headers["Location"]) == (303, "http://shop.test/cart")
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_a_session_cannot_be_paid_twice(client, browser, hook):
    session = client.v1.checkout.sessions.create(params=payment_params())
    assert pay(browser, session).status_code == 303
    assert pay(browser, session).status_code == 409
    hook.wait_for("checkout.session.completed")
    time.sleep(0.2)
    assert hook.types().count("checkout.session.completed") == 1


def test_a_session_past_expires_at_shows_expired_and_sends_one_event(client, browser, hook, standin):
    session = client.v1.checkout.sessions.create(params=payment_params(expires_at=int(time.time()) + 1800))
    requests.post(f"{standin}/_standin/clock", data={"advance": 1801}).raise_for_status()
    page = browser.get(session.url)
    assert "已过期" in page.text
    assert pay(browser, session).status_code == 409
    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"
    hook.wait_for("checkout.session.expired")
    requests.post(f"{standin}/_standin/sweep").raise_for_status()
    time.sleep(0.2)
    assert hook.types().count("checkout.session.expired") == 1


def test_the_sweeper_expires_sessions_nobody_looks_at(client, hook, standin):
    session = client.v1.checkout.sessions.create(params=payment_params(expires_at=int(time.time()) + 1800))
    requests.post(f"{standin}/_standin/clock", data={"advance": 3600}).raise_for_status()
    events = hook.wait_for("checkout.session.expired")
    assert [e.data.object.id for e in events if e.type == "checkout.session.expired"] == [session.id]


def test_unknown_session_page_is_404(standin, browser):
    assert browser.get(f"{standin}/pay/cs_test_nope").status_code == 404


def test_an_empty_total_needs_no_payment(client, browser):
    params = payment_params(
        line_items=[{"price_data": {"currency": "cny", "unit_amount": 0, "product_data": {"name": "赠品"}}, "quantity": 1}]
    )
    session = client.v1.checkout.sessions.create(params=params)
    pay(browser, session)
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert (done.status, done.payment_status, done.payment_intent) == ("complete", "no_payment_required", None)


def test_the_real_library_refuses_a_tampered_delivery(client, browser, hook):
    session = client.v1.checkout.sessions.create(params=payment_params())
    pay(browser, session)
    hook.wait_for("checkout.session.completed")
    body, headers = hook.deliveries[-1]
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(
            body.replace(session.id, "cs_test_forged"), headers["Stripe-Signature"], "whsec_test_standin_fixture"
        )
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, headers["Stripe-Signature"], "whsec_other_secret")
