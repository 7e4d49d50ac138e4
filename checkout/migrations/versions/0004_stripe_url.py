"""checkout_sessions.stripe_url: the pay page of an opened Stripe session, for the page that waits for it.

In a rush the Stripe session is opened by a background worker while the browser polls
`/checkout/{id}/pay`; any process answering the poll reads the URL here instead of asking Stripe
(a call of 300 ms or more on a request thread, counted against Stripe's rate limit).

Revision ID: 0004_stripe_url
Revises: 0004_aftersale
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_stripe_url"
down_revision = "0004_aftersale"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable column (sessions opened before it are looked up at Stripe)."""
    with op.batch_alter_table("checkout_sessions") as batch:
        batch.add_column(sa.Column("stripe_url", sa.String(2048), nullable=True))


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("checkout_sessions") as batch:
        batch.drop_column("stripe_url")
