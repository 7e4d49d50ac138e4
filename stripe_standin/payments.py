"""Paying a session on the hosted page: payment intents, charges, delayed (Alipay/WeChat Pay) settlement, refunds."""

from __future__ import annotations

import re

from . import billing
from .errors import StripeError, invalid, missing
from .money import format_amount
from .params import Reader
from .sessions import ASYNC_METHODS
from .store import new_id

DECLINED_CARDS = {  # Stripe's documented test cards that fail
    "4000000000000002": ("card_declined", "您的银行卡被拒绝。Your card was declined."),
    "4000000000009995": ("insufficient_funds", "您的银行卡余额不足。Your card has insufficient funds."),
}


class PaymentDeclined(Exception):
    """The simulated card was declined; the session stays open."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def pay(st, session: dict, *, method: str, email: str | None, card: str = "", fail_later: bool = False) -> dict:
    """Complete an open session as the hosted page does when the customer presses Pay."""
    with st.store.transaction():
        session.update(st.store.get(session["id"], "checkout.session"))  # a concurrent Pay may have won
        if session["status"] != "open":
            raise invalid(f"This Checkout Session is {session['status']}.", code="checkout_session_not_open")
        if method not in session["payment_method_types"]:
            raise invalid(f"`{method}` is not one of this session's payment methods.", "payment_method")
        if method == "card":
            number = re.sub(r"\D", "", card or "")
            if number in DECLINED_CARDS:
                raise PaymentDeclined(*DECLINED_CARDS[number])
        now = st.clock.now()
        email = known_email(st, session) or email  # the store's email wins, as on Stripe's page
        if not email:
            raise invalid("请填写邮箱 An email address is required.", "email", code="email_invalid")
        session["customer_details"] = {"address": None, "email": email, "name": None, "phone": None, "tax_exempt": "none", "tax_ids": []}
        session["status"] = "complete"
        if session["mode"] == "subscription":
            subscription = billing.start(st, session, now)
            session["payment_status"] = "no_payment_required" if subscription["status"] == "trialing" else "paid"
        elif session["amount_total"] == 0:
            session["payment_status"] = "no_payment_required"
        else:
            pi = _open_payment_intent(st, session, method, now)
            session["payment_intent"] = pi["id"]
            if method in ASYNC_METHODS:
                pi["status"] = "processing"
                st.store.save(pi)
                st.webhooks.emit("payment_intent.processing", pi)
                session["payment_status"] = "unpaid"
                session["_settle_at"] = st.clock.exact() + st.async_delay
                session["_settle_outcome"] = "failed" if fail_later else "succeeded"
            else:
                succeed(st, pi)
                session["payment_status"] = "paid"
        st.store.save(session)
        st.webhooks.emit("checkout.session.completed", session)
    return session


def known_email(st, session: dict) -> str | None:
    """The email the store already gave for this session: `customer_email` or the customer's."""
    if session["customer_email"] or not session["customer"]:
        return session["customer_email"]
    return (st.store.get(session["customer"], "customer") or {}).get("email")


def settle(st, session: dict) -> dict:
    """Finish a delayed payment: `async_payment_succeeded` (or `_failed`) a moment after completion."""
    with st.store.transaction():
        outcome = session.pop("_settle_outcome", "succeeded")
        session.pop("_settle_at", None)
        pi = st.store.get(session["payment_intent"], "payment_intent")
        if outcome == "succeeded":
            succeed(st, pi)
            session["payment_status"] = "paid"
            st.store.save(session)
            st.webhooks.emit("checkout.session.async_payment_succeeded", session)
        else:
            pi.update(
                status="requires_payment_method",
                last_payment_error={
                    "code": "payment_intent_payment_attempt_failed",
                    "type": "invalid_request_error",
                    "message": "The customer did not complete the payment (simulated).",
                },
            )
            st.store.save(pi)
            st.webhooks.emit("payment_intent.payment_failed", pi)
            st.store.save(session)
            st.webhooks.emit("checkout.session.async_payment_failed", session)
    return session


def charge_now(
    st, *, amount: int, currency: str, method: str, customer: str | None, email: str | None, metadata: dict, description: str | None
) -> dict:
    """A payment intent that succeeds at once (invoices of subscriptions use it)."""
    pi = _new_payment_intent(
        st,
        amount=amount,
        currency=currency,
        method=method,
        customer=customer,
        email=email,
        metadata=metadata,
        description=description,
        now=st.clock.now(),
    )
    st.store.save(pi)
    st.webhooks.emit("payment_intent.created", pi)
    succeed(st, pi)
    return pi


def succeed(st, pi: dict) -> dict:
    """Capture a payment intent: its charge, `payment_intent.succeeded` and `charge.succeeded`."""
    now = st.clock.now()
    method = pi["payment_method_types"][0]
    charge = {
        "id": new_id("ch"),
        "object": "charge",
        "amount": pi["amount"],
        "amount_captured": pi["amount"],
        "amount_refunded": 0,
        "balance_transaction": None,
        "captured": True,
        "created": now,
        "currency": pi["currency"],
        "customer": pi["customer"],
        "description": pi["description"],
        "livemode": False,
        "metadata": dict(pi["metadata"]),
        "paid": True,
        "payment_intent": pi["id"],
        "payment_method": pi["payment_method"],
        "payment_method_details": {"type": method, method: {}},
        "receipt_email": pi["receipt_email"],
        "refunded": False,
        "status": "succeeded",
    }
    pi.update(status="succeeded", amount_received=pi["amount"], latest_charge=charge["id"])
    st.store.save(charge)
    st.store.save(pi)
    st.webhooks.emit("charge.succeeded", charge)
    st.webhooks.emit("payment_intent.succeeded", pi)
    return charge


def refund(st, params: Reader, request: dict) -> dict:
    """`POST /v1/refunds`: refund all or part of a payment intent's (or charge's) captured amount."""
    params.only("payment_intent", "charge", "amount", "reason", "metadata")
    charge = _charge_to_refund(st, params)
    remaining = charge["amount"] - charge["amount_refunded"]
    if remaining <= 0:
        raise invalid(f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
    amount = params.int("amount", low=1)
    if amount is None:
        amount = remaining
    if amount > remaining:
        currency = charge["currency"]
        raise invalid(
            f"Refund amount ({format_amount(amount, currency)}) is greater than unrefunded amount on "
            f"charge ({format_amount(remaining, currency)})",
            "amount",
            code="amount_too_large",
        )
    now = st.clock.now()
    result = {
        "id": new_id("re"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": None,
        "charge": charge["id"],
        "created": now,
        "currency": charge["currency"],
        "metadata": params.metadata() or {},
        "payment_intent": charge["payment_intent"],
        "reason": params.enum("reason", ("duplicate", "fraudulent", "requested_by_customer")),
        "status": "succeeded",
    }
    with st.store.transaction():
        previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        st.store.save(result)
        st.store.save(charge)
        st.webhooks.emit("refund.created", result, request=request)
        st.webhooks.emit("charge.refunded", charge, previous=previous, request=request)
    return result


def _charge_to_refund(st, params: Reader) -> dict:
    if params.has("charge"):
        charge_id = params.str("charge", need=True)
        charge = st.store.get(charge_id, "charge")
        if charge is None:
            raise missing("charge", charge_id, "charge")
        return charge
    if not params.has("payment_intent"):
        raise invalid(
            "One of the following params should be provided for this request: payment_intent or charge.", code="parameter_missing"
        )
    pi_id = params.str("payment_intent", need=True)
    pi = st.store.get(pi_id, "payment_intent")
    if pi is None:
        raise missing("payment_intent", pi_id, "payment_intent")
    if pi["status"] != "succeeded" or not pi["latest_charge"]:
        raise StripeError(
            400,
            f"This PaymentIntent ({pi_id}) does not have a successful charge to refund.",
            code="charge_not_refundable",
            param="payment_intent",
        )
    return st.store.get(pi["latest_charge"], "charge")


def _open_payment_intent(st, session: dict, method: str, now: int) -> dict:
    data = session["_payment_intent_data"]
    pi = _new_payment_intent(
        st,
        amount=session["amount_total"],
        currency=session["currency"],
        method=method,
        customer=session["customer"],
        email=session["customer_details"]["email"],
        metadata=data.get("metadata", {}),
        description=data.get("description"),
        now=now,
    )
    st.store.save(pi)
    st.webhooks.emit("payment_intent.created", pi)
    return pi


def _new_payment_intent(st, *, amount, currency, method, customer, email, metadata, description, now) -> dict:
    return {
        "id": new_id("pi"),
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_received": 0,
        "canceled_at": None,
        "capture_method": "automatic",
        "client_secret": None,
        "confirmation_method": "automatic",
        "created": now,
        "currency": currency,
        "customer": customer,
        "description": description,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": dict(metadata),
        "payment_method": new_id("pm"),
        "payment_method_types": [method],
        "receipt_email": email,
        "status": "requires_payment_method",
    }
