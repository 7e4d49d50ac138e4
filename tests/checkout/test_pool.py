"""More logged-in checkouts at once than the pool has connections: none waits for a connection.

A request used to keep the connection that loaded its user (a transaction left open) while it
waited on Stripe and while its checkout took a second connection: with as many such requests as
connections, each held one and waited for another until the pool timed out.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from .helpers import PASSWORD, caught_mail, csrf_token, mailed_link

POOL = 2  # and as many again may overflow: 4 connections for 12 requests at once
BUYERS = 12


@pytest.fixture
def app(make_app):
    return make_app(
        PLUS_DB_POOL_SIZE=POOL,
        PLUS_DB_WRITE_TIMEOUT=10,
        PLUS_RATE_SIGNUP="100 per minute",
        PLUS_RATE_RESET="100 per minute",
        PLUS_RATE_CHECKOUT="100 per minute",
    )


def logged_in(live, index: int) -> requests.Session:
    url = live.url
    browser = requests.Session()
    page = browser.get(f"{url}/auth/signup", timeout=10).text
    form = {"email": f"buyer{index}@example.com", "password": PASSWORD, "password2": PASSWORD, "csrf_token": csrf_token(page)}
    with caught_mail(live.app) as mail:
        browser.post(f"{url}/auth/signup", data=form, allow_redirects=False, timeout=10)
    link = mailed_link("\n".join(mail.texts), "/auth/confirm/")
    confirm = browser.get(url + link, timeout=10).text
    browser.post(url + link, data={"csrf_token": csrf_token(confirm)}, allow_redirects=False, timeout=10)
    return browser


@pytest.mark.slow  # many live checkouts
def test_more_logged_in_checkouts_than_pooled_connections_all_succeed_in_time(live):
    browsers = [logged_in(live, i) for i in range(BUYERS)]
    assert [b.get(f"{live.url}/api/me", timeout=10).json()["authenticated"] for b in browsers] == [True] * BUYERS

    def checkout(browser: requests.Session) -> tuple[int, float]:
        started = time.monotonic()
        response = browser.post(f"{live.url}/api/checkout", json={"items": [{"product": "kids-tee", "quantity": 5}]}, timeout=30)
        return response.status_code, time.monotonic() - started

    with ThreadPoolExecutor(BUYERS) as pool:
        results = list(pool.map(checkout, browsers))
    assert [code for code, _ in results] == [201] * BUYERS, results
    assert max(seconds for _, seconds in results) < 10, results
