"""Sign up, log in, log out and reset a password (HTML forms, CSRF-protected, rate-limited)."""

from __future__ import annotations

import functools
import logging
import re
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached

from catalog.messages import say

from . import accounts, notices, verification
from .db import get_database, get_db
from .models import User

log = logging.getLogger("plus.checkout.auth")

bp = Blueprint("auth", __name__, url_prefix="/auth")


def light(view):
    """Mark a view that checks the session's login itself (a poll asked every few seconds): no account is loaded for it.

    `g.user` stays None there, and the `plus_me` cookie is left as it is (checkout.viewer).
    """
    view.plus_light = True
    return view


def is_light() -> bool:
    """Whether this request's view is marked `light`."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "plus_light", False)


@bp.before_app_request
def load_user() -> None:
    """Put the logged-in user (or None) on `g`; a login older than a password reset is ended."""
    g.user = None
    if is_light():
        return
    uid, epoch = session.get("uid"), session.get("epoch")
    if uid is None:
        return
    user = account(uid) if isinstance(uid, int) else None
    if user is None or user.session_epoch != epoch:
        session.clear()
        return
    g.user = user


_ACCOUNT = select(*(prop.columns[0].label(prop.key) for prop in User.__mapper__.column_attrs)).where(User.id == bindparam("uid"))


def account(uid: int) -> User | None:
    """The account `uid`, detached, as a query would load it; read in one Core statement (no ORM session).

    Every request of a logged-in shopper asks it (each reload of a waiting page too): the ORM's
    session and loading cost three times the statement. The connection goes back to the pool at
    once: a view that then waits on Stripe holds none (a pool of N connections would deadlock
    under N logged-in checkouts).
    """
    with get_database().engine.connect() as connection:
        row = connection.execute(_ACCOUNT, {"uid": uid}).first()
    if row is None:
        return None
    user = User(**row._mapping)
    make_transient_to_detached(user)  # loaded, not new: nothing is inserted if it is added to a session
    return user


def login_required(view):
    """Send guests to the login page, then back."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.user is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(**kwargs)

    return wrapped


SAFE_PATH = re.compile(r"^/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/%?]{0,500}\Z")


def _safe_next(target: str | None) -> str:
    """Only same-site paths of printable ASCII are followed after logging in (no open redirect, no header injection)."""
    return _kept_next(target) or url_for("account.index")


def _kept_next(target: str | None) -> str | None:
    """`target` when it is a same-site path worth carrying through a mailed link, else None."""
    return target if target and SAFE_PATH.match(target) and not urlsplit(target).netloc else None


def _log_in(user: User) -> None:
    # A new session for a new login: whatever the browser held before (incl. its CSRF token) goes.
    session.clear()
    session["uid"], session["epoch"] = user.id, user.session_epoch
    session.permanent = True


@bp.route("/signup", methods=("GET", "POST"))
def signup():
    """Start an account; the answer is the same whether or not the address has one (the mail says which)."""
    if request.method == "POST":
        email, password = request.form.get("email", ""), request.form.get("password", "")
        try:
            if password != request.form.get("password2"):
                raise accounts.AccountError("两次输入的密码不一致")
            with get_database().transaction() as db:
                started = accounts.sign_up(db, email, password)
                # The answer is the same for every address; the mail (written with the account) says what happened.
                if started.outcome == "exists":
                    path = url_for("auth.reset_confirm", token=started.token)
                else:  # confirming ends where the sign-up started (the membership page…), as a login does
                    path = url_for("auth.confirm", token=started.token, next=_kept_next(request.args.get("next")))
                link = f"{current_app.config['PUBLIC_URL']}{path}"
                notices.sign_up(db, started.user, started.outcome, link)
        except accounts.AccountError as exc:
            flash(str(exc), "error")
            return render_template("auth/signup.html", email=email), 400
        except IntegrityError:  # the same address signed up at the same moment: that request mails the link
            return render_template("auth/check_mail.html")
        return render_template("auth/check_mail.html")
    return render_template("auth/signup.html", email="")


@bp.route("/confirm/<token>", methods=("GET", "POST"))
def confirm(token: str):
    """Confirm a new account's address with the mailed link, then log in (a button: mail scanners open links too)."""
    if request.method == "POST":
        try:
            with get_database().transaction() as db:
                user = accounts.confirm(db, token)
        except accounts.AccountError as exc:
            flash(str(exc), "error")
            return render_template("auth/confirm.html", valid=False), 400
        _log_in(user)
        log.info(say("账户 %s 已确认邮箱", "account %s confirmed"), user.id)
        flash("邮箱已确认，欢迎加入PLUS会员店", "info")
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/confirm.html", valid=accounts.token_user(get_db(), token, "confirm") is not None)


@bp.route("/login", methods=("GET", "POST"))
def login():
    """Log in with e-mail and password."""
    if request.method == "POST":
        email = request.form.get("email", "")
        with get_database().transaction() as db:  # a login may upgrade an outdated hash
            user = accounts.authenticate(db, email, request.form.get("password", ""))
        if user is None:
            flash("邮箱或密码不正确（刚注册的账户请先打开确认邮件中的链接）", "error")
            return render_template("auth/login.html", email=email), 401
        _log_in(user)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", email="")


@bp.route("/logout", methods=("POST",))
def logout():
    """End the login here and on every copy of the session cookie (the user's session epoch moves on)."""
    if g.user is not None:
        with get_database().transaction() as db:
            user = db.get(User, g.user.id)
            if user is not None:
                accounts.end_sessions(user)
    session.clear()
    return redirect("/")


@bp.route("/reset", methods=("GET", "POST"))
def reset_request():
    """Mail a one-time reset link; the answer is the same whether or not the address has an account."""
    if request.method == "POST":
        with get_database().transaction() as db:  # the mail is written with the token it carries
            found = accounts.start_reset(db, request.form.get("email", ""))
            if found is not None:
                user, token = found
                notices.password_reset(db, user, f"{current_app.config['PUBLIC_URL']}{url_for('auth.reset_confirm', token=token)}")
        flash("如果该邮箱已注册，重置链接已发送，请查收邮件。", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html")


@bp.route("/reset/<token>", methods=("GET", "POST"))
def reset_confirm(token: str):
    """Set a new password with a reset link."""
    if request.method == "POST":
        password = request.form.get("password", "")
        try:
            if password != request.form.get("password2"):
                raise accounts.AccountError("两次输入的密码不一致")
            with get_database().transaction() as db:
                user = accounts.finish_reset(db, token, password)
        except accounts.AccountError as exc:
            flash(str(exc), "error")
            return render_template("auth/reset_confirm.html", valid=accounts.reset_user(get_db(), token) is not None), 400
        _log_in(user)
        flash("密码已更新", "info")
        return redirect(url_for("account.index"))
    return render_template("auth/reset_confirm.html", valid=accounts.reset_user(get_db(), token) is not None)


@bp.get("/verify/<token>")
def verify(token: str):
    """Open the mailed link: the address is verified and its guest orders join the account."""
    with get_database().transaction() as db:
        user = verification.confirm(db, token[:400])
    if user is None:
        flash("验证链接无效或已过期，请登录后重新发送验证邮件", "error")
        return redirect(url_for("account.index"))
    flash("邮箱已验证，用这个邮箱付款的订单已加入您的账户", "info")
    return redirect(url_for("account.index"))


@bp.post("/verify")
@login_required
def resend_verification():
    """Mail the verification link again."""
    if g.user.email_verified_at is None:
        with get_database().transaction() as db:
            if (user := db.get(User, g.user.id)) is not None:  # None: the account was deleted meanwhile
                notices.verify_email(db, user)
    flash("验证邮件已发送，请查收", "info")
    return redirect(url_for("account.index"))
