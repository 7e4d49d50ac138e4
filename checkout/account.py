"""`/account`: a member's orders and membership, and buying a year of PLUS."""

from __future__ import annotations

import datetime as dt
import logging

import stripe
from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from catalog.messages import say

from .auth import login_required
from .catalogs import CatalogUnavailable, get_catalog
from .config import payment_methods
from .db import end_request_transaction, get_database, get_db
from .localtime import local
from .membership import cancel_renewal as cancel_renewal_of
from .membership import first_charge_at, latest_payment_state, renewing_subscription, standing, too_early_to_subscribe
from .models import Order, utcnow
from .payments import PaymentProviderError, Settings, start_membership
from .session_queue import get_queue
from .stripe_api import StripeNotConfigured, get_stripe

log = logging.getLogger("plus.checkout.account")

bp = Blueprint("account", __name__, url_prefix="/account")

REFRESH_SECONDS = 3
"""How often the account page reloads itself while a PLUS payment waits for its confirmation."""
METHOD_LABELS = {"card": "银行卡（自动续费）", "alipay": "支付宝（一次付清一年）", "wechat_pay": "微信支付（一次付清一年）"}


def _methods() -> list[str]:
    return ["card"] + [m for m in payment_methods(current_app.config) if m != "card"]


@bp.get("/")
def index():
    """The member's orders and membership."""
    if g.user is None:
        return redirect(url_for("auth.login", next=url_for("account.index")))
    db = get_db()
    orders = db.scalars(select(Order).where(Order.user_id == g.user.id).order_by(Order.created_at.desc()).limit(100)).all()
    # Back from paying for PLUS: until the webhook confirms it, the page says so and reloads itself.
    paying = latest_payment_state(db, g.user.id, returned=request.args.get("membership") == "success")
    return render_template("account/index.html", orders=orders, plus=standing(db, g.user), paying=paying, refresh_seconds=REFRESH_SECONDS)


@bp.post("/membership/cancel")
@login_required
def cancel_renewal():
    """Turn off the automatic yearly renewal of a card subscription."""
    try:
        stopped = cancel_renewal_of(get_database(), g.user.id, client=get_stripe())
    except (stripe.StripeError, StripeNotConfigured) as exc:
        log.error(say("会员 %s 的自动续费没有取消：%s", "could not cancel the renewal of member %s: %s"), g.user.id, exc)
        flash("暂时无法取消自动续费，请稍后再试", "error")
        return redirect(url_for("account.index"))
    flash("已取消自动续费，会员权益保留至当前周期结束" if stopped else "没有需要取消的自动续费", "info")
    return redirect(url_for("account.index"))


@bp.route("/membership", methods=("GET", "POST"))
@login_required
def membership():
    """Choose how to pay for a year of PLUS, then go to Stripe Checkout."""
    now = utcnow()
    page = {
        "methods": _methods(),
        "labels": METHOD_LABELS,
        "price": current_app.config["PLUS_MEMBERSHIP_PRICE"],
        "paid_until": g.user.member_until if g.user.is_member() else None,
    }
    renewing = renewing_subscription(get_db(), g.user.id, now)
    if renewing is not None:  # paying again, by any method, would pay a second time for a year the card pays
        flash(f"您的PLUS会员已开通自动续费，有效期至{_day(renewing.ends_at)}，到期自动续费一年，无需重复购买", "info")
        return redirect(url_for("account.index"))
    if request.method == "POST":
        method = request.form.get("method", "")
        if method not in page["methods"]:
            flash("请选择支付方式", "error")
            return render_template("account/membership.html", **page), 400
        first_charge = first_charge_at(g.user, now) if method == "card" else None
        if too_early_to_subscribe(first_charge, now):
            flash(f"您的PLUS会员已付至{_day(g.user.member_until)}，暂时无需开通自动续费；到期前两年内再来开通即可", "info")
            return redirect(url_for("account.index"))
        try:
            revision = get_catalog().revision
            end_request_transaction()  # no connection is held while Stripe answers
            started = start_membership(
                get_database(),
                get_stripe(),
                Settings.from_config(current_app.config),
                g.user,
                method,
                revision=revision,
                now=now,
                first_charge=first_charge,
                pace=get_queue().pace,  # in the rush's turns, 429s retried (checkout.stripe_pace)
            )
        except (PaymentProviderError, StripeNotConfigured, CatalogUnavailable) as exc:
            log.error(say("会员付款没有开始：%s", "membership checkout could not start: %s"), exc)
            flash("支付服务暂时不可用，请稍后再试", "error")
            return render_template("account/membership.html", **page), 503
        return redirect(started.url, code=303)
    return render_template("account/membership.html", **page)


def _day(moment: dt.datetime) -> str:
    """A day as a member reads it in a sentence: 2027年03月01日 (Beijing time)."""
    return local(moment).strftime("%Y年%m月%d日")
