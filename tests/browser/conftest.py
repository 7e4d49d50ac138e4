"""A real store (`plus serve`, local Stripe stand-in, SQLite) for the browser tests (`browser` is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.serving import plus_serve
from tests.checkout.helpers import MailServer
from tests.conftest import REPO, TODAY

ARTIFACTS = REPO / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = pytest.mark.browser
MAILBOXES: dict[str, MailServer] = {}
"""The SMTP server each running store (by its URL) sends its mails to."""


@pytest.fixture(scope="session")
def mailbox() -> Iterator[MailServer]:
    """A real SMTP server (aiosmtpd) the store sends its mails to; the tests read them there."""
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def store(tmp_path_factory, mailbox) -> Iterator[str]:
    """`plus serve` on a free port with its own instance folder and site output; yields its URL."""
    root = tmp_path_factory.mktemp("store")
    env = {"PLUS_SITE_DIR": str(root / "output"), "PLUS_TODAY": TODAY.isoformat(), "PLUS_ADMIN_TOKEN": "browser-test-token"}
    env.update({key: str(value) for key, value in mailbox.config().items()})
    with plus_serve(root / "instance", env=env, log=root / "serve.log") as base:
        MAILBOXES[base] = mailbox
        yield base


@pytest.fixture
def phone(browser):
    """A fresh phone-sized browser context (its own cookies and localStorage)."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=1)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser):
    """A fresh desktop-sized browser context."""
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
