"""Helpers the checkout tests share: fixture content, browser-like form posts, signed events."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import re
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from checkout.config import is_production
from checkout.db import get_database, normalise_url
from checkout.models import MembershipPeriod, User
from checkout.stripe_api import event_payload, sign_payload

PG_URL = os.environ.get("PLUS_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
WEBHOOK_SECRET = "whsec_test_" + "c" * 32
ADMIN_TOKEN = "admin-token-" + "d" * 24
PASSWORD = "correct horse battery"
QUICK_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
"""Argon2id at its smallest cost, for test passwords (PLUS_PASSWORD_HASHER): OWASP's cost took seconds of each test run.
test_auth.py checks an app made without it hashes at OWASP's parameters."""

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
unit: {quantity: 1, measure: piece}
compare:
  - retailer: sams
    name: 全自动雨伞
    price: 42.75
    unit: {quantity: 1, measure: piece}
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
        "PLUS_CHECKOUT_WAIT": 30,  # answer with the Stripe session (201) unless a test looks at the queue
    }
    config.update(extra)
    if "PLUS_PASSWORD_HASHER" not in config and not is_production(config):  # a production app refuses it
        config["PLUS_PASSWORD_HASHER"] = QUICK_HASHER
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


class MailCatcher:
    """The mails a block wrote to the outbox, one text each ("to ADDRESS: subject" and the body)."""

    def __init__(self):
        self.texts: list[str] = []


@contextlib.contextmanager
def caught_mail(app) -> Iterator[MailCatcher]:
    """The mails written to the outbox inside the block, as "to ADDRESS: subject" and body texts."""
    from sqlalchemy import func, select

    from checkout.db import get_database
    from checkout.models import OutboxMail

    with get_database(app).sessions() as db:
        before = db.scalar(select(func.max(OutboxMail.id))) or 0
    catcher = MailCatcher()
    yield catcher
    with get_database(app).sessions() as db:
        rows = db.scalars(select(OutboxMail).where(OutboxMail.id > before).order_by(OutboxMail.id)).all()
        catcher.texts.extend(f"to {row.recipient}: {row.subject}\n{row.body}" for row in rows)


def mailed_link(text: str, path: str) -> str:
    """The path of the first link to `path` (e.g. /auth/confirm/) in a mail."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"\S+)", text)
    assert match, f"no {path} link in: {text}"
    return match.group(1)


def _newest_link(messages, email: str, path: str) -> str | None:
    """The last `path` link in the mails of `messages` addressed to `email`."""
    links = []
    for message in messages:
        if message["To"] == email:
            links += re.findall(r"https?://[^/\s]+(" + re.escape(path) + r"\S+)", message.get_content())
    return links[-1] if links else None


def link_from_mail_folder(folder: Path, email: str, path: str = "/auth/confirm/", timeout: float = 20.0) -> str:
    """The newest `path` link mailed to `email` by `plus serve` processes with no MAIL_SERVER (their
    instance folders' mail/*.eml below `folder`: on a shared database any instance may send a mail)."""
    import email as email_lib
    from email import policy

    def messages():
        for file in sorted(folder.glob("**/mail/*.eml"), key=lambda f: f.stat().st_mtime):
            yield email_lib.message_from_bytes(file.read_bytes(), policy=policy.default)

    return wait_for(lambda: _newest_link(messages(), email, path), timeout=timeout)


def link_from_mailbox(mailbox, email: str, path: str = "/auth/confirm/", timeout: float = 20.0) -> str:
    """The newest `path` link a store sent to `email` through the test SMTP server."""
    return wait_for(lambda: _newest_link(list(mailbox.messages), email, path), timeout=timeout)


def make_account(app, email: str, password: str = PASSWORD) -> None:
    """A confirmed account made directly in the database (for tests whose mail goes nowhere readable)."""
    from checkout import accounts
    from checkout.db import get_database

    with app.app_context(), get_database(app).transaction() as db:  # hashed with the app's hasher
        started = accounts.sign_up(db, email, password)
        accounts.confirm(db, started.token)


def sign_up(client, email: str, password: str = PASSWORD):
    """Create an account through the sign-up form, confirm it with the mailed link (and stay logged in)."""
    with caught_mail(client.application) as mail:
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


ADDRESS = {
    "name": "张三",
    "mobile": "+86 138-0013-8000",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "address": "文三路 100 号 2 幢 301 室",
}


def buy(client, items: list[dict], *, address: dict | None = ADDRESS, **extra):
    """POST /api/checkout with a delivery address, straight to the pay page (address=None: the address step first)."""
    body = {"items": items, **extra}
    if address is not None:
        body["address"] = address
    return client.post("/api/checkout", data=json.dumps(body), content_type="application/json")


def outbox(app, kind: str | None = None) -> list:
    """The mails written to the outbox (oldest first), optionally of one kind."""
    from sqlalchemy import select

    from checkout.db import get_database
    from checkout.models import OutboxMail

    with get_database(app).sessions() as db:
        query = select(OutboxMail).order_by(OutboxMail.id)
        if kind:
            query = query.where(OutboxMail.kind == kind)
        return list(db.scalars(query).all())


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


class MailServer:
    """A real SMTP server (aiosmtpd) on loopback that keeps every message it accepts."""

    def __init__(self, port: int | None = None, *, refuse: str | None = None):
        from bench.serving import free_port

        self.port = port or free_port()
        self.refuse = refuse  # a recipient answered 550, as a server does for an unknown mailbox
        self.messages: list = []
        self._controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook name
        """Accept every recipient but the refused one."""
        if address == self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        """Keep the message, parsed."""
        import email
        from email import policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def start(self) -> MailServer:
        """Listen (again) on the same port."""
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening (connections are then refused: the server is down)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def config(self) -> dict:
        """The app settings that send through this server."""
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_STARTTLS": False, "MAIL_FROM": "PLUS会员店 <shop@plus.test>"}

    def body(self, index: int = -1) -> str:
        """The plain-text body of a received message."""
        return self.messages[index].get_content()


def other_shopper(app, number: int = 1):
    """A test client of another shopper: its own cookies and address (a shopper's retry replaces their own holds)."""
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = f"10.9.0.{number}"
    return other


def paid_member(app, email: str, days_ago: int) -> None:
    """A member who paid a year of PLUS once, `days_ago` days ago (lapsed after 365)."""
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    with get_database(app).transaction() as db:
        user = User(email=email, password_hash="x", member_until=start + dt.timedelta(days=365))
        db.add(user)
        db.flush()
        db.add(
            MembershipPeriod(
                user_id=user.id,
                kind="one_time",
                stripe_ref=f"cs_{days_ago}",
                status="paid",
                starts_at=start,
                ends_at=user.member_until,
                synced_at=0,
            )
        )


def spreadsheet(exported: str) -> list[dict[str, str]]:
    """A CSV export's rows as a spreadsheet reads them (by header), checked to start with the mark Excel needs."""
    assert exported.startswith("\ufeff"), exported[:40]  # without it, Excel on Chinese Windows reads UTF-8 as GBK
    return list(csv.DictReader(io.StringIO(exported.removeprefix("\ufeff"))))
