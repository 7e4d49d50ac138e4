"""Customer accounts: Argon2id passwords, sign-up, log-in and one-time reset links."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import verification
from .db import rows_changed
from .emails import InvalidEmail, lookup_form, normalise_email
from .errors import Refusal
from .models import PasswordReset, User, utcnow

# OWASP's Argon2id minimum: 19 MiB of memory, 2 passes, 1 lane.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16)
MIN_PASSWORD = 10
MAX_PASSWORD = 256
RESET_LIFETIME = dt.timedelta(hours=1)

# Verified when no account matches, so a wrong e-mail costs the same time as a wrong password (one per hasher).
_DUMMY_HASHES = {HASHER: HASHER.hash(secrets.token_hex(16))}


def hasher() -> PasswordHasher:
    """The password hasher: HASHER, unless the app's config sets PLUS_PASSWORD_HASHER (see checkout/config.py: only
    the tests do, for cheaper hashes; no environment variable sets it and a production app refuses it)."""
    if has_app_context():
        return current_app.config.get("PLUS_PASSWORD_HASHER") or HASHER
    return HASHER


def _dummy_hash(chosen: PasswordHasher) -> str:
    if chosen not in _DUMMY_HASHES:
        _DUMMY_HASHES[chosen] = chosen.hash(secrets.token_hex(16))
    return _DUMMY_HASHES[chosen]


class AccountError(Refusal, ValueError):
    """A user-fixable problem with account input, with a zh-CN message (400)."""

    def __init__(self, message: str, code: str = "invalid_account"):
        super().__init__(400, code, message)


def check_password_rules(password: str) -> None:
    """Refuse passwords that are too short or absurdly long."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少需要{MIN_PASSWORD}个字符")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"密码不能超过{MAX_PASSWORD}个字符")


@dataclass(frozen=True)
class SignUp:
    """What a sign-up did, for the mail only (the page says the same in every case).

    `outcome`: "created" (a new account, to be confirmed), "unconfirmed" (an account nobody has
    confirmed yet: the new password replaces the old, whoever set it could not read this mailbox),
    or "exists" (a confirmed account: the owner gets a reset link instead).
    """

    user: User
    outcome: str
    token: str


def sign_up(db: Session, email: str, password: str, now: dt.datetime | None = None) -> SignUp:
    """Start an account for an address without telling the caller whether one existed; refuses malformed input.

    The password is hashed in every case, so the answer takes the same time whatever the address.
    """
    try:
        email = normalise_email(email)
    except InvalidEmail as exc:
        raise AccountError(str(exc)) from None
    check_password_rules(password)
    password_hash = hasher().hash(password)
    user = db.scalar(select(User).where(User.email == email))
    if user is not None and user.confirmed_at is not None:
        return SignUp(user, "exists", new_token(db, user, "reset", now))
    if user is not None:
        user.password_hash = password_hash
        end_sessions(user)
        return SignUp(user, "unconfirmed", new_token(db, user, "confirm", now))
    user = User(email=email, password_hash=password_hash)
    db.add(user)
    db.flush()  # a simultaneous twin fails on the unique constraint; the caller's transaction rolls back
    return SignUp(user, "created", new_token(db, user, "confirm", now))


def new_token(db: Session, user: User, purpose: str, now: dt.datetime | None = None) -> str:
    """A one-time link token for `purpose` (reset or confirm), valid for an hour; only its hash is stored."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db.add(PasswordReset(user_id=user.id, purpose=purpose, token_hash=_token_hash(token), expires_at=now + RESET_LIFETIME, created_at=now))
    return token


def confirm(db: Session, token: str, now: dt.datetime | None = None) -> User:
    """Confirm a new account's address with its mailed link (once); AccountError when the link is not valid."""
    now = now or utcnow()
    user = token_user(db, token, "confirm", now)
    claimed = _claim(db, token, "confirm", now)
    if user is None or not claimed:
        raise AccountError("确认链接无效或已过期，请重新注册以获取新链接")
    user.confirmed_at = user.confirmed_at or now
    verification.mark_verified(db, user, now)  # the link proved the mailbox: its guest orders join the account
    return user


def authenticate(db: Session, email: str, password: str) -> User | None:
    """The user these credentials belong to, or None; upgrades outdated hashes."""
    stored = lookup_form(email)
    user = db.scalar(select(User).where(User.email == stored)) if stored else None
    chosen = hasher()
    try:
        chosen.verify(user.password_hash if user else _dummy_hash(chosen), password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.confirmed_at is None:  # an unconfirmed account answers like a wrong password
        return None
    if chosen.check_needs_rehash(user.password_hash):
        user.password_hash = chosen.hash(password)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_reset(db: Session, email: str, now: dt.datetime | None = None) -> tuple[User, str] | None:
    """A new reset token for the account with this address (None when there is no such account)."""
    stored = lookup_form(email)
    user = db.scalar(select(User).where(User.email == stored)) if stored else None
    if user is None:
        return None
    return user, new_token(db, user, "reset", now)


def reset_user(db: Session, token: str, now: dt.datetime | None = None) -> User | None:
    """The account a valid, unused, unexpired reset token resets (None otherwise)."""
    return token_user(db, token, "reset", now)


def token_user(db: Session, token: str, purpose: str, now: dt.datetime | None = None) -> User | None:
    """The account a valid, unused, unexpired token of `purpose` belongs to (None otherwise)."""
    now = now or utcnow()
    link = db.scalar(select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token), PasswordReset.purpose == purpose))
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    return db.get(User, link.user_id)


def _claim(db: Session, token: str, purpose: str, now: dt.datetime) -> bool:
    """Mark a token used with a conditional UPDATE, so two simultaneous uses cannot both succeed."""
    return (
        rows_changed(
            db.execute(
                update(PasswordReset)
                .where(PasswordReset.token_hash == _token_hash(token), PasswordReset.purpose == purpose, PasswordReset.used_at.is_(None))
                .values(used_at=now)
            )
        )
        == 1
    )


def finish_reset(db: Session, token: str, password: str, now: dt.datetime | None = None) -> User:
    """Set a new password with a reset token; the token, every other open one and every login end."""
    now = now or utcnow()
    check_password_rules(password)
    user = reset_user(db, token, now)
    if user is None or not _claim(db, token, "reset", now):
        raise AccountError("重置链接无效或已过期，请重新申请")
    db.execute(update(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)).values(used_at=now))
    user.password_hash = hasher().hash(password)
    user.confirmed_at = user.confirmed_at or now  # the link proved the address
    verification.mark_verified(db, user, now)
    end_sessions(user)
    return user


def end_sessions(user: User) -> None:
    """End every login of this user, on every copy of its cookie (load_user compares the epoch)."""
    user.session_epoch = (user.session_epoch or 0) + 1
