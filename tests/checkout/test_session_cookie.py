"""A member's login cookie is signed again when it changes or once an hour, not with every answer."""

from __future__ import annotations

import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import TimestampSigner
from sqlalchemy import select

from checkout.db import get_database
from checkout.models import User

from .helpers import log_in, make_account


def test_an_unchanged_login_cookie_is_signed_again_once_an_hour_old(make_app, monkeypatch):
    app = make_app()
    make_account(app, "hourly@example.com")
    member = app.test_client()
    log_in(member, "hourly@example.com")
    assert "plus_session" not in member.get("/api/me").headers.get("Set-Cookie", "")  # signed a moment ago
    with get_database(app).sessions() as db:
        uid = db.scalar(select(User.id).where(User.email == "hourly@example.com"))
    two_hours_ago = int(time.time()) - 7200
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: two_hours_ago)
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    member.set_cookie("plus_session", serializer.dumps({"uid": uid, "epoch": 0, "_permanent": True}))
    monkeypatch.undo()
    refreshed = member.get("/api/me")
    assert refreshed.get_json()["authenticated"] is True
    assert "plus_session=" in refreshed.headers.get("Set-Cookie", "")  # a visit keeps the login alive
