"""The catalog as the checkout sees it: loaded by the catalog package, reloaded when content changes.

A reload that finds errors keeps the last good catalog (and logs the problems), so a curator's
half-saved file never takes the till down.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from pathlib import Path

from flask import Flask, current_app

from catalog import Catalog, ContentError, Severity, require_catalog
from catalog.messages import say

log = logging.getLogger("plus.checkout.catalog")


class CatalogUnavailable(RuntimeError):
    """No valid catalog could be loaded at all."""


class CatalogSource:
    """Loads the catalog once and again whenever a content file's size or time changes."""

    def __init__(self, root: Path, *, today: dt.date | None, recheck_seconds: float):
        self.root = root
        self.today = today
        self.recheck_seconds = recheck_seconds
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None
        self._signature: tuple | None = None
        self._checked = 0.0

    def get(self) -> Catalog:
        """The current catalog."""
        with self._lock:
            now = time.monotonic()
            if self._catalog is None or now - self._checked >= self.recheck_seconds:
                self._checked = now
                signature = self._scan()
                if signature != self._signature:
                    self._load(signature)
            if self._catalog is None:
                raise CatalogUnavailable(f"no valid catalog in {self.root}")
            return self._catalog

    def _scan(self) -> tuple:
        entries = []
        for folder, _dirs, files in os.walk(self.root):
            for name in files:
                if name.endswith(".yaml"):
                    stat = os.stat(os.path.join(folder, name))
                    entries.append((folder, name, stat.st_mtime_ns, stat.st_size))
        return tuple(sorted(entries))

    def _load(self, signature: tuple) -> None:
        try:
            catalog = require_catalog(self.root, today=self.today or dt.date.today())
        except ContentError as exc:
            for problem in exc.problems:
                level = logging.ERROR if problem.severity is Severity.ERROR else logging.WARNING
                log.log(level, "catalog: %s", problem.as_text())
            if self._catalog is not None:
                log.error(
                    say("商品目录：新目录有错，继续用上一个有效的（版本 %s）", "catalog: keeping the last valid catalog (revision %s)"),
                    self._catalog.revision,
                )
            return
        self._catalog, self._signature = catalog, signature
        log.info(say("商品目录：%d 件商品，版本 %s", "catalog: %d products, revision %s"), len(catalog.products), catalog.revision)


def init_app(app: Flask) -> None:
    """Attach the catalog source configured by PLUS_CONTENT and PLUS_TODAY."""
    today = app.config.get("PLUS_TODAY")
    if isinstance(today, str):
        today = dt.date.fromisoformat(today)
    app.extensions["plus_catalog"] = CatalogSource(
        Path(app.config["PLUS_CONTENT"]),
        today=today,
        recheck_seconds=float(app.config["PLUS_CATALOG_RELOAD_SECONDS"]),
    )


def get_catalog(app: Flask | None = None) -> Catalog:
    """The catalog the checkout prices from."""
    return (app or current_app).extensions["plus_catalog"].get()
