"""Customer accounts: Argon2id passwords, sign-up, log-in and one-time reset links."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .emails import InvalidEmail, lookup_form, normalise_email
from .models import PasswordReset, User, utcnow

# OWASP's Argon2id minimum: 19 MiB of memory, 2 passes, 1 lane.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16)
MIN_PASSWORD = 10
MAX_PASSWORD = 256
RESET_LIFETIME = dt.timedelta(hours=1)

# Verified when no account matches, so a wrong e-mail costs the same time as a wrong password.
_DUMMY_HASH = HASHER.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A user-fixable problem with account input, with a zh-CN message."""


def check_password_rules(password: str) -> None:
    """Refuse passwords that are too short or absurdly long."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少需要{MIN_PASSWORD}个字符")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"密码不能超过{MAX_PASSWORD}个字符")


def sign_up(db: Session, email: str, password: str) -> User:
    """Create an account; refuses malformed or already registered addresses."""
    try:
        email = normalise_email(email)
    except InvalidEmail as exc:
        raise AccountError(str(exc)) from None
    check_password_rules(password)
    taken = AccountError("该邮箱已注册，请直接登录或重置密码")
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise taken
    user = User(email=email, password_hash=HASHER.hash(password))
    db.add(user)
    try:
        db.flush()  # the unique constraint settles a race between two sign-ups
    except IntegrityError as exc:
        raise taken from exc
    return user


def authenticate(db: Session, email: str, password: str) -> User | None:
    """The user these credentials belong to, or None; upgrades outdated hashes."""
    stored = lookup_form(email)
    user = db.scalar(select(User).where(User.email == stored)) if stored else None
    try:
        HASHER.verify(user.password_hash if user else _DUMMY_HASH, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_reset(db: Session, email: str, now: dt.datetime | None = None) -> tuple[User, str] | None:
    """A new reset token for the account with this address (None when there is no such account)."""
    stored = lookup_form(email)
    user = db.scalar(select(User).where(User.email == stored)) if stored else None
    if user is None:
        return None
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db.add(PasswordReset(user_id=user.id, token_hash=_token_hash(token), expires_at=now + RESET_LIFETIME, created_at=now))
    return user, token


def reset_user(db: Session, token: str, now: dt.datetime | None = None) -> User | None:
    """The account a valid, unused, unexpired token resets (None otherwise)."""
    now = now or utcnow()
    reset = db.scalar(select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token)))
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        return None
    return db.get(User, reset.user_id)


def finish_reset(db: Session, token: str, password: str, now: dt.datetime | None = None) -> User:
    """Set a new password with a reset token; the token, every other open one and every login end."""
    now = now or utcnow()
    check_password_rules(password)
    user = reset_user(db, token, now)
    # Claim the token with a conditional UPDATE, so two simultaneous uses cannot both succeed.
    claimed = db.execute(
        update(PasswordReset).where(PasswordReset.token_hash == _token_hash(token), PasswordReset.used_at.is_(None)).values(used_at=now)
    ).rowcount
    if user is None or claimed != 1:
        raise AccountError("重置链接无效或已过期，请重新申请")
    db.execute(update(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)).values(used_at=now))
    user.password_hash = HASHER.hash(password)
    end_sessions(user)
    return user


def end_sessions(user: User) -> None:
    """End every login of this user, on every copy of its cookie (load_user compares the epoch)."""
    user.session_epoch = (user.session_epoch or 0) + 1
