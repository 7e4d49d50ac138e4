"""The database: one engine per app, a session per request, Alembic migrations.

SQLite runs in WAL mode with synchronous=FULL (an acknowledged commit survives a power cut) and
write transactions take the write lock at BEGIN (BEGIN IMMEDIATE), so concurrent writers queue
instead of failing half-way; reads stay deferred and never wait for writers. PostgreSQL needs neither: row locks and conditional UPDATEs do the same there.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("plus.checkout.db")

MIGRATIONS = Path(__file__).with_name("migrations")


@dataclass
class Database:
    """An engine and the session factory bound to it."""

    engine: Engine
    sessions: sessionmaker[Session]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any error.

        On SQLite it takes the write lock at once (BEGIN IMMEDIATE), so it never fails half-way
        for a lock another writer took after it started reading.
        """
        with self.sessions() as session, session.begin():
            session.connection(execution_options={"plus_write": True})
            yield session


def normalise_url(url: str) -> str:
    """Point `postgresql://` URLs at psycopg 3, the driver this project installs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    """An engine configured for durability and concurrent writers on SQLite or PostgreSQL."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False}, pool_size=8, max_overflow=16, pool_timeout=60)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_size=8, max_overflow=24, pool_timeout=60, pool_pre_ping=True)


def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # the driver's own BEGIN is replaced by ours
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()


def _sqlite_begin(connection) -> None:
    immediate = connection.get_execution_options().get("plus_write")
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def init_app(app: Flask) -> None:
    """Create the app's engine and close the request's session after each request."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["plus_db"] = Database(engine, sessionmaker(engine, expire_on_commit=False))
    app.teardown_appcontext(_close_session)


def get_database(app: Flask | None = None) -> Database:
    """The app's database."""
    return (app or current_app).extensions["plus_db"]


def get_db() -> Session:
    """The session of the current request (or app context), opened on first use."""
    if "plus_session" not in g:
        g.plus_session = get_database().sessions()
    return g.plus_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("plus_session", None)
    if session is not None:
        session.close()


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration that runs the packaged migrations on `engine`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the migrations up to `revision`."""
    command.upgrade(alembic_config(engine), revision)
    log.info("database is at migration %s", revision)
