"""Sign up, log in, log out and reset a password (HTML forms, CSRF-protected, rate-limited)."""

from __future__ import annotations

import functools
import logging
import re
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
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
from sqlalchemy.exc import IntegrityError

from . import accounts
from .db import get_database, get_db
from .mail import send_mail
from .models import User

log = logging.getLogger("plus.checkout.auth")

bp = Blueprint("auth", __name__, url_prefix="/auth")


_MAILER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="plus-mail")
_PENDING: set[Future] = set()


def send_in_background(to: str, subject: str, body: str) -> Future:
    """Hand a mail to a background thread, so the answer neither waits for SMTP nor depends on it."""
    config = dict(current_app.config)

    def send() -> None:
        try:
            send_mail(to, subject, body, config)
        except Exception:  # the request has been answered: the operator reads this in the log
            log.exception("mail to user could not be sent: %s", subject)

    future = _MAILER.submit(send)
    _PENDING.add(future)
    future.add_done_callback(_PENDING.discard)
    return future


def wait_for_mail(timeout: float = 30.0) -> None:
    """Wait until every mail handed to the background has been sent or has failed (for tests and shutdown)."""
    futures.wait(list(_PENDING), timeout=timeout)


@bp.before_app_request
def load_user() -> None:
    """Put the logged-in user (or None) on `g`; a login older than a password reset is ended."""
    g.user = None
    uid, epoch = session.get("uid"), session.get("epoch")
    if uid is None:
        return
    db = get_db()
    user = db.get(User, uid) if isinstance(uid, int) else None
    # The request's connection goes back to the pool now: a view that then waits on Stripe must
    # not hold it (a pool of N connections would deadlock under N logged-in checkouts).
    db.close()
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


SAFE_PATH = re.compile(r"^/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/%?]{0,500}\Z")


def _safe_next(target: str | None) -> str:
    """Only same-site paths of printable ASCII are followed after logging in (no open redirect, no header injection)."""
    if not target or not SAFE_PATH.match(target) or urlsplit(target).netloc:
        return url_for("account.index")
    return target


def _log_in(user: User) -> None:
    # A new session for a new login: whatever the browser held before (incl. its CSRF token) goes.
    session.clear()
    session["uid"], session["epoch"] = user.id, user.session_epoch
    session.permanent = True


SIGNUP_MAILS = {
    "created": (
        "确认您的PLUS会员店账户",
        "欢迎注册PLUS会员店。请在1小时内打开以下链接确认邮箱并登录：\n{link}\n\n如果不是您本人操作，请忽略本邮件，账户不会启用。",
    ),
    "unconfirmed": (
        "确认您的PLUS会员店账户",
        "您（或他人）用此邮箱注册了PLUS会员店，密码已更新为最近一次注册时填写的密码。请在1小时内打开以下链接确认邮箱并登录：\n{link}\n\n如果不是您本人操作，请忽略本邮件。",
    ),
    "exists": (
        "您已有PLUS会员店账户",
        "有人用此邮箱申请注册，但该邮箱已有账户，未做任何更改。如果忘记了密码，请在1小时内打开以下链接设置新密码：\n{link}\n\n如果不是您本人操作，请忽略本邮件。",
    ),
}


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
                address, outcome, token = started.user.email, started.outcome, started.token
        except accounts.AccountError as exc:
            flash(str(exc), "error")
            return render_template("auth/signup.html", email=email), 400
        except IntegrityError:  # the same address signed up at the same moment: that request mails the link
            return render_template("auth/check_mail.html")
        endpoint = "auth.reset_confirm" if outcome == "exists" else "auth.confirm"
        link = f"{current_app.config['PUBLIC_URL']}{url_for(endpoint, token=token)}"
        subject, body = SIGNUP_MAILS[outcome]
        send_in_background(address, subject, body.format(link=link))
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
        log.info("account %s confirmed", user.id)
        flash("邮箱已确认，欢迎加入PLUS会员店", "info")
        return redirect(url_for("account.index"))
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
        with get_database().transaction() as db:
            found = accounts.start_reset(db, request.form.get("email", ""))
        if found is not None:
            user, token = found
            link = f"{current_app.config['PUBLIC_URL']}{url_for('auth.reset_confirm', token=token)}"
            # Sent off the request's path: a slow or failing mail server must not tell a known address from an unknown one.
            send_in_background(
                user.email, "重置您的PLUS会员店密码", f"请在1小时内打开以下链接设置新密码：\n{link}\n\n如果不是您本人操作，请忽略本邮件。"
            )
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
