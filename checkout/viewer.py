"""A cookie the storefront's script can read to know when its cached `/api/me` answer went stale.

cart.js keeps `/api/me` (member or not) for a few minutes so every static page does not ask the
server. Logging in, logging out and a membership change must show at once, so every response of
the app carries `plus_me`: a digest of who is logged in and until when they are a member. It
changes on exactly those events; the script fetches `/api/me` again whenever it differs from the
value stored with its cache. The digest names nobody (keyed by the app's secret).
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, Response, current_app, g, request, session

from .auth import is_light
from .db import get_db
from .models import User

COOKIE = "plus_me"


def viewer_state() -> str:
    """`0` for a guest; otherwise a digest of the account, its login and its membership end."""
    uid = session.get("uid")
    if not isinstance(uid, int):
        return "0"
    user = g.user if g.get("user") is not None and g.user.id == uid else get_db().get(User, uid)  # just logged in
    if user is None:
        return "0"
    until = user.member_until.isoformat() if user.member_until else ""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"{uid}:{session.get('epoch')}:{until}".encode(), hashlib.sha256).hexdigest()[:20]


def _set_state(response: Response) -> Response:
    if is_light():  # a poll: the next page view says it
        return response
    state = viewer_state()
    if request.cookies.get(COOKIE, "0") != state:  # no cookie means a guest, as "0" does
        response.set_cookie(COOKIE, state, path="/", samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def init_app(app: Flask) -> None:
    """Refresh `plus_me` on every response of the app."""
    app.after_request(_set_state)
