"""Fixtures for the Stripe stand-in: a live stand-in on a free port, a webhook receiver, the real client."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import stripe

from stripe_standin import serve_in_thread
from tests.conftest import POLL

SECRET = "whsec_test_standin_fixture"
# The SEED-FACTS figures, in fen: AUX vacuum ¥69.00 (Sam's ¥690.00), 24-rib umbrella ¥8.55 (Sam's ¥42.75).
VACUUM_FEN = 6900
UMBRELLA_FEN = 855


class WebhookReceiver:
    """A real HTTP endpoint that records deliveries; it can answer 500 a few times or answer slowly."""

    def __init__(self):
        self.deliveries: list[tuple[str, dict]] = []
        self.fail_next = 0
        self.delay = 0.0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8")
                time.sleep(receiver.delay)
                with receiver._lock:
                    failing = receiver.fail_next > 0
                    receiver.fail_next -= failing
                    if not failing:
                        receiver.deliveries.append((body, dict(self.headers)))
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/stripe/webhook"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": POLL}, daemon=True).start()

    def events(self, secret: str = SECRET) -> list[stripe.Event]:
        """Every delivery so far, verified with the real library as the checkout does."""
        with self._lock:
            deliveries = list(self.deliveries)
        return [stripe.Webhook.construct_event(body, headers["Stripe-Signature"], secret) for body, headers in deliveries]

    def types(self) -> list[str]:
        """The types of the events delivered so far, in arrival order."""
        return [json.loads(body)["type"] for body, _ in list(self.deliveries)]

    def wait_for(self, *types: str, times: int = 1, timeout: float = 5.0, secret: str = SECRET) -> list[stripe.Event]:
        """Wait until each of `types` has arrived (at least `times` times); return the verified events."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self.types().count(kind) >= times for kind in types):
                return self.events(secret)
            time.sleep(0.02)
        raise AssertionError(f"webhooks {types} did not arrive; got {self.types()}")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def standin_config(hook, tmp_path):
    """Fast timings so the suite does not wait: delayed payments settle after 0.2 s."""
    return {
        "DATABASE": str(tmp_path / "standin.sqlite3"),
        "WEBHOOK_URL": hook.url,
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_RETRY_DELAYS": [0.05, 0.1, 0.2],
        "WEBHOOK_TIMEOUT": 3,
        "ASYNC_PAYMENT_DELAY": 0.2,
        "SWEEP_INTERVAL": 0.05,
    }


@pytest.fixture
def standin(standin_config):
    """A live stand-in on 127.0.0.1; its base URL."""
    running = serve_in_thread(standin_config, poll_interval=POLL)
    yield running.url
    running.stop()


@pytest.fixture
def client(standin):
    """The real Stripe client pointed at the stand-in (no retries, so errors surface at once)."""
    return stripe.StripeClient("sk_test_standin", base_addresses={"api": standin}, max_network_retries=0)


@pytest.fixture
def browser():
    """Plain HTTP for the pay page, not following redirects so tests can see them."""
    with requests.Session() as session:
        yield session


def payment_params(**overrides) -> dict:
    """Create parameters for the vacuum ×2 and the umbrella ×3, as the checkout would send them."""
    params = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "cny",
                    "unit_amount": VACUUM_FEN,
                    "product_data": {
                        "name": "奥克斯家用大吸尘器",
                        "images": ["https://shop.test/v.jpg"],
                        "metadata": {"product_id": "aux-vacuum"},
                    },
                },
                "quantity": 2,
            },
            {"price_data": {"currency": "cny", "unit_amount": UMBRELLA_FEN, "product_data": {"name": "24骨全自动雨伞"}}, "quantity": 3},
        ],
        "payment_method_types": ["card", "alipay", "wechat_pay"],
        "payment_method_options": {"wechat_pay": {"client": "web"}},
        "customer_email": "buyer@example.cn",
        "client_reference_id": "order-42",
        "metadata": {"order_id": "42"},
        "success_url": "http://shop.test/thanks?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://shop.test/cart",
    }
    params.update(overrides)
    return params


def subscription_params(**overrides) -> dict:
    """A PLUS membership: ¥99 a year, card only."""
    params = {
        "mode": "subscription",
        "line_items": [
            {
                "price_data": {
                    "currency": "cny",
                    "unit_amount": 9900,
                    "product_data": {"name": "PLUS会员"},
                    "recurring": {"interval": "year"},
                },
                "quantity": 1,
            }
        ],
        "customer_email": "member@example.cn",
        "subscription_data": {"metadata": {"account_id": "7"}},
        "success_url": "http://shop.test/plus?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://shop.test/plus",
    }
    params.update(overrides)
    return params


def pay(browser, session, method: str = "card", **form):
    """Press 支付 on the hosted page."""
    data = {"payment_method": method, "email": session.customer_email or "buyer@example.cn"}
    data.update(form)
    return browser.post(session.url, data=data, allow_redirects=False)
