"""PLUS membership: periods paid by subscription or by a one-time yearly payment, and reminders.

A member's `member_until` is always recomputed from the periods, each keyed by its Stripe id
(unique), so replayed or reordered events converge on the same state.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import stripe
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from catalog.messages import say

from . import notices
from .amounts import amount_matches, log_mismatch
from .db import Database
from .localtime import local_time
from .lookups import StripeLookups
from .models import CheckoutSession, MembershipPeriod, User, WebhookEvent, utcnow
from .stripe_api import as_dict

if TYPE_CHECKING:
    from stripe.params import SubscriptionUpdateParams

log = logging.getLogger("plus.checkout.membership")

# Subscription states in which the member keeps PLUS until the period's end.
KEEPS_ACCESS = {"active", "trialing", "past_due"}
SUBSCRIPTION_WORDS = {
    "active": "有效",
    "trialing": "在预付期内（之后自动扣款）",
    "past_due": "扣款失败，Stripe 正在重试",
    "unpaid": "扣款失败，已停止重试",
    "canceled": "已取消",
    "incomplete": "待完成首次付款",
    "incomplete_expired": "首次付款已过期",
    "paused": "已暂停",
}
"""Stripe's states of a subscription, as the zh-CN log says them."""

# Stripe lets a subscription's trial end 48 hours to 730 days after its checkout session is made;
# an hour spare on each side covers the time the member spends on the pay page.
TRIAL_SOONEST = dt.timedelta(hours=49)
TRIAL_LATEST = dt.timedelta(days=729)


def add_year(moment: dt.datetime) -> dt.datetime:
    """The same moment one year later (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:
        return moment.replace(year=moment.year + 1, day=28)


def refresh_member_until(db: Session, user: User) -> None:
    """Set `member_until` to the end of the user's latest period."""
    db.flush()
    user.member_until = db.scalar(select(func.max(MembershipPeriod.ends_at)).where(MembershipPeriod.user_id == user.id))


def grant_year(db: Session, user: User, ref: str, now: dt.datetime) -> bool:
    """Add a year paid once (Alipay, WeChat Pay) after any time already paid; False if `ref` was granted."""
    if db.scalar(select(MembershipPeriod.id).where(MembershipPeriod.stripe_ref == ref)) is not None:
        return False
    start = max(now, user.member_until) if user.member_until else now
    db.add(
        MembershipPeriod(
            user_id=user.id,
            kind="one_time",
            stripe_ref=ref,
            status="paid",
            starts_at=start,
            ends_at=add_year(start),
            synced_at=int(now.timestamp()),
        )
    )
    refresh_member_until(db, user)
    log.info(say("会员 %s：已付一年（%s），到 %s", "member %s: one year paid (%s), until %s"), user.id, ref, user.member_until)
    return True


def _timestamp(value: int | str | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(int(value), dt.UTC) if value else None


def _period(sub: dict) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The current period of a subscription (on the items since Stripe's 2025 API versions)."""
    start, end = sub.get("current_period_start"), sub.get("current_period_end")
    items = (sub.get("items") or {}).get("data") or []
    if end is None and items:
        start, end = items[0].get("current_period_start"), items[0].get("current_period_end")
    return _timestamp(start), _timestamp(end)


def _subscription_user(db: Session, sub: dict) -> User | None:
    metadata = sub.get("metadata") or {}
    if str(metadata.get("plus_user", "")).isdigit():
        return db.get(User, int(metadata["plus_user"]))
    customer = sub.get("customer")
    if customer:
        return db.scalar(select(User).where(User.stripe_customer_id == customer))
    return None


def sync_subscription(db: Session, sub: dict, *, created: int, now: dt.datetime) -> None:
    """Make the period of a subscription match the subscription object Stripe sent or returned."""
    user = _subscription_user(db, sub)
    if user is None:
        log.warning(say("订阅 %s 不属于任何已知会员：忽略", "subscription %s belongs to no known member: ignored"), sub.get("id"))
        return
    if sub.get("customer") and not user.stripe_customer_id:
        user.stripe_customer_id = sub["customer"]
    start, end = _period(sub)
    status = sub.get("status", "incomplete")
    start = start or now
    end = end or start
    if status not in KEEPS_ACCESS:
        ended = _timestamp(sub.get("ended_at") or sub.get("canceled_at")) or now
        end = min(end, ended)
        start = min(start, end)
    period = db.scalar(select(MembershipPeriod).where(MembershipPeriod.stripe_ref == sub["id"]))
    if period is None:
        period = MembershipPeriod(user_id=user.id, kind="subscription", stripe_ref=sub["id"])
        db.add(period)
    period.status, period.starts_at, period.ends_at = status, start, end
    period.cancel_at_period_end = bool(sub.get("cancel_at_period_end"))
    period.synced_at = max(created, period.synced_at or 0)
    if status == "active":
        _lay_prepaid_after(db, period)
    refresh_member_until(db, user)
    log.info(
        say("会员 %s：订阅 %s %s，到 %s（北京时间）", "member %s: subscription %s is %s until %s (Beijing time)"),
        user.id,
        sub["id"],
        say(SUBSCRIPTION_WORDS.get(status, status), status),
        local_time(end),
    )


def _lay_prepaid_after(db: Session, charged: MembershipPeriod) -> None:
    """Prepaid years overlapping a period the card was charged for follow it instead, end to end.

    Only a race makes them overlap (a card checkout opened before a prepaid year was paid in another
    tab, so it has no trial); the card's next charge then moves past them (postpone_charges).
    """
    db.flush()
    cursor = charged.ends_at
    for prepaid in db.scalars(
        select(MembershipPeriod)
        .where(
            MembershipPeriod.user_id == charged.user_id,
            MembershipPeriod.kind == "one_time",
            MembershipPeriod.ends_at > charged.starts_at,
        )
        .order_by(MembershipPeriod.starts_at, MembershipPeriod.id)
    ):
        if prepaid.starts_at < cursor:
            log.info(
                say(
                    "会员 %s：预付的一年 %s 顺延到银行卡订阅期结束（%s）之后",
                    "member %s: prepaid year %s moved after the card's period ending %s",
                ),
                charged.user_id,
                prepaid.stripe_ref,
                cursor,
            )
            prepaid.starts_at, prepaid.ends_at = cursor, add_year(cursor)
        cursor = prepaid.ends_at


def apply_subscription_event(db: Session, sub: dict, *, created: int, lookups: StripeLookups, now: dt.datetime) -> None:
    """Apply a subscription event; one older than the last applied is replaced by Stripe's current object."""
    period = db.scalar(select(MembershipPeriod).where(MembershipPeriod.stripe_ref == sub["id"]))
    if period is not None and created <= period.synced_at:
        sub = lookups.subscription(sub["id"])
        created = int(now.timestamp())
    sync_subscription(db, sub, created=created, now=now)


def invoice_subscription(invoice: dict) -> str | None:
    """The subscription an invoice bills (its place moved in Stripe's 2025 API versions)."""
    if invoice.get("subscription"):
        sub = invoice["subscription"]
        return sub if isinstance(sub, str) else sub.get("id")
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    if details.get("subscription"):
        return details["subscription"]
    for line in (invoice.get("lines") or {}).get("data") or []:
        parent = (line.get("parent") or {}).get("subscription_item_details") or {}
        if line.get("subscription") or parent.get("subscription"):
            return line.get("subscription") or parent.get("subscription")
    return None


def apply_invoice_paid(db: Session, invoice: dict, *, lookups: StripeLookups, now: dt.datetime) -> None:
    """A paid invoice renews its subscription: take the subscription's current state from Stripe."""
    sub_id = invoice_subscription(invoice)
    if sub_id is None:
        return
    sub = lookups.subscription(sub_id)
    sync_subscription(db, sub, created=int(now.timestamp()), now=now)


def apply_checkout(
    db: Session, checkout: CheckoutSession, session: dict, *, event_type: str, lookups: StripeLookups | None, now: dt.datetime
) -> str:
    """A membership checkout finished: start the subscription or grant the paid year."""
    if event_type == "checkout.session.expired" or session.get("status") == "expired":
        if checkout.status in ("pending", "open"):
            checkout.status = "expired"
        return "expired"
    user = db.get(User, checkout.user_id) if checkout.user_id else None
    if user is None:
        log.warning(say("会员付款 %s 没有对应的会员：忽略", "membership checkout %s has no member: ignored"), checkout.id)
        return "ignored"
    if session.get("customer") and not user.stripe_customer_id:
        user.stripe_customer_id = session["customer"]
    paid = session.get("payment_status") in ("paid", "no_payment_required")
    if (paid or session.get("subscription")) and not amount_matches(checkout, session):
        log_mismatch(checkout, session)
        checkout.status = "amount_mismatch"
        return "amount_mismatch"
    checkout.status = "complete"
    if checkout.mode == "subscription":
        sub_id = session.get("subscription")
        if not sub_id:
            return "waiting"
        if lookups is None:
            raise RuntimeError("a Stripe client is needed to start a subscription")
        sub = lookups.subscription(sub_id if isinstance(sub_id, str) else sub_id["id"])
        sync_subscription(db, sub, created=int(now.timestamp()), now=now)
        notices.membership_paid(db, user, checkout, next_charge=next_charge(db, user, now))
        return "subscribed"
    if event_type == "checkout.session.async_payment_failed":
        return "payment_failed"
    if paid:
        if grant_year(db, user, session["id"], now):
            notices.membership_paid(db, user, checkout, next_charge=next_charge(db, user, now))
        return "granted"
    return "waiting"


def cancel_renewal(database: Database, user_id: int, *, client: stripe.StripeClient, now: dt.datetime | None = None) -> int:
    """Stop a member's card subscriptions renewing (PLUS stays until the paid period ends).

    Read, ask Stripe with no transaction open, then record Stripe's answers in one short transaction.
    """
    now = now or utcnow()
    with database.sessions() as db:
        refs = db.scalars(
            select(MembershipPeriod.stripe_ref).where(
                MembershipPeriod.user_id == user_id,
                MembershipPeriod.kind == "subscription",
                MembershipPeriod.status.in_(tuple(KEEPS_ACCESS)),
                MembershipPeriod.cancel_at_period_end.is_(False),
            )
        ).all()
    updated = [as_dict(client.v1.subscriptions.update(ref, {"cancel_at_period_end": True})) for ref in refs]
    with database.transaction() as db:
        for sub in updated:
            sync_subscription(db, sub, created=int(now.timestamp()), now=now)
    return len(updated)


def _whole_second(moment: dt.datetime) -> dt.datetime:
    """`moment` rounded up to Stripe's whole seconds: never a moment early."""
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + dt.timedelta(seconds=1)


def prepaid_until(db: Session, user_id: int) -> dt.datetime | None:
    """The end of the member's time paid once (Alipay, WeChat Pay), if any."""
    return db.scalar(
        select(func.max(MembershipPeriod.ends_at)).where(
            MembershipPeriod.user_id == user_id, MembershipPeriod.kind == "one_time", MembershipPeriod.status == "paid"
        )
    )


def charges_too_early(db: Session, user_id: int, now: dt.datetime) -> list[tuple[MembershipPeriod, dt.datetime]]:
    """The member's renewing subscriptions whose next charge falls before their prepaid time ends, with that end.

    The next charge is the end of the subscription's current period (its trial's end while trialing).
    """
    prepaid = prepaid_until(db, user_id)
    if prepaid is None or prepaid <= now:
        return []
    until = _whole_second(prepaid)
    renewing = db.scalars(
        select(MembershipPeriod).where(
            MembershipPeriod.user_id == user_id,
            MembershipPeriod.kind == "subscription",
            MembershipPeriod.status.in_(("active", "trialing")),
            MembershipPeriod.cancel_at_period_end.is_(False),
            MembershipPeriod.ends_at < until,
        )
    ).all()
    return [(period, until) for period in renewing]


def _postpone(client: stripe.StripeClient, period: MembershipPeriod, until: dt.datetime, now: dt.datetime) -> dict:
    """Ask Stripe to charge the subscription first at `until` (a trial until then), or, past the longest trial, not to renew.

    The key names the move (from the charge we know to `until`): a retry of the same move is applied once,
    a later move (another prepaid year meanwhile) is a new one.
    """
    params: SubscriptionUpdateParams = {"trial_end": int(until.timestamp()), "proration_behavior": "none"}
    if until > now + TRIAL_LATEST:  # Stripe allows no longer trial: stop renewing; the member is reminded before the end
        params = {"cancel_at_period_end": True}
    key = f"plus-prepaid-{period.stripe_ref}-{int(period.ends_at.timestamp())}-{int(until.timestamp())}"
    return as_dict(client.v1.subscriptions.update(period.stripe_ref, params, {"idempotency_key": key}))


def postpone_charges(database: Database, user_id: int, *, client: stripe.StripeClient, now: dt.datetime | None = None) -> int:
    """Move a renewing subscription's next charge to the end of the member's prepaid time: one period is never paid twice.

    Safe to run after any membership event, any number of times and in any order: it reads what is
    recorded, asks Stripe with no transaction open, records Stripe's answer, and looks again (a
    prepaid year recorded meanwhile moves the charge once more). Returns how many moves were made.
    """
    moved = 0
    for _ in range(3):
        now = now or utcnow()
        with database.sessions() as db:
            due = charges_too_early(db, user_id, now)
            db.expunge_all()
        if not due:
            return moved
        updated = [_postpone(client, period, until, now) for period, until in due]
        with database.transaction() as db:
            for sub in updated:
                sync_subscription(db, sub, created=int(now.timestamp()), now=now)
        for period, until in due:
            log.info(
                say(
                    "会员 %s：订阅 %s 在预付期结束时（%s）才第一次扣款",
                    "member %s: subscription %s first charges %s, when the prepaid time ends",
                ),
                user_id,
                period.stripe_ref,
                until,
            )
        moved += len(updated)
    return moved


def next_charge(db: Session, user: User, now: dt.datetime) -> dt.datetime | None:
    """When the member's card charges next once any prepaid time is used up (postpone_charges); None: it does not renew."""
    renewing = renewing_subscription(db, user.id, now)
    if renewing is None:
        return None
    prepaid = prepaid_until(db, user.id)
    if prepaid is None or prepaid <= renewing.ends_at:
        return renewing.ends_at
    return None if prepaid > now + TRIAL_LATEST else _whole_second(prepaid)


def member_of_event(db: Session, obj: dict) -> int | None:
    """The member a membership event is about (a membership checkout, a subscription or its invoice), if known."""
    metadata = obj.get("metadata") or {}
    if metadata.get("kind") == "membership" and str(metadata.get("user", "")).isdigit():
        return int(metadata["user"])
    if obj.get("object") == "subscription":
        user = _subscription_user(db, obj)
        return user.id if user else None
    if obj.get("object") == "invoice" and obj.get("customer"):
        return db.scalar(select(User.id).where(User.stripe_customer_id == obj["customer"]))
    return None


def remind_expiring(database: Database, *, days: int, write: Callable[[Session, User], None], now: dt.datetime | None = None) -> int:
    """Queue a reminder for every member whose PLUS ends within `days` and will not renew by itself, once per end date.

    Each member gets a transaction of their own: `write` puts the mail in the outbox and
    `reminded_for` is set beside it, so no mail server is waited for and one failure rolls back one member only.
    """
    now = now or utcnow()
    horizon = now + dt.timedelta(days=days)
    renewing = select(MembershipPeriod.user_id).where(
        MembershipPeriod.kind == "subscription",
        MembershipPeriod.status.in_(("active", "trialing")),
        MembershipPeriod.cancel_at_period_end.is_(False),
        MembershipPeriod.ends_at > now,
    )
    with database.sessions() as db:
        due = db.scalars(
            select(User.id).where(
                User.member_until > now,
                User.member_until <= horizon,
                User.id.not_in(renewing),
                or_(User.reminded_for.is_(None), User.reminded_for != User.member_until),
            )
        ).all()
    sent = 0
    for user_id in due:
        with database.transaction() as db:
            user = db.get(User, user_id)
            if user is None or user.reminded_for == user.member_until:  # deleted, or another run took this one meanwhile
                continue
            write(db, user)
            user.reminded_for = user.member_until
            sent += 1
    return sent


def renewing_subscription(db: Session, user_id: int, now: dt.datetime | None = None) -> MembershipPeriod | None:
    """The member's card subscription that renews by itself, if any: a second one would charge twice for one period."""
    return db.scalar(
        select(MembershipPeriod).where(
            MembershipPeriod.user_id == user_id,
            MembershipPeriod.kind == "subscription",
            MembershipPeriod.status.in_(KEEPS_ACCESS),
            MembershipPeriod.cancel_at_period_end.is_(False),
            MembershipPeriod.ends_at > (now or utcnow()),
        )
    )


def first_charge_at(user: User, now: dt.datetime) -> dt.datetime | None:
    """When a new card subscription may first charge: when the time already paid ends (None: today).

    The subscription starts as a trial until then, so a prepaid year (or a cancelled subscription's
    last period) is never paid twice. Stripe needs at least 48 hours of trial: a member whose PLUS
    ends sooner gets those hours free rather than paying for them twice.
    """
    if user.member_until is None or user.member_until <= now:
        return None
    return _whole_second(max(user.member_until, now + TRIAL_SOONEST))


def too_early_to_subscribe(first_charge: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether the paid time runs past the longest trial Stripe allows: the member subscribes later."""
    return first_charge is not None and first_charge > now + TRIAL_LATEST


@dataclass(frozen=True)
class Standing:
    """A member's PLUS as one line: until when, and whether and when the card renews it."""

    until: dt.datetime
    renews_on: dt.datetime | None
    """The day the card subscription charges next; None when PLUS simply ends."""
    prepaid: bool
    """The card has not been charged yet: the time before `renews_on` was paid another way."""


def standing(db: Session, user: User, now: dt.datetime | None = None) -> Standing | None:
    """The member's PLUS now, or None for a shopper who is not a member."""
    now = now or utcnow()
    if user.member_until is None or user.member_until <= now:
        return None
    renewing = renewing_subscription(db, user.id, now)
    if renewing is None:
        return Standing(until=user.member_until, renews_on=None, prepaid=False)
    return Standing(until=user.member_until, renews_on=renewing.ends_at, prepaid=renewing.status == "trialing")


def latest_payment_state(db: Session, user_id: int, *, returned: bool) -> str | None:
    """Where the member's latest PLUS checkout stands, as the page they return to from paying tells it.

    `confirmed`: its webhook granted the year (or started the subscription); `failed`: Stripe said the
    payment failed, or the checkout ended unpaid; `pending`: paid at Stripe, its webhook not in yet
    (Alipay and WeChat Pay confirm a moment later). None: the member never started one. Not
    `returned` from Stripe's pay page, only a checkout Stripe reported completed (an Alipay payment
    on its way) is `pending`, and nothing else is told.
    """
    checkout = db.scalar(
        select(CheckoutSession)
        .where(CheckoutSession.user_id == user_id, CheckoutSession.kind == "membership")
        .order_by(CheckoutSession.created_at.desc(), CheckoutSession.id)
        .limit(1)
    )
    if checkout is None or (not returned and checkout.status != "complete"):
        return None
    ref = checkout.stripe_session_id
    if checkout.mode == "subscription":
        granted = checkout.status == "complete"  # set in the transaction that synced the subscription
    else:
        granted = ref is not None and db.scalar(select(MembershipPeriod.id).where(MembershipPeriod.stripe_ref == ref)) is not None
    if granted:
        return "confirmed" if returned else None
    failed = ref is not None and db.scalar(
        select(WebhookEvent.id).where(WebhookEvent.object_id == ref, WebhookEvent.type == "checkout.session.async_payment_failed")
    )
    if failed or checkout.status in ("expired", "failed", "amount_mismatch"):
        return "failed" if returned else None
    return "pending"


RENEWALS = {
    "card": ("银行卡自动续费", "card, renews yearly"),
    "card_stopped": ("银行卡不再续费", "card, not renewing"),
    "one_time": ("一次付清", "paid once (Alipay, WeChat Pay)"),
}
"""How a member's PLUS continues, as the operator's listing names it: (zh, en)."""
STANDINGS = {"active": ("有效", "active"), "expired": ("已过期", "expired")}
"""A member's status, as the operator's listing names it: (zh, en)."""


def members_listing(db: Session, status: str | None = None, now: dt.datetime | None = None) -> list[dict]:
    """Everyone who ever paid for PLUS, newest end first: email, since, until, renewal (RENEWALS key), status (STANDINGS key)."""
    now = now or utcnow()
    periods = db.execute(
        select(MembershipPeriod, User.email, User.member_until)
        .join(User, User.id == MembershipPeriod.user_id)
        .where(MembershipPeriod.ends_at > MembershipPeriod.starts_at)  # an incomplete subscription paid nothing
        .order_by(MembershipPeriod.user_id, MembershipPeriod.starts_at)
    ).all()
    members: dict[int, dict] = {}
    for period, email, until in periods:
        row = members.setdefault(
            period.user_id,
            {"email": email, "since": period.starts_at, "until": until, "renewal": None, "status": "expired"},
        )
        if until is not None and until > now:
            row["status"] = "active"
        renews = period.status in KEEPS_ACCESS and period.ends_at > now and not period.cancel_at_period_end
        way = "one_time" if period.kind == "one_time" else "card" if renews else "card_stopped"
        if row["renewal"] != "card":  # a card that renews decides; otherwise the latest way paid
            row["renewal"] = way
    rows = [row for row in members.values() if status is None or row["status"] == status]
    return sorted(rows, key=lambda row: (row["until"] or row["since"], row["email"]), reverse=True)
