"""`create_app`: the checkout's Flask app, its blueprints, error pages and WSGI wrappers."""

from __future__ import annotations

import logging
from importlib.resources import files
from pathlib import Path

from flask import Flask, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFProtect
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.middleware.proxy_fix import ProxyFix

from catalog import urls
from catalog.messages import say
from catalog.money import price_label, yuan
from catalog.urls import product_url

from . import catalogs, config, db, ratelimits, session_cookie
from .addresses import mask_mobile
from .errors import Refusal, malformed_body, refused
from .jsonbody import MalformedBody
from .localtime import local_date, local_time
from .security import SecurityHeaders, security_headers
from .status import OrderStatus, status_with_refund
from .stripe_api import checkout_origin

log = logging.getLogger("plus.checkout")


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then the environment, then `test_config` (read now, never at import)."""
    environment = config.from_environment()
    instance = (test_config or {}).get("PLUS_INSTANCE") or environment.get("PLUS_INSTANCE")
    app = Flask(
        __name__,
        instance_path=str(Path(str(instance)).resolve()) if instance else None,
        instance_relative_config=True,
        static_url_path="/checkout/static",
    )
    settings = config.defaults(app.instance_path)
    settings.update(environment)
    settings.update(test_config or {})
    config.finish(settings, app.instance_path, explicit=set(environment) | set(test_config or {}))
    app.config.from_mapping(settings)

    db.init_app(app)
    catalogs.init_app(app)
    session_cookie.init_app(app)
    csrf = CSRFProtect(app)

    from . import account, address_book, admin, auth, cancel, delivery_step, health, order_pages, shop, viewer, waiting, webhooks

    for module in (auth, shop, health, webhooks, account, admin, delivery_step, address_book, order_pages, cancel, waiting):
        app.register_blueprint(module.bp)
    for module in (shop, health, webhooks, admin, waiting):
        csrf.exempt(module.bp)  # JSON-only or signed: no cookie-authenticated form posts there
    ratelimits.init_app(app)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(MalformedBody, malformed_body)
    app.register_error_handler(Refusal, refused)
    app.register_error_handler(OperationalError, _database_error)
    app.register_error_handler(PoolTimeout, _database_error)
    app.after_request(_no_store_personal)
    # The storefront theme's partials as "theme/…": the checkout's pages wear the site's header bar (not a copy of it).
    theme = PrefixLoader({"theme": FileSystemLoader(str(files("theme") / "templates"))})
    app.jinja_loader = ChoiceLoader([loader for loader in (app.jinja_loader, theme) if loader is not None])
    app.add_template_filter(local_time)
    app.add_template_filter(local_date)
    app.add_template_filter(yuan)  # money as shoppers read it: ¥{{ amount|yuan }} (catalog/money.py's one rule)
    app.add_template_filter(price_label)
    app.add_template_filter(mask_mobile)  # mails and shoppers' pages: 138****8000
    viewer.init_app(app)
    app.context_processor(
        lambda: {
            "site_css": _site_css(app),
            "product_url": _product_url,
            "urls": urls,  # the site's addresses, for the theme's header bar
            "order_status": OrderStatus,
            "status_with_refund": status_with_refund,
        }
    )

    wsgi = app.wsgi_app
    site = Path(app.config["PLUS_SITE_DIR"])
    if app.config.get("PLUS_SERVE_SITE") and site.is_dir():
        from whitenoise import WhiteNoise

        wsgi = WhiteNoise(wsgi, root=str(site), index_file=True, autorefresh=not app.config["PLUS_PRODUCTION"])
        log.info(say("网站页面取自 %s", "serving the static site from %s"), site)
    headers = security_headers(checkout_origin=checkout_origin(app.config), production=app.config["PLUS_PRODUCTION"])
    wsgi = SecurityHeaders(wsgi, headers)
    proxies = app.config["PLUS_TRUSTED_PROXIES"]
    if proxies:  # nginx or load balancers in front: the client's address is in X-Forwarded-For (rate limits key on it)
        wsgi = ProxyFix(wsgi, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.wsgi_app = wsgi  # type: ignore[method-assign]
    return app


def close_app(app: Flask) -> None:
    """Let the app's background Stripe jobs finish, then close its database connections."""
    from .session_queue import close_queue

    close_queue(app)
    db.get_database(app).engine.dispose()


def _product_url(product_id: str) -> str:
    """Where the storefront publishes a product page (the site is served from the root)."""
    return "/" + product_url(product_id)


def _site_css(app: Flask) -> list[str]:
    """The storefront's stylesheets, so account pages look like the rest of the store."""
    if "plus_site_css" not in app.extensions:
        folder = Path(app.config["PLUS_SITE_DIR"]) / "theme" / "css"
        found = sorted(p.name for p in folder.glob("*.css")) if folder.is_dir() else []
        app.extensions["plus_site_css"] = [f"/theme/css/{name}" for name in found]
    return app.extensions["plus_site_css"]


# Pages and answers that show who is logged in, their orders or tokens: never kept by a browser or proxy cache.
PERSONAL_PREFIXES = ("/account", "/auth/", "/checkout/", "/api/me", "/api/admin/", "/api/checkout")
RETRY_AFTER_BUSY = 5


def _no_store_personal(response):
    """`Cache-Control: no-store` on every response with personal data (and on every error from the app)."""
    personal = request.path.startswith(PERSONAL_PREFIXES) and not request.path.startswith("/checkout/static/")
    if personal or response.status_code >= 400:
        response.headers["Cache-Control"] = "no-store"
    return response


def _database_error(error: Exception):
    """A database that cannot take a write in PLUS_DB_WRITE_TIMEOUT: 503 and Retry-After, not a 500 after a minute."""
    if not db.is_busy(error):
        raise error
    log.error(say("数据库忙：%s", "database busy: %s"), error)
    if request.path.startswith("/api/"):
        response = jsonify({"error": {"code": "database_busy", "message": "系统繁忙，请稍后重试"}})
    else:
        response = current_app.make_response((render_template("errors/503.html"), 503))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_BUSY)
    response.headers["Cache-Control"] = "no-store"
    return response


def _http_error(error: HTTPException):
    """JSON errors under /api/, the usual HTML pages elsewhere."""
    if not request.path.startswith("/api/"):
        if error.code == 404:
            page = Path(current_app.config["PLUS_SITE_DIR"]) / "404.html"
            if current_app.config.get("PLUS_SERVE_SITE") and page.is_file():
                return page.read_text(encoding="utf-8"), 404
        if error.code == 429:  # a form posted too often: say so in the shopper's language (Retry-After is added after)
            return render_template("errors/429.html"), 429
        return error
    codes = {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "body_too_large",
        415: "unsupported_media_type",
        429: "rate_limited",
    }
    code = codes.get(error.code or 500, "error")
    message = error.description if error.code != 429 else "请求过于频繁，请稍后再试"
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = error.code or 500
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response
