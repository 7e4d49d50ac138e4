"""`create_app(config)`: the stand-in as a Flask WSGI app, its defaults and its Stripe-shaped error handling."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, request
from werkzeug.exceptions import HTTPException

from . import api, control, paypage, routes
from .errors import StripeError
from .ratelimit import RateLimiter
from .state import Standin
from .store import new_id

log = logging.getLogger("stripe_standin")
FALLBACK_API_VERSION = "2026-10-28.endive"

DEFAULTS = {
    "DATABASE": ":memory:",  # a file path keeps sessions, payments and deliveries across restarts
    "WEBHOOK_ENDPOINTS": [],  # [(url, "whsec_…"), …]
    "WEBHOOK_URL": None,  # shorthand for one endpoint, with WEBHOOK_SECRET
    "WEBHOOK_SECRET": None,
    "WEBHOOK_RETRY_DELAYS": [1, 2, 4, 8, 16, 32],  # seconds before each retry; then the delivery fails
    "WEBHOOK_TIMEOUT": 10.0,
    "ASYNC_PAYMENT_DELAY": 2.0,  # seconds from Alipay/WeChat Pay confirmation to async_payment_succeeded
    "SWEEP_INTERVAL": 1.0,  # seconds between expiry/settlement sweeps; 0 = only on access and /_standin/sweep
    "PUBLIC_URL": None,  # base of the pay page URLs; default: the host the API was called on
    "API_VERSION": None,  # events' api_version; default: the installed stripe library's
    "START_THREADS": True,
    "RATE_LIMIT": None,  # requests per second per endpoint before a 429 rate_limit, like Stripe's (25 live); None = no limit
}


def create_app(config: dict | None = None) -> Flask:
    """A stand-in app; its background threads run until `app.extensions["stripe_standin"].stop()`."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    if config:
        app.config.from_mapping(config)
    app.config["API_VERSION"] = app.config["API_VERSION"] or _library_api_version()
    endpoints = [tuple(endpoint) for endpoint in app.config["WEBHOOK_ENDPOINTS"]]
    if app.config["WEBHOOK_URL"]:
        if not app.config["WEBHOOK_SECRET"]:
            raise ValueError("WEBHOOK_URL needs WEBHOOK_SECRET (a whsec_… string)")
        endpoints.append((app.config["WEBHOOK_URL"], app.config["WEBHOOK_SECRET"]))
    app.config["WEBHOOK_ENDPOINTS"] = endpoints
    standin = Standin(app.config)
    app.extensions["stripe_standin"] = standin
    app.register_blueprint(routes.bp)  # the /v1 blueprint of api.py, with the views of routes.py on it
    app.register_blueprint(paypage.bp)
    app.register_blueprint(control.bp)
    app.before_request(_tag_request)
    if app.config["RATE_LIMIT"]:
        app.extensions["stripe_standin_rate"] = RateLimiter(int(app.config["RATE_LIMIT"]))
        app.before_request(_rate_limit)
    app.register_error_handler(StripeError, _stripe_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal_error)
    if app.config["START_THREADS"]:
        standin.start()
    return app


def _library_api_version() -> str:
    try:
        import stripe
    except ImportError:
        return FALLBACK_API_VERSION
    return stripe.api_version or FALLBACK_API_VERSION


def _tag_request() -> None:
    g.request_id = new_id("req", 14)


def _rate_limit() -> None:
    if request.path.startswith("/v1/") and request.url_rule is not None:
        current_app.extensions["stripe_standin_rate"].admit(f"{request.method} {request.url_rule.rule}")


def _stripe_error(error: StripeError):
    response = api.json_response(error.body(), error.status)
    if error.status == 429:
        response.headers["Retry-After"] = "1"
    return response


def _http_error(error: HTTPException):
    if request.path.startswith(("/v1/", "/_standin/")):
        if error.code in (404, 405):
            return _stripe_error(routes.unrecognized())
        return api.json_response({"error": {"type": "invalid_request_error", "message": error.description}}, error.code or 400)
    return error


def _internal_error(error: Exception):
    log.exception("stripe stand-in bug on %s %s", request.method, request.path)
    return api.json_response({"error": {"type": "api_error", "message": "The stand-in hit a bug; see its log."}}, 500)
