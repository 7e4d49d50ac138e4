"""The running stand-in: its store, clock, webhooks and the sweeper that expires and settles sessions."""

from __future__ import annotations

import json
import logging
import threading

from . import billing, payments, sessions
from .store import Clock, Store
from .webhooks import Endpoint, Webhooks

log = logging.getLogger("stripe_standin")


class Standin:
    """Everything one stand-in app owns; `app.extensions["stripe_standin"]` holds it."""

    def __init__(self, config: dict):
        self.clock = Clock()
        self.store = Store(config["DATABASE"])
        endpoints = [Endpoint(url, secret) for url, secret in config["WEBHOOK_ENDPOINTS"]]
        self.webhooks = Webhooks(
            self.store,
            self.clock,
            endpoints,
            api_version=config["API_VERSION"],
            retry_delays=config["WEBHOOK_RETRY_DELAYS"],
            timeout=config["WEBHOOK_TIMEOUT"],
        )
        self.async_delay = float(config["ASYNC_PAYMENT_DELAY"])
        self.sweep_interval = float(config["SWEEP_INTERVAL"])
        self.public_url = config["PUBLIC_URL"]
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None

    def sweep(self) -> dict:
        """Expire open sessions past `expires_at`, settle delayed payments and renew subscriptions that are due."""
        expired = settled = 0
        with self.store.transaction():
            for session in self._sessions(
                "json_extract(body, '$.status') = 'open' AND json_extract(body, '$.expires_at') <= ?", self.clock.now()
            ):
                sessions.expire(session, self.clock.now())
                self.store.save(session)
                self.webhooks.emit("checkout.session.expired", session)
                expired += 1
            for session in self._sessions("json_extract(body, '$._settle_at') <= ?", self.clock.exact()):
                payments.settle(self, session)
                settled += 1
            renewed = len([billing.renew(self, sub) for sub in self._due_subscriptions()])
        return {"expired": expired, "settled": settled, "renewed": renewed}

    def _due_subscriptions(self) -> list[dict]:
        """Subscriptions whose period (or trial) has ended: billed for the next one, as Stripe does at that moment."""
        rows = self.store.execute(
            "SELECT body FROM objects WHERE kind = 'subscription' AND json_extract(body, '$.status') IN ('active', 'trialing')"
            " AND json_extract(body, '$.current_period_end') <= ? ORDER BY seq",
            (self.clock.now(),),
        )
        return [json.loads(row[0]) for row in rows]

    def _sessions(self, condition: str, value) -> list[dict]:
        rows = self.store.execute(f"SELECT body FROM objects WHERE kind = 'checkout.session' AND {condition} ORDER BY seq", (value,))
        return [json.loads(row[0]) for row in rows]

    def start(self) -> None:
        """Start webhook delivery and, unless SWEEP_INTERVAL is 0, the sweeper thread."""
        self.webhooks.start()
        if self.sweep_interval > 0:
            self._sweeper = threading.Thread(target=self._sweep_forever, name="stripe-standin-sweeper", daemon=True)
            self._sweeper.start()

    def stop(self) -> None:
        """Stop the background threads and close the database (state stays in the SQLite file)."""
        self._stop.set()
        if self._sweeper:
            self._sweeper.join(timeout=5)
        self.webhooks.stop()
        if not self.webhooks.running() and not (self._sweeper and self._sweeper.is_alive()):
            self.store.close()

    def _sweep_forever(self) -> None:
        while not self._stop.wait(self.sweep_interval):
            try:
                self.sweep()
            except Exception:  # a bug in one sweep must not stop expiry for the rest of the run
                log.exception("stripe stand-in sweep failed")
