"""The signed session cookie, re-signed when it changes or once it is an hour old, not on every request.

Flask re-signs a permanent session (a member's login) and sends it again with every answer, so
that it lasts PERMANENT_SESSION_LIFETIME from the last visit. That costs a signature and a
Set-Cookie on each of a logged-in shopper's requests (every poll of a waiting page too). Here an
unchanged cookie is sent again only when it was signed more than REFRESH_AFTER ago: it still
lasts the lifetime from the last visit, give or take that hour.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature

REFRESH_AFTER = dt.timedelta(hours=1)


class SignedSession(SecureCookieSession):
    """A session that knows when its cookie was signed (None: a new one)."""

    signed_at: dt.datetime | None = None


class HourlySessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, refreshed at most once an hour while unchanged."""

    session_class = SignedSession

    def open_session(self, app: Flask, request: Request) -> SignedSession | None:
        signer = self.get_signing_serializer(app)
        if signer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            data, signed_at = signer.loads(value, max_age=int(app.permanent_session_lifetime.total_seconds()), return_timestamp=True)
        except BadSignature:
            return self.session_class()
        found = self.session_class(data)
        found.signed_at = signed_at
        return found

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or dt.datetime.now(dt.UTC) - signed_at >= REFRESH_AFTER


def init_app(app: Flask) -> None:
    """Use the hourly-refreshed session cookie."""
    app.session_interface = HourlySessionInterface()
