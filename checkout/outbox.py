"""The mail outbox: a mail is a row written in the transaction of the change it reports, sent after commit.

So a rolled-back change sends nothing, a committed one is never without its mail, and no request or
write transaction waits for a mail server. Senders (the worker thread of `plus serve`, `plus mail
send` from cron, any number of processes) claim rows with a conditional UPDATE (pending → sending;
on PostgreSQL the candidates are read with FOR UPDATE SKIP LOCKED so workers do not queue on each
other), so each row is handed to the server at most once. A server that is down or answers 4xx
puts the row back with a growing delay; a permanent refusal (5xx) or too many attempts marks it
failed. A row left `sending` by a process killed mid-send may or may not have left: it is marked
failed, never re-sent by itself (`plus mail send --retry-failed` re-queues failed rows by hand).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from catalog.messages import say

from .db import Database, rows_changed
from .mail import PermanentFailure, Transport, build_message, store_reply_to
from .models import OutboxMail, utcnow

log = logging.getLogger("plus.checkout.outbox")

MAX_ATTEMPTS = 12
FIRST_DELAY = dt.timedelta(seconds=30)
LONGEST_DELAY = dt.timedelta(hours=2)
LEASE = dt.timedelta(minutes=10)
"""A claim older than this belongs to a sender that died mid-send."""
BATCH = 50


def enqueue(db: Session, *, kind: str, to: str, subject: str, body: str, key: str | None = None, now: dt.datetime | None = None) -> None:
    """Write a mail into the caller's transaction; a second mail with the same `key` is dropped."""
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    now = now or utcnow()
    statement = insert(OutboxMail).values(
        kind=kind,
        key=key,
        recipient=to,
        subject=subject[:200],
        body=body,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    db.execute(statement.on_conflict_do_nothing(index_elements=["key"]) if key else statement)


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failure: 30 s, 1 min, 2 min, … at most 2 hours."""
    return min(FIRST_DELAY * (2 ** max(0, attempts - 1)), LONGEST_DELAY)


@dataclass
class Report:
    """What one run of the sender did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    interrupted: int = 0


def _abandon_stale(database: Database, now: dt.datetime) -> int:
    """Rows a dead sender left `sending`: they may have left, so they fail instead of going again."""
    with database.transaction() as db:
        return rows_changed(
            db.execute(
                update(OutboxMail)
                .where(OutboxMail.status == "sending", OutboxMail.claimed_at < now - LEASE)
                .values(status="failed", last_error="发送中断（发送进程中止），可能已发出：未自动重发")
            )
        )


def claim(database: Database, *, limit: int = BATCH, now: dt.datetime | None = None) -> list[OutboxMail]:
    """Take up to `limit` due mails for this sender; no other sender can take them afterwards."""
    now = now or utcnow()
    with database.transaction() as db:
        query = (
            select(OutboxMail.id)
            .where(OutboxMail.status == "pending", OutboxMail.next_attempt_at <= now)
            .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
            .limit(limit)
        )
        if db.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        mine = []
        for mail_id in db.scalars(query).all():
            taken = rows_changed(
                db.execute(
                    update(OutboxMail)
                    .where(OutboxMail.id == mail_id, OutboxMail.status == "pending")
                    .values(status="sending", claimed_at=now, attempts=OutboxMail.attempts + 1)
                )
            )
            if taken == 1:
                mine.append(mail_id)
        rows = db.scalars(select(OutboxMail).where(OutboxMail.id.in_(mine)).order_by(OutboxMail.id)).all() if mine else []
        db.expunge_all()
        return list(rows)


def _finish(database: Database, mail: OutboxMail, *, error: str | None, permanent: bool, now: dt.datetime) -> str:
    """Record how a claimed mail went: sent, back to pending for later, or failed."""
    if error is None:
        values: dict = {"status": "sent", "sent_at": now, "last_error": None}
    elif permanent or mail.attempts >= MAX_ATTEMPTS:
        values = {"status": "failed", "last_error": error[:500]}
    else:
        values = {"status": "pending", "next_attempt_at": now + backoff(mail.attempts), "last_error": error[:500]}
    with database.transaction() as db:
        db.execute(update(OutboxMail).where(OutboxMail.id == mail.id, OutboxMail.status == "sending").values(**values))
    return values["status"]


def send_due(database: Database, config: dict, folder: Path, *, now: dt.datetime | None = None, limit: int = BATCH) -> Report:
    """Send every due mail once: claim, hand to the server outside any transaction, record the outcome."""
    now = now or utcnow()
    report = Report(interrupted=_abandon_stale(database, now))
    mails = claim(database, limit=limit, now=now)
    if not mails:
        return report
    reply_to = store_reply_to(Path(config["PLUS_CONTENT"]))
    transport = Transport(config, Path(folder))
    try:
        transport.open()
    except Exception as exc:  # the server is down or refuses us: nothing left, every mail waits for the next run
        log.warning(
            say("邮件服务器连不上（%s）：%d 封邮件留着稍后重发", "mail server unavailable (%s): %d mail(s) kept for a retry"),
            exc,
            len(mails),
        )
        for mail in mails:
            outcome = _finish(database, mail, error=f"{type(exc).__name__}: {exc}", permanent=False, now=utcnow())
            report.retrying += outcome == "pending"
            report.failed += outcome == "failed"
        return report
    try:
        for mail in mails:
            message = build_message(
                config, ref=f"outbox-{mail.id}", to=mail.recipient, subject=mail.subject, body=mail.body, reply_to=reply_to
            )
            try:
                transport.send(message, f"{mail.id:08d}-{mail.kind}")
            except PermanentFailure as exc:
                log.error(say("邮件 %d（给 %s）被退回，不再重发：%s", "mail %d to %s refused for good: %s"), mail.id, mail.recipient, exc)
                _finish(database, mail, error=str(exc), permanent=True, now=utcnow())
                report.failed += 1
                continue
            except Exception as exc:  # a dropped connection or a 4xx: this and the rest wait for the next run
                log.warning(
                    say("邮件 %d（给 %s）没有发出（%s）：稍后重发", "mail %d to %s not sent (%s): retrying later"),
                    mail.id,
                    mail.recipient,
                    exc,
                )
                outcome = _finish(database, mail, error=f"{type(exc).__name__}: {exc}", permanent=False, now=utcnow())
                report.retrying += outcome == "pending"
                report.failed += outcome == "failed"
                continue
            _finish(database, mail, error=None, permanent=False, now=utcnow())
            report.sent += 1
    finally:
        transport.close()
    return report


def retry_failed(database: Database, *, now: dt.datetime | None = None) -> int:
    """Put every failed mail back in the queue (after fixing an address or the server)."""
    with database.transaction() as db:
        return rows_changed(
            db.execute(
                update(OutboxMail)
                .where(OutboxMail.status == "failed")
                .values(status="pending", attempts=0, next_attempt_at=now or utcnow(), claimed_at=None)
            )
        )
