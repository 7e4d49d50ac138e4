"""Stripe's rate limit, imitated: over `RATE_LIMIT` requests per second to one endpoint, a 429.

Stripe answers `429 rate_limit` when an account sends too many requests (by default 25 per second
per endpoint in live mode). The stand-in answers the same when `RATE_LIMIT` is set, so the
checkout's throttle and its retries are tested against the answer they will meet in production.
"""

from __future__ import annotations

import collections
import threading
import time

from .errors import StripeError

WINDOW = 1.0


class RateLimiter:
    """A sliding one-second window of requests per endpoint (method and route)."""

    def __init__(self, per_second: int):
        self.per_second = per_second
        self._seen: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._lock = threading.Lock()
        self.refused = 0

    def admit(self, endpoint: str, now: float | None = None) -> None:
        """Count one request to `endpoint`; raise the 429 Stripe answers when the window is full."""
        now = time.monotonic() if now is None else now
        with self._lock:
            seen = self._seen[endpoint]
            while seen and seen[0] <= now - WINDOW:
                seen.popleft()
            if len(seen) >= self.per_second:
                self.refused += 1
                raise rate_limited()
            seen.append(now)


def rate_limited() -> StripeError:
    """The 429 of Stripe's rate limiter (the library raises `stripe.RateLimitError`)."""
    return StripeError(429, "Request rate limit exceeded. Retry after a short wait, with the same idempotency key.", code="rate_limit")
