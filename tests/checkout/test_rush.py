"""A rush: Stripe sessions open off the request threads, at a pace, with Stripe's 429s retried; a full queue refuses at once."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
import stripe
from sqlalchemy import select

from checkout.db import get_database
from checkout.models import CheckoutSession
from checkout.stock import committed
from checkout.stripe_pace import Pace, paced
from stripe_standin import create_app as create_standin
from stripe_standin import serve_in_thread

from .helpers import buy, wait_for

UMBRELLA = [{"product": "umbrella", "quantity": 1}]


@pytest.fixture
def limited_standin():
    """A stand-in that answers 429 past 3 session creations a second, as Stripe does past 25."""
    standin = create_standin({"RATE_LIMIT": 3, "SWEEP_INTERVAL": 0})
    running = serve_in_thread(standin)
    yield SimpleNamespace(url=running.url, limiter=standin.extensions["stripe_standin_rate"])
    running.stop()


def held(app) -> int:
    with get_database(app).sessions() as db:
        return committed(db, "umbrella")


def test_the_pace_spaces_callers_evenly_across_threads():
    now = [100.0]
    slept: list[float] = []
    pace = Pace(10, clock=lambda: now[0], sleep=slept.append)
    for _ in range(3):
        pace.wait()
    assert slept == pytest.approx([0.1, 0.2])


def test_stripe_429s_are_retried_with_the_same_key_until_the_session_opens(limited_standin):
    client = stripe.StripeClient("sk_test_rush", base_addresses={"api": limited_standin.url}, max_network_retries=0)
    params = {
        "mode": "payment",
        "line_items": [{"price_data": {"currency": "cny", "unit_amount": 855, "product_data": {"name": "伞"}}, "quantity": 1}],
        "success_url": "http://shop.test/ok",
    }
    fast = Pace(1000)  # faster than the stand-in allows: only the retries can get every session through
    sessions = [paced(fast, lambda n=n: client.v1.checkout.sessions.create(params, {"idempotency_key": f"rush-{n}"})) for n in range(8)]
    assert len({session.id for session in sessions}) == 8
    assert limited_standin.limiter.refused > 0
    again = paced(fast, lambda: client.v1.checkout.sessions.create(params, {"idempotency_key": "rush-3"}))
    assert again.id == sessions[3].id  # a retry with the key never opens a second session


@pytest.mark.slow  # 429s retried with backoff until eight sessions are open
def test_a_burst_past_stripes_rate_limit_is_served_without_an_error(make_app, limited_standin):
    app = make_app(STRIPE_API_BASE=limited_standin.url, PLUS_STRIPE_RATE=100, PLUS_RATE_CHECKOUT="1000 per minute")
    statuses: list[int] = []

    def shopper():
        statuses.append(buy(app.test_client(), UMBRELLA).status_code)

    threads = [threading.Thread(target=shopper) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == 8 and set(statuses) <= {201, 202}  # 202: queued behind the others, held all the same
    assert limited_standin.limiter.refused > 0

    def all_open():
        with get_database(app).sessions() as db:
            return [r.status for r in db.scalars(select(CheckoutSession))] == ["open"] * 8

    wait_for(all_open, timeout=30)


def test_a_checkout_not_opened_at_once_answers_202_and_the_waiting_page_leads_to_stripe(make_app, standin):
    app = make_app(PLUS_CHECKOUT_WAIT=0)
    client = app.test_client()
    response = buy(client, UMBRELLA)
    assert response.status_code == 202, response.get_json()
    answer = response.get_json()
    assert answer["next"] == "wait" and answer["url"] == f"http://shop.test/checkout/{answer['id']}/pay"
    assert held(app) == 1  # the stock is held while the session is opened
    status = wait_for(lambda: (s := client.get(answer["status_url"]).get_json())["status"] == "open" and s)
    assert status["url"].startswith(standin)
    page = client.get(f"/checkout/{answer['id']}/pay")
    assert page.status_code == 303 and page.headers["Location"] == status["url"]


def test_the_waiting_page_reloads_itself_while_queued_and_is_closed_after_a_failure(make_app):
    app = make_app(PLUS_CHECKOUT_WAIT=0, STRIPE_API_BASE="http://127.0.0.1:9")  # nothing listens: Stripe cannot be reached
    client = app.test_client()
    answer = buy(client, UMBRELLA).get_json()
    closed = wait_for(lambda: (page := client.get(f"/checkout/{answer['id']}/pay")).status_code == 410 and page)
    assert "回购物车" in closed.get_data(as_text=True)
    assert held(app) == 0  # the failed checkout gave its stock back
    assert client.get(answer["status_url"]).get_json()["status"] == "closed"


@pytest.mark.slow  # waits for the paced worker (a session every 5 s) to open what it accepted
def test_a_full_queue_answers_503_with_retry_after_at_once_and_holds_nothing(make_app):
    # one worker, one place in the queue and a session every 5 s: the third shopper finds it full
    app = make_app(PLUS_CHECKOUT_WAIT=0, PLUS_STRIPE_WORKERS=1, PLUS_CHECKOUT_QUEUE=1, PLUS_STRIPE_RATE=0.2)
    # four shoppers (one shopper's new checkout would replace their own earlier hold)
    statuses = [buy(app.test_client(), UMBRELLA) for _ in range(4)]
    refused = [r for r in statuses if r.status_code == 503]
    assert refused and all(r.get_json()["error"]["code"] == "queue_full" and int(r.headers["Retry-After"]) >= 1 for r in refused)
    accepted = sum(r.status_code == 202 for r in statuses)
    assert held(app) == accepted  # a refused shopper holds nothing

    def all_opened():  # let the worker finish before the database goes away
        with get_database(app).sessions() as db:
            return [r.status for r in db.scalars(select(CheckoutSession))].count("open") == accepted

    wait_for(all_opened, timeout=60)


def test_in_a_rush_the_request_does_not_wait_for_a_session_queued_behind_others():
    from checkout.payments import Started
    from checkout.session_queue import SessionQueue

    jobs, release = SessionQueue(workers=1, size=10, rate=1000), threading.Event()
    jobs.submit("first", lambda: release.wait(10) and Started("cs_1", "u1"))  # the only worker is busy
    jobs.submit("second", lambda: Started("cs_2", "u2"))  # waits in the queue
    began = time.monotonic()
    assert jobs.run("third", lambda: Started("cs_3", "u3"), wait=5) is None  # answered at once: 202
    assert time.monotonic() - began < 1
    release.set()
    assert wait_for(lambda: jobs.result("third")).id == "cs_3"
