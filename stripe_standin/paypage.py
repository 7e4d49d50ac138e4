"""The hosted pay page `/pay/<session id>`: a zh-CN test-mode page where the customer pays or cancels."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, redirect, render_template, request

from . import payments
from .api import standin
from .errors import StripeError
from .money import shown_amount
from .sessions import ASYNC_METHODS

bp = Blueprint("pay_page", __name__, template_folder="templates")

METHOD_LABELS = {"card": "银行卡 Card", "alipay": "支付宝 Alipay", "wechat_pay": "微信支付 WeChat Pay"}
INTERVAL_LABELS = {"day": "天", "week": "周", "month": "月", "year": "年"}
TEST_CARD = "4242 4242 4242 4242"
CHINA = dt.timezone(dt.timedelta(hours=8))


@bp.get("/pay/<session_id>")
def show(session_id):
    """Show the session's lines, total and payment methods (or that it is paid, canceled or expired)."""
    return _page(_session(session_id), canceled=request.args.get("canceled") == "1")


@bp.post("/pay/<session_id>")
def pay(session_id):
    """Pay: complete the session, send its webhooks and go to success_url."""
    session = _session(session_id)
    methods = session["payment_method_types"]
    method = request.form.get("payment_method", methods[0])
    try:
        payments.pay(
            standin(),
            session,
            method=method,
            email=request.form.get("email", "").strip() or None,
            card=request.form.get("card_number", ""),
            fail_later=request.form.get("fail") == "1",
        )
    except payments.PaymentDeclined as declined:
        return _page(session, error=str(declined)), 402
    except StripeError as refused:
        return _page(session, error=refused.message), 409 if session["status"] != "open" else 400
    if session["success_url"]:
        return redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]), 303)
    return redirect(f"/pay/{session['id']}", 303)


@bp.post("/pay/<session_id>/cancel")
def cancel(session_id):
    """Cancel: back to cancel_url; the session stays open, as at Stripe."""
    session = _session(session_id)
    if session["cancel_url"]:
        return redirect(session["cancel_url"], 303)
    return redirect(f"/pay/{session['id']}?canceled=1", 303)


def _session(session_id: str) -> dict:
    st = standin()
    st.sweep()
    session = st.store.get(session_id, "checkout.session")
    if session is None:
        abort(404, "没有这个支付会话 No such checkout session")
    return session


def _page(session: dict, *, error: str | None = None, canceled: bool = False) -> str:
    currency = session["currency"]
    lines = [
        {
            "name": line["description"],
            "image": _first_image(line["price"]["product"]),
            "quantity": line["quantity"],
            "unit": shown_amount(line["price"]["unit_amount"], currency),
            "amount": shown_amount(line["amount_total"], currency),
            "every": _every(line["price"]["recurring"]),
        }
        for line in session["_line_items"]
    ]
    methods = [(name, METHOD_LABELS[name], name in ASYNC_METHODS) for name in session["payment_method_types"]]
    return render_template(
        "pay.html",
        session=session,
        email=payments.known_email(standin(), session),
        lines=lines,
        methods=methods,
        error=error,
        canceled=canceled,
        total=shown_amount(session["amount_total"], currency),
        shipping=_shipping(session),
        trial=_trial(session, lines),
        test_card=TEST_CARD,
    )


def _trial(session: dict, lines: list[dict]) -> str | None:
    """A trial's terms as the page states them: `今日 ¥0，2027-06-20 起每年 ¥258` (None without a trial)."""
    trial_end = (session.get("_subscription_data") or {}).get("trial_end")
    if not trial_end:
        return None
    currency = session["currency"]
    later = sum(line["amount_total"] for line in session["_line_items"])
    every = next((line["every"] for line in lines if line["every"]), "")
    first_day = dt.datetime.fromtimestamp(trial_end, CHINA).date().isoformat()
    return f"今日 {shown_amount(0, currency)}，{first_day} 起{every} {shown_amount(later, currency)}"


def _first_image(product_id: str) -> str | None:
    images = (standin().store.get(product_id, "product") or {}).get("images") or [None]
    return images[0]


def _every(recurring: dict | None) -> str | None:
    if not recurring:
        return None
    count = recurring["interval_count"]
    unit = INTERVAL_LABELS[recurring["interval"]]
    return f"每{unit}" if count == 1 else f"每{count}{unit}"


def _shipping(session: dict) -> dict | None:
    """The selected shipping option as the page shows it (name and amount)."""
    cost = session.get("shipping_cost")
    if not cost:
        return None
    name = (session.get("_shipping_names") or {}).get(cost["shipping_rate"], "Shipping")
    return {"name": name, "amount": shown_amount(cost["amount_total"], session["currency"])}
