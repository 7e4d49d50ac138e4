"""Fulfilment: delivery addresses on checkouts and orders, members' address books, the mail outbox, verified e-mail.

Revision ID: 0002_fulfilment
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_fulfilment"
down_revision = "0001"
branch_labels = None
depends_on = None

SNAPSHOT = (
    ("ship_name", 40),
    ("ship_mobile", 20),
    ("ship_province", 20),
    ("ship_city", 40),
    ("ship_district", 40),
    ("ship_address", 200),
    ("ship_postcode", 6),
)


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("checkout_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("delivery_fee", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        # Orders recorded before this migration charged no delivery fee.
        batch_op.add_column(sa.Column("delivery_fee", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("payment_method", sa.String(length=40), nullable=True))
        for name, length in SNAPSHOT:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.alter_column("delivery_fee", server_default=None)

    op.create_table(
        "addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("mobile", sa.String(length=20), nullable=False),
        sa.Column("province", sa.String(length=20), nullable=False),
        sa.Column("city", sa.String(length=40), nullable=False),
        sa.Column("district", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("postcode", sa.String(length=6), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_addresses_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_addresses")),
    )
    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_addresses_user_id"), ["user_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name=op.f("ck_outbox_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_status_next_attempt_at", ["status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_next_attempt_at")
    op.drop_table("outbox")
    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_addresses_user_id"))
    op.drop_table("addresses")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        for name, _length in reversed(SNAPSHOT):
            batch_op.drop_column(name)
        batch_op.drop_column("payment_method")
        batch_op.drop_column("delivery_fee")
    with op.batch_alter_table("checkout_sessions", schema=None) as batch_op:
        batch_op.drop_column("delivery_fee")
        batch_op.drop_column("delivery")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_verified_at")
