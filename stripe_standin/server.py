"""Running the stand-in: in a thread on a free port (tests, `plus serve`) or standalone."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import NamedTuple

from flask import Flask
from werkzeug.serving import make_server

from .app import create_app


class Running(NamedTuple):
    """A stand-in serving in a thread: its base URL and how to stop it."""

    url: str
    stop: Callable[[], None]


def serve_in_thread(
    app_or_config: Flask | dict | None = None, *, host: str = "127.0.0.1", port: int = 0, poll_interval: float = 0.05
) -> Running:
    """Serve the stand-in in a daemon thread (port 0 = a free port); returns (base URL, stop).

    `stop` waits up to `poll_interval` seconds for the server to notice (the tests, which stop one per test, poll more often)."""
    app = app_or_config if isinstance(app_or_config, Flask) else create_app(app_or_config)
    server = make_server(host, port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": poll_interval}, name="stripe-standin-http", daemon=True)
    thread.start()
    stopped = threading.Event()

    def stop() -> None:
        if stopped.is_set():
            return
        stopped.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        app.extensions["stripe_standin"].stop()

    return Running(f"http://{host}:{server.port}", stop)
