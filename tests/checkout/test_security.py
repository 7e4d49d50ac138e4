"""Security headers on every response: the app's pages, its JSON, errors and the static site's files."""

from __future__ import annotations

import pytest


def served_site(tmp_path):
    site = tmp_path / "site"
    (site / "theme" / "css").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><title>PLUS</title>", encoding="utf-8")
    (site / "theme" / "css" / "store.css").write_text("body{color:#222}", encoding="utf-8")
    (site / "404.html").write_text("<!doctype html><title>找不到页面</title>", encoding="utf-8")
    return site


@pytest.fixture
def site_app(make_app, tmp_path):
    site = served_site(tmp_path)

    def make(public_url: str = "http://127.0.0.1:8000"):
        return make_app(PUBLIC_URL=public_url, PLUS_SERVE_SITE=True, PLUS_SITE_DIR=str(site), MAIL_SERVER="mail.invalid")

    return make


def get(client, path: str):
    """GET a path and close the response (static files are streamed from open files)."""
    response = client.get(path)
    response.get_data()
    response.close()
    return response


PATHS = ["/", "/theme/css/store.css", "/api/me", "/auth/login", "/api/admin/orders", "/no-such-page", "/api/no-such-endpoint"]


@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_the_security_headers(site_app, path):
    response = get(site_app().test_client(), path)
    csp = response.headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'self'"):
        assert directive in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("path", ["/", "/theme/css/store.css", "/api/me"])
def test_hsts_in_production(site_app, path):
    response = get(site_app("https://plus.example.com").test_client(), path)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_forms_may_post_to_the_checkout_page_origin_only(site_app, standin):
    csp = get(site_app().test_client(), "/").headers["Content-Security-Policy"]
    assert f"form-action 'self' {standin}" in csp


def test_static_site_and_app_share_one_port(site_app):
    client = site_app().test_client()
    assert "PLUS" in get(client, "/").get_data(as_text=True)
    assert client.get("/api/me").is_json
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "找不到页面" in page.get_data(as_text=True)
    api = client.get("/api/no-such-endpoint")
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"


def test_account_pages_use_the_storefront_stylesheet(site_app):
    page = site_app().test_client().get("/auth/login").get_data(as_text=True)
    assert 'href="/theme/css/store.css"' in page and 'lang="zh-CN"' in page


def test_curator_text_is_escaped_on_account_pages(app, client, shop_content):
    from .helpers import UMBRELLA, buy, pay, sign_up  # noqa: F401
    from .test_webhooks import as_paid

    shop_content.product("umbrella", UMBRELLA.replace("title: 24骨全自动雨伞", 'title: "<script>alert(1)</script>伞"'))
    sign_up(client, "xss@example.com")
    session = as_paid(app, buy(client, [{"product": "umbrella", "quantity": 1}]).get_json()["id"])
    from .helpers import post_event

    post_event(client, "checkout.session.completed", session)
    page = client.get("/account/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;伞" in page
