"""`GET /api/health` is part of the app itself: what a load balancer probes on any instance."""

from __future__ import annotations

from checkout import create_app
from checkout.catalogs import get_catalog

from .helpers import app_config


def test_health_answers_ok_with_the_catalog_revision(app):
    response = app.test_client().get("/api/health")
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "catalog_revision": get_catalog(app).revision}
    assert response.headers["Cache-Control"] == "no-store"


def test_health_is_503_when_the_database_does_not_answer(shop_content, today, tmp_path):
    # Nothing listens on port 1: the connection is refused at once.
    app = create_app(app_config("postgresql://plus@127.0.0.1:1/plus", shop_content.root, None, today, PLUS_INSTANCE=str(tmp_path)))
    response = app.test_client().get("/api/health")
    assert response.status_code == 503
    assert response.get_json() == {"ok": False, "problem": "database_unavailable"}
    assert response.headers["Cache-Control"] == "no-store"


def test_health_is_503_when_no_valid_catalog_loads(make_app, shop_content):
    shop_content.product("broken", "title: [unclosed\n")
    response = make_app().test_client().get("/api/health")
    assert response.status_code == 503
    assert response.get_json() == {"ok": False, "problem": "catalog_unavailable"}


def test_health_is_never_rate_limited_or_csrf_checked(make_app):
    client = make_app(PLUS_RATE_CHECKOUT="1 per minute").test_client()
    assert [client.get("/api/health").status_code for _ in range(5)] == [200] * 5
