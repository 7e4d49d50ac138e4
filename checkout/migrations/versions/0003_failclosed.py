"""Confirmed addresses and normalised e-mails: users.confirmed_at, password_resets.purpose; stored addresses rewritten.

Sign-up no longer tells whether an address has an account: a new account is confirmed by a mailed
link before it can log in (`users.confirmed_at`, set here for every existing account) and the
links are told apart by `password_resets.purpose`.

Sign-up, log-in and the admin filter now compare addresses in one normal form (checkout/emails.py).
Rows stored before keep working only if they are in that form too. Two accounts whose addresses
become the same (a look-alike made with full-width letters or a zero-width space) cannot both be
kept under one address: the older account gets the normal form, the other keeps its stored address
and is reported here, for an operator to merge or delete by hand. Nothing is deleted.

Revision ID: 0003_failclosed
Revises: 0002_fulfilment
Create Date: 2026-12-02
"""

from __future__ import annotations

import logging
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0003_failclosed"
down_revision = "0002_fulfilment"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp", "Zs"}


def canonical(email: str) -> str:
    """The normal form of a stored address (frozen here: later changes to the app's rules do not rewrite history)."""
    text = unicodedata.normalize("NFKC", email)
    text = "".join(char for char in text if unicodedata.category(char) not in INVISIBLE)
    return text.strip().lower().rstrip(".")[:254]


def upgrade() -> None:
    """Add the columns, confirm existing accounts, rewrite addresses in the normal form (collisions reported)."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("password_resets") as batch:
        batch.add_column(sa.Column("purpose", sa.String(length=16), server_default="reset", nullable=False))
    bind = op.get_bind()
    users_confirmed = sa.table("users", sa.column("confirmed_at", sa.DateTime), sa.column("created_at", sa.DateTime))
    bind.execute(sa.update(users_confirmed).values(confirmed_at=users_confirmed.c.created_at))  # they logged in before this release
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("email", sa.String))
    orders = sa.table("orders", sa.column("id", sa.Integer), sa.column("email", sa.String))
    rows = bind.execute(sa.select(users.c.id, users.c.email).order_by(users.c.id)).all()
    taken = {email for _, email in rows}
    for user_id, email in rows:
        wanted = canonical(email)
        if wanted == email:
            continue
        if wanted in taken:
            log.warning(
                "users.id %s: %r and another account are the same address %r: left unchanged, merge or delete by hand",
                user_id,
                email,
                wanted,
            )
            continue
        bind.execute(sa.update(users).where(users.c.id == user_id).values(email=wanted))
        taken.discard(email)
        taken.add(wanted)
    for order_id, email in bind.execute(sa.select(orders.c.id, orders.c.email).where(orders.c.email.is_not(None))).all():
        if canonical(email) != email:
            bind.execute(sa.update(orders).where(orders.c.id == order_id).values(email=canonical(email)))


def downgrade() -> None:
    """Drop the columns; the former spellings of addresses are not kept (each reaches the same mailbox)."""
    with op.batch_alter_table("password_resets") as batch:
        batch.drop_column("purpose")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("confirmed_at")
