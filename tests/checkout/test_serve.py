"""`plus serve` as a newcomer runs it (no keys), and a kill -9 during a stream of webhooks.

These start the real command in a subprocess (about 2 s each), because only a real process can be
killed in the middle of a request.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, func, select

from bench.serving import free_port
from checkout.db import normalise_url
from checkout.models import Order
from checkout.stripe_api import event_payload, sign_payload

from .helpers import ADDRESS, WEBHOOK_SECRET, csrf_token, wait_for

PLUS = str(Path(sys.executable).with_name("plus"))


class Server:
    """`plus serve` in a subprocess, its output in a log file."""

    def __init__(self, tmp_path: Path, env: dict, args: list[str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env, "PUBLIC_URL": self.url}
        self.args = [PLUS, "serve", "--port", str(self.port), *args]
        self.log = tmp_path / f"serve-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self._ready, timeout=60, interval=0.1)
        return self

    def _ready(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()
        try:
            return requests.get(f"{self.url}/api/me", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def servers():
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def test_plus_serve_lets_a_newcomer_buy_with_no_keys(tmp_path, content, servers, today):
    env = {
        "PLUS_INSTANCE": str(tmp_path / "instance"),
        "PLUS_CONTENT": str(content.root),
        "PLUS_TODAY": today.isoformat(),
        "PLUS_SITE_DIR": str(tmp_path / "site"),
    }
    for key in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET", "DATABASE_URL", "SECRET_KEY"):
        env[key] = ""
    for command in (["init", "-q"], ["add", "-A"], ["-c", "user.name=c", "-c", "user.email=c@example.com", "commit", "-qm", "c"]):
        subprocess.run(["git", *command], cwd=content.root, check=True)  # content kept in git, as curators keep it
    server = Server(tmp_path, env, ["--content", str(content.root), "--output", str(tmp_path / "site")])
    servers.append(server.start())
    home = requests.get(server.url + "/", timeout=10)
    assert home.status_code == 200 and "奥克斯家用大吸尘器" in home.text  # the site was built and is served
    # the built site and the checkout name the content by the same revision: its commit
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=content.root, capture_output=True, text=True, check=True).stdout.strip()
    assert requests.get(server.url + "/products.json", timeout=10).json()["revision"] == commit
    assert requests.get(server.url + "/api/health", timeout=10).json()["catalog_revision"] == commit
    assert "object-src 'none'" in home.headers["Content-Security-Policy"]
    success = buy_at(server, "new@example.com")
    assert success.startswith(f"{server.url}/checkout/success")
    wait_for(lambda: "支付成功" in requests.get(success, timeout=5).text, timeout=20)


def buy_at(server: Server, email: str) -> str:
    """A shopper buys one vacuum at a served store, paying on the stand-in's page; returns the success page's URL."""
    browser = requests.Session()
    started = browser.post(f"{server.url}/api/checkout", json={"items": [{"product": "aux-vacuum", "quantity": 1}]}, timeout=10)
    assert started.status_code == 201 and started.json()["next"] == "address", started.text
    # the address step, then the pay page with the server's delivery fee
    step = browser.get(started.json()["url"], timeout=10)
    assert "收货地址" in step.text and step.headers["Cache-Control"] == "no-store"
    to_pay = browser.post(started.json()["url"], data={**ADDRESS, "csrf_token": csrf_token(step.text)}, allow_redirects=False, timeout=10)
    assert to_pay.status_code == 303, to_pay.text
    pay_url = to_pay.headers["Location"]
    pay_page = requests.get(pay_url, timeout=10)
    assert "测试模式" in pay_page.text and ">¥69<" in pay_page.text
    paid = requests.post(
        pay_url,
        data={"payment_method": "card", "email": email, "card_number": "4242424242424242"},
        allow_redirects=False,
        timeout=10,
    )
    assert paid.status_code == 303
    return paid.headers["Location"]


def test_kill_9_during_a_webhook_stream_loses_no_acknowledged_order(tmp_path, app, servers, db_url):
    env = {
        "PLUS_INSTANCE": str(tmp_path / "instance"),
        "DATABASE_URL": db_url,
        "PLUS_CONTENT": app.config["PLUS_CONTENT"],
        "PLUS_TODAY": app.config["PLUS_TODAY"],
        "STRIPE_SECRET_KEY": app.config["STRIPE_SECRET_KEY"],
        "STRIPE_API_BASE": app.config["STRIPE_API_BASE"],
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "SECRET_KEY": "crash-test",
        "PLUS_RATE_CHECKOUT": "1000 per minute",  # 80 checkouts from this one address
        "PLUS_CHECKOUT_WAIT": "30",  # each answer is the Stripe session (201), never the queue's 202, however loaded the machine
    }
    server = Server(tmp_path, env, ["--no-build"])
    servers.append(server.start())
    # sessions started through the running app, then "paid": their completion events are streamed
    events = []
    for _ in range(80):
        session_id = requests.post(
            f"{server.url}/api/checkout", json={"items": [{"product": "aux-vacuum", "quantity": 1}], "address": ADDRESS}, timeout=10
        ).json()["id"]
        session = {
            "id": session_id,
            "object": "checkout.session",
            "status": "complete",
            "payment_status": "paid",
            "payment_intent": "pi_" + uuid.uuid4().hex[:12],
            "metadata": {},
        }
        events.append(event_payload("evt_" + uuid.uuid4().hex, "checkout.session.completed", session))
    acknowledged: list[str] = []

    def stream() -> None:
        for payload in events:
            try:
                answer = requests.post(
                    f"{server.url}/api/stripe/webhook",
                    data=payload,
                    headers={"Content-Type": "application/json", "Stripe-Signature": sign_payload(payload, WEBHOOK_SECRET)},
                    timeout=5,
                )
            except requests.RequestException:
                continue  # the server is gone: Stripe would retry later
            if 200 <= answer.status_code < 300:
                acknowledged.append(json.loads(payload)["data"]["object"]["id"])

    sender = threading.Thread(target=stream)
    sender.start()
    wait_for(lambda: len(acknowledged) >= 25, timeout=30, interval=0.001)
    server.kill()
    sender.join()
    assert 25 <= len(acknowledged) < len(events)
    servers.append(server.start())  # restart on the same database
    engine = create_engine(normalise_url(db_url))
    with engine.connect() as connection:
        recorded = set(connection.scalars(select(Order.stripe_session_id)))
    assert set(acknowledged) <= recorded
    # Stripe retries what was not acknowledged: every session ends with exactly one order
    for payload in events:
        requests.post(
            f"{server.url}/api/stripe/webhook",
            data=payload,
            headers={"Content-Type": "application/json", "Stripe-Signature": sign_payload(payload, WEBHOOK_SECRET)},
            timeout=5,
        ).raise_for_status()
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Order)) == len(events)
    engine.dispose()


def test_a_served_apps_start_up_objects_are_left_out_of_full_garbage_collections(app):
    """A full collection stops every request thread while it walks the objects it tracks: after start-up, only the new ones."""
    import gc

    from admin.serve import settled

    tracked = len(gc.get_objects())
    try:
        assert settled(app) is app
        assert len(gc.get_objects()) < tracked / 10
    finally:
        gc.unfreeze()
