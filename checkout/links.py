"""Signed, expiring links mailed to shoppers: a guest's order page and an e-mail verification.

itsdangerous (Flask's own dependency) signs them with SECRET_KEY; each purpose has its own salt, so
a link made for one can never open the other. Nothing is stored: the signature is the proof.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

ORDER_LINK_DAYS = 180
VERIFY_LINK_DAYS = 7


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def order_token(order_id: int, email: str | None) -> str:
    """A token that opens one order's page for whoever holds the confirmation mail."""
    return _serializer("plus-order-view").dumps([order_id, (email or "").lower()])


def read_order_token(token: str, order_id: int, email: str | None) -> bool:
    """Whether `token` opens this order (signed by us, for this order and buyer, not expired)."""
    try:
        signed_id, signed_email = _serializer("plus-order-view").loads(token, max_age=ORDER_LINK_DAYS * 86400)
    except (BadSignature, TypeError, ValueError):
        return False
    return signed_id == order_id and signed_email == (email or "").lower()


def verify_token(user_id: int, email: str) -> str:
    """A token that proves the holder reads the mail sent to `email`."""
    return _serializer("plus-verify-email").dumps([user_id, email.lower()])


def read_verify_token(token: str) -> tuple[int, str] | None:
    """(user id, email) of a valid, unexpired verification token, else None."""
    try:
        user_id, email = _serializer("plus-verify-email").loads(token, max_age=VERIFY_LINK_DAYS * 86400)
    except (BadSignature, TypeError, ValueError):
        return None
    return (user_id, email) if isinstance(user_id, int) and isinstance(email, str) else None


def public(path: str) -> str:
    """An absolute link to a path of the store."""
    return current_app.config["PUBLIC_URL"] + path
