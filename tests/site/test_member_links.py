"""The static pages send shoppers to the checkout app's real member pages."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.exceptions import NotFound

from checkout import create_app
from tests.site.conftest import parse


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    """The checkout app's URL map, to match the site's links against."""
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "test", "PLUS_INSTANCE": str(instance), "DATABASE_URL": f"sqlite:///{instance / 'plus.db'}"}
    )
    return app.url_map.bind("shop.test")


def view_of(routes, href: str) -> str | None:
    """The checkout view a root-relative link reaches, or None."""
    if not href.startswith("/") or href.startswith("//"):
        return None
    try:
        return routes.match(urlsplit(href).path, method="GET")[0]
    except NotFound:
        return None


def hrefs(site, path: str) -> list[str]:
    return [e.attrs["href"] for e in parse(site / path).find("a")]


def after_login(href: str) -> str:
    (target,) = parse_qs(urlsplit(href).query)["next"]
    return target


def test_membership_page_offers_to_join_log_in_and_sign_up(shop_site, routes):
    links = hrefs(shop_site, "membership/index.html")
    views = [view_of(routes, h) for h in links]
    assert {"account.membership", "auth.login", "auth.signup"} <= set(views)
    for href, view in zip(links, views, strict=True):
        if view in ("auth.login", "auth.signup"):  # then on to buying PLUS
            assert view_of(routes, after_login(href)) == "account.membership"


def test_members_only_product_links_to_joining_and_back_after_login(shop_site, routes):
    links = hrefs(shop_site, "p/plus-bra/index.html")
    assert any(view_of(routes, h) == "account.membership" for h in links)
    (login,) = [h for h in links if view_of(routes, h) == "auth.login"]
    assert after_login(login) == "/p/plus-bra/"


@pytest.mark.parametrize("path", ["index.html", "p/umbrella/index.html", "c/home/index.html"])
def test_every_page_links_to_the_account(shop_site, routes, path):
    assert "account.index" in [view_of(routes, h) for h in hrefs(shop_site, path)]


def test_the_site_asks_the_checkout_who_is_logged_in(shop_site, routes):
    body = parse(shop_site / "index.html").find("body")[0]
    assert view_of(routes, body.attrs["data-api"] + "/me") == "checkout.me"
