"""`python -m stripe_standin` as a newcomer runs it: a real process, a real port, SIGTERM to stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
import stripe

from bench.serving import free_port

from .conftest import SECRET, pay, payment_params

REPO = Path(__file__).resolve().parents[2]


def start(*args: str) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if key != "STRIPE_WEBHOOK_SECRET"}
    return subprocess.Popen(
        [sys.executable, "-m", "stripe_standin", *args], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def test_the_module_serves_pays_and_signs_then_stops_on_sigterm(hook, browser, tmp_path):
    port = free_port()
    process = start(
        "--port",
        str(port),
        "--database",
        str(tmp_path / "s.sqlite3"),
        "--webhook-url",
        hook.url,
        "--webhook-secret",
        SECRET,
        "--async-delay",
        "0",
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                requests.get(f"{base}/_standin/", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        client = stripe.StripeClient("sk_test_cli", base_addresses={"api": base}, max_network_retries=0)
        session = client.v1.checkout.sessions.create(params=payment_params())
        assert pay(browser, session).status_code == 303
        hook.wait_for("checkout.session.completed")
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    assert process.returncode == 0, output
    assert "TEST MODE" in output
    assert (tmp_path / "s.sqlite3").exists()


def test_a_webhook_url_without_a_secret_is_a_usage_error():
    process = start("--webhook-url", "http://127.0.0.1:9/hook")
    output, _ = process.communicate(timeout=15)
    assert process.returncode == 2
    assert "--webhook-secret" in output
