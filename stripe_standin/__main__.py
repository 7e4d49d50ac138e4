"""`python -m stripe_standin --port 12111 --webhook-url URL --webhook-secret whsec_…`."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from werkzeug.serving import make_server

from .app import create_app


def _terminate(*_):
    raise KeyboardInterrupt  # leave serve_forever() the same way Ctrl-C does


def main(argv: list[str] | None = None) -> int:
    """Run the stand-in in the foreground until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m stripe_standin", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument(
        "--database",
        default=os.environ.get("STRIPE_STANDIN_DB", "stripe-standin.sqlite3"),
        help="SQLite file with the stand-in's state (':memory:' forgets on exit)",
    )
    parser.add_argument("--webhook-url", action="append", default=[], help="where to POST events (repeatable)")
    parser.add_argument(
        "--webhook-secret", default=os.environ.get("STRIPE_WEBHOOK_SECRET"), help="the whsec_… secret that signs every delivery"
    )
    parser.add_argument("--public-url", help="base URL of the pay page, if not the host the API is called on")
    parser.add_argument("--async-delay", type=float, default=2.0, help="seconds before an Alipay/WeChat Pay payment settles")
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=None,
        help="answer 429 rate_limit past this many requests per second per endpoint, like Stripe (25)",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.webhook_url and not args.webhook_secret:
        parser.error("--webhook-url needs --webhook-secret (or STRIPE_WEBHOOK_SECRET)")
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = create_app(
        {
            "DATABASE": args.database,
            "WEBHOOK_ENDPOINTS": [(url, args.webhook_secret) for url in args.webhook_url],
            "PUBLIC_URL": args.public_url,
            "ASYNC_PAYMENT_DELAY": args.async_delay,
            "RATE_LIMIT": args.rate_limit,
        }
    )
    server = make_server(args.host, args.port, app, threaded=True)
    signal.signal(signal.SIGTERM, _terminate)
    logging.getLogger("stripe_standin").info(
        "Stripe stand-in on http://%s:%d (TEST MODE), webhooks to %s", args.host, server.port, ", ".join(args.webhook_url) or "nowhere"
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        app.extensions["stripe_standin"].stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
