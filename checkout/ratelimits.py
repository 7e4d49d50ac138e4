"""Per-address rate limits: the sign-in forms, and starting a checkout (which holds stock)."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

LIMITED = {
    "checkout.create_checkout": "PLUS_RATE_CHECKOUT",
    "auth.login": "PLUS_RATE_LOGIN",
    "auth.signup": "PLUS_RATE_SIGNUP",
    "auth.reset_request": "PLUS_RATE_RESET",
    "auth.reset_confirm": "PLUS_RATE_RESET",
    "auth.confirm": "PLUS_RATE_RESET",
}
"""The endpoint each setting limits (POST only: showing a form or a page is never limited)."""


def init_app(app: Flask) -> Limiter:
    """Limit the POSTs of the endpoints in LIMITED per client address (register the blueprints first)."""
    # The address is REMOTE_ADDR, which ProxyFix sets from X-Forwarded-For when PLUS_TRUSTED_PROXIES says so.
    limiter = Limiter(get_remote_address, app=app, storage_uri=app.config["RATELIMIT_STORAGE_URI"], headers_enabled=True)
    for endpoint, key in LIMITED.items():
        # Flask types a view as sync-or-async; Flask-Limiter's Callable[P, R] decorator turns that into one callable
        # returning either, which mypy cannot assign back (each view keeps its own kind at run time).
        app.view_functions[endpoint] = limiter.limit(app.config[key], methods=["POST"])(app.view_functions[endpoint])  # type: ignore[assignment]
    return limiter
