"""No Stripe call is made while this process holds the database's write lock (SQLite: the only one).

The real `stripe` library gets an HTTP client that, before each request, tries to take the write
lock from another connection. A lock taken by someone else is released within milliseconds; a
lock held by the very thread now waiting on Stripe never is: then the request is recorded as made
inside a write transaction.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading

import pytest
import requests
import stripe

from checkout.db import get_database
from checkout.operations import reconcile, sweep_reservations

from .helpers import buy, csrf_token, flush, other_shopper, pay, sign_up
from .test_membership import buy_membership, subscription_id

LOCK_WAIT = 2.0  # seconds: far above any honest transaction here, far below the test's patience


class LockCheckingClient(stripe.RequestsClient):
    """An HTTP client for the stripe library that notes every request made while the write lock is held."""

    def __init__(self, database: str, lock_wait: float = LOCK_WAIT):
        super().__init__()
        self.database = database
        self.lock_wait = lock_wait
        self.calls: list[str] = []
        self.under_lock: list[str] = []
        self._guard = threading.Lock()

    def request(self, method, url, headers, post_data=None):
        probe = sqlite3.connect(self.database, timeout=self.lock_wait, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            locked = False
        except sqlite3.OperationalError:
            locked = True
        finally:
            probe.close()
        with self._guard:
            self.calls.append(f"{method} {url}")
            if locked:
                self.under_lock.append(f"{method} {url}")
        return super().request(method, url, headers, post_data)


@pytest.fixture
def watched(app, db_url):
    """The app's Stripe client, replaced by one that checks the write lock on every request."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the whole-database write lock is SQLite's")
    checker = LockCheckingClient(get_database(app).engine.url.database)
    app.extensions["plus_stripe"] = stripe.StripeClient(
        app.config["STRIPE_SECRET_KEY"], base_addresses={"api": app.config["STRIPE_API_BASE"]}, http_client=checker
    )
    return checker


def test_the_checker_notices_a_stripe_call_inside_a_write_transaction(app, watched):
    watched.lock_wait = 0.1  # the lock is this test's own: it is never released while the checker waits
    with get_database(app).transaction():
        app.extensions["plus_stripe"].v1.checkout.sessions.list({"limit": 1})
    assert watched.under_lock == ["get " + app.config["STRIPE_API_BASE"] + "/v1/checkout/sessions?limit=1"]


@pytest.mark.slow  # a long membership scenario; test_cancel_asks_stripe_with_no_write_lock_held stays quick
def test_membership_renewal_cancel_sweep_and_reconcile_call_stripe_with_no_write_lock(live, client, watched):
    app = live.app
    sign_up(client, "member@example.com")
    buy_membership(live, client, "card")  # webhooks read the subscription from Stripe
    flush(live.standin)
    sub = subscription_id(app)
    requests.post(f"{live.standin}/_standin/subscriptions/{sub}/renew", timeout=5).raise_for_status()
    flush(live.standin)  # invoice.paid reads the subscription again
    page = client.get("/account/").get_data(as_text=True)
    assert client.post("/account/membership/cancel", data={"csrf_token": csrf_token(page)}).status_code == 302
    flush(live.standin)

    started = buy(client, [{"product": "umbrella", "quantity": 1}]).get_json()["id"]
    unpaid = buy(other_shopper(app), [{"product": "umbrella", "quantity": 1}]).get_json()["id"]  # another shopper's
    assert pay(live.standin, started).status_code == 303
    flush(live.standin)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    with app.app_context():
        assert sweep_reservations(get_database(app), app.extensions["plus_stripe"], now=later) == 1  # expires `unpaid` at Stripe
        report = reconcile(get_database(app), app.extensions["plus_stripe"])
    assert report.recorded == [] and unpaid not in report.recorded
    assert len(watched.calls) >= 8, watched.calls
    assert watched.under_lock == []
