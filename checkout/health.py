"""`GET /api/health`, for load balancers and `plus serve`'s readiness: the database answers and takes writes, a catalog is loaded."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy.exc import SQLAlchemyError

from catalog.messages import say

from .catalogs import CatalogUnavailable, get_catalog
from .db import can_write, get_database

log = logging.getLogger("plus.checkout.health")

bp = Blueprint("health", __name__)


@bp.get("/api/health")
def health():
    """200 with the catalog revision when the database takes a write and a catalog is loaded, else 503 saying which."""
    problem = None
    try:
        if not can_write(get_database()):
            problem = "database_busy"
        revision = get_catalog().revision
    except SQLAlchemyError as exc:
        log.error(say("健康检查失败：%s", "health check failed: %s"), exc)
        problem = "database_unavailable"
    except CatalogUnavailable as exc:
        log.error(say("健康检查失败：%s", "health check failed: %s"), exc)
        problem = problem or "catalog_unavailable"
    if problem:
        log.error(say("健康检查：%s", "health check: %s"), problem)
        response = jsonify({"ok": False, "problem": problem})
        response.status_code = 503
        response.headers["Retry-After"] = "5"
    else:
        response = jsonify({"ok": True, "catalog_revision": revision})
    response.headers["Cache-Control"] = "no-store"
    return response
