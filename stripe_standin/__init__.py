"""A local stand-in for the part of Stripe's API the PLUS checkout uses, with a hosted test-mode pay page."""

from .app import create_app
from .server import Running, serve_in_thread

__all__ = ["create_app", "serve_in_thread", "Running"]
