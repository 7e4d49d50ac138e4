"""SQLite state of the stand-in: Stripe objects as JSON, idempotency records, webhook jobs and their log."""

from __future__ import annotations

import json
import secrets
import sqlite3
import string
import threading
import time
from contextlib import contextmanager

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    kind TEXT NOT NULL,
    created INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS objects_kind ON objects (kind, created);
-- The sweep (before every read of a session) finds the sessions due to expire or settle through these:
-- scanning every session's JSON took 86 ms at 15,000 sessions, and a long rush slowed to a crawl.
CREATE INDEX IF NOT EXISTS objects_expiry ON objects (kind, json_extract(body, '$.status'), json_extract(body, '$.expires_at'));
CREATE INDEX IF NOT EXISTS objects_settle ON objects (kind, json_extract(body, '$._settle_at'));
CREATE TABLE IF NOT EXISTS idempotency (
    api_key TEXT NOT NULL,
    key TEXT NOT NULL,
    request TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (api_key, key)
);
CREATE TABLE IF NOT EXISTS webhook_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    url TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending',
    next_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    url TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    at REAL NOT NULL,
    status INTEGER,
    error TEXT,
    duration_ms INTEGER NOT NULL
);
"""

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    """A Stripe-looking id such as `cs_test_a1B2…` or `pi_3Xy…`."""
    return prefix + "_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


class Clock:
    """Unix time in seconds, shiftable forward so tests can reach expiry and renewals without waiting."""

    def __init__(self):
        self.offset = 0

    def now(self) -> int:
        """The stand-in's current time."""
        return int(time.time()) + self.offset

    def exact(self) -> float:
        """The stand-in's current time with sub-second precision."""
        return time.time() + self.offset

    def advance(self, seconds: int) -> int:
        """Move the stand-in's clock forward (never back) and return the new time."""
        self.offset += max(0, seconds)
        return self.now()


class Store:
    """One SQLite connection shared by every thread behind one re-entrant lock."""

    def __init__(self, path: str = ":memory:"):
        self.lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL" if path != ":memory:" else "PRAGMA journal_mode=MEMORY")
        self._db.executescript(_SCHEMA)
        self._depth = 0

    @contextmanager
    def transaction(self):
        """Hold the lock and commit everything inside as one SQLite transaction."""
        with self.lock:
            outer = self._depth == 0
            if outer:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._db.execute("COMMIT")

    def close(self) -> None:
        """Close the SQLite connection."""
        with self.lock:
            self._db.close()

    def execute(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        """Run one statement under the lock and return its rows."""
        with self.lock:
            return self._db.execute(sql, args).fetchall()

    # Stripe objects

    def save(self, obj: dict) -> dict:
        """Insert or replace a Stripe object (it needs `id`, `object` and `created`)."""
        with self.lock:
            self._db.execute(
                "INSERT INTO objects (id, kind, created, body) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body",
                (obj["id"], obj["object"], obj["created"], json.dumps(obj, ensure_ascii=False)),
            )
        return obj

    def get(self, object_id: str, kind: str | None = None) -> dict | None:
        """The stored object with this id (and kind, when given), or None."""
        rows = self.execute("SELECT kind, body FROM objects WHERE id = ?", (object_id,))
        if not rows or (kind and rows[0][0] != kind):
            return None
        return json.loads(rows[0][1])

    def all(self, kind: str) -> list[dict]:
        """Every object of a kind, newest first (Stripe's list order)."""
        rows = self.execute("SELECT body FROM objects WHERE kind = ? ORDER BY created DESC, seq DESC", (kind,))
        return [json.loads(row[0]) for row in rows]

    # Idempotency

    def idempotent_result(self, api_key: str, key: str) -> tuple[str, int, str] | None:
        """The (request fingerprint, status, body) first stored under this key, if any."""
        rows = self.execute("SELECT request, status, body FROM idempotency WHERE api_key = ? AND key = ?", (api_key, key))
        return tuple(rows[0]) if rows else None

    def remember(self, api_key: str, key: str, request: str, status: int, body: str) -> None:
        """Store a response to replay for the same idempotency key."""
        self.execute("INSERT OR REPLACE INTO idempotency VALUES (?, ?, ?, ?, ?, ?)", (api_key, key, request, status, body, time.time()))
        self.execute("DELETE FROM idempotency WHERE created < ?", (time.time() - 24 * 3600,))


def public(obj: dict) -> dict:
    """The object as Stripe shows it: without the stand-in's private `_fields`."""
    return {key: value for key, value in obj.items() if not key.startswith("_")}
