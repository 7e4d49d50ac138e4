"""E-mail verification, and the guest orders a verified address adopts.

A guest's orders carry only the e-mail typed at the pay page. They join an account when its owner
proves they read that mailbox (the link mailed at sign-up), never on an unverified address:
otherwise signing up with someone else's e-mail would show their orders and address.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from catalog.messages import say

from .db import rows_changed
from .links import read_verify_token
from .models import Order, User, utcnow

log = logging.getLogger("plus.checkout.verification")


def verified_owner(db: Session, email: str | None) -> User | None:
    """The account that has verified this address, if any."""
    if not email:
        return None
    return db.scalar(select(User).where(User.email == email.strip().lower(), User.email_verified_at.is_not(None)))


def adopt_guest_orders(db: Session, user: User) -> int:
    """Attach every guest order paid with the user's (verified) address to the account."""
    if user.email_verified_at is None:
        return 0
    adopted = rows_changed(
        db.execute(
            update(Order)
            .where(Order.user_id.is_(None), func.lower(Order.email) == user.email.lower())
            .values(user_id=user.id)
            .execution_options(synchronize_session=False)
        )
    )
    if adopted:
        log.info(say("账户 %s 认领了 %d 笔游客订单", "account %s adopted %d guest order(s)"), user.id, adopted)
    return adopted


def confirm(db: Session, token: str, now: dt.datetime | None = None) -> User | None:
    """Mark the address of a valid verification link verified and adopt its guest orders (None if invalid)."""
    found = read_verify_token(token)
    if found is None:
        return None
    user = db.get(User, found[0])
    if user is None or user.email.lower() != found[1]:  # the address changed since the link was mailed
        return None
    mark_verified(db, user, now)
    return user


def mark_verified(db: Session, user: User, now: dt.datetime | None = None) -> None:
    """The user proved they read the address (a verification, confirmation or reset link): adopt its guest orders."""
    if user.email_verified_at is None:
        user.email_verified_at = now or utcnow()
    adopt_guest_orders(db, user)
