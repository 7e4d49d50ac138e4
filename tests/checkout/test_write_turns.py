"""SQLite: the threads of one process take turns for the write lock instead of meeting in SQLite's busy handler."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import sessionmaker

from checkout.db import Database, is_busy, make_engine


def impatient_database(path, write_timeout: float = 5.0) -> Database:
    """A SQLite database whose busy handler gives up at once: any two writers meeting inside SQLite fail."""
    engine = make_engine(f"sqlite:///{path}", write_timeout=write_timeout)
    event.listen(engine, "connect", lambda connection, _record: connection.execute("PRAGMA busy_timeout=0"))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    return Database(engine, sessionmaker(engine), write_timeout)


def test_concurrent_write_transactions_of_one_process_all_commit_in_turn(tmp_path):
    database = impatient_database(tmp_path / "turns.db")
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            with database.transaction() as db:
                db.execute(text("UPDATE counter SET n = n + 1"))
                time.sleep(0.005)  # the lock is held a moment, as a real checkout's transaction holds it
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with database.engine.connect() as connection:
        assert connection.scalar(text("SELECT n FROM counter")) == 16
    database.engine.dispose()


def test_a_turn_not_given_within_the_write_timeout_is_a_busy_database(tmp_path):
    database = impatient_database(tmp_path / "busy.db", write_timeout=0.2)
    inside, leave = threading.Event(), threading.Event()

    def holder() -> None:
        with database.transaction():
            inside.set()
            leave.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    inside.wait(5)
    try:
        with pytest.raises(PoolTimeout) as refused, database.transaction():
            pass
        assert is_busy(refused.value)  # answered 503 database_busy with Retry-After
    finally:
        leave.set()
        thread.join()
        database.engine.dispose()
