"""The one place a Stripe client is made: the real library, pointed at Stripe or at the stand-in."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import NamedTuple
from urllib.parse import urlsplit

import stripe
from flask import Flask, current_app

from .stripe_http import PooledClient

DEFAULT_API = "https://api.stripe.com"


class StripeNotConfigured(RuntimeError):
    """STRIPE_SECRET_KEY is not set."""


def make_client(config: dict) -> stripe.StripeClient:
    """A StripeClient for the configured key and (optionally) API base; no module-level state."""
    key = config.get("STRIPE_SECRET_KEY")
    if not key:
        raise StripeNotConfigured("STRIPE_SECRET_KEY is not set")
    base = config.get("STRIPE_API_BASE")
    options: dict = {"max_network_retries": 2, "http_client": PooledClient(base or DEFAULT_API)}
    if base:
        options["base_addresses"] = {"api": base.rstrip("/")}
    return stripe.StripeClient(key, **options)


class OpenedSession(NamedTuple):
    """What the store keeps of a Checkout Session Stripe made: its id and its pay page."""

    id: str
    url: str | None


def create_checkout_session(client: stripe.StripeClient, params: dict, idempotency_key: str) -> OpenedSession:
    """POST /v1/checkout/sessions with the library, reading only the id and URL of its answer.

    The library's typed call builds its answer into StripeObjects (a session has dozens of nested
    objects): about as much CPU as the rest of the call, for two fields. Errors, 429s and retries
    of connection errors are the library's as with the typed call.
    """
    answer = client.raw_request("post", "/v1/checkout/sessions", idempotency_key=idempotency_key, **params)
    session = answer.data
    return OpenedSession(session["id"], session.get("url"))


def get_stripe(app: Flask | None = None) -> stripe.StripeClient:
    """The app's Stripe client, made on first use."""
    app = app or current_app
    client = app.extensions.get("plus_stripe")
    if client is None:
        client = app.extensions["plus_stripe"] = make_client(app.config)
    return client


def checkout_origin(config: dict) -> str:
    """Where the hosted pay page lives: Stripe's, or the stand-in's when the API base points there."""
    base = config.get("STRIPE_API_BASE")
    if not base:
        return "https://checkout.stripe.com"
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}"


def as_dict(obj: object) -> dict:
    """A plain dict of a Stripe object (the library's objects are not dicts)."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)  # type: ignore[call-overload]


def sign_payload(payload: str, secret: str, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header for `payload`, made exactly as Stripe makes it (for tools and tests)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def event_payload(event_id: str, event_type: str, obj: dict, *, created: int | None = None) -> str:
    """A Stripe-shaped event body (for tools and tests that deliver events themselves)."""
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "api_version": stripe.api_version,
            "created": int(time.time()) if created is None else created,
            "livemode": False,
            "pending_webhooks": 1,
            "type": event_type,
            "data": {"object": obj},
        }
    )
