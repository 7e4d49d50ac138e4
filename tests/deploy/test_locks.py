"""Processes sharing one database take turns: one sweep at a time, migrations applied once."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import create_engine, inspect

from admin.serve import exclusive, migrate, sweep_once
from checkout import create_app
from checkout.db import get_database, normalise_url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh database of each kind (PostgreSQL only when PLUS_TEST_POSTGRES_URL is set)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'plus.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def app(database_url, tmp_path, content, today):
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "DATABASE_URL": database_url,
            "PLUS_INSTANCE": str(tmp_path / "instance"),
            "PLUS_CONTENT": str(content.root),
            "PLUS_TODAY": today.isoformat(),
        }
    )
    yield application
    get_database(application).engine.dispose()


def test_a_lock_held_by_one_holder_is_refused_to_another_until_released(app):
    database = get_database(app)
    with exclusive(database, "sweep", wait=False) as first:
        assert first is True
        with exclusive(database, "sweep", wait=False) as second:
            assert second is False
        with exclusive(database, "other", wait=False) as unrelated:
            assert unrelated is True
    with exclusive(database, "sweep", wait=False) as again:
        assert again is True


def test_a_waited_for_lock_is_held_until_the_block_ends(app):
    database = get_database(app)
    with exclusive(database, "migrate", wait=True) as held:
        assert held is True
        with exclusive(database, "migrate", wait=False) as second:
            assert second is False
    with exclusive(database, "migrate", wait=False) as again:
        assert again is True


def test_a_sweep_is_skipped_while_another_process_sweeps(app):
    migrate(get_database(app))
    with exclusive(get_database(app), "sweep", wait=False):
        assert sweep_once(app) is None
    assert sweep_once(app) == 0  # nothing had expired


def test_workers_starting_together_on_a_fresh_postgresql_migrate_it_once(pg_url):
    # Without the lock, two of four processes regularly collide creating the same tables.
    code = "import sys; from checkout.db import Database, make_engine; from admin.serve import migrate; e = make_engine(sys.argv[1]); migrate(Database(e, None)); e.dispose()"
    starting = [subprocess.Popen([sys.executable, "-c", code, pg_url], stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outcomes = [(process.communicate()[1], process.returncode) for process in starting]
    failures = [stderr[-600:] for stderr, status in outcomes if status != 0]
    assert failures == []
    engine = create_engine(normalise_url(pg_url))
    assert {"orders", "checkout_sessions", "stock_counters"} <= set(inspect(engine).get_table_names())
    engine.dispose()
