"""The database: one engine per app, a session per request, Alembic migrations.

SQLite runs in WAL mode with synchronous=FULL (an acknowledged commit survives a power cut) and
write transactions take the write lock at BEGIN (BEGIN IMMEDIATE), so concurrent writers queue
instead of failing half-way; reads stay deferred and never wait for writers. PostgreSQL needs neither: row locks and conditional UPDATEs do the same there.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g
from sqlalchemy import Connection, CursorResult, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from catalog.messages import say

log = logging.getLogger("plus.checkout.db")

MIGRATIONS = Path(__file__).with_name("migrations")


@dataclass
class Database:
    """An engine and the session factory bound to it."""

    engine: Engine
    sessions: sessionmaker[Session]
    write_timeout: float = 5.0
    _turns: threading.Lock | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.engine.dialect.name == "sqlite":
            self._turns = threading.Lock()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any error.

        On SQLite it takes the write lock at once (BEGIN IMMEDIATE), so it never fails half-way
        for a lock another writer took after it started reading; the threads of one process
        take turns for it first (`_write_turn`).
        """
        with self._write_turn(), self.sessions() as session, session.begin():
            session.connection(execution_options={"plus_write": True})
            yield session

    @contextlib.contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction of Core statements on a bare connection, as `transaction` takes it (no ORM session set up).

        For the hot few-statement writes (a queued session recorded, holds moved on): the ORM
        session's setup and commit cost more CPU than their statements.
        """
        with self._write_turn(), self.engine.connect() as connection:
            connection.execution_options(plus_write=True)
            with connection.begin():
                yield connection

    @contextlib.contextmanager
    def _write_turn(self) -> Iterator[None]:
        """SQLite: one write transaction of this process at a time, the others waiting on a lock.

        SQLite's own busy handler makes a waiting writer sleep and retry (up to 100 ms a time),
        so in a rush a writer could wait long after the lock was free, and the last ones most.
        Waiting on a lock of the process wakes the next one at once: only the process's
        other workers still meet the busy handler. Past the write timeout: PoolTimeout (503 busy).
        """
        if self._turns is None:
            yield
            return
        if not self._turns.acquire(timeout=self.write_timeout):
            raise PoolTimeout(f"no write turn within {self.write_timeout:g} s (SQLite writes one transaction at a time)")
        try:
            yield
        finally:
            self._turns.release()


def normalise_url(url: str) -> str:
    """Point `postgresql://` URLs at psycopg 3, the driver this project installs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, write_timeout: float = 5.0, pool_size: int = 8) -> Engine:
    """An engine configured for durability and concurrent writers on SQLite or PostgreSQL.

    `write_timeout` bounds the wait for the write lock (SQLite) or a row lock (PostgreSQL) and for
    a pooled connection: past it the request answers 503 database_busy instead of hanging.
    """
    url = normalise_url(url)
    parsed = make_url(url)
    pool = {"pool_size": pool_size, "max_overflow": pool_size, "pool_timeout": write_timeout}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": write_timeout, "check_same_thread": False}, **pool)
        event.listen(engine, "connect", functools.partial(_sqlite_connect, busy_ms=int(write_timeout * 1000)))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(url, pool_pre_ping=True, **pool)
    event.listen(engine, "begin", functools.partial(_postgresql_begin, lock_ms=int(write_timeout * 1000)))
    return engine


def _sqlite_connect(dbapi_connection, _record, *, busy_ms: int) -> None:
    dbapi_connection.isolation_level = None  # the driver's own BEGIN is replaced by ours
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    cursor.close()


def _sqlite_begin(connection) -> None:
    immediate = connection.get_execution_options().get("plus_write")
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _postgresql_begin(connection, *, lock_ms: int) -> None:
    if connection.get_execution_options().get("plus_write"):  # a row lock held elsewhere: give up after the write timeout
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {lock_ms}")


def is_busy(error: BaseException) -> bool:
    """True when `error` says the database could not take a write (or lend a connection) in time."""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, OperationalError):
        return False
    code = getattr(error.orig, "sqlstate", None) or getattr(getattr(error.orig, "diag", None), "sqlstate", None)
    if code in ("55P03", "40P01"):  # lock_not_available, deadlock_detected
        return True
    message = str(error.orig).lower()
    return "database is locked" in message or "database is busy" in message


def rows_changed(result: object) -> int:
    """How many rows an UPDATE or DELETE run with `Session.execute` changed.

    SQLAlchemy answers those with a CursorResult but types `Session.execute` as returning a plain Result."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"rows_changed reads the result of an UPDATE or DELETE, not a {type(result).__name__}")
    return result.rowcount


def can_write(database: Database) -> bool:
    """Whether a write transaction can start within the write timeout (for the health check)."""
    try:
        with database.transaction():
            return True
    except (OperationalError, PoolTimeout) as exc:
        if is_busy(exc):
            return False
        raise


def init_app(app: Flask) -> None:
    """Create the app's engine and close the request's session after each request."""
    engine = make_engine(
        app.config["DATABASE_URL"], write_timeout=app.config["PLUS_DB_WRITE_TIMEOUT"], pool_size=app.config["PLUS_DB_POOL_SIZE"]
    )
    app.extensions["plus_db"] = Database(engine, sessionmaker(engine, expire_on_commit=False), app.config["PLUS_DB_WRITE_TIMEOUT"])
    app.teardown_appcontext(_close_session)


def get_database(app: Flask | None = None) -> Database:
    """The app's database."""
    return (app or current_app).extensions["plus_db"]


def get_db() -> Session:
    """The session of the current request (or app context), opened on first use."""
    if "plus_session" not in g:
        g.plus_session = get_database().sessions()
    return g.plus_session


def end_request_transaction() -> None:
    """Give the request's connection back to the pool (before a network call: no connection waits on Stripe)."""
    session = g.get("plus_session")
    if session is not None:
        session.close()


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
    if revision == "head":
        log.info(say("数据库结构已是最新", "database is at the newest migration"))
    else:
        log.info(say("数据库结构版本 %s", "database is at migration %s"), revision)
