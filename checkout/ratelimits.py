"""Per-address rate limits: the sign-in forms, and starting a checkout (which holds stock).

A fixed window per limit, client address and endpoint, counted in this process (`memory://`)
or in a shared store such as Redis (`RATELIMIT_STORAGE_URI`, any storage of the `limits`
package) so every worker and instance counts together. Only the POSTs of the endpoints in
LIMITED are counted: nothing else pays for the limiter (a waiting page's reloads, webhooks).
A limited answer carries `X-RateLimit-Limit`, `-Remaining` and `-Reset` (epoch seconds); a
refused one is a 429 (JSON under /api/, the zh-CN page elsewhere) with `Retry-After`.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from typing import NamedTuple, Protocol

from flask import Flask, Response, g, request
from limits import RateLimitItem, parse_many
from limits.errors import ConfigurationError
from limits.storage import Storage, storage_from_string
from werkzeug.exceptions import TooManyRequests

LIMITED = {
    "checkout.create_checkout": "PLUS_RATE_CHECKOUT",
    "auth.login": "PLUS_RATE_LOGIN",
    "auth.signup": "PLUS_RATE_SIGNUP",
    "auth.reset_request": "PLUS_RATE_RESET",
    "auth.reset_confirm": "PLUS_RATE_RESET",
    "auth.confirm": "PLUS_RATE_RESET",
}
"""The endpoint each setting limits (POST only: showing a form or a page is never limited)."""

PRUNE_EVERY = 60.0  # seconds between a process's sweeps of its ended windows


class Counters(Protocol):
    """Where the hits are counted."""

    def count(self, key: str, seconds: int) -> tuple[int, float]:
        """Count one hit of `key`'s window (opened now for `seconds` if none is open): the hits so far and when it ends."""
        ...


class ProcessCounters:
    """`memory://`: this process's windows (a dict under a lock; ended windows swept once a minute)."""

    def __init__(self, clock=time.time):
        self._clock = clock
        self._windows: dict[str, list[float]] = {}  # key → [ends at, hits]
        self._lock = threading.Lock()
        self._pruned = clock()

    def count(self, key: str, seconds: int) -> tuple[int, float]:
        now = self._clock()
        with self._lock:
            if now - self._pruned >= PRUNE_EVERY:
                self._windows = {k: w for k, w in self._windows.items() if w[0] > now}
                self._pruned = now
            window = self._windows.get(key)
            if window is None or window[0] <= now:
                window = self._windows[key] = [now + seconds, 0]
            window[1] += 1
            return int(window[1]), window[0]


class SharedCounters:
    """Any other URI: a storage of the `limits` package (Redis, Memcached…), shared by every process that uses it."""

    def __init__(self, uri: str):
        storage = storage_from_string(uri)
        if not isinstance(storage, Storage):  # async+…: the app's views are not coroutines
            raise ValueError(f"{uri!r} is an asynchronous storage")
        self.storage = storage

    def count(self, key: str, seconds: int) -> tuple[int, float]:
        hits = self.storage.incr(key, seconds)
        return hits, self.storage.get_expiry(key)


def counters_for(uri: str) -> Counters:
    """The counters `RATELIMIT_STORAGE_URI` names (a URI no storage knows raises ValueError)."""
    if uri.strip() in ("memory://", "memory:///"):
        return ProcessCounters()
    try:
        return SharedCounters(uri)
    except (ConfigurationError, ValueError) as exc:  # an unknown scheme, or one its driver cannot read
        raise ValueError(f"RATELIMIT_STORAGE_URI must be memory:// or a storage such as redis://host:6379, not {uri!r}: {exc}") from exc


class Window(NamedTuple):
    """One limit's state after a request counted: what the X-RateLimit headers say."""

    limit: RateLimitItem
    remaining: int
    reset_at: float


class Limiter:
    """The limits of the endpoints in LIMITED, per client address, in fixed windows."""

    def __init__(self, counters: Counters):
        self.counters = counters

    def check(self, endpoint: str, limits: list[RateLimitItem]) -> None:
        """Count this request against `limits` (shortest window first); raise TooManyRequests at the first one used up."""
        address = request.remote_addr or "unknown"
        shown: Window | None = None
        for item in limits:
            hits, reset_at = self.counters.count(item.key_for("plus", address, endpoint), item.get_expiry())
            window = Window(item, max(0, item.amount - hits), reset_at)
            shown = shown or window
            if hits > item.amount:
                g.rate_window = window
                raise TooManyRequests()
        g.rate_window = shown

    def limit(self, endpoint: str, setting: str):
        """A decorator limiting a view's POSTs by `setting` ("30 per minute;300 per hour")."""
        limits = sorted(parse_many(setting), key=lambda item: item.get_expiry())

        def decorate(view):
            @functools.wraps(view)
            def limited(*args, **kwargs):
                if request.method == "POST":
                    self.check(endpoint, limits)
                return view(*args, **kwargs)

            return limited

        return decorate


def rate_headers(response: Response) -> Response:
    """X-RateLimit-* on a limited request's answer; Retry-After on its 429."""
    window: Window | None = g.get("rate_window")
    if window is None:
        return response
    response.headers["X-RateLimit-Limit"] = str(window.limit.amount)
    response.headers["X-RateLimit-Remaining"] = str(window.remaining)
    response.headers["X-RateLimit-Reset"] = str(math.ceil(window.reset_at))
    if response.status_code == 429:
        response.headers["Retry-After"] = str(max(1, math.ceil(window.reset_at - time.time())))
    return response


def init_app(app: Flask) -> Limiter:
    """Limit the POSTs of the endpoints in LIMITED per client address (register the blueprints first)."""
    # The address is REMOTE_ADDR, which ProxyFix sets from X-Forwarded-For when PLUS_TRUSTED_PROXIES says so.
    limiter = Limiter(counters_for(str(app.config["RATELIMIT_STORAGE_URI"])))
    for endpoint, key in LIMITED.items():
        app.view_functions[endpoint] = limiter.limit(endpoint, app.config[key])(app.view_functions[endpoint])
    app.after_request(rate_headers)
    app.extensions["plus_limiter"] = limiter
    return limiter
