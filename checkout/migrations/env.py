"""Alembic environment: runs on the engine the checkout hands over (see checkout.db.upgrade)."""

from __future__ import annotations

from alembic import context

from checkout.db import make_engine
from checkout.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Migrate the database of the engine in the config (or DATABASE_URL's, for the alembic CLI)."""
    engine = config.attributes.get("engine")
    if engine is None:
        import os

        engine = make_engine(os.environ["DATABASE_URL"])
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported: run `plus db upgrade`")
run_migrations_online()
