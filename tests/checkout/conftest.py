"""Checkout fixtures: an app on SQLite (and PostgreSQL when PLUS_TEST_POSTGRES_URL is set), the
local Stripe stand-in driven through the real `stripe` library, and a live server it can send webhooks to."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
from werkzeug.serving import make_server

from checkout import create_app
from checkout.db import get_database, upgrade
from stripe_standin import serve_in_thread

from .helpers import (
    BACKENDS,
    WEBHOOK_SECRET,
    Live,
    add_shop_products,
    app_config,
    private_pg_schema,
)


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a private schema in the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'plus.db'}"
        return
    with private_pg_schema("t_") as url:
        yield url


@pytest.fixture
def shop_content(content):
    """The conftest content tree plus the shop's fixture products."""
    add_shop_products(content)
    return content


@pytest.fixture
def standin() -> Iterator[str]:
    """The local Stripe on a free port (webhook endpoints are added by the tests that need them)."""
    running = serve_in_thread(
        {"ASYNC_PAYMENT_DELAY": 0.2, "WEBHOOK_RETRY_DELAYS": [0.2, 0.5, 1, 2], "SWEEP_INTERVAL": 0.1, "WEBHOOK_TIMEOUT": 5}
    )
    yield running.url
    running.stop()


@pytest.fixture
def make_app(db_url, shop_content, standin, today):
    """A factory of apps on the test database (migrated), with settings changed by keyword."""
    made = []

    def make(**extra):
        application = create_app(app_config(db_url, shop_content.root, standin, today, **extra))
        upgrade(get_database(application).engine)
        made.append(application)
        return application

    yield make
    for application in made:
        get_database(application).engine.dispose()


@pytest.fixture
def app(make_app):
    """An app on a migrated database, pricing from the fixture content, paying at the stand-in."""
    return make_app()


@pytest.fixture
def client(app):
    """A browser-like test client (cookies kept)."""
    return app.test_client()


@pytest.fixture
def live(app, standin) -> Iterator[Live]:
    """The app on a real port, registered as the stand-in's webhook endpoint."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.port}"
    requests.post(
        f"{standin}/_standin/webhook_endpoints", data={"url": f"{url}/api/stripe/webhook", "secret": WEBHOOK_SECRET}, timeout=5
    ).raise_for_status()
    yield Live(app, url, standin)
    server.shutdown()
    server.server_close()
