"""Calling Stripe no faster than it allows: a pace shared by the process and retries of its 429.

Stripe limits each account to about 25 requests a second per endpoint and answers `429
rate_limit` past it; the `stripe` library does not retry a 429 by itself. Every session this
process creates waits its turn at `PLUS_STRIPE_RATE` per second, and a 429 is retried after
Stripe's `Retry-After` with the same idempotency key, so a retry can never open a second session.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import stripe

from catalog.messages import say

log = logging.getLogger("plus.checkout.stripe_pace")

T = TypeVar("T")
RETRY_FOR = 30.0  # seconds of 429s before the checkout gives up (its stock is then released)
DEFAULT_WAIT = 1.0  # seconds before a retry when Stripe sends no Retry-After


class Pace:
    """Evenly spaced turns at `rate` per second for every thread of the process (a token bucket of one)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.interval = 1.0 / rate
        self._next = 0.0
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep

    def delay(self) -> float:
        """Seconds a new caller would wait for its turn (0: at once; more when turns are booked ahead)."""
        with self._lock:
            return max(0.0, self._next - self._clock())

    def wait(self) -> None:
        """Wait for this caller's turn."""
        with self._lock:
            now = self._clock()
            turn = max(now, self._next)
            self._next = turn + self.interval
        if turn > now:
            self._sleep(turn - now)


def retry_after(error: stripe.StripeError) -> float:
    """Seconds Stripe asks to wait (its `Retry-After`), else about a second, with jitter so retries spread."""
    headers = getattr(error, "headers", None) or {}
    try:
        wait = float(headers.get("Retry-After") or headers.get("retry-after") or DEFAULT_WAIT)
    except ValueError:
        wait = DEFAULT_WAIT
    return min(max(wait, 0.1), 10.0) * random.uniform(1.0, 1.5)


def paced(pace: Pace, call: Callable[[], T], *, retry_for: float = RETRY_FOR, sleep: Callable[[float], None] = time.sleep) -> T:
    """Run one Stripe call in its turn; on a 429 wait as told and run it again (the caller's idempotency key makes that safe)."""
    deadline = time.monotonic() + retry_for
    while True:
        pace.wait()
        try:
            return call()
        except stripe.RateLimitError as exc:
            wait = retry_after(exc)
            if time.monotonic() + wait > deadline:
                raise
            log.warning(say("Stripe 限流：%.1f 秒后重试", "Stripe rate limit: retrying in %.1f s"), wait)
            sleep(wait)
