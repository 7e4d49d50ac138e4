"""The PLUS Store checkout: member accounts, server-priced Stripe Checkout, webhooks, orders, admin API.

`create_app` is imported on first use, so that light modules (`checkout.status`) load without Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module 'checkout' has no attribute {name!r}")
