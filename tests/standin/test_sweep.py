"""The sweep runs before every read of a session: it finds the sessions due through indexes, not by
reading every session the stand-in ever made (a long rush slowed to a crawl as they piled up)."""

from __future__ import annotations

from stripe_standin.state import Standin


def test_the_sweep_finds_due_sessions_without_reading_every_session(tmp_path):
    standin = Standin(
        {
            "DATABASE": str(tmp_path / "standin.sqlite3"),
            "WEBHOOK_ENDPOINTS": [],
            "API_VERSION": "2026-10-28.endive",
            "WEBHOOK_RETRY_DELAYS": [0.05],
            "WEBHOOK_TIMEOUT": 3,
            "ASYNC_PAYMENT_DELAY": 0.2,
            "SWEEP_INTERVAL": 0,
            "PUBLIC_URL": "http://127.0.0.1:9",
        }
    )
    statements: list[str] = []
    standin.store._db.set_trace_callback(statements.append)
    standin.sweep()
    standin.store._db.set_trace_callback(None)
    reads = [sql for sql in statements if sql.startswith("SELECT") and "checkout.session" in sql]
    assert len(reads) == 2  # due to expire, due to settle
    for sql in reads:
        plan = " ".join(row[3] for row in standin.store.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "objects_expiry" in plan or "objects_settle" in plan, (sql, plan)
    standin.store.close()
