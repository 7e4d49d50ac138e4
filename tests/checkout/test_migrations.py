"""Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from checkout.db import alembic_config, make_engine, upgrade
from checkout.models import Base


def test_migrations_produce_the_models_schema(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert differences == []


def test_migrations_go_down_and_up_again(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    command.downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert {"orders", "webhook_events", "stock_counters"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_postgres_urls_use_psycopg_3():
    from checkout.db import normalise_url

    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_failclosed_migration_normalises_addresses_and_reports_look_alikes(db_url, caplog):
    from sqlalchemy import select

    from checkout.models import Order, User

    engine = make_engine(db_url)
    upgrade(engine, "0001")
    with engine.begin() as connection:
        for email in ("Li@Example.COM", "x@example.com", "x\u200b@example.com", "y@ＥＸＡＭＰＬＥ.ＣＯＭ"):
            connection.execute(
                text("INSERT INTO users (email, password_hash, session_epoch, created_at) VALUES (:e, 'h', 0, CURRENT_TIMESTAMP)"),
                {"e": email},
            )
    upgrade(engine)
    with engine.connect() as connection:
        emails = connection.execute(select(User.email).order_by(User.id)).scalars().all()
        assert connection.execute(select(Order.id)).all() == []
    engine.dispose()
    assert emails == ["li@example.com", "x@example.com", "x\u200b@example.com", "y@example.com"]
    assert "merge or delete by hand" in caplog.text
