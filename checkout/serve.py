"""`plus serve`: the static store and the checkout on one port; with no Stripe key, a local stand-in too.

For production run the same app under gunicorn: `gunicorn 'checkout.serve:create_site()'`, with
STRIPE_SECRET_KEY and friends in the environment (and `plus db upgrade` run once per release).
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from werkzeug.serving import make_server

from . import create_app
from .db import get_database, upgrade
from .operations import sweep_reservations
from .stripe_api import StripeNotConfigured, get_stripe

log = logging.getLogger("plus.checkout.serve")

SWEEP_EVERY = 60.0


@dataclass
class Site:
    """A ready-to-serve app and what to stop with it."""

    app: Flask
    stops: list[Callable[[], None]] = field(default_factory=list)

    def stop(self) -> None:
        """Stop the background helpers (sweeper, stand-in)."""
        for stop in reversed(self.stops):
            stop()


def site_needs_build(content: Path, output: Path) -> bool:
    """True when the site was never built or a content file is newer than its home page."""
    index = output / "index.html"
    if not index.is_file():
        return True
    built = index.stat().st_mtime
    return any(path.stat().st_mtime > built for path in content.rglob("*") if path.is_file())


def build_site_if_needed(content: Path, output: Path, *, force: bool = False) -> None:
    """Build the static store with the storefront's build, when there is one and it is needed."""
    if not force and not site_needs_build(content, output):
        log.info("site in %s is up to date", output)
        return
    try:
        from storefront.build import build_site
    except ImportError:
        log.warning("no storefront build available: serving the checkout without a static site")
        return
    log.info("building the site from %s into %s", content, output)
    build_site(content, output)


def start_standin(instance: Path, app_url: str) -> tuple[dict, Callable[[], None]]:
    """Start the local Stripe stand-in in this process; returns the settings that point the app at it."""
    from stripe_standin import serve_in_thread

    secret = "whsec_local_" + secrets.token_hex(16)
    instance.mkdir(parents=True, exist_ok=True)
    running = serve_in_thread(
        {"DATABASE": str(instance / "stripe-standin.sqlite3"), "WEBHOOK_URL": f"{app_url}/api/stripe/webhook", "WEBHOOK_SECRET": secret}
    )
    log.warning("no STRIPE_SECRET_KEY: using the local Stripe stand-in at %s (test mode, nothing is charged)", running.url)
    settings = {"STRIPE_SECRET_KEY": "sk_test_local_" + secrets.token_hex(8), "STRIPE_API_BASE": running.url, "STRIPE_WEBHOOK_SECRET": secret}
    return settings, running.stop


def _sweeper(app: Flask, every: float) -> Callable[[], None]:
    """Release expired reservations in the background; returns a stop function."""
    stopped = threading.Event()

    def loop() -> None:
        while not stopped.wait(every):
            try:
                client = get_stripe(app)
            except StripeNotConfigured:
                client = None
            try:
                sweep_reservations(get_database(app), client)
            except Exception:  # a sweep failing (Stripe down) must not end the loop; the next one retries
                log.exception("sweep failed")

    threading.Thread(target=loop, name="plus-sweeper", daemon=True).start()
    return stopped.set


def create_site() -> Flask:
    """The app serving the static site, its database migrated (the factory gunicorn calls)."""
    return prepare_site().app


def prepare_site(settings: dict | None = None, *, sweep_every: float = SWEEP_EVERY) -> Site:
    """Create the app serving the site, migrate its database, start the stand-in when no key is set."""
    settings = dict(settings or {})
    settings.setdefault("PLUS_SERVE_SITE", True)
    stops: list[Callable[[], None]] = []
    probe = create_app(settings)  # the configuration as the environment and settings make it
    if not probe.config.get("STRIPE_SECRET_KEY"):
        standin, stop = start_standin(Path(probe.instance_path), probe.config["PUBLIC_URL"])
        settings.update(standin)
        stops.append(stop)
    get_database(probe).engine.dispose()
    app = create_app(settings)
    upgrade(get_database(app).engine)
    stops.append(_sweeper(app, sweep_every))
    return Site(app, stops)


def serve(host: str, port: int, settings: dict | None = None) -> None:
    """Serve until interrupted."""
    settings = dict(settings or {})
    if "PUBLIC_URL" not in settings and not os.environ.get("PUBLIC_URL"):
        settings["PUBLIC_URL"] = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    site = prepare_site(settings)
    server = make_server(host, port, site.app, threaded=True)
    log.info("PLUS Store at %s (Ctrl+C to stop)", site.app.config["PUBLIC_URL"])
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        server.server_close()
        site.stop()
