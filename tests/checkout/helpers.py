"""Helpers the checkout tests share: fixture content, browser-like form posts, signed events."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from checkout.db import normalise_url
from checkout.stripe_api import event_payload, sign_payload

PG_URL = os.environ.get("PLUS_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
WEBHOOK_SECRET = "whsec_test_" + "c" * 32
ADMIN_TOKEN = "admin-token-" + "d" * 24
PASSWORD = "correct horse battery"

UMBRELLA = """\
title: 24骨全自动雨伞
category: home
factory: aux
sourcing: same-source
price: 8.55
member_price: 7.99
tiers:
  - min_qty: 10
    price: 7.50
stock: 10
compare:
  - retailer: sams
    name: 全自动雨伞
    price: 42.75
    observed_on: 2026-11-01
    source: 山姆App 截图
images:
  - src: products/vacuum.png
    alt: 黑色雨伞
added_on: 2026-10-01
"""

MEMBERS_ONLY = UMBRELLA.replace("title: 24骨全自动雨伞", "title: 会员专享茶盘").replace("stock: 10\n", "members_only: true\n")
MOQ_TEE = UMBRELLA.replace("title: 24骨全自动雨伞", "title: 儿童T恤").replace("stock: 10\n", "moq: 5\n")


def add_shop_products(content) -> None:
    """The fixture products: a stocked umbrella with member and tier prices, a members-only tray, a tee with an MOQ."""
    content.product("umbrella", UMBRELLA)
    content.product("tea-tray", MEMBERS_ONLY)
    content.product("kids-tee", MOQ_TEE)


def app_config(db_url: str, content_root: Path, standin_url: str | None, today, **extra) -> dict:
    """The test configuration of an app."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-" + secrets.token_hex(8),
        "DATABASE_URL": db_url,
        "PLUS_CONTENT": str(content_root),
        "PLUS_TODAY": today.isoformat(),
        "PLUS_CATALOG_RELOAD_SECONDS": 0,
        "STRIPE_SECRET_KEY": "sk_test_" + "a" * 24 if standin_url else None,
        "STRIPE_API_BASE": standin_url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "PLUS_ADMIN_TOKEN": ADMIN_TOKEN,
        "PUBLIC_URL": "http://shop.test",
    }
    config.update(extra)
    return config


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def form_post(client, path: str, data: dict, *, follow: bool = False):
    """Load a form page, then submit it with its CSRF token, as a browser would."""
    page = client.get(path)
    return client.post(path, data={**data, "csrf_token": csrf_token(page.get_data(as_text=True))}, follow_redirects=follow)


class MailCatcher(logging.Handler):
    """The mails the app logs (no MAIL_SERVER in tests), as they are sent from the background."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(record.getMessage())


@contextlib.contextmanager
def caught_mail() -> Iterator[MailCatcher]:
    """Collect the mails sent inside the block (waiting for the background sender at the end)."""
    from checkout.auth import wait_for_mail

    catcher = MailCatcher()
    logger = logging.getLogger("plus.checkout.mail")
    level = logger.level
    logger.addHandler(catcher)
    logger.setLevel(logging.INFO)
    try:
        yield catcher
        wait_for_mail()
    finally:
        logger.removeHandler(catcher)
        logger.setLevel(level)


def mailed_link(text: str, path: str) -> str:
    """The path of the first link to `path` (e.g. /auth/confirm/) in a mail."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"\S+)", text)
    assert match, f"no {path} link in: {text}"
    return match.group(1)


def link_from_log(log: Path, email: str, path: str = "/auth/confirm/", timeout: float = 20.0) -> str:
    """The last `path` link mailed to `email` by a `plus serve` process that logs its mail (no MAIL_SERVER)."""

    def found() -> str | None:
        text = log.read_text(encoding="utf-8", errors="replace")
        links = re.findall(
            r"to " + re.escape(email) + r":[^\n]*\n(?:[^\n]*\n){0,3}?[^\n]*https?://[^/\s]+(" + re.escape(path) + r"\S+)", text
        )
        return links[-1] if links else None

    return wait_for(found, timeout=timeout)


def make_account(app, email: str, password: str = PASSWORD) -> None:
    """A confirmed account made directly in the database (for tests whose mail goes nowhere readable)."""
    from checkout import accounts
    from checkout.db import get_database

    with get_database(app).transaction() as db:
        started = accounts.sign_up(db, email, password)
        accounts.confirm(db, started.token)


def sign_up(client, email: str, password: str = PASSWORD):
    """Create an account through the sign-up form, confirm it with the mailed link (and stay logged in)."""
    with caught_mail() as mail:
        response = form_post(client, "/auth/signup", {"email": email, "password": password, "password2": password})
    assert response.status_code == 200 and "请查收邮件" in response.get_data(as_text=True), response.get_data(as_text=True)
    link = mailed_link("\n".join(mail.texts), "/auth/confirm/")
    confirmed = form_post(client, link, {})
    assert confirmed.status_code == 302, confirmed.get_data(as_text=True)
    return confirmed


def log_in(client, email: str, password: str = PASSWORD):
    """Log in through the login form."""
    return form_post(client, "/auth/login", {"email": email, "password": password})


def post_event(
    client,
    event_type: str,
    obj: dict,
    *,
    event_id: str | None = None,
    created: int | None = None,
    secret: str = WEBHOOK_SECRET,
    timestamp: int | None = None,
):
    """Deliver an event signed exactly as Stripe signs it."""
    payload = event_payload(event_id or "evt_" + uuid.uuid4().hex, event_type, obj, created=created)
    return client.post(
        "/api/stripe/webhook",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": sign_payload(payload, secret, timestamp)},
    )


def buy(client, items: list[dict], **extra):
    """POST /api/checkout as the storefront's cart does."""
    return client.post("/api/checkout", data=json.dumps({"items": items, **extra}), content_type="application/json")


def pay(
    standin_url: str, session_id: str, method: str = "card", *, email: str = "buyer@example.com", fail: bool = False
) -> requests.Response:
    """Submit the stand-in's hosted pay page, as a buyer would."""
    data = {"payment_method": method, "email": email, "card_number": "4242 4242 4242 4242"}
    if fail:
        data["fail"] = "1"
    return requests.post(f"{standin_url}/pay/{session_id}", data=data, allow_redirects=False, timeout=10)


@dataclass
class Live:
    """The app served over HTTP on loopback, so the stand-in can deliver webhooks to it."""

    app: object
    url: str
    standin: str


def flush(standin_url: str) -> None:
    """Wait until the stand-in has delivered every due webhook."""
    requests.post(f"{standin_url}/_standin/flush?timeout=20", timeout=30).raise_for_status()


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05):
    """Poll until `predicate()` is truthy (returns its value) or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


@contextlib.contextmanager
def private_pg_schema(prefix: str) -> Iterator[str]:
    """A fresh schema in the test PostgreSQL, as a URL whose search_path points at it; dropped afterwards."""
    schema = prefix + uuid.uuid4().hex[:12]
    admin = create_engine(normalise_url(PG_URL))
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
