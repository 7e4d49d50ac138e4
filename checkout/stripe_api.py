"""The one place a Stripe client is made: the real library, pointed at Stripe or at the stand-in."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlsplit

import stripe
from flask import Flask, current_app


class StripeNotConfigured(RuntimeError):
    """STRIPE_SECRET_KEY is not set."""


def make_client(config: dict) -> stripe.StripeClient:
    """A StripeClient for the configured key and (optionally) API base; no module-level state."""
    key = config.get("STRIPE_SECRET_KEY")
    if not key:
        raise StripeNotConfigured("STRIPE_SECRET_KEY is not set")
    base = config.get("STRIPE_API_BASE")
    options: dict = {"max_network_retries": 2}
    if base:
        options["base_addresses"] = {"api": base.rstrip("/")}
    return stripe.StripeClient(key, **options)


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
