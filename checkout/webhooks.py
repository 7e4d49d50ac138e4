"""`POST /api/stripe/webhook`: Stripe's signed events, applied once each."""

from __future__ import annotations

import logging

import stripe
from flask import Blueprint, current_app, jsonify, request

from catalog.messages import say

from . import events
from .charges import OrderNotYet
from .db import get_database
from .errors import api_error
from .status import DISPUTE_WORDS, OrderStatus
from .stripe_api import StripeNotConfigured, get_stripe

log = logging.getLogger("plus.checkout.webhooks")

_OUTCOMES = {
    **{status.value: status.label for status in OrderStatus},  # an order's payment event: the order's status after it
    "ignored": "无需处理",
    "duplicate": "重复送达，已处理过",
    "synced": "已同步",
    "unknown_session": "不是本店的付款会话",
    "already_complete": "已付款，不再作废",
    "expired": "已过期，库存已释放",
    "stale": "比已记录的旧，不用",
    "refunded": "已全额退款",
    "partly_refunded": "部分退款",
    "granted": "会员已开通",
    "subscribed": "已订阅",
    "waiting": "等待付款确认",
    "payment_failed": "付款失败",
    "pending": "待处理",
    **{f"dispute_{code}": word for code, word in DISPUTE_WORDS.items()},  # a dispute event: the dispute's status after it
}
"""What a webhook did (its answer's `outcome`, a code Stripe's dashboard shows), as the zh-CN log says it."""

bp = Blueprint("webhooks", __name__)


@bp.post("/api/stripe/webhook")
def receive():
    """Verify the signature on the raw body, then apply the event (a replay answers 200 and does nothing)."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        return api_error(503, "webhooks_not_configured", "STRIPE_WEBHOOK_SECRET is not set")
    try:
        event = events.verify(
            request.get_data(cache=False),
            request.headers.get("Stripe-Signature"),
            secret,
            tolerance=current_app.config["PLUS_WEBHOOK_TOLERANCE"],
        )
    except events.BadSignature as exc:
        log.warning(
            say(
                "Stripe 通知被拒收：签名或时间不对（检查 STRIPE_WEBHOOK_SECRET 是不是这个通知地址的密钥、服务器时钟准不准）：%s",
                "webhook refused: wrong signature or time (check STRIPE_WEBHOOK_SECRET is this endpoint's secret, and the server's clock): %s",
            ),
            exc,
        )
        return api_error(400, "bad_signature", "signature verification failed")
    try:
        client = get_stripe()
    except StripeNotConfigured:
        client = None
    try:
        outcome = events.handle(get_database(), event, client)
    except OrderNotYet:
        # A refund or dispute overtook the payment's own events: nothing is recorded, Stripe retries.
        log.info(
            say(
                "Stripe 通知 %s %s：它的订单还没记录，请 Stripe 稍后重发",
                "webhook %s %s: its order is not recorded yet, asking Stripe to retry",
            ),
            event["id"],
            event["type"],
        )
        return api_error(409, "order_not_yet", "the payment's order is not recorded yet: retry later")
    try:
        events.postpone_overlapping_charges(get_database(), event, client)
    except stripe.StripeError as exc:
        # The event is recorded; Stripe's retry (a duplicate) asks again.
        log.warning(
            say(
                "Stripe 通知 %s %s：下一次银行卡扣款没能推迟到预付期之后：%s",
                "webhook %s %s: could not move the next card charge past the prepaid time: %s",
            ),
            event["id"],
            event["type"],
            exc,
        )
        return api_error(503, "stripe_unavailable", "could not reach Stripe: retry later")
    log.info(say("Stripe 通知 %s %s：%s", "webhook %s %s: %s"), event["id"], event["type"], say(_OUTCOMES.get(outcome, outcome), outcome))
    return jsonify({"received": True, "outcome": outcome})
