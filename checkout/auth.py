"""Sign up, log in, log out and reset a password (HTML forms, CSRF-protected, rate-limited)."""

from __future__ import annotations

import functools
import logging
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

from . import accounts, notices, verification
from .db import get_database, get_db
from .models import User

log = logging.getLogger("plus.checkout.auth")

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.before_app_request
def load_user() -> None:
    """Put the logged-in user (or None) on `g`; a login older than a password reset is ended."""
    g.user = None
    uid, epoch = session.get("uid"), session.get("epoch")
    if uid is None:
        return
    user = get_db().get(User, uid)
    if user is None or user.session_epoch != epoch:
        session.clear()
        return
    g.user = user


def login_required(view):
    """Send guests to the login page, then back."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.user is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(**kwargs)

    return wrapped


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after logging in (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target or urlsplit(target).netloc:
        return url_for("account.index")
    return target


def _log_in(user: User) -> None:
    # A new session for a new login: whatever the browser held before (incl. its CSRF token) goes.
    session.clear()
    session["uid"], session["epoch"] = user.id, user.session_epoch
    session.permanent = True


@bp.route("/signup", methods=("GET", "POST"))
def signup():
    """Create an account and log in."""
    if request.method == "POST":
        email, password = request.form.get("email", ""), request.form.get("password", "")
        try:
            if password != request.form.get("password2"):
                raise accounts.AccountError("两次输入的密码不一致")
            with get_database().transaction() as db:
                user = accounts.sign_up(db, email, password)
                notices.verify_email(db, user)
        except accounts.AccountError as exc:
            flash(str(exc), "error")
            return render_template("auth/signup.html", email=email), 400
        _log_in(user)
        log.info("account %s created", user.id)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/signup.html", email="")


@bp.route("/login", methods=("GET", "POST"))
def login():
    """Log in with e-mail and password."""
    if request.method == "POST":
        email = request.form.get("email", "")
        with get_database().transaction() as db:  # a login may upgrade an outdated hash
            user = accounts.authenticate(db, email, request.form.get("password", ""))
        if user is None:
            flash("邮箱或密码不正确", "error")
            return render_template("auth/login.html", email=email), 401
        _log_in(user)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", email="")


@bp.route("/logout", methods=("POST",))
def logout():
    """End the login."""
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
            notices.verify_email(db, db.get(User, g.user.id))
    flash("验证邮件已发送，请查收", "info")
    return redirect(url_for("account.index"))
