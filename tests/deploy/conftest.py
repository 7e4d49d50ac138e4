"""Deploy fixtures: the seed site built (and precompressed) once, the Stripe stand-in, PostgreSQL, redis."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from admin.build import build_site
from admin.deploy.compress import precompress
from stripe_standin import serve_in_thread
from tests.checkout.helpers import WEBHOOK_SECRET, private_pg_schema
from tests.conftest import SEED, TODAY

from .procs import Process, Redis, have

PG_URL = os.environ.get("PLUS_TEST_POSTGRES_URL")
STRIPE_KEY = "sk_test_" + "e" * 24


@pytest.fixture(scope="session")
def seed_site(tmp_path_factory) -> tuple[Path, Path]:
    """The seed content (a private copy) and its site, built and precompressed: (content, site)."""
    root = tmp_path_factory.mktemp("seed-site")
    content = root / "content"
    shutil.copytree(SEED, content)
    build_site(content, root / "site", today=TODAY)
    precompress(root / "site")
    return content, root / "site"


@pytest.fixture
def standin() -> Iterator[str]:
    """The local Stripe on a free port; instances share it like they share Stripe."""
    running = serve_in_thread({"ASYNC_PAYMENT_DELAY": 0.2, "WEBHOOK_RETRY_DELAYS": [0.2, 0.5, 1, 2], "WEBHOOK_TIMEOUT": 5})
    yield running.url
    running.stop()


def add_webhook_endpoint(standin_url: str, url: str) -> None:
    """Have the stand-in deliver its events to `url` (as a Stripe webhook endpoint would)."""
    requests.post(
        f"{standin_url}/_standin/webhook_endpoints", data={"url": f"{url}/api/stripe/webhook", "secret": WEBHOOK_SECRET}, timeout=5
    ).raise_for_status()


def app_env(tmp_path: Path, content: Path, standin_url: str, database_url: str, **extra: str) -> dict:
    """The environment of one app instance; instances given the same one share everything but the port."""
    env = {
        "PLUS_INSTANCE": str(tmp_path / f"instance-{uuid.uuid4().hex[:6]}"),
        "DATABASE_URL": database_url,
        "PLUS_CONTENT": str(content),
        "PLUS_TODAY": TODAY.isoformat(),
        "SECRET_KEY": "deploy-test-shared-secret",
        "STRIPE_SECRET_KEY": STRIPE_KEY,
        "STRIPE_API_BASE": standin_url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PLUS_TRUSTED_PROXIES": "0",
    }
    env.update(extra)
    return env


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    """Processes a test starts; all stopped at its end, last started first."""
    started: list[Process] = []
    yield started
    for process in reversed(started):
        process.stop()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema in the test PostgreSQL (PLUS_TEST_POSTGRES_URL), dropped afterwards."""
    if not PG_URL:
        pytest.skip("PLUS_TEST_POSTGRES_URL is not set (./dev test starts a PostgreSQL when Debian's postgresql is installed)")
    with private_pg_schema("d_") as url:
        yield url


@pytest.fixture
def redis(tmp_path, processes) -> Redis:
    """A private redis-server on loopback."""
    if not have("redis-server"):
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    server = Redis(tmp_path / "redis").start()
    processes.append(server)
    return server
