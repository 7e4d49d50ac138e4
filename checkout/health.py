"""`GET /api/health`, for load balancers and `plus serve`'s readiness: the database answers, a catalog is loaded."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .catalogs import CatalogUnavailable, get_catalog
from .db import get_db

log = logging.getLogger("plus.checkout.health")

bp = Blueprint("health", __name__)


@bp.get("/api/health")
def health():
    """200 with the catalog revision when the database answers and a catalog is loaded, else 503."""
    try:
        get_db().execute(text("SELECT 1"))
        revision = get_catalog().revision
    except (SQLAlchemyError, CatalogUnavailable) as exc:
        log.error("health check failed: %s", exc)
        response = jsonify({"ok": False})
        response.status_code = 503
    else:
        response = jsonify({"ok": True, "catalog_revision": revision})
    response.headers["Cache-Control"] = "no-store"
    return response
