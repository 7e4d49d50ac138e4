"""The `plus_me` cookie changes exactly when what the cart shows must change: login, logout, membership."""

from __future__ import annotations

from .helpers import csrf_token, log_in, sign_up
from .test_shop import make_member


def viewer_cookie(client) -> str:
    cookie = client.get_cookie("plus_me")
    return cookie.value if cookie is not None else "0"


def test_a_guest_gets_no_viewer_cookie(client):
    client.get("/api/me")
    assert client.get_cookie("plus_me") is None


def test_login_logout_and_joining_plus_each_change_the_viewer_cookie(app, client):
    sign_up(client, "joiner@example.com")
    client.get("/api/me")
    plain = viewer_cookie(client)
    assert plain != "0"
    client.get("/api/me")
    assert viewer_cookie(client) == plain  # nothing changed: the cached answer stays good
    make_member(app, "joiner@example.com")
    client.get("/api/me")
    member = viewer_cookie(client)
    assert member not in ("0", plain)
    page = client.get("/account/").get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": csrf_token(page)})
    assert viewer_cookie(client) == "0"
    log_in(client, "joiner@example.com")
    assert viewer_cookie(client) not in ("0", member)  # a new login: a new state, even for the same member


def test_the_viewer_cookie_names_nobody(app, client):
    sign_up(client, "private@example.com")
    client.get("/api/me")
    state = viewer_cookie(client)
    assert "private" not in state and len(state) == 20
    assert client.get_cookie("plus_me").http_only is False  # the storefront's script reads it
