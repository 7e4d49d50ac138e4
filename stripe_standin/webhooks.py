"""Stripe-shaped events and their signed delivery to webhook endpoints, retried in a background thread."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from .store import Clock, Store, new_id, public

log = logging.getLogger("stripe_standin.webhooks")
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


@dataclass(frozen=True)
class Endpoint:
    """A webhook endpoint: where events go and the `whsec_…` secret that signs them."""

    url: str
    secret: str


def sign(payload: str, secret: str, timestamp: int) -> str:
    """The `Stripe-Signature` header: `t=<unix>,v1=<HMAC-SHA256(secret, "t.payload")>`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class Webhooks:
    """Creates events, queues one delivery job per endpoint, and delivers them off the request thread."""

    def __init__(
        self, store: Store, clock: Clock, endpoints: list[Endpoint], *, api_version: str, retry_delays: list[float], timeout: float
    ):
        self.store = store
        self.clock = clock
        self.endpoints = {endpoint.url: endpoint for endpoint in endpoints}
        self.api_version = api_version
        self.retry_delays = list(retry_delays)
        self.timeout = timeout
        self._wake = threading.Condition()
        self._stopping = False
        self._queued = False
        self._thread: threading.Thread | None = None

    def add_endpoint(self, endpoint: Endpoint) -> None:
        """Send future events to one more endpoint."""
        self.endpoints[endpoint.url] = endpoint

    def emit(self, type: str, obj: dict, *, previous: dict | None = None, request: dict | None = None) -> dict:
        """Record an event about `obj` and queue its delivery to every endpoint."""
        data = {"object": public(obj)}
        if previous is not None:
            data["previous_attributes"] = previous
        event: dict[str, Any] = {
            "id": new_id("evt_test"),
            "object": "event",
            "api_version": self.api_version,
            "created": self.clock.now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": len(self.endpoints),
            "request": request or {"id": None, "idempotency_key": None},
            "type": type,
        }
        with self.store.transaction():
            self.store.save(event)
            self._queue(event["id"])
        return event

    def resend(self, event_id: str) -> int:
        """Queue the event again for every endpoint (replay tests); returns how many jobs were queued."""
        with self.store.transaction():
            return self._queue(event_id)

    def _queue(self, event_id: str) -> int:
        for url in self.endpoints:
            self.store.execute("INSERT INTO webhook_jobs (event_id, url, next_at) VALUES (?, ?, ?)", (event_id, url, time.time()))
        with self._wake:
            self._queued = True
            self._wake.notify_all()
        return len(self.endpoints)

    def attempts(self, event_id: str | None = None) -> list[dict]:
        """The delivery log, newest first."""
        sql = (
            "SELECT a.id, a.event_id, json_extract(e.body, '$.type'), a.url, a.attempt, a.at, a.status, "
            "a.error, a.duration_ms, j.state FROM webhook_attempts a JOIN webhook_jobs j ON j.id = a.job_id "
            "LEFT JOIN objects e ON e.id = a.event_id"
        )
        args: tuple = ()
        if event_id:
            sql += " WHERE a.event_id = ?"
            args = (event_id,)
        keys = ("id", "event", "type", "url", "attempt", "at", "status", "error", "duration_ms", "job_state")
        return [dict(zip(keys, row, strict=True)) for row in self.store.execute(sql + " ORDER BY a.id DESC", args)]

    def pending(self) -> int:
        """How many deliveries are still waiting or retrying."""
        return self.store.execute("SELECT count(*) FROM webhook_jobs WHERE state = 'pending'")[0][0]

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no delivery is due now (tests use it); True when idle."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            due = self.store.execute("SELECT count(*) FROM webhook_jobs WHERE state = 'pending' AND next_at <= ?", (time.time(),))[0][0]
            if not due:
                return True
            time.sleep(0.02)
        return False

    # The delivery thread

    def start(self) -> None:
        """Start the delivery thread."""
        self._thread = threading.Thread(target=self._run, name="stripe-standin-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the delivery thread; pending jobs stay in SQLite for the next start."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread:
            self._thread.join(timeout=self.timeout + 2)

    def running(self) -> bool:
        """Whether the delivery thread is still alive."""
        return bool(self._thread and self._thread.is_alive())

    def _run(self) -> None:
        while not self._stopping:
            rows = self.store.execute(
                "SELECT id, event_id, url, attempts FROM webhook_jobs WHERE state = 'pending' AND next_at <= ? "
                "ORDER BY next_at, id LIMIT 20",
                (time.time(),),
            )
            for job_id, event_id, url, attempts in rows:
                if self._stopping:
                    return
                self._deliver(job_id, event_id, url, attempts + 1)
            if not rows:
                # ask SQLite before taking _wake: _queue() takes _wake while holding the store's lock
                pause = self._sleep_time()
                with self._wake:
                    if not self._stopping and not self._queued:
                        self._wake.wait(timeout=pause)
                    self._queued = False

    def _sleep_time(self) -> float:
        rows = self.store.execute("SELECT min(next_at) FROM webhook_jobs WHERE state = 'pending'")
        if rows[0][0] is None:
            return 5.0
        return min(5.0, max(0.01, rows[0][0] - time.time()))

    def _deliver(self, job_id: int, event_id: str, url: str, attempt: int) -> None:
        event = self.store.get(event_id, "event")
        endpoint = self.endpoints.get(url)
        started = time.monotonic()
        status, error = None, None
        if event is None or endpoint is None:
            error = "event or endpoint no longer exists"
        else:
            payload = json.dumps(event, ensure_ascii=False, indent=2)
            status, error = self._post(endpoint, payload)
        took = int((time.monotonic() - started) * 1000)
        ok = status is not None and 200 <= status < 300
        if ok:
            state, next_at = "succeeded", time.time()
        elif attempt <= len(self.retry_delays) and endpoint is not None and event is not None:
            state, next_at = "pending", time.time() + self.retry_delays[attempt - 1]
        else:
            state, next_at = "failed", time.time()
        with self.store.transaction():
            self.store.execute(
                "INSERT INTO webhook_attempts (job_id, event_id, url, attempt, at, status, error, "
                "duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (job_id, event_id, url, attempt, time.time(), status, error, took),
            )
            self.store.execute(
                "UPDATE webhook_jobs SET attempts = ?, state = ?, next_at = ? WHERE id = ?", (attempt, state, next_at, job_id)
            )
        level = logging.DEBUG if ok else logging.WARNING  # (a delivered one is the store's own log line: "Stripe 通知 …")
        log.log(level, "webhook %s to %s: attempt %d → %s", event_id, url, attempt, status or error)

    def _post(self, endpoint: Endpoint, payload: str) -> tuple[int | None, str | None]:
        body = payload.encode("utf-8")
        request = urllib.request.Request(
            endpoint.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
                "Stripe-Signature": sign(payload, endpoint.secret, int(time.time())),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
                return response.status, None
        except urllib.error.HTTPError as exc:
            exc.read()
            exc.close()
            return exc.code, f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            return None, f"{type(exc).__name__}: {exc}"
