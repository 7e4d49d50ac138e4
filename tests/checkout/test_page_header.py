"""The checkout's pages wear the static site's header bar: logo home, search, account, cart with its badge."""

from __future__ import annotations

from catalog import urls

from .helpers import sign_up


def header_of(html: str) -> str:
    return html[html.index("<header") : html.index("</header>")]


def test_a_guests_checkout_page_has_the_sites_header(client):
    header = header_of(client.get("/auth/login").get_data(as_text=True))
    assert '<a class="logo" href="/" aria-label="PLUS会员店 首页">' in header
    assert f'action="/{urls.search_url()}"' in header and 'name="q"' in header
    assert f'<a class="cart-link" href="/{urls.PAGES["cart"]}">' in header and "data-cart-count" in header
    assert '<a class="account-link" href="/account/">我的</a>' in header
    assert "登录" in header and "注册" in header


def test_a_members_account_page_has_it_too_with_the_cart_script(client):
    sign_up(client, "member@example.com")
    html = client.get("/account/").get_data(as_text=True)
    header = header_of(html)
    assert 'class="logo"' in header and "data-cart-count" in header and "退出" in header
    assert '<script src="/theme/js/cart.js" defer></script>' in html  # fills the badge from the cart
