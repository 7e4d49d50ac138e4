"""Webhook delivery: Stripe's signature, retries with backoff, never blocking the pay page, replay, the log."""

from __future__ import annotations

import socket
import time

import requests
import stripe

from stripe_standin import serve_in_thread

from .conftest import SECRET, WebhookReceiver, pay, payment_params


def test_events_are_shaped_like_stripes(client, browser, hook):
    session = client.v1.checkout.sessions.create(params=payment_params())
    pay(browser, session)
    event = next(e for e in hook.wait_for("checkout.session.completed") if e.type == "checkout.session.completed")
    assert event.object == "event"
    assert event.api_version == stripe.api_version
    assert abs(event.created - time.time()) < 60
    assert event.data.object.object == "checkout.session"
    fetched = client.v1.events.retrieve(event.id)
    assert fetched.type == event.type and fetched.data.object.id == session.id


def test_the_signature_header_is_t_and_v1(client, browser, hook):
    session = client.v1.checkout.sessions.create(params=payment_params())
    pay(browser, session)
    hook.wait_for("checkout.session.completed")
    _, headers = hook.deliveries[0]
    parts = dict(part.split("=", 1) for part in headers["Stripe-Signature"].split(","))
    assert set(parts) == {"t", "v1"}
    assert abs(int(parts["t"]) - time.time()) < 60
    assert headers["Content-Type"].startswith("application/json")


def test_failed_deliveries_are_retried_with_backoff_until_they_succeed(client, hook, standin):
    hook.fail_next = 2
    session = client.v1.checkout.sessions.create(params=payment_params())
    client.v1.checkout.sessions.expire(session.id)
    event = hook.wait_for("checkout.session.expired")[0]
    # The receiver has the event before its 200 reaches the stand-in, which logs the attempt after: wait for it.
    deadline = time.monotonic() + 5
    while True:
        log = requests.get(f"{standin}/_standin/events", params={"event": event.id}).json()["data"]
        if any(row["status"] == 200 and row["job_state"] == "succeeded" for row in log) or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    attempts = sorted(log, key=lambda row: row["attempt"])
    assert [(row["attempt"], row["status"]) for row in attempts] == [(1, 500), (2, 500), (3, 200)]
    gaps = [later["at"] - earlier["at"] for earlier, later in zip(attempts, attempts[1:], strict=False)]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1  # WEBHOOK_RETRY_DELAYS of the fixture
    assert attempts[-1]["job_state"] == "succeeded"
    assert attempts[-1]["type"] == "checkout.session.expired"


def test_an_endpoint_that_stays_down_gets_a_bounded_number_of_attempts(hook, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    running = serve_in_thread(
        {
            "WEBHOOK_URL": f"http://127.0.0.1:{dead_port}/hook",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_RETRY_DELAYS": [0.01, 0.02],
            "SWEEP_INTERVAL": 0,
        }
    )
    try:
        client = stripe.StripeClient("sk_test_x", base_addresses={"api": running.url}, max_network_retries=0)
        session = client.v1.checkout.sessions.create(params=payment_params())
        client.v1.checkout.sessions.expire(session.id)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            log = requests.get(f"{running.url}/_standin/events").json()["data"]
            if log and log[0]["job_state"] == "failed":
                break
            time.sleep(0.02)
        assert [row["attempt"] for row in log] == [3, 2, 1]
        assert all(row["status"] is None and row["error"] for row in log)
        assert log[0]["job_state"] == "failed"
    finally:
        running.stop()


def test_a_slow_endpoint_never_holds_up_the_pay_page(client, browser, hook):
    hook.delay = 0.6
    session = client.v1.checkout.sessions.create(params=payment_params())
    started = time.monotonic()
    assert pay(browser, session).status_code == 303
    assert time.monotonic() - started < 0.5
    hook.wait_for("payment_intent.created")


def test_resend_delivers_the_same_event_again(client, browser, hook, standin):
    session = client.v1.checkout.sessions.create(params=payment_params())
    pay(browser, session)
    event = next(e for e in hook.wait_for("checkout.session.completed") if e.type == "checkout.session.completed")
    count = len(hook.deliveries)
    response = requests.post(f"{standin}/_standin/events/{event.id}/resend")
    assert response.json()["queued"] == 1
    deadline = time.monotonic() + 5
    while len(hook.deliveries) == count and time.monotonic() < deadline:
        time.sleep(0.02)
    replayed = hook.events()[-1]
    assert replayed.id == event.id and replayed.type == "checkout.session.completed"


def test_events_list_filters_by_type(client, browser, hook):
    for _ in range(2):
        pay(browser, client.v1.checkout.sessions.create(params=payment_params()))
    completed = client.v1.events.list(params={"type": "checkout.session.completed"})
    assert [e.type for e in completed.data] == ["checkout.session.completed"] * 2
    wildcard = client.v1.events.list(params={"type": "checkout.session.*", "limit": 1})
    assert wildcard.has_more is True and len(wildcard.data) == 1


def test_endpoints_can_be_added_at_run_time(client, browser, standin, hook):
    second = WebhookReceiver()
    try:
        requests.post(f"{standin}/_standin/webhook_endpoints", data={"url": second.url, "secret": "whsec_second"}).raise_for_status()
        pay(browser, client.v1.checkout.sessions.create(params=payment_params()))
        events = second.wait_for("checkout.session.completed", secret="whsec_second")
        assert "checkout.session.completed" in [event.type for event in events]
    finally:
        second.close()
