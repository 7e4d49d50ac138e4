"""After-sale and fair holds: who holds stock in a checkout, and how many units.

`checkout_sessions.shopper` (an account or a guest's cookie), `client_ip` (a guest's address) and
`held_units` (units of stock-limited lines) let the checkout cap what one shopper holds at once and
replace a shopper's earlier unpaid checkout when they start again. Rows made before this migration
have no shopper and hold nothing new: they count for nobody.

Refunds and disputes made at Stripe reach the order: `orders.refunded_amount` (fen refunded so
far), `dispute_status` and `dispute_synced_at` (the newest dispute event applied).

Revision ID: 0004_aftersale
Revises: 0003_failclosed
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_aftersale"
down_revision = "0003_failclosed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("checkout_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shopper", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("client_ip", sa.String(length=45), nullable=True))
        batch_op.add_column(sa.Column("held_units", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index(batch_op.f("ix_checkout_sessions_shopper"), ["shopper"], unique=False)
        batch_op.create_index(batch_op.f("ix_checkout_sessions_client_ip"), ["client_ip"], unique=False)
    with op.batch_alter_table("checkout_sessions", schema=None) as batch_op:
        batch_op.alter_column("held_units", server_default=None)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refunded_amount", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("dispute_status", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("dispute_synced_at", sa.BigInteger(), nullable=False, server_default="0"))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.alter_column("refunded_amount", server_default=None)
        batch_op.alter_column("dispute_synced_at", server_default=None)


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("dispute_synced_at")
        batch_op.drop_column("dispute_status")
        batch_op.drop_column("refunded_amount")
    with op.batch_alter_table("checkout_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkout_sessions_client_ip"))
        batch_op.drop_index(batch_op.f("ix_checkout_sessions_shopper"))
        batch_op.drop_column("held_units")
        batch_op.drop_column("client_ip")
        batch_op.drop_column("shopper")
