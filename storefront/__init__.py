"""The storefront: a Pelican plugin that renders the validated catalog into the PLUS store site.

Enable it with `PLUGINS = ["storefront"]` (see pelicanconf.py); `plus build` runs it atomically,
indexes the result with Pagefind and refuses output that names a brand under NDA.
"""

from __future__ import annotations

import logging

from pelican.plugins import signals

# Importing Pelican makes its de-duplicating logger class the default for every logger created
# afterwards, anywhere in the process: two identical lines (the same mail logged twice, a repeated
# error) would silently become one. Keep that behaviour to Pelican's own loggers.
logging.setLoggerClass(logging.Logger)


def get_generators(pelican):
    """Pelican's `get_generators` receiver: the store's pages come from `StoreGenerator`."""
    from .generator import StoreGenerator

    return StoreGenerator


def register() -> None:
    """Pelican plugin entry point."""
    signals.get_generators.connect(get_generators)
