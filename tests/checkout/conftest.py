"""Checkout fixtures: an app on SQLite (and PostgreSQL when PLUS_TEST_POSTGRES_URL is set), the
local Stripe stand-in driven through the real `stripe` library, and a live server it can send webhooks to."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import event
from werkzeug.serving import make_server

from checkout import create_app
from checkout.app import close_app
from checkout.db import get_database, make_engine, upgrade
from stripe_standin import create_app as create_standin
from stripe_standin import serve_in_thread
from stripe_standin.state import Standin
from tests.conftest import POLL, TEMPLATES

from .helpers import (
    BACKENDS,
    WEBHOOK_SECRET,
    Live,
    add_shop_products,
    app_config,
    private_pg_schema,
)


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a private schema in the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'plus.db'}"
        return
    with private_pg_schema("t_") as url:
        yield url


class MigratedSchema:
    """The schema at head, built once per test session by the real migrations (tests/checkout/test_migrations.py
    checks those on empty databases): a migrated SQLite file each test's database starts as a copy of, and the
    statements the migrations ran on PostgreSQL, replayed into each test's private schema."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._sqlite: Path | None = None
        self._postgresql: list[tuple[str, object, bool]] | None = None

    def install(self, engine) -> None:
        """Bring the database of `engine` to head: a copy of the template when it is new and empty, else the migrations."""
        if engine.dialect.name == "sqlite":
            target = Path(engine.url.database)
            if not target.exists():
                engine.dispose()  # no connection may have the file open while it appears
                shutil.copyfile(self._sqlite_template(), target)
                return
        elif engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                if not connection.exec_driver_sql("SELECT 1 FROM pg_tables WHERE schemaname = current_schema()").first():
                    cursor = connection.connection.dbapi_connection.cursor()
                    for statement, parameters, many in self._postgresql_statements():
                        if many:
                            cursor.executemany(statement, parameters)
                        elif parameters:
                            cursor.execute(statement, parameters)
                        else:
                            cursor.execute(statement)
                    cursor.close()
                    connection.commit()
                    return
        upgrade(engine)

    def _sqlite_template(self) -> Path:
        if self._sqlite is None:
            path = self.folder / "template.db"
            engine = make_engine(f"sqlite:///{path}")
            upgrade(engine)
            engine.dispose()  # the last connection closes: the WAL is checkpointed into the file
            self._sqlite = path
        return self._sqlite

    def _postgresql_statements(self) -> list[tuple[str, object, bool]]:
        if self._postgresql is None:
            statements: list[tuple[str, object, bool]] = []
            with private_pg_schema("m_") as url:
                engine = make_engine(url)
                with engine.connect():
                    pass  # the dialect's first-connect queries are not part of the schema

                def record(_conn, _cursor, statement, parameters, _context, executemany):
                    statements.append((statement, parameters, executemany))

                event.listen(engine, "before_cursor_execute", record)
                upgrade(engine)
                engine.dispose()
            self._postgresql = statements
        return self._postgresql


@pytest.fixture(scope="session")
def migrated(tmp_path_factory) -> MigratedSchema:
    """The migrated schema, made once per session (see MigratedSchema)."""
    return MigratedSchema(tmp_path_factory.mktemp("migrated"))


@pytest.fixture
def shop_content(content):
    """The conftest content tree plus the shop's fixture products."""
    add_shop_products(content)
    return content


@pytest.fixture(scope="session")
def standin_app():
    """The stand-in's Flask app, made once: building its URL map cost more than many tests (see `standin`)."""
    return create_standin(
        {
            "ASYNC_PAYMENT_DELAY": 0.2,
            "WEBHOOK_RETRY_DELAYS": [0.2, 0.5, 1, 2],
            "SWEEP_INTERVAL": 0.1,
            "WEBHOOK_TIMEOUT": 5,
            "START_THREADS": False,
        }
    )


@pytest.fixture
def standin(standin_app) -> Iterator[str]:
    """The local Stripe on a free port, with a state of its own: its own store, clock, webhook endpoints
    (added by the tests that need them) and threads; only the session's Flask app is shared."""
    state = Standin(standin_app.config)
    standin_app.extensions["stripe_standin"] = state
    state.start()
    running = serve_in_thread(standin_app, poll_interval=POLL)
    yield running.url
    running.stop()  # stops the server, then this test's state


@pytest.fixture
def make_app(db_url, shop_content, standin, today, migrated):
    """A factory of apps on the test database (migrated), with settings changed by keyword."""
    made = []

    def make(**extra):
        application = create_app(app_config(db_url, shop_content.root, standin, today, **extra))
        application.jinja_env.bytecode_cache = TEMPLATES
        if not made:  # the first app brings the database to head; the others share it
            migrated.install(get_database(application).engine)
        made.append(application)
        return application

    yield make
    for application in made:
        close_app(application)  # queued Stripe jobs finish before the connections close


@pytest.fixture
def app(make_app):
    """An app on a migrated database, pricing from the fixture content, paying at the stand-in."""
    return make_app()


@pytest.fixture
def client(app):
    """A browser-like test client (cookies kept)."""
    return app.test_client()


@pytest.fixture
def live(app, standin) -> Iterator[Live]:
    """The app on a real port, registered as the stand-in's webhook endpoint."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # closing the server waits for requests still being answered (a webhook mid-transaction would
    # otherwise leave its database connection to the garbage collector, warning in a later test)
    server.daemon_threads = False
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.port}"
    requests.post(
        f"{standin}/_standin/webhook_endpoints", data={"url": f"{url}/api/stripe/webhook", "secret": WEBHOOK_SECRET}, timeout=5
    ).raise_for_status()
    yield Live(app, url, standin)
    server.shutdown()
    # werkzeug's serve_forever ends by closing the server itself, which takes the list of request
    # threads and joins them: a second server_close() here would find the list empty and return at
    # once, and the app's engine could be disposed under a webhook still answering. Join the thread.
    thread.join()
